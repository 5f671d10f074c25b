#include "tests/support/fake_watcher_host.h"

#include <event2/event.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <tuple>

namespace ringmaster {

// ---- FakeClock ----

class FakeClock::FakeTimer final : public OneShotTimer {
 public:
  FakeTimer(FakeClock& clock, Callback cb)
      : clock_(clock), cb_(std::make_shared<Callback>(std::move(cb))) {
    clock_.timers_.insert(this);
  }
  ~FakeTimer() override { clock_.timers_.erase(this); }
  void Start(double seconds) override {
    armed_ = true;
    deadline_ = clock_.now_ + std::max(0.0, seconds);
    seq_ = clock_.next_seq_++;
    ++clock_.arms_;
  }
  void Cancel() override { armed_ = false; }
  bool pending() const override { return armed_; }

  FakeClock& clock_;
  std::shared_ptr<Callback> cb_;
  bool armed_ = false;
  double deadline_ = 0;
  uint64_t seq_ = 0;
};

FakeClock::FakeClock() = default;

// Every timer must be gone by now: a Watcher is destroyed before its host.
FakeClock::~FakeClock() { EXPECT_TRUE(timers_.empty()) << "a timer outlived its FakeClock"; }

std::unique_ptr<OneShotTimer> FakeClock::NewTimer(Callback cb) {
  return std::make_unique<FakeTimer>(*this, std::move(cb));
}

FakeClock::FakeTimer* FakeClock::NextDue(double limit) const {
  FakeTimer* best = nullptr;
  for (FakeTimer* t : timers_) {
    if (!t->armed_ || t->deadline_ > limit) continue;
    if (best == nullptr ||
        std::tie(t->deadline_, t->seq_) < std::tie(best->deadline_, best->seq_)) {
      best = t;
    }
  }
  return best;
}

void FakeClock::Advance(double seconds, const Callback& after_each) {
  // Relative to the start, so many small steps do not drift.
  const double target = now_ + seconds;
  while (FakeTimer* t = NextDue(target)) {
    now_ = std::max(now_, t->deadline_);
    t->armed_ = false;
    ++fired_;
    std::shared_ptr<Callback> keep = t->cb_;  // the callback may destroy t
    (*keep)();
    if (after_each) after_each();
  }
  now_ = std::max(now_, target);
}

std::vector<double> FakeClock::PendingDelays() const {
  std::vector<double> out;
  for (const FakeTimer* t : timers_) {
    if (t->armed_) out.push_back(t->deadline_ - now_);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---- RecordingSink ----

std::vector<std::string> RecordingSink::Names(const std::set<std::string>& skip) const {
  std::vector<std::string> out;
  for (const RecordedEvent& e : events) {
    if (!skip.count(e.name)) out.push_back(e.name);
  }
  return out;
}

std::vector<RecordedEvent> RecordingSink::Named(const std::string& name) const {
  std::vector<RecordedEvent> out;
  for (const RecordedEvent& e : events) {
    if (e.name == name) out.push_back(e);
  }
  return out;
}

// ---- FakeWatcherHost ----

FakeWatcherHost::FakeWatcherHost() = default;

FakeWatcherHost::~FakeWatcherHost() {
  for (auto& [pid, c] : children_) CloseEnds(c);
}

void FakeWatcherHost::CloseEnds(Child& c) {
  if (c.status_w >= 0) ::close(c.status_w);
  if (c.ready_w >= 0) ::close(c.ready_w);
  c.status_w = c.ready_w = -1;
}

Result<SpawnedChild> FakeWatcherHost::Spawn(const SpawnPlan& plan) {
  ++spawn_calls;
  if (fork_error) return Status::Error(*fork_error);
  Child c;
  c.pid = next_pid_++;
  c.plan = plan;
  c.spawned_at = clock_.MonotonicNow();
  SpawnedChild out;
  out.pid = c.pid;
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) std::abort();
  out.status_fd.Reset(fds[0]);
  c.status_w = fds[1];
  if (plan.ready_fd) {
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) std::abort();
    out.ready_fd.Reset(fds[0]);
    c.ready_w = fds[1];
  }
  if (exec_error) {
    // As the real child does: report on the status pipe, then _exit(127).
    ssize_t n = ::write(c.status_w, exec_error->data(), exec_error->size());
    (void)n;
    ::close(c.status_w);
    c.status_w = -1;
    spawn_order_.push_back(c.pid);
    const pid_t pid = c.pid;
    children_.emplace(pid, std::move(c));
    QueueDeath(children_.at(pid), 127 << 8);
    return Result<SpawnedChild>(std::move(out));
  }
  // exec succeeded at once: the close-on-exec end closes.
  ::close(c.status_w);
  c.status_w = -1;
  spawn_order_.push_back(c.pid);
  const pid_t pid = c.pid;
  children_.emplace(pid, std::move(c));
  return Result<SpawnedChild>(std::move(out));
}

int FakeWatcherHost::Kill(pid_t pid, int sig) {
  signals_sent.push_back({pid, sig});
  auto it = children_.find(pid < 0 ? -pid : pid);
  if (it == children_.end() || !it->second.alive) {
    errno = ESRCH;
    return -1;
  }
  Child& c = it->second;
  c.signals.push_back(sig);
  if (sig == 0 || c.dying) return 0;
  if (sig != SIGKILL && c.ignored.count(sig)) return 0;
  QueueDeath(c, sig);  // WIFSIGNALED with WTERMSIG == sig
  return 0;
}

void FakeWatcherHost::QueueDeath(Child& c, int wait_status) {
  if (!c.alive || c.dying) return;
  c.dying = true;
  deaths_.emplace_back(c.pid, wait_status);
}

void FakeWatcherHost::Exit(pid_t pid, int code) {
  if (!children_.count(pid)) {
    ADD_FAILURE() << "Exit: no fake process " << pid;
    return;
  }
  QueueDeath(child(pid), (code & 0xff) << 8);
  Pump();
}

void FakeWatcherHost::KillBySignal(pid_t pid, int sig) {
  if (!children_.count(pid)) {
    ADD_FAILURE() << "KillBySignal: no fake process " << pid;
    return;
  }
  QueueDeath(child(pid), sig);
  Pump();
}

void FakeWatcherHost::ReportReady(pid_t pid) {
  Child& c = child(pid);
  if (c.ready_w < 0) {
    ADD_FAILURE() << "pid " << pid << " has no ready_fd";
    return;
  }
  ssize_t n = ::write(c.ready_w, "\n", 1);
  (void)n;
  Pump();
}

void FakeWatcherHost::Advance(double seconds) {
  Pump();
  clock_.Advance(seconds, [this] { Pump(); });
}

bool FakeWatcherHost::DispatchFds() {
  // libevent runs one priority level per iteration: loop until nothing is
  // active after a non-blocking poll.
  event_base* base = loop_.base();
  bool any = false;
  for (int i = 0; i < 1000; ++i) {
    event_base_loop(base, EVLOOP_NONBLOCK);
    if (event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE) == 0) {
      // One more poll finds fds made readable by the callbacks just run.
      event_base_loop(base, EVLOOP_NONBLOCK);
      if (event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE) == 0) return any;
    }
    any = true;
  }
  return any;
}

void FakeWatcherHost::Pump() {
  // A runaway respawn loop fails the test instead of hanging it.
  for (int round = 0; round < 100000; ++round) {
    DispatchFds();
    if (deaths_.empty()) {
      DispatchFds();
      if (deaths_.empty()) return;
    }
    auto [pid, status] = deaths_.front();
    deaths_.pop_front();
    Child& c = children_.at(pid);
    c.alive = false;
    c.dying = false;
    CloseEnds(c);  // the kernel closes the dead child's pipe ends
    auto w = registered_.find(pid);
    if (w != registered_.end()) w->second->OnExit(pid, status);
  }
  ADD_FAILURE() << "Pump: still busy after 100000 rounds (a respawn loop that never waits?)";
}

std::vector<pid_t> FakeWatcherHost::Alive() const {
  std::vector<pid_t> out;
  for (pid_t pid : spawn_order_) {
    if (children_.at(pid).alive) out.push_back(pid);
  }
  return out;
}

int FakeWatcherHost::WidOf(const Child& c) {
  for (const std::string& kv : c.plan.envp) {
    if (kv.rfind("RINGMASTER_WID=", 0) == 0) return std::atoi(kv.c_str() + 15);
  }
  return 0;
}

std::vector<pid_t> FakeWatcherHost::AliveInSlot(int wid) const {
  std::vector<pid_t> out;
  for (pid_t pid : Alive()) {
    if (WidOf(children_.at(pid)) == wid) out.push_back(pid);
  }
  return out;
}

int FakeWatcherHost::spawns_of_slot(int wid) const {
  int n = 0;
  for (pid_t pid : spawn_order_) n += WidOf(children_.at(pid)) == wid ? 1 : 0;
  return n;
}

::testing::AssertionResult SecondsAre(const std::vector<double>& got,
                                      const std::vector<double>& want) {
  bool same = got.size() == want.size();
  for (size_t i = 0; same && i < got.size(); ++i) same = std::abs(got[i] - want[i]) < 1e-9;
  if (same) return ::testing::AssertionSuccess();
  auto show = [](const std::vector<double>& v) {
    std::string out = "{";
    for (double d : v) out += (out.size() > 1 ? ", " : "") + std::to_string(d);
    return out + "}";
  };
  return ::testing::AssertionFailure() << "got " << show(got) << ", want " << show(want);
}

WatcherConfig FakeWorkerConfig(int n) {
  WatcherConfig c;
  c.name = "worker";
  c.cmd = "worker";
  c.numprocesses = n;
  return c;
}

Watcher& FakeHostTest::StartWatcher(const WatcherConfig& config) {
  watcher_ = std::make_unique<Watcher>(host_, config);
  watcher_->Start();
  host_.Pump();
  return *watcher_;
}

pid_t FakeHostTest::SlotPid(int wid) {
  std::vector<pid_t> alive = host_.AliveInSlot(wid);
  EXPECT_EQ(alive.size(), 1u) << "live processes in slot " << wid;
  return alive.empty() ? -1 : alive.front();
}

pid_t FakeHostTest::OnlyPid() {
  std::vector<pid_t> alive = host_.Alive();
  EXPECT_EQ(alive.size(), 1u);
  return alive.empty() ? -1 : alive.front();
}

}  // namespace ringmaster
