// The Arbiter owns the loop's supervision state: every Watcher, the pid -> watcher
// map, the signal watches and the reaper. It starts watchers in priority order,
// stops them in reverse order on SIGTERM/SIGINT/SIGQUIT, and re-reads the config
// on SIGHUP. Loop thread only.
#ifndef RINGMASTER_DAEMON_ARBITER_H_
#define RINGMASTER_DAEMON_ARBITER_H_

#include <sys/types.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/config_env.h"

#include <nlohmann/json.hpp>
#include "daemon/event_loop.h"
#include "daemon/event_sink.h"
#include "daemon/notify_listener.h"
#include "daemon/socket_manager.h"
#include "daemon/watcher.h"

namespace ringmaster {

class Arbiter : public WatcherHost {
 public:
  bool TakeSpawnBudget() override;
  // `notify_fd`: the readiness socket handed over by the image this one
  // replaced (in-place upgrade); invalid: bind a new one.
  Arbiter(EventLoop& loop, Config config, ConfigEnv& env, UniqueFd notify_fd = UniqueFd());
  ~Arbiter() override;

  // Starts the autostart watchers (priority order, [circus] warmup_delay
  // apart); `started` runs once the start of every one of them has completed
  // (its processes ready or failed), never if a shutdown comes first.
  void Start(Callback started = nullptr);
  // Service-manager notifications (daemon/sd_notify.h), each optional: a
  // reload starts, a reload is done (applied, failed or refused), the
  // shutdown starts.
  struct Lifecycle {
    Callback reloading, reloaded, stopping;
  };
  void set_lifecycle(Lifecycle lifecycle) { lifecycle_ = std::move(lifecycle); }
  // Stops everything (reverse priority, one priority level in parallel), then
  // kills orphans; `stopped` runs then, and the loop breaks once no child is
  // left and `hold_exit` is released (quit flushes its reply first).
  void Shutdown(Callback stopped = nullptr);
  void ReleaseExit();

  struct ReloadOutcome {
    bool ok = false;
    bool unreadable = false;      // errno 4 rather than 5
    std::string reason;           // first error (+ " (and N more; see the daemon log)")
    nlohmann::json changes;       // {"added": [...], "removed": [...], ...}
  };
  // Re-reads the config file; a broken file is refused and logged, and the
  // running configuration is kept. `done(failure)` runs when every resulting
  // start, stop and resize has finished.
  ReloadOutcome ReloadConfig(std::function<void(std::optional<std::string>)> done = nullptr);
  // Runs on the loop each time reloadconfig has replaced config() (the HTTP
  // endpoint picks up a changed http_token there).
  void set_on_config_applied(std::function<void()> fn) { on_config_applied_ = std::move(fn); }

  // The bound [socket:*] sockets as `listsockets` reports them (sorted by fd).
  nlohmann::json SocketsJson() const { return sockets_.ListJson(); }
  std::map<std::string, int> SocketFds() override { return sockets_.Fds(); }
  // Binds every [socket:*] before any watcher starts (exit 1 on failure).
  Status BindSockets() { return sockets_.BindAll(config_.sockets, SocketMinFd(config_)); }
  // Sockets go above every configured ready_fd so none sits where a child's
  // ready_fd goes.
  static int SocketMinFd(const Config& c);

  // A child of the daemon that is no watcher's process (the `--check` run of
  // an upgrade): the reaper hands its wait status to `on_exit`.
  void WatchChild(pid_t pid, std::function<void(int wait_status)> on_exit);

  // In-place upgrade (arbiter_handover.cc). CanHandOver: every watcher is at
  // rest (Watcher::CanHandOver) and no start, stop or reload is under way.
  bool CanHandOver(std::string* why) const;
  // Watchers, [socket:*] fds and the notify socket into `state`.
  void ExportHandover(HandoverState* state) const;
  // The next image, instead of BindSockets() and Start(): takes over the
  // sockets and processes of `state` (only pids that are still children of
  // this process), binds what it was not handed, starts what the state does
  // not name, and reaps what exited during the exec.
  Status AdoptHandover(const HandoverState& state);

  // Runtime add/remove (commands `add`, `rm`).
  Watcher* AddWatcher(WatcherConfig config);
  void RemoveWatcher(Watcher* w, bool nostop, Callback done);

  bool shutting_down() const { return shutting_down_; }
  const Config& config() const { return config_; }
  Watcher* FindWatcher(const std::string& name);
  const std::vector<std::unique_ptr<Watcher>>& watchers() const { return watchers_; }
  const SocketManager& sockets() const { return sockets_; }
  EventFanout& fanout() { return fanout_; }

  // WatcherHost.
  EventLoop& loop() override { return loop_; }
  Clock& clock() override { return clock_; }
  EventSink& events() override { return fanout_; }
  void RegisterPid(pid_t pid, Watcher* w) override { pids_[pid] = w; }
  void UnregisterPid(pid_t pid) override { pids_.erase(pid); }
  double Random01() override;
  const ProcessTree& Tree() override;
  void SweepOrphans(const std::string& watcher, int wid) override;
  std::string NotifyAddress() override { return notify_.address(); }

 private:
  void OnSigchld();
  void SortWatchers();
  void StartNext(size_t index);
  void OneStarted();
  void MaybeStarted();
  ReloadOutcome ApplyConfigFile(std::function<void(std::optional<std::string>)> done);
  void StopPriorityGroups(std::vector<Watcher*> remaining, Callback done);
  void RunOrphanSweep();
  void MaybeExit();

  EventLoop& loop_;
  LoopClock clock_{loop_};
  Config config_;
  ConfigEnv& env_;
  LogEventSink log_sink_;
  EventFanout fanout_;
  std::function<void()> on_config_applied_;
  SocketManager sockets_;  // destroyed after the watchers
  std::vector<std::unique_ptr<Watcher>> watchers_;
  std::unordered_map<pid_t, Watcher*> pids_;
  std::unordered_map<pid_t, std::function<void(int)>> side_children_;
  std::vector<std::unique_ptr<SignalWatch>> signals_;
  Timer start_timer_;
  size_t start_index_ = 0;
  // The initial start: autostart watchers whose start has not completed yet,
  // and whether StartNext still has watchers to start.
  size_t starts_pending_ = 0;
  bool launching_ = false;
  Callback started_;
  Lifecycle lifecycle_;
  bool shutting_down_ = false;
  // Respawns forked inside one SIGCHLD callback (TakeSpawnBudget).
  static constexpr int kSpawnsPerReap = 32;
  bool in_reap_ = false;
  int spawns_in_reap_ = 0;
  bool hold_exit_ = false;
  bool exiting_ = false;
  std::vector<Callback> shutdown_waiters_;
  bool watchers_stopped_ = false;
  std::mt19937_64 rng_;
  ProcessTree tree_;
  double tree_time_ = -1;
  std::set<std::pair<std::string, int>> sweep_requests_;
  Timer sweep_timer_;
  Timer housekeeping_timer_;
  NotifyListener notify_;  // check_delay: rotation, safety reconcile
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_ARBITER_H_
