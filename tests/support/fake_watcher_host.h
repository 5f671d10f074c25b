// A WatcherHost for unit tests of the Watcher's restart policy, after ninja's
// VirtualFileSystem (time as Tick()) and FakeCommandRunner: a virtual clock
// whose timers fire only when the test advances time, a spawner that records
// every SpawnPlan and hands out fake pids, a kill(2) that records signals, and
// an event sink that records every event. No real child and no sleep: a test
// "crashes" a fake process and the fake delivers the exit as the reaper would.
//
// Exec status and ready_fd still travel through real pipes, so the Watcher's
// own reading of them runs; Pump() dispatches them on the (real) loop without
// blocking. Fake pids start above Linux's PID_MAX_LIMIT (2^22), so no signal
// can reach a real process even if one escaped the seam.
#ifndef RINGMASTER_TESTS_SUPPORT_FAKE_WATCHER_HOST_H_
#define RINGMASTER_TESTS_SUPPORT_FAKE_WATCHER_HOST_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon/clock.h"
#include "daemon/event_loop.h"
#include "daemon/event_sink.h"
#include "daemon/watcher.h"

namespace ringmaster {

// Virtual time. Timers fire only inside Advance(), in deadline order (ties
// in the order they were armed), with MonotonicNow() at their deadline.
class FakeClock : public Clock {
 public:
  static constexpr double kWallOffset = 1.7e9;  // WallNow() = kWallOffset + MonotonicNow()

  FakeClock();
  ~FakeClock() override;
  double MonotonicNow() override { return now_; }
  double WallNow() override { return kWallOffset + now_; }
  std::unique_ptr<OneShotTimer> NewTimer(Callback cb) override;

  // Moves time forward by `seconds`, firing every timer due meanwhile;
  // `after_each` runs after each timer callback (the host pumps there).
  void Advance(double seconds, const Callback& after_each = nullptr);
  // Seconds until each armed timer fires, soonest first.
  std::vector<double> PendingDelays() const;
  int arms() const { return arms_; }  // Start() calls so far, on any timer
  int fired() const { return fired_; }

 private:
  class FakeTimer;
  friend class FakeTimer;
  FakeTimer* NextDue(double limit) const;

  double now_ = 0;
  uint64_t next_seq_ = 0;
  int arms_ = 0;
  int fired_ = 0;
  std::set<FakeTimer*> timers_;
};

struct RecordedEvent {
  std::string watcher;
  std::string name;
  nlohmann::json body;
};

class RecordingSink : public EventSink {
 public:
  void Publish(const std::string& watcher, const std::string& event,
               const nlohmann::json& body) override {
    events.push_back({watcher, event, body});
  }
  // Event names in order, skipping those in `skip`.
  std::vector<std::string> Names(const std::set<std::string>& skip = {}) const;
  std::vector<RecordedEvent> Named(const std::string& name) const;
  int Count(const std::string& name) const { return static_cast<int>(Named(name).size()); }

  std::vector<RecordedEvent> events;
};

class FakeWatcherHost : public WatcherHost {
 public:
  static constexpr pid_t kFirstPid = 10'000'000;

  struct Child {
    pid_t pid = 0;
    SpawnPlan plan;
    double spawned_at = 0;  // monotonic
    int status_w = -1;      // write ends the "child" holds
    int ready_w = -1;
    bool alive = true;
    bool dying = false;        // an exit is queued for the next Pump()
    std::set<int> ignored;     // signals it survives (never SIGKILL)
    std::vector<int> signals;  // every signal sent to it or its group
  };
  struct SentSignal {
    pid_t pid;  // as passed to kill(2): negative for a group
    int sig;
  };

  FakeWatcherHost();
  ~FakeWatcherHost() override;

  // WatcherHost.
  EventLoop& loop() override { return loop_; }
  Clock& clock() override { return clock_; }
  EventSink& events() override { return sink_; }
  void RegisterPid(pid_t pid, Watcher* w) override { registered_[pid] = w; }
  void UnregisterPid(pid_t pid) override { registered_.erase(pid); }
  double Random01() override { return random01; }
  const ProcessTree& Tree() override { return tree_; }
  void SweepOrphans(const std::string& watcher, int wid) override {
    sweeps.emplace_back(watcher, wid);
  }
  Result<SpawnedChild> Spawn(const SpawnPlan& plan) override;
  int Kill(pid_t pid, int sig) override;

  // What the next spawns do: fail in the parent (fork error), or have the
  // child report an exec failure on its status pipe and exit 127.
  std::optional<std::string> fork_error;
  std::optional<std::string> exec_error;
  // 0.5: the jitter factor is exactly 1, so delays are exact.
  double random01 = 0.5;

  // Test actions. Each ends with Pump().
  void Exit(pid_t pid, int code);         // the process exits on its own
  void KillBySignal(pid_t pid, int sig);  // killed by someone else
  void ReportReady(pid_t pid);            // writes "\n" to its ready_fd
  void Advance(double seconds);           // virtual time, pumping after each timer
  // Dispatches readable pipes and delivers queued exits (as SIGCHLD + the
  // reaper would) until nothing is left to do.
  void Pump();

  // Children alive now, in spawn order.
  std::vector<pid_t> Alive() const;
  // Live children of one slot (RINGMASTER_WID in the env).
  std::vector<pid_t> AliveInSlot(int wid) const;
  static int WidOf(const Child& c);
  const Child& child(pid_t pid) const { return children_.at(pid); }
  Child& child(pid_t pid) { return children_.at(pid); }
  int spawns() const { return static_cast<int>(spawn_order_.size()); }
  int spawns_of_slot(int wid) const;
  bool registered(pid_t pid) const { return registered_.count(pid) != 0; }

  FakeClock& fake_clock() { return clock_; }
  RecordingSink& sink() { return sink_; }
  const RecordingSink& sink() const { return sink_; }

  int spawn_calls = 0;  // Spawn() calls, fork errors included
  std::vector<SentSignal> signals_sent;
  std::vector<std::pair<std::string, int>> sweeps;

 private:
  void QueueDeath(Child& c, int wait_status);
  bool DispatchFds();
  void CloseEnds(Child& c);

  EventLoop loop_;
  FakeClock clock_;
  RecordingSink sink_;
  ProcessTree tree_;  // empty: fake processes have no descendants
  std::map<pid_t, Watcher*> registered_;
  std::map<pid_t, Child> children_;
  std::vector<pid_t> spawn_order_;
  std::deque<std::pair<pid_t, int>> deaths_;  // pid, wait status
  pid_t next_pid_ = kFirstPid;
};

// Durations equal to within a nanosecond, element by element.
::testing::AssertionResult SecondsAre(const std::vector<double>& got,
                                      const std::vector<double>& want);

// `n` processes of "worker": no output capture, no readiness protocol, the
// default restart policy (docs/config.md §10.2).
WatcherConfig FakeWorkerConfig(int n = 1);

// A Watcher on a FakeWatcherHost; the watcher goes before its host.
class FakeHostTest : public ::testing::Test {
 protected:
  // Creates the watcher and starts it.
  Watcher& StartWatcher(const WatcherConfig& config);
  // The one live process (fails the test unless exactly one is alive).
  pid_t OnlyPid();
  // The one live process of slot `wid` (likewise).
  pid_t SlotPid(int wid);
  // The events published so far, skipping the per-process chatter.
  std::vector<std::string> PolicyEvents() const {
    return host_.sink().Names({"spawn", "reap", "kill", "ready"});
  }

  FakeWatcherHost host_;
  std::unique_ptr<Watcher> watcher_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_TESTS_SUPPORT_FAKE_WATCHER_HOST_H_
