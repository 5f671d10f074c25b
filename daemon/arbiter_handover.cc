// The Arbiter's part in an in-place upgrade: what the supervision state hands
// to the next image and how that image takes it over (README "In-place
// upgrade").
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "daemon/arbiter.h"
#include "daemon/log.h"

namespace ringmaster {
namespace {

// The parent pid of `pid` from /proc/<pid>/stat (-1 if it is gone). Field 2,
// the command, may hold spaces and parentheses: parse after the last ')'.
pid_t ParentOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 1));
  std::string state;
  pid_t ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

void CloseFds(const HandoverProcess& p) {
  for (int fd : {p.stdout_fd, p.stderr_fd, p.ready_fd}) {
    if (fd >= 0) close(fd);
  }
}

}  // namespace

bool Arbiter::CanHandOver(std::string* why) const {
  if (shutting_down_) {
    *why = "the daemon is shutting down";
    return false;
  }
  if (start_timer_.pending()) {
    *why = "the watchers are still being started (warmup_delay)";
    return false;
  }
  for (const auto& w : watchers_) {
    if (!w->CanHandOver(why)) return false;
  }
  return true;
}

void Arbiter::ExportHandover(HandoverState* state) const {
  for (const auto& w : watchers_) state->watchers.push_back(w->ExportHandover());
  for (const auto& [name, fd] : sockets_.Fds()) state->sockets.push_back({name, fd});
  state->notify_fd = notify_.fd();
  state->notify_address = notify_.address();
}

Status Arbiter::AdoptHandover(const HandoverState& state) {
  std::map<std::string, int> socket_fds;
  for (const HandoverSocket& s : state.sockets) socket_fds[s.name] = s.fd;
  Status s = sockets_.AdoptAll(config_.sockets, socket_fds, SocketMinFd(config_));
  if (!s.ok()) return s;
  const pid_t self = getpid();
  std::set<std::string> handed;
  size_t adopted = 0;
  for (const HandoverWatcher& hw : state.watchers) {
    Watcher* w = FindWatcher(hw.name);
    HandoverWatcher mine = hw;
    mine.processes.clear();
    for (const HandoverProcess& p : hw.processes) {
      // A zombie is still our child (its pid cannot have been reused): the
      // reap below handles it.
      if (w != nullptr && ParentOf(p.pid) == self) {
        mine.processes.push_back(p);
      } else {
        LOG_WARN("upgrade: process %d of watcher '%s' is not a child of the daemon any more; "
                 "not adopted", p.pid, hw.name.c_str());
        CloseFds(p);
      }
    }
    if (w == nullptr) {
      LOG_ERROR("upgrade: watcher '%s' is not in the configuration; its processes are not adopted",
                hw.name.c_str());
      SweepOrphans(hw.name, 0);
      continue;
    }
    handed.insert(ResName(hw.name));
    adopted += mine.processes.size();
    w->AdoptHandover(mine);
  }
  LOG_INFO("upgrade: adopted %zu process(es) of %zu watcher(s)", adopted, handed.size());
  housekeeping_timer_.Start(config_.circus.check_delay);
  start_index_ = watchers_.size();
  for (auto& w : watchers_) {
    if (!handed.count(ResName(w->name())) && w->config().autostart) w->Start();
  }
  // Exits during the exec left zombies and possibly a SIGCHLD delivered to
  // the old image: reap now rather than wait for the next one.
  OnSigchld();
  return Status::Ok();
}

}  // namespace ringmaster
