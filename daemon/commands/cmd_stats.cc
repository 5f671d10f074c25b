// stats [name [process]]: per-process INFO from /proc (§7.20). The loop
// collects the pids; the reads happen on the /proc worker thread.
#include <string>
#include <vector>

#include "daemon/commands/command_util.h"

namespace ringmaster {
namespace {

struct Target {
  std::string watcher;
  pid_t pid;
  double started;
  int wid;
};

std::vector<Target> TargetsOf(const Watcher& w) {
  std::vector<Target> out;
  for (const Process* p : w.processes()) out.push_back({w.name(), p->pid, p->started, p->wid});
  return out;
}

// {pid: INFO} per watcher name.
nlohmann::json InfosByWatcher(ProcStats& stats, const std::vector<Target>& targets) {
  nlohmann::json out = nlohmann::json::object();
  for (const Target& t : targets) {
    nlohmann::json& infos = out[t.watcher];
    if (infos.is_null()) infos = nlohmann::json::object();
    infos[std::to_string(t.pid)] = stats.Info(t.pid, t.started, t.wid, true);
  }
  return out;
}

}  // namespace

void CmdStats(CommandContext& ctx, const Request& req, Responder respond) {
  if (!HasProp(req, "name")) {
    if (HasProp(req, "process")) {
      ReplyError(respond, req, Errno::kMessageError, "message invalid 'name' is missing");
      return;
    }
    std::vector<Target> targets;
    nlohmann::json infos = nlohmann::json::object();
    for (const auto& w : ctx.arbiter.watchers()) {
      infos[w->name()] = nlohmann::json::object();  // watchers with no process too
      std::vector<Target> t = TargetsOf(*w);
      targets.insert(targets.end(), t.begin(), t.end());
    }
    ctx.procs.Run([targets](ProcStats& stats) { return InfosByWatcher(stats, targets); },
                  [req, respond, infos](nlohmann::json got) mutable {
                    infos.update(got);
                    ReplyOk(respond, req, {{"infos", infos}});
                  });
    return;
  }
  Watcher* w = RequireWatcher(ctx, req, respond);
  if (w == nullptr) return;
  const std::string name = PropString(req, "name");
  if (!HasProp(req, "process")) {
    std::vector<Target> targets = TargetsOf(*w);
    const std::string key = w->name();
    ctx.procs.Run([targets](ProcStats& stats) { return InfosByWatcher(stats, targets); },
                  [req, respond, name, key](nlohmann::json got) {
                    nlohmann::json info = got.contains(key) ? got[key] : nlohmann::json::object();
                    ReplyOk(respond, req, {{"name", name}, {"info", info}});
                  });
    return;
  }
  long long pid = PropIntLike(req, "process").value_or(-1);
  for (const Process* p : w->processes()) {
    if (p->pid == pid) {
      Target t{w->name(), p->pid, p->started, p->wid};
      ctx.procs.Run([t](ProcStats& stats) { return stats.Info(t.pid, t.started, t.wid, true); },
                    [req, respond](nlohmann::json info) {
                      ReplyOk(respond, req, {{"process", req.properties["process"]}, {"info", info}});
                    });
      return;
    }
  }
  ReplyError(respond, req, Errno::kMessageError,
             "process " + std::to_string(pid) + " not found in '" + w->name() + "'");
}

}  // namespace ringmaster
