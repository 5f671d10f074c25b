// status [name] [detail]: watcher states (§7.22); with a name the reply's own
// `status` field is the state. `detail` adds the WATCHER objects of §10.5;
// their per-process `rss` is read on the /proc worker thread, so a detail of
// 1,000 processes does not hold the loop for 1,000 file reads.
#include <vector>

#include "daemon/commands/command_util.h"
#include "daemon/commands/watcher_detail.h"
#include "daemon/proc_files.h"

namespace ringmaster {
namespace {

// Fills "rss" of every process object in `details` (WATCHER objects) from
// {pid: bytes}.
void FillRss(nlohmann::json& detail, const nlohmann::json& rss) {
  for (nlohmann::json& p : detail["processes"]) {
    auto it = rss.find(std::to_string(p.value("pid", 0)));
    if (it != rss.end()) p["rss"] = *it;
  }
}

void CollectPids(const Watcher& w, std::vector<pid_t>* out) {
  for (const Process* p : w.processes()) out->push_back(p->pid);
}

nlohmann::json ReadRss(const std::vector<pid_t>& pids) {
  nlohmann::json out = nlohmann::json::object();
  for (pid_t pid : pids) {
    if (std::optional<uint64_t> rss = ReadRssBytes(pid)) out[std::to_string(pid)] = *rss;
  }
  return out;
}

}  // namespace

void CmdStatus(CommandContext& ctx, const Request& req, Responder respond) {
  bool detail = PropBool(req, "detail");
  std::vector<pid_t> pids;
  if (HasProp(req, "name")) {
    Watcher* w = RequireWatcher(ctx, req, respond);
    if (w == nullptr) return;
    nlohmann::json reply = OkReply(req.id);
    reply["status"] = ToString(w->state());
    if (!detail) {
      respond(reply);
      return;
    }
    reply["detail"] = WatcherDetail(ctx, *w, /*with_rss=*/false);
    CollectPids(*w, &pids);
    ctx.procs.Run([pids](ProcStats&) { return ReadRss(pids); },
                  [reply, respond](nlohmann::json rss) mutable {
                    FillRss(reply["detail"], rss);
                    respond(reply);
                  });
    return;
  }
  nlohmann::json statuses = nlohmann::json::object(), details = nlohmann::json::object();
  for (const auto& w : ctx.arbiter.watchers()) {
    statuses[w->name()] = ToString(w->state());
    if (detail) {
      details[w->name()] = WatcherDetail(ctx, *w, /*with_rss=*/false);
      CollectPids(*w, &pids);
    }
  }
  nlohmann::json fields = {{"statuses", statuses}};
  if (!detail) {
    ReplyOk(respond, req, fields);
    return;
  }
  ctx.procs.Run([pids](ProcStats&) { return ReadRss(pids); },
                [req, respond, fields, details](nlohmann::json rss) mutable {
                  for (auto& [name, d] : details.items()) FillRss(d, rss);
                  fields["details"] = std::move(details);
                  ReplyOk(respond, req, fields);
                });
}

}  // namespace ringmaster
