// The WATCHER object of control-protocol.md §10.5 (status `detail`).
#ifndef RINGMASTER_DAEMON_COMMANDS_WATCHER_DETAIL_H_
#define RINGMASTER_DAEMON_COMMANDS_WATCHER_DETAIL_H_

#include <nlohmann/json.hpp>

#include "daemon/commands/command_context.h"

namespace ringmaster {

// `with_rss` false leaves "rss" null (for callers that read it themselves).
nlohmann::json WatcherDetail(CommandContext& ctx, const Watcher& w, bool with_rss = true);

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_COMMANDS_WATCHER_DETAIL_H_
