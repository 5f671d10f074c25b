// add name cmd [args] [options] [start]: create a watcher at runtime (§7.1).
#include "core/watcher_options.h"
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdAdd(CommandContext& ctx, const Request& req, Responder respond) {
  std::string name = PropString(req, "name");
  if (ctx.arbiter.FindWatcher(name) != nullptr) {
    ReplyError(respond, req, Errno::kCommandError, "watcher '" + name + "' already exists");
    return;
  }
  nlohmann::json args = req.properties.value("args", nlohmann::json());
  nlohmann::json options = req.properties.value("options", nlohmann::json::object());
  auto config = WatcherFromAdd(name, PropString(req, "cmd"), args, options, ctx.env, ctx.env.Cwd());
  if (!config.ok()) {
    ReplyError(respond, req, Errno::kMessageError, config.error());
    return;
  }
  if (Status s = CheckNumprocessesCeiling(ctx, config->numprocesses); !s.ok()) {
    ReplyError(respond, req, Errno::kMessageError, s.message());
    return;
  }
  Watcher* w = ctx.arbiter.AddWatcher(std::move(config).value());
  if (!PropBool(req, "start")) {
    ReplyOk(respond, req);
    return;
  }
  auto before = std::make_shared<std::set<pid_t>>();
  RunChange(
      ctx, req, respond, {w}, "start",
      [](Watcher& w, auto done) { w.Start([done] { done(std::nullopt); }); },
      [w, before]() -> nlohmann::json {
        nlohmann::json diff = ProcessDiff(*before, LivePids(*w), false);
        return {{"started", diff["started"]}, {"kept", diff["kept"]}};
      });
}

}  // namespace ringmaster
