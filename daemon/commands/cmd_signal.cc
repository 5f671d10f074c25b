// signal name signum [pid] [childpid] [children] [recursive]: send a signal
// now, with no stop sequence and no `kill` event (§7.19).
#include <signal.h>

#include "core/command_spec.h"
#include "daemon/commands/command_util.h"
#include "daemon/process_tree.h"

namespace ringmaster {

void CmdSignal(CommandContext& ctx, const Request& req, Responder respond) {
  Watcher* w = RequireWatcher(ctx, req, respond);
  if (w == nullptr) return;
  int sig = ParseSignalValue(req.properties["signum"]);
  if (sig <= 0) {
    ReplyError(respond, req, Errno::kMessageError, "signal invalid");
    return;
  }
  Result<std::optional<pid_t>> pid_arg = PropPid(req, "pid");
  Result<std::optional<pid_t>> child_arg = PropPid(req, "childpid");
  for (const auto* arg : {&pid_arg, &child_arg}) {
    if (!arg->ok()) {
      ReplyError(respond, req, Errno::kMessageError, arg->error());
      return;
    }
  }
  const std::optional<pid_t> pid = *pid_arg, childpid = *child_arg;
  if (childpid && !pid) {
    ReplyError(respond, req, Errno::kMessageError, "message invalid 'pid' is missing");
    return;
  }
  std::vector<pid_t> targets;
  if (pid) {
    if (!w->Owns(*pid)) {
      ReplyError(respond, req, Errno::kMessageError,
                 "process " + std::to_string(*pid) + " not found in '" + w->name() + "'");
      return;
    }
    targets.push_back(*pid);
  } else {
    for (const Process* p : w->processes()) targets.push_back(p->pid);
  }
  ProcessTree tree = ProcessTree::Scan();
  std::vector<pid_t> hit;
  if (childpid) {
    auto children = tree.ChildrenOf(targets[0]);
    if (std::find(children.begin(), children.end(), *childpid) == children.end()) {
      ReplyError(respond, req, Errno::kMessageError,
                 "process " + std::to_string(*childpid) + " is not a child of " +
                     std::to_string(targets[0]));
      return;
    }
    hit.push_back(static_cast<pid_t>(*childpid));
  } else if (PropBool(req, "children")) {
    for (pid_t t : targets) {
      for (pid_t c : tree.ChildrenOf(t)) hit.push_back(c);
    }
  } else if (PropBool(req, "recursive")) {
    for (pid_t t : targets) {
      hit.push_back(t);
      for (pid_t d : tree.DescendantsOf(t)) hit.push_back(d);
    }
  } else {
    hit = targets;
  }
  for (pid_t p : hit) {
    if (::kill(p, sig) < 0 && errno == EPERM) {
      ReplyError(respond, req, Errno::kOsError,
                 "kill(" + std::to_string(p) + "): " + std::strerror(errno));
      return;
    }
  }
  ReplyOk(respond, req);
}

}  // namespace ringmaster
