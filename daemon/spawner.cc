#include "daemon/spawner.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ringmaster {
namespace {

// --- child side: async-signal-safe only ---------------------------------

void WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// The RLIMIT_NOFILE children start with (set by RaiseFdLimitKeepingChildren).
bool g_child_nofile_set = false;
rlimit g_child_nofile{};

[[noreturn]] void ChildFail(int status_fd, const char* stage, int err) {
  WriteAll(status_fd, stage, strlen(stage));
  WriteAll(status_fd, ": ", 2);
  const char* text = strerrordesc_np(err);
  if (text == nullptr) text = "unknown error";
  WriteAll(status_fd, text, strlen(text));
  _exit(127);
}

void CloseRange(unsigned first, unsigned last) {
  if (first > last) return;
  if (syscall(SYS_close_range, first, last, 0) == 0) return;
  for (unsigned fd = first; fd <= last && fd < 65536; ++fd) ::close(static_cast<int>(fd));
}

// Closes every fd >= 3 except those in `keep` (sorted, unique).
void CloseAllExcept(const std::vector<int>& keep) {
  unsigned next = 3;
  for (int k : keep) {
    if (k < 3) continue;
    if (static_cast<unsigned>(k) > next) CloseRange(next, static_cast<unsigned>(k) - 1);
    next = static_cast<unsigned>(k) + 1;
  }
  CloseRange(next, ~0u);
}

struct ChildFds {
  int status_w, out_w, err_w, ready_w;
  const std::vector<int>* keep;  // sorted; every fd >= 3 the child keeps
};

[[noreturn]] void RunChild(const SpawnPlan& plan, const ChildFds& fds, char* const* argv,
                           char* const* envp) {
  int st = fds.status_w;
  // 1. Signal state back to defaults: libevent's handlers must not leak.
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    signal(sig, SIG_DFL);
  }
  // 2. stdio.
  int devnull = -1;
  // The first error is the one reported: an open that fails (EMFILE) must
  // not turn into dup2(-1)'s "Bad file descriptor".
  auto null_fd = [&]() {
    if (devnull < 0) devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) ChildFail(st, "open /dev/null", errno);
    return devnull;
  };
  if (plan.stdin_mode == StdioMode::kDevNull && dup2(null_fd(), 0) < 0) ChildFail(st, "stdin", errno);
  if (plan.stdout_mode == StdioMode::kDevNull && dup2(null_fd(), 1) < 0) ChildFail(st, "stdout", errno);
  if (plan.stdout_mode == StdioMode::kPipe && dup2(fds.out_w, 1) < 0) ChildFail(st, "stdout", errno);
  if (plan.stderr_mode == StdioMode::kDevNull && dup2(null_fd(), 2) < 0) ChildFail(st, "stderr", errno);
  if (plan.stderr_mode == StdioMode::kPipe && dup2(fds.err_w, 2) < 0) ChildFail(st, "stderr", errno);
  // 3. working directory.
  if (!plan.working_dir.empty() && chdir(plan.working_dir.c_str()) < 0) {
    ChildFail(st, "chdir", errno);
  }
  // 4. Own session and process group.
  if (setsid() < 0) ChildFail(st, "setsid", errno);
  // 5. rlimits: first the daemon's own starting fd limit (best effort), then
  // the watcher's.
  if (g_child_nofile_set) setrlimit(RLIMIT_NOFILE, &g_child_nofile);
  for (const RlimitSetting& r : plan.rlimits) {
    rlimit lim;
    lim.rlim_cur = lim.rlim_max = r.value ? static_cast<rlim_t>(*r.value) : RLIM_INFINITY;
    if (setrlimit(static_cast<__rlimit_resource>(r.resource), &lim) < 0) {
      ChildFail(st, "setrlimit", errno);
    }
  }
  // 6. Credentials: group first, while we still may.
  if (plan.gid && setgid(*plan.gid) < 0) ChildFail(st, "setgid", errno);
  if (plan.groups && setgroups(plan.groups->size(), plan.groups->data()) < 0) {
    ChildFail(st, "setgroups", errno);
  }
  if (plan.uid && setuid(*plan.uid) < 0) ChildFail(st, "setuid", errno);
  // 7. Readiness pipe at its configured number (not close-on-exec).
  if (plan.ready_fd) {
    if (fds.ready_w == *plan.ready_fd) {
      int flags = fcntl(fds.ready_w, F_GETFD);
      fcntl(fds.ready_w, F_SETFD, flags & ~FD_CLOEXEC);
    } else if (dup2(fds.ready_w, *plan.ready_fd) < 0) {
      ChildFail(st, "ready_fd", errno);
    }
  }
  // 8. Close everything else but the status pipe (close-on-exec).
  CloseAllExcept(*fds.keep);
  // 9. exec.
  int err = ENOENT;
  for (const std::string& path : plan.exec_candidates) {
    execve(path.c_str(), argv, envp);
    err = errno;
    if (err != ENOENT && err != ENOTDIR) break;
  }
  ChildFail(st, "exec", err);
}

// Pipe with both ends close-on-exec; the read end non-blocking.
Status MakePipe(UniqueFd* r, UniqueFd* w) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return Status::FromErrno("pipe", errno);
  fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
  r->Reset(p[0]);
  w->Reset(p[1]);
  return Status::Ok();
}

}  // namespace

std::vector<std::string> ExecCandidates(const std::string& program, const std::string& path_env) {
  if (program.find('/') != std::string::npos) return {program};
  std::string path = path_env.empty() ? "/bin:/usr/bin" : path_env;
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find(':', pos);
    if (end == std::string::npos) end = path.size();
    // An empty PATH entry means the current directory.
    std::string candidate = end > pos ? path.substr(pos, end - pos) : std::string(1, '.');
    candidate += '/';
    candidate += program;
    out.push_back(std::move(candidate));
    pos = end + 1;
  }
  return out;
}

Result<SpawnedChild> Spawn(const SpawnPlan& plan) {
  if (plan.argv.empty()) return Status::Error("empty command");
  SpawnedChild child;
  UniqueFd status_w, out_w, err_w, ready_w;
  Status s = MakePipe(&child.status_fd, &status_w);
  if (s.ok() && plan.stdout_mode == StdioMode::kPipe) s = MakePipe(&child.stdout_fd, &out_w);
  if (s.ok() && plan.stderr_mode == StdioMode::kPipe) s = MakePipe(&child.stderr_fd, &err_w);
  if (s.ok() && plan.ready_fd) s = MakePipe(&child.ready_fd, &ready_w);
  if (!s.ok()) return s;

  // argv/envp arrays are built before fork: no allocation in the child.
  std::vector<char*> argv, envp;
  for (const auto& a : plan.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : plan.envp) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // The status pipe must not sit where ready_fd goes.
  if (plan.ready_fd && status_w.get() == *plan.ready_fd) {
    int moved = fcntl(status_w.get(), F_DUPFD_CLOEXEC, *plan.ready_fd + 1);
    if (moved < 0) return Status::FromErrno("fcntl", errno);
    status_w.Reset(moved);
  }
  std::vector<int> keep = plan.keep_fds;
  if (plan.ready_fd) keep.push_back(*plan.ready_fd);
  keep.push_back(status_w.get());
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
  ChildFds fds{status_w.get(), out_w.get(), err_w.get(), ready_w.get(), &keep};

  pid_t pid = fork();
  if (pid < 0) return Status::FromErrno("fork", errno);
  if (pid == 0) RunChild(plan, fds, argv.data(), envp.data());
  child.pid = pid;
  return child;
}

unsigned long RaiseFdLimitKeepingChildren() {
  constexpr rlim_t kWanted = 65536;
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  g_child_nofile = lim;
  g_child_nofile_set = true;
  rlim_t target = lim.rlim_max == RLIM_INFINITY ? kWanted : std::min(lim.rlim_max, kWanted);
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < target) {
    rlimit raised = lim;
    raised.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return static_cast<unsigned long>(target);
  }
  return static_cast<unsigned long>(lim.rlim_cur);
}

}  // namespace ringmaster
