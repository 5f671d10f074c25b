// A Watcher keeps `numprocesses` copies of one program running: it spawns,
// tracks readiness, replaces unexpected exits (with backoff), and stops its
// processes gracefully. All long operations are driven by loop events; nothing
// here blocks. Owned by the Arbiter; loop thread only.
#ifndef RINGMASTER_DAEMON_WATCHER_H_
#define RINGMASTER_DAEMON_WATCHER_H_

#include <signal.h>
#include <sys/types.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/backoff.h"
#include "core/config.h"
#include "core/flapping.h"
#include "core/handover_state.h"
#include "daemon/clock.h"
#include "daemon/event_loop.h"
#include "daemon/event_sink.h"
#include "daemon/output_sink.h"
#include "daemon/process.h"
#include "daemon/process_tree.h"
#include "daemon/spawner.h"

namespace ringmaster {

class Watcher;

// What a Watcher needs from its owner. Time, fork/exec and signals come in
// here too, so tests/support/fake_watcher_host.h can run a Watcher on virtual
// time with fake pids: the Watcher never calls the clocks, Spawn or kill(2)
// itself. Its fd watches (exec-status and ready pipes) stay on loop().
class WatcherHost {
 public:
  virtual ~WatcherHost() = default;
  virtual EventLoop& loop() = 0;
  virtual Clock& clock() = 0;
  virtual EventSink& events() = 0;
  virtual void RegisterPid(pid_t pid, Watcher* w) = 0;
  virtual void UnregisterPid(pid_t pid) = 0;
  virtual double Random01() = 0;
  // A process-tree snapshot, rescanned at most once per loop iteration.
  virtual const ProcessTree& Tree() = 0;
  // Asks for a (coalesced) sweep that SIGKILLs orphans adopted by the daemon
  // whose RINGMASTER_WATCHER/RINGMASTER_WID mark them as this watcher's (wid 0: any).
  virtual void SweepOrphans(const std::string& watcher, int wid) = 0;
  // NOTIFY_SOCKET for watchers with notify_socket ("" when unavailable).
  virtual std::string NotifyAddress() { return ""; }
  // Socket fds by lowercase name, for $(circus.sockets.X) and use_sockets.
  virtual std::map<std::string, int> SocketFds() { return {}; }
  // May a respawn fork right now? False once the current reap callback has
  // forked its share: the rest go through the spawn queue's slices, so a
  // storm of exits never keeps the loop inside one callback for seconds.
  virtual bool TakeSpawnBudget() { return true; }
  // Forks and execs (daemon/spawner.h).
  virtual Result<SpawnedChild> Spawn(const SpawnPlan& plan) { return ringmaster::Spawn(plan); }
  // kill(2): a negative pid is a process group.
  virtual int Kill(pid_t pid, int sig) { return ::kill(pid, sig); }
};

// kFlapping: stopped by flapping protection, started again after retry_in.
enum class WatcherState { kStopped, kStarting, kActive, kStopping, kFlapping };
const char* ToString(WatcherState s);

class Watcher {
 public:
  Watcher(WatcherHost& host, WatcherConfig config);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  const std::string& name() const { return config_.name; }
  const WatcherConfig& config() const { return config_; }
  WatcherState state() const { return state_; }
  int desired() const { return desired_; }

  // Starts a stopped watcher (spawning with warmup_delay between spawns);
  // `done` runs once every process of the initial spawn is ready or failed.
  // On an active watcher, only missing processes are spawned.
  void Start(Callback done = nullptr);
  // Stops every process (stop_signal, graceful_timeout, SIGKILL to the tree);
  // `done` runs when the last one is reaped.
  void Stop(Callback done = nullptr);
  // Changes the desired count; spawns or stops the oldest as needed.
  void Resize(int n);
  // Replaces the configuration; new values apply to later spawns and stops.
  void SetConfig(WatcherConfig config);

  // Stops the given processes with `sig` (default stop_signal) and `grace`
  // (default graceful_timeout); the desired count is unchanged, so they are
  // replaced. `done` runs when every target is reaped.
  void KillProcesses(const std::vector<pid_t>& pids, std::optional<int> sig,
                     std::optional<double> grace, Callback done);
  // Runs `done` once nothing is spawning, starting (not yet ready) or stopping.
  void WhenSettled(Callback done);
  // Graceful reload: spawn numprocesses replacements, wait until each is ready
  // or failed, then stop as many of the oldest old processes as there are
  // ready replacements. `done(failure)` when finished.
  void Reload(std::function<void(std::optional<std::string>)> done);
  // Rolling replacement (docs/protocol.md §10.4): steps of `max_unavailable` (stop,
  // wait reaped, spawn, wait ready) or, when max_surge > 0, of `max_surge`
  // (spawn, wait ready, stop the oldest). A replacement that fails readiness
  // aborts the roll and keeps the old processes. `done(failure)`.
  struct RollOptions {
    int max_unavailable = 1;
    int max_surge = 0;
    std::string what = "rolling restart";  // for messages
    bool emit_reload = true;               // rotations emit `rotate` instead
    std::vector<pid_t> only;               // replace just these (rotation)
  };
  void Roll(RollOptions options, std::function<void(std::optional<std::string>)> done);
  // The check_delay tick: starts the rotation of at most one process whose
  // max_age deadline passed or whose RSS is above max_rss (spawn-first).
  void Housekeeping();

  // "N/M" while a roll runs, else "".
  std::string RollStep() const;

  // Sends a signal now (no stop sequence, no `kill` event).
  void SignalProcess(pid_t pid, int sig);
  bool Owns(pid_t pid) const { return procs_.count(pid) && procs_.at(pid)->state != ProcState::kExited; }
  // A NOTIFY_SOCKET datagram from one of our pids: READY=1, STATUS=...
  void OnNotify(pid_t pid, const std::map<std::string, std::string>& kv);

  // rm with nostop: forget every process, leaving it running unsupervised.
  void Abandon();
  // Counts for status detail.
  int ReadyCount() const;
  int restarts() const { return restarts_; }
  // Slots waiting to respawn: [{"wid","failures","delay","next_spawn"}], and
  // slots that gave up after max_retry spawn failures: {"wid","gave_up","error"}.
  nlohmann::json BackoffJson() const;
  // {"tries","max_retry","next_retry"} while flapping (next_retry: epoch
  // seconds, null once it gave up), else null.
  nlohmann::json FlappingJson() const;
  void PublishReloaded();
  void PublishUpdated();

  // The reaper hands over an exit of one of this watcher's pids.
  void OnExit(pid_t pid, int wait_status);

  // Live processes in spawn order.
  std::vector<const Process*> processes() const;

  // In-place upgrade (watcher_handover.cc). True when everything the
  // watcher is doing can be carried to the next image: its processes are
  // started or ready (none spawning or stopping), nothing is queued, rolling
  // or reloading, and no command waits on it; else `why` says what is not.
  bool CanHandOver(std::string* why) const;
  HandoverWatcher ExportHandover() const;
  // The next image, before the arbiter starts: takes over the processes
  // (whose fds are open here), slots, counters and state of `h`.
  void AdoptHandover(const HandoverWatcher& h);

 private:
  struct Slot {
    SlotBackoff backoff;
    std::unique_ptr<OneShotTimer> respawn_timer;  // pending respawn after backoff
    double delay = 0;
    double next_spawn = 0;  // epoch seconds
    std::string error;      // why the last spawn failed; empty after a crash
  };

  // Lifecycle (watcher.cc).
  void MakeSinks();  // stdout_sink_ and stderr_sink_ from config_
  void Reconcile();
  // `respawn`: the slot's replacement after an exit, which does not hold up
  // the end of a start (a crash storm keeps the queue from ever emptying).
  void QueueSpawn(int wid, bool respawn = false);
  // Forks what is queued now (a slice) or arms the slice timer.
  void KickSpawns();
  void SpawnNext();
  std::set<int> UsedWids() const;
  int LiveCount() const;  // not stopping, not exited, plus pending spawns
  void MaybeFinishStart();
  void MaybeFinishStop();
  void AfterExit(Process& p, uint32_t actions);
  void ScheduleRespawn(int wid, bool spawn_failure, const std::string& why);
  void ArmRespawn(int wid, double delay);
  void GiveUpSlot(int wid, const std::string& why);
  bool HasLiveWork() const;  // a process, a queued spawn or a pending respawn
  void StartImpl();
  void StopImpl(Callback done);
  void EnterFlapping();
  void RetryAfterFlap();
  void StopProcess(Process& p);

  // Per-process mechanics (watcher_process.cc).
  void SpawnProcess(int wid);
  void Dispatch(Process& p, ProcEvent ev);
  void Perform(Process& p, uint32_t actions);
  void OnStatusReadable(Process& p);
  void OnReadyReadable(Process& p);
  void SendStopSignal(Process& p);
  void KillTree(Process& p);
  Process* Find(pid_t pid);

  WatcherHost& host_;
  WatcherConfig config_;
  WatcherState state_ = WatcherState::kStopped;
  int desired_;
  std::map<pid_t, std::unique_ptr<Process>> procs_;
  std::map<int, Slot> slots_;
  std::deque<int> spawn_queue_;
  std::set<int> queued_respawns_;  // the wids in spawn_queue_ queued as respawns
  std::unique_ptr<OneShotTimer> spawn_timer_;  // warmup_delay pacing between spawns
  std::map<int, std::string> given_up_;  // wid -> the spawn error it gave up on
  FlapDetector flap_;
  std::unique_ptr<OneShotTimer> flap_timer_;  // the retry after a flap
  bool flap_pending_ = false;  // a retry follows the stop in progress
  bool flap_gave_up_ = false;
  double flap_next_retry_ = 0;  // epoch seconds
  void CheckSettled();
  void CheckReload();
  void RollNextStep();
  void RollCheck();
  void RollAbort(const std::string& why);
  void RollFinish(std::optional<std::string> failure);

  struct RollState {
    RollOptions opts;
    std::deque<pid_t> old;         // old processes still to replace, oldest first
    std::set<pid_t> stopping;      // old ones stopped in this step
    std::set<pid_t> starting;      // replacements of this step, not ready yet
    int to_spawn_after_reap = 0;   // max_surge == 0: spawn this many once reaped
    int total = 0;
    int replaced = 0;
    int step = 0;
    int steps = 0;
    bool collecting = false;       // new spawns belong to this step
    std::function<void(std::optional<std::string>)> done;
  };
  std::unique_ptr<RollState> roll_;

  std::vector<Callback> settle_waiters_;
  std::map<pid_t, std::vector<Callback>> reap_waiters_;
  int restarts_ = 0;  // unexpected exits since the watcher last started
  int surge_ = 0;                 // extra processes allowed during a reload
  int reload_spawns_left_ = 0;    // replacements still to spawn
  int reload_outstanding_ = 0;    // replacements not yet ready or failed
  int reload_ready_ = 0;
  bool reload_active_ = false;
  std::vector<std::function<void(std::optional<std::string>)>> reload_waiters_;
  std::vector<Callback> start_waiters_;
  std::vector<Callback> stop_waiters_;
  std::unique_ptr<OutputSink> stdout_sink_;
  std::unique_ptr<OutputSink> stderr_sink_;
  static uint64_t next_serial_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_WATCHER_H_
