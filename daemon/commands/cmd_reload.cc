// reload [name] [graceful] [sequential]: replace processes without losing
// capacity (§7.14): new ones first, old ones stop once the new are ready.
// graceful=false is a restart; send_hup watchers get SIGHUP instead.
#include <signal.h>

#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdReload(CommandContext& ctx, const Request& req, Responder respond) {
  std::vector<Watcher*> scope;
  if (HasProp(req, "name")) {
    Watcher* w = RequireWatcher(ctx, req, respond);
    if (w == nullptr) return;
    scope.push_back(w);
  } else {
    for (const auto& w : ctx.arbiter.watchers()) scope.push_back(w.get());
  }
  bool graceful = PropBool(req, "graceful", true);
  bool sequential = PropBool(req, "sequential");
  Watcher* only = HasProp(req, "name") ? scope.front() : nullptr;
  auto before = std::make_shared<std::set<pid_t>>(only ? LivePids(*only) : std::set<pid_t>{});
  RunChange(
      ctx, req, respond, scope, "reload",
      [graceful, sequential, req](Watcher& w, auto done) {
        if (!graceful) {
          w.Stop([&w, done] { w.Start([done] { done(std::nullopt); }); });
        } else if (w.config().send_hup && w.state() != WatcherState::kStopped) {
          for (const Process* p : w.processes()) w.SignalProcess(p->pid, SIGHUP);
          w.PublishReloaded();
          done(std::nullopt);
        } else if (sequential) {
          w.Roll(RollOptionsFrom(req, w.desired(), "rolling reload"), done);
        } else {
          w.Reload(done);
        }
      },
      [only, before]() -> nlohmann::json {
        if (only == nullptr) return nlohmann::json::object();
        return {{"info", ProcessDiff(*before, LivePids(*only), true)}};
      },
      /*sequential=*/true);
}

}  // namespace ringmaster
