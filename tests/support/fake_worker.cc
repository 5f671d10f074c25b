// fake_worker: the supervised child of the e2e tests. It does what a test asks
// through flags (exit N, ignore SIGTERM, print, report readiness, fork
// grandchildren) and leaves a trace in --pidfile-dir. Standalone: POSIX only.
//
// Signals are handled synchronously: they are blocked and taken with
// sigtimedwait() in the main loop, which also runs the timers.
//
// Files in --pidfile-dir (all written by temp file + rename, so a reader never
// sees a partial file; temp files start with '.'):
//   <pid>          "start <unix time>\n", then one "signal <NAME>\n" per signal
//                  received, then "exit\n" on an orderly exit
//   <pid>.child    pid of the --fork-child grandchild
//   <pid>.escaped  pid of the --double-fork grandchild
//   <pid>.zombieN  pid of the N-th --zombies child (exited, never waited for)
#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Options {
  std::string pidfile_dir;
  double exit_after = -1;
  int exit_code = 0;
  bool ignore_term = false;
  double term_delay = -1;
  std::string print;
  std::string print_stderr;
  int print_count = 1;
  bool fork_child = false;
  bool double_fork = false;
  int ready_fd = -1;
  double ready_delay = 0;
  bool notify = false;
  std::string notify_status;
  std::string env_dump;
  std::string fd_dump;
  bool close_stdout = false;
  int zombies = 0;
};

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "fake_worker: %s\n", why.c_str());
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  int i = 1;
  auto value = [&]() -> std::string {
    if (i + 1 >= argc) Usage(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  auto number = [&]() -> double {
    const std::string flag = argv[i];
    const std::string v = value();
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !std::isfinite(d)) Usage(flag + ": bad number '" + v + "'");
    return d;
  };
  auto integer = [&]() { return static_cast<int>(number()); };
  const std::map<std::string, std::function<void()>> flags = {
      {"--pidfile-dir", [&] { o.pidfile_dir = value(); }},
      {"--exit-after", [&] { o.exit_after = number(); }},
      {"--exit-code", [&] { o.exit_code = integer(); }},
      {"--ignore-term", [&] { o.ignore_term = true; }},
      {"--term-delay", [&] { o.term_delay = number(); }},
      {"--print", [&] { o.print = value(); }},
      {"--print-count", [&] { o.print_count = integer(); }},
      {"--stderr", [&] { o.print_stderr = value(); }},
      {"--fork-child", [&] { o.fork_child = true; }},
      {"--double-fork", [&] { o.double_fork = true; }},
      {"--ready-fd", [&] { o.ready_fd = integer(); }},
      {"--ready-delay", [&] { o.ready_delay = number(); }},
      {"--notify", [&] { o.notify = true; }},
      {"--notify-status", [&] { o.notify_status = value(); }},
      {"--env-dump", [&] { o.env_dump = value(); }},
      {"--fd-dump", [&] { o.fd_dump = value(); }},
      {"--close-stdout", [&] { o.close_stdout = true; }},
      {"--zombies", [&] { o.zombies = integer(); }},
  };
  for (; i < argc; ++i) {
    const auto it = flags.find(argv[i]);
    if (it == flags.end()) Usage(std::string("unknown flag '") + argv[i] + "'");
    it->second();
  }
  return o;
}

double Monotonic() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double UnixTime() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Readers poll for these files, so they must appear complete or not at all.
void WriteFileAtomic(const std::string& path, const std::string& content) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string tmp = dir + "/." + base + ".tmp." + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "we");
  if (f == nullptr) {
    std::fprintf(stderr, "fake_worker: cannot write %s: %s\n", tmp.c_str(), std::strerror(errno));
    return;
  }
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "fake_worker: cannot rename to %s: %s\n", path.c_str(),
                 std::strerror(errno));
  }
}

// The trace file DIR/<pid>; kept in memory and rewritten whole on each change.
class Trace {
 public:
  explicit Trace(const std::string& dir) : dir_(dir) {}
  void Append(const std::string& line) {
    if (dir_.empty()) return;
    text_ += line + "\n";
    WriteFileAtomic(dir_ + "/" + std::to_string(getpid()), text_);
  }
  void WriteSibling(const std::string& suffix, const std::string& content) {
    if (!dir_.empty()) WriteFileAtomic(dir_ + "/" + std::to_string(getpid()) + suffix, content);
  }

 private:
  std::string dir_;
  std::string text_;
};

std::string FdDump() {
  std::vector<std::string> lines;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return "";
  const int self = dirfd(d);
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const int fd = std::atoi(e->d_name);
    if (fd == self) continue;
    char target[4096];
    const ssize_t n =
        readlink((std::string("/proc/self/fd/") + e->d_name).c_str(), target, sizeof(target) - 1);
    target[n < 0 ? 0 : n] = '\0';
    lines.push_back(std::to_string(fd) + " " + target + "\n");
  }
  closedir(d);
  std::string out;
  for (const std::string& l : lines) out += l;
  return out;
}

std::string EnvDump(int argc, char** argv) {
  std::string out = "[env]\n";
  for (char** e = environ; *e != nullptr; ++e) out += std::string(*e) + "\n";
  out += "[argv]\n";
  for (int i = 0; i < argc; ++i) out += std::string(argv[i]) + "\n";
  char cwd[4096];
  out += "[cwd]\n" + std::string(getcwd(cwd, sizeof(cwd)) ? cwd : "?") + "\n";
  return out;
}

// Grandchildren die on the default signal dispositions, like real programs.
[[noreturn]] void SleepForever() {
  sigset_t none;
  sigemptyset(&none);
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE}) {
    signal(sig, SIG_DFL);
  }
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (;;) pause();
}

pid_t ForkSleeper(bool new_session) {
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("fake_worker: fork");
    return -1;
  }
  if (pid == 0) {
    if (new_session) setsid();
    SleepForever();
  }
  return pid;
}

void NotifyReady(const std::string& status) {
  const char* addr = std::getenv("NOTIFY_SOCKET");
  if (addr == nullptr || addr[0] == '\0') {
    std::fprintf(stderr, "fake_worker: --notify but NOTIFY_SOCKET is not set\n");
    return;
  }
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const size_t len = std::strlen(addr);
  if (len >= sizeof(sa.sun_path)) return;
  std::memcpy(sa.sun_path, addr, len);
  if (addr[0] == '@') sa.sun_path[0] = '\0';  // abstract namespace
  const socklen_t sa_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  std::string msg = "READY=1";
  if (!status.empty()) msg += "\nSTATUS=" + status;
  if (sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&sa), sa_len) < 0) {
    std::fprintf(stderr, "fake_worker: notify to %s failed: %s\n", addr, std::strerror(errno));
  }
  close(fd);
}

const char* SignalName(int sig) {
  switch (sig) {
    case SIGTERM:
      return "TERM";
    case SIGINT:
      return "INT";
    case SIGQUIT:
      return "QUIT";
    case SIGHUP:
      return "HUP";
    case SIGUSR1:
      return "USR1";
    case SIGUSR2:
      return "USR2";
    default:
      return "OTHER";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);

  // Dump fds first, before this program opens any of its own.
  if (!o.fd_dump.empty()) WriteFileAtomic(o.fd_dump, FdDump());

  // Writes to a closed stdout/ready pipe must not kill the worker.
  signal(SIGPIPE, SIG_IGN);
  sigset_t waited;
  sigemptyset(&waited);
  for (int sig : {SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&waited, sig);
  if (o.ignore_term) {
    signal(SIGTERM, SIG_IGN);
  } else {
    sigaddset(&waited, SIGTERM);
  }
  sigprocmask(SIG_BLOCK, &waited, nullptr);

  Trace trace(o.pidfile_dir);
  char start[64];
  std::snprintf(start, sizeof(start), "start %.3f", UnixTime());
  trace.Append(start);
  if (!o.env_dump.empty()) WriteFileAtomic(o.env_dump, EnvDump(argc, argv));

  for (int i = 0; i < o.print_count; ++i) {
    if (!o.print.empty()) WriteAll(STDOUT_FILENO, o.print + "\n");
    if (!o.print_stderr.empty()) WriteAll(STDERR_FILENO, o.print_stderr + "\n");
  }

  // Keeps running without stdout and stderr: the daemon sees EOF on both pipes.
  if (o.close_stdout) {
    close(STDOUT_FILENO);
    close(STDERR_FILENO);
  }
  // Children that exit at once and are never waited for: zombies until this
  // process dies and they are re-parented (to the daemon, a subreaper).
  for (int i = 0; i < o.zombies; ++i) {
    const pid_t pid = fork();
    if (pid == 0) _exit(0);
    if (pid > 0) trace.WriteSibling(".zombie" + std::to_string(i), std::to_string(pid) + "\n");
  }

  if (o.fork_child) {
    const pid_t child = ForkSleeper(false);
    if (child > 0) trace.WriteSibling(".child", std::to_string(child) + "\n");
  }
  if (o.double_fork) {
    const pid_t child = ForkSleeper(true);
    if (child > 0) trace.WriteSibling(".escaped", std::to_string(child) + "\n");
  }

  const double t0 = Monotonic();
  double ready_at = (o.ready_fd >= 0 || o.notify) ? t0 + o.ready_delay : -1;
  const double exit_at = o.exit_after >= 0 ? t0 + o.exit_after : -1;
  double term_exit_at = -1;
  auto finish = [&](int code) {
    trace.Append("exit");
    std::exit(code);
  };

  for (;;) {
    const double now = Monotonic();
    if (ready_at >= 0 && now >= ready_at) {
      ready_at = -1;
      if (o.ready_fd >= 0 && !WriteAll(o.ready_fd, "\n")) {
        std::fprintf(stderr, "fake_worker: write to ready fd %d failed: %s\n", o.ready_fd,
                     std::strerror(errno));
      }
      if (o.notify) NotifyReady(o.notify_status);
    }
    if (exit_at >= 0 && now >= exit_at) finish(o.exit_code);
    if (term_exit_at >= 0 && now >= term_exit_at) finish(0);

    double next = -1;
    for (double t : {ready_at, exit_at, term_exit_at}) {
      if (t >= 0 && (next < 0 || t < next)) next = t;
    }
    siginfo_t info{};
    int sig;
    if (next < 0) {
      sig = sigwaitinfo(&waited, &info);
    } else {
      const double wait = std::max(0.0, next - now);
      timespec ts{static_cast<time_t>(wait),
                  static_cast<long>((wait - std::floor(wait)) * 1e9)};  // NOLINT
      sig = sigtimedwait(&waited, &info, &ts);
    }
    if (sig < 0) continue;  // timeout or EINTR: re-check the timers
    trace.Append(std::string("signal ") + SignalName(sig));
    const bool terminate = sig == SIGTERM || sig == SIGINT || sig == SIGQUIT;
    if (!terminate) continue;  // HUP, USR1, USR2: recorded only
    if (o.term_delay < 0) finish(0);
    if (term_exit_at < 0) term_exit_at = Monotonic() + o.term_delay;
  }
}
