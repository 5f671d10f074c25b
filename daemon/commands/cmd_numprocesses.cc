// numprocesses [name]: live process count of one watcher (with watcher_name as
// sent), or the sum over all (§7.10).
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdNumprocesses(CommandContext& ctx, const Request& req, Responder respond) {
  if (HasProp(req, "name")) {
    Watcher* w = RequireWatcher(ctx, req, respond);
    if (w == nullptr) return;
    ReplyOk(respond, req,
            {{"numprocesses", w->processes().size()}, {"watcher_name", PropString(req, "name")}});
    return;
  }
  size_t total = 0;
  for (const auto& w : ctx.arbiter.watchers()) total += w->processes().size();
  ReplyOk(respond, req, {{"numprocesses", total}});
}

}  // namespace ringmaster
