// bench_soak: ringmasterd over a long run (see bench/README.md, "bench_soak").
//
//   bench_soak --daemon PATH --ctl PATH --worker PATH [--workers 1000]
//              [--seconds 600] [--warmup 30] [--kills-per-second 3]
//              [--restart-every 60] [--restart-unavailable 50]
//              [--status-every 2] [--http-every 1] [--keep-tmp]
//
// One watcher of --workers bench_worker processes, with the HTTP endpoint on.
// For --seconds: SIGKILL a random live worker at random instants (a Poisson
// process of --kills-per-second), a rolling restart (`restart --graceful`,
// --restart-unavailable at a time) every --restart-every seconds, `ringctl
// status` every --status-every s and `GET /api/status` every --http-every s.
// Kills pause while a restart runs, so each kill's replacement is the next
// worker to start: a kill with no replacement within 10 s is a missed respawn.
// After --warmup seconds (one restart included) the daemon's RssAnon, VmRSS,
// open fds and CPU time are sampled; at the end again. Reports the drift, the
// CPU share of a core over the measured part (with each thread's share and
// the share of the restart windows), respawn latencies and missed respawns.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <dirent.h>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include <httplib.h>

#include "bench_control_rt.h"
#include "bench_util.h"

extern char** environ;

namespace {

using namespace bench;
using nlohmann::json;

constexpr int64_t kRespawnTimeoutNs = 10 * kNsPerSec;

struct Options {
  std::string daemon, ctl, worker;
  int workers = 1000;
  double seconds = 600, warmup = 30, kill_rate = 3, restart_every = 60;
  int restart_unavailable = 50;
  double status_every = 2, http_every = 1;
  bool keep_tmp = false;
};
Options g_opt;
std::string g_control_ep, g_events_ep;
int g_http_port = 0;

int FreePort() {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    Fail("cannot find a free port");
  }
  close(s);
  return ntohs(a.sin_port);
}

int CountFds(pid_t pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

// CPU ticks per daemon thread ("tid comm" -> ticks).
std::map<std::string, int64_t> ThreadTicks(pid_t pid) {
  std::map<std::string, int64_t> out;
  for (pid_t tid : Tasks(pid)) {
    const std::string base = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid);
    std::string comm;
    ReadFile(base + "/comm", &comm);
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    out[std::to_string(tid) + " " + comm] = StatTicks(base + "/stat");
  }
  return out;
}

struct Sample {
  int64_t at = 0, rss_kb = -1, anon_kb = -1, ticks = -1;
  int fds = -1;
  std::map<std::string, int64_t> threads;
};
Sample TakeSample() {
  Sample s;
  s.at = NowNs();
  std::string status;
  ReadFile("/proc/" + std::to_string(g.daemon_pid) + "/status", &status);
  s.rss_kb = StatusField(status, "VmRSS");
  s.anon_kb = StatusField(status, "RssAnon");
  s.ticks = StatTicks("/proc/" + std::to_string(g.daemon_pid) + "/stat");
  s.fds = CountFds(g.daemon_pid);
  s.threads = ThreadTicks(g.daemon_pid);
  return s;
}

// A rolling restart in a thread of its own (it takes seconds with 1,000
// workers), over its own DEALER.
struct Restarter {
  std::atomic<bool> busy{false};
  std::atomic<int> done{0}, failed{0};
  std::atomic<int64_t> cpu_ticks{0}, wall_ns{0};  // spent inside restarts
  std::string last_error;
  std::mutex mu;
  std::thread thread;

  void Start() {
    if (thread.joinable()) thread.join();
    busy = true;
    thread = StartQuietThread([this] {
      const int64_t t0 = NowNs();
      const int64_t c0 = StatTicks("/proc/" + std::to_string(g.daemon_pid) + "/stat");
      zmq::socket_t sock(*g_client_ctx, zmq::socket_type::dealer);
      sock.set(zmq::sockopt::linger, 0);
      sock.connect(g_control_ep);
      json req = {{"id", "roll"},
                  {"command", "restart"},
                  {"properties",
                   {{"name", "bench"}, {"graceful", true}, {"waiting", true},
                    {"max_unavailable", g_opt.restart_unavailable}}}};
      sock.send(zmq::buffer(req.dump()), zmq::send_flags::none);
      zmq::pollitem_t item{sock.handle(), 0, ZMQ_POLLIN, 0};
      std::string error = "no reply within 300 s";
      if (zmq::poll(&item, 1, std::chrono::seconds(300)) > 0) {
        zmq::message_t m;
        if (sock.recv(m)) {
          json r = json::parse(m.to_string(), nullptr, false);
          error = r.value("status", "") == "ok" ? "" : m.to_string();
        }
      }
      cpu_ticks += StatTicks("/proc/" + std::to_string(g.daemon_pid) + "/stat") - c0;
      wall_ns += NowNs() - t0;
      if (error.empty()) {
        ++done;
      } else {
        ++failed;
        std::lock_guard<std::mutex> lock(mu);
        last_error = error;
      }
      busy = false;
    });
  }
  void Join() {
    if (thread.joinable()) thread.join();
  }
};

// GET /api/status every --http-every seconds.
struct HttpReader {
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::atomic<int64_t> bytes{0};
  std::thread thread;
  void Start() {
    thread = StartQuietThread([this] {
      httplib::Client cli("127.0.0.1", g_http_port);
      cli.set_read_timeout(10, 0);
      const int64_t period = static_cast<int64_t>(g_opt.http_every * kNsPerSec);
      for (int64_t next = NowNs(); !stop; next += period) {
        while (!stop && NowNs() < next) usleep(20000);
        auto res = cli.Get("/api/status");
        if (res && res->status == 200) {
          ++ok;
          bytes += static_cast<int64_t>(res->body.size());
        } else {
          ++failed;
        }
      }
    });
  }
  void Stop() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
};

// `ringctl status`; false if it failed or took more than 15 s.
bool RingctlStatus(double* ms) {
  std::vector<std::string> args = {g_opt.ctl, "--endpoint", g_control_ep, "status"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  const int64_t t = NowNs();
  pid_t pid;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return false;
  g.other_pids.insert(pid);
  int status = 0;
  const bool reaped = WaitPidUntil(pid, &status, t + 15 * kNsPerSec) == pid;
  if (!reaped) {
    kill(pid, SIGKILL);
    WaitPidUntil(pid, &status, NowNs() + kNsPerSec);
  }
  g.other_pids.erase(pid);
  *ms = static_cast<double>(NowNs() - t) / kNsPerMs;
  return reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

[[noreturn]] void Usage(const char* problem) {
  if (problem) fprintf(stderr, "bench_soak: %s\n", problem);
  fprintf(stderr,
          "usage: bench_soak --daemon PATH --ctl PATH --worker PATH [--workers 1000]\n"
          "                  [--seconds 600] [--warmup 30] [--kills-per-second 3]\n"
          "                  [--restart-every 60] [--restart-unavailable 50]\n"
          "                  [--status-every 2] [--http-every 1 (0: none)] [--keep-tmp]\n");
  exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  Args args(argc, argv, Usage);
  while (args.Next()) {
    const std::string& f = args.flag();
    if (f == "--daemon") o.daemon = args.Value();
    else if (f == "--ctl") o.ctl = args.Value();
    else if (f == "--worker") o.worker = args.Value();
    else if (f == "--workers") o.workers = static_cast<int>(args.Num(2, 100000));
    else if (f == "--seconds") o.seconds = args.Num(1, 1e7);
    else if (f == "--warmup") o.warmup = args.Num(0, 1e6);
    else if (f == "--kills-per-second") o.kill_rate = args.Num(0, 100);
    else if (f == "--restart-every") o.restart_every = args.Num(1, 1e6);
    else if (f == "--restart-unavailable") o.restart_unavailable = static_cast<int>(args.Num(1, 100000));
    else if (f == "--status-every") o.status_every = args.Num(0.05, 1e6);
    else if (f == "--http-every") o.http_every = args.Num(0, 1e6);
    else if (f == "--keep-tmp") o.keep_tmp = true;
    else if (f == "--help" || f == "-h") Usage(nullptr);
    else Usage(("unknown option " + f).c_str());
  }
  if (o.daemon.empty() || o.ctl.empty() || o.worker.empty()) {
    Usage("--daemon, --ctl and --worker are required");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  g.name = "bench_soak";
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
  g_http_port = FreePort();
  static zmq::context_t client_ctx(1);
  g_client_ctx = &client_ctx;

  IniSpec ini;
  ini.control_ep = g_control_ep;
  ini.events_ep = g_events_ep;
  ini.worker = g_opt.worker;
  ini.workers = g_opt.workers;
  ini.circus_extra = Fmt("httpd = true\nhttpd_host = 127.0.0.1\nhttpd_port = %d\n", g_http_port);
  WriteIni(ini);

  MachineLoad load;
  load.Start();
  printf("bench_soak: %d workers for %.0f s (warm-up %.0f s): %.1f kills/s, a rolling restart "
         "(%d at a time) every %.0f s, ringctl status every %.1f s, GET /api/status every %.1f s; "
         "%ld CPU(s)\n",
         g_opt.workers, g_opt.seconds, g_opt.warmup, g_opt.kill_rate, g_opt.restart_unavailable,
         g_opt.restart_every, g_opt.status_every, g_opt.http_every, load.ncpu);
  fflush(stdout);
  const int64_t launched = LaunchDaemon(g_opt.daemon);
  LineReader reader;
  std::vector<pid_t> live;  // workers seen running and not killed by us
  std::set<pid_t> live_set;
  auto add_live = [&](pid_t pid) {
    g.worker_pids.insert(pid);
    if (live_set.insert(pid).second) live.push_back(pid);
  };
  while (static_cast<int>(live.size()) < g_opt.workers) {
    Spawned s;
    if (!reader.Next(launched + 120 * kNsPerSec, &s)) {
      Fail(Fmt("only %zu of %d workers started in 120 s", live.size(), g_opt.workers));
    }
    add_live(s.pid);
  }
  printf("started %d workers in %.2f s\n", g_opt.workers,
         static_cast<double>(NowNs() - launched) / kNsPerSec);
  fflush(stdout);

  std::mt19937_64 rng(42);
  std::exponential_distribution<double> gap(g_opt.kill_rate > 0 ? g_opt.kill_rate : 1);
  auto next_gap = [&] {
    return g_opt.kill_rate > 0 ? static_cast<int64_t>(gap(rng) * kNsPerSec) : INT64_MAX / 4;
  };
  Restarter restarter;
  HttpReader http;
  if (g_opt.http_every > 0) http.Start();

  const int64_t t0 = NowNs();
  const int64_t warm_end = t0 + static_cast<int64_t>(g_opt.warmup * kNsPerSec);
  const int64_t end = t0 + static_cast<int64_t>(g_opt.seconds * kNsPerSec);
  // The first restart comes early, so the warm-up has seen one.
  int64_t next_restart = t0 + static_cast<int64_t>(std::min(10.0, g_opt.warmup / 3) * kNsPerSec);
  int64_t next_kill = t0 + next_gap();
  int64_t next_status = t0;
  std::deque<int64_t> waiting;  // kill instants not yet replaced
  std::vector<double> respawn_ms, ctl_ms;
  int kills = 0, missed = 0, ctl_failed = 0;
  bool warm = false, restarting = false;
  Sample start{};
  int64_t restart_ticks_at_warm = 0, restart_wall_at_warm = 0;

  while (true) {
    const int64_t now = NowNs();
    if (!warm && now >= warm_end && !restarting && waiting.empty()) {
      start = TakeSample();
      restart_ticks_at_warm = restarter.cpu_ticks;
      restart_wall_at_warm = restarter.wall_ns;
      warm = true;
      printf("after warm-up: RssAnon %lld kB, VmRSS %lld kB, %d fds\n",
             static_cast<long long>(start.anon_kb), static_cast<long long>(start.rss_kb), start.fds);
      fflush(stdout);
    }
    if (now >= end && !restarting && waiting.empty()) break;
    // A restart finished: its spawns were not replacements of kills, and
    // every worker from before it is gone.
    if (restarting && !restarter.busy) {
      restarting = false;
      std::vector<pid_t> still;
      for (pid_t p : live) {
        char st = ProcState(p);
        if (st != 0 && st != 'Z') still.push_back(p);
      }
      live = still;
      live_set = std::set<pid_t>(still.begin(), still.end());
      next_kill = NowNs() + next_gap();
    }
    if (!restarting && waiting.empty() && now >= next_restart && now < end) {
      restarting = true;
      restarter.Start();
      next_restart += static_cast<int64_t>(g_opt.restart_every * kNsPerSec);
    }
    if (!restarting && now >= next_kill && now < end && !live.empty()) {
      const size_t idx = static_cast<size_t>(rng() % live.size());
      const pid_t victim = live[idx];
      live[idx] = live.back();
      live.pop_back();
      live_set.erase(victim);
      const char st = ProcState(victim);
      if (st != 0 && st != 'Z' && kill(victim, SIGKILL) == 0) {
        waiting.push_back(NowNs());
        ++kills;
      }
      next_kill += next_gap();
      if (next_kill < NowNs()) next_kill = NowNs();
    }
    if (now >= next_status && now < end) {
      double ms = 0;
      if (RingctlStatus(&ms)) {
        ctl_ms.push_back(ms);
      } else {
        ++ctl_failed;
      }
      next_status += static_cast<int64_t>(g_opt.status_every * kNsPerSec);
    }
    // Read spawns until the next thing to do (at most 50 ms ahead, so a
    // finished restart is noticed).
    int64_t until = std::min({next_kill, next_status, next_restart, now + 50 * kNsPerMs});
    if (!waiting.empty()) until = std::min(until, waiting.front() + kRespawnTimeoutNs);
    Spawned s;
    while (reader.Next(until, &s)) {
      add_live(s.pid);
      if (!restarting && !waiting.empty()) {
        respawn_ms.push_back(static_cast<double>(s.ts - waiting.front()) / kNsPerMs);
        waiting.pop_front();
      }
      until = NowNs();  // drain what is there, then go on
    }
    while (!waiting.empty() && NowNs() > waiting.front() + kRespawnTimeoutNs) {
      ++missed;
      waiting.pop_front();
    }
  }
  restarter.Join();
  Sample fin = TakeSample();
  http.Stop();
  const int live_children = CountLiveChildren(g.daemon_pid);

  const int64_t t = NowNs();
  kill(g.daemon_pid, SIGTERM);
  AwaitDaemonExit(t, t + 60 * kNsPerSec, "after SIGTERM", "");
  AwaitWorkersGone(g.worker_pids, "", nullptr);
  load.Finish();

  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double measured_s = static_cast<double>(fin.at - start.at) / kNsPerSec;
  const double cpu_pct = 100.0 * static_cast<double>(fin.ticks - start.ticks) / hz / measured_s;
  const double restart_s =
      static_cast<double>(restarter.cpu_ticks - restart_ticks_at_warm) / hz;
  const double restart_wall = static_cast<double>(restarter.wall_ns - restart_wall_at_warm) / kNsPerSec;
  const double total_cpu_s = static_cast<double>(fin.ticks - start.ticks) / hz;
  const double rest_pct = 100.0 * (total_cpu_s - restart_s) / std::max(1e-9, measured_s - restart_wall);

  printf("\nmeasured part: %.0f s (after a %.0f s warm-up)\n", measured_s, g_opt.warmup);
  printf("  RssAnon         : %lld -> %lld kB (drift %+lld kB)\n",
         static_cast<long long>(start.anon_kb), static_cast<long long>(fin.anon_kb),
         static_cast<long long>(fin.anon_kb - start.anon_kb));
  printf("  VmRSS           : %lld -> %lld kB (drift %+lld kB)\n",
         static_cast<long long>(start.rss_kb), static_cast<long long>(fin.rss_kb),
         static_cast<long long>(fin.rss_kb - start.rss_kb));
  printf("  open fds        : %d -> %d (drift %+d)\n", start.fds, fin.fds, fin.fds - start.fds);
  printf("  daemon CPU      : %.2f %% of a core (%.1f s); restarts %.1f s of CPU in %.1f s, "
         "the rest %.2f %%\n",
         cpu_pct, total_cpu_s, restart_s, restart_wall, rest_pct);
  for (const auto& [thread, ticks] : fin.threads) {
    auto it = start.threads.find(thread);
    const int64_t before = it == start.threads.end() ? 0 : it->second;
    printf("    thread %-24s %.2f %%\n", thread.c_str(),
           100.0 * static_cast<double>(ticks - before) / hz / measured_s);
  }
  printf("  kills           : %d, missed respawns %d; respawn p50 %.2f p99 %.2f max %.2f ms\n",
         kills, missed, Percentile(respawn_ms, 50), Percentile(respawn_ms, 99),
         Percentile(respawn_ms, 100));
  printf("  rolling restarts: %d done, %d failed\n", restarter.done.load(), restarter.failed.load());
  printf("  ringctl status  : %zu ok, %d failed; p50 %.1f max %.1f ms\n", ctl_ms.size(), ctl_failed,
         Percentile(ctl_ms, 50), Percentile(ctl_ms, 100));
  printf("  GET /api/status : %d ok, %d failed, %.0f kB each\n", http.ok.load(), http.failed.load(),
         http.ok ? static_cast<double>(http.bytes) / http.ok / 1024 : 0.0);
  printf("  live workers at the end: %d of %d\n", live_children, g_opt.workers);

  if (missed > 0) g.problems.push_back(Fmt("%d missed respawns", missed));
  if (restarter.failed > 0) g.problems.push_back("a rolling restart failed: " + restarter.last_error);
  if (ctl_failed > 0) g.problems.push_back(Fmt("%d ringctl status failed", ctl_failed));
  if (http.failed > 0) g.problems.push_back(Fmt("%d GET /api/status failed", http.failed.load()));
  if (live_children != g_opt.workers) {
    g.problems.push_back(Fmt("%d live workers at the end, not %d", live_children, g_opt.workers));
  }
  // Targets (README, Reliability): reported, not failures of the run.
  printf("  targets: RssAnon drift <= 1024 kB %s, fd drift 0 %s, no missed respawn %s, "
         "CPU <= 5 %% %s\n",
         fin.anon_kb - start.anon_kb <= 1024 ? "met" : "MISSED",
         fin.fds == start.fds ? "met" : "MISSED", missed == 0 ? "met" : "MISSED",
         cpu_pct <= 5 ? "met" : "MISSED");
  const bool ok = PrintProblems();
  std::string js = Fmt(
      "{\"bench\":\"soak\",\"workers\":%d,\"seconds\":%s,\"rss_anon_kb_start\":%lld,"
      "\"rss_anon_kb_end\":%lld,\"rss_kb_start\":%lld,\"rss_kb_end\":%lld,\"fds_start\":%d,"
      "\"fds_end\":%d,\"cpu_percent\":%s,\"cpu_percent_outside_restarts\":%s,\"kills\":%d,"
      "\"missed_respawns\":%d,\"respawn_p50_ms\":%s,\"respawn_p99_ms\":%s,\"restarts\":%d",
      g_opt.workers, JsonNum(measured_s, 1).c_str(), static_cast<long long>(start.anon_kb),
      static_cast<long long>(fin.anon_kb), static_cast<long long>(start.rss_kb),
      static_cast<long long>(fin.rss_kb), start.fds, fin.fds, JsonNum(cpu_pct, 2).c_str(),
      JsonNum(rest_pct, 2).c_str(), kills, missed, JsonNum(Percentile(respawn_ms, 50), 3).c_str(),
      JsonNum(Percentile(respawn_ms, 99), 3).c_str(), restarter.done.load());
  js += JsonOkProblemsEnd();
  printf("BENCH_JSON %s\n", js.c_str());
  KillEverything();
  RemoveTmp();
  return ok ? 0 : 1;
}
