// Helpers for e2e tests: a temp directory, the real ringmasterd run as a child
// with its output in a log file, process-tree inspection and deadline-bounded
// waits. POSIX and /proc only; no ringmaster internals. Test-thread only,
// except that Daemon samples its descendants from a background thread.
// Failures to set up (mkdtemp, fork) throw std::runtime_error, which gtest
// reports as a test failure.
#ifndef RINGMASTER_TESTS_SUPPORT_DAEMON_FIXTURE_H_
#define RINGMASTER_TESTS_SUPPORT_DAEMON_FIXTURE_H_

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace ringmaster::test {

// Paths baked in by tests/CMakeLists.txt; empty when not defined.
std::string DaemonPath();      // RINGMASTERD_PATH
std::string FakeWorkerPath();  // FAKE_WORKER_PATH
std::string ExamplesDir();     // EXAMPLES_DIR

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on
// destruction unless RINGMASTER_KEEP_TMP is set in the environment. The name
// is short so that ipc:// and unix socket paths inside it stay under 108 bytes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Path(std::string_view name) const;  // path() + "/" + name

 private:
  std::string path_;
};

struct DaemonOptions {
  std::string program = DaemonPath();
  std::string log_name = "ringmasterd.log";  // in the TempDir; stdout + stderr
  std::vector<std::string> leading_args;     // before the config path
  // Set (or override) in the daemon's environment, which otherwise is ours.
  std::vector<std::pair<std::string, std::string>> env;
  std::string cwd;  // empty: ours
  // >= 0: the daemon's stdout and stderr go to this fd (e.g. a pipe that the
  // test never reads) instead of the log file; the caller keeps ownership.
  int stdio_fd = -1;
};

// One daemon process. The destructor stops it (SIGTERM, up to 10 s, then
// SIGKILL) and then SIGKILLs every descendant it ever saw that is still
// alive, so a failing test never leaks processes.
class Daemon {
 public:
  // The log file is dir.Path(options.log_name), appended to. `dir` must
  // outlive the Daemon (declare the TempDir first).
  explicit Daemon(const TempDir& dir, DaemonOptions options = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs `program leading_args... config_path extra_args...`. False if it
  // could not fork; an exec failure shows as exit status 127 and a log line.
  bool Start(const std::string& config_path, const std::vector<std::string>& extra_args = {});

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  std::string Log() const;
  // True once Log() contains `needle`; false at the deadline.
  bool WaitForLog(std::string_view needle, double deadline_seconds) const;

  bool Signal(int sig);  // false if not running
  // The exit code, or 128 + signal number if killed by a signal; nullopt if
  // still running at the deadline. Reaps the daemon; later calls return the
  // same value.
  std::optional<int> WaitExit(double deadline_seconds);
  std::optional<int> raw_wait_status() const;  // as from waitpid, once reaped
  bool running();  // started and not yet exited (reaps if it just exited)
  // SIGTERM, then WaitExit(deadline_seconds).
  std::optional<int> Stop(double deadline_seconds = 10);

  // Current direct children (/proc/<pid>/task/*/children).
  std::vector<pid_t> Children() const;
  // Current descendants at any depth (ppid links in /proc/*/stat).
  std::vector<pid_t> Descendants() const;
  // Every descendant recorded so far (sampled every 20 ms while the daemon
  // runs, and on Children/Descendants calls), alive or not.
  std::vector<pid_t> SeenDescendants() const;
  // Recorded descendants that are still alive (and not a reused pid). Call it
  // after the daemon has exited: anything listed survived the stop.
  std::vector<pid_t> LeakedAfterStop() const;

 private:
  void Sample() const;
  void SamplerLoop();
  void KillLeftovers();

  std::string log_path_;
  DaemonOptions options_;
  pid_t pid_ = -1;
  std::optional<int> status_;  // raw wait status once reaped

  // Guards seen_ and, with exited_, keeps the sampler from scanning after the
  // pid is reaped (and could be reused).
  mutable std::mutex mu_;
  mutable std::map<pid_t, unsigned long long> seen_;  // pid -> start time
  std::atomic<bool> exited_{false};
  std::atomic<bool> stop_sampler_{false};
  std::thread sampler_;
};

// Polls `cond` until it returns true (true) or the deadline passes (false).
bool WaitUntil(const std::function<bool()>& cond, double deadline_seconds,
               double poll_interval = 0.02);

// kill(pid, 0) succeeds and /proc/<pid>/stat does not say zombie.
bool PidAlive(pid_t pid);
// The parsed /proc/<pid>/stat fields, or nullopt if the process is gone.
struct ProcStat {
  pid_t pid = 0;
  std::string comm;
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
  pid_t session = 0;
  unsigned long long start_time = 0;  // clock ticks after boot
};
std::optional<ProcStat> ReadProcStat(pid_t pid);
// "pid ppid state comm: cmdline" for assertion messages.
// A "Field:   N kB" line of /proc/PID/status (VmRSS, RssAnon, ...) in KiB;
// 0 if the process or the field is gone.
long StatusFieldKiB(pid_t pid, const std::string& field);

std::string DescribePid(pid_t pid);
std::string DescribePids(const std::vector<pid_t>& pids);

// Whole-file helpers. ReadFile returns "" if the file cannot be read.
std::string ReadFile(const std::string& path);
bool FileExists(const std::string& path);
// Creates missing parent directories, then writes via a temp file + rename,
// so a watcher of the path never sees half of it.
bool WriteFile(const std::string& path, std::string_view content);
// Sorted entry names, without "." , ".." and other names starting with '.'
// (fake_worker's temp files).
std::vector<std::string> ListDir(const std::string& path);

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0).
int FreePort();

// Runs `cmd` with /bin/sh, stderr merged into stdout: {exit status (-1 if
// it did not exit), output}.
std::pair<int, std::string> RunShell(const std::string& cmd);

}  // namespace ringmaster::test

#endif  // RINGMASTER_TESTS_SUPPORT_DAEMON_FIXTURE_H_
