// stop [name] [match]: stop matched watchers (all without a name), complete
// when they are stopped (§7.23).
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdStop(CommandContext& ctx, const Request& req, Responder respond) {
  auto scope = MatchWatchers(ctx, req, respond, false);
  if (!scope) return;
  bool one = HasProp(req, "name") && scope->size() == 1;
  RunChange(
      ctx, req, respond, *scope, "stop",
      [](Watcher& w, auto done) { w.Stop([done] { done(std::nullopt); }); },
      [one]() -> nlohmann::json {
        return one ? nlohmann::json{{"info", nullptr}} : nlohmann::json::object();
      });
}

}  // namespace ringmaster
