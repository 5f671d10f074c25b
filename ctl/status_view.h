// The `ringctl status` table, supervisorctl-like: one row per watcher with
// state, running/desired processes, pids, uptime and a note (busy change,
// readiness, backoff). Rows come from a `status` reply with `detail` (§10.5)
// or, for daemons without it (Circus), from status + list + stats + get
// replies. Pure: callers pass the replies and the current time.
#ifndef RINGMASTER_CTL_STATUS_VIEW_H_
#define RINGMASTER_CTL_STATUS_VIEW_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ringmaster {

struct WatcherRow {
  std::string name;
  std::string state;
  std::optional<int> running;    // live processes
  std::optional<int> desired;    // numprocesses
  std::vector<int64_t> pids;     // spawn order
  std::optional<double> uptime;  // seconds since the oldest live process started
  std::string note;              // e.g. "restart in progress (2/4)", "2/3 ready"
};

// "0:12:05", "1 day, 2:03:04" (Python timedelta, as supervisorctl prints).
std::string FormatUptime(double seconds);

// Rows from a `status` reply sent with detail: true; `name` is the watcher
// asked for (empty: all). nullopt when the reply has no detail fields (the
// daemon does not speak the extension), so the caller falls back.
std::optional<std::vector<WatcherRow>> RowsFromStatusDetail(const nlohmann::json& reply,
                                                            const std::string& name, double now);

// The per-watcher replies of the fallback path; any may be null when that
// request failed (then its columns show "-").
struct WatcherFacts {
  std::string name;
  std::string state;
  nlohmann::json list_reply;   // list NAME: pids
  nlohmann::json stats_reply;  // stats NAME: info {pid: INFO}
  nlohmann::json get_reply;    // get NAME [numprocesses]: desired count
};

WatcherRow RowFromFacts(const WatcherFacts& facts);

// Watcher names and states from a plain `status` reply: `statuses` (all), or
// the reply's own `status` field (one watcher, named `name`).
std::vector<std::pair<std::string, std::string>> StatesFromStatusReply(const nlohmann::json& reply,
                                                                       const std::string& name);

// The aligned table (header included), rows sorted by name case-insensitively.
std::string FormatStatusTable(std::vector<WatcherRow> rows);

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_STATUS_VIEW_H_
