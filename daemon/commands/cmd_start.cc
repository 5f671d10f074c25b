// start [name] [match]: start matched watchers (every autostart one without a
// name), complete when they are active (§7.21).
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdStart(CommandContext& ctx, const Request& req, Responder respond) {
  auto scope = MatchWatchers(ctx, req, respond, /*autostart_only_when_unnamed=*/true);
  if (!scope) return;
  bool one = HasProp(req, "name") && scope->size() == 1;
  Watcher* only = one ? scope->front() : nullptr;
  auto before = std::make_shared<std::set<pid_t>>(one ? LivePids(*only) : std::set<pid_t>{});
  RunChange(
      ctx, req, respond, *scope, "start",
      [](Watcher& w, auto done) { w.Start([done] { done(std::nullopt); }); },
      [only, before]() -> nlohmann::json {
        if (only == nullptr) return nlohmann::json::object();
        return {{"info", ProcessDiff(*before, LivePids(*only), false)}};
      });
}

}  // namespace ringmaster
