// listsockets: the bound [socket:*] sockets sorted by fd (§7.9).
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdListsockets(CommandContext& ctx, const Request& req, Responder respond) {
  ReplyOk(respond, req, {{"sockets", ctx.arbiter.SocketsJson()}});
}

}  // namespace ringmaster
