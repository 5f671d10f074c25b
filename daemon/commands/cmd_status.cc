// status [name] [detail [summary]]: watcher states (§7.22); with a name the
// reply's own `status` field is the state. `detail` adds the WATCHER objects
// of §10.5; `summary` gives them pids instead of process objects, rendered
// on the loop (a few µs a process, no /proc read), which is what `ringctl
// status` asks for.
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

// {"<name>": WATCHER, ...} as text.
template <typename Render>
std::string DetailsText(const std::vector<WatcherFacts>& all, Render render) {
  std::string details = "{";
  for (const WatcherFacts& f : all) {
    if (details.size() > 1) details += ',';
    details += nlohmann::json(f.name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    details += ':';
    details += render(f);
  }
  details += '}';
  return details;
}

}  // namespace

void CmdStatus(CommandContext& ctx, const Request& req, Responder respond) {
  bool detail = PropBool(req, "detail");
  bool summary = detail && PropBool(req, "summary");
  if (HasProp(req, "name")) {
    Watcher* w = RequireWatcher(ctx, req, respond);
    if (w == nullptr) return;
    nlohmann::json reply = OkReply(req.id, {{"status", ToString(w->state())}});
    if (!detail) {
      respond(reply);
      return;
    }
    if (summary) {
      respond(Reply(std::make_shared<const std::string>(
          SerializeReply(reply, "detail", WatcherSummaryText(CollectWatcherFacts(ctx, *w))))));
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
  if (summary) {
    respond(Reply(std::make_shared<const std::string>(
        SerializeReply(reply, "details", DetailsText(all, WatcherSummaryText)))));
    return;
  }
  RespondRendered(ctx, respond, [reply, all = std::move(all)](ProcStats& stats) {
    const RssOf rss = LatestRssOf(stats);
    return SerializeReply(reply, "details", DetailsText(all, [&rss](const WatcherFacts& f) {
                            return WatcherDetailText(f, rss);
                          }));
  });
}

}  // namespace ringmaster
