// numwatchers: the number of configured and added watchers (§7.11).
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdNumwatchers(CommandContext& ctx, const Request& req, Responder respond) {
  ReplyOk(respond, req, {{"numwatchers", ctx.arbiter.watchers().size()}});
}

}  // namespace ringmaster
