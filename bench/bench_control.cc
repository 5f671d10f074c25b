// bench_control: round-trip cost of ringmasterd's control channel with one
// watcher of N processes, against baselines measured in the same run (see
// bench/README.md).
//
//   bench_control --daemon PATH --ctl PATH --worker PATH [--workers 500]
//                 [--requests 2000] [--detail-requests 200] [--stats-requests 50]
//                 [--ctl-runs 20] [--only status,list,status_detail,stats]
//                 [--timeout 60] [--keep-tmp]
//
// Round trips go over a cppzmq DEALER, one request at a time (send, wait for
// the reply). The baseline is a minimal ROUTER in a thread of this harness
// (its own ZeroMQ context, an ipc:// endpoint in the same temp dir) that
// answers every request with a fixed small JSON reply: the transport floor.
// Baseline, `status`, `list bench`, `status detail` and `stats bench` are
// interleaved in blocks so drift in machine load hits every series alike.
// Each reply is checked (id, shape, N pids), outside the timed window.
//
// `ringctl status` (human output, stdout to /dev/null) is timed from
// posix_spawn to waitpid, interleaved with the same of /bin/true.
//
// The daemon starts with N bench_worker processes; each writes one line to a
// FIFO when it runs, so the harness knows when all N are up without polling.
// At the end: `quit` with waiting, daemon exit within a deadline, and no worker
// may survive. On any failure everything started is killed, the daemon log
// tail is printed and the exit status is 1.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
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
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

extern char** environ;

namespace {

using nlohmann::json;

constexpr int64_t kNsPerSec = 1000000000;
constexpr int64_t kNsPerMs = 1000000;
constexpr int64_t kNsPerUs = 1000;
constexpr int kGracefulTimeout = 5;                   // written to the ini
constexpr int kReplyTimeoutMs = 10000;                // one round trip
constexpr int kRecvSliceMs = 500;                     // a blocked recv checks the daemon this often
constexpr int64_t kCtlRunTimeoutNs = 15 * kNsPerSec;  // one ringctl / true run
constexpr int64_t kQuitTimeoutNs = (kGracefulTimeout + 15) * kNsPerSec;
constexpr int kBlocks = 8;  // interleaving: each series is split in this many blocks
// The baseline server's reply: about the size of the daemon's `status` reply.
constexpr char kEchoReply[] =
    "{\"status\":\"ok\",\"time\":1732190026.125,\"statuses\":{\"bench\":\"active\"},"
    "\"id\":\"st-1000\"}";

struct Options {
  std::string daemon, ctl, worker;
  int workers = 500;
  int requests = 2000;
  int detail_requests = 200;
  int stats_requests = 50;
  int ctl_runs = 20;
  std::set<std::string> only;  // round-trip series to run (besides the baseline); empty: all
  double timeout_s = 60;
  bool keep_tmp = false;
};

// Everything the harness started, for cleanup on failure.
struct State {
  Options opt;
  std::string tmpdir, fifo_path, ini_path, log_path, control_ep, events_ep, echo_ep, ctl_err_path;
  int fifo_fd = -1;
  int log_fd = -1;
  pid_t daemon_pid = -1;
  int daemon_pidfd = -1;
  std::set<pid_t> worker_pids;  // every daemon worker seen (FIFO and `list`)
  pid_t spawned_pid = -1;       // a ringctl or /bin/true run in progress
  std::vector<std::string> problems;
};

State g;
volatile sig_atomic_t g_interrupted = 0;

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
  for (pid_t p : g.worker_pids) kill(p, SIGKILL);
  if (g.spawned_pid > 0) kill(g.spawned_pid, SIGKILL);
  // Workers we never heard from notice the reader is gone (POLLERR) and exit,
  // or fail to open the FIFO (ENXIO).
  if (g.fifo_fd >= 0) close(g.fifo_fd);
  g.fifo_fd = -1;
  // We are a child subreaper, so orphaned daemon workers are reaped here too.
  ReapAllChildren(NowNs() + 5 * kNsPerSec);
  g.daemon_pid = -1;
  g.spawned_pid = -1;
  g.worker_pids.clear();
}

// Never returns. Uses _exit: the baseline server thread and the ZeroMQ
// contexts are not torn down (a context's destructor could block on them).
[[noreturn]] void Fail(const std::string& msg) {
  fprintf(stderr, "bench_control: FAILED: %s\n", msg.c_str());
  PrintLogTail(20);
  KillEverything();
  if (g.opt.keep_tmp && !g.tmpdir.empty()) {
    fprintf(stderr, "bench_control: temp dir kept: %s\n", g.tmpdir.c_str());
  }
  RemoveTmp();
  fflush(stdout);
  fflush(stderr);
  _exit(1);
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

// Fails if the daemon has exited.
void CheckDaemon() {
  if (g.daemon_pid <= 0) return;
  int status;
  pid_t r = waitpid(g.daemon_pid, &status, WNOHANG);
  if (r == g.daemon_pid) {
    g.daemon_pid = -1;
    Fail(Fmt("ringmasterd exited unexpectedly (%s)", DescribeStatus(status).c_str()));
  }
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

// Reads FIFO lines ("<pid> <ns>\n", one atomic write per worker).
class LineReader {
 public:
  // Next worker pid, or false once `deadline` passes. Fails on garbage or if
  // the daemon exits meanwhile. A deadline in the past makes it non-blocking.
  bool Next(int64_t deadline, pid_t* pid_out) {
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
        *pid_out = static_cast<pid_t>(pid);
        return true;
      }
      CheckInterrupted();
      CheckDaemon();
      int64_t left = deadline - NowNs();
      pollfd fds[2] = {{g.fifo_fd, POLLIN, 0}, {g.daemon_pidfd, POLLIN, 0}};
      int nfds = g.daemon_pidfd >= 0 ? 2 : 1;
      int timeout_ms =
          left <= 0 ? 0
                    : static_cast<int>(std::min<int64_t>((left + kNsPerMs - 1) / kNsPerMs, 100));
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

// Thread ids of pid (/proc/PID/task).
std::set<pid_t> Tasks(pid_t pid) {
  std::set<pid_t> tids;
  DIR* dir = opendir(Fmt("/proc/%d/task", pid).c_str());
  if (!dir) return tids;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') tids.insert(static_cast<pid_t>(atoi(e->d_name)));
  }
  closedir(dir);
  return tids;
}

// CPU use of a set of threads from /proc/PID/task/TID/schedstat: run time
// and number of times they were scheduled in (about one per wakeup).
struct Sched {
  int64_t ns = -1;
  int64_t slices = -1;
};

Sched SchedOf(pid_t pid, const std::set<pid_t>& tids) {
  Sched sum{0, 0};
  std::string text;
  for (pid_t tid : tids) {
    if (!ReadFile(Fmt("/proc/%d/task/%d/schedstat", pid, tid), &text)) return Sched{};
    long long run = 0, wait = 0, slices = 0;
    if (sscanf(text.c_str(), "%lld %lld %lld", &run, &wait, &slices) != 3) return Sched{};
    sum.ns += run;
    sum.slices += slices;
  }
  return sum;
}

// All threads of pid.
Sched SchedOf(pid_t pid) {
  std::set<pid_t> tids = Tasks(pid);
  return tids.empty() ? Sched{} : SchedOf(pid, tids);
}

// The baseline server's threads (its thread and its context's ZeroMQ
// threads), found by difference around its start.
std::set<pid_t> g_echo_tids;

// ---------------------------------------------------------------------------
// Baseline: a minimal ROUTER that answers every request with kEchoReply.

class EchoServer {
 public:
  explicit EchoServer(std::string endpoint) : endpoint_(std::move(endpoint)) {}

  // Binds in the server thread; returns once bound (or fails).
  void Start() {
    // The thread must not take SIGINT/SIGALRM (the main thread handles them).
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    thread_ = std::thread([this] { Run(); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    int64_t deadline = NowNs() + 10 * kNsPerSec;
    while (state_.load() == 0) {
      CheckInterrupted();
      if (NowNs() >= deadline) Fail("baseline server: not bound after 10 s");
      usleep(1000);  // setup only
    }
    if (state_.load() < 0) Fail("baseline server: " + error_);
  }

  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

  std::string error() const { return state_.load() < 0 ? error_ : ""; }
  int64_t served() const { return served_.load(); }

 private:
  void Run() {
    try {
      zmq::socket_t router(ctx_, zmq::socket_type::router);
      router.set(zmq::sockopt::linger, 0);
      router.set(zmq::sockopt::maxmsgsize, int64_t{16} << 20);  // as the daemon
      router.set(zmq::sockopt::rcvtimeo, 100);                  // to notice Stop()
      router.bind(endpoint_);
      state_.store(1);
      const std::string_view reply(kEchoReply);
      while (!stop_.load(std::memory_order_relaxed)) {
        zmq::message_t identity;
        if (!router.recv(identity)) continue;  // timeout: check stop_
        bool more = identity.more();
        size_t frames = 0;
        while (more) {  // body (and any further frames): only counted
          zmq::message_t part;
          if (!router.recv(part)) break;
          more = part.more();
          ++frames;
        }
        if (frames == 0) continue;
        router.send(identity, zmq::send_flags::sndmore);
        router.send(zmq::buffer(reply), zmq::send_flags::none);
        served_.fetch_add(1, std::memory_order_relaxed);
      }
    } catch (const std::exception& e) {
      error_ = e.what();
      state_.store(-1);
    }
  }

  std::string endpoint_;
  zmq::context_t ctx_{1};  // its own I/O thread, like the daemon's
  std::thread thread_;
  std::atomic<int> state_{0};  // 0 starting, 1 bound, -1 failed
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> served_{0};
  std::string error_;
};

EchoServer* g_echo = nullptr;

// ---------------------------------------------------------------------------
// The client loop, identical for the daemon and the baseline.

zmq::context_t* g_client_ctx = nullptr;

zmq::socket_t Connect(const std::string& endpoint) {
  zmq::socket_t s(*g_client_ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::rcvtimeo, kRecvSliceMs);
  s.set(zmq::sockopt::sndtimeo, kReplyTimeoutMs);
  s.connect(endpoint);
  return s;
}

// One request, one reply. Returns the round trip in ns; the reply's last
// frame is in *reply. `who` names the peer in failure messages.
int64_t RoundTrip(zmq::socket_t& sock, const std::string& request, zmq::message_t* reply,
                  const char* who) {
  const int64_t t0 = NowNs();
  for (;;) {
    try {
      if (!sock.send(zmq::buffer(request), zmq::send_flags::none)) {
        Fail(Fmt("%s: send timed out after %d ms", who, kReplyTimeoutMs));
      }
      break;
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) Fail(Fmt("%s: send: %s", who, e.what()));
      CheckInterrupted();
    }
  }
  for (;;) {
    try {
      if (!sock.recv(*reply)) {  // kRecvSliceMs passed: is the other side still there?
        CheckInterrupted();
        CheckDaemon();
        if (NowNs() - t0 < kReplyTimeoutMs * kNsPerMs) continue;
        std::string echo_error = g_echo ? g_echo->error() : "";
        Fail(Fmt("%s: no reply within %d ms to %.200s%s%s", who, kReplyTimeoutMs, request.c_str(),
                 echo_error.empty() ? "" : "; baseline server: ", echo_error.c_str()));
      }
      if (reply->more()) continue;  // a DEALER reply has one frame; keep the last
      break;
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) Fail(Fmt("%s: recv: %s", who, e.what()));
      CheckInterrupted();
    }
  }
  return NowNs() - t0;
}

json ParseReply(const zmq::message_t& reply, const char* who) {
  json j = json::parse(reply.to_string_view(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    Fail(Fmt("%s: reply is not a JSON object: %.200s", who, reply.to_string().c_str()));
  }
  return j;
}

// A series of round trips of one kind.
struct Series {
  std::string key;    // BENCH_JSON key
  std::string label;  // table label
  bool daemon = true;
  int total = 0;
  std::function<std::string(int)> request;  // body of the k-th request
  // Checks the k-th reply (not timed); calls Fail on a wrong one.
  std::function<void(int, const zmq::message_t&)> check;
  std::vector<double> us;
  size_t reply_bytes = 0;
  int64_t server_cpu_ns = 0;  // server (daemon or baseline) CPU over this series' blocks
  int64_t server_slices = 0;  // times the server's threads were scheduled in
  bool cpu_ok = true;
};

std::string RequestBody(const char* id_prefix, int k, const char* command, const json& props) {
  json j = {{"id", Fmt("%s-%d", id_prefix, k)}, {"command", command}, {"properties", props}};
  return j.dump();
}

void CheckId(const json& j, const char* id_prefix, int k, const char* who) {
  std::string want = Fmt("%s-%d", id_prefix, k);
  if (!j.contains("id") || j["id"] != want) {
    Fail(Fmt("%s: reply id %s, expected \"%s\"", who, j.value("id", json()).dump().c_str(),
             want.c_str()));
  }
}

// Runs `count` requests of s (numbered from `first`), appending timings.
void RunBlock(Series& s, zmq::socket_t& sock, int first, int count, bool record) {
  // The server's CPU: all of ringmasterd, or the baseline server's threads.
  auto server_cpu = [&s]() {
    return s.daemon ? SchedOf(g.daemon_pid) : SchedOf(getpid(), g_echo_tids);
  };
  Sched cpu0 = record ? server_cpu() : Sched{};
  zmq::message_t reply;
  for (int k = first; k < first + count; ++k) {
    std::string body = s.request(k);
    int64_t ns = RoundTrip(sock, body, &reply, s.label.c_str());
    s.check(k, reply);
    if (record) {
      s.us.push_back(static_cast<double>(ns) / kNsPerUs);
      s.reply_bytes = reply.size();
    }
  }
  if (record) {
    Sched cpu1 = server_cpu();
    if (cpu0.ns < 0 || cpu1.ns < 0) {
      s.cpu_ok = false;
    } else {
      s.server_cpu_ns += cpu1.ns - cpu0.ns;
      s.server_slices += cpu1.slices - cpu0.slices;
    }
  }
}

// ---------------------------------------------------------------------------
// Processes: ringmasterd, ringctl, /bin/true.

void WriteIni() {
  std::ofstream ini(g.ini_path);
  ini << "[circus]\n"
      << "endpoint = " << g.control_ep << "\n"
      << "pubsub_endpoint = " << g.events_ep << "\n"
      << "loglevel = warning\n"
      << "\n"
      << "[watcher:bench]\n"
      << "cmd = " << g.opt.worker << " " << g.fifo_path << "\n"
      << "numprocesses = " << g.opt.workers << "\n"
      << "graceful_timeout = " << kGracefulTimeout << "\n";
  if (!ini) Fail("cannot write " + g.ini_path);
}

void DaemonLaunch() {
  const char* argv[] = {g.opt.daemon.c_str(), g.ini_path.c_str(), nullptr};
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
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
}

// posix_spawn argv with stdout to `out` (/dev/null for timed runs) and stderr
// to ctl_err_path; waits for it. Returns the wall time in ns; *status is the
// wait status.
int64_t SpawnAndWait(const std::vector<std::string>& args, const std::string& out, int* status) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, g.ctl_err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  const int64_t t0 = NowNs();
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) Fail(Fmt("posix_spawn %s: %s", argv[0], strerror(rc)));
  g.spawned_pid = pid;
  if (WaitPidUntil(pid, status, t0 + kCtlRunTimeoutNs) != pid) {
    Fail(Fmt("%s did not exit within %lld s", args[0].c_str(),
             static_cast<long long>(kCtlRunTimeoutNs / kNsPerSec)));
  }
  const int64_t ns = NowNs() - t0;
  g.spawned_pid = -1;
  return ns;
}

void CheckSpawnStatus(const std::vector<std::string>& args, int status) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string err;
  ReadFile(g.ctl_err_path, &err);
  std::string cmd;
  for (const std::string& a : args) cmd += (cmd.empty() ? "" : " ") + a;
  Fail(Fmt("'%.300s' ended with %s; stderr: %.400s", cmd.c_str(), DescribeStatus(status).c_str(),
           err.c_str()));
}

// ---------------------------------------------------------------------------

[[noreturn]] void Usage(const char* problem) {
  if (problem) fprintf(stderr, "bench_control: %s\n", problem);
  fprintf(stderr,
          "usage: bench_control --daemon PATH --ctl PATH --worker PATH [--workers N]\n"
          "                     [--requests N] [--detail-requests N] [--stats-requests N]\n"
          "                     [--ctl-runs N] [--only status,list,status_detail,stats]\n"
          "                     [--timeout SECONDS] [--keep-tmp]\n");
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
    } else if (a == "--ctl") {
      o.ctl = next();
    } else if (a == "--worker") {
      o.worker = next();
    } else if (a == "--workers") {
      o.workers = static_cast<int>(next_num(1, 10000));
    } else if (a == "--requests") {
      o.requests = static_cast<int>(next_num(kBlocks, 1000000));
    } else if (a == "--detail-requests") {
      o.detail_requests = static_cast<int>(next_num(0, 1000000));
    } else if (a == "--stats-requests") {
      o.stats_requests = static_cast<int>(next_num(0, 100000));
    } else if (a == "--ctl-runs") {
      o.ctl_runs = static_cast<int>(next_num(0, 10000));
    } else if (a == "--only") {
      std::stringstream list(next());
      for (std::string key; std::getline(list, key, ',');) {
        if (key != "status" && key != "list" && key != "status_detail" && key != "stats") {
          Usage(("--only: unknown series '" + key + "' (status, list, status_detail, stats)")
                    .c_str());
        }
        o.only.insert(key);
      }
    } else if (a == "--timeout") {
      o.timeout_s = next_num(1, 3600);
    } else if (a == "--keep-tmp") {
      o.keep_tmp = true;
    } else if (a == "--help" || a == "-h") {
      Usage(nullptr);
    } else {
      Usage(("unknown argument " + a).c_str());
    }
  }
  if (o.daemon.empty()) Usage("--daemon is required");
  if (o.ctl.empty()) Usage("--ctl is required");
  if (o.worker.empty()) Usage("--worker is required");
  return o;
}

std::string AbsExecutable(const std::string& path, const char* what) {
  char buf[PATH_MAX];
  if (!realpath(path.c_str(), buf)) {
    fprintf(stderr, "bench_control: %s %s: %s\n", what, path.c_str(), strerror(errno));
    exit(1);
  }
  if (access(buf, X_OK) != 0) {
    fprintf(stderr, "bench_control: %s %s is not executable\n", what, buf);
    exit(1);
  }
  return buf;
}

std::string JsonNum(double v, int prec = 3) {
  if (std::isnan(v) || std::isinf(v)) return "null";
  return Fmt("%.*f", prec, v);
}
std::string JsonStr(const std::string& s) { return json(s).dump(); }

const char* Ordinal(int k) {
  if (k % 100 >= 11 && k % 100 <= 13) return "th";
  switch (k % 10) {
    case 1:
      return "st";
    case 2:
      return "nd";
    case 3:
      return "rd";
    default:
      return "th";
  }
}

// Waits (bounded) until `status bench` says active and `list bench` has N pids
// that are exactly the workers seen on the FIFO.
void WaitControlReady(zmq::socket_t& sock, int64_t deadline) {
  zmq::message_t reply;
  for (int k = 0;; ++k) {
    CheckInterrupted();
    if (NowNs() >= deadline) Fail("watcher 'bench' not active (status bench) before the deadline");
    int64_t ns = RoundTrip(sock, RequestBody("ready", k, "status", {{"name", "bench"}}), &reply,
                           "status bench");
    (void)ns;
    json j = ParseReply(reply, "status bench");
    CheckId(j, "ready", k, "status bench");
    if (j.value("status", "") == "active") break;
    usleep(20000);  // setup only
  }
  RoundTrip(sock, RequestBody("ready", -1, "list", {{"name", "bench"}}), &reply, "list bench");
  json j = ParseReply(reply, "list bench");
  CheckId(j, "ready", -1, "list bench");
  if (!j.contains("pids") || !j["pids"].is_array()) Fail("list bench: no pids array");
  std::set<pid_t> listed;
  for (const json& p : j["pids"]) listed.insert(p.get<pid_t>());
  for (pid_t p : listed) g.worker_pids.insert(p);
  if (static_cast<int>(listed.size()) != g.opt.workers) {
    Fail(Fmt("list bench: %zu pids, expected %d", listed.size(), g.opt.workers));
  }
}

}  // namespace

int main(int argc, char** argv) {
  g.opt = ParseArgs(argc, argv);
  Options& opt = g.opt;
  opt.worker = AbsExecutable(opt.worker, "worker");
  opt.daemon = AbsExecutable(opt.daemon, "daemon");
  opt.ctl = AbsExecutable(opt.ctl, "ctl");
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
  g.ctl_err_path = g.tmpdir + "/spawn.stderr";
  g.control_ep = "ipc://" + g.tmpdir + "/control.sock";
  g.events_ep = "ipc://" + g.tmpdir + "/events.sock";
  g.echo_ep = "ipc://" + g.tmpdir + "/echo.sock";
  if (mkfifo(g.fifo_path.c_str(), 0600) != 0) Fail(Fmt("mkfifo: %s", strerror(errno)));
  // O_RDWR: we are always a writer too, so the FIFO never reports EOF.
  g.fifo_fd = open(g.fifo_path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (g.fifo_fd < 0) Fail(Fmt("open FIFO: %s", strerror(errno)));
  WriteIni();
  g.log_fd = open(g.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (g.log_fd < 0) Fail(Fmt("open %s: %s", g.log_path.c_str(), strerror(errno)));

  const int n = opt.workers;
  const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  printf(
      "bench_control: %d workers, %d requests each for status/list/baseline, %d status detail, "
      "%d stats, %d ringctl runs, %ld CPU(s)\n",
      n, opt.requests, opt.detail_requests, opt.stats_requests, opt.ctl_runs, ncpu);
  fflush(stdout);
  const int64_t busy_start = MachineBusyNs();
  const int64_t own_start = OwnTreeCpuNs();
  const int64_t wall_start = NowNs();
  const double load_start = LoadAvg1();

  // ---------------------------------------------------------------- set up
  static EchoServer echo(g.echo_ep);
  g_echo = &echo;
  {
    std::set<pid_t> before = Tasks(getpid());
    echo.Start();  // its context's threads start with its first socket
    for (pid_t tid : Tasks(getpid())) {
      if (!before.count(tid)) g_echo_tids.insert(tid);
    }
    if (g_echo_tids.empty()) Fail("baseline server: cannot find its threads in /proc/self/task");
  }
  static zmq::context_t client_ctx(1);
  g_client_ctx = &client_ctx;

  const int64_t t_launch = NowNs();
  DaemonLaunch();
  const int64_t start_deadline = t_launch + static_cast<int64_t>(opt.timeout_s * kNsPerSec);
  std::set<pid_t> fifo_pids;
  while (static_cast<int>(fifo_pids.size()) < n) {
    pid_t pid;
    if (!g_reader.Next(start_deadline, &pid)) {
      Fail(Fmt("only %zu of %d workers running after %.0f s", fifo_pids.size(), n, opt.timeout_s));
    }
    fifo_pids.insert(pid);
    g.worker_pids.insert(pid);
  }
  const double start_s = static_cast<double>(NowNs() - t_launch) / kNsPerSec;
  zmq::socket_t dsock = Connect(g.control_ep);
  zmq::socket_t bsock = Connect(g.echo_ep);
  WaitControlReady(dsock, start_deadline);
  if (g.worker_pids != fifo_pids) {
    Fail("list bench does not match the workers that reported running on the FIFO");
  }
  printf("  %d workers running %.2f s after launch; watcher 'bench' active, list bench = %d pids\n",
         n, start_s, n);
  fflush(stdout);

  // ---------------------------------------------------------------- round trips
  const std::string expect_echo = kEchoReply;
  std::vector<Series> series(5);
  Series& base = series[0];
  base.key = "baseline";
  base.label = "baseline ROUTER echo";
  base.daemon = false;
  base.total = opt.requests;
  // The same bytes as a `status` request, so the request side is identical.
  base.request = [](int k) { return RequestBody("st", k, "status", json::object()); };
  base.check = [&expect_echo](int, const zmq::message_t& r) {
    if (r.to_string_view() != expect_echo) Fail("baseline: unexpected reply " + r.to_string());
  };

  Series& st = series[1];
  st.key = "status";
  st.label = "status";
  st.total = opt.requests;
  st.request = [](int k) { return RequestBody("st", k, "status", json::object()); };
  st.check = [](int k, const zmq::message_t& r) {
    json j = ParseReply(r, "status");
    CheckId(j, "st", k, "status");
    if (j.value("status", "") != "ok" || !j.contains("statuses") ||
        j["statuses"].value("bench", "") != "active") {
      Fail("status: unexpected reply " + r.to_string().substr(0, 300));
    }
  };

  Series& ls = series[2];
  ls.key = "list";
  ls.label = "list bench";
  ls.total = opt.requests;
  ls.request = [](int k) { return RequestBody("ls", k, "list", {{"name", "bench"}}); };
  ls.check = [n](int k, const zmq::message_t& r) {
    json j = ParseReply(r, "list bench");
    CheckId(j, "ls", k, "list bench");
    if (!j.contains("pids") || !j["pids"].is_array() || static_cast<int>(j["pids"].size()) != n) {
      Fail(Fmt("list bench: reply without %d pids: %.300s", n, r.to_string().c_str()));
    }
  };

  Series& det = series[3];
  det.key = "status_detail";
  det.label = "status detail";
  det.total = opt.detail_requests;
  det.request = [](int k) { return RequestBody("sd", k, "status", {{"detail", true}}); };
  det.check = [n](int k, const zmq::message_t& r) {
    json j = ParseReply(r, "status detail");
    CheckId(j, "sd", k, "status detail");
    const json* d =
        j.contains("details") && j["details"].contains("bench") ? &j["details"]["bench"] : nullptr;
    if (!d || d->value("running", -1) != n || !d->contains("processes") ||
        static_cast<int>((*d)["processes"].size()) != n) {
      Fail(Fmt("status detail: reply without %d processes: %.300s", n, r.to_string().c_str()));
    }
  };

  Series& sts = series[4];
  sts.key = "stats";
  sts.label = "stats bench";
  sts.total = opt.stats_requests;
  sts.request = [](int k) { return RequestBody("sx", k, "stats", {{"name", "bench"}}); };
  sts.check = [n](int k, const zmq::message_t& r) {
    json j = ParseReply(r, "stats bench");
    CheckId(j, "sx", k, "stats bench");
    if (!j.contains("info") || !j["info"].is_object() || static_cast<int>(j["info"].size()) != n) {
      Fail(Fmt("stats bench: reply without %d entries: %.300s", n, r.to_string().c_str()));
    }
    for (const auto& [pid, info] : j["info"].items()) {
      if (!info.is_object()) Fail("stats bench: pid " + pid + " has " + info.dump());
    }
  };

  for (Series& s : series) {
    if (s.daemon && !opt.only.empty() && !opt.only.count(s.key)) s.total = 0;
  }
  auto sock_of = [&](const Series& s) -> zmq::socket_t& { return s.daemon ? dsock : bsock; };
  // Warm-up (not recorded): connections, page cache, allocator, stats' first
  // /proc samples.
  for (Series& s : series) {
    int warm = std::min(s.total, s.key == "stats" ? 2 : 20);
    RunBlock(s, sock_of(s), -warm - 1, warm, /*record=*/false);
  }
  const int64_t rt_start = NowNs();
  for (int b = 0; b < kBlocks; ++b) {
    for (Series& s : series) {
      int from = static_cast<int>(static_cast<int64_t>(s.total) * b / kBlocks);
      int to = static_cast<int>(static_cast<int64_t>(s.total) * (b + 1) / kBlocks);
      if (to > from) RunBlock(s, sock_of(s), from, to - from, /*record=*/true);
    }
  }
  const double rt_wall_s = static_cast<double>(NowNs() - rt_start) / kNsPerSec;

  // ---------------------------------------------------------------- ringctl
  const std::vector<std::string> ctl_args = {opt.ctl, "--endpoint", g.control_ep, "status"};
  // A request with a tiny reply: ringctl's own start/connect/exit cost.
  const std::vector<std::string> light_args = {opt.ctl, "--endpoint", g.control_ep, "numwatchers"};
  const std::vector<std::string> true_args = {"/bin/true"};
  std::vector<double> ctl_ms, light_ms, true_ms;
  if (opt.ctl_runs > 0) {
    // One checked run with the output kept, then a warm-up of each.
    const std::string ctl_out = g.tmpdir + "/ringctl_status.txt";
    int status;
    SpawnAndWait(ctl_args, ctl_out, &status);
    CheckSpawnStatus(ctl_args, status);
    std::string text;
    ReadFile(ctl_out, &text);
    if (text.find("bench") == std::string::npos) {
      Fail("ringctl status output does not mention watcher 'bench': " + text.substr(0, 300));
    }
    for (const auto* args : {&true_args, &light_args}) {
      SpawnAndWait(*args, "/dev/null", &status);
      CheckSpawnStatus(*args, status);
    }
    for (int i = 0; i < opt.ctl_runs; ++i) {
      for (auto [args, out] : {std::pair{&true_args, &true_ms}, std::pair{&light_args, &light_ms},
                               std::pair{&ctl_args, &ctl_ms}}) {
        int64_t ns = SpawnAndWait(*args, "/dev/null", &status);
        CheckSpawnStatus(*args, status);
        out->push_back(static_cast<double>(ns) / kNsPerMs);
      }
    }
  }

  // ---------------------------------------------------------------- checks
  {
    // Any FIFO line now is a worker nobody asked for (one died and was
    // respawned during the bench).
    int extra = 0;
    pid_t pid;
    while (g_reader.Next(0, &pid)) {
      ++extra;
      g.worker_pids.insert(pid);
    }
    if (extra)
      g.problems.push_back(Fmt("ringmasterd started %d worker(s) during the bench", extra));
    zmq::message_t reply;
    RoundTrip(dsock, RequestBody("end", 0, "list", {{"name", "bench"}}), &reply, "list bench");
    json j = ParseReply(reply, "list bench");
    CheckId(j, "end", 0, "list bench");
    for (const json& p : j.value("pids", json::array())) g.worker_pids.insert(p.get<pid_t>());
    if (static_cast<int>(j.value("pids", json::array()).size()) != n) {
      g.problems.push_back(Fmt("list bench has %zu pids at the end, expected %d",
                               j.value("pids", json::array()).size(), n));
    }
  }

  // ---------------------------------------------------------------- quit
  double quit_reply_s = NAN, quit_exit_s = NAN;
  int survivors = 0;
  {
    const int64_t t = NowNs();
    const int64_t deadline = t + kQuitTimeoutNs;
    const std::string body = RequestBody("quit", 0, "quit", {{"waiting", true}});
    zmq::message_t reply;
    bool replied = false;
    const char* why = "no reply";
    try {
      if (!dsock.send(zmq::buffer(body), zmq::send_flags::none)) throw zmq::error_t();
      // Receive in slices (kRecvSliceMs) until the reply, the deadline, or
      // the daemon exiting without one (checked without reaping it).
      while (!replied) {
        CheckInterrupted();
        if (dsock.recv(reply)) {
          json j = ParseReply(reply, "quit");
          if (j.value("id", json()) != "quit-0") continue;
          if (j.value("status", "") != "ok") {
            g.problems.push_back("quit: error reply " + reply.to_string().substr(0, 300));
          }
          replied = true;
          break;
        }
        siginfo_t si = {};
        if (waitid(P_PID, static_cast<id_t>(g.daemon_pid), &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            si.si_pid == g.daemon_pid) {
          why = "ringmasterd exited without replying";
          break;
        }
        if (NowNs() >= deadline) break;
      }
    } catch (const zmq::error_t& e) {
      CheckInterrupted();
      g.problems.push_back(Fmt("quit: %s", e.what()));
    }
    if (replied) {
      quit_reply_s = static_cast<double>(NowNs() - t) / kNsPerSec;
    } else {
      g.problems.push_back(Fmt("quit (waiting): %s within %lld s", why,
                               static_cast<long long>(kQuitTimeoutNs / kNsPerSec)));
    }
    int status = 0;
    pid_t r = WaitPidUntil(g.daemon_pid, &status, deadline);
    if (r == g.daemon_pid) {
      quit_exit_s = static_cast<double>(NowNs() - t) / kNsPerSec;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g.problems.push_back(Fmt("ringmasterd ended with %s after quit, expected exit 0",
                                 DescribeStatus(status).c_str()));
      }
    } else {
      g.problems.push_back(Fmt("ringmasterd still running %lld s after quit; SIGKILLed",
                               static_cast<long long>(kQuitTimeoutNs / kNsPerSec)));
      kill(g.daemon_pid, SIGKILL);
      WaitPidUntil(g.daemon_pid, &status, NowNs() + 5 * kNsPerSec);
    }
    g.daemon_pid = -1;
    if (g.daemon_pidfd >= 0) close(g.daemon_pidfd);
    g.daemon_pidfd = -1;

    // Workers the daemon left behind were reparented to us (child subreaper):
    // reap those already dead, then every pid must be gone (ESRCH).
    const int64_t reap_deadline = NowNs() + 2 * kNsPerSec;
    std::vector<pid_t> alive;
    for (;;) {
      while (waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      alive.clear();
      for (pid_t p : g.worker_pids) {
        if (kill(p, 0) != 0 && errno == ESRCH) continue;
        alive.push_back(p);
      }
      if (alive.empty() || NowNs() >= reap_deadline) break;
      usleep(10000);  // verification only, not a measured path
    }
    survivors = static_cast<int>(alive.size());
    if (!alive.empty()) {
      g.problems.push_back(
          Fmt("%zu workers still exist 2 s after ringmasterd exited (e.g. pid %d); "
              "killed them",
              alive.size(), alive[0]));
      for (pid_t p : alive) kill(p, SIGKILL);
      ReapAllChildren(NowNs() + 2 * kNsPerSec);
    }
  }
  echo.Stop();
  if (!echo.error().empty()) g.problems.push_back("baseline server: " + echo.error());

  // ---------------------------------------------------------------- report
  printf("\n");
  printf(
      "round trips over a DEALER, one request at a time; times in microseconds; ratio = "
      "ringmasterd / baseline\n");
  printf("  %-20s %5s %8s %8s %8s %7s %8s %6s   %-24s %s\n", "", "n", "median", "p95", "p99",
         "reply B", "CPU/req", "wk/req", "ratio median / p95 / p99", "ratio CPU");
  const double b_med = Median(base.us), b_p95 = Percentile(base.us, 95),
               b_p99 = Percentile(base.us, 99);
  auto cpu_per_req = [](const Series& s) {
    return s.cpu_ok && !s.us.empty()
               ? static_cast<double>(s.server_cpu_ns) / kNsPerUs / static_cast<double>(s.us.size())
               : NAN;
  };
  auto wakeups_per_req = [](const Series& s) {
    return s.cpu_ok && !s.us.empty()
               ? static_cast<double>(s.server_slices) / static_cast<double>(s.us.size())
               : NAN;
  };
  const double b_cpu = cpu_per_req(base);
  for (const Series& s : series) {
    if (s.us.empty()) continue;
    double med = Median(s.us), p95 = Percentile(s.us, 95), p99 = Percentile(s.us, 99);
    std::string ratio = s.daemon
                            ? Fmt("%.2fx / %.2fx / %.2fx", med / b_med, p95 / b_p95, p99 / b_p99)
                            : "(transport floor)";
    std::string cpu_ratio = s.daemon ? Fmt("%.2fx", cpu_per_req(s) / b_cpu) : "";
    printf("  %-20s %5zu %8.1f %8.1f %8.1f %7zu %8.1f %6.1f   %-24s %s\n", s.label.c_str(),
           s.us.size(), med, p95, p99, s.reply_bytes, cpu_per_req(s), wakeups_per_req(s),
           ratio.c_str(), cpu_ratio.c_str());
  }
  printf(
      "  (CPU/req, wk/req: CPU time in us and times scheduled in (schedstat) of the server side "
      "per request:\n   all ringmasterd threads, or the baseline server's thread and its ZeroMQ "
      "threads;\n   p99 of %d samples is the %d%s largest)\n",
      opt.requests, opt.requests - static_cast<int>(std::ceil(0.99 * opt.requests)) + 1,
      Ordinal(opt.requests - static_cast<int>(std::ceil(0.99 * opt.requests)) + 1));
  if (!st.us.empty() && !ls.us.empty()) {
    printf(
        "status: median %.1f us vs baseline %.1f us, ratio %.2fx   list bench: median %.1f us, "
        "ratio %.2fx\n",
        Median(st.us), b_med, Median(st.us) / b_med, Median(ls.us), Median(ls.us) / b_med);
  }
  for (const Series* s : {&ls, &det, &sts}) {
    if (s->us.empty() || st.us.empty()) continue;
    printf("%s: median %.2f ms, %.2f us per process beyond plain status (%d processes)\n",
           s->label.c_str(), Median(s->us) / 1000, (Median(s->us) - Median(st.us)) / n, n);
  }
  printf("(round trips took %.1f s)\n", rt_wall_s);
  double c_med = Median(ctl_ms), c_p95 = Percentile(ctl_ms, 95);
  double t_med = Median(true_ms), t_p95 = Percentile(true_ms, 95);
  if (!ctl_ms.empty()) {
    printf(
        "ringctl status (%zu runs, posix_spawn -> waitpid, stdout /dev/null): median %.2f ms p95 "
        "%.2f ms   baseline /bin/true median %.2f ms p95 %.2f ms   ratio %.2fx (median), %.2fx "
        "(p95)\n",
        ctl_ms.size(), c_med, c_p95, t_med, t_p95, c_med / t_med, c_p95 / t_p95);
    printf(
        "  ringctl numwatchers (tiny reply: the CLI's own cost): median %.2f ms p95 %.2f ms, "
        "ratio %.2fx (median) to /bin/true\n",
        Median(light_ms), Percentile(light_ms, 95), Median(light_ms) / t_med);
  }
  printf(
      "quit (waiting) with %d workers: reply after %.3f s, ringmasterd exited after %.3f s, "
      "%d surviving worker(s)\n",
      n, quit_reply_s, quit_exit_s, survivors);
  {
    std::vector<std::string> log = ReadLines(g.log_path);
    if (!log.empty()) {
      printf("ringmasterd log: %zu line(s) at loglevel warning, first ones:\n", log.size());
      for (size_t i = 0; i < log.size() && i < 5; ++i) printf("  %s\n", log[i].c_str());
    }
  }
  const double load_end = LoadAvg1();
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
        "NOTE: the machine was busy; round trips wait for wakeups, so prefer figures from an "
        "idle machine.\n");
  }
  const bool ok = g.problems.empty();
  for (const std::string& p : g.problems) printf("PROBLEM: %s\n", p.c_str());

  std::string j =
      "{\"bench\":\"control\",\"workers\":" + std::to_string(n) +
      ",\"requests\":" + std::to_string(opt.requests) + ",\"cpus\":" + std::to_string(ncpu) +
      ",\"loadavg_start\":" + JsonNum(load_start, 2) + ",\"loadavg_end\":" + JsonNum(load_end, 2) +
      ",\"other_load_pct\":" + JsonNum(other_pct, 1) + ",\"start_s\":" + JsonNum(start_s, 3) +
      ",\"round_trip_us\":{";
  bool first = true;
  for (const Series& s : series) {
    if (s.us.empty()) continue;
    double med = Median(s.us), p95 = Percentile(s.us, 95), p99 = Percentile(s.us, 99);
    j += (first ? "" : ",") + JsonStr(s.key) + ":{\"n\":" + std::to_string(s.us.size()) +
         ",\"median\":" + JsonNum(med, 1) + ",\"p95\":" + JsonNum(p95, 1) +
         ",\"p99\":" + JsonNum(p99, 1) + ",\"reply_bytes\":" + std::to_string(s.reply_bytes);
    j += ",\"server_cpu_us_per_req\":" + JsonNum(cpu_per_req(s), 1) +
         ",\"server_wakeups_per_req\":" + JsonNum(wakeups_per_req(s), 2);
    if (s.daemon) {
      j += ",\"ratio_median\":" + JsonNum(med / b_med) + ",\"ratio_p95\":" + JsonNum(p95 / b_p95) +
           ",\"ratio_p99\":" + JsonNum(p99 / b_p99) +
           ",\"ratio_cpu\":" + JsonNum(cpu_per_req(s) / b_cpu);
    }
    j += "}";
    first = false;
  }
  j += "},\"ringctl_status_ms\":{\"runs\":" + std::to_string(ctl_ms.size()) +
       ",\"median\":" + JsonNum(c_med) + ",\"p95\":" + JsonNum(c_p95) +
       ",\"baseline_true_median\":" + JsonNum(t_med) + ",\"baseline_true_p95\":" + JsonNum(t_p95) +
       ",\"ratio_median\":" + JsonNum(c_med / t_med) + ",\"ratio_p95\":" + JsonNum(c_p95 / t_p95) +
       ",\"numwatchers_median\":" + JsonNum(Median(light_ms)) +
       ",\"numwatchers_p95\":" + JsonNum(Percentile(light_ms, 95)) +
       "},\"quit\":{\"reply_s\":" + JsonNum(quit_reply_s) + ",\"exit_s\":" + JsonNum(quit_exit_s) +
       ",\"survivors\":" + std::to_string(survivors) + "}";
  j += ",\"ok\":" + std::string(ok ? "true" : "false") + ",\"problems\":[";
  for (size_t i = 0; i < g.problems.size(); ++i) j += (i ? "," : "") + JsonStr(g.problems[i]);
  j += "]}";
  printf("BENCH_JSON %s\n", j.c_str());
  fflush(stdout);

  KillEverything();
  RemoveTmp();
  fflush(stderr);
  // The ZeroMQ contexts are statics; skip their teardown (nothing is pending).
  _exit(ok ? 0 : 1);
}
