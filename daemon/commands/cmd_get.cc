// get name keys: the requested options (§7.5).
#include "core/watcher_options.h"
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdGet(CommandContext& ctx, const Request& req, Responder respond) {
  Watcher* w = RequireWatcher(ctx, req, respond);
  if (w == nullptr) return;
  auto options = GetOptions(w->config(), req.properties["keys"], ctx.env.Cwd());
  if (!options.ok()) {
    ReplyError(respond, req, Errno::kMessageError, options.error());
    return;
  }
  ReplyOk(respond, req, {{"options", options.value()}});
}

}  // namespace ringmaster
