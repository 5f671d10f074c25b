// Rolling replacement of a watcher's processes (control-protocol.md §10.4):
// capacity is kept either by replacing at most max_unavailable at a time
// (stop first) or by spawning max_surge extra processes first. Driven by
// readiness and reap events; nothing blocks.
#include <algorithm>

#include "daemon/log.h"
#include "daemon/watcher.h"

namespace ringmaster {

void Watcher::Roll(RollOptions opts, std::function<void(std::optional<std::string>)> done) {
  if (state_ == WatcherState::kStopped) {
    Start([done] { done(std::nullopt); });
    return;
  }
  if (roll_) {
    // Already rolling: finish with the running roll.
    auto prev = std::move(roll_->done);
    roll_->done = [prev, done](std::optional<std::string> f) {
      if (prev) prev(f);
      done(f);
    };
    return;
  }
  roll_ = std::make_unique<RollState>();
  roll_->opts = opts;
  roll_->done = std::move(done);
  for (const Process* p : processes()) {
    if (p->state != ProcState::kStopping && p->state != ProcState::kKilling) roll_->old.push_back(p->pid);
  }
  roll_->total = static_cast<int>(roll_->old.size());
  int per_step = opts.max_surge > 0 ? opts.max_surge : std::max(1, opts.max_unavailable);
  roll_->steps = (roll_->total + per_step - 1) / per_step;
  LOG_INFO("watcher '%s': %s of %d process(es), %s %d at a time", name().c_str(),
           opts.what.c_str(), roll_->total, opts.max_surge > 0 ? "surge" : "unavailable", per_step);
  RollNextStep();
}

std::string Watcher::RollStep() const {
  if (!roll_) return "";
  return std::to_string(roll_->step) + "/" + std::to_string(roll_->steps);
}

void Watcher::RollNextStep() {
  RollState& r = *roll_;
  // Old processes that went away on their own meanwhile need no replacement.
  while (!r.old.empty() && !Owns(r.old.front())) r.old.pop_front();
  if (r.old.empty()) {
    RollFinish(std::nullopt);
    return;
  }
  ++r.step;
  if (r.opts.max_surge > 0) {
    int k = std::min<int>(r.opts.max_surge, static_cast<int>(r.old.size()));
    r.collecting = true;
    surge_ = k;
    Reconcile();  // spawns k extra, marked as this step's replacements
    r.collecting = false;
    RollCheck();
    return;
  }
  int k = std::min<int>(r.opts.max_unavailable, static_cast<int>(r.old.size()));
  r.to_spawn_after_reap = k;
  for (int i = 0; i < k; ++i) {
    pid_t pid = r.old.front();
    r.old.pop_front();
    r.stopping.insert(pid);
    StopProcess(*Find(pid));
  }
}

// Called after every relevant event (a replacement became ready, an old
// process was reaped, a replacement failed).
void Watcher::RollCheck() {
  if (!roll_) return;
  RollState& r = *roll_;
  if (r.opts.max_surge > 0) {
    if (!r.starting.empty() || !r.stopping.empty()) return;
    if (surge_ > 0) {
      // Replacements are ready: stop as many of the oldest old ones.
      int k = surge_;
      surge_ = 0;
      for (int i = 0; i < k && !r.old.empty(); ++i) {
        pid_t pid = r.old.front();
        r.old.pop_front();
        if (!Owns(pid)) continue;
        r.stopping.insert(pid);
        ++r.replaced;
        StopProcess(*Find(pid));
      }
      if (!r.stopping.empty()) return;
    }
    RollNextStep();
    return;
  }
  if (!r.stopping.empty()) return;
  if (r.to_spawn_after_reap > 0) {
    // The stopped ones are reaped. Their replacements were spawned by the
    // reconcile that followed each reap; nothing more to spawn here.
    r.to_spawn_after_reap = 0;
  }
  if (!r.starting.empty()) return;
  RollNextStep();
}

void Watcher::RollAbort(const std::string& why) {
  if (!roll_) return;
  RollState& r = *roll_;
  std::string msg = r.opts.what + " of '" + name() + "' stopped after " +
                    std::to_string(r.replaced) + " of " + std::to_string(r.total) +
                    " processes: " + why;
  LOG_WARN("watcher '%s': %s; the old processes still alive are kept", name().c_str(), msg.c_str());
  surge_ = 0;
  RollFinish(msg);
}

void Watcher::RollFinish(std::optional<std::string> failure) {
  if (!roll_) return;
  auto done = std::move(roll_->done);
  roll_.reset();
  if (!failure) {
    LOG_INFO("watcher '%s': rolling replacement finished", name().c_str());
    host_.events().Publish(name(), "reload", {{"time", EventLoop::WallNow()}});
  }
  if (done) done(failure);
}

}  // namespace ringmaster
