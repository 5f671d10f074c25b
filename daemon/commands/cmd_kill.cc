// kill name [pid] [signum] [graceful_timeout]: stop chosen processes with a
// stop sequence; the watcher replaces them (§7.7). Not a change: allowed
// while one runs.
#include "core/command_spec.h"
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdKill(CommandContext& ctx, const Request& req, Responder respond) {
  Watcher* w = RequireWatcher(ctx, req, respond);
  if (w == nullptr) return;
  std::vector<pid_t> targets;
  auto pid = PropPid(req, "pid");
  if (!pid.ok()) {
    ReplyError(respond, req, Errno::kMessageError, pid.error());
    return;
  }
  if (*pid) {
    if (!w->Owns(**pid)) {
      ReplyError(respond, req, Errno::kMessageError,
                 "process " + std::to_string(**pid) + " not found in '" + w->name() + "'");
      return;
    }
    targets.push_back(**pid);
  } else {
    for (const Process* p : w->processes()) targets.push_back(p->pid);
  }
  std::optional<int> sig;
  if (HasProp(req, "signum")) sig = ParseSignalValue(req.properties["signum"]);
  std::optional<double> grace = PropNumberLike(req, "graceful_timeout");
  if (HasProp(req, "graceful_timeout") && (!grace || *grace < 0)) {
    ReplyError(respond, req, Errno::kMessageError,
               "'graceful_timeout' must be a number of seconds >= 0, not " +
                   req.properties["graceful_timeout"].dump());
    return;
  }
  bool waiting = req.waiting();
  if (!waiting) ReplyOk(respond, req);
  w->KillProcesses(targets, sig, grace, [waiting, respond, req] {
    if (waiting) ReplyOk(respond, req);
  });
}

}  // namespace ringmaster
