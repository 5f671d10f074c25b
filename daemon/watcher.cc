// Watcher lifecycle: start, stop, resize and the respawn policy. The
// per-process mechanics (spawn, FSM actions, signals) are in watcher_process.cc.
#include "daemon/watcher.h"

#include <sys/wait.h>

#include <unistd.h>

#include <algorithm>
#include <set>

#include "daemon/log.h"

namespace ringmaster {

uint64_t Watcher::next_serial_ = 1;

const char* ToString(WatcherState s) {
  switch (s) {
    case WatcherState::kStopped: return "stopped";
    case WatcherState::kStarting: return "starting";
    case WatcherState::kActive: return "active";
    case WatcherState::kStopping: return "stopping";
    case WatcherState::kFlapping: return "flapping";
  }
  return "?";
}

namespace {
void RunAll(std::vector<Callback>& waiters) {
  std::vector<Callback> run;
  run.swap(waiters);
  for (auto& cb : run) {
    if (cb) cb();
  }
}

bool IsLive(const Process& p) {
  return p.state != ProcState::kStopping && p.state != ProcState::kKilling &&
         p.state != ProcState::kExited;
}
}  // namespace

Watcher::Watcher(WatcherHost& host, WatcherConfig config)
    : host_(host),
      config_(std::move(config)),
      desired_(config_.numprocesses),
      spawn_timer_(host.clock().NewTimer([this] { SpawnNext(); })),
      flap_timer_(host.clock().NewTimer([this] { RetryAfterFlap(); })) {
  MakeSinks();
}

Watcher::~Watcher() = default;

void Watcher::MakeSinks() {
  // Each report names its stream: stdout and stderr may go to one file.
  auto on_error = [name = config_.name](const char* stream) {
    return [name, stream](const std::string& msg) {
      LOG_ERROR("watcher '%s': %s: %s", name.c_str(), stream, msg.c_str());
    };
  };
  stdout_sink_ = MakeOutputSink(config_.stdout_stream, STDOUT_FILENO, on_error("stdout"));
  stderr_sink_ = MakeOutputSink(config_.stderr_stream, STDOUT_FILENO, on_error("stderr"));
}

void Watcher::SetConfig(WatcherConfig config) {
  bool streams_changed = config.stdout_stream != config_.stdout_stream ||
                         config.stderr_stream != config_.stderr_stream;
  config_ = std::move(config);
  desired_ = config_.numprocesses;
  if (streams_changed) {
    // Processes still writing to the old sinks keep them alive through their
    // pipes only while we hold them, so swap only when none are running.
    if (procs_.empty()) MakeSinks();
  }
}

void Watcher::Start(Callback done) {
  // An explicit start forgets flapping and slots that gave up (§10.2).
  flap_.Reset();
  flap_timer_->Cancel();
  flap_pending_ = flap_gave_up_ = false;
  given_up_.clear();
  if (state_ == WatcherState::kFlapping) state_ = WatcherState::kStopped;
  if (state_ == WatcherState::kActive) {
    // Already running: only missing processes are spawned; done once they
    // are up (no start event: the watcher did not change state).
    Reconcile();
    if (done) WhenSettled(std::move(done));
    return;
  }
  if (done) start_waiters_.push_back(std::move(done));
  if (state_ == WatcherState::kStopping) {
    // Start after the stop completes.
    stop_waiters_.push_back([this] { Start(); });
    return;
  }
  StartImpl();
}

void Watcher::StartImpl() {
  if (state_ == WatcherState::kStopped) {
    state_ = WatcherState::kStarting;
    restarts_ = 0;
    for (auto& [wid, slot] : slots_) slot.backoff = SlotBackoff{};
    LOG_INFO("watcher '%s': starting %d process(es)", name().c_str(), desired_);
  }
  Reconcile();
  MaybeFinishStart();
}

void Watcher::Stop(Callback done) {
  flap_timer_->Cancel();
  flap_pending_ = false;
  if (state_ == WatcherState::kFlapping) state_ = WatcherState::kStopped;
  StopImpl(std::move(done));
}

void Watcher::StopImpl(Callback done) {
  if (done) stop_waiters_.push_back(std::move(done));
  if (state_ == WatcherState::kStopped) {
    RunAll(stop_waiters_);
    return;
  }
  if (state_ != WatcherState::kStopping) {
    LOG_INFO("watcher '%s': stopping", name().c_str());
  }
  state_ = WatcherState::kStopping;
  spawn_queue_.clear();
  queued_respawns_.clear();
  spawn_timer_->Cancel();
  for (auto& [wid, slot] : slots_) slot.respawn_timer.reset();
  // A start or reload in progress is cancelled: its waiters are released.
  RunAll(start_waiters_);
  surge_ = reload_spawns_left_ = reload_outstanding_ = 0;
  reload_active_ = false;
  if (roll_) RollFinish("'" + name() + "' was stopped during the rolling replacement");
  auto reloads = std::move(reload_waiters_);
  reload_waiters_.clear();
  for (auto& w : reloads) w("'" + name() + "' was stopped during the reload");
  std::vector<Process*> targets;
  for (auto& [pid, p] : procs_) targets.push_back(p.get());
  for (Process* p : targets) StopProcess(*p);
  MaybeFinishStop();
}

void Watcher::Resize(int n) {
  desired_ = std::max(0, n);
  if (config_.singleton) desired_ = std::min(desired_, 1);
  // `options`/`get` report the current desired count, as Circus does.
  config_.numprocesses = desired_;
  if (state_ == WatcherState::kActive || state_ == WatcherState::kStarting) Reconcile();
}

void Watcher::StopProcess(Process& p) { Dispatch(p, ProcEvent::kStopRequested); }

int Watcher::LiveCount() const {
  int n = static_cast<int>(spawn_queue_.size());
  for (const auto& [pid, p] : procs_) n += IsLive(*p) ? 1 : 0;
  for (const auto& [wid, slot] : slots_) n += (slot.respawn_timer && slot.respawn_timer->pending()) ? 1 : 0;
  // A slot that gave up holds its place, so it is not respawned by a
  // reconcile; `start` or a resize releases it.
  return n + static_cast<int>(given_up_.size());
}

bool Watcher::HasLiveWork() const {
  return LiveCount() > static_cast<int>(given_up_.size());
}

std::set<int> Watcher::UsedWids() const {
  std::set<int> used(spawn_queue_.begin(), spawn_queue_.end());
  for (const auto& [pid, p] : procs_) {
    if (p->state != ProcState::kExited) used.insert(p->wid);
  }
  for (const auto& [wid, slot] : slots_) {
    if (slot.respawn_timer && slot.respawn_timer->pending()) used.insert(wid);
  }
  for (const auto& [wid, why] : given_up_) used.insert(wid);
  return used;
}

void Watcher::Reconcile() {
  if (state_ != WatcherState::kActive && state_ != WatcherState::kStarting) return;
  int target = desired_ + surge_;
  int live = LiveCount();
  if (live < target) {
    // The lowest wids not in use (computed once: this runs for every spawn).
    std::set<int> used = UsedWids();
    int wid = 1;
    while (live < target) {
      while (used.count(wid)) ++wid;
      used.insert(wid);
      spawn_queue_.push_back(wid);
      ++live;
    }
    // Queued first, forked after: a start of thousands goes through
    // SpawnNext's slices instead of forking them all inside this loop.
    KickSpawns();
  }
  if (live <= target) return;
  // Too many: first release slots that gave up, then drop pending respawns,
  // then queued spawns, then stop the oldest.
  while (live > target && !given_up_.empty()) {
    given_up_.erase(std::prev(given_up_.end()));
    --live;
  }
  for (auto& [wid, slot] : slots_) {
    if (live <= target) break;
    if (slot.respawn_timer && slot.respawn_timer->pending()) {
      slot.respawn_timer.reset();
      --live;
    }
  }
  while (live > target && !spawn_queue_.empty()) {
    queued_respawns_.erase(spawn_queue_.back());
    spawn_queue_.pop_back();
    --live;
  }
  std::vector<Process*> oldest;
  for (auto& [pid, p] : procs_) {
    if (IsLive(*p)) oldest.push_back(p.get());
  }
  std::sort(oldest.begin(), oldest.end(),
            [](const Process* a, const Process* b) { return a->serial < b->serial; });
  for (Process* p : oldest) {
    if (live <= target) break;
    StopProcess(*p);
    --live;
  }
}

void Watcher::QueueSpawn(int wid, bool respawn) {
  spawn_queue_.push_back(wid);
  if (respawn) queued_respawns_.insert(wid);
  KickSpawns();
}

void Watcher::KickSpawns() {
  if (spawn_timer_->pending() || spawn_queue_.empty()) return;
  if (host_.TakeSpawnBudget()) {
    SpawnNext();
  } else {
    spawn_timer_->Start(0.001);
  }
}

void Watcher::SpawnNext() {
  // At most kSpawnSlice forks per callback: a start of thousands of
  // processes yields to the loop in between, so reaps, respawns elsewhere and
  // SIGTERM are never held up by seconds of forking.
  constexpr int kSpawnSlice = 32;
  for (int n = 0; !spawn_queue_.empty(); ++n) {
    if (n == kSpawnSlice) {
      // A millisecond's gap, not zero: a due timer of this priority would
      // run before any control request, so a start of thousands would keep
      // the control socket unanswered for as long as its forks take. In the
      // gap the loop serves what is waiting at every priority.
      spawn_timer_->Start(0.001);
      return;
    }
    int wid = spawn_queue_.front();
    spawn_queue_.pop_front();
    queued_respawns_.erase(wid);
    SpawnProcess(wid);
    if (!spawn_queue_.empty() && config_.warmup_delay > 0) {
      spawn_timer_->Start(config_.warmup_delay);
      return;
    }
  }
  // The queue is empty: a start or a resize whose processes all became
  // ready while it was still forking the rest ends here.
  MaybeFinishStart();
  CheckSettled();
}

void Watcher::MaybeFinishStart() {
  if (state_ != WatcherState::kStarting || spawn_queue_.size() > queued_respawns_.size()) return;
  for (const auto& [pid, p] : procs_) {
    if (p->in_start_batch && IsLive(*p) && !p->became_ready) return;
  }
  state_ = WatcherState::kActive;
  for (auto& [pid, p] : procs_) p->in_start_batch = false;
  host_.events().Publish(name(), "start", {{"time", host_.clock().WallNow()}});
  LOG_INFO("watcher '%s': active", name().c_str());
  RunAll(start_waiters_);
}

void Watcher::MaybeFinishStop() {
  if (state_ != WatcherState::kStopping || !procs_.empty()) return;
  state_ = WatcherState::kStopped;
  host_.SweepOrphans(name(), 0);
  host_.events().Publish(name(), "stop", {{"time", host_.clock().WallNow()}});
  LOG_INFO("watcher '%s': stopped", name().c_str());
  RunAll(stop_waiters_);
}

void Watcher::ScheduleRespawn(int wid, bool spawn_failure, const std::string& why) {
  Slot& slot = slots_[wid];
  const double now = host_.clock().MonotonicNow();
  const FailureVerdict verdict = slot.backoff.OnFailure(config_.backoff, now, host_.Random01());
  if (spawn_failure) {
    slot.backoff.spawn_failures += 1;
    if (SpawnRetriesExhausted(config_.max_retry, slot.backoff.spawn_failures)) {
      GiveUpSlot(wid, why);
      return;
    }
  } else if (verdict.past_burst && flap_.OnCrash(config_.flapping, now)) {
    EnterFlapping();
    return;
  }
  slot.error = spawn_failure ? why : std::string();
  const double delay = verdict.delay;
  if (delay <= 0) {
    QueueSpawn(wid, /*respawn=*/true);
    return;
  }
  nlohmann::json event = {{"wid", wid},
                          {"failures", slot.backoff.failures},
                          {"delay", delay},
                          {"time", host_.clock().WallNow()}};
  if (!slot.error.empty()) event["error"] = slot.error;
  host_.events().Publish(name(), "backoff", std::move(event));
  LOG_INFO("watcher '%s': slot %d respawns in %.2fs after %d consecutive failure(s)",
           name().c_str(), wid, delay, slot.backoff.failures);
  slot.delay = delay;
  slot.next_spawn = host_.clock().WallNow() + delay;
  ArmRespawn(wid, delay);
}

void Watcher::ArmRespawn(int wid, double delay) {
  Slot& slot = slots_[wid];
  slot.respawn_timer = host_.clock().NewTimer([this, wid] {
    slots_[wid].respawn_timer.reset();
    if (state_ == WatcherState::kActive || state_ == WatcherState::kStarting) {
      if (LiveCount() < desired_) QueueSpawn(wid, /*respawn=*/true);
    }
  });
  slot.respawn_timer->Start(delay);
}

void Watcher::AfterExit(Process& p, uint32_t actions) {
  int wid = p.wid;
  bool crash = (actions & kActCrash) || p.readiness_failed;
  bool spawn_failure = (actions & kActSpawnFailure) != 0;
  double lived = host_.clock().MonotonicNow() - p.started_mono;
  bool has_protocol = config_.ready_fd.has_value() || config_.notify_socket;
  std::string why = spawn_failure ? p.exec_error : "";
  if (!spawn_failure) {
    if (SlotBackoff::IsStableRun(config_.backoff, lived, p.became_ready, has_protocol)) {
      slots_[wid].backoff.OnStableRun();
    }
  }
  if (actions & kActRequestedExit) host_.SweepOrphans(name(), wid);

  bool running = state_ == WatcherState::kActive || state_ == WatcherState::kStarting;
  if (crash) ++restarts_;
  if (running && (crash || spawn_failure)) {
    if (!config_.respawn && !spawn_failure) {
      if (LiveCount() == 0) {
        state_ = WatcherState::kStopping;
        RunAll(start_waiters_);
      }
    } else {
      ScheduleRespawn(wid, spawn_failure, why);
    }
  } else if (running) {
    Reconcile();  // e.g. a `kill` command: the desired count is unchanged
  }
  MaybeFinishStart();
  MaybeFinishStop();
}

void Watcher::OnExit(pid_t pid, int wait_status) {
  Process* p = Find(pid);
  if (p == nullptr) return;
  host_.UnregisterPid(pid);
  // Exec status first: a child that exec'd and exited at once may be reaped
  // before its status pipe's EOF was seen.
  if (p->state == ProcState::kSpawning) OnStatusReadable(*p);
  if (p->out) p->out->Drain();
  if (p->err) p->err->Drain();
  int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status)
             : WIFSIGNALED(wait_status) ? -WTERMSIG(wait_status) : 0;
  if (p->state == ProcState::kExited) {
    // A spawn failure already handled; the child's _exit needs no `reap`.
    procs_.erase(pid);
    MaybeFinishStop();
    CheckSettled();
    return;
  }
  Transition t = Step(p->state, ProcEvent::kExited);
  p->state = t.next;
  if (t.actions & kActCancelReadyTimer && p->ready_timer) p->ready_timer->Cancel();
  if (t.actions & kActCancelGraceTimer && p->grace_timer) p->grace_timer->Cancel();
  if (t.actions & kActEmitReap) {
    host_.events().Publish(name(), "reap",
                           {{"process_pid", pid}, {"time", host_.clock().WallNow()},
                            {"exit_code", code}});
  }
  bool expected = (t.actions & kActRequestedExit) != 0;
  if (!expected) {
    LOG_WARN("watcher '%s': process %d (wid %d) exited unexpectedly with %s %d", name().c_str(),
             pid, p->wid, code < 0 ? "signal" : "code", code < 0 ? -code : code);
  } else {
    LOG_INFO("watcher '%s': process %d (wid %d) stopped (%d)", name().c_str(), pid, p->wid, code);
  }
  std::unique_ptr<Process> owned = std::move(procs_[pid]);
  procs_.erase(pid);
  if (owned->in_reload_batch) {
    owned->in_reload_batch = false;
    --reload_outstanding_;
  }
  bool roll_failed = roll_ && owned->in_roll_batch;
  if (roll_failed) roll_->starting.erase(pid);
  AfterExit(*owned, t.actions);
  if (roll_) {
    if (roll_failed) {
      RollAbort("process " + std::to_string(pid) + " (wid " + std::to_string(owned->wid) +
                ") exited with " + (code < 0 ? "signal " + std::to_string(-code)
                                            : "code " + std::to_string(code)) +
                " before it was ready");
    } else if (roll_->stopping.erase(pid)) {
      RollCheck();
    }
  }
  auto waiters = reap_waiters_.find(pid);
  if (waiters != reap_waiters_.end()) {
    auto run = std::move(waiters->second);
    reap_waiters_.erase(waiters);
    for (auto& cb : run) cb();
  }
  CheckReload();
  CheckSettled();
}

std::vector<const Process*> Watcher::processes() const {
  std::vector<const Process*> out;
  for (const auto& [pid, p] : procs_) {
    if (p->state != ProcState::kExited) out.push_back(p.get());
  }
  std::sort(out.begin(), out.end(),
            [](const Process* a, const Process* b) { return a->serial < b->serial; });
  return out;
}

Process* Watcher::Find(pid_t pid) {
  auto it = procs_.find(pid);
  return it == procs_.end() ? nullptr : it->second.get();
}

}  // namespace ringmaster
