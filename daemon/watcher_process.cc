// Per-process mechanics of a Watcher: building the spawn plan, applying the
// lifecycle table's actions, readiness pipes, stop signals and SIGKILL of a
// whole process tree.
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/substitution.h"
#include "daemon/log.h"
#include "daemon/spawner.h"
#include "daemon/watcher.h"

namespace ringmaster {
namespace {

// Supplementary groups of the target user, resolved in the parent (initgroups
// is not async-signal-safe).
std::optional<std::vector<gid_t>> GroupsFor(uid_t uid, gid_t gid) {
  passwd* pw = getpwuid(uid);
  if (pw == nullptr) return std::vector<gid_t>{gid};
  int n = 64;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  if (getgrouplist(pw->pw_name, gid, groups.data(), &n) < 0) {
    groups.resize(static_cast<size_t>(n));
    getgrouplist(pw->pw_name, gid, groups.data(), &n);
  }
  groups.resize(static_cast<size_t>(n));
  return groups;
}

}  // namespace

void Watcher::SpawnProcess(int wid) {
  std::map<std::string, std::string> env = config_.env;
  env["RINGMASTER_WATCHER"] = config_.name;
  env["RINGMASTER_WID"] = std::to_string(wid);
  if (config_.notify_socket) {
    std::string addr = host_.NotifyAddress();
    if (!addr.empty()) env["NOTIFY_SOCKET"] = addr;
  }
  std::map<std::string, int> sockets = host_.SocketFds();

  SpawnVars vars;
  vars.wid = wid;
  vars.socket_fds = sockets;
  vars.child_env = &config_.env;
  vars.ready_fd = config_.ready_fd;
  Result<std::vector<std::string>> argv = BuildArgv(config_, vars);
  if (!argv.ok()) {
    LOG_ERROR("watcher '%s': cannot build the command for wid %d: %s", name().c_str(), wid,
              argv.error().c_str());
    ScheduleRespawn(wid, true, argv.error());
    return;
  }

  SpawnPlan plan;
  plan.argv = argv.value();
  auto path = env.find("PATH");
  plan.exec_candidates = ExecCandidates(config_.executable.value_or(plan.argv[0]),
                                        path == env.end() ? "" : path->second);
  for (const auto& [k, v] : env) plan.envp.push_back(k + "=" + v);
  plan.working_dir = config_.working_dir;
  plan.uid = config_.uid;
  plan.gid = config_.gid;
  if (config_.uid) plan.groups = GroupsFor(*config_.uid, config_.gid.value_or(getgid()));
  plan.rlimits = config_.rlimits;
  plan.stdin_mode = config_.close_child_stdin ? StdioMode::kDevNull : StdioMode::kInherit;
  plan.stdout_mode = config_.close_child_stdout ? StdioMode::kDevNull
                     : stdout_sink_             ? StdioMode::kPipe
                                                : StdioMode::kInherit;
  plan.stderr_mode = config_.close_child_stderr ? StdioMode::kDevNull
                     : stderr_sink_             ? StdioMode::kPipe
                                                : StdioMode::kInherit;
  plan.ready_fd = config_.ready_fd;
  if (config_.use_sockets) {
    for (const auto& [n, fd] : sockets) plan.keep_fds.push_back(fd);
  } else {
    for (const auto& [n, fd] : sockets) {
      std::string ref = "circus.sockets." + n;
      if (config_.cmd.find(ref) != std::string::npos ||
          config_.args.value_or("").find(ref) != std::string::npos) {
        plan.keep_fds.push_back(fd);
      }
    }
  }

  Result<SpawnedChild> spawned = host_.Spawn(plan);
  if (!spawned.ok()) {
    LOG_ERROR("watcher '%s': cannot spawn wid %d: %s", name().c_str(), wid,
              spawned.error().c_str());
    ScheduleRespawn(wid, true, spawned.error());
    return;
  }
  SpawnedChild& c = spawned.value();
  auto owned = std::make_unique<Process>();
  Process& p = *owned;
  p.pid = c.pid;
  p.wid = wid;
  p.serial = next_serial_++;
  p.started = host_.clock().WallNow();
  p.started_mono = host_.clock().MonotonicNow();
  p.in_start_batch = state_ == WatcherState::kStarting;
  if (config_.max_age > 0) {
    // Drawn once per process so one watcher's rotations spread out.
    p.rotate_at = p.started_mono + static_cast<double>(config_.max_age) +
                  host_.Random01() * static_cast<double>(config_.max_age_variance);
  }
  if (reload_spawns_left_ > 0) {
    --reload_spawns_left_;
    p.in_reload_batch = true;
  }
  if (roll_ && (roll_->collecting || roll_->to_spawn_after_reap > 0)) {
    if (roll_->to_spawn_after_reap > 0) --roll_->to_spawn_after_reap;
    p.in_roll_batch = true;
    roll_->starting.insert(p.pid);
  }
  p.status_fd = std::move(c.status_fd);
  p.status_watch = std::make_unique<FdWatch>(host_.loop(), p.status_fd.get(), FdWatch::kRead,
                                             [this, &p] { OnStatusReadable(p); },
                                             Priority::kSupervision);
  if (c.ready_fd.valid()) {
    p.ready_fd = std::move(c.ready_fd);
    p.ready_watch = std::make_unique<FdWatch>(host_.loop(), p.ready_fd.get(), FdWatch::kRead,
                                              [this, &p] { OnReadyReadable(p); },
                                              Priority::kSupervision);
  }
  if (c.stdout_fd.valid()) {
    p.out = std::make_unique<OutputPipe>(host_.loop(), std::move(c.stdout_fd), p.pid,
                                         stdout_sink_.get());
  }
  if (c.stderr_fd.valid()) {
    p.err = std::make_unique<OutputPipe>(host_.loop(), std::move(c.stderr_fd), p.pid,
                                         stderr_sink_.get());
  }
  host_.RegisterPid(p.pid, this);
  procs_[p.pid] = std::move(owned);
}

void Watcher::OnStatusReadable(Process& p) {
  if (!p.status_fd.valid()) return;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(p.status_fd.get(), buf, sizeof buf);
    if (n > 0) {
      if (p.status_buf.size() < 4096) p.status_buf.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;  // exec still pending
    break;                                 // EOF: exec happened, or the child wrote and exited
  }
  p.status_watch.reset();
  p.status_fd.Reset();
  if (p.status_buf.empty()) {
    Dispatch(p, ProcEvent::kExecOk);
  } else {
    p.exec_error = p.status_buf;
    Dispatch(p, ProcEvent::kExecFailed);
  }
}

void Watcher::OnReadyReadable(Process& p) {
  char buf[512];
  for (;;) {
    ssize_t n = ::read(p.ready_fd.get(), buf, sizeof buf);
    if (n > 0) {
      if (!p.became_ready && memchr(buf, '\n', static_cast<size_t>(n)) != nullptr) {
        Dispatch(p, ProcEvent::kReady);
      }
      continue;  // after readiness: read and discard, so the child never gets SIGPIPE
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    break;
  }
  p.ready_watch.reset();
  p.ready_fd.Reset();
  if (!p.became_ready && p.state == ProcState::kStarting) {
    LOG_WARN("watcher '%s': process %d closed ready_fd before reporting ready", name().c_str(),
             p.pid);
    p.readiness_failed = true;
    Dispatch(p, ProcEvent::kReadyFailed);
  }
}

void Watcher::OnNotify(pid_t pid, const std::map<std::string, std::string>& kv) {
  Process* p = Find(pid);
  if (p == nullptr) return;
  auto status = kv.find("STATUS");
  if (status != kv.end()) p->status_text = status->second;
  auto ready = kv.find("READY");
  if (config_.notify_socket && ready != kv.end() && ready->second == "1" && !p->became_ready) {
    // An exec'd process may report before its exec-status EOF was seen.
    if (p->state == ProcState::kSpawning) OnStatusReadable(*p);
    Dispatch(*p, ProcEvent::kReady);
  }
}

void Watcher::Dispatch(Process& p, ProcEvent ev) {
  Transition t = Step(p.state, ev);
  if (!t.valid) return;
  LOG_DEBUG("watcher '%s': pid %d %s --%s--> %s", name().c_str(), p.pid,
            std::string(ToString(p.state)).c_str(), std::string(ToString(ev)).c_str(),
            std::string(ToString(t.next)).c_str());
  p.state = t.next;
  Perform(p, t.actions);
}

void Watcher::Perform(Process& p, uint32_t a) {
  bool has_protocol = config_.ready_fd.has_value() || config_.notify_socket;
  if (a & kActEmitSpawn) {
    slots_[p.wid].backoff.spawn_failures = 0;
    host_.events().Publish(name(), "spawn", {{"process_pid", p.pid}, {"time", p.started}});
    LOG_INFO("watcher '%s': spawned process %d (wid %d)", name().c_str(), p.pid, p.wid);
  }
  if (a & kActArmReadyTimer) {
    Process* pp = &p;
    if (has_protocol) {
      if (config_.ready_timeout > 0) {
        p.ready_timer = host_.clock().NewTimer([this, pp] {
          LOG_WARN("watcher '%s': process %d not ready after %.1fs (ready_timeout)",
                   name().c_str(), pp->pid, config_.ready_timeout);
          pp->readiness_failed = true;
          Dispatch(*pp, ProcEvent::kReadyFailed);
        });
        p.ready_timer->Start(config_.ready_timeout);
        p.ready_deadline = host_.clock().MonotonicNow() + config_.ready_timeout;
      }
    } else if (config_.warmup_delay > 0) {
      p.ready_timer = host_.clock().NewTimer([this, pp] { Dispatch(*pp, ProcEvent::kReady); });
      p.ready_timer->Start(config_.warmup_delay);
      p.ready_deadline = host_.clock().MonotonicNow() + config_.warmup_delay;
    } else {
      Dispatch(p, ProcEvent::kReady);
      return;  // the nested dispatch performed the rest
    }
  }
  if ((a & kActCancelReadyTimer) && p.ready_timer) p.ready_timer->Cancel();
  if (a & kActEmitReady) {
    p.became_ready = true;
    p.ready_at = host_.clock().WallNow();
    if (has_protocol) {
      host_.events().Publish(name(), "ready", {{"process_pid", p.pid}, {"time", p.ready_at}});
    }
    if (p.in_reload_batch) {
      p.in_reload_batch = false;
      ++reload_ready_;
      --reload_outstanding_;
    }
    if (p.in_roll_batch && roll_) {
      p.in_roll_batch = false;
      roll_->starting.erase(p.pid);
      if (roll_->opts.max_surge == 0) ++roll_->replaced;
      RollCheck();
    }
    MaybeFinishStart();
    CheckReload();
    CheckSettled();
  }
  if (a & kActSendStopSignal) SendStopSignal(p);
  if (a & kActArmGraceTimer) {
    Process* pp = &p;
    p.grace_timer = host_.clock().NewTimer([this, pp] { Dispatch(*pp, ProcEvent::kGraceExpired); });
    p.grace_timer->Start(p.graceful_timeout.value_or(config_.graceful_timeout));
  }
  if ((a & kActCancelGraceTimer) && p.grace_timer) p.grace_timer->Cancel();
  if (a & kActKillTree) KillTree(p);
  if (a & kActSpawnFailure) {
    LOG_ERROR("watcher '%s': cannot spawn wid %d (pid %d): %s", name().c_str(), p.wid, p.pid,
              p.exec_error.c_str());
    if (p.in_reload_batch) {
      p.in_reload_batch = false;
      --reload_outstanding_;
    }
    if (p.in_roll_batch && roll_) {
      p.in_roll_batch = false;
      roll_->starting.erase(p.pid);
      RollAbort("process " + std::to_string(p.pid) + " (wid " + std::to_string(p.wid) +
                ") could not be spawned: " + p.exec_error);
    }
    AfterExit(p, a);
    CheckReload();
  }
}

void Watcher::SendStopSignal(Process& p) {
  int sig = p.stop_signal.value_or(config_.stop_signal);
  // The process leads its own group (setsid before exec): signal the group.
  if (host_.Kill(-p.pid, sig) < 0) host_.Kill(p.pid, sig);
  double now = host_.clock().WallNow();
  host_.events().Publish(name(), "kill", {{"process_pid", p.pid}, {"time", now}});
  if (config_.stop_children) {
    for (pid_t c : host_.Tree().ChildrenOf(p.pid)) {
      if (host_.Kill(c, sig) == 0) {
        host_.events().Publish(name(), "kill", {{"process_pid", c}, {"time", now}});
      }
    }
  }
}

void Watcher::KillTree(Process& p) {
  std::vector<pid_t> targets{p.pid};
  for (pid_t d : host_.Tree().DescendantsOf(p.pid)) targets.push_back(d);
  host_.Kill(-p.pid, SIGKILL);
  double now = host_.clock().WallNow();
  for (pid_t t : targets) {
    if (host_.Kill(t, SIGKILL) == 0 || t == p.pid) {
      host_.events().Publish(name(), "kill", {{"process_pid", t}, {"time", now}});
    }
  }
  LOG_WARN("watcher '%s': process %d killed with SIGKILL (%zu process(es) in its tree)",
           name().c_str(), p.pid, targets.size());
  host_.SweepOrphans(name(), p.wid);
}

}  // namespace ringmaster
