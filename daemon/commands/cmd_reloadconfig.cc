// reloadconfig: re-read the config; a bad file is refused (errno 5, or 4 when
// unreadable) and the running configuration stays (§7.15).
#include <functional>
#include <utility>

#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdReloadconfig(CommandContext& ctx, const Request& req, Responder respond) {
  // Only one reloadconfig at a time; watchers it touches must be idle.
  if (auto running = ctx.changes.Running("\x01reloadconfig")) {
    ReplyError(respond, req, Errno::kCommandError,
               "'reloadconfig' is already in progress (request " + running->request_id.dump() +
                   "); retry when it completes");
    return;
  }
  std::vector<std::string> busy;
  for (const auto& w : ctx.arbiter.watchers()) {
    if (auto c = ctx.changes.Running(w->name())) {
      busy.push_back("'" + w->name() + "' ('" + c->command + "', request " +
                     c->request_id.dump() + ")");
    }
  }
  if (!busy.empty()) {
    std::string text = "watchers busy: ";
    for (size_t i = 0; i < busy.size(); ++i) text += (i ? ", " : "") + busy[i];
    ReplyError(respond, req, Errno::kCommandError, text);
    return;
  }
  bool waiting = req.waiting();
  bool detail = PropBool(req, "detail");
  ChangeTracker* tracker = &ctx.changes;
  auto change = tracker->Begin("\x01reloadconfig", "reloadconfig", req.id, EventLoop::WallNow());
  // The reload may finish inside ReloadConfig (nothing to wait for), before
  // its outcome's `changes` is known here: then the reply waits for them.
  struct Pending {
    nlohmann::json changes;
    bool known = false;
    std::function<void()> reply;
  };
  auto pending = std::make_shared<Pending>();
  Arbiter::ReloadOutcome out = ctx.arbiter.ReloadConfig(
      [waiting, respond, req, detail, pending, tracker, change](std::optional<std::string> f) {
        tracker->Finish("\x01reloadconfig", change, f);
        if (!waiting) return;
        pending->reply = [respond, req, detail, pending, f] {
          if (f) {
            respond(ErrorReply(req.id, Errno::kBadMsgData, *f));
          } else {
            respond(OkReply(req.id, detail ? nlohmann::json{{"changes", pending->changes}}
                                           : nlohmann::json::object()));
          }
        };
        if (pending->known) std::exchange(pending->reply, nullptr)();
      });
  if (!out.ok) {
    tracker->Finish("\x01reloadconfig", change, out.reason);
    ReplyError(respond, req, out.unreadable ? Errno::kOsError : Errno::kCommandError, out.reason);
    return;
  }
  pending->changes = out.changes;
  pending->known = true;
  if (pending->reply) std::exchange(pending->reply, nullptr)();
  if (!waiting) ReplyOk(respond, req);
}

}  // namespace ringmaster
