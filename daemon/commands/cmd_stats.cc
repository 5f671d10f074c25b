// stats [name [process]]: per-process INFO from /proc (§7.20). The loop
// collects the pids; the reads, and the whole reply's serialisation, happen
// on the /proc worker thread, so the loop only sends bytes (a reply for
// 1,000 processes is ~300 KB).
#include <memory>
#include <string>
#include <vector>

#include "daemon/commands/command_util.h"

namespace ringmaster {
namespace {

struct Target {
  pid_t pid;
  double started;
  int wid;
};

struct WatcherTargets {
  std::string name;
  std::vector<Target> targets;
};

WatcherTargets TargetsOf(const Watcher& w) {
  WatcherTargets out{w.name(), {}};
  for (const Process* p : w.processes()) out.targets.push_back({p->pid, p->started, p->wid});
  return out;
}

std::string JsonString(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// {"<pid>": INFO, ...} as JSON text.
std::string InfosText(ProcStats& stats, const std::vector<Target>& targets) {
  std::string out = "{";
  for (const Target& t : targets) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += std::to_string(t.pid);
    out += "\":";
    out += stats.InfoText(t.pid, t.started, t.wid);
  }
  out += '}';
  return out;
}


}  // namespace

void CmdStats(CommandContext& ctx, const Request& req, Responder respond) {
  if (!HasProp(req, "name")) {
    if (HasProp(req, "process")) {
      ReplyError(respond, req, Errno::kMessageError, "message invalid 'name' is missing");
      return;
    }
    std::vector<WatcherTargets> all;  // watchers with no process too
    for (const auto& w : ctx.arbiter.watchers()) all.push_back(TargetsOf(*w));
    nlohmann::json id = req.id;
    RespondRendered(ctx, respond, [all = std::move(all), id](ProcStats& stats) {
      std::string infos = "{";
      for (const WatcherTargets& w : all) {
        if (infos.size() > 1) infos += ',';
        infos += JsonString(w.name);
        infos += ':';
        infos += InfosText(stats, w.targets);
      }
      infos += '}';
      return SerializeReply(OkReply(id), "infos", infos);
    });
    return;
  }
  Watcher* w = RequireWatcher(ctx, req, respond);
  if (w == nullptr) return;
  const std::string name = PropString(req, "name");
  if (!HasProp(req, "process")) {
    nlohmann::json id = req.id;
    RespondRendered(ctx, respond, [targets = TargetsOf(*w).targets, id, name](ProcStats& stats) {
      return SerializeReply(OkReply(id, {{"name", name}}), "info", InfosText(stats, targets));
    });
    return;
  }
  long long pid = PropIntLike(req, "process").value_or(-1);
  for (const Process* p : w->processes()) {
    if (p->pid == pid) {
      Target t{p->pid, p->started, p->wid};
      nlohmann::json id = req.id, process = req.properties["process"];
      RespondRendered(ctx, respond, [t, id, process](ProcStats& stats) {
        return SerializeReply(OkReply(id, {{"process", process}}), "info",
                              stats.InfoText(t.pid, t.started, t.wid));
      });
      return;
    }
  }
  ReplyError(respond, req, Errno::kMessageError,
             "process " + std::to_string(pid) + " not found in '" + w->name() + "'");
}

}  // namespace ringmaster
