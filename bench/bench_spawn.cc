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
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "bench_util.h"

namespace {

using namespace bench;

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

struct StartResult {
  double all_running_s = 0;  // launch -> last worker's timestamp
  double first_s = 0;        // launch -> first worker's timestamp
  std::vector<pid_t> pids;
  double cpu_ms = -1;  // CPU spent by the spawner: harness (baseline) or ringmasterd
};

// bench::g holds what every harness starts: g.worker_pids are the daemon's
// workers seen this round, g.other_pids the baseline workers not yet reaped.
Options g_opt;
std::string g_control_sock, g_events_sock;
bool g_baseline_mode = true;  // which kind of unexpected exit to watch for

void SetBaselineMode(bool on) {
  g_baseline_mode = on;
  g.log_tail_on_fail = !on;
}

// Fails if a process that must stay up went away: any baseline worker we did
// not kill ourselves, or the daemon.
void CheckChildren() {
  int status;
  if (g_baseline_mode) {
    pid_t r = waitpid(-1, &status, WNOHANG);
    if (r > 0) {
      Fail(Fmt("baseline worker %d exited unexpectedly (%s)", r, DescribeStatus(status).c_str()));
    }
  } else {
    CheckDaemon();
  }
}

LineReader g_reader;

// ---------------------------------------------------------------------------
// Baseline: the harness fork/execs the worker itself.

std::vector<char*> g_worker_argv;

pid_t ForkExecWorker() { return ForkExec(g_worker_argv); }

StartResult CollectStart(int n, int64_t t0, const char* who) {
  StartResult res;
  int64_t deadline = t0 + static_cast<int64_t>(g_opt.timeout_s * kNsPerSec);
  int64_t first = INT64_MAX, last = INT64_MIN;
  while (static_cast<int>(res.pids.size()) < n) {
    Spawned s;
    if (!g_reader.Next(deadline, &s)) {
      Fail(Fmt("%s: only %zu of %d workers running after %.0f s", who, res.pids.size(), n,
               g_opt.timeout_s));
    }
    if (g_baseline_mode && !g.other_pids.count(s.pid)) {
      Fail(Fmt("baseline: line from unknown pid %d", s.pid));
    }
    if (!g_baseline_mode) {
      if (g.worker_pids.count(s.pid)) Fail(Fmt("%s: pid %d reported twice", who, s.pid));
      g.worker_pids.insert(s.pid);
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
  SetBaselineMode(true);
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
    g.other_pids.erase(victim);
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
  for (pid_t p : g.other_pids) kill(p, SIGTERM);
  int64_t deadline = t + kStopTimeoutNs;
  while (!g.other_pids.empty()) {
    int status;
    pid_t r = WaitPidUntil(-1, &status, deadline);
    if (r == 0) Fail(Fmt("baseline: %zu workers left after SIGTERM", g.other_pids.size()));
    if (!g.other_pids.erase(r)) continue;
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
  IniSpec ini;
  ini.control_ep = "ipc://" + g_control_sock;
  ini.events_ep = "ipc://" + g_events_sock;
  ini.worker = g_opt.worker;
  ini.workers = g_opt.workers;
  ini.watcher_extra = "backoff_reset = 0\n";
  ini.graceful_timeout = static_cast<int>(kGracefulTimeout);
  bench::WriteIni(ini);
}

// Launches ringmasterd; returns the launch instant.
int64_t DaemonLaunch(int round) {
  SetBaselineMode(false);
  for (const std::string& sock : {g_control_sock, g_events_sock}) {
    if (unlink(sock.c_str()) == 0) {
      g.problems.push_back(
          Fmt("round %d: %s was left behind by the previous ringmasterd", round, sock.c_str()));
    }
  }
  std::string marker = Fmt("---- bench_spawn round %d ----\n", round);
  if (write(g.log_fd, marker.data(), marker.size()) < 0) Fail("write log");
  return LaunchDaemon(g_opt.daemon);
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
    g.worker_pids.insert(s.pid);
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
    g.worker_pids.insert(s.pid);
  }
}

IdleResult DaemonIdle() {
  IdleResult res;
  DrainUntil(NowNs() + 500 * kNsPerMs, &res.extra_spawns);  // settle
  DaemonCpu a = ReadDaemonCpu(g.daemon_pid);
  int64_t t0 = NowNs();
  DrainUntil(t0 + static_cast<int64_t>(g_opt.idle_s * kNsPerSec), &res.extra_spawns);
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

struct StopResult {
  double seconds = NAN;
  int survivors = 0;
};

// SIGTERM the daemon, wait (bounded, then SIGKILL), verify no worker survives.
StopResult DaemonStop(int round) {
  StopResult res;
  int64_t t = NowNs();
  kill(g.daemon_pid, SIGTERM);
  std::string prefix = Fmt("round %d: ", round);
  res.seconds = AwaitDaemonExit(t, t + kStopTimeoutNs, "after SIGTERM", prefix);
  res.survivors = AwaitWorkersGone(g.worker_pids, prefix, nullptr);
  g.worker_pids.clear();
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
  Args args(argc, argv, Usage);
  while (args.Next()) {
    const std::string& a = args.flag();
    if (a == "--daemon") {
      o.daemon = args.Value();
    } else if (a == "--worker") {
      o.worker = args.Value();
    } else if (a == "--workers") {
      o.workers = static_cast<int>(args.Num(1, 10000));
    } else if (a == "--kills") {
      o.kills = static_cast<int>(args.Num(0, 100000));
    } else if (a == "--rounds") {
      o.rounds = static_cast<int>(args.Num(1, 100));
    } else if (a == "--idle") {
      o.idle_s = args.Num(0.1, 600);
    } else if (a == "--timeout") {
      o.timeout_s = args.Num(1, 3600);
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

}  // namespace

int main(int argc, char** argv) {
  g.name = "bench_spawn";
  g_opt = ParseArgs(argc, argv);
  Options& opt = g_opt;
  g.keep_tmp = opt.keep_tmp;
  g.check = CheckChildren;
  SetBaselineMode(true);
  opt.worker = AbsExecutable(opt.worker, "worker");
  if (!opt.baseline_only) opt.daemon = AbsExecutable(opt.daemon, "daemon");
  InstallHandlers();

  MakeTmpDir();
  g_control_sock = g.tmpdir + "/control.sock";
  g_events_sock = g.tmpdir + "/events.sock";
  g_worker_argv = {const_cast<char*>(opt.worker.c_str()), const_cast<char*>(g.fifo_path.c_str()),
                   nullptr};
  if (!opt.baseline_only) {
    WriteIni();
    OpenLog();
  }

  const int n = opt.workers;
  MachineLoad load;
  load.Start();
  const long ncpu = load.ncpu;
  printf("bench_spawn: %d workers, %d kills, %d startup round(s), %ld CPU(s)\n", n, opt.kills,
         opt.rounds, ncpu);
  if (!opt.baseline_only) {
    printf(
        "  ringmasterd watcher: numprocesses = %d, backoff_reset = 0 (every kill -9 is "
        "respawned at once, no backoff), graceful_timeout = %g\n",
        n, kGracefulTimeout);
  }
  fflush(stdout);

  // Warm the page cache / loader for the worker so round 1 is not penalised.
  {
    SetBaselineMode(true);
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
    SetBaselineMode(true);
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
    PrintLogSummary("---- bench_spawn");
  }
  load.Finish();
  if (load.other_pct >= 10) {
    printf(
        "NOTE: the machine was busy. A wakeup then often waits for the next scheduler tick "
        "(4 ms at\n      HZ=250), which inflates latencies, ringmasterd's (more wakeups per "
        "respawn) more than\n      the baseline's. Prefer figures from an idle machine.\n");
  }
  bool ok = PrintProblems();

  std::string j =
      "{\"bench\":\"spawn\",\"workers\":" + std::to_string(n) +
      ",\"kills\":" + std::to_string(opt.kills) + ",\"rounds\":" + std::to_string(opt.rounds) +
      ",\"cpus\":" + std::to_string(ncpu) + ",\"loadavg_start\":" + JsonNum(load.load_start, 2) +
      ",\"loadavg_end\":" + JsonNum(load.load_end, 2) +
      ",\"other_load_pct\":" + JsonNum(load.other_pct, 1) +
      ",\"backoff_reset\":0,\"baseline_only\":" + (opt.baseline_only ? "true" : "false");
  j += ",\"start\":{\"baseline_s\":" + JsonArr(base_start, 6) +
       ",\"baseline_median_s\":" + JsonNum(bs, 6) +
       ",\"baseline_cpu_ms\":" + JsonArr(base_start_cpu, 1);
  if (!opt.baseline_only) {
    j += ",\"ringmasterd_s\":" + JsonArr(d_start, 6) +
         ",\"ringmasterd_median_s\":" + JsonNum(ds, 6) +
         ",\"ringmasterd_first_s\":" + JsonArr(d_first, 6) +
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
  j += "},\"stop\":{\"baseline_median_s\":" + JsonNum(bst, 6);
  if (!opt.baseline_only) {
    j += ",\"ringmasterd_median_s\":" + JsonNum(dst, 6) + ",\"ratio\":" + JsonNum(dst / bst, 3) +
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
  j += JsonOkProblemsEnd();
  printf("BENCH_JSON %s\n", j.c_str());
  fflush(stdout);

  KillEverything();
  RemoveTmp();
  return ok ? 0 : 1;
}
