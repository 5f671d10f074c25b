// decr name [nb]: shrink the desired count, stopping the oldest processes;
// complete when they are reaped (§7.2).
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdDecr(CommandContext& ctx, const Request& req, Responder respond) {
  RunResize(ctx, req, std::move(respond), -1);
}

}  // namespace ringmaster
