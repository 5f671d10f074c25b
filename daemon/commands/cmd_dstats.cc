// dstats: INFO of the daemon's own process (§7.4), read off the loop.
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdDstats(CommandContext& ctx, const Request& req, Responder respond) {
  ctx.procs.Run([](ProcStats& stats) { return stats.DaemonInfo(); },
                [req, respond](nlohmann::json info) { ReplyOk(respond, req, {{"info", info}}); });
}

}  // namespace ringmaster
