// status [name] [detail]: watcher states (§7.22); with a name the reply's own
// `status` field is the state. `detail` adds the WATCHER objects of §10.5.
#include "daemon/commands/command_util.h"
#include "daemon/commands/watcher_detail.h"

namespace ringmaster {

void CmdStatus(CommandContext& ctx, const Request& req, Responder respond) {
  bool detail = PropBool(req, "detail");
  if (HasProp(req, "name")) {
    Watcher* w = RequireWatcher(ctx, req, respond);
    if (w == nullptr) return;
    nlohmann::json reply = OkReply(req.id);
    reply["status"] = ToString(w->state());
    if (detail) reply["detail"] = WatcherDetail(ctx, *w);
    respond(reply);
    return;
  }
  nlohmann::json statuses = nlohmann::json::object(), details = nlohmann::json::object();
  for (const auto& w : ctx.arbiter.watchers()) {
    statuses[w->name()] = ToString(w->state());
    if (detail) details[w->name()] = WatcherDetail(ctx, *w);
  }
  nlohmann::json fields = {{"statuses", statuses}};
  if (detail) fields["details"] = details;
  ReplyOk(respond, req, fields);
}

}  // namespace ringmaster
