#include "daemon/upgrader.h"

#include <unistd.h>

#include "core/config_loader.h"
#include "daemon/build_info.h"
#include "daemon/handover.h"
#include "daemon/log.h"
#include "daemon/stdio_writer.h"

namespace ringmaster {
namespace {

nlohmann::json BuildJson(const BuildInfo& b) {
  return {{"version", b.version}, {"build_id", b.build_id}};
}

// What an upgrade must find equal in the file and in the running daemon: the
// next image loads the file, and must supervise what the old one did.
bool SameWatcher(WatcherConfig a, WatcherConfig b) {
  a.numprocesses = b.numprocesses;  // incr/decr: the desired count is carried
  a.loc = b.loc;
  a.explicit_keys = b.explicit_keys;
  return a == b;
}

}  // namespace

Upgrader::Upgrader(EventLoop& loop, Arbiter& arbiter, ZmqController& controller, ConfigEnv& env,
                   Launch launch, std::string endpoint, std::string pubsub)
    : loop_(loop),
      arbiter_(arbiter),
      controller_(controller),
      env_(env),
      launch_(std::move(launch)),
      endpoint_(std::move(endpoint)),
      pubsub_(std::move(pubsub)),
      rest_timer_(loop, [this] { TryExec(); }) {}

Upgrader::~Upgrader() = default;

void Upgrader::Request(const ::ringmaster::Request& req, std::optional<HandoverReply> peer,
                       Responder respond) {
  if (busy_) {
    if (respond) {
      respond(ErrorReply(req.id, Errno::kCommandError,
                         "an upgrade is already under way; wait for its outcome"));
    }
    return;
  }
  busy_ = true;
  bool waiting = req.waiting() && respond;
  if (respond && !waiting) respond(OkReply(req.id, {{"from", BuildJson(OwnBuild())}}));
  id_ = req.id;
  peer_ = waiting ? peer : std::nullopt;
  respond_ = waiting ? std::move(respond) : nullptr;
  LOG_INFO("upgrade: checking %s --check %s", launch_.exe.c_str(),
           arbiter_.config().main_file.c_str());
  check_ = std::make_unique<UpgradeCheck>(loop_, arbiter_);
  check_->Run(launch_.exe, arbiter_.config().main_file, kCheckTimeout,
              [this](const UpgradeCheckResult& r) { OnChecked(r); });
}

void Upgrader::OnChecked(const UpgradeCheckResult& r) {
  if (!r.ok) return Fail("refused", "upgrade refused: " + r.error);
  to_ = *r.build;
  std::string why;
  if (!ConfigUnchanged(&why)) return Fail("refused", "upgrade refused: " + why);
  rest_deadline_ = loop_.MonotonicNow() + kRestTimeout;
  TryExec();
}

bool Upgrader::ConfigUnchanged(std::string* why) {
  const Config& running = arbiter_.config();
  LoadResult loaded = LoadConfig(running.main_file, env_);
  if (!loaded.config) {
    *why = "the config file no longer loads";
    return false;
  }
  const Config& file = *loaded.config;
  const std::string hint = "; run reloadconfig first, then upgrade";
  if (file.circus.endpoint != running.circus.endpoint ||
      file.circus.pubsub_endpoint != running.circus.pubsub_endpoint ||
      file.circus.httpd != running.circus.httpd || file.circus.httpd_host != running.circus.httpd_host ||
      file.circus.httpd_port != running.circus.httpd_port) {
    *why = "the endpoints in " + running.main_file + " differ from the running ones" + hint;
    return false;
  }
  if (!(file.sockets == running.sockets)) {
    *why = "the [socket:*] sections of " + running.main_file + " differ from the running ones" + hint;
    return false;
  }
  for (const auto& w : arbiter_.watchers()) {
    const WatcherConfig* f = nullptr;
    for (const WatcherConfig& c : file.watchers) {
      if (ResName(c.name) == ResName(w->name())) f = &c;
    }
    if (f == nullptr || !SameWatcher(*f, w->config())) {
      *why = "watcher '" + w->name() + "' " +
             (f ? "is configured differently in " + running.main_file
                : "is not in " + running.main_file + " (added at runtime?)") +
             hint;
      return false;
    }
  }
  if (file.watchers.size() != arbiter_.watchers().size()) {
    *why = running.main_file + " has watchers the daemon is not running" + hint;
    return false;
  }
  return true;
}

void Upgrader::TryExec() {
  std::string why;
  if (!arbiter_.CanHandOver(&why)) {
    if (loop_.MonotonicNow() >= rest_deadline_) {
      return Fail("refused", "upgrade refused: not at rest after " +
                                 std::to_string(static_cast<int>(kRestTimeout)) + " s: " + why);
    }
    rest_timer_.Start(0.02);
    return;
  }
  Exec();
}

void Upgrader::Exec() {
  HandoverState state;
  state.pid = getpid();
  state.boot_id = BootId();
  state.from = OwnBuild();
  state.config_file = arbiter_.config().main_file;
  state.written_at = EventLoop::WallNow();
  arbiter_.ExportHandover(&state);
  state.http_fd = http_fd_ ? http_fd_() : -1;
  state.control_endpoint = endpoint_;
  state.pubsub_endpoint = pubsub_;
  if (peer_) state.replies.push_back(*peer_);
  Result<UniqueFd> memfd = WriteHandoverMemfd(EncodeHandover(state));
  if (!memfd.ok()) return Fail("failed", "upgrade failed: " + memfd.error());
  InheritForExec inherit;
  Status s = inherit.Clear(HandoverFds(state));
  if (!s.ok()) return Fail("failed", "upgrade failed: " + s.message());
  LOG_INFO("upgrade: exec %s (%s -> %s) with %zu watcher(s)", launch_.exe.c_str(),
           BuildLine(state.from).c_str(), BuildLine(to_).c_str(), state.watchers.size());
  if (notifier_) {
    notifier_->Reloading();
    notifier_->ExportForExec();
  }
  StdioWriter::FlushAll();
  s = ExecWithHandover(launch_.exe, launch_.argv, memfd.value().get());
  // Still here: the exec failed and this image goes on as it was.
  inherit.Restore();
  if (notifier_) {
    notifier_->UnexportAfterFailedExec();
    notifier_->Ready();
  }
  Fail("failed", "upgrade failed: " + s.message() + "; the running daemon is unchanged");
}

void Upgrader::Fail(const std::string& status, const std::string& why) {
  LOG_ERROR("%s", why.c_str());
  arbiter_.fanout().Publish("ringmasterd", "upgrade",
                            {{"status", status},
                             {"error", why},
                             {"from", BuildJson(OwnBuild())},
                             {"time", EventLoop::WallNow()}});
  busy_ = false;
  check_.reset();
  peer_.reset();
  Responder respond = std::move(respond_);
  respond_ = nullptr;
  if (respond) respond(ErrorReply(id_, Errno::kCommandError, why));
}

void Upgrader::Resume(const HandoverState& state) {
  const BuildInfo& to = OwnBuild();
  const double took = EventLoop::WallNow() - state.written_at;
  LOG_INFO("upgrade: %s -> %s (pid %d kept, exec to adoption %.0f ms)",
           BuildLine(state.from).c_str(), BuildLine(to).c_str(), getpid(), took * 1000);
  nlohmann::json body = {{"status", "ok"},
                         {"from", BuildJson(state.from)},
                         {"to", BuildJson(to)},
                         {"pid", getpid()},
                         {"time", EventLoop::WallNow()}};
  arbiter_.fanout().Publish("ringmasterd", "upgrade", body);
  for (const HandoverReply& r : state.replies) {
    nlohmann::json id = nlohmann::json::parse(r.id_json, nullptr, /*allow_exceptions=*/false);
    if (id.is_discarded()) id = nullptr;
    nlohmann::json reply = OkReply(id, {{"from", BuildJson(state.from)}, {"to", BuildJson(to)},
                                        {"pid", getpid()}});
    controller_.SendWhenConnected(r, reply.dump(), kReplyTimeout, nullptr);
  }
}

}  // namespace ringmaster
