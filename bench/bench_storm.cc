// bench_storm: supervision under pressure (see bench/README.md, "bench_storm").
//
//   bench_storm --daemon PATH --ctl PATH --worker PATH [--workers 100,1000]
//               [--kills 100] [--interval-ms 50] [--respawns 30]
//               [--flood-clients 4] [--timeout 60] [--keep-tmp]
//
// For each worker count N, in one run:
//   storm:   one SIGKILL every --interval-ms over distinct slots (--kills in
//            all), each kill -> its replacement's FIFO timestamp. Measured for
//            a minimal fork/exec loop (the harness itself) and for ringmasterd
//            with its default restart policy (burst 3 in 10 s, then backoff).
//   respawn: isolated kill -9 -> replacement, idle and while --flood-clients
//            ZeroMQ clients loop list/status/stats/dstats; the flood's own
//            reply rate.
//   memory:  ringmasterd's VmRSS and RssAnon (private memory) after start and
//            after the flood.
//   ringctl: wall time of `ringctl status` (median of 10).
// Workers write "<pid> <CLOCK_MONOTONIC ns>" to a FIFO as their first act
// (bench_worker), so nothing is polled.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "bench_control_rt.h"
#include "bench_util.h"

extern char** environ;

namespace {

using namespace bench;
using nlohmann::json;

constexpr int64_t kRespawnTimeoutNs = 10 * kNsPerSec;
constexpr int kGracefulTimeout = 5;

struct Options {
  std::string daemon, ctl, worker;
  std::vector<int> workers = {100, 1000};
  int kills = 100;
  int interval_ms = 50;
  int respawns = 30;
  int flood_clients = 4;
  double timeout_s = 60;
  bool keep_tmp = false;
};

Options g_opt;
LineReader g_reader;
std::string g_control_ep, g_events_ep;
std::vector<char*> g_worker_argv;

pid_t ForkExecWorker() { return ForkExec(g_worker_argv); }

std::vector<pid_t> CollectN(int n, bool daemon) {
  std::vector<pid_t> pids;
  const int64_t deadline = NowNs() + static_cast<int64_t>(g_opt.timeout_s * kNsPerSec);
  while (static_cast<int>(pids.size()) < n) {
    Spawned s;
    if (!g_reader.Next(deadline, &s)) Fail(Fmt("only %zu of %d workers running", pids.size(), n));
    if (daemon) g.worker_pids.insert(s.pid);
    pids.push_back(s.pid);
  }
  return pids;
}

void SleepUntil(int64_t t) {
  while (NowNs() < t) {
    const int64_t left = t - NowNs();
    timespec ts{static_cast<time_t>(left / kNsPerSec), static_cast<long>(left % kNsPerSec)};
    nanosleep(&ts, nullptr);
    CheckInterrupted();
  }
}

// ---------------------------------------------------------------- baseline
std::vector<double> BaselineStorm(int n) {
  std::vector<pid_t> live;
  for (int i = 0; i < n; ++i) ForkExecWorker();
  live = CollectN(n, false);
  std::vector<double> lat;
  const int64_t t0 = NowNs();
  for (int k = 0; k < g_opt.kills; ++k) {
    SleepUntil(t0 + static_cast<int64_t>(k) * g_opt.interval_ms * kNsPerMs);
    const size_t idx = static_cast<size_t>(k % n);
    const int64_t t = NowNs();
    kill(live[idx], SIGKILL);
    int status;
    if (WaitPidUntil(live[idx], &status, t + kRespawnTimeoutNs) != live[idx]) {
      Fail("baseline: a killed worker was not reaped");
    }
    g.other_pids.erase(live[idx]);
    const pid_t fresh = ForkExecWorker();
    Spawned s;
    if (!g_reader.Next(t + kRespawnTimeoutNs, &s) || s.pid != fresh) Fail("baseline: no replacement");
    lat.push_back(static_cast<double>(s.ts - t) / kNsPerMs);
    live[idx] = fresh;
  }
  for (pid_t p : live) kill(p, SIGKILL);
  for (pid_t p : live) {
    int status;
    WaitPidUntil(p, &status, NowNs() + kRespawnTimeoutNs);
    g.other_pids.erase(p);
  }
  return lat;
}

// ---------------------------------------------------------------- ringmasterd
// Kills live[(first + k) % n] every interval; the k-th FIFO line after the
// k-th kill is its replacement (lines arrive in kill order when respawns are
// quicker than the interval; when not, the latency is still the time from a
// kill to the next spawn, i.e. the capacity hole).
std::vector<double> DaemonStorm(std::vector<pid_t>& live, int first, int kills, int interval_ms) {
  const size_t n = live.size();
  std::vector<double> lat;
  std::deque<std::pair<int64_t, size_t>> waiting;  // kill time, slot index
  auto take = [&](const Spawned& s) {
    if (waiting.empty()) Fail(Fmt("ringmasterd: unexpected spawn of %d", s.pid));
    lat.push_back(static_cast<double>(s.ts - waiting.front().first) / kNsPerMs);
    live[waiting.front().second] = s.pid;
    g.worker_pids.insert(s.pid);
    waiting.pop_front();
  };
  const int64_t t0 = NowNs();
  for (int k = 0; k < kills; ++k) {
    const int64_t at = t0 + static_cast<int64_t>(k) * interval_ms * kNsPerMs;
    Spawned s;
    while (g_reader.Next(at, &s)) take(s);
    const size_t idx = static_cast<size_t>(first + k) % n;
    waiting.emplace_back(NowNs(), idx);
    kill(live[idx], SIGKILL);
    if (interval_ms == 0) {  // isolated: wait for this one
      if (!g_reader.Next(NowNs() + kRespawnTimeoutNs, &s)) Fail("ringmasterd: no replacement in 10 s");
      take(s);
      usleep(5000);  // let the daemon finish the reap before the next kill
    }
  }
  while (!waiting.empty()) {
    Spawned s;
    if (!g_reader.Next(waiting.front().first + kRespawnTimeoutNs, &s)) {
      Fail(Fmt("ringmasterd: %zu killed workers not replaced within 10 s", waiting.size()));
    }
    take(s);
  }
  return lat;
}

struct Memory {
  int64_t rss_kb = -1, anon_kb = -1;
};
Memory DaemonMemory() {
  std::string status;
  ReadFile("/proc/" + std::to_string(g.daemon_pid) + "/status", &status);
  return {StatusField(status, "VmRSS"), StatusField(status, "RssAnon")};
}

double RingctlStatusMs() {
  std::vector<std::string> args = {g_opt.ctl, "--endpoint", g_control_ep, "status"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<double> ms;
  for (int i = 0; i < 11; ++i) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    const int64_t t = NowNs();
    pid_t pid;
    if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) Fail("posix_spawn ringctl");
    posix_spawn_file_actions_destroy(&fa);
    g.other_pids.insert(pid);
    int status;
    if (WaitPidUntil(pid, &status, t + 15 * kNsPerSec) != pid) Fail("ringctl status hung");
    g.other_pids.erase(pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Fail("ringctl status failed");
    if (i > 0) ms.push_back(static_cast<double>(NowNs() - t) / kNsPerMs);  // first: warm-up
  }
  return Median(ms);
}

// Clients looping list/status/stats/dstats until `stop`; counts replies.
struct Flood {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> replies{0};
  std::vector<std::thread> threads;
  int64_t t0 = 0, t1 = 0;
  void Start(int clients) {
    t0 = NowNs();
    for (int c = 0; c < clients; ++c) {
      threads.push_back(StartQuietThread([this, c] {
        zmq::socket_t sock = Connect(g_control_ep);
        zmq::message_t reply;
        static const char* kCmds[] = {"list", "status", "stats", "dstats"};
        for (int k = 0; !stop.load(); ++k) {
          const char* cmd = kCmds[(k + c) % 4];
          json props = std::string(cmd) == "dstats" || std::string(cmd) == "status"
                           ? json::object()
                           : json{{"name", "bench"}};
          RoundTrip(sock, RequestBody("fl", k, cmd, props), &reply, cmd);
          replies.fetch_add(1);
        }
      }));
    }
  }
  double Stop() {
    stop = true;
    for (auto& t : threads) t.join();
    t1 = NowNs();
    return static_cast<double>(replies.load()) / (static_cast<double>(t1 - t0) / kNsPerSec);
  }
};

struct Row {
  int n = 0;
  std::vector<double> base_storm, storm, idle, flood;
  double flood_rps = 0, ctl_ms = 0;
  Memory mem_start, mem_flood, mem_after;
};

Row RunN(int n) {
  Row row;
  row.n = n;
  row.base_storm = BaselineStorm(n);

  IniSpec ini;
  ini.control_ep = g_control_ep;
  ini.events_ep = g_events_ep;
  ini.worker = g_opt.worker;
  ini.workers = n;
  ini.graceful_timeout = kGracefulTimeout;
  WriteIni(ini);  // the default restart policy: nothing about backoff
  LaunchDaemon(g_opt.daemon);
  std::vector<pid_t> live = CollectN(n, true);
  zmq::socket_t sock = Connect(g_control_ep);
  zmq::message_t reply;
  const int64_t ready_by = NowNs() + static_cast<int64_t>(g_opt.timeout_s * kNsPerSec);
  for (int k = 0;; ++k) {
    RoundTrip(sock, RequestBody("ready", k, "status", {{"name", "bench"}}), &reply, "status");
    if (ParseReply(reply, "status").value("status", "") == "active") break;
    if (NowNs() > ready_by) Fail("watcher 'bench' not active");
    usleep(20000);  // setup only
  }
  row.mem_start = DaemonMemory();
  row.ctl_ms = RingctlStatusMs();
  // Slots: the storm hits slots [0, kills), the isolated respawns the next
  // ones, so no slot crashes more than twice within the 10 s window: the
  // storm measures the burst allowance, not the backoff that follows it.
  row.storm = DaemonStorm(live, 0, g_opt.kills, g_opt.interval_ms);
  row.idle = DaemonStorm(live, g_opt.kills, g_opt.respawns, 0);
  Flood flood;
  flood.Start(g_opt.flood_clients);
  usleep(300000);  // let the flood reach its pace before measuring under it
  row.flood = DaemonStorm(live, g_opt.kills + g_opt.respawns, g_opt.respawns, 0);
  row.flood_rps = flood.Stop();
  row.mem_flood = DaemonMemory();
  usleep(5 * 1000000);  // memory 5 s after the load
  row.mem_after = DaemonMemory();

  const int64_t t = NowNs();
  kill(g.daemon_pid, SIGTERM);
  AwaitDaemonExit(t, t + (kGracefulTimeout + 15) * kNsPerSec, "after SIGTERM", Fmt("N=%d: ", n));
  AwaitWorkersGone(g.worker_pids, Fmt("N=%d: ", n), nullptr);
  g.worker_pids.clear();
  return row;
}

[[noreturn]] void Usage(const char* problem) {
  if (problem) fprintf(stderr, "bench_storm: %s\n", problem);
  fprintf(stderr,
          "usage: bench_storm --daemon PATH --ctl PATH --worker PATH [--workers 100,1000]\n"
          "                   [--kills 100] [--interval-ms 50] [--respawns 30]\n"
          "                   [--flood-clients 4] [--timeout 60] [--keep-tmp]\n");
  exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--daemon") o.daemon = value();
    else if (a == "--ctl") o.ctl = value();
    else if (a == "--worker") o.worker = value();
    else if (a == "--workers") {
      o.workers.clear();
      std::stringstream in(value());
      for (std::string part; std::getline(in, part, ',');) o.workers.push_back(std::atoi(part.c_str()));
    } else if (a == "--kills") o.kills = std::atoi(value().c_str());
    else if (a == "--interval-ms") o.interval_ms = std::atoi(value().c_str());
    else if (a == "--respawns") o.respawns = std::atoi(value().c_str());
    else if (a == "--flood-clients") o.flood_clients = std::atoi(value().c_str());
    else if (a == "--timeout") o.timeout_s = std::atof(value().c_str());
    else if (a == "--keep-tmp") o.keep_tmp = true;
    else if (a == "--help" || a == "-h") Usage(nullptr);
    else Usage(("unknown option " + a).c_str());
  }
  if (o.daemon.empty() || o.ctl.empty() || o.worker.empty()) Usage("--daemon, --ctl and --worker are required");
  for (int n : o.workers) {
    if (n < 2 || n < o.kills / 3) Usage("each --workers value must be >= 2 and >= kills/3");
  }
  return o;
}

std::string Lat(const std::vector<double>& v) {
  return Fmt("p50 %7.2f  p90 %7.2f  p99 %7.2f  max %7.2f ms", Percentile(v, 50), Percentile(v, 90),
             Percentile(v, 99), Percentile(v, 100));
}

}  // namespace

int main(int argc, char** argv) {
  g.name = "bench_storm";
  g_opt = ParseArgs(argc, argv);
  g.keep_tmp = g_opt.keep_tmp;
  g_opt.worker = AbsExecutable(g_opt.worker, "worker");
  g_opt.daemon = AbsExecutable(g_opt.daemon, "daemon");
  g_opt.ctl = AbsExecutable(g_opt.ctl, "ctl");
  InstallHandlers();
  MakeTmpDir();
  OpenLog();
  g_control_ep = "ipc://" + g.tmpdir + "/control.sock";
  g_events_ep = "ipc://" + g.tmpdir + "/events.sock";
  static std::string fifo = g.fifo_path;
  g_worker_argv = {g_opt.worker.data(), fifo.data(), nullptr};
  static zmq::context_t client_ctx(1);
  g_client_ctx = &client_ctx;

  MachineLoad load;
  load.Start();
  printf("bench_storm: %d kills every %d ms over distinct slots; %d isolated respawns idle and "
         "under %d ZeroMQ clients (list/status/stats/dstats); %ld CPU(s)\n",
         g_opt.kills, g_opt.interval_ms, g_opt.respawns, g_opt.flood_clients, load.ncpu);
  fflush(stdout);
  std::vector<Row> rows;
  for (int n : g_opt.workers) rows.push_back(RunN(n));

  std::string js = "{\"bench\":\"storm\"";
  for (const Row& r : rows) {
    const double storm_ratio = Percentile(r.storm, 99) / Percentile(r.base_storm, 99);
    const double flood_ratio = Percentile(r.flood, 90) / Percentile(r.idle, 90);
    printf("\nN = %d workers\n", r.n);
    printf("  storm    fork/exec loop : %s\n", Lat(r.base_storm).c_str());
    printf("  storm    ringmasterd    : %s   p99 ratio %.2fx\n", Lat(r.storm).c_str(), storm_ratio);
    printf("  respawn  idle           : %s\n", Lat(r.idle).c_str());
    printf("  respawn  under flood    : %s   p90 ratio %.2fx\n", Lat(r.flood).c_str(), flood_ratio);
    printf("  flood replies           : %.0f /s\n", r.flood_rps);
    printf("  ringctl status          : %.2f ms (median of 10)\n", r.ctl_ms);
    printf("  memory (RSS / RssAnon)  : start %lld / %lld kB, after flood %lld / %lld kB, "
           "5 s later %lld / %lld kB\n",
           static_cast<long long>(r.mem_start.rss_kb), static_cast<long long>(r.mem_start.anon_kb),
           static_cast<long long>(r.mem_flood.rss_kb), static_cast<long long>(r.mem_flood.anon_kb),
           static_cast<long long>(r.mem_after.rss_kb), static_cast<long long>(r.mem_after.anon_kb));
    js += Fmt(",\"n%d\":{\"base_storm_p50\":%s,\"base_storm_p99\":%s,\"storm_p50\":%s,"
              "\"storm_p99\":%s,\"idle_p90\":%s,\"flood_p90\":%s,\"flood_rps\":%s,"
              "\"ringctl_status_ms\":%s,\"rss_kb\":%lld,\"rss_anon_kb\":%lld,"
              "\"rss_anon_after_flood_kb\":%lld,\"rss_anon_5s_after_kb\":%lld}",
              r.n, JsonNum(Percentile(r.base_storm, 50), 3).c_str(),
              JsonNum(Percentile(r.base_storm, 99), 3).c_str(), JsonNum(Percentile(r.storm, 50), 3).c_str(),
              JsonNum(Percentile(r.storm, 99), 3).c_str(), JsonNum(Percentile(r.idle, 90), 3).c_str(),
              JsonNum(Percentile(r.flood, 90), 3).c_str(), JsonNum(r.flood_rps, 0).c_str(),
              JsonNum(r.ctl_ms, 2).c_str(), static_cast<long long>(r.mem_start.rss_kb),
              static_cast<long long>(r.mem_start.anon_kb), static_cast<long long>(r.mem_flood.anon_kb),
              static_cast<long long>(r.mem_after.anon_kb));
  }
  printf("\n");
  load.Finish();
  const bool ok = PrintProblems();
  js += JsonOkProblemsEnd();
  printf("BENCH_JSON %s\n", js.c_str());
  KillEverything();
  RemoveTmp();
  return ok ? 0 : 1;
}
