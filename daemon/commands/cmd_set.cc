// set name options: validate every key, apply all, emit `updated` per key,
// then reload (spawn settings) or resize as §7.18 says.
#include "core/watcher_options.h"
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdSet(CommandContext& ctx, const Request& req, Responder respond) {
  Watcher* w = RequireWatcher(ctx, req, respond);
  if (w == nullptr) return;
  auto change = ApplyOptions(w->config(), req.properties["options"], ctx.env, ctx.env.Cwd());
  if (!change.ok()) {
    ReplyError(respond, req, Errno::kMessageError, change.error());
    return;
  }
  OptionsChange c = std::move(change).value();
  if (Status s = CheckNumprocessesCeiling(ctx, c.config.numprocesses); !s.ok()) {
    ReplyError(respond, req, Errno::kMessageError, s.message());
    return;
  }
  RunChange(
      ctx, req, respond, {w}, "set",
      [c](Watcher& w, auto done) {
        bool stopped = w.state() == WatcherState::kStopped;
        w.SetConfig(c.config);
        for (size_t i = 0; i < c.keys.size(); ++i) w.PublishUpdated();
        if (c.needs_reload && !stopped) {
          w.Reload(done);
        } else if (c.resize && !stopped) {
          w.Resize(c.config.numprocesses);
          w.WhenSettled([done] { done(std::nullopt); });
        } else {
          done(std::nullopt);
        }
      },
      nullptr);
}

}  // namespace ringmaster
