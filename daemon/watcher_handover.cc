// A Watcher's part in an in-place upgrade: what it hands to the next image,
// and how that image takes it over. Only a watcher at rest is carried (see
// CanHandOver), so no timer but readiness, respawn and flapping retries needs
// to survive: each is re-armed for the time it had left.
#include <algorithm>

#include "daemon/log.h"
#include "daemon/watcher.h"

namespace ringmaster {
namespace {

std::optional<WatcherState> WatcherStateFrom(const std::string& s) {
  for (WatcherState w : {WatcherState::kStopped, WatcherState::kActive, WatcherState::kFlapping}) {
    if (s == ToString(w)) return w;
  }
  return std::nullopt;
}

}  // namespace

bool Watcher::CanHandOver(std::string* why) const {
  auto no = [&](const std::string& what) {
    *why = "watcher '" + name() + "' " + what;
    return false;
  };
  if (!WatcherStateFrom(ToString(state_))) return no(std::string("is ") + ToString(state_));
  if (!spawn_queue_.empty()) return no("has spawns queued");
  if (roll_ || reload_active_ || reload_outstanding_ > 0) return no("is reloading");
  if (!settle_waiters_.empty() || !reap_waiters_.empty() || !start_waiters_.empty() ||
      !stop_waiters_.empty() || !reload_waiters_.empty()) {
    return no("has a command waiting on it");
  }
  for (const auto& [pid, p] : procs_) {
    if (p->state != ProcState::kStarting && p->state != ProcState::kReady) {
      return no("has process " + std::to_string(pid) + " " + std::string(ToString(p->state)));
    }
  }
  return true;
}

HandoverWatcher Watcher::ExportHandover() const {
  HandoverWatcher h;
  h.name = name();
  h.state = ToString(state_);
  h.desired = desired_;
  h.restarts = restarts_;
  for (const Process* p : processes()) {
    HandoverProcess hp;
    hp.pid = p->pid;
    hp.wid = p->wid;
    hp.serial = p->serial;
    hp.state = std::string(ToString(p->state));
    hp.started = p->started;
    hp.started_mono = p->started_mono;
    hp.ready_at = p->ready_at;
    hp.became_ready = p->became_ready;
    hp.rotate_at = p->rotate_at;
    hp.ready_deadline = p->state == ProcState::kStarting ? p->ready_deadline : 0;
    hp.status_text = p->status_text;
    hp.stdout_fd = p->out ? p->out->fd() : -1;
    hp.stderr_fd = p->err ? p->err->fd() : -1;
    hp.ready_fd = p->ready_fd.get();
    h.processes.push_back(std::move(hp));
  }
  for (const auto& [wid, slot] : slots_) {
    HandoverSlot s;
    s.wid = wid;
    s.failures = slot.backoff.failures;
    s.spawn_failures = slot.backoff.spawn_failures;
    s.past_burst = slot.backoff.past_burst;
    s.recent.assign(slot.backoff.recent.begin(), slot.backoff.recent.end());
    if (slot.respawn_timer && slot.respawn_timer->pending()) {
      s.delay = slot.delay;
      s.next_spawn = slot.next_spawn;
    }
    h.slots.push_back(std::move(s));
  }
  h.given_up = given_up_;
  FlapDetector::Saved f = flap_.Save();
  h.flap.crashes.assign(f.crashes.begin(), f.crashes.end());
  h.flap.tries = f.tries;
  h.flap.retry_started = f.retry_started;
  h.flap.pending = flap_pending_;
  h.flap.gave_up = flap_gave_up_;
  h.flap.next_retry = flap_next_retry_;
  return h;
}

void Watcher::AdoptHandover(const HandoverWatcher& h) {
  const double now_mono = host_.clock().MonotonicNow(), now_wall = host_.clock().WallNow();
  state_ = WatcherStateFrom(h.state).value_or(WatcherState::kStopped);
  desired_ = h.desired;
  config_.numprocesses = desired_;
  restarts_ = h.restarts;
  const bool has_protocol = config_.ready_fd.has_value() || config_.notify_socket;
  for (const HandoverProcess& hp : h.processes) {
    auto owned = std::make_unique<Process>();
    Process& p = *owned;
    p.pid = hp.pid;
    p.wid = hp.wid;
    p.serial = hp.serial;
    next_serial_ = std::max(next_serial_, hp.serial + 1);
    p.state = hp.state == "ready" ? ProcState::kReady : ProcState::kStarting;
    p.started = hp.started;
    p.started_mono = hp.started_mono;
    p.ready_at = hp.ready_at;
    p.became_ready = hp.became_ready;
    p.rotate_at = hp.rotate_at;
    p.status_text = hp.status_text;
    if (hp.stdout_fd >= 0) {
      UniqueFd fd(hp.stdout_fd);
      if (stdout_sink_) p.out = std::make_unique<OutputPipe>(host_.loop(), std::move(fd), p.pid, stdout_sink_.get());
    }
    if (hp.stderr_fd >= 0) {
      UniqueFd fd(hp.stderr_fd);
      if (stderr_sink_) p.err = std::make_unique<OutputPipe>(host_.loop(), std::move(fd), p.pid, stderr_sink_.get());
    }
    if (hp.ready_fd >= 0) {
      p.ready_fd = UniqueFd(hp.ready_fd);
      p.ready_watch = std::make_unique<FdWatch>(host_.loop(), p.ready_fd.get(), FdWatch::kRead,
                                                [this, &p] { OnReadyReadable(p); },
                                                Priority::kSupervision);
    }
    if (p.state == ProcState::kStarting && hp.ready_deadline > 0) {
      // The readiness timer goes on with the time it had left.
      Process* pp = &p;
      p.ready_deadline = hp.ready_deadline;
      p.ready_timer = host_.clock().NewTimer([this, pp, has_protocol] {
        if (!has_protocol) return Dispatch(*pp, ProcEvent::kReady);
        LOG_WARN("watcher '%s': process %d not ready after %.1fs (ready_timeout)", name().c_str(),
                 pp->pid, config_.ready_timeout);
        pp->readiness_failed = true;
        Dispatch(*pp, ProcEvent::kReadyFailed);
      });
      p.ready_timer->Start(std::max(0.0, hp.ready_deadline - now_mono));
    }
    host_.RegisterPid(p.pid, this);
    procs_[p.pid] = std::move(owned);
  }
  for (const HandoverSlot& s : h.slots) {
    Slot& slot = slots_[s.wid];
    slot.backoff.failures = s.failures;
    slot.backoff.spawn_failures = s.spawn_failures;
    slot.backoff.past_burst = s.past_burst;
    slot.backoff.recent.assign(s.recent.begin(), s.recent.end());
    if (s.next_spawn > 0) {
      slot.delay = s.delay;
      slot.next_spawn = s.next_spawn;
      ArmRespawn(s.wid, std::max(0.0, s.next_spawn - now_wall));
    }
  }
  given_up_ = h.given_up;
  FlapDetector::Saved f;
  f.crashes.assign(h.flap.crashes.begin(), h.flap.crashes.end());
  f.tries = h.flap.tries;
  f.retry_started = h.flap.retry_started;
  flap_.Restore(f);
  flap_pending_ = h.flap.pending;
  flap_gave_up_ = h.flap.gave_up;
  flap_next_retry_ = h.flap.next_retry;
  if (state_ == WatcherState::kFlapping && flap_pending_) {
    flap_timer_->Start(std::max(0.0, flap_next_retry_ - now_wall));
  }
  // A slot whose process was not handed over (it was not ours any more) is
  // filled again.
  Reconcile();
}

}  // namespace ringmaster
