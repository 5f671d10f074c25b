// Helpers shared by command handlers: property access, watcher lookup, and
// the runner for asynchronous change commands (admission, `waiting`,
// cancellation). Loop thread only.
#ifndef RINGMASTER_DAEMON_COMMANDS_COMMAND_UTIL_H_
#define RINGMASTER_DAEMON_COMMANDS_COMMAND_UTIL_H_

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/commands/command_context.h"

namespace ringmaster {

void ReplyOk(const Responder& respond, const Request& req,
             const nlohmann::json& fields = nlohmann::json::object());
void ReplyError(const Responder& respond, const Request& req, Errno err, const std::string& reason);

// properties[key] as a string, or "" when absent.
std::string PropString(const Request& req, const char* key);
bool PropBool(const Request& req, const char* key, bool fallback = false);
bool HasProp(const Request& req, const char* key);
// int, or a decimal string (int|numstr); nullopt when absent.
std::optional<long long> PropIntLike(const Request& req, const char* key);
std::optional<double> PropNumberLike(const Request& req, const char* key);

// Error "'numprocesses' must be at most max_numprocesses (N), not M" when
// `numprocesses` is above the [circus] ceiling (set, add).
Status CheckNumprocessesCeiling(const CommandContext& ctx, int numprocesses);

// properties[key] as a pid: nullopt when absent; an error when present but
// not an integer in 1..INT_MAX (a negative or wrapped value must never reach
// kill(), where it would name a process group).
Result<std::optional<pid_t>> PropPid(const Request& req, const char* key);

// Looks up properties.name; replies errno 3 "program X not found" and
// returns nullptr when absent.
Watcher* RequireWatcher(CommandContext& ctx, const Request& req, const Responder& respond);

// Watchers matched by name/match (start/stop/restart), or every watcher when
// no name; replies the error and returns nullopt.
std::optional<std::vector<Watcher*>> MatchWatchers(CommandContext& ctx, const Request& req,
                                                   const Responder& respond,
                                                   bool autostart_only_when_unnamed);

// Starts an operation on one watcher; calls done(failure) when complete.
using WatcherOp =
    std::function<void(Watcher& w, std::function<void(std::optional<std::string>)> done)>;

// Runs a change over `scope`: admission (busy -> errno 5), the immediate bare
// ok when not waiting, then `op` on every admitted watcher (all at once, or
// one after another when `sequential`), joins where the table says so, and
// the final reply (`result()` fields, or errno 6) when waiting.
void RunChange(CommandContext& ctx, const Request& req, Responder respond,
               const std::vector<Watcher*>& scope, const std::string& command, WatcherOp op,
               std::function<nlohmann::json()> result, bool sequential = false);

// Live pids of a watcher.
std::set<pid_t> LivePids(const Watcher& w);
// {"stopped": [...], "started": [...], "kept": [...]}, each sorted.
nlohmann::json ProcessDiff(const std::set<pid_t>& before, const std::set<pid_t>& after,
                           bool with_stopped);

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_COMMANDS_COMMAND_UTIL_H_

namespace ringmaster {
// incr (+1) / decr (-1).
void RunResize(CommandContext& ctx, const Request& req, Responder respond, int sign);

// Answers with the text `render` makes on the /proc worker thread (a whole
// serialised reply), so a large reply is built and serialised off the loop.
void RespondRendered(CommandContext& ctx, const Responder& respond,
                     std::function<std::string(ProcStats&)> render);
}  // namespace ringmaster

namespace ringmaster {
// max_unavailable / max_surge from the request (int or "N%" of numprocesses):
// unavailable rounds down, surge rounds up, both capped at numprocesses; both
// 0 means max_unavailable 1 (docs/protocol.md §10.4).
Watcher::RollOptions RollOptionsFrom(const Request& req, int numprocesses, const std::string& what);
}  // namespace ringmaster
