// stats [name [process]]: per-process INFO from /proc (§7.20).
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdStats(CommandContext& ctx, const Request& req, Responder respond) {
  auto infos_of = [&](const Watcher& w) {
    nlohmann::json info = nlohmann::json::object();
    for (const Process* p : w.processes()) {
      info[std::to_string(p->pid)] = ctx.stats.Info(p->pid, p->started, p->wid, true);
    }
    return info;
  };
  if (!HasProp(req, "name")) {
    if (HasProp(req, "process")) {
      ReplyError(respond, req, Errno::kMessageError, "message invalid 'name' is missing");
      return;
    }
    nlohmann::json infos = nlohmann::json::object();
    for (const auto& w : ctx.arbiter.watchers()) infos[w->name()] = infos_of(*w);
    ReplyOk(respond, req, {{"infos", infos}});
    return;
  }
  Watcher* w = RequireWatcher(ctx, req, respond);
  if (w == nullptr) return;
  if (!HasProp(req, "process")) {
    ReplyOk(respond, req, {{"name", PropString(req, "name")}, {"info", infos_of(*w)}});
    return;
  }
  long long pid = PropIntLike(req, "process").value_or(-1);
  for (const Process* p : w->processes()) {
    if (p->pid == pid) {
      ReplyOk(respond, req,
              {{"process", req.properties["process"]},
               {"info", ctx.stats.Info(p->pid, p->started, p->wid, true)}});
      return;
    }
  }
  ReplyError(respond, req, Errno::kMessageError,
             "process " + std::to_string(pid) + " not found in '" + w->name() + "'");
}

}  // namespace ringmaster
