// Watcher operations behind control commands: kill of chosen processes,
// waiting until the watcher settles, graceful reload, signals, abandon.
#include <signal.h>

#include <memory>

#include "daemon/log.h"
#include "daemon/watcher.h"

namespace ringmaster {

void Watcher::KillProcesses(const std::vector<pid_t>& pids, std::optional<int> sig,
                            std::optional<double> grace, Callback done) {
  auto left = std::make_shared<size_t>(pids.size());
  auto finish = [left, done] {
    if (--*left == 0 && done) done();
  };
  if (pids.empty() && done) done();
  for (pid_t pid : pids) {
    Process* p = Find(pid);
    if (p == nullptr || p->state == ProcState::kExited) {
      finish();
      continue;
    }
    reap_waiters_[pid].push_back(finish);
    if (sig) p->stop_signal = sig;
    if (grace) p->graceful_timeout = grace;
    Dispatch(*p, ProcEvent::kStopRequested);
  }
}

void Watcher::WhenSettled(Callback done) {
  settle_waiters_.push_back(std::move(done));
  CheckSettled();
}

void Watcher::CheckSettled() {
  if (settle_waiters_.empty()) return;
  if (spawn_queue_.size() > queued_respawns_.size() || reload_spawns_left_ > 0 ||
      reload_outstanding_ > 0) {
    return;
  }
  for (const auto& [pid, p] : procs_) {
    switch (p->state) {
      case ProcState::kReady:
      case ProcState::kExited:
        break;
      default:
        return;
    }
  }
  std::vector<Callback> run;
  run.swap(settle_waiters_);
  for (auto& cb : run) {
    if (cb) cb();
  }
}

void Watcher::Reload(std::function<void(std::optional<std::string>)> done) {
  if (state_ == WatcherState::kStopped || state_ == WatcherState::kFlapping) {
    Start([done] { done(std::nullopt); });
    return;
  }
  reload_waiters_.push_back(std::move(done));
  if (reload_active_) return;  // a reload is already running: finish with it
  reload_active_ = true;
  int n = desired_;
  LOG_INFO("watcher '%s': graceful reload of %d process(es)", name().c_str(), n);
  surge_ = n;
  reload_spawns_left_ = n;
  reload_outstanding_ = n;
  reload_ready_ = 0;
  if (n == 0) {
    CheckReload();
    return;
  }
  Reconcile();
}

void Watcher::CheckReload() {
  if (!reload_active_) return;
  if (reload_spawns_left_ > 0 || reload_outstanding_ > 0) return;
  reload_active_ = false;
  int wanted = surge_;
  int ready = reload_ready_;
  surge_ = 0;
  // Stop the oldest processes beyond the desired count: the old ones, as many
  // as there are ready replacements (failed replacements leave old ones alive).
  Reconcile();
  std::optional<std::string> failure;
  if (ready < wanted) {
    failure = "reload of '" + name() + "' incomplete: " + std::to_string(wanted - ready) + " of " +
              std::to_string(wanted) + " new processes did not become ready";
  }
  auto waiters = std::move(reload_waiters_);
  reload_waiters_.clear();
  WhenSettled([this, failure, waiters]() mutable {
    if (!failure) host_.events().Publish(name(), "reload", {{"time", host_.clock().WallNow()}});
    for (auto& w : waiters) w(failure);
  });
}

void Watcher::SignalProcess(pid_t pid, int sig) { host_.Kill(pid, sig); }

void Watcher::Abandon() {
  for (auto& [pid, p] : procs_) host_.UnregisterPid(pid);
  procs_.clear();
  spawn_queue_.clear();
  queued_respawns_.clear();
  spawn_timer_->Cancel();
  slots_.clear();
  state_ = WatcherState::kStopped;
}

nlohmann::json Watcher::BackoffJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [wid, slot] : slots_) {
    if (!slot.respawn_timer || !slot.respawn_timer->pending()) continue;
    nlohmann::json entry = {{"wid", wid},
                            {"failures", slot.backoff.failures},
                            {"delay", slot.delay},
                            {"next_spawn", slot.next_spawn}};
    // A slot waiting after failed spawns says why (fork: EAGAIN, pipe: EMFILE…).
    if (!slot.error.empty()) entry["error"] = slot.error;
    out.push_back(std::move(entry));
  }
  for (const auto& [wid, why] : given_up_) {
    out.push_back({{"wid", wid}, {"gave_up", true}, {"error", why}});
  }
  return out;
}

void Watcher::PublishReloaded() {
  host_.events().Publish(name(), "reload", {{"time", host_.clock().WallNow()}});
}

void Watcher::PublishUpdated() {
  host_.events().Publish(name(), "updated", {{"time", host_.clock().WallNow()}});
}

int Watcher::ReadyCount() const {
  int n = 0;
  for (const auto& [pid, p] : procs_) n += p->state == ProcState::kReady ? 1 : 0;
  return n;
}

}  // namespace ringmaster
