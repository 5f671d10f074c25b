#include "tests/support/daemon_fixture.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

// Defined by tests/CMakeLists.txt for e2e_tests; empty elsewhere.
#ifndef RINGMASTERD_PATH
#define RINGMASTERD_PATH ""
#endif
#ifndef FAKE_WORKER_PATH
#define FAKE_WORKER_PATH ""
#endif
#ifndef EXAMPLES_DIR
#define EXAMPLES_DIR ""
#endif

namespace ringmaster::test {
namespace {

std::vector<ProcStat> ScanProc() {
  std::vector<ProcStat> out;
  DIR* d = opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    if (auto st = ReadProcStat(static_cast<pid_t>(pid))) out.push_back(*st);
  }
  closedir(d);
  return out;
}

// Descendants of `root` at any depth, by following ppid links.
std::vector<ProcStat> DescendantsIn(const std::vector<ProcStat>& procs, pid_t root) {
  std::multimap<pid_t, const ProcStat*> by_parent;
  for (const ProcStat& p : procs) by_parent.emplace(p.ppid, &p);
  std::vector<ProcStat> out;
  std::vector<pid_t> queue{root};
  while (!queue.empty()) {
    const pid_t parent = queue.back();
    queue.pop_back();
    auto [lo, hi] = by_parent.equal_range(parent);
    for (auto it = lo; it != hi; ++it) {
      out.push_back(*it->second);
      queue.push_back(it->second->pid);
    }
  }
  return out;
}

// Same process (not a reuse of its pid), still running.
bool SameProcessAlive(pid_t pid, unsigned long long start_time) {
  const auto st = ReadProcStat(pid);
  return st && st->start_time == start_time && st->state != 'Z' && st->state != 'X';
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Async-signal-safe "<prefix><errno>\n" to stderr, for the forked child.
void WriteErrno(const char* prefix, int err) {
  char buf[16];
  int n = 0;
  do {
    buf[sizeof(buf) - 1 - n++] = static_cast<char>('0' + err % 10);
    err /= 10;
  } while (err > 0 && n < 10);
  (void)!write(STDERR_FILENO, prefix, strlen(prefix));
  (void)!write(STDERR_FILENO, buf + sizeof(buf) - n, n);
  (void)!write(STDERR_FILENO, "\n", 1);
}

}  // namespace

std::string DaemonPath() { return RINGMASTERD_PATH; }
std::string FakeWorkerPath() { return FAKE_WORKER_PATH; }
std::string ExamplesDir() { return EXAMPLES_DIR; }

// ---- TempDir

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr && base[0] != '\0' ? base : "/tmp") + "/rm-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  if (std::getenv("RINGMASTER_KEEP_TMP") != nullptr) {
    std::fprintf(stderr, "keeping %s (RINGMASTER_KEEP_TMP)\n", path_.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Path(std::string_view name) const { return path_ + "/" + std::string(name); }

// ---- Daemon

Daemon::Daemon(const TempDir& dir, DaemonOptions options)
    : log_path_(dir.Path(options.log_name)), options_(std::move(options)) {}

Daemon::~Daemon() {
  if (pid_ > 0 && !status_) {
    Sample();
    Signal(SIGTERM);
    if (!WaitExit(10)) {
      std::fprintf(stderr, "daemon %d ignored SIGTERM for 10 s; sending SIGKILL\n", pid_);
      Signal(SIGKILL);
      WaitExit(10);
    }
  }
  stop_sampler_ = true;
  if (sampler_.joinable()) sampler_.join();
  KillLeftovers();
}

bool Daemon::Start(const std::string& config_path, const std::vector<std::string>& extra_args) {
  if (pid_ > 0) return false;
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls (other threads may hold the malloc lock).
  std::vector<std::string> args{options_.program};
  args.insert(args.end(), options_.leading_args.begin(), options_.leading_args.end());
  args.push_back(config_path);
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view kv(*e);
    const std::string_view key = kv.substr(0, kv.find('='));
    const bool overridden = std::any_of(options_.env.begin(), options_.env.end(),
                                        [&](const auto& p) { return p.first == key; });
    if (!overridden) env_strings.emplace_back(kv);
  }
  for (const auto& [k, v] : options_.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    if (log_fd >= 0) close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return false;
  }
  const int out_fd = options_.stdio_fd >= 0 ? options_.stdio_fd : log_fd;
  const long max_fd = std::min(sysconf(_SC_OPEN_MAX), 65536L);
  const pid_t parent = getpid();
  const char* cwd = options_.cwd.empty() ? nullptr : options_.cwd.c_str();

  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    close(null_fd);
    return false;
  }
  if (pid == 0) {
    // If the test process dies, the daemon stops (and stops its children).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    if (cwd != nullptr && chdir(cwd) != 0) {
      WriteErrno("daemon_fixture: chdir failed, errno ", errno);
      _exit(127);
    }
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
#endif
      for (long fd = 3; fd < max_fd; ++fd) close(static_cast<int>(fd));
    execve(argv[0], argv.data(), envp.data());
    WriteErrno("daemon_fixture: exec failed, errno ", errno);
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  pid_ = pid;
  sampler_ = std::thread(&Daemon::SamplerLoop, this);
  return true;
}

std::string Daemon::Log() const { return ReadFile(log_path_); }

bool Daemon::WaitForLog(std::string_view needle, double deadline_seconds) const {
  return WaitUntil([&] { return Log().find(needle) != std::string::npos; }, deadline_seconds);
}

bool Daemon::Signal(int sig) {
  if (!running()) return false;
  Sample();
  return kill(pid_, sig) == 0;
}

bool Daemon::running() {
  if (pid_ <= 0 || status_) return false;
  std::lock_guard<std::mutex> lock(mu_);
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    exited_ = true;
    return false;
  }
  return true;
}

std::optional<int> Daemon::WaitExit(double deadline_seconds) {
  if (pid_ <= 0) return std::nullopt;
  WaitUntil([&] { return !running(); }, deadline_seconds, 0.01);
  if (!status_) return std::nullopt;
  return DecodeStatus(*status_);
}

std::optional<int> Daemon::raw_wait_status() const { return status_; }

std::optional<int> Daemon::Stop(double deadline_seconds) {
  Signal(SIGTERM);
  return WaitExit(deadline_seconds);
}

std::vector<pid_t> Daemon::Children() const {
  Sample();
  std::vector<pid_t> out;
  if (pid_ <= 0 || exited_) return out;
  const std::string task_dir = "/proc/" + std::to_string(pid_) + "/task";
  bool have_children_files = false;
  for (const std::string& tid : ListDir(task_dir)) {
    std::ifstream in(task_dir + "/" + tid + "/children");
    if (!in) continue;
    have_children_files = true;
    pid_t child;
    while (in >> child) out.push_back(child);
  }
  if (!have_children_files) {  // kernel without CONFIG_PROC_CHILDREN
    for (const ProcStat& p : ScanProc()) {
      if (p.ppid == pid_) out.push_back(p.pid);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pid_t> Daemon::Descendants() const {
  std::vector<pid_t> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pid_ <= 0 || exited_) return out;
    for (const ProcStat& p : DescendantsIn(ScanProc(), pid_)) {
      seen_[p.pid] = p.start_time;
      out.push_back(p.pid);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pid_t> Daemon::SeenDescendants() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<pid_t> out;
  for (const auto& [pid, start] : seen_) out.push_back(pid);
  return out;
}

std::vector<pid_t> Daemon::LeakedAfterStop() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<pid_t> out;
  for (const auto& [pid, start] : seen_) {
    if (SameProcessAlive(pid, start)) out.push_back(pid);
  }
  return out;
}

void Daemon::Sample() const { Descendants(); }

void Daemon::SamplerLoop() {
  while (!stop_sampler_ && !exited_) {
    Sample();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Daemon::KillLeftovers() {
  std::vector<ProcStat> victims;
  const std::vector<ProcStat> procs = ScanProc();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [pid, start] : seen_) {
      if (!SameProcessAlive(pid, start)) continue;
      // Take the leftovers' own descendants too, before killing reparents them.
      victims.push_back(*ReadProcStat(pid));
      for (const ProcStat& p : DescendantsIn(procs, pid)) victims.push_back(p);
    }
  }
  for (const ProcStat& v : victims) {
    if (SameProcessAlive(v.pid, v.start_time)) {
      std::fprintf(stderr, "daemon_fixture: killing leftover %s\n", DescribePid(v.pid).c_str());
      kill(v.pid, SIGKILL);
    }
  }
}

// ---- free functions

bool WaitUntil(const std::function<bool()>& cond, double deadline_seconds, double poll_interval) {
  using Clock = std::chrono::steady_clock;
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(std::max(0.0, deadline_seconds)));
  const auto step = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::max(0.001, poll_interval)));
  for (;;) {
    if (cond()) return true;
    const auto now = Clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min(step, deadline - now));
  }
}

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  const std::string text = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');  // comm may itself contain ')'
  if (open == std::string::npos || close == std::string::npos || close < open) {
    return std::nullopt;
  }
  ProcStat st;
  st.pid = pid;
  st.comm = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 1));
  std::vector<std::string> f;  // f[0] is field 3 (state) of proc(5)
  for (std::string tok; rest >> tok;) f.push_back(tok);
  if (f.size() < 20) return std::nullopt;
  st.state = f[0][0];
  st.ppid = std::atoi(f[1].c_str());
  st.pgrp = std::atoi(f[2].c_str());
  st.session = std::atoi(f[3].c_str());
  st.start_time = std::strtoull(f[19].c_str(), nullptr, 10);
  return st;
}

bool PidAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (kill(pid, 0) != 0 && errno != EPERM) return false;
  const auto st = ReadProcStat(pid);
  return st && st->state != 'Z' && st->state != 'X';
}

long StatusFieldKiB(pid_t pid, const std::string& field) {
  std::istringstream in(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  const std::string key = field + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) == 0) return std::atol(line.c_str() + key.size());
  }
  return 0;
}

std::string DescribePid(pid_t pid) {
  const auto st = ReadProcStat(pid);
  if (!st) return std::to_string(pid) + " (gone)";
  std::string cmdline = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  return std::to_string(pid) + " ppid=" + std::to_string(st->ppid) + " " + st->state + " " +
         st->comm + ": " + cmdline;
}

std::string DescribePids(const std::vector<pid_t>& pids) {
  std::string out;
  for (pid_t p : pids) out += DescribePid(p) + "\n";
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool FileExists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

bool WriteFile(const std::string& path, std::string_view content) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string tmp = dir + "/." + base + ".tmp" + std::to_string(getpid());
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') out.emplace_back(e->d_name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::pair<int, std::string> RunShell(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  for (size_t got; (got = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, got);
  int rc = pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

}  // namespace ringmaster::test
