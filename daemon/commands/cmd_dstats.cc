// dstats: INFO of the daemon's own process (§7.4), plus (ext) the bytes of
// its own stdout/stderr output dropped because nobody read them.
#include "daemon/commands/command_util.h"
#include "daemon/stdio_writer.h"

namespace ringmaster {

void CmdDstats(CommandContext& ctx, const Request& req, Responder respond) {
  ReplyOk(respond, req,
          {{"info", ctx.stats.DaemonInfo()}, {"output_dropped_bytes", StdioWriter::TotalDropped()}});
}

}  // namespace ringmaster
