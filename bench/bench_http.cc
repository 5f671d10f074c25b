// bench_http: ringmasterd's HTTP endpoint (web/) under load with one watcher
// of N processes, against a baseline measured in the same run, and respawn
// latency while the API is under load against the idle figure of the same
// run (see bench/README.md).
//
//   bench_http --daemon PATH --worker PATH [--workers 500] [--clients 4]
//              [--seconds 4] [--compressed-seconds 2] [--kills 30] [--idle 2]
//              [--timeout 60] [--keep-tmp]
//
// ringmasterd runs with httpd on a free loopback port and a token. The
// baseline is a trivial httplib::Server in a thread of this harness (same
// library, same keep-alive settings) answering a fixed body: a small one (the
// cost of httplib + loopback TCP alone; a second server sets TCP_NODELAY) and
// a copy of a /api/status reply (the same bytes, without building them).
// Closed-loop load: --clients threads, each with its own keep-alive
// httplib::Client, one request at a time; ringmasterd's and the baselines'
// series alternate in blocks.
//
// Respawn: kill -9 of one worker -> the replacement's own CLOCK_MONOTONIC
// timestamp on the FIFO (as bench_spawn), --kills times before any HTTP
// client, --kills times with --clients spinning threads (control: CPU
// pressure without HTTP) and --kills times while the clients hammer
// /api/status. ringmasterd's CPU (utime+stime from /proc/PID/stat; its loop
// thread's run and runqueue wait from schedstat) is taken over every phase.
// On any failure everything started is killed, the daemon log tail is
// printed and the exit status is 1.
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "bench_http_load.h"
#include "bench_util.h"

namespace {

using namespace bench;
using nlohmann::json;

constexpr int kGracefulTimeout = 5;  // written to the ini
constexpr int64_t kRespawnTimeoutNs = 10 * kNsPerSec;
constexpr int64_t kStopTimeoutNs = (kGracefulTimeout + 15) * kNsPerSec;
// What a browser (the status page) sends; httplib then answers with brotli.
constexpr char kBrowserEncoding[] = "gzip, deflate, br";

struct Options {
  std::string daemon, worker;
  int workers = 500;
  int clients = 4;
  double seconds = 4;
  double compressed_seconds = 2;
  int kills = 30;
  double idle_s = 2;
  double timeout_s = 60;
  bool keep_tmp = false;
};

Options g_opt;
int g_port = 0;  // ringmasterd's httpd
std::string g_token;
LineReader g_reader;
std::vector<pid_t> g_live;          // the workers, by slot
std::vector<pid_t> g_killed;        // kill -9'd workers (ringmasterd must reap them)
int g_extra_spawns = 0;             // FIFO lines nobody asked for
zmq::socket_t* g_events = nullptr;  // SUB to ringmasterd's reap and spawn events

httplib::Headers Auth(const char* accept_encoding = nullptr) {
  httplib::Headers h = {{"Authorization", "Bearer " + g_token}};
  if (accept_encoding) h.emplace("Accept-Encoding", accept_encoding);
  return h;
}

// Any FIFO line while nothing was killed is a spawn nobody asked for.
void DrainUntil(int64_t until) {
  Spawned s;
  while (g_reader.Next(until, &s)) {
    ++g_extra_spawns;
    g.worker_pids.insert(s.pid);
  }
}
void Sleep(double seconds) { DrainUntil(NowNs() + static_cast<int64_t>(seconds * kNsPerSec)); }

// ---------------------------------------------------------------------------
// Respawns and daemon checks.

// A respawn phase: kill -9 -> replacement running, and its parts from the
// daemon's events: kill -> "reap" (its time: the loop reaped the victim),
// reap -> "spawn" (its time: fork() returned in the daemon), fork -> the
// worker's own timestamp (the child's exec and loader). All in ms.
struct Respawn {
  std::vector<double> total, to_reap, to_fork, to_run;
};

double RealNow() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The "time" of the `event` for `pid` (wall clock, s), or NAN if it does not
// come within 2 s. Other events are skipped.
double EventTime(const char* event, pid_t pid) {
  const std::string topic = std::string("watcher.bench.") + event;
  const int64_t deadline = NowNs() + 2 * kNsPerSec;
  while (NowNs() < deadline) {
    CheckInterrupted();
    zmq::message_t t, body;
    if (!g_events->recv(t) || !t.more() || !g_events->recv(body)) continue;  // 100 ms slices
    if (t.to_string_view() != topic) continue;
    json j = json::parse(body.to_string_view(), nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.value("process_pid", 0) == pid) return j.value("time", double{NAN});
  }
  return NAN;
}

// kill -9 a random worker (after a random 20-100 ms pause) and wait for its
// replacement's line on the FIFO, `kills` times.
Respawn Respawns(int kills, unsigned seed) {
  Respawn r;
  std::mt19937 rng(seed);
  for (int k = 0; k < kills; ++k) {
    DrainUntil(NowNs() + static_cast<int64_t>(20 + rng() % 81) * kNsPerMs);
    size_t idx = rng() % g_live.size();
    pid_t victim = g_live[idx];
    const double real = RealNow();
    const int64_t t = NowNs();
    kill(victim, SIGKILL);
    Spawned s;
    if (!g_reader.Next(t + kRespawnTimeoutNs, &s)) {
      Fail(Fmt("no replacement running 10 s after kill -9 of %d (kill #%d)", victim, k + 1));
    }
    if (g.worker_pids.count(s.pid)) Fail(Fmt("pid %d reported again", s.pid));
    g.worker_pids.insert(s.pid);
    r.total.push_back(static_cast<double>(s.ts - t) / kNsPerMs);
    // Wall-clock event times against the harness's wall clock at the kill.
    const double reap = EventTime("reap", victim), fork = EventTime("spawn", s.pid);
    r.to_reap.push_back((reap - real) * 1000);
    r.to_fork.push_back((fork - reap) * 1000);
    r.to_run.push_back(r.total.back() - (fork - real) * 1000);
    g_live[idx] = s.pid;
    g_killed.push_back(victim);
  }
  return r;
}

struct LoopLag {
  double last = NAN, max = NAN, build = NAN;
  size_t bytes = 0;
};

// GET /metrics once: ringmaster_loop_lag_seconds (last tick), _max_, and
// ringmaster_snapshot_build_seconds (the loop's time for the last snapshot
// build) if the daemon exports it.
LoopLag FetchLoopLag() {
  LoopLag lag;
  auto r = GetOnce(g_port, "/metrics", Auth());
  CheckInterrupted();
  if (!r || r->status != 200) {
    g.problems.push_back("GET /metrics failed: " +
                         (r ? Fmt("HTTP %d", r->status) : httplib::to_string(r.error())));
    return lag;
  }
  lag.bytes = r->body.size();
  auto value = [&r](const char* name) {
    std::string key = std::string("\n") + name + " ";
    size_t at = r->body.find(key);
    return at == std::string::npos ? NAN : strtod(r->body.c_str() + at + key.size(), nullptr);
  };
  lag.last = value("ringmaster_loop_lag_seconds");
  lag.max = value("ringmaster_loop_lag_max_seconds");
  lag.build = value("ringmaster_snapshot_build_seconds");
  return lag;
}

// GET /api/status once: checked (N processes of watcher 'bench'); the body.
std::string FetchStatus() {
  auto r = GetOnce(g_port, "/api/status", Auth());
  CheckInterrupted();
  if (!r || r->status != 200) {
    Fail("GET /api/status: " +
         (r ? Fmt("HTTP %d: %.300s", r->status, r->body.c_str()) : httplib::to_string(r.error())));
  }
  json j = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  bool ok = j.is_object() && j.contains("watchers") && j["watchers"].is_array() &&
            j["watchers"].size() == 1 && j["watchers"][0].value("name", "") == "bench" &&
            j["watchers"][0].contains("processes") &&
            static_cast<int>(j["watchers"][0]["processes"].size()) == g_opt.workers;
  if (!ok) {
    Fail(Fmt("GET /api/status: not one watcher 'bench' with %d processes: %.300s", g_opt.workers,
             r->body.c_str()));
  }
  return r->body;
}

[[noreturn]] void Usage(const char* problem) {
  if (problem) fprintf(stderr, "bench_http: %s\n", problem);
  fprintf(stderr,
          "usage: bench_http --daemon PATH --worker PATH [--workers N] [--clients N]\n"
          "                  [--seconds S] [--compressed-seconds S] [--kills K] [--idle S]\n"
          "                  [--timeout SECONDS] [--keep-tmp]\n");
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
    } else if (a == "--clients") {
      o.clients = static_cast<int>(args.Num(1, 256));
    } else if (a == "--seconds") {
      o.seconds = args.Num(0.2, 600);
    } else if (a == "--compressed-seconds") {
      o.compressed_seconds = args.Num(0, 600);
    } else if (a == "--kills") {
      o.kills = static_cast<int>(args.Num(1, 100000));
    } else if (a == "--idle") {
      o.idle_s = args.Num(0.1, 600);
    } else if (a == "--timeout") {
      o.timeout_s = args.Num(1, 3600);
    } else if (a == "--keep-tmp") {
      o.keep_tmp = true;
    } else if (a == "--help" || a == "-h") {
      Usage(nullptr);
    } else {
      Usage(("unknown argument " + a).c_str());
    }
  }
  if (o.daemon.empty()) Usage("--daemon is required");
  if (o.worker.empty()) Usage("--worker is required");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  g.name = "bench_http";
  g_opt = ParseArgs(argc, argv);
  Options& opt = g_opt;
  g.keep_tmp = opt.keep_tmp;
  opt.worker = AbsExecutable(opt.worker, "worker");
  opt.daemon = AbsExecutable(opt.daemon, "daemon");
  InstallHandlers();
  MakeTmpDir();
  g_port = FreeLoopbackPort();
  g_token = RandomToken();
  {
    IniSpec ini;
    ini.control_ep = "ipc://" + g.tmpdir + "/control.sock";
    ini.events_ep = "ipc://" + g.tmpdir + "/events.sock";
    ini.circus_extra = Fmt("httpd = true\nhttpd_host = 127.0.0.1\nhttpd_port = %d\n", g_port) +
                       "http_token = " + g_token + "\n";
    ini.worker = opt.worker;
    ini.workers = opt.workers;
    ini.watcher_extra = "backoff_reset = 0\n";
    ini.graceful_timeout = kGracefulTimeout;
    WriteIni(ini);
  }
  OpenLog();
  const int n = opt.workers;
  MachineLoad load;
  load.Start();
  printf(
      "bench_http: %d workers, %d keep-alive clients, %g s per series (%g s with Accept-Encoding "
      "\"%s\"), %d kills per respawn phase, %ld CPU(s)\n",
      n, opt.clients, opt.seconds, opt.compressed_seconds, kBrowserEncoding, opt.kills, load.ncpu);
  fflush(stdout);

  // ---------------------------------------------------------------- start
  const int64_t t_launch = LaunchDaemon(opt.daemon);
  const int64_t start_deadline = t_launch + static_cast<int64_t>(opt.timeout_s * kNsPerSec);
  while (static_cast<int>(g_live.size()) < n) {
    Spawned w;
    if (!g_reader.Next(start_deadline, &w)) {
      Fail(Fmt("only %zu of %d workers running after %.0f s", g_live.size(), n, opt.timeout_s));
    }
    if (g.worker_pids.count(w.pid)) Fail(Fmt("pid %d reported twice", w.pid));
    g_live.push_back(w.pid);
    g.worker_pids.insert(w.pid);
  }
  const double start_s = static_cast<double>(NowNs() - t_launch) / kNsPerSec;
  static zmq::context_t zctx(1);
  static zmq::socket_t events(zctx, zmq::socket_type::sub);
  events.set(zmq::sockopt::linger, 0);
  events.set(zmq::sockopt::rcvtimeo, 100);
  events.set(zmq::sockopt::subscribe, "watcher.bench.reap");
  events.set(zmq::sockopt::subscribe, "watcher.bench.spawn");
  events.connect("ipc://" + g.tmpdir + "/events.sock");
  g_events = &events;
  // /healthz never reads the snapshot: the daemon stays as idle as it was.
  for (;;) {
    auto r = GetOnce(g_port, "/healthz", {});
    if (r && r->status == 200) break;
    CheckInterrupted();
    CheckDaemon();
    if (NowNs() >= start_deadline) Fail("GET /healthz: no 200 before the deadline");
    usleep(20000);  // setup only
  }
  static BaselineServer base, base_nodelay;
  base.Start(false);
  base_nodelay.Start(true);
  printf(
      "  %d workers running %.2f s after launch; httpd on 127.0.0.1:%d (token); baseline "
      "httplib::Servers on ports %d and %d (TCP_NODELAY)\n",
      n, start_s, g_port, base.port, base_nodelay.port);
  fflush(stdout);

  // ---------------------------------------------------------------- idle
  Phase ph_idle("idle", "idle (no client, no kill)");
  Phase ph_resp_idle("respawn_idle", "respawns, no HTTP client");
  Phase ph_resp_spin("respawn_spin", "respawns, CPU hogs, no HTTP client");
  Phase ph_healthz("healthz", "GET /healthz load");
  Phase ph_status("status", "GET /api/status load");
  Phase ph_br("status_br", "GET /api/status load, brotli");
  Phase ph_resp_load("respawn_load", "respawns under /api/status load");
  Sleep(0.3);  // settle
  Measure(&ph_idle, [&opt] { Sleep(opt.idle_s); });
  Respawn rs_idle, rs_spin, rs_load;
  Measure(&ph_resp_idle, [&rs_idle, &opt] { rs_idle = Respawns(opt.kills, 42); });
  const int64_t rss_idle_kb = ReadDaemonCpu(g.daemon_pid).rss_kb;
  // Control: the same CPU pressure as the clients, without HTTP.
  {
    std::atomic<bool> stop{false};
    std::vector<std::thread> hogs;
    for (int i = 0; i < opt.clients; ++i) {
      hogs.push_back(StartQuietThread([&stop] {
        while (!stop.load(std::memory_order_relaxed)) {
        }
      }));
    }
    Sleep(0.1);
    Measure(&ph_resp_spin, [&rs_spin, &opt] { rs_spin = Respawns(opt.kills, 44); });
    stop = true;
    for (std::thread& t : hogs) t.join();
  }

  // ---------------------------------------------------------------- HTTP
  const int c = opt.clients;
  Series small({"baseline_small", "baseline: small body", &base, base.port, "/small", {}});
  Series small_nd({"baseline_small_nodelay",
                   "baseline: small body, TCP_NODELAY",
                   &base_nodelay,
                   base_nodelay.port,
                   "/small",
                   {}});
  Series healthz({"healthz", "GET /healthz", nullptr, g_port, "/healthz", {}});
  RunGroup({&small, &small_nd, &healthz}, &ph_healthz, opt.seconds, c, Sleep);
  printf("  GET /healthz: %.0f req/s, baselines %.0f and %.0f (TCP_NODELAY) req/s\n", healthz.rps(),
         small.rps(), small_nd.rps());
  fflush(stdout);

  // Nothing has read the snapshot yet, so this lag predates any snapshot load.
  const LoopLag lag_before = FetchLoopLag();
  const std::string status_body = FetchStatus();
  base.SetCopy(status_body);
  Series copy({"baseline_copy", "baseline: copy of /api/status", &base, base.port, "/copy", {}});
  Series status({"status", "GET /api/status", nullptr, g_port, "/api/status", Auth()});
  RunGroup({&copy, &status}, &ph_status, opt.seconds, c, Sleep);
  printf("  GET /api/status: %.0f req/s, baseline copy %.0f req/s\n", status.rps(), copy.rps());
  fflush(stdout);

  Series copy_br({"baseline_copy_br",
                  "baseline: copy, Accept-Encoding br",
                  &base,
                  base.port,
                  "/copy",
                  {{"Accept-Encoding", kBrowserEncoding}}});
  Series status_br({"status_br", "GET /api/status, Accept-Encoding br", nullptr, g_port,
                    "/api/status", Auth(kBrowserEncoding)});
  if (opt.compressed_seconds > 0) {
    RunGroup({&copy_br, &status_br}, &ph_br, opt.compressed_seconds, c, Sleep);
  }

  // ---------------------------------------------------------------- respawn under load
  Series during({"status_during_respawns", "GET /api/status during respawns", nullptr, g_port,
                 "/api/status", Auth()});
  Load(&during, c).Record(&ph_resp_load, Sleep, [&rs_load, &opt] {
    rs_load = Respawns(opt.kills, 43);
  });
  const LoopLag lag_after = FetchLoopLag();

  // ---------------------------------------------------------------- checks, stop
  Sleep(0.2);
  for (pid_t p : g_killed) {
    if (ProcState(p) == 'Z') {
      g.problems.push_back(
          Fmt("kill -9'd worker %d still a zombie (not reaped by ringmasterd)", p));
      break;
    }
  }
  const int live = CountLiveChildren(g.daemon_pid);
  if (live >= 0 && live != n) {
    g.problems.push_back(Fmt("ringmasterd has %d live children at the end, expected %d", live, n));
  }
  if (g_extra_spawns) {
    g.problems.push_back(Fmt("ringmasterd started %d worker(s) nobody asked for", g_extra_spawns));
  }
  const DaemonCpu end_state = ReadDaemonCpu(g.daemon_pid);
  const int64_t t_stop = NowNs();
  kill(g.daemon_pid, SIGTERM);
  const double stop_s = AwaitDaemonExit(t_stop, t_stop + kStopTimeoutNs, "after SIGTERM", "");
  const int survivors = AwaitWorkersGone(g.worker_pids, "", nullptr);
  base.Stop();
  base_nodelay.Stop();

  // ---------------------------------------------------------------- report
  printf(
      "\nHTTP over loopback, %d keep-alive clients, closed loop; latency in microseconds;\n"
      "ratio = ringmasterd / its baseline (req/s: below 1x is slower; latency, CPU: above 1x "
      "is slower)\n",
      opt.clients);
  printf("  %-38s %8s %7s %9s %9s %9s %8s  %7s %8s %8s %8s\n", "", "requests", "req/s", "median",
         "p99", "body B", "CPU/req", "x req/s", "x median", "x p99", "x CPU");
  PrintSeries(small, nullptr);
  PrintSeries(small_nd, nullptr);
  PrintSeries(healthz, &small);
  PrintSeries(copy, nullptr);
  PrintSeries(status, &copy);
  if (opt.compressed_seconds > 0) {
    PrintSeries(copy_br, nullptr);
    PrintSeries(status_br, &copy_br);
  }
  PrintSeries(during, &copy);
  printf(
      "  (CPU/req: server-side CPU in us per request, utime+stime: all of ringmasterd, or the\n"
      "   baseline server's threads; body B: decoded bytes, br = sent brotli-compressed)\n");
  const double hz_vs_nd_rps = healthz.rps() / small_nd.rps();
  const double hz_vs_nd_med = Median(healthz.us) / Median(small_nd.us);
  const double st_vs_nd_rps = status.rps() / small_nd.rps();
  const double st_vs_nd_med = Median(status.us) / Median(small_nd.us);
  printf(
      "against the small body with TCP_NODELAY: GET /healthz req/s ratio %.3fx, median ratio "
      "%.2fx;\n  GET /api/status (%zu B, %d processes) req/s ratio %.3fx, median ratio %.2fx\n",
      hz_vs_nd_rps, hz_vs_nd_med, status_body.size(), n, st_vs_nd_rps, st_vs_nd_med);
  const double ri_med = Median(rs_idle.total), ri_p95 = Percentile(rs_idle.total, 95);
  const double rl_med = Median(rs_load.total), rl_p95 = Percentile(rs_load.total, 95);
  const double rs_med = Median(rs_spin.total), rs_p95 = Percentile(rs_spin.total, 95);
  printf(
      "respawn latency (kill -9 -> replacement running, %d kills each, backoff_reset = 0):\n"
      "  idle (no HTTP client)              median %7.2f ms   p95 %7.2f ms\n"
      "  under GET /api/status load         median %7.2f ms   p95 %7.2f ms   ratio to idle "
      "%.2fx (median), %.2fx (p95)\n"
      "  control: %d CPU hogs, no HTTP      median %7.2f ms   p95 %7.2f ms   ratio to idle "
      "%.2fx (median), %.2fx (p95)\n",
      opt.kills, ri_med, ri_p95, rl_med, rl_p95, rl_med / ri_med, rl_p95 / ri_p95, opt.clients,
      rs_med, rs_p95, rs_med / ri_med, rs_p95 / ri_p95);
  printf(
      "  parts, median / p95 in ms, from ringmasterd's \"reap\" and \"spawn\" events (wall "
      "clock):\n"
      "  %-32s %17s %17s %17s\n",
      "", "kill -> reaped", "reaped -> forked", "forked -> running");
  auto part = [](const std::vector<double>& v) {
    return Fmt("%7.2f / %7.2f", Median(v), Percentile(v, 95));
  };
  const std::pair<const char*, const Respawn*> parts[] = {{"idle", &rs_idle},
                                                          {"under GET /api/status load", &rs_load},
                                                          {"control: CPU hogs", &rs_spin}};
  for (const auto& [label, r] : parts) {
    printf("  %-32s %17s %17s %17s\n", label, part(r->to_reap).c_str(), part(r->to_fork).c_str(),
           part(r->to_run).c_str());
  }
  printf(
      "ringmasterd CPU: utime+stime of the process (/proc/PID/stat, 10 ms ticks); its loop (main)\n"
      "thread (schedstat): ms running and ms runnable but waiting for a CPU, per second of the "
      "phase\n  %-34s %6s %7s %10s %9s %9s\n",
      "phase", "wall s", "CPU s", "% of core", "loop run", "loop wait");
  std::vector<Phase*> phases = {&ph_idle, &ph_resp_idle, &ph_resp_spin, &ph_healthz, &ph_status};
  if (opt.compressed_seconds > 0) phases.push_back(&ph_br);
  phases.push_back(&ph_resp_load);
  for (const Phase* p : phases) {
    printf("  %-34s %6.2f %7.2f %9.1f%% %9.1f %9.1f\n", p->label, p->wall_s, TicksToS(p->ticks),
           100 * TicksToS(p->ticks) / p->wall_s,
           static_cast<double>(p->loop_ns) / kNsPerMs / p->wall_s,
           static_cast<double>(p->loop_wait_ns) / kNsPerMs / p->wall_s);
  }
  printf(
      "loop lag (/metrics, lateness of the loop's 1 s timer): max %.1f ms before any "
      "/api/status read, max %.1f ms at the end (last tick %.1f ms); /metrics %zu B\n",
      lag_before.max * 1000, lag_after.max * 1000, lag_after.last * 1000, lag_after.bytes);
  if (!std::isnan(lag_after.build)) {
    printf(
        "snapshot build on the loop (ringmaster_snapshot_build_seconds, the last one): %.2f ms "
        "at the end\n",
        lag_after.build * 1000);
  }
  printf(
      "ringmasterd: RSS %lld KiB after the idle phases, %lld KiB at the end, %d threads; "
      "exited %.3f s after SIGTERM, %d surviving worker(s)\n",
      static_cast<long long>(rss_idle_kb), static_cast<long long>(end_state.rss_kb),
      end_state.threads, stop_s, survivors);
  PrintLogSummary(nullptr);
  load.Finish();
  if (load.other_pct >= 10) {
    printf(
        "NOTE: the machine was busy; the clients, both servers and the loop share its CPUs, so "
        "prefer figures\n      from an idle machine.\n");
  }
  const bool ok = PrintProblems();

  std::string j =
      "{\"bench\":\"http\",\"workers\":" + std::to_string(n) +
      ",\"clients\":" + std::to_string(opt.clients) + ",\"seconds\":" + JsonNum(opt.seconds, 1) +
      ",\"kills\":" + std::to_string(opt.kills) + ",\"cpus\":" + std::to_string(load.ncpu) +
      ",\"loadavg_start\":" + JsonNum(load.load_start, 2) +
      ",\"loadavg_end\":" + JsonNum(load.load_end, 2) +
      ",\"other_load_pct\":" + JsonNum(load.other_pct, 1) + ",\"start_s\":" + JsonNum(start_s, 3) +
      ",\"status_body_bytes\":" + std::to_string(status_body.size()) + ",\"http\":{" +
      SeriesJson(small, nullptr) + "," + SeriesJson(small_nd, nullptr) + "," +
      SeriesJson(healthz, &small) + "," + SeriesJson(copy, nullptr) + "," +
      SeriesJson(status, &copy);
  if (opt.compressed_seconds > 0) {
    j += "," + SeriesJson(copy_br, nullptr) + "," + SeriesJson(status_br, &copy_br);
  }
  j += "," + SeriesJson(during, &copy) +
       "},\"vs_small_nodelay\":{\"healthz_ratio_rps\":" + JsonNum(hz_vs_nd_rps, 4) +
       ",\"healthz_ratio_median\":" + JsonNum(hz_vs_nd_med, 3) +
       ",\"status_ratio_rps\":" + JsonNum(st_vs_nd_rps, 4) +
       ",\"status_ratio_median\":" + JsonNum(st_vs_nd_med, 3) +
       "},\"respawn_ms\":{\"idle_median\":" + JsonNum(ri_med, 3) +
       ",\"idle_p95\":" + JsonNum(ri_p95, 3) + ",\"load_median\":" + JsonNum(rl_med, 3) +
       ",\"load_p95\":" + JsonNum(rl_p95, 3) + ",\"ratio_median\":" + JsonNum(rl_med / ri_med, 3) +
       ",\"ratio_p95\":" + JsonNum(rl_p95 / ri_p95, 3) +
       ",\"cpu_hogs_median\":" + JsonNum(rs_med, 3) + ",\"cpu_hogs_p95\":" + JsonNum(rs_p95, 3) +
       ",\"cpu_hogs_ratio_median\":" + JsonNum(rs_med / ri_med, 3) + ",\"parts\":{";
  for (size_t i = 0; i < 3; ++i) {
    const Respawn* r = parts[i].second;
    j += std::string(i ? "," : "") +
         (i == 0   ? "\"idle\""
          : i == 1 ? "\"load\""
                   : "\"cpu_hogs\"") +
         ":{\"to_reap_median\":" + JsonNum(Median(r->to_reap), 3) +
         ",\"to_fork_median\":" + JsonNum(Median(r->to_fork), 3) +
         ",\"to_running_median\":" + JsonNum(Median(r->to_run), 3) +
         ",\"to_reap_p95\":" + JsonNum(Percentile(r->to_reap, 95), 3) +
         ",\"to_fork_p95\":" + JsonNum(Percentile(r->to_fork, 95), 3) +
         ",\"to_running_p95\":" + JsonNum(Percentile(r->to_run, 95), 3) + "}";
  }
  j += "}},\"daemon_cpu\":{";
  for (size_t i = 0; i < phases.size(); ++i) {
    const Phase* p = phases[i];
    j += (i ? "," : "") + JsonStr(p->key) + ":{\"wall_s\":" + JsonNum(p->wall_s, 3) +
         ",\"cpu_s\":" + JsonNum(p->ok ? TicksToS(p->ticks) : NAN, 2) + ",\"loop_cpu_s\":" +
         JsonNum(p->ok ? static_cast<double>(p->loop_ns) / kNsPerSec : NAN, 4) +
         ",\"loop_wait_s\":" +
         JsonNum(p->ok ? static_cast<double>(p->loop_wait_ns) / kNsPerSec : NAN, 4) + "}";
  }
  j += "},\"loop_lag_s\":{\"max_before\":" + JsonNum(lag_before.max, 4) +
       ",\"max_after\":" + JsonNum(lag_after.max, 4) + ",\"last\":" + JsonNum(lag_after.last, 4) +
       ",\"snapshot_build_s\":" + JsonNum(lag_after.build, 5) +
       "},\"stop_s\":" + JsonNum(stop_s, 3) + ",\"survivors\":" + std::to_string(survivors) +
       ",\"daemon_threads\":" + std::to_string(end_state.threads) +
       ",\"rss_kb\":{\"idle\":" + std::to_string(rss_idle_kb) +
       ",\"end\":" + std::to_string(end_state.rss_kb) + "}";
  j += JsonOkProblemsEnd();
  printf("BENCH_JSON %s\n", j.c_str());
  fflush(stdout);

  KillEverything();
  RemoveTmp();
  fflush(stderr);
  // Threads of httplib (clients are joined; the server stopped) need no teardown.
  _exit(ok ? 0 : 1);
}
