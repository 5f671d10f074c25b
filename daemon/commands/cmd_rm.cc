// rm name [nostop]: the watcher leaves the table at once, `remove` is emitted,
// then its processes are stopped (or left running with nostop) (§7.17).
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdRm(CommandContext& ctx, const Request& req, Responder respond) {
  Watcher* w = RequireWatcher(ctx, req, respond);
  if (w == nullptr) return;
  bool nostop = PropBool(req, "nostop");
  Arbiter* arbiter = &ctx.arbiter;
  RunChange(
      ctx, req, respond, {w}, "rm",
      [nostop, arbiter](Watcher& w, auto done) {
        arbiter->RemoveWatcher(&w, nostop, [done] { done(std::nullopt); });
      },
      nullptr);
}

}  // namespace ringmaster
