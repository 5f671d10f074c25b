// options name: every option of a watcher in Circus's representation (§7.12).
#include <unistd.h>

#include "core/watcher_options.h"
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdOptions(CommandContext& ctx, const Request& req, Responder respond) {
  Watcher* w = RequireWatcher(ctx, req, respond);
  if (w == nullptr) return;
  ReplyOk(respond, req, {{"options", OptionsJson(w->config(), ctx.env.Cwd())}});
}

}  // namespace ringmaster
