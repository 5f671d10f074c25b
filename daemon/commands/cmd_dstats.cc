// dstats: INFO of the daemon's own process (§7.4), read off the loop, plus
// (ext) the bytes of its own stdout/stderr output dropped because nobody
// read them.
#include "daemon/commands/command_util.h"
#include "daemon/stdio_writer.h"

namespace ringmaster {

void CmdDstats(CommandContext& ctx, const Request& req, Responder respond) {
  ctx.procs.Run([](ProcStats& stats) { return stats.DaemonInfo(); },
                [req, respond](nlohmann::json info) {
                  ReplyOk(respond, req,
                          {{"info", info}, {"output_dropped_bytes", StdioWriter::TotalDropped()}});
                });
}

}  // namespace ringmaster
