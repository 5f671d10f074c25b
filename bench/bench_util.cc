#include "bench_util.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bench {

Harness g;
volatile sig_atomic_t g_interrupted = 0;

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

int64_t CpuNs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

std::string Fmt(const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return buf;
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return Fmt("exit %d", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return Fmt("killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return Fmt("status 0x%x", status);
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

int64_t StatusField(const std::string& status, const char* key) {
  size_t at = status.find(std::string("\n") + key + ":");
  if (at == std::string::npos) return -1;
  return strtoll(status.c_str() + at + strlen(key) + 2, nullptr, 10);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  if (rank < 1) rank = 1;
  return v[rank - 1];
}

double Median(const std::vector<double>& v) {
  if (v.empty()) return NAN;
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  size_t n = s.size();
  return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

std::string JsonNum(double v, int prec) {
  if (std::isnan(v) || std::isinf(v)) return "null";
  return Fmt("%.*f", prec, v);
}

std::string JsonArr(const std::vector<double>& v, int prec) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + JsonNum(v[i], prec);
  return s + "]";
}

std::string JsonStr(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      o += Fmt("\\u%04x", c);
    } else {
      o += c;
    }
  }
  return o + "\"";
}

// ---------------------------------------------------------------------------
// Signals, failure, cleanup.

namespace {
void OnInterrupt(int sig) { g_interrupted = sig; }
void OnAlarm(int) {}
}  // namespace

void InstallHandlers() {
  struct sigaction sa = {};
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR
  sa.sa_handler = OnInterrupt;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  sa.sa_handler = OnAlarm;
  sigaction(SIGALRM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Orphaned daemon workers (daemon crashed or was SIGKILLed) become our
  // children, so cleanup can always reap them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
}

void CheckInterrupted() {
  if (g_interrupted) Fail(Fmt("interrupted by signal %d", static_cast<int>(g_interrupted)));
}

void CheckDaemon() {
  if (g.daemon_pid <= 0) return;
  int status;
  pid_t r = waitpid(g.daemon_pid, &status, WNOHANG);
  if (r == g.daemon_pid) {
    g.daemon_pid = -1;
    Fail(Fmt("ringmasterd exited unexpectedly (%s)", DescribeStatus(status).c_str()));
  }
}

void PrintLogTail(int n) {
  if (g.log_path.empty()) return;
  std::vector<std::string> lines = ReadLines(g.log_path);
  if (lines.empty()) {
    fprintf(stderr, "  (ringmasterd log %s is empty)\n", g.log_path.c_str());
    return;
  }
  fprintf(stderr, "  last lines of ringmasterd log %s:\n", g.log_path.c_str());
  size_t from = lines.size() > static_cast<size_t>(n) ? lines.size() - n : 0;
  for (size_t i = from; i < lines.size(); ++i) fprintf(stderr, "    %s\n", lines[i].c_str());
}

void ReapAllChildren(int64_t deadline) {
  for (;;) {
    pid_t r = waitpid(-1, nullptr, WNOHANG);
    if (r > 0) continue;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return;  // ECHILD: nothing left
    if (NowNs() >= deadline) return;
    usleep(5000);  // cleanup only, never on a measured path
  }
}

void RemoveTmp() {
  if (g.tmpdir.empty() || g.keep_tmp) return;
  std::error_code ec;
  std::filesystem::remove_all(g.tmpdir, ec);
  g.tmpdir.clear();
}

void KillEverything() {
  if (g.daemon_pid > 0) kill(g.daemon_pid, SIGKILL);  // first: no more respawns
  for (pid_t p : g.worker_pids) kill(p, SIGKILL);
  for (pid_t p : g.other_pids) kill(p, SIGKILL);
  // Workers we never heard from notice the reader is gone (POLLERR) and exit,
  // or fail to open the FIFO (ENXIO).
  if (g.fifo_fd >= 0) close(g.fifo_fd);
  g.fifo_fd = -1;
  // We are a child subreaper, so orphaned daemon workers are reaped here too.
  ReapAllChildren(NowNs() + 5 * kNsPerSec);
  g.daemon_pid = -1;
  g.worker_pids.clear();
  g.other_pids.clear();
}

// Uses _exit: threads (servers, load generators) and library contexts are
// not torn down (a destructor could block on them).
void Fail(const std::string& msg) {
  fflush(stdout);
  fprintf(stderr, "%s: FAILED: %s\n", g.name.c_str(), msg.c_str());
  if (g.log_tail_on_fail) PrintLogTail(20);
  KillEverything();
  if (g.keep_tmp && !g.tmpdir.empty()) {
    fprintf(stderr, "%s: temp dir kept: %s\n", g.name.c_str(), g.tmpdir.c_str());
  }
  RemoveTmp();
  fflush(stdout);
  fflush(stderr);
  _exit(1);
}

std::thread StartQuietThread(std::function<void()> fn) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  std::thread t(std::move(fn));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return t;
}

std::string AbsExecutable(const std::string& path, const char* what) {
  char buf[PATH_MAX];
  if (!realpath(path.c_str(), buf)) {
    fprintf(stderr, "%s: %s %s: %s\n", g.name.c_str(), what, path.c_str(), strerror(errno));
    exit(1);
  }
  if (access(buf, X_OK) != 0) {
    fprintf(stderr, "%s: %s %s is not executable\n", g.name.c_str(), what, buf);
    exit(1);
  }
  return buf;
}

Args::Args(int argc, char** argv, void (*usage)(const char*))
    : argc_(argc), argv_(argv), usage_(usage) {}

bool Args::Next() {
  if (++i_ >= argc_) return false;
  flag_ = argv_[i_];
  return true;
}

std::string Args::Value() {
  if (i_ + 1 >= argc_) {
    usage_((flag_ + " needs a value").c_str());
    exit(2);
  }
  return argv_[++i_];
}

double Args::Num(double lo, double hi) {
  std::string v = Value();
  char* end = nullptr;
  double d = strtod(v.c_str(), &end);
  if (v.empty() || *end || !(d >= lo && d <= hi)) {
    usage_(Fmt("bad value '%s' for %s", v.c_str(), flag_.c_str()).c_str());
    exit(2);
  }
  return d;
}

// ---------------------------------------------------------------------------
// Processes.

pid_t ForkExec(const std::vector<char*>& argv) {
  pid_t pid = fork();
  if (pid < 0) Fail(Fmt("fork: %s", strerror(errno)));
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  g.other_pids.insert(pid);
  return pid;
}

pid_t WaitPidUntil(pid_t pid, int* status, int64_t deadline) {
  for (;;) {
    CheckInterrupted();
    int64_t left = deadline - NowNs();
    if (left <= 0) {
      pid_t r = waitpid(pid, status, WNOHANG);
      if (r < 0 && errno != EINTR) Fail(Fmt("waitpid(%d): %s", pid, strerror(errno)));
      return r > 0 ? r : 0;
    }
    // SIGALRM interrupts waitpid; the timer repeats so a signal that lands
    // just before waitpid blocks cannot make us wait forever.
    itimerval it = {};
    it.it_value.tv_sec = left / kNsPerSec;
    it.it_value.tv_usec = (left % kNsPerSec) / 1000 + 1;
    it.it_interval.tv_usec = 50000;
    setitimer(ITIMER_REAL, &it, nullptr);
    pid_t r = waitpid(pid, status, 0);
    int err = errno;
    itimerval off = {};
    setitimer(ITIMER_REAL, &off, nullptr);
    if (r > 0) return r;
    if (r < 0 && err != EINTR) Fail(Fmt("waitpid(%d): %s", pid, strerror(err)));
  }
}

int PidfdOpen(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

void MakeTmpDir() {
  char tmpl[] = "/tmp/ringmaster-bench.XXXXXX";
  if (!mkdtemp(tmpl)) Fail(Fmt("mkdtemp: %s", strerror(errno)));
  g.tmpdir = tmpl;
  g.fifo_path = g.tmpdir + "/ready.fifo";
  g.ini_path = g.tmpdir + "/bench.ini";
  g.log_path = g.tmpdir + "/ringmasterd.log";
  if (mkfifo(g.fifo_path.c_str(), 0600) != 0) Fail(Fmt("mkfifo: %s", strerror(errno)));
  // O_RDWR: we are always a writer too, so the FIFO never reports EOF.
  g.fifo_fd = open(g.fifo_path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (g.fifo_fd < 0) Fail(Fmt("open FIFO: %s", strerror(errno)));
}

void OpenLog() {
  g.log_fd = open(g.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (g.log_fd < 0) Fail(Fmt("open %s: %s", g.log_path.c_str(), strerror(errno)));
}

void WriteIni(const IniSpec& s) {
  std::ofstream ini(g.ini_path);
  ini << "[circus]\n"
      << "endpoint = " << s.control_ep << "\n"
      << "pubsub_endpoint = " << s.events_ep << "\n"
      << "loglevel = warning\n"
      << s.circus_extra << "\n"
      << "[watcher:bench]\n"
      << "cmd = " << s.worker << " " << g.fifo_path << "\n"
      << "numprocesses = " << s.workers << "\n"
      << s.watcher_extra << "graceful_timeout = " << s.graceful_timeout << "\n";
  if (!ini) Fail("cannot write " + g.ini_path);
}

int64_t LaunchDaemon(const std::string& daemon) {
  const char* argv[] = {daemon.c_str(), g.ini_path.c_str(), nullptr};
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int64_t t0 = NowNs();
  pid_t pid = fork();
  if (pid < 0) Fail(Fmt("fork: %s", strerror(errno)));
  if (pid == 0) {
    dup2(devnull, 0);
    dup2(g.log_fd, 1);
    dup2(g.log_fd, 2);
    execv(argv[0], const_cast<char**>(argv));
    _exit(127);
  }
  close(devnull);
  g.daemon_pid = pid;
  g.daemon_pidfd = PidfdOpen(pid);
  return t0;
}

double AwaitDaemonExit(int64_t t0, int64_t deadline, const char* after, const std::string& prefix) {
  double seconds = NAN;
  int status = 0;
  pid_t r = WaitPidUntil(g.daemon_pid, &status, deadline);
  if (r == g.daemon_pid) {
    seconds = static_cast<double>(NowNs() - t0) / kNsPerSec;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      g.problems.push_back(Fmt("%sringmasterd ended with %s %s, expected exit 0", prefix.c_str(),
                               DescribeStatus(status).c_str(), after));
    }
  } else {
    g.problems.push_back(Fmt("%sringmasterd still running %.0f s %s; SIGKILLed", prefix.c_str(),
                             static_cast<double>(deadline - t0) / kNsPerSec, after));
    kill(g.daemon_pid, SIGKILL);
    WaitPidUntil(g.daemon_pid, &status, NowNs() + 5 * kNsPerSec);
  }
  g.daemon_pid = -1;
  if (g.daemon_pidfd >= 0) close(g.daemon_pidfd);
  g.daemon_pidfd = -1;
  return seconds;
}

int AwaitWorkersGone(const std::set<pid_t>& pids, const std::string& prefix, int* zombies) {
  // Workers the daemon left behind were reparented to us (child subreaper):
  // reap those already dead, then look for live ones.
  int64_t deadline = NowNs() + 2 * kNsPerSec;
  std::vector<pid_t> alive;
  int zombies_left = 0;
  for (;;) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    alive.clear();
    zombies_left = 0;
    for (pid_t p : pids) {
      if (kill(p, 0) != 0 && errno == ESRCH) continue;
      if (ProcState(p) == 'Z') {
        ++zombies_left;
        continue;
      }
      alive.push_back(p);
    }
    if ((alive.empty() && zombies_left == 0) || NowNs() >= deadline) break;
    usleep(10000);  // verification only, not a measured path
  }
  if (!alive.empty()) {
    g.problems.push_back(
        Fmt("%s%zu workers still alive 2 s after ringmasterd exited "
            "(e.g. pid %d); killed them",
            prefix.c_str(), alive.size(), alive[0]));
    for (pid_t p : alive) kill(p, SIGKILL);
    ReapAllChildren(NowNs() + 2 * kNsPerSec);
  }
  if (zombies_left) {
    g.problems.push_back(Fmt("%s%d worker zombies not reaped 2 s after ringmasterd exited",
                             prefix.c_str(), zombies_left));
  }
  if (zombies) *zombies = zombies_left;
  return static_cast<int>(alive.size());
}

bool LineReader::Next(int64_t deadline, Spawned* out) {
  for (;;) {
    size_t nl = buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      long long pid = 0, ts = 0;
      char extra;
      if (sscanf(line.c_str(), "%lld %lld %c", &pid, &ts, &extra) != 2 || pid <= 0) {
        Fail("unparsable line on the FIFO: '" + line + "'");
      }
      out->pid = static_cast<pid_t>(pid);
      out->ts = ts;
      return true;
    }
    CheckInterrupted();
    if (g.check) {
      g.check();
    } else {
      CheckDaemon();
    }
    int64_t left = deadline - NowNs();
    pollfd fds[2] = {{g.fifo_fd, POLLIN, 0}, {g.daemon_pidfd, POLLIN, 0}};
    int nfds = g.daemon_pidfd >= 0 ? 2 : 1;
    // Wake at least every 100 ms to notice a child that died (e.g. exec
    // failed). Worker timestamps do not depend on this.
    int timeout_ms =
        left <= 0 ? 0 : static_cast<int>(std::min<int64_t>((left + kNsPerMs - 1) / kNsPerMs, 100));
    int r = poll(fds, nfds, timeout_ms);
    if (r < 0 && errno != EINTR) Fail(Fmt("poll: %s", strerror(errno)));
    if (r > 0 && (fds[0].revents & POLLIN)) {
      char chunk[4096];
      ssize_t n = read(g.fifo_fd, chunk, sizeof(chunk));
      if (n < 0 && errno != EINTR && errno != EAGAIN) Fail(Fmt("read FIFO: %s", strerror(errno)));
      if (n > 0) {
        buf_.append(chunk, static_cast<size_t>(n));
        continue;
      }
    }
    if (left <= 0) return false;
  }
}

}  // namespace bench
