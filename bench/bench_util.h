// bench_util: what every ringmaster bench harness shares (see bench/README.md).
//
// A harness starts ringmasterd with one watcher of bench_worker processes in
// a mkdtemp directory; every worker writes "<pid> <CLOCK_MONOTONIC ns>\n" to
// a FIFO the harness holds open O_RDWR, as the first thing it does. The
// harness blocks in poll() on that FIFO (and on a pidfd of the daemon):
// nothing is polled on a timer.
//
// Everything the harness starts is recorded in `bench::g` so that Fail() (any
// failure, SIGINT/SIGTERM) can SIGKILL the daemon first (no more respawns),
// then every process it knows of, reap them (the harness is a child
// subreaper), print the daemon log tail and exit 1. Fail() and the waits that
// call it belong to the main thread; other threads must be started with
// StartQuietThread (all signals blocked) and report errors to it.
#ifndef RINGMASTER_BENCH_BENCH_UTIL_H_
#define RINGMASTER_BENCH_BENCH_UTIL_H_

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace bench {

constexpr int64_t kNsPerSec = 1000000000;
constexpr int64_t kNsPerMs = 1000000;
constexpr int64_t kNsPerUs = 1000;

// ---------------------------------------------------------------- basics
int64_t NowNs();  // CLOCK_MONOTONIC, the clock the workers stamp with
int64_t CpuNs();  // CLOCK_PROCESS_CPUTIME_ID of this process
std::string Fmt(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string DescribeStatus(int wait_status);
bool ReadFile(const std::string& path, std::string* out);
std::vector<std::string> ReadLines(const std::string& path);
// The number after "key:" in a /proc/PID/status text, or -1.
int64_t StatusField(const std::string& status, const char* key);

// ---------------------------------------------------------------- statistics
// Nearest-rank percentile (p99 of 50 samples is the largest); NAN if empty.
double Percentile(std::vector<double> v, double p);
double Median(const std::vector<double>& v);

// ---------------------------------------------------------------- BENCH_JSON
std::string JsonNum(double v, int prec);  // "null" for NaN/inf
std::string JsonArr(const std::vector<double>& v, int prec);
std::string JsonStr(const std::string& s);

// ---------------------------------------------------------------- harness state
struct Harness {
  std::string name;  // "bench_spawn": prefixes messages
  bool keep_tmp = false;
  std::string tmpdir, fifo_path, ini_path, log_path;
  int fifo_fd = -1;
  int log_fd = -1;
  pid_t daemon_pid = -1;
  int daemon_pidfd = -1;
  std::set<pid_t> worker_pids;  // daemon workers seen; SIGKILLed by Fail()
  std::set<pid_t> other_pids;   // any other child to SIGKILL on failure
  bool log_tail_on_fail = true;
  // Called while waiting (FIFO, waitpid loops) instead of CheckDaemon();
  // must call Fail() if something that must stay up went away.
  void (*check)() = nullptr;
  std::vector<std::string> problems;  // PROBLEM: lines, exit status 1
};
extern Harness g;
extern volatile sig_atomic_t g_interrupted;

// SIGINT/SIGTERM/SIGHUP set g_interrupted (no SA_RESTART, so blocking calls
// return EINTR); SIGALRM only interrupts; SIGPIPE is ignored. Also makes
// this process a child subreaper, so orphaned workers can always be reaped.
void InstallHandlers();
void CheckInterrupted();  // Fail()s once a signal arrived
void CheckDaemon();       // Fail()s if ringmasterd has exited (reaps it)
void PrintLogTail(int n);
void ReapAllChildren(int64_t deadline);
void RemoveTmp();
void KillEverything();  // safe to call more than once
[[noreturn]] void Fail(const std::string& msg);
// A thread with every signal blocked (they must reach the main thread).
std::thread StartQuietThread(std::function<void()> fn);

// realpath + X_OK, or a message and exit(1).
std::string AbsExecutable(const std::string& path, const char* what);

// Command-line parsing: `usage` prints and exits.
class Args {
 public:
  Args(int argc, char** argv, void (*usage)(const char* problem));
  bool Next();  // advances to the next flag; false at the end
  const std::string& flag() const { return flag_; }
  std::string Value();
  double Num(double lo, double hi);

 private:
  int argc_;
  char** argv_;
  int i_ = 0;
  std::string flag_;
  void (*usage_)(const char*);
};

// ---------------------------------------------------------------- processes
// Blocking waitpid bounded by an interval timer. Returns the reaped pid, or 0
// once `deadline` passed.
pid_t WaitPidUntil(pid_t pid, int* status, int64_t deadline);
// The baselines' supervisor: fork, execv(argv[0], argv) (exit 127 if that
// fails); the child goes into g.other_pids. Fails on a fork error.
pid_t ForkExec(const std::vector<char*>& argv);
int PidfdOpen(pid_t pid);

// mkdtemp /tmp/ringmaster-bench.XXXXXX with ready.fifo (opened O_RDWR: the
// FIFO never reports EOF), bench.ini and ringmasterd.log paths in it.
void MakeTmpDir();
void OpenLog();  // g.log_fd, appending to g.log_path

struct IniSpec {
  std::string control_ep, events_ep;
  std::string circus_extra;  // more lines for [circus]
  std::string worker;        // absolute path of bench_worker
  int workers = 500;
  std::string watcher_extra;  // lines before graceful_timeout
  int graceful_timeout = 5;
};
void WriteIni(const IniSpec& spec);

// fork/exec `daemon g.ini_path`, stdin /dev/null, stdout+stderr to the log.
// Sets g.daemon_pid/pidfd; returns the instant just before the fork.
int64_t LaunchDaemon(const std::string& daemon);

// Waits (bounded; then SIGKILL) for the daemon to exit; records a problem
// unless it exited 0. `after` ends the messages ("after SIGTERM"), `prefix`
// starts them ("round 2: "). Returns seconds from t0 to the exit, NAN if it
// had to be killed. Clears g.daemon_pid/pidfd.
double AwaitDaemonExit(int64_t t0, int64_t deadline, const char* after, const std::string& prefix);

// After the daemon exited: reaps what was reparented to us and waits up to
// 2 s for every pid to be gone. Survivors are recorded as problems and
// SIGKILLed. Returns alive (non-zombie) + zombie counts in *zombies.
int AwaitWorkersGone(const std::set<pid_t>& pids, const std::string& prefix, int* zombies);

// Reads FIFO lines ("<pid> <ns>\n", one atomic write per worker).
struct Spawned {
  pid_t pid = 0;
  int64_t ts = 0;  // the worker's own CLOCK_MONOTONIC at start
};
class LineReader {
 public:
  // Next line, or false once `deadline` passes (a deadline in the past makes
  // it non-blocking). Fails on garbage, on a signal, or if g.check / the
  // daemon says something went away meanwhile.
  bool Next(int64_t deadline, Spawned* out);

 private:
  std::string buf_;
};

// ---------------------------------------------------------------- /proc
char ProcState(pid_t pid);  // 'Z' zombie, 0 gone, else the state letter
// utime + stime in clock ticks from a /proc/.../stat file, or -1.
int64_t StatTicks(const std::string& stat_path);
// Thread ids of pid (/proc/PID/task).
std::set<pid_t> Tasks(pid_t pid);
// Run time, time spent runnable waiting for a CPU, and times scheduled in,
// summed over threads (schedstat).
struct Sched {
  int64_t ns = -1;
  int64_t slices = -1;
  int64_t wait_ns = -1;
};
Sched SchedOf(pid_t pid, const std::set<pid_t>& tids);
Sched SchedOf(pid_t pid);  // all threads
struct DaemonCpu {
  int64_t sched_ns = -1;  // sum of /proc/PID/task/*/schedstat run time
  int64_t ticks = -1;     // utime + stime from /proc/PID/stat
  int64_t ctxsw = -1;     // voluntary + involuntary context switches, all tasks
  int64_t rss_kb = -1;
  int threads = 0;
};
DaemonCpu ReadDaemonCpu(pid_t pid);
double DaemonCpuMs(pid_t pid);     // schedstat, else ticks; -1 if unknown
int CountLiveChildren(pid_t pid);  // non-zombie children, -1 if unknown

// ---------------------------------------------------------------- report
// The machine's busy time not used by this harness and its descendants.
class MachineLoad {
 public:
  void Start();
  // Call once everything started was reaped. Prints "other processes used
  // N% of the machine's C CPUs during the run (loadavg a -> b)".
  void Finish();
  long ncpu = 1;
  double load_start = 0, load_end = 0, other_pct = 0;

 private:
  int64_t busy_start_ = -1, own_start_ = 0, wall_start_ = 0;
};
// "ringmasterd log: N line(s) at loglevel warning, first ones:" and up to 5
// of them; lines starting with skip_prefix (markers) are not counted.
void PrintLogSummary(const char* skip_prefix);
// PROBLEM: lines; true if there were none.
bool PrintProblems();
// ",\"ok\":...,\"problems\":[...]}" closing a BENCH_JSON object.
std::string JsonOkProblemsEnd();

}  // namespace bench

#endif  // RINGMASTER_BENCH_BENCH_UTIL_H_
