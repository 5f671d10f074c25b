// incr name [nb]: grow the desired count, complete when the new processes are
// ready (§7.3).
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdIncr(CommandContext& ctx, const Request& req, Responder respond) {
  RunResize(ctx, req, std::move(respond), +1);
}

}  // namespace ringmaster
