// What a Watcher does when its processes keep failing
// (docs/config.md §10.2): a slot that exhausted max_retry gives up alone, and a watcher that
// flaps is stopped and tried again after flapping.retry_in.
#include "daemon/log.h"
#include "daemon/watcher.h"

namespace ringmaster {

void Watcher::GiveUpSlot(int wid, const std::string& why) {
  const int failures = slots_[wid].backoff.spawn_failures;
  slots_.erase(wid);
  given_up_[wid] = why;
  host_.events().Publish(name(), "backoff",
                         {{"wid", wid},
                          {"failures", failures},
                          {"gave_up", true},
                          {"error", why},
                          {"time", host_.clock().WallNow()}});
  // Healthy processes of the watcher keep running: only this slot stays
  // empty until `start`, `restart` or a resize.
  if (HasLiveWork()) {
    LOG_ERROR("watcher '%s': slot %d gave up after %d failed spawn(s) (max_retry = %d): %s; "
              "the other processes keep running, `start` retries the slot",
              name().c_str(), wid, failures, config_.max_retry, why.c_str());
    return;
  }
  LOG_ERROR("watcher '%s': giving up after %d failed spawn(s) (max_retry = %d): %s; "
            "the watcher is stopped, fix the command and start it again",
            name().c_str(), failures, config_.max_retry, why.c_str());
  Stop();
}

void Watcher::EnterFlapping() {
  const FlappingPolicy& policy = config_.flapping;
  const FlapDetector::Decision d = flap_.OnFlap(policy, host_.clock().MonotonicNow());
  const double now = host_.clock().WallNow();
  flap_gave_up_ = d.give_up;
  flap_next_retry_ = d.give_up ? 0 : now + policy.retry_in;
  nlohmann::json body = {{"time", now}, {"tries", d.tries}, {"max_retry", policy.max_retry}};
  if (d.give_up) {
    body["gave_up"] = true;
    LOG_ERROR("watcher '%s': flapping (more than %d crashes in %gs), %d time(s) in a row; "
              "giving up, the watcher stays stopped until `start`",
              name().c_str(), policy.attempts, policy.window, d.tries);
  } else {
    body["retry_in"] = policy.retry_in;
    body["next_retry"] = flap_next_retry_;
    LOG_WARN("watcher '%s': flapping (more than %d crashes in %gs); stopped, retry %d in %gs",
             name().c_str(), policy.attempts, policy.window, d.tries, policy.retry_in);
  }
  host_.events().Publish(name(), "flapping", body);
  flap_pending_ = !d.give_up;
  StopImpl([this] {
    if (!flap_pending_ || state_ != WatcherState::kStopped) return;
    state_ = WatcherState::kFlapping;
    flap_timer_->Start(std::max(0.0, flap_next_retry_ - host_.clock().WallNow()));
  });
}

void Watcher::RetryAfterFlap() {
  if (state_ != WatcherState::kFlapping) return;
  flap_pending_ = false;
  state_ = WatcherState::kStopped;
  flap_.OnRetryStarted(host_.clock().MonotonicNow());
  LOG_INFO("watcher '%s': retrying after flapping (try %d)", name().c_str(), flap_.tries());
  StartImpl();
}

nlohmann::json Watcher::FlappingJson() const {
  if (state_ == WatcherState::kFlapping || flap_pending_) {
    return {{"tries", flap_.tries()},
            {"max_retry", config_.flapping.max_retry},
            {"next_retry", flap_next_retry_}};
  }
  if (flap_gave_up_ && state_ == WatcherState::kStopped) {
    return {{"tries", flap_.tries()},
            {"max_retry", config_.flapping.max_retry},
            {"next_retry", nullptr},
            {"gave_up", true}};
  }
  return nullptr;
}

}  // namespace ringmaster
