// bench_http_conns: whether ringmasterd's HTTP endpoint stays asynchronous
// under many connections, with one watcher of N processes (see
// bench/README.md, "bench_http_conns").
//
//   bench_http_conns --daemon PATH --worker PATH [--workers 1000]
//                    [--idle-conns 10000] [--slowloris 1000] [--per-address 1000]
//                    [--probes 50] [--probe-timeout-ms 1000] [--hold 5]
//                    [--clients 50] [--client-threads 2] [--seconds 4] [--kills 40]
//                    [--settle 5] [--timeout 60] [--keep-tmp]
//
// Respawn under load: kill -9 -> the replacement's own timestamp on the FIFO
// (as bench_spawn), --kills times idle, then while --clients keep-alive
// connections (driven by --client-threads epoll threads, like wrk) hammer
// /metrics, then /api/status (a series stops killing after 10 s); the idle
// figures of the same run are the baseline. Flood: --idle-conns connections that send nothing and
// --slowloris ones that send a request line and never finish the headers,
// from 127.0.0.2, 127.0.0.3, ... (--per-address each); while they are held,
// --probes GET /healthz on fresh connections from 127.0.0.1. ringmasterd's
// threads (/proc/PID/task) and private memory (RssAnon) are taken idle,
// under load or flood, and --settle s after. Every figure is printed beside
// its target: a missed target is listed but leaves the exit status 0; it is
// 1 if the harness failed or found a PROBLEM (everything started is killed).
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "bench_http_flood.h"
#include "bench_http_keepalive.h"
#include "bench_http_load.h"
#include "bench_http_raw.h"
#include "bench_util.h"

namespace {

using namespace bench;

constexpr int kGracefulTimeout = 5;  // written to the ini
constexpr int64_t kRespawnTimeoutNs = 10 * kNsPerSec;
constexpr int64_t kStopTimeoutNs = (kGracefulTimeout + 15) * kNsPerSec;
constexpr int64_t kOpenTimeoutNs = 30 * kNsPerSec;  // the flood's connects, all of them
// A respawn series stops killing after this long (or --seconds if longer):
// under a bad enough load each respawn takes seconds.
constexpr double kMaxRespawnPhaseS = 10;
constexpr int kFdReserve = 256;  // the harness's own fds beyond the flood and the clients
// The targets (the issue's).
constexpr double kHealthzMaxMs = 100;
constexpr int kMaxThreadsFlooded = 32;
constexpr double kRespawnRatioMax = 3;
constexpr double kRespawnFloorMs = 30;
constexpr double kMetricsRpsMin = 2000;
constexpr int64_t kMemSlackKb = 16 * 1024;

struct Options {
  std::string daemon, worker;
  int workers = 1000;
  int idle_conns = 10000;
  int slowloris = 1000;
  int per_address = 1000;
  int probes = 50;
  double probe_timeout_ms = 1000;
  double hold_s = 5;
  int clients = 50;
  int client_threads = 2;
  double seconds = 4;
  int kills = 40;
  double settle_s = 5;
  double timeout_s = 60;
  bool keep_tmp = false;
};

Options g_opt;
int g_port = 0;
std::string g_token;
LineReader g_reader;
std::vector<pid_t> g_live;    // the workers, by slot
std::vector<pid_t> g_killed;  // kill -9'd workers (ringmasterd must reap them)
int g_extra_spawns = 0;       // FIFO lines nobody asked for

// Any FIFO line while nothing was killed is a spawn nobody asked for.
void DrainUntil(int64_t until) {
  Spawned s;
  while (g_reader.Next(until, &s)) {
    ++g_extra_spawns;
    g.worker_pids.insert(s.pid);
  }
}
void Sleep(double seconds) { DrainUntil(NowNs() + static_cast<int64_t>(seconds * kNsPerSec)); }

// kill -9 a random worker (after a random 20-100 ms pause) -> its
// replacement's timestamp on the FIFO, `kills` times or until `until`
// passed (then fewer); ms.
std::vector<double> Respawns(int kills, unsigned seed, int64_t until) {
  std::vector<double> ms;
  std::mt19937 rng(seed);
  for (int k = 0; k < kills && NowNs() < until; ++k) {
    DrainUntil(NowNs() + static_cast<int64_t>(20 + rng() % 81) * kNsPerMs);
    const size_t idx = rng() % g_live.size();
    const pid_t victim = g_live[idx];
    const int64_t t = NowNs();
    kill(victim, SIGKILL);
    Spawned s;
    if (!g_reader.Next(t + kRespawnTimeoutNs, &s)) {
      Fail(Fmt("no replacement running 10 s after kill -9 of %d (kill #%d)", victim, k + 1));
    }
    if (g.worker_pids.count(s.pid)) Fail(Fmt("pid %d reported again", s.pid));
    g.worker_pids.insert(s.pid);
    ms.push_back(static_cast<double>(s.ts - t) / kNsPerMs);
    g_live[idx] = s.pid;
    g_killed.push_back(victim);
  }
  return ms;
}

// ringmasterd's threads and memory at one instant, or the largest of several.
struct Footprint {
  int threads = -1;
  int64_t anon_kb = -1, rss_kb = -1;
  void Max(const Footprint& o) {
    threads = std::max(threads, o.threads);
    anon_kb = std::max(anon_kb, o.anon_kb);
    rss_kb = std::max(rss_kb, o.rss_kb);
  }
};
Footprint Sample() {
  Footprint f;
  f.threads = static_cast<int>(Tasks(g.daemon_pid).size());
  std::string status;
  if (ReadFile(Fmt("/proc/%d/status", g.daemon_pid), &status)) {
    f.anon_kb = StatusField(status, "RssAnon");
    f.rss_kb = StatusField(status, "VmRSS");
  }
  return f;
}

// The soft "Max open files" of pid, or -1.
int64_t OpenFilesLimit(pid_t pid) {
  for (const std::string& line : ReadLines(Fmt("/proc/%d/limits", pid))) {
    if (line.rfind("Max open files", 0) != 0) continue;
    const char* v = line.c_str() + strlen("Max open files");
    while (*v == ' ') ++v;
    return strncmp(v, "unlimited", 9) == 0 ? INT64_MAX : strtoll(v, nullptr, 10);
  }
  return -1;
}

// Soft RLIMIT_NOFILE up to the hard one; fails if that is below `needed`.
void RaiseOpenFiles(int64_t needed) {
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) Fail(Fmt("getrlimit: %s", strerror(errno)));
  if (lim.rlim_cur != lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) Fail(Fmt("setrlimit: %s", strerror(errno)));
  }
  if (lim.rlim_cur != RLIM_INFINITY && static_cast<int64_t>(lim.rlim_cur) < needed) {
    Fail(Fmt(
        "needs %lld open files (--idle-conns + --slowloris + --clients + %d), but the hard "
        "limit is %llu: raise it (ulimit -Hn, limits.conf) or lower --idle-conns",
        static_cast<long long>(needed), kFdReserve, static_cast<unsigned long long>(lim.rlim_max)));
  }
}

std::string HealthzRequest() { return GetRequest("/healthz", "", true); }

// The flood's /healthz probes: one every --hold / --probes s on a fresh
// connection, each given --probe-timeout-ms; probing stops 2 x --hold after
// the first, so a server that times every probe out costs at most that.
struct Probes {
  std::vector<double> ms;  // +inf for a probe without a 200
  int sent = 0, ok = 0, timeouts = 0;
  std::string first_error;
};
Probes RunProbes(Footprint* peak) {
  Probes p;
  const std::string req = HealthzRequest();
  const int64_t t0 = NowNs();
  const int64_t step = static_cast<int64_t>(g_opt.hold_s * kNsPerSec) / g_opt.probes;
  const int64_t stop = t0 + static_cast<int64_t>(2 * g_opt.hold_s * kNsPerSec);
  for (int i = 0; i < g_opt.probes; ++i) {
    DrainUntil(t0 + i * step);
    if (NowNs() >= stop) break;
    const OneShot r =
        GetFresh(g_port, req, NowNs() + static_cast<int64_t>(g_opt.probe_timeout_ms * kNsPerMs));
    CheckInterrupted();
    ++p.sent;
    if (r.status == 200) {
      ++p.ok;
      p.ms.push_back(r.ms);
    } else {
      p.ms.push_back(INFINITY);
      p.timeouts += r.timed_out;
      if (p.first_error.empty()) p.first_error = r.status ? Fmt("HTTP %d", r.status) : r.error;
    }
    peak->Max(Sample());
  }
  return p;
}

// A row of the report: a figure beside its target.
struct Row {
  std::string key, label, measured, target;
  bool pass = true;
  bool judged = false;  // false: reported only
};
std::vector<Row> g_rows;
void Info(const char* key, const std::string& label, const std::string& measured) {
  g_rows.push_back({key, label, measured, "", true, false});
}
void Judge(const char* key, const std::string& label, const std::string& measured,
           const std::string& target, bool pass) {
  g_rows.push_back({key, label, measured, target, pass, true});
}

std::string Ms(double v) { return std::isinf(v) ? "fail" : Fmt("%.2f", v); }
std::string Mb(int64_t kb) { return kb < 0 ? "?" : Fmt("%.1f MB", static_cast<double>(kb) / 1024); }
std::string SignedMb(int64_t kb) { return Fmt("%+.1f MB", static_cast<double>(kb) / 1024); }

[[noreturn]] void Usage(const char* problem) {
  if (problem) fprintf(stderr, "bench_http_conns: %s\n", problem);
  fprintf(stderr,
          "usage: bench_http_conns --daemon PATH --worker PATH [--workers N] [--idle-conns N]\n"
          "                        [--slowloris N] [--per-address N] [--probes N]\n"
          "                        [--probe-timeout-ms MS] [--hold S] [--clients N]\n"
          "                        [--client-threads N] [--seconds S] [--kills K] [--settle S]\n"
          "                        [--timeout SECONDS] [--keep-tmp]\n");
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
    } else if (a == "--idle-conns") {
      o.idle_conns = static_cast<int>(args.Num(0, 200000));
    } else if (a == "--slowloris") {
      o.slowloris = static_cast<int>(args.Num(0, 200000));
    } else if (a == "--per-address") {
      o.per_address = static_cast<int>(args.Num(1, 20000));
    } else if (a == "--probes") {
      o.probes = static_cast<int>(args.Num(1, 10000));
    } else if (a == "--probe-timeout-ms") {
      o.probe_timeout_ms = args.Num(1, 60000);
    } else if (a == "--hold") {
      o.hold_s = args.Num(0.1, 600);
    } else if (a == "--clients") {
      o.clients = static_cast<int>(args.Num(1, 1000));
    } else if (a == "--client-threads") {
      o.client_threads = static_cast<int>(args.Num(1, 64));
    } else if (a == "--seconds") {
      o.seconds = args.Num(0.2, 600);
    } else if (a == "--kills") {
      o.kills = static_cast<int>(args.Num(1, 100000));
    } else if (a == "--settle") {
      o.settle_s = args.Num(0, 600);
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
  if (o.client_threads > o.clients) Usage("--client-threads must not exceed --clients");
  // 127.0.0.2 ... 127.0.0.254
  if ((o.idle_conns + o.slowloris + o.per_address - 1) / o.per_address > 253) {
    Usage("more than 253 source addresses: raise --per-address");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  g.name = "bench_http_conns";
  g_opt = ParseArgs(argc, argv);
  const Options& opt = g_opt;
  g.keep_tmp = opt.keep_tmp;
  const std::string worker = AbsExecutable(opt.worker, "worker");
  const std::string daemon = AbsExecutable(opt.daemon, "daemon");
  InstallHandlers();
  const int flood_n = opt.idle_conns + opt.slowloris;
  const int addresses = (flood_n + opt.per_address - 1) / opt.per_address;
  RaiseOpenFiles(static_cast<int64_t>(flood_n) + opt.clients + kFdReserve);
  MakeTmpDir();
  g_port = FreeLoopbackPort();
  g_token = RandomToken();
  {
    // The connection caps of the event-driven endpoint, high enough that the
    // flood measures the server, not its limits (a daemon without them warns
    // and ignores the keys).
    const int cap = std::max(20000, flood_n + opt.clients + opt.probes + 100);
    IniSpec ini;
    ini.control_ep = "ipc://" + g.tmpdir + "/control.sock";
    ini.events_ep = "ipc://" + g.tmpdir + "/events.sock";
    ini.circus_extra =
        Fmt("httpd = true\nhttpd_host = 127.0.0.1\nhttpd_port = %d\n", g_port) +
        "http_token = " + g_token + "\n" +
        Fmt("httpd_max_connections = %d\nhttpd_max_connections_per_client = %d\n", cap, cap);
    ini.worker = worker;
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
      "bench_http_conns: %d workers; %d kills per respawn phase; %d keep-alive clients on %d "
      "threads, %g s per path; flood of %d idle + %d slowloris connections from %d address(es), "
      "%d /healthz probes; %ld CPU(s)\n",
      n, opt.kills, opt.clients, opt.client_threads, opt.seconds, opt.idle_conns, opt.slowloris,
      addresses, opt.probes, load.ncpu);
  fflush(stdout);

  // ---------------------------------------------------------------- start
  const int64_t t_launch = LaunchDaemon(daemon);
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
  for (;;) {
    if (GetFresh(g_port, HealthzRequest(), NowNs() + kNsPerSec).status == 200) break;
    CheckInterrupted();
    CheckDaemon();
    if (NowNs() >= start_deadline) Fail("GET /healthz: no 200 before the deadline");
    Sleep(0.02);  // setup only
  }
  const int64_t daemon_nofile = OpenFilesLimit(g.daemon_pid);
  if (daemon_nofile >= 0 && daemon_nofile < flood_n + opt.clients + 100) {
    g.problems.push_back(
        Fmt("ringmasterd may open only %lld files, fewer than the flood's %d "
            "connections: its refusals would measure that limit",
            static_cast<long long>(daemon_nofile), flood_n));
  }
  printf(
      "  %d workers running %.2f s after launch; httpd on 127.0.0.1:%d (token); ringmasterd "
      "open-files limit %lld\n",
      n, start_s, g_port, static_cast<long long>(daemon_nofile));
  fflush(stdout);

  // ---------------------------------------------------------------- respawn under load
  Phase ph_idle("idle", "idle");
  Phase ph_metrics("metrics", "GET /metrics load + respawns");
  Phase ph_status("status", "GET /api/status load + respawns");
  Phase ph_flood("flood", "flood held, probes");
  Sleep(0.5);  // settle
  Measure(&ph_idle, [] { Sleep(1); });
  const Footprint idle = Sample();
  const double max_phase_s = std::max(opt.seconds, kMaxRespawnPhaseS);
  auto respawns = [&opt, max_phase_s](unsigned seed) {
    return Respawns(opt.kills, seed, NowNs() + static_cast<int64_t>(max_phase_s * kNsPerSec));
  };
  const std::vector<double> rs_idle = respawns(42);
  const httplib::Headers auth = {{"Authorization", "Bearer " + g_token}};
  Series metrics({"metrics", "GET /metrics", nullptr, g_port, "/metrics", auth});
  Series status({"status", "GET /api/status", nullptr, g_port, "/api/status", auth});
  std::vector<double> rs_metrics, rs_status;
  Footprint under_load = idle;
  int64_t reopened_metrics = 0, reopened_status = 0;
  auto loaded = [&opt, &under_load, &respawns](std::vector<double>* rs, unsigned seed) {
    const int64_t end = NowNs() + static_cast<int64_t>(opt.seconds * kNsPerSec);
    *rs = respawns(seed);
    DrainUntil(end);
    under_load.Max(Sample());
  };
  {
    KeepAliveLoad l(&metrics, opt.client_threads, opt.clients);
    l.Record(&ph_metrics, Sleep, [&] { loaded(&rs_metrics, 43); });
    reopened_metrics = l.reopened();
  }
  {
    KeepAliveLoad l(&status, opt.client_threads, opt.clients);
    l.Record(&ph_status, Sleep, [&] { loaded(&rs_status, 44); });
    reopened_status = l.reopened();
  }
  for (Series* s : {&metrics, &status}) {
    if (s->us.empty()) {
      Fail(Fmt("%s: no request succeeded (%lld failed, first: %s)", s->t.label,
               static_cast<long long>(s->errors), s->first_error.c_str()));
    }
    if (s->errors) {
      g.problems.push_back(Fmt("%s: %lld request(s) failed (first: %s)", s->t.label,
                               static_cast<long long>(s->errors), s->first_error.c_str()));
    }
  }
  printf("  GET /metrics %.0f req/s, GET /api/status %.0f req/s; waiting %g s\n", metrics.rps(),
         status.rps(), opt.settle_s);
  fflush(stdout);
  Sleep(opt.settle_s);
  const Footprint after_load = Sample();

  // ---------------------------------------------------------------- flood
  Flood flood;
  flood.Start(g_port, opt.idle_conns, opt.slowloris, opt.per_address);
  const int64_t open_deadline = NowNs() + kOpenTimeoutNs;
  while (!flood.counts().opened && NowNs() < open_deadline) Sleep(0.01);
  const Flood::Counts at_open = flood.counts();
  printf("  flood: %d of %d connected in %.2f s%s; probing /healthz for %g s\n", at_open.connected,
         flood_n, at_open.opened ? at_open.open_s : kOpenTimeoutNs / 1e9,
         at_open.opened ? "" : " (still connecting)", opt.hold_s);
  fflush(stdout);
  Footprint flooded = Sample();
  Probes probes;
  Measure(&ph_flood, [&] {
    const int64_t hold_end = NowNs() + static_cast<int64_t>(opt.hold_s * kNsPerSec);
    probes = RunProbes(&flooded);
    DrainUntil(hold_end);
    flooded.Max(Sample());
  });
  const Flood::Counts held = flood.counts();
  flood.Close();
  Sleep(opt.settle_s);
  const Footprint after_flood = Sample();
  const OneShot healthz_after = GetFresh(
      g_port, HealthzRequest(), NowNs() + static_cast<int64_t>(opt.probe_timeout_ms * kNsPerMs));

  // ---------------------------------------------------------------- checks, stop
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
  const int64_t t_stop = NowNs();
  kill(g.daemon_pid, SIGTERM);
  const double stop_s = AwaitDaemonExit(t_stop, t_stop + kStopTimeoutNs, "after SIGTERM", "");
  const int survivors = AwaitWorkersGone(g.worker_pids, "", nullptr);

  // ---------------------------------------------------------------- report
  const double ri50 = Percentile(rs_idle, 50), ri90 = Percentile(rs_idle, 90);
  const double respawn_limit = std::max(kRespawnRatioMax * ri90, kRespawnFloorMs);
  const std::string respawn_target = Fmt("p90 <= max(%.0fx idle, %.0f ms) = %.1f ms",
                                         kRespawnRatioMax, kRespawnFloorMs, respawn_limit);
  // "(12 kills)" when a series stopped early.
  auto kills = [&opt](const std::vector<double>& rs) {
    return static_cast<int>(rs.size()) < opt.kills ? Fmt(" (%zu kills)", rs.size()) : "";
  };
  Info("respawn_idle", "respawn idle: p50 / p90",
       Fmt("%.2f / %.2f ms", ri50, ri90) + kills(rs_idle));
  for (const auto& [key, label, rs] :
       {std::tuple{"respawn_metrics", "respawn under /metrics load: p50 / p90 (x idle)",
                   &rs_metrics},
        std::tuple{"respawn_status", "respawn under /api/status load: p50 / p90 (x idle)",
                   &rs_status}}) {
    const double p90 = Percentile(*rs, 90);
    Judge(key, label,
          Fmt("%.2f / %.2f ms (%.2fx)", Percentile(*rs, 50), p90, p90 / ri90) + kills(*rs),
          respawn_target, p90 <= respawn_limit);
  }
  Judge("metrics_rps", Fmt("GET /metrics, %d conns: req/s", opt.clients),
        Fmt("%.0f (median %.2f ms)", metrics.rps(), Median(metrics.us) / 1000),
        Fmt(">= %.0f", kMetricsRpsMin), metrics.rps() >= kMetricsRpsMin);
  Info("status_rps", Fmt("GET /api/status, %d conns: req/s", opt.clients),
       Fmt("%.0f (median %.2f ms, %zu B)", status.rps(), Median(status.us) / 1000,
           status.body_bytes));
  Info("threads_load", "threads: idle / under load (max)",
       Fmt("%d / %d", idle.threads, under_load.threads));
  Judge("threads_after_load", Fmt("threads %g s after the load", opt.settle_s),
        Fmt("%d", after_load.threads), Fmt("<= idle (%d)", idle.threads),
        after_load.threads <= idle.threads);
  Info("anon_load", "private memory: idle / under load (max)",
       Mb(idle.anon_kb) + " / " + Mb(under_load.anon_kb));
  Judge("anon_after_load", Fmt("private memory %g s after the load", opt.settle_s),
        Mb(after_load.anon_kb) + " (" + SignedMb(after_load.anon_kb - idle.anon_kb) + ")",
        Fmt("<= idle + %lld MB", static_cast<long long>(kMemSlackKb / 1024)),
        after_load.anon_kb - idle.anon_kb <= kMemSlackKb);
  Info("flood_open", Fmt("flood of %d: connected (in s) / held at the end", flood_n),
       Fmt("%d (%.2f s) / %d", held.connected, held.opened ? held.open_s : NAN, held.held()));
  std::string statuses;
  for (const auto& [code, count] : held.statuses) statuses += Fmt(" %d x%d", code, count);
  Info("flood_refused", "flood: 503 / other reply / closed / connect failed / timeout",
       Fmt("%d / %d / %d / %d / %d", held.refused_503, held.other_replies, held.closed,
           held.connect_failed, held.connect_timeouts) +
           (statuses.empty() ? "" : " (replies:" + statuses + ")"));
  const double hz50 = Percentile(probes.ms, 50), hz99 = Percentile(probes.ms, 99);
  const double hz_max = Percentile(probes.ms, 100);
  Judge("healthz_flooded",
        Fmt("/healthz under flood: %d of %d answered; p50 / p99 / max", probes.ok, opt.probes),
        probes.ok ? Ms(hz50) + " / " + Ms(hz99) + " / " + Ms(hz_max) + " ms"
                  : Fmt("none of %d sent answered", probes.sent),
        Fmt("all %d, max <= %.0f ms", opt.probes, kHealthzMaxMs),
        probes.ok == opt.probes && hz_max <= kHealthzMaxMs);
  // "before" is --settle s after the load; "idle" (at the start) for comparison.
  Judge("threads_flooded", "threads: idle / before / flooded (max) / after the flood",
        Fmt("%d / %d / %d / %d", idle.threads, after_load.threads, flooded.threads,
            after_flood.threads),
        Fmt("flooded <= %d", kMaxThreadsFlooded), flooded.threads <= kMaxThreadsFlooded);
  Info("anon_flooded", "private memory: before / flooded (max) / after the flood",
       Mb(after_load.anon_kb) + " / " + Mb(flooded.anon_kb) + " / " + Mb(after_flood.anon_kb) +
           " (" + SignedMb(after_flood.anon_kb - after_load.anon_kb) + ")");
  Info("healthz_after", Fmt("/healthz %g s after the flood", opt.settle_s),
       healthz_after.status == 200
           ? Fmt("%.2f ms", healthz_after.ms)
           : "failed: " + (healthz_after.status ? Fmt("HTTP %d", healthz_after.status)
                                                : healthz_after.error));

  printf("\n  %-60s %-40s %-36s\n", "figure", "measured", "target");
  for (const Row& r : g_rows) {
    printf("  %-60s %-40s %-36s %s\n", r.label.c_str(), r.measured.c_str(),
           r.judged ? r.target.c_str() : "", r.judged ? (r.pass ? "PASS" : "FAIL") : "");
  }
  printf(
      "  (private memory: RssAnon; threads: /proc/PID/task; respawn: kill -9 -> replacement "
      "running, %d kills each, backoff_reset = 0;\n   flood from %d source address(es), "
      "%d per address; probes from 127.0.0.1, fresh connection each, %.0f ms timeout)\n",
      opt.kills, addresses, opt.per_address, opt.probe_timeout_ms);
  if (probes.ok < probes.sent || probes.sent < opt.probes) {
    printf("  /healthz under flood: %d sent, %d answered 200, %d timed out (first failure: %s)\n",
           probes.sent, probes.ok, probes.timeouts, probes.first_error.c_str());
  }
  if (!held.first_error.empty())
    printf("  flood: first connect error: %s\n", held.first_error.c_str());
  printf("  connections the server closed under load (reopened): /metrics %lld, /api/status %lld\n",
         static_cast<long long>(reopened_metrics), static_cast<long long>(reopened_status));
  printf("ringmasterd CPU, %% of one core:");
  for (const Phase* p : {&ph_idle, &ph_metrics, &ph_status, &ph_flood}) {
    printf(" %s %.1f%%%s", p->label, 100 * TicksToS(p->ticks) / p->wall_s,
           p == &ph_flood ? "\n" : ",");
  }
  printf("ringmasterd exited %.3f s after SIGTERM, %d surviving worker(s)\n", stop_s, survivors);
  PrintLogSummary(nullptr);
  load.Finish();
  if (load.other_pct >= 10) {
    printf(
        "NOTE: the machine was busy; the clients, the flood and the daemon share its CPUs, so "
        "prefer figures\n      from an idle machine.\n");
  }
  std::vector<const Row*> missed;
  for (const Row& r : g_rows) {
    if (r.judged && !r.pass) missed.push_back(&r);
  }
  if (missed.empty()) {
    printf("targets: all %zu met\n",
           std::count_if(g_rows.begin(), g_rows.end(), [](const Row& r) { return r.judged; }));
  }
  for (const Row* r : missed) {
    printf("TARGET MISSED: %s: %s, target %s\n", r->label.c_str(), r->measured.c_str(),
           r->target.c_str());
  }
  const bool ok = PrintProblems();

  auto fp = [](const Footprint& f) {
    return "{\"threads\":" + std::to_string(f.threads) +
           ",\"rss_anon_kb\":" + std::to_string(f.anon_kb) +
           ",\"rss_kb\":" + std::to_string(f.rss_kb) + "}";
  };
  std::string j =
      "{\"bench\":\"http_conns\",\"workers\":" + std::to_string(n) +
      ",\"kills\":" + std::to_string(opt.kills) + ",\"clients\":" + std::to_string(opt.clients) +
      ",\"client_threads\":" + std::to_string(opt.client_threads) +
      ",\"seconds\":" + JsonNum(opt.seconds, 1) + ",\"cpus\":" + std::to_string(load.ncpu) +
      ",\"loadavg_start\":" + JsonNum(load.load_start, 2) +
      ",\"loadavg_end\":" + JsonNum(load.load_end, 2) +
      ",\"other_load_pct\":" + JsonNum(load.other_pct, 1) + ",\"start_s\":" + JsonNum(start_s, 3) +
      ",\"daemon_open_files\":" + std::to_string(daemon_nofile) + ",\"respawn_ms\":{" +
      "\"idle_p50\":" + JsonNum(ri50, 3) + ",\"idle_p90\":" + JsonNum(ri90, 3) +
      ",\"metrics_p50\":" + JsonNum(Percentile(rs_metrics, 50), 3) +
      ",\"metrics_p90\":" + JsonNum(Percentile(rs_metrics, 90), 3) +
      ",\"status_p50\":" + JsonNum(Percentile(rs_status, 50), 3) +
      ",\"status_p90\":" + JsonNum(Percentile(rs_status, 90), 3) +
      ",\"limit_p90\":" + JsonNum(respawn_limit, 3) + ",\"kills\":" +
      JsonArr({static_cast<double>(rs_idle.size()), static_cast<double>(rs_metrics.size()),
               static_cast<double>(rs_status.size())},
              0) +
      "},\"http\":{" + SeriesJson(metrics, nullptr) + "," + SeriesJson(status, nullptr) +
      "},\"reopened\":{\"metrics\":" + std::to_string(reopened_metrics) +
      ",\"status\":" + std::to_string(reopened_status) + "},\"footprint\":{\"idle\":" + fp(idle) +
      ",\"under_load\":" + fp(under_load) + ",\"after_load\":" + fp(after_load) +
      ",\"flooded\":" + fp(flooded) + ",\"after_flood\":" + fp(after_flood) +
      "},\"flood\":{\"idle_conns\":" + std::to_string(opt.idle_conns) +
      ",\"slowloris\":" + std::to_string(opt.slowloris) +
      ",\"addresses\":" + std::to_string(addresses) +
      ",\"connected\":" + std::to_string(held.connected) +
      ",\"held\":" + std::to_string(held.held()) +
      ",\"refused_503\":" + std::to_string(held.refused_503) +
      ",\"other_replies\":" + std::to_string(held.other_replies) +
      ",\"closed\":" + std::to_string(held.closed) +
      ",\"connect_failed\":" + std::to_string(held.connect_failed) +
      ",\"connect_timeouts\":" + std::to_string(held.connect_timeouts) +
      ",\"open_s\":" + JsonNum(held.opened ? held.open_s : NAN, 3) +
      ",\"probes_sent\":" + std::to_string(probes.sent) +
      ",\"probes_ok\":" + std::to_string(probes.ok) + ",\"probe_ms\":{\"p50\":" + JsonNum(hz50, 3) +
      ",\"p99\":" + JsonNum(hz99, 3) + ",\"max\":" + JsonNum(hz_max, 3) +
      "},\"healthz_after_ms\":" + JsonNum(healthz_after.status == 200 ? healthz_after.ms : NAN, 3) +
      "},\"daemon_cpu_s\":{";
  for (const Phase* p : {&ph_idle, &ph_metrics, &ph_status, &ph_flood}) {
    j += (p == &ph_idle ? "" : ",") + JsonStr(p->key) + ":{\"wall_s\":" + JsonNum(p->wall_s, 3) +
         ",\"cpu_s\":" + JsonNum(p->ok ? TicksToS(p->ticks) : NAN, 2) + "}";
  }
  j += "},\"targets\":{";
  bool first = true;
  for (const Row& r : g_rows) {
    if (!r.judged) continue;
    j += (first ? "" : ",") + JsonStr(r.key) + ":{\"measured\":" + JsonStr(r.measured) +
         ",\"target\":" + JsonStr(r.target) + ",\"pass\":" + (r.pass ? "true" : "false") + "}";
    first = false;
  }
  j += "},\"targets_missed\":" + std::to_string(missed.size()) +
       ",\"stop_s\":" + JsonNum(stop_s, 3) + ",\"survivors\":" + std::to_string(survivors);
  j += JsonOkProblemsEnd();
  printf("BENCH_JSON %s\n", j.c_str());
  fflush(stdout);

  KillEverything();
  RemoveTmp();
  fflush(stderr);
  _exit(ok ? 0 : 1);
}
