// upgrade (ext): re-exec the daemon's binary in place, every process kept
// (daemon/upgrader.h). Without waiting the reply is at once and the outcome
// is the `upgrade` event; with waiting (ZeroMQ) it is the refusal, the exec
// failure, or the reply of the new image naming both builds.
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdUpgrade(CommandContext& ctx, const Request& req, Responder respond) {
  if (!ctx.on_upgrade) {
    ReplyError(respond, req, Errno::kCommandError, "upgrade is not available in this daemon");
    return;
  }
  ctx.on_upgrade(req, std::move(respond));
}

}  // namespace ringmaster
