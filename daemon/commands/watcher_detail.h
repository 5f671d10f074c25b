// The WATCHER object of docs/protocol.md §10.5 (status `detail`, and the
// HTTP snapshot's watcher views). The loop copies what it says into plain
// facts (cheap: a few fields per process); rendering them, and reading each
// process's RSS, may then happen on another thread, so a detail of 1,000
// processes does not hold the loop.
#ifndef RINGMASTER_DAEMON_COMMANDS_WATCHER_DETAIL_H_
#define RINGMASTER_DAEMON_COMMANDS_WATCHER_DETAIL_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/commands/command_context.h"

namespace ringmaster {

struct ProcessFacts {
  pid_t pid = 0;
  int wid = 0;
  std::string_view state;  // ProtocolState(): a static string
  double started = 0;
  std::optional<double> ready_at;
  std::string status_text;
};

struct WatcherFacts {
  std::string name;
  nlohmann::json head;  // the WATCHER object without "processes"
  std::vector<ProcessFacts> processes;
};

// Loop thread.
WatcherFacts CollectWatcherFacts(CommandContext& ctx, const Watcher& w);

// Any thread. `rss` gives a process's RSS in bytes (null in the object when
// it gives nullopt; no function: null for all).
using RssOf = std::function<std::optional<uint64_t>(const ProcessFacts&)>;
nlohmann::json ProcessObject(const ProcessFacts& p, const RssOf& rss = nullptr);
nlohmann::json WatcherDetailJson(const WatcherFacts& f, const RssOf& rss = nullptr);
// The same object as JSON text (bytes that are not UTF-8 replaced).
std::string WatcherDetailText(const WatcherFacts& f, const RssOf& rss = nullptr);
// The summary form (status `summary`, §10.5): the WATCHER object with `pids`
// (spawn order) and `oldest_started` (epoch, or null) in place of
// `processes`. Needs no /proc read, so it is rendered on the loop.
std::string WatcherSummaryText(const WatcherFacts& f);

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_COMMANDS_WATCHER_DETAIL_H_
