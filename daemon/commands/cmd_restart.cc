// restart [name] [match]: stop, then start, each matched watcher (§7.16).
// Without a name, every watcher stops and the autostart ones start again.
// graceful/sequential (ext, §10.4): a rolling replacement instead, one watcher
// after another.
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdRestart(CommandContext& ctx, const Request& req, Responder respond) {
  auto scope = MatchWatchers(ctx, req, respond, false);
  if (!scope) return;
  bool named = HasProp(req, "name");
  bool one = named && scope->size() == 1;
  Watcher* only = one ? scope->front() : nullptr;
  auto before = std::make_shared<std::set<pid_t>>(one ? LivePids(*only) : std::set<pid_t>{});
  bool rolling = PropBool(req, "graceful") || PropBool(req, "sequential");
  RunChange(
      ctx, req, respond, *scope, "restart",
      [named, rolling, req](Watcher& w, auto done) {
        if (rolling && w.state() != WatcherState::kStopped) {
          w.Roll(RollOptionsFrom(req, w.desired(), "rolling restart"), done);
          return;
        }
        bool start = named || w.config().autostart;
        w.Stop([&w, done, start] {
          if (start) {
            w.Start([done] { done(std::nullopt); });
          } else {
            done(std::nullopt);
          }
        });
      },
      [only, before]() -> nlohmann::json {
        if (only == nullptr) return nlohmann::json::object();
        return {{"info", ProcessDiff(*before, LivePids(*only), true)}};
      },
      /*sequential=*/rolling);
}

}  // namespace ringmaster
