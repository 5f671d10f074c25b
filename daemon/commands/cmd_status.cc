// status [name] [detail]: watcher states (§7.22); with a name the reply's own
// `status` field is the state. `detail` adds the WATCHER objects of §10.5.
// The loop copies the facts; the /proc worker thread renders the reply, with
// each process's `rss` from the latest sample (refreshed after the reply),
// so a detail of 1,000 processes neither holds the loop nor waits for 1,000
// file reads.
#include <memory>
#include <string>
#include <vector>

#include "daemon/commands/command_util.h"
#include "daemon/commands/watcher_detail.h"

namespace ringmaster {
namespace {

RssOf LatestRssOf(ProcStats& stats) {
  return [&stats](const ProcessFacts& p) { return stats.LatestRss(p.pid, p.started); };
}


}  // namespace

void CmdStatus(CommandContext& ctx, const Request& req, Responder respond) {
  bool detail = PropBool(req, "detail");
  if (HasProp(req, "name")) {
    Watcher* w = RequireWatcher(ctx, req, respond);
    if (w == nullptr) return;
    nlohmann::json reply = OkReply(req.id, {{"status", ToString(w->state())}});
    if (!detail) {
      respond(reply);
      return;
    }
    RespondRendered(ctx, respond, [reply, facts = CollectWatcherFacts(ctx, *w)](ProcStats& stats) {
      return SerializeReply(reply, "detail", WatcherDetailText(facts, LatestRssOf(stats)));
    });
    return;
  }
  nlohmann::json statuses = nlohmann::json::object();
  std::vector<WatcherFacts> all;
  for (const auto& w : ctx.arbiter.watchers()) {
    statuses[w->name()] = ToString(w->state());
    if (detail) all.push_back(CollectWatcherFacts(ctx, *w));
  }
  if (!detail) {
    ReplyOk(respond, req, {{"statuses", statuses}});
    return;
  }
  nlohmann::json reply = OkReply(req.id, {{"statuses", statuses}});
  RespondRendered(ctx, respond, [reply, all = std::move(all)](ProcStats& stats) {
    std::string details = "{";
    for (const WatcherFacts& f : all) {
      if (details.size() > 1) details += ',';
      details += nlohmann::json(f.name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      details += ':';
      details += WatcherDetailText(f, LatestRssOf(stats));
    }
    details += '}';
    return SerializeReply(reply, "details", details);
  });
}

}  // namespace ringmaster
