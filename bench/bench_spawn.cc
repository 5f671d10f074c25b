// bench_spawn: startup and respawn cost of ringmasterd against a minimal
// fork/exec baseline measured in the same run (see bench/README.md).
//
//   bench_spawn --daemon PATH --worker PATH [--workers 500] [--kills 50]
//               [--rounds 3] [--idle 3] [--timeout 60] [--baseline-only]
//               [--keep-tmp]
//
// Every worker (bench_worker) writes "<pid> <CLOCK_MONOTONIC ns>\n" to a FIFO
// the harness holds open O_RDWR, as the very first thing it does; that
// timestamp is the instant the worker is "running". Nothing is polled: the
// harness blocks in poll() on the FIFO (and on a pidfd of the daemon).
//
// Each round runs the baseline and then ringmasterd:
//   start:   launch -> all N workers running (max worker timestamp - launch).
//   stop:    SIGTERM -> all workers reaped (baseline) / daemon exited.
// The last round additionally measures, before stopping:
//   respawn: kill -9 of one worker -> its replacement's timestamp, K times.
//   idle:    ringmasterd's CPU time over --idle seconds with N workers up.
//
// On any failure everything started is killed (daemon, its workers, baseline
// workers), the daemon log tail is printed and the exit status is 1.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr int64_t kNsPerSec = 1000000000;
constexpr int64_t kNsPerMs = 1000000;
constexpr double kGracefulTimeout = 5;  // written to the ini
constexpr int64_t kRespawnTimeoutNs = 10 * kNsPerSec;
constexpr int64_t kStopTimeoutNs = static_cast<int64_t>(kGracefulTimeout + 15) * kNsPerSec;

struct Options {
  std::string daemon;
  std::string worker;
  int workers = 500;
  int kills = 50;
  int rounds = 3;
  double idle_s = 3;
  double timeout_s = 60;
  bool baseline_only = false;
  bool keep_tmp = false;
};

// One FIFO line: a worker that is running.
struct Spawned {
  pid_t pid = 0;
  int64_t ts = 0;
};

struct StartResult {
  double all_running_s = 0;  // launch -> last worker's timestamp
  double first_s = 0;        // launch -> first worker's timestamp
  std::vector<pid_t> pids;
  double cpu_ms = -1;  // CPU spent by the spawner: harness (baseline) or ringmasterd
};

struct DaemonCpu {
  int64_t sched_ns = -1;  // sum of /proc/PID/task/*/schedstat run time
  int64_t ticks = -1;     // utime + stime from /proc/PID/stat
  int64_t ctxsw = -1;     // voluntary + involuntary context switches, all tasks
  int64_t rss_kb = -1;
  int threads = 0;
};

// Everything the harness started, for cleanup on failure.
struct State {
  Options opt;
  std::string tmpdir, fifo_path, ini_path, log_path, control_sock, events_sock;
  int fifo_fd = -1;
  int log_fd = -1;
  pid_t daemon_pid = -1;
  int daemon_pidfd = -1;
  std::set<pid_t> baseline_pids;  // baseline workers not yet reaped
  std::set<pid_t> daemon_pids;    // every daemon worker seen this round
  bool baseline_mode = true;      // which kind of unexpected exit to watch for
  std::vector<std::string> problems;
};

State g;
volatile sig_atomic_t g_interrupted = 0;

int64_t CpuNs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

double LoadAvg1() {
  double l = NAN;
  FILE* f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = NAN;
    fclose(f);
  }
  return l;
}

// Busy CPU time of the whole machine (all CPUs) from /proc/stat, in ns.
int64_t MachineBusyNs() {
  FILE* f = fopen("/proc/stat", "r");
  if (!f) return -1;
  unsigned long long v[8] = {};
  int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
  fclose(f);
  if (got < 5) return -1;
  unsigned long long busy = 0;
  for (int i = 0; i < 8; ++i) {
    if (i != 3 && i != 4) busy += v[i];  // all but idle and iowait
  }
  return static_cast<int64_t>(busy) * (kNsPerSec / sysconf(_SC_CLK_TCK));
}

// CPU used by this harness and every descendant it (or they) reaped, in ns.
int64_t OwnTreeCpuNs() {
  int64_t total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage ru;
    getrusage(who, &ru);
    total += (static_cast<int64_t>(ru.ru_utime.tv_sec) + ru.ru_stime.tv_sec) * kNsPerSec +
             (static_cast<int64_t>(ru.ru_utime.tv_usec) + ru.ru_stime.tv_usec) * 1000;
  }
  return total;
}

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

std::string Fmt(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
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

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
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
  if (g.tmpdir.empty() || g.opt.keep_tmp) return;
  std::error_code ec;
  std::filesystem::remove_all(g.tmpdir, ec);
  g.tmpdir.clear();
}

// Kill everything this harness started. Safe to call more than once.
void KillEverything() {
  if (g.daemon_pid > 0) kill(g.daemon_pid, SIGKILL);  // first: no more respawns
  for (pid_t p : g.daemon_pids) kill(p, SIGKILL);
  for (pid_t p : g.baseline_pids) kill(p, SIGKILL);
  // Workers we never heard from notice the reader is gone (POLLERR) and exit,
  // or fail to open the FIFO (ENXIO).
  if (g.fifo_fd >= 0) close(g.fifo_fd);
  g.fifo_fd = -1;
  // We are a child subreaper, so orphaned daemon workers are reaped here too.
  ReapAllChildren(NowNs() + 5 * kNsPerSec);
  g.daemon_pid = -1;
  g.daemon_pids.clear();
  g.baseline_pids.clear();
}

[[noreturn]] void Fail(const std::string& msg) {
  fprintf(stderr, "bench_spawn: FAILED: %s\n", msg.c_str());
  if (!g.baseline_mode) PrintLogTail(20);
  KillEverything();
  if (g.opt.keep_tmp && !g.tmpdir.empty()) {
    fprintf(stderr, "bench_spawn: temp dir kept: %s\n", g.tmpdir.c_str());
  }
  RemoveTmp();
  exit(1);
}

void CheckInterrupted() {
  if (g_interrupted) Fail(Fmt("interrupted by signal %d", static_cast<int>(g_interrupted)));
}

void OnInterrupt(int sig) { g_interrupted = sig; }
void OnAlarm(int) {}

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
}

// Blocking waitpid bounded by an interval timer (SIGALRM interrupts it; the
// timer repeats so a signal that lands just before waitpid blocks cannot make
// us wait forever). Returns the reaped pid, or 0 on deadline.
pid_t WaitPidUntil(pid_t pid, int* status, int64_t deadline) {
  for (;;) {
    CheckInterrupted();
    int64_t left = deadline - NowNs();
    if (left <= 0) {
      pid_t r = waitpid(pid, status, WNOHANG);
      if (r < 0 && errno != EINTR) Fail(Fmt("waitpid(%d): %s", pid, strerror(errno)));
      return r > 0 ? r : 0;
    }
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

// Fails if a process that must stay up went away: any baseline worker we did
// not kill ourselves, or the daemon.
void CheckChildren() {
  int status;
  if (g.baseline_mode) {
    pid_t r = waitpid(-1, &status, WNOHANG);
    if (r > 0) {
      Fail(Fmt("baseline worker %d exited unexpectedly (%s)", r, DescribeStatus(status).c_str()));
    }
  } else if (g.daemon_pid > 0) {
    pid_t r = waitpid(g.daemon_pid, &status, WNOHANG);
    if (r == g.daemon_pid) {
      g.daemon_pid = -1;
      Fail(Fmt("ringmasterd exited unexpectedly (%s)", DescribeStatus(status).c_str()));
    }
  }
}

// Reads FIFO lines. Each line is one worker's single atomic write.
class LineReader {
 public:
  // Next line, or false once `deadline` passes. Fails on garbage or if a
  // process that must stay up exits meanwhile.
  bool Next(int64_t deadline, Spawned* out) {
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
      CheckChildren();
      int64_t left = deadline - NowNs();
      if (left <= 0) return false;
      pollfd fds[2] = {{g.fifo_fd, POLLIN, 0}, {g.daemon_pidfd, POLLIN, 0}};
      int nfds = (!g.baseline_mode && g.daemon_pidfd >= 0) ? 2 : 1;
      // Wake at least every 100 ms to notice a baseline worker that died
      // (e.g. exec failed). Worker timestamps do not depend on this.
      int timeout_ms = static_cast<int>(std::min<int64_t>((left + kNsPerMs - 1) / kNsPerMs, 100));
      int r = poll(fds, nfds, timeout_ms);
      if (r < 0 && errno != EINTR) Fail(Fmt("poll: %s", strerror(errno)));
      if (r > 0 && (fds[0].revents & POLLIN)) {
        char chunk[4096];
        ssize_t n = read(g.fifo_fd, chunk, sizeof(chunk));
        if (n < 0 && errno != EINTR && errno != EAGAIN) Fail(Fmt("read FIFO: %s", strerror(errno)));
        if (n > 0) buf_.append(chunk, static_cast<size_t>(n));
      }
    }
  }

 private:
  std::string buf_;
};

LineReader g_reader;

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

// ---------------------------------------------------------------------------
// /proc readers for the daemon's CPU usage.

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

int64_t StatusField(const std::string& status, const char* key) {
  size_t at = status.find(std::string("\n") + key + ":");
  if (at == std::string::npos) return -1;
  return strtoll(status.c_str() + at + strlen(key) + 2, nullptr, 10);
}

DaemonCpu ReadDaemonCpu(pid_t pid) {
  DaemonCpu cpu;
  std::string text;
  if (ReadFile(Fmt("/proc/%d/stat", pid), &text)) {
    size_t paren = text.rfind(')');
    if (paren != std::string::npos) {
      std::istringstream in(text.substr(paren + 2));
      std::string field;
      std::vector<std::string> f;
      while (in >> field) f.push_back(field);
      // After "comm)": state is field 3 overall; utime/stime are 14/15.
      if (f.size() > 12) cpu.ticks = std::stoll(f[11]) + std::stoll(f[12]);
    }
  }
  if (ReadFile(Fmt("/proc/%d/status", pid), &text)) cpu.rss_kb = StatusField(text, "VmRSS");
  std::string task_dir = Fmt("/proc/%d/task", pid);
  DIR* dir = opendir(task_dir.c_str());
  if (!dir) return cpu;
  int64_t sched = 0, ctx = 0;
  bool sched_ok = true;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    ++cpu.threads;
    std::string base = task_dir + "/" + e->d_name;
    if (ReadFile(base + "/schedstat", &text)) {
      sched += strtoll(text.c_str(), nullptr, 10);
    } else {
      sched_ok = false;
    }
    if (ReadFile(base + "/status", &text)) {
      ctx += std::max<int64_t>(0, StatusField(text, "voluntary_ctxt_switches")) +
             std::max<int64_t>(0, StatusField(text, "nonvoluntary_ctxt_switches"));
    }
  }
  closedir(dir);
  if (sched_ok) cpu.sched_ns = sched;
  cpu.ctxsw = ctx;
  return cpu;
}

// Number of live (non-zombie) children of pid, or -1 if not available.
int CountLiveChildren(pid_t pid) {
  std::string task_dir = Fmt("/proc/%d/task", pid);
  DIR* dir = opendir(task_dir.c_str());
  if (!dir) return -1;
  int count = 0;
  bool ok = false;
  std::string text;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    if (!ReadFile(task_dir + "/" + e->d_name + "/children", &text)) continue;
    ok = true;
    std::istringstream in(text);
    for (pid_t c; in >> c;) {
      std::string st;
      if (ReadFile(Fmt("/proc/%d/stat", c), &st)) {
        size_t paren = st.rfind(')');
        if (paren != std::string::npos && paren + 2 < st.size() && st[paren + 2] == 'Z') continue;
      }
      ++count;
    }
  }
  closedir(dir);
  return ok ? count : -1;
}

// 'Z' for a zombie, 0 if the pid does not exist, else its state letter.
char ProcState(pid_t pid) {
  std::string st;
  if (!ReadFile(Fmt("/proc/%d/stat", pid), &st)) return 0;
  size_t paren = st.rfind(')');
  if (paren == std::string::npos || paren + 2 >= st.size()) return '?';
  return st[paren + 2];
}

// ---------------------------------------------------------------------------
// Baseline: the harness fork/execs the worker itself.

std::vector<char*> g_worker_argv;

pid_t ForkExecWorker() {
  pid_t pid = fork();
  if (pid < 0) Fail(Fmt("fork: %s", strerror(errno)));
  if (pid == 0) {
    execv(g_worker_argv[0], g_worker_argv.data());
    _exit(127);
  }
  g.baseline_pids.insert(pid);
  return pid;
}

StartResult CollectStart(int n, int64_t t0, const char* who) {
  StartResult res;
  int64_t deadline = t0 + static_cast<int64_t>(g.opt.timeout_s * kNsPerSec);
  int64_t first = INT64_MAX, last = INT64_MIN;
  while (static_cast<int>(res.pids.size()) < n) {
    Spawned s;
    if (!g_reader.Next(deadline, &s)) {
      Fail(Fmt("%s: only %zu of %d workers running after %.0f s", who, res.pids.size(), n,
               g.opt.timeout_s));
    }
    if (g.baseline_mode && !g.baseline_pids.count(s.pid)) {
      Fail(Fmt("baseline: line from unknown pid %d", s.pid));
    }
    if (!g.baseline_mode) {
      if (g.daemon_pids.count(s.pid)) Fail(Fmt("%s: pid %d reported twice", who, s.pid));
      g.daemon_pids.insert(s.pid);
    }
    res.pids.push_back(s.pid);
    first = std::min(first, s.ts);
    last = std::max(last, s.ts);
  }
  res.first_s = static_cast<double>(first - t0) / kNsPerSec;
  res.all_running_s = static_cast<double>(last - t0) / kNsPerSec;
  return res;
}

StartResult BaselineStart(int n) {
  g.baseline_mode = true;
  int64_t cpu0 = CpuNs();
  int64_t t0 = NowNs();
  for (int i = 0; i < n; ++i) ForkExecWorker();
  StartResult res = CollectStart(n, t0, "baseline");
  res.cpu_ms = static_cast<double>(CpuNs() - cpu0) / kNsPerMs;
  return res;
}

// kill -9 one worker, reap it, fork/exec a replacement, wait until it runs.
std::vector<double> BaselineRespawn(std::vector<pid_t> live, int kills) {
  std::vector<double> lat_ms;
  std::mt19937 rng(42);
  for (int k = 0; k < kills; ++k) {
    size_t idx = rng() % live.size();
    pid_t victim = live[idx];
    int64_t t = NowNs();
    kill(victim, SIGKILL);
    int status;
    if (WaitPidUntil(victim, &status, t + kRespawnTimeoutNs) != victim) {
      Fail(Fmt("baseline: worker %d not reaped 10 s after SIGKILL", victim));
    }
    g.baseline_pids.erase(victim);
    pid_t fresh = ForkExecWorker();
    Spawned s;
    if (!g_reader.Next(t + kRespawnTimeoutNs, &s)) {
      Fail(Fmt("baseline: replacement %d not running 10 s after kill", fresh));
    }
    if (s.pid != fresh) Fail(Fmt("baseline: expected a line from %d, got %d", fresh, s.pid));
    lat_ms.push_back(static_cast<double>(s.ts - t) / kNsPerMs);
    live[idx] = fresh;
  }
  return lat_ms;
}

// SIGTERM every worker and reap them all. Returns seconds.
double BaselineStop() {
  int64_t t = NowNs();
  for (pid_t p : g.baseline_pids) kill(p, SIGTERM);
  int64_t deadline = t + kStopTimeoutNs;
  while (!g.baseline_pids.empty()) {
    int status;
    pid_t r = WaitPidUntil(-1, &status, deadline);
    if (r == 0) Fail(Fmt("baseline: %zu workers left after SIGTERM", g.baseline_pids.size()));
    if (!g.baseline_pids.erase(r)) continue;
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGTERM) {
      g.problems.push_back(Fmt("baseline worker %d ended with %s, expected SIGTERM", r,
                               DescribeStatus(status).c_str()));
    }
  }
  return static_cast<double>(NowNs() - t) / kNsPerSec;
}

// ---------------------------------------------------------------------------
// ringmasterd.

void WriteIni() {
  std::ofstream ini(g.ini_path);
  ini << "[circus]\n"
      << "endpoint = ipc://" << g.control_sock << "\n"
      << "pubsub_endpoint = ipc://" << g.events_sock << "\n"
      << "loglevel = warning\n"
      << "\n"
      << "[watcher:bench]\n"
      << "cmd = " << g.opt.worker << " " << g.fifo_path << "\n"
      << "numprocesses = " << g.opt.workers << "\n"
      << "backoff_reset = 0\n"
      << "graceful_timeout = " << kGracefulTimeout << "\n";
  if (!ini) Fail("cannot write " + g.ini_path);
}

// Launches ringmasterd; returns the launch instant.
int64_t DaemonLaunch(int round) {
  g.baseline_mode = false;
  for (const std::string& sock : {g.control_sock, g.events_sock}) {
    if (unlink(sock.c_str()) == 0) {
      g.problems.push_back(
          Fmt("round %d: %s was left behind by the previous ringmasterd", round, sock.c_str()));
    }
  }
  std::string marker = Fmt("---- bench_spawn round %d ----\n", round);
  if (write(g.log_fd, marker.data(), marker.size()) < 0) Fail("write log");
  const char* argv[] = {g.opt.daemon.c_str(), g.ini_path.c_str(), nullptr};
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

std::vector<double> DaemonRespawn(std::vector<pid_t>* live, int kills, std::vector<pid_t>* killed) {
  std::vector<double> lat_ms;
  std::mt19937 rng(42);
  std::set<pid_t> live_set(live->begin(), live->end());
  for (int k = 0; k < kills; ++k) {
    size_t idx = rng() % live->size();
    pid_t victim = (*live)[idx];
    int64_t t = NowNs();
    kill(victim, SIGKILL);
    Spawned s;
    if (!g_reader.Next(t + kRespawnTimeoutNs, &s)) {
      Fail(Fmt("ringmasterd: no replacement running 10 s after kill -9 of %d (kill #%d)", victim,
               k + 1));
    }
    if (live_set.count(s.pid) || s.pid == victim) {
      Fail(Fmt("ringmasterd: pid %d reported again", s.pid));
    }
    g.daemon_pids.insert(s.pid);
    lat_ms.push_back(static_cast<double>(s.ts - t) / kNsPerMs);
    live_set.erase(victim);
    live_set.insert(s.pid);
    (*live)[idx] = s.pid;
    killed->push_back(victim);
  }
  return lat_ms;
}

struct IdleResult {
  double cpu_pct = NAN;        // percent of one core
  double wakeups_per_s = NAN;  // context switches of the daemon per second
  int64_t rss_kb = -1;
  int threads = 0;
  int live_children = -1;
  int extra_spawns = 0;
  const char* source = "schedstat";
};

// Any line arriving while nothing was killed is an unexpected spawn.
void DrainUntil(int64_t until, int* extra) {
  Spawned s;
  while (g_reader.Next(until, &s)) {
    ++*extra;
    g.daemon_pids.insert(s.pid);
  }
}

IdleResult DaemonIdle() {
  IdleResult res;
  DrainUntil(NowNs() + 500 * kNsPerMs, &res.extra_spawns);  // settle
  DaemonCpu a = ReadDaemonCpu(g.daemon_pid);
  int64_t t0 = NowNs();
  DrainUntil(t0 + static_cast<int64_t>(g.opt.idle_s * kNsPerSec), &res.extra_spawns);
  DaemonCpu b = ReadDaemonCpu(g.daemon_pid);
  int64_t wall = NowNs() - t0;
  if (a.sched_ns >= 0 && b.sched_ns >= 0) {
    res.cpu_pct = 100.0 * static_cast<double>(b.sched_ns - a.sched_ns) / static_cast<double>(wall);
  } else if (a.ticks >= 0 && b.ticks >= 0) {
    res.source = "utime+stime";
    res.cpu_pct = 100.0 * static_cast<double>(b.ticks - a.ticks) /
                  static_cast<double>(sysconf(_SC_CLK_TCK)) /
                  (static_cast<double>(wall) / kNsPerSec);
  }
  if (a.ctxsw >= 0 && b.ctxsw >= 0) {
    res.wakeups_per_s =
        static_cast<double>(b.ctxsw - a.ctxsw) / (static_cast<double>(wall) / kNsPerSec);
  }
  res.rss_kb = b.rss_kb;
  res.threads = b.threads;
  res.live_children = CountLiveChildren(g.daemon_pid);
  return res;
}

double DaemonCpuMs(pid_t pid) {
  DaemonCpu c = ReadDaemonCpu(pid);
  if (c.sched_ns >= 0) return static_cast<double>(c.sched_ns) / kNsPerMs;
  if (c.ticks >= 0) return 1000.0 * static_cast<double>(c.ticks) / sysconf(_SC_CLK_TCK);
  return -1;
}

struct StopResult {
  double seconds = NAN;
  int survivors = 0;
  bool clean_exit = false;
};

// SIGTERM the daemon, wait (bounded, then SIGKILL), verify no worker survives.
StopResult DaemonStop(int round) {
  StopResult res;
  int64_t t = NowNs();
  kill(g.daemon_pid, SIGTERM);
  int status = 0;
  pid_t r = WaitPidUntil(g.daemon_pid, &status, t + kStopTimeoutNs);
  if (r == g.daemon_pid) {
    res.seconds = static_cast<double>(NowNs() - t) / kNsPerSec;
    res.clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!res.clean_exit) {
      g.problems.push_back(Fmt("round %d: ringmasterd ended with %s after SIGTERM, expected exit 0",
                               round, DescribeStatus(status).c_str()));
    }
  } else {
    g.problems.push_back(Fmt("round %d: ringmasterd still running %.0f s after SIGTERM; SIGKILLed",
                             round, static_cast<double>(kStopTimeoutNs) / kNsPerSec));
    kill(g.daemon_pid, SIGKILL);
    WaitPidUntil(g.daemon_pid, &status, NowNs() + 5 * kNsPerSec);
  }
  g.daemon_pid = -1;
  if (g.daemon_pidfd >= 0) close(g.daemon_pidfd);
  g.daemon_pidfd = -1;

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
    for (pid_t p : g.daemon_pids) {
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
  res.survivors = static_cast<int>(alive.size());
  if (!alive.empty()) {
    g.problems.push_back(
        Fmt("round %d: %zu workers still alive after ringmasterd exited "
            "(e.g. pid %d); killed them",
            round, alive.size(), alive[0]));
    for (pid_t p : alive) kill(p, SIGKILL);
    ReapAllChildren(NowNs() + 2 * kNsPerSec);
  }
  if (zombies_left) {
    g.problems.push_back(Fmt("round %d: %d worker zombies not reaped 2 s after ringmasterd exited",
                             round, zombies_left));
  }
  g.daemon_pids.clear();
  return res;
}

// ---------------------------------------------------------------------------

[[noreturn]] void Usage(const char* problem) {
  if (problem) fprintf(stderr, "bench_spawn: %s\n", problem);
  fprintf(stderr,
          "usage: bench_spawn --daemon PATH --worker PATH [--workers N] [--kills K]\n"
          "                   [--rounds R] [--idle SECONDS] [--timeout SECONDS]\n"
          "                   [--baseline-only] [--keep-tmp]\n");
  exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage((a + " needs a value").c_str());
      return argv[++i];
    };
    auto next_num = [&](double lo, double hi) -> double {
      std::string v = next();
      char* end = nullptr;
      double d = strtod(v.c_str(), &end);
      if (v.empty() || *end || !(d >= lo && d <= hi)) {
        Usage(Fmt("bad value '%s' for %s", v.c_str(), a.c_str()).c_str());
      }
      return d;
    };
    if (a == "--daemon") {
      o.daemon = next();
    } else if (a == "--worker") {
      o.worker = next();
    } else if (a == "--workers") {
      o.workers = static_cast<int>(next_num(1, 10000));
    } else if (a == "--kills") {
      o.kills = static_cast<int>(next_num(0, 100000));
    } else if (a == "--rounds") {
      o.rounds = static_cast<int>(next_num(1, 100));
    } else if (a == "--idle") {
      o.idle_s = next_num(0.1, 600);
    } else if (a == "--timeout") {
      o.timeout_s = next_num(1, 3600);
    } else if (a == "--baseline-only") {
      o.baseline_only = true;
    } else if (a == "--keep-tmp") {
      o.keep_tmp = true;
    } else if (a == "--help" || a == "-h") {
      Usage(nullptr);
    } else {
      Usage(("unknown argument " + a).c_str());
    }
  }
  if (o.worker.empty()) Usage("--worker is required");
  if (o.daemon.empty() && !o.baseline_only) Usage("--daemon is required");
  return o;
}

std::string AbsExecutable(const std::string& path, const char* what) {
  char buf[PATH_MAX];
  if (!realpath(path.c_str(), buf)) {
    fprintf(stderr, "bench_spawn: %s %s: %s\n", what, path.c_str(), strerror(errno));
    exit(1);
  }
  if (access(buf, X_OK) != 0) {
    fprintf(stderr, "bench_spawn: %s %s is not executable\n", what, buf);
    exit(1);
  }
  return buf;
}

std::string JsonNum(double v, int prec = 6) {
  if (std::isnan(v) || std::isinf(v)) return "null";
  return Fmt("%.*f", prec, v);
}
std::string JsonArr(const std::vector<double>& v, int prec = 6) {
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

}  // namespace

int main(int argc, char** argv) {
  g.opt = ParseArgs(argc, argv);
  Options& opt = g.opt;
  opt.worker = AbsExecutable(opt.worker, "worker");
  if (!opt.baseline_only) opt.daemon = AbsExecutable(opt.daemon, "daemon");
  InstallHandlers();
  // Orphaned daemon workers (daemon crashed or was SIGKILLed) become our
  // children, so cleanup can always reap them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);

  char tmpl[] = "/tmp/ringmaster-bench.XXXXXX";
  if (!mkdtemp(tmpl)) Fail(Fmt("mkdtemp: %s", strerror(errno)));
  g.tmpdir = tmpl;
  g.fifo_path = g.tmpdir + "/ready.fifo";
  g.ini_path = g.tmpdir + "/bench.ini";
  g.log_path = g.tmpdir + "/ringmasterd.log";
  g.control_sock = g.tmpdir + "/control.sock";
  g.events_sock = g.tmpdir + "/events.sock";
  if (mkfifo(g.fifo_path.c_str(), 0600) != 0) Fail(Fmt("mkfifo: %s", strerror(errno)));
  // O_RDWR: we are always a writer too, so the FIFO never reports EOF.
  g.fifo_fd = open(g.fifo_path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (g.fifo_fd < 0) Fail(Fmt("open FIFO: %s", strerror(errno)));
  g_worker_argv = {const_cast<char*>(opt.worker.c_str()), const_cast<char*>(g.fifo_path.c_str()),
                   nullptr};
  if (!opt.baseline_only) {
    WriteIni();
    g.log_fd = open(g.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (g.log_fd < 0) Fail(Fmt("open %s: %s", g.log_path.c_str(), strerror(errno)));
  }

  const int n = opt.workers;
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  printf("bench_spawn: %d workers, %d kills, %d startup round(s), %ld CPU(s)\n", n, opt.kills,
         opt.rounds, ncpu);
  if (!opt.baseline_only) {
    printf(
        "  ringmasterd watcher: numprocesses = %d, backoff_reset = 0 (every kill -9 is "
        "respawned at once, no backoff), graceful_timeout = %g\n",
        n, kGracefulTimeout);
  }
  const int64_t busy_start = MachineBusyNs();
  const int64_t own_start = OwnTreeCpuNs();
  const int64_t wall_start = NowNs();
  const double load_start = LoadAvg1();
  fflush(stdout);

  // Warm the page cache / loader for the worker so round 1 is not penalised.
  {
    g.baseline_mode = true;
    pid_t p = ForkExecWorker();
    Spawned s;
    if (!g_reader.Next(NowNs() + 10 * kNsPerSec, &s) || s.pid != p) {
      Fail("warm-up worker did not report running");
    }
    BaselineStop();
  }

  std::vector<double> base_start, base_first, base_start_cpu, base_stop, d_start, d_first, d_stop,
      d_start_cpu;
  std::vector<double> base_lat, d_lat;
  IdleResult idle;
  int d_killed_unreaped = 0;
  int survivors = 0;

  for (int round = 1; round <= opt.rounds; ++round) {
    bool last = round == opt.rounds;

    StartResult b = BaselineStart(n);
    base_start.push_back(b.all_running_s);
    base_first.push_back(b.first_s);
    if (last && opt.kills > 0) base_lat = BaselineRespawn(b.pids, opt.kills);
    base_stop.push_back(BaselineStop());
    base_start_cpu.push_back(b.cpu_ms);
    printf(
        "  round %d: baseline    start %.3f s (first %.1f ms, harness CPU %.0f ms)  stop %.3f s\n",
        round, b.all_running_s, b.first_s * 1000, b.cpu_ms, base_stop.back());
    fflush(stdout);

    if (opt.baseline_only) continue;

    int64_t t0 = DaemonLaunch(round);
    StartResult d = CollectStart(n, t0, "ringmasterd");
    d.cpu_ms = DaemonCpuMs(g.daemon_pid);
    d_start.push_back(d.all_running_s);
    d_first.push_back(d.first_s);
    d_start_cpu.push_back(d.cpu_ms);
    if (last) {
      std::vector<pid_t> killed;
      if (opt.kills > 0) d_lat = DaemonRespawn(&d.pids, opt.kills, &killed);
      idle = DaemonIdle();
      if (idle.extra_spawns) {
        g.problems.push_back(
            Fmt("ringmasterd started %d worker(s) nobody asked for (beyond %d "
                "and one per kill)",
                idle.extra_spawns, n));
      }
      if (idle.live_children >= 0 && idle.live_children != n) {
        g.problems.push_back(
            Fmt("ringmasterd has %d live children at idle, expected %d", idle.live_children, n));
      }
      for (pid_t p : killed) {
        if (ProcState(p) == 'Z') ++d_killed_unreaped;
      }
      if (d_killed_unreaped) {
        g.problems.push_back(Fmt("%d kill -9'd workers still zombies (not reaped by ringmasterd)",
                                 d_killed_unreaped));
      }
      for (pid_t p : d.pids) {
        char st = ProcState(p);
        if (st == 0 || st == 'Z') {
          g.problems.push_back(Fmt("worker %d gone before stop", p));
          break;
        }
      }
    }
    StopResult st = DaemonStop(round);
    survivors += st.survivors;
    d_stop.push_back(st.seconds);
    printf(
        "  round %d: ringmasterd start %.3f s (first %.1f ms, daemon CPU %.0f ms)  stop %.3f s"
        "%s\n",
        round, d.all_running_s, d.first_s * 1000, d.cpu_ms, st.seconds,
        st.survivors ? Fmt("  %d SURVIVORS", st.survivors).c_str() : "");
    fflush(stdout);
    g.baseline_mode = true;
  }

  // ------------------------------------------------------------------ report
  double bs = Median(base_start), ds = Median(d_start);
  double bl_med = Median(base_lat), bl_p95 = Percentile(base_lat, 95);
  double dl_med = Median(d_lat), dl_p95 = Percentile(d_lat, 95);
  double bst = Median(base_stop), dst = Median(d_stop);
  printf("\n");
  if (opt.baseline_only) {
    printf("start %d workers:  baseline fork/exec %.3f s (median of %d)\n", n, bs, opt.rounds);
    if (!base_lat.empty()) {
      printf("respawn latency:    baseline median %.2f ms p95 %.2f ms (%zu kills)\n", bl_med,
             bl_p95, base_lat.size());
    }
    printf("stop %d workers:   baseline %.3f s\n", n, bst);
    printf("CPU to start %d workers: baseline harness %.0f ms\n", n, Median(base_start_cpu));
  } else {
    printf(
        "start %d workers:  ringmasterd %.3f s   baseline fork/exec %.3f s   ratio %.2fx"
        "   (median of %d rounds)\n",
        n, ds, bs, ds / bs, opt.rounds);
    if (!d_lat.empty()) {
      printf(
          "respawn latency:    ringmasterd median %.2f ms p95 %.2f ms   baseline median %.2f ms "
          "p95 %.2f ms   ratio %.2fx (median), %.2fx (p95)   [%zu kills, backoff_reset = 0]\n",
          dl_med, dl_p95, bl_med, bl_p95, dl_med / bl_med, dl_p95 / bl_p95, d_lat.size());
    }
    printf("stop %d workers:   ringmasterd %.3f s   baseline SIGTERM+reap %.3f s   ratio %.2fx\n",
           n, dst, bst, dst / bst);
    printf(
        "idle CPU, %d workers, %g s: %.2f%% of one core (%s), %.1f wakeups/s, "
        "RSS %lld KiB, %d thread(s)\n",
        n, opt.idle_s, idle.cpu_pct, idle.source, idle.wakeups_per_s,
        static_cast<long long>(idle.rss_kb), idle.threads);
    printf(
        "CPU to start %d workers: ringmasterd %.0f ms   baseline harness %.0f ms   ratio %.2fx\n",
        n, Median(d_start_cpu), Median(base_start_cpu),
        Median(d_start_cpu) / Median(base_start_cpu));
    std::vector<std::string> log = ReadLines(g.log_path);
    int real = 0;
    for (const std::string& l : log) real += l.rfind("---- bench_spawn", 0) != 0;
    if (real) {
      printf("ringmasterd log: %d line(s) at loglevel warning, first ones:\n", real);
      int shown = 0;
      for (const std::string& l : log) {
        if (l.rfind("---- bench_spawn", 0) == 0) continue;
        if (++shown > 5) break;
        printf("  %s\n", l.c_str());
      }
    }
  }
  const double load_end = LoadAvg1();
  // Everything we started has been reaped by now, so RUSAGE_CHILDREN covers
  // the daemon and all workers; the rest of the machine's busy time was used
  // by other processes.
  double other_pct = NAN;
  const int64_t busy_end = MachineBusyNs();
  if (busy_start >= 0 && busy_end >= 0) {
    double other = static_cast<double>((busy_end - busy_start) - (OwnTreeCpuNs() - own_start));
    double capacity = static_cast<double>(NowNs() - wall_start) * static_cast<double>(ncpu);
    other_pct = std::max(0.0, 100.0 * other / capacity);
  }
  printf(
      "other processes used %.0f%% of the machine's %ld CPUs during the run (loadavg %.2f -> "
      "%.2f)\n",
      other_pct, ncpu, load_start, load_end);
  if (other_pct >= 10) {
    printf(
        "NOTE: the machine was busy. A wakeup then often waits for the next scheduler tick "
        "(4 ms at\n      HZ=250), which inflates latencies, ringmasterd's (more wakeups per "
        "respawn) more than\n      the baseline's. Prefer figures from an idle machine.\n");
  }
  bool ok = g.problems.empty();
  for (const std::string& p : g.problems) printf("PROBLEM: %s\n", p.c_str());

  std::string j =
      "{\"bench\":\"spawn\",\"workers\":" + std::to_string(n) +
      ",\"kills\":" + std::to_string(opt.kills) + ",\"rounds\":" + std::to_string(opt.rounds) +
      ",\"cpus\":" + std::to_string(ncpu) + ",\"loadavg_start\":" + JsonNum(load_start, 2) +
      ",\"loadavg_end\":" + JsonNum(load_end, 2) + ",\"other_load_pct\":" + JsonNum(other_pct, 1) +
      ",\"backoff_reset\":0,\"baseline_only\":" + (opt.baseline_only ? "true" : "false");
  j += ",\"start\":{\"baseline_s\":" + JsonArr(base_start) +
       ",\"baseline_median_s\":" + JsonNum(bs) +
       ",\"baseline_cpu_ms\":" + JsonArr(base_start_cpu, 1);
  if (!opt.baseline_only) {
    j += ",\"ringmasterd_s\":" + JsonArr(d_start) + ",\"ringmasterd_median_s\":" + JsonNum(ds) +
         ",\"ringmasterd_first_s\":" + JsonArr(d_first) +
         ",\"ringmasterd_cpu_ms\":" + JsonArr(d_start_cpu, 1) + ",\"ratio\":" + JsonNum(ds / bs, 3);
  }
  j += "},\"respawn\":{\"baseline_median_ms\":" + JsonNum(bl_med, 3) +
       ",\"baseline_p95_ms\":" + JsonNum(bl_p95, 3);
  if (!opt.baseline_only) {
    j += ",\"ringmasterd_median_ms\":" + JsonNum(dl_med, 3) +
         ",\"ringmasterd_p95_ms\":" + JsonNum(dl_p95, 3) +
         ",\"ratio_median\":" + JsonNum(dl_med / bl_med, 3) +
         ",\"ratio_p95\":" + JsonNum(dl_p95 / bl_p95, 3);
  }
  j += "},\"stop\":{\"baseline_median_s\":" + JsonNum(bst);
  if (!opt.baseline_only) {
    j += ",\"ringmasterd_median_s\":" + JsonNum(dst) + ",\"ratio\":" + JsonNum(dst / bst, 3) +
         ",\"survivors\":" + std::to_string(survivors);
  }
  j += "}";
  if (!opt.baseline_only) {
    j += ",\"idle\":{\"seconds\":" + JsonNum(opt.idle_s, 1) +
         ",\"cpu_pct_one_core\":" + JsonNum(idle.cpu_pct, 3) +
         ",\"wakeups_per_s\":" + JsonNum(idle.wakeups_per_s, 1) +
         ",\"rss_kb\":" + std::to_string(idle.rss_kb) +
         ",\"threads\":" + std::to_string(idle.threads) +
         ",\"extra_spawns\":" + std::to_string(idle.extra_spawns) + "}";
  }
  j += ",\"ok\":" + std::string(ok ? "true" : "false") + ",\"problems\":[";
  for (size_t i = 0; i < g.problems.size(); ++i) j += (i ? "," : "") + JsonStr(g.problems[i]);
  j += "]}";
  printf("BENCH_JSON %s\n", j.c_str());
  fflush(stdout);

  KillEverything();
  RemoveTmp();
  return ok ? 0 : 1;
}
