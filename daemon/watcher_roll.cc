// Rolling replacement of a watcher's processes (docs/protocol.md §10.4):
// capacity is kept either by replacing at most max_unavailable at a time
// (stop first) or by spawning max_surge extra processes first. Driven by
// readiness and reap events; nothing blocks.
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "daemon/log.h"
#include "daemon/proc_files.h"
#include "daemon/watcher.h"

namespace ringmaster {

void Watcher::Roll(RollOptions opts, std::function<void(std::optional<std::string>)> done) {
  if (state_ == WatcherState::kStopped || state_ == WatcherState::kFlapping) {
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
    if (p->state == ProcState::kStopping || p->state == ProcState::kKilling) continue;
    if (!opts.only.empty() &&
        std::find(opts.only.begin(), opts.only.end(), p->pid) == opts.only.end()) {
      continue;
    }
    roll_->old.push_back(p->pid);
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
  bool roll_emit_reload_ = roll_->opts.emit_reload;
  roll_.reset();
  if (!failure && roll_emit_reload_) {
    LOG_INFO("watcher '%s': rolling replacement finished", name().c_str());
    host_.events().Publish(name(), "reload", {{"time", host_.clock().WallNow()}});
  }
  if (done) done(failure);
}

void Watcher::Housekeeping() {
  // Commands and running replacements take precedence; one rotation at a time.
  if (state_ != WatcherState::kActive || roll_ || reload_active_) return;
  if (config_.max_age <= 0 && config_.max_rss <= 0) return;
  double now = host_.clock().MonotonicNow();
  for (const Process* p : processes()) {
    if (p->state != ProcState::kReady) continue;
    auto slot = slots_.find(p->wid);
    if (slot != slots_.end() && slot->second.respawn_timer && slot->second.respawn_timer->pending()) {
      continue;  // a failed replacement's backoff is still running
    }
    std::string reason;
    int64_t rss = 0;
    if (p->rotate_at > 0 && now >= p->rotate_at) reason = "max_age";
    if (reason.empty() && config_.max_rss > 0) {
      rss = static_cast<int64_t>(ReadRssBytes(p->pid).value_or(0));
      if (rss > config_.max_rss) reason = "max_rss";
    }
    if (reason.empty()) continue;
    nlohmann::json body = {{"process_pid", p->pid}, {"reason", reason}, {"time", host_.clock().WallNow()}};
    if (reason == "max_rss") body["rss"] = rss;
    host_.events().Publish(name(), "rotate", body);
    LOG_INFO("watcher '%s': rotating process %d (%s)", name().c_str(), p->pid, reason.c_str());
    RollOptions opts;
    opts.max_surge = 1;
    opts.what = "rotation";
    opts.emit_reload = false;
    opts.only = {p->pid};
    pid_t pid = p->pid;
    Roll(opts, [this, pid](std::optional<std::string> failure) {
      if (failure) {
        LOG_WARN("watcher '%s': rotation of process %d failed, kept: %s", name().c_str(), pid,
                 failure->c_str());
      }
    });
    return;
  }
}

}  // namespace ringmaster
