// dstats: INFO of the daemon's own process (§7.4).
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdDstats(CommandContext& ctx, const Request& req, Responder respond) {
  ReplyOk(respond, req, {{"info", ctx.stats.DaemonInfo()}});
}

}  // namespace ringmaster
