#include "daemon/arbiter.h"

#include "core/circus_restart_keys.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>

#include "core/config_loader.h"
#include "daemon/log.h"

namespace ringmaster {

Arbiter::Arbiter(EventLoop& loop, Config config, ConfigEnv& env, UniqueFd notify_fd)
    : loop_(loop),
      config_(std::move(config)),
      env_(env),
      start_timer_(loop, [this] { StartNext(start_index_); }),
      rng_(std::random_device{}()),
      sweep_timer_(loop, [this] { RunOrphanSweep(); }),
      housekeeping_timer_(loop, [this] {
        if (shutting_down_) return;
        for (auto& w : watchers_) w->Housekeeping();
        housekeeping_timer_.Start(config_.circus.check_delay);
      }),
      notify_(loop, [this](pid_t pid, const std::map<std::string, std::string>& kv) {
        auto it = pids_.find(pid);
        if (it == pids_.end()) {
          LOG_DEBUG("notify datagram from unsupervised pid %d dropped", pid);
          return;
        }
        it->second->OnNotify(pid, kv);
      }) {
  bool wants_notify = false;
  for (const WatcherConfig& wc : config_.watchers) wants_notify = wants_notify || wc.notify_socket;
  // Bound up front (cheap) so watchers added later by reload or `add` can use it.
  Status ns;
  if (notify_fd.valid()) {
    notify_.Adopt(std::move(notify_fd));
  } else {
    ns = notify_.Bind();
  }
  if (!ns.ok() && wants_notify) {
    LOG_ERROR("%s: notify_socket readiness will time out", ns.message().c_str());
  } else if (!ns.ok()) {
    LOG_DEBUG("%s", ns.message().c_str());
  }
  fanout_.Add(&log_sink_);
  for (const WatcherConfig& wc : config_.watchers) {
    watchers_.push_back(std::make_unique<Watcher>(*this, wc));
  }
  SortWatchers();
  // Reaping is as urgent as a stop signal: a respawn starts from it.
  signals_.push_back(
      std::make_unique<SignalWatch>(loop_, SIGCHLD, [this] { OnSigchld(); }, /*urgent=*/true));
  for (int sig : {SIGTERM, SIGINT, SIGQUIT}) {
    signals_.push_back(std::make_unique<SignalWatch>(
        loop_, sig,
        [this, sig] {
          LOG_INFO("received %s: stopping every watcher", strsignal(sig));
          Shutdown();
        },
        /*urgent=*/true));
  }
  signals_.push_back(std::make_unique<SignalWatch>(loop_, SIGHUP, [this] {
    LOG_INFO("received SIGHUP: reopening the log and reloading the configuration");
    Log::Reopen();
    if (!shutting_down_) ReloadConfig();
  }));
  // A child writing to a closed pipe of ours must not kill the daemon.
  signal(SIGPIPE, SIG_IGN);
}

Arbiter::~Arbiter() = default;

double Arbiter::Random01() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

const ProcessTree& Arbiter::Tree() {
  if (tree_time_ < 0 || loop_.MonotonicNow() - tree_time_ > 0.01) {
    tree_ = ProcessTree::Scan();
    // Stamped after the scan: with thousands of processes a scan takes longer
    // than the 10 ms of reuse, so a stamp taken before it made every caller
    // rescan, and stopping 2000 slots took one /proc walk per process (35 s).
    tree_time_ = loop_.MonotonicNow();
  }
  return tree_;
}

void Arbiter::SortWatchers() {
  std::stable_sort(watchers_.begin(), watchers_.end(), [](const auto& a, const auto& b) {
    if (a->config().priority != b->config().priority) {
      return a->config().priority > b->config().priority;
    }
    return a->name() < b->name();
  });
}

Watcher* Arbiter::FindWatcher(const std::string& name) {
  for (auto& w : watchers_) {
    if (strcasecmp(w->name().c_str(), name.c_str()) == 0) return w.get();
  }
  return nullptr;
}

void Arbiter::Start(Callback started) {
  housekeeping_timer_.Start(config_.circus.check_delay);
  start_index_ = 0;
  started_ = std::move(started);
  launching_ = true;
  StartNext(0);
}

void Arbiter::StartNext(size_t index) {
  while (index < watchers_.size() && !shutting_down_) {
    Watcher& w = *watchers_[index++];
    if (!w.config().autostart) continue;
    ++starts_pending_;
    w.Start([this] { OneStarted(); });
    if (config_.circus.warmup_delay > 0 && index < watchers_.size()) {
      start_index_ = index;
      start_timer_.Start(config_.circus.warmup_delay);
      return;
    }
  }
  launching_ = false;
  MaybeStarted();
}

void Arbiter::OneStarted() {
  if (starts_pending_ > 0) --starts_pending_;
  MaybeStarted();
}

void Arbiter::MaybeStarted() {
  if (launching_ || starts_pending_ > 0 || shutting_down_ || !started_) return;
  Callback started = std::move(started_);
  started_ = nullptr;
  started();
}

bool Arbiter::TakeSpawnBudget() {
  if (!in_reap_) return true;
  return spawns_in_reap_++ < kSpawnsPerReap;
}

void Arbiter::OnSigchld() {
  in_reap_ = true;
  spawns_in_reap_ = 0;
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    auto it = pids_.find(pid);
    if (it == pids_.end()) {
      auto side = side_children_.find(pid);
      if (side != side_children_.end()) {
        auto on_exit = std::move(side->second);
        side_children_.erase(side);
        on_exit(status);
        continue;
      }
      LOG_DEBUG("reaped orphan %d", pid);
      continue;
    }
    it->second->OnExit(pid, status);
  }
  in_reap_ = false;
  MaybeExit();
}

void Arbiter::WatchChild(pid_t pid, std::function<void(int)> on_exit) {
  side_children_[pid] = std::move(on_exit);
}

void Arbiter::StopPriorityGroups(std::vector<Watcher*> remaining, Callback done) {
  // Stops go in reverse start order: the lowest priority first; one priority
  // level in parallel.
  if (remaining.empty()) {
    done();
    return;
  }
  int prio = remaining.back()->config().priority;
  std::vector<Watcher*> group, rest;
  for (Watcher* w : remaining) (w->config().priority == prio ? group : rest).push_back(w);
  auto left = std::make_shared<size_t>(group.size());
  for (Watcher* w : group) {
    w->Stop([this, left, rest, done] {
      if (--*left == 0) StopPriorityGroups(rest, done);
    });
  }
}

void Arbiter::Shutdown(Callback stopped) {
  if (stopped) hold_exit_ = true;
  if (shutting_down_) {
    if (stopped) {
      if (watchers_stopped_) {
        stopped();
      } else {
        shutdown_waiters_.push_back(std::move(stopped));
      }
    }
    return;
  }
  shutting_down_ = true;
  if (lifecycle_.stopping) lifecycle_.stopping();
  if (stopped) shutdown_waiters_.push_back(std::move(stopped));
  start_timer_.Cancel();
  std::vector<Watcher*> all;
  for (auto& w : watchers_) all.push_back(w.get());
  StopPriorityGroups(all, [this] {
    watchers_stopped_ = true;
    SweepOrphans("", 0);
    RunOrphanSweep();
    auto waiters = std::move(shutdown_waiters_);
    shutdown_waiters_.clear();
    for (auto& cb : waiters) cb();
    MaybeExit();
  });
}

void Arbiter::ReleaseExit() {
  hold_exit_ = false;
  MaybeExit();
}

void Arbiter::MaybeExit() {
  if (!shutting_down_ || !watchers_stopped_ || hold_exit_) return;
  // Exit once no child at all is left (orphans included).
  int status;
  pid_t r = waitpid(-1, &status, WNOHANG);
  if (r == -1 && errno == ECHILD && !exiting_) {
    exiting_ = true;
    LOG_INFO("every process is stopped; exiting");
    loop_.Break();
  }
}

void Arbiter::SweepOrphans(const std::string& watcher, int wid) {
  sweep_requests_.insert({watcher, wid});
  if (!sweep_timer_.pending()) sweep_timer_.Start(0);
}

void Arbiter::RunOrphanSweep() {
  if (sweep_requests_.empty()) return;
  auto requests = std::move(sweep_requests_);
  sweep_requests_.clear();
  tree_time_ = -1;  // orphans appear between scans: always look afresh
  const ProcessTree& tree = Tree();
  pid_t self = getpid();
  for (pid_t child : tree.ChildrenOf(self)) {
    if (pids_.count(child) || side_children_.count(child)) continue;
    std::string owner = ReadProcessEnv(child, "RINGMASTER_WATCHER").value_or("");
    int owner_wid = std::atoi(ReadProcessEnv(child, "RINGMASTER_WID").value_or("0").c_str());
    bool hit = false;
    for (const auto& [w, wid] : requests) {
      if (w.empty() || (w == owner && (wid == 0 || wid == owner_wid))) hit = true;
    }
    if (!hit) continue;
    std::vector<pid_t> victims{child};
    for (pid_t d : tree.DescendantsOf(child)) victims.push_back(d);
    for (pid_t v : victims) ::kill(v, SIGKILL);
    LOG_INFO("killed orphan %d%s%s (and %zu descendant(s))", child,
             owner.empty() ? "" : " of watcher ", owner.c_str(), victims.size() - 1);
  }
}

int Arbiter::SocketMinFd(const Config& c) {
  int highest = 0;
  for (const WatcherConfig& w : c.watchers) highest = std::max(highest, w.ready_fd.value_or(0));
  return highest + 1;
}

Watcher* Arbiter::AddWatcher(WatcherConfig config) {
  watchers_.push_back(std::make_unique<Watcher>(*this, std::move(config)));
  Watcher* w = watchers_.back().get();
  SortWatchers();
  fanout_.Publish(w->name(), "add", {{"time", EventLoop::WallNow()}});
  return w;
}

void Arbiter::RemoveWatcher(Watcher* w, bool nostop, Callback done) {
  auto it = std::find_if(watchers_.begin(), watchers_.end(),
                         [w](const auto& p) { return p.get() == w; });
  if (it == watchers_.end()) {
    if (done) done();
    return;
  }
  // The watcher leaves the table at once; it lives on until its processes
  // are gone, and is deleted outside of its own callbacks.
  std::shared_ptr<Watcher> doomed(it->release());
  watchers_.erase(it);
  fanout_.Publish(doomed->name(), "remove", {{"time", EventLoop::WallNow()}});
  auto finish = [this, doomed, done] {
    auto t = std::make_shared<std::unique_ptr<Timer>>();
    *t = std::make_unique<Timer>(loop_, [doomed, t]() mutable { t->reset(); });
    (*t)->Start(0);
    if (done) done();
  };
  if (nostop) {
    doomed->Abandon();
    finish();
  } else {
    doomed->Stop(finish);
  }
}

Arbiter::ReloadOutcome Arbiter::ReloadConfig(
    std::function<void(std::optional<std::string>)> done) {
  if (lifecycle_.reloading) lifecycle_.reloading();
  ReloadOutcome out = ApplyConfigFile([this, done](std::optional<std::string> failure) {
    if (lifecycle_.reloaded) lifecycle_.reloaded();
    if (done) done(failure);
  });
  // A refused reload never calls back: the running configuration is ready.
  if (!out.ok && lifecycle_.reloaded) lifecycle_.reloaded();
  return out;
}

Arbiter::ReloadOutcome Arbiter::ApplyConfigFile(
    std::function<void(std::optional<std::string>)> done) {
  ReloadOutcome out;
  LoadResult r = LoadConfig(config_.main_file, env_);
  for (const std::string& line : FormatDiagnostics(r.warnings, "config warning: ")) {
    LOG_WARN("%s", line.c_str());
  }
  if (!r.config) {
    for (const std::string& line : FormatDiagnostics(r.errors, "config error: ")) {
      LOG_ERROR("%s", line.c_str());
    }
    LOG_ERROR("reload refused: the running configuration is kept");
    out.unreadable = r.unreadable;
    out.reason = r.errors.empty() ? "config error" : "config error: " + r.errors[0].Format();
    if (r.errors.size() > 1) {
      out.reason += " (and " + std::to_string(r.errors.size() - 1) + " more; see the daemon log)";
    }
    return out;
  }
  Config next = std::move(*r.config);
  // A ready_fd must not collide with a socket that is already bound (§10.1).
  for (const WatcherConfig& wc : next.watchers) {
    if (!wc.ready_fd) continue;
    if (auto sock = sockets_.NameAtFd(*wc.ready_fd)) {
      out.reason = "config error: [watcher:" + wc.name + "] ready_fd: " +
                   std::to_string(*wc.ready_fd) + " is the fd of the bound socket '" + *sock +
                   "'; pick another number";
      LOG_ERROR("%s; reload refused", out.reason.c_str());
      return out;
    }
  }
  // New sockets are bound before any watcher is touched; a failure aborts.
  nlohmann::json sock_changes;
  Status bound = sockets_.ApplyDiff(next.sockets, &sock_changes, SocketMinFd(next));
  if (!bound.ok()) {
    out.unreadable = true;  // errno 4: a system call failed
    out.reason = bound.message();
    LOG_ERROR("%s; reload refused", out.reason.c_str());
    return out;
  }
  out.ok = true;
  std::set<std::string> rebound;
  for (const auto& n : sock_changes.value("rebound", nlohmann::json::array())) {
    rebound.insert(n.get<std::string>());
  }
  nlohmann::json added = nlohmann::json::array(), removed = nlohmann::json::array(),
                 reloaded = nlohmann::json::array(), resized = nlohmann::json::array(),
                 updated = nlohmann::json::array();
  // Every resulting operation reports to one barrier.
  struct Barrier {
    size_t left = 1;
    std::optional<std::string> failure;
    std::function<void(std::optional<std::string>)> done;
    void One(std::optional<std::string> f = std::nullopt) {
      if (f && !failure) failure = f;
      if (--left == 0 && done) done(failure);
    }
  };
  auto barrier = std::make_shared<Barrier>();
  barrier->done = std::move(done);

  std::map<std::string, const WatcherConfig*> wanted;
  for (const WatcherConfig& wc : next.watchers) wanted[ResName(wc.name)] = &wc;
  std::vector<Watcher*> gone;
  for (auto& w : watchers_) {
    if (!wanted.count(ResName(w->name()))) gone.push_back(w.get());
  }
  for (Watcher* w : gone) {
    LOG_INFO("reload: watcher '%s' removed", w->name().c_str());
    removed.push_back(w->name());
    ++barrier->left;
    RemoveWatcher(w, false, [barrier] { barrier->One(); });
  }
  for (const WatcherConfig& wc : next.watchers) {
    Watcher* w = FindWatcher(wc.name);
    if (w == nullptr) {
      LOG_INFO("reload: watcher '%s' added", wc.name.c_str());
      added.push_back(wc.name);
      Watcher* nw = AddWatcher(wc);
      if (wc.autostart) {
        ++barrier->left;
        nw->Start([barrier] { barrier->One(); });
      }
      continue;
    }
    const WatcherConfig* old = nullptr;
    for (const WatcherConfig& o : config_.watchers) {
      if (ResName(o.name) == ResName(wc.name)) old = &o;
    }
    bool uses_rebound = false;
    for (const std::string& sock : rebound) {
      uses_rebound = uses_rebound || wc.use_sockets ||
                     wc.cmd.find("circus.sockets." + sock) != std::string::npos ||
                     wc.args.value_or("").find("circus.sockets." + sock) != std::string::npos;
    }
    if (old != nullptr && *old == wc && !(uses_rebound && w->state() != WatcherState::kStopped)) {
      continue;
    }
    // Compare with the count and bookkeeping fields equalised: what is left
    // decides between a resize, an in-place update and a restart.
    WatcherConfig a = old ? *old : WatcherConfig{}, b = wc;
    a.numprocesses = b.numprocesses;
    a.loc = b.loc;
    a.explicit_keys = b.explicit_keys;
    bool only_count = old != nullptr && a == b && !uses_rebound;
    bool running = w->state() != WatcherState::kStopped;
    // Runtime incr/decr survive unless the file's own count changed (§12).
    bool count_changed = old == nullptr || old->numprocesses != wc.numprocesses;
    int runtime_count = w->desired();
    w->SetConfig(wc);
    // ... but never above a lowered max_numprocesses: then the file's count wins.
    if (!count_changed && runtime_count != wc.numprocesses &&
        runtime_count <= next.circus.max_numprocesses) {
      w->Resize(runtime_count);
    }
    if (only_count) {
      LOG_INFO("reload: watcher '%s' resized to %d", wc.name.c_str(), wc.numprocesses);
      resized.push_back(wc.name);
      w->Resize(wc.numprocesses);
      ++barrier->left;
      w->WhenSettled([barrier] { barrier->One(); });
    } else if (running) {
      LOG_INFO("reload: watcher '%s' changed; reloading it", wc.name.c_str());
      reloaded.push_back(wc.name);
      ++barrier->left;
      w->Reload([barrier](std::optional<std::string> f) { barrier->One(f); });
    } else {
      updated.push_back(wc.name);
    }
  }
  // [circus] values read at start-up only keep their running values.
  nlohmann::json needs_restart = nlohmann::json::array();
  for (const std::string& key : CircusKeysNeedingRestart(config_.circus, next.circus)) {
    LOG_WARN("reload: [circus] %s changed; restart the daemon to apply it", key.c_str());
    needs_restart.push_back(key);
  }
  KeepStartupValues(config_.circus, &next.circus);
  config_ = std::move(next);
  SortWatchers();
  if (on_config_applied_) on_config_applied_();
  out.changes = {{"added", added},       {"removed", removed}, {"reloaded", reloaded},
                 {"resized", resized},   {"updated", updated},
                 {"sockets", sock_changes},
                 {"needs_restart", needs_restart}};
  barrier->One();
  return out;
}

}  // namespace ringmaster
