// quit: stop every watcher and exit 0 (§7.13). With waiting, the reply goes out
// (and is flushed) after the last watcher stopped, before the endpoint closes.
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdQuit(CommandContext& ctx, const Request& req, Responder respond) {
  bool waiting = req.waiting();
  if (!waiting) ReplyOk(respond, req);
  auto on_done = ctx.on_quit_done;
  Arbiter* arbiter = &ctx.arbiter;
  arbiter->Shutdown([waiting, respond, req, on_done, arbiter] {
    if (waiting) ReplyOk(respond, req);
    if (on_done) on_done();
    arbiter->ReleaseExit();
  });
}

}  // namespace ringmaster
