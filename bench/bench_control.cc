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
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "bench_control_rt.h"
#include "bench_util.h"

extern char** environ;

namespace {

using namespace bench;
using nlohmann::json;

constexpr int kGracefulTimeout = 5;                   // written to the ini
constexpr int64_t kCtlRunTimeoutNs = 15 * kNsPerSec;  // one ringctl / true run
constexpr int64_t kQuitTimeoutNs = (kGracefulTimeout + 15) * kNsPerSec;
constexpr int kBlocks = 8;  // interleaving: each series is split in this many blocks

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

// bench::g holds what every harness starts; g.worker_pids are the daemon's
// workers seen (FIFO and `list`), g.other_pids a ringctl or /bin/true run in
// progress.
Options g_opt;
std::string g_control_ep, g_events_ep, g_echo_ep, g_ctl_err_path;

LineReader g_reader;

// ---------------------------------------------------------------------------
// Processes: ringmasterd, ringctl, /bin/true.

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
  posix_spawn_file_actions_addopen(&fa, 2, g_ctl_err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  const int64_t t0 = NowNs();
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) Fail(Fmt("posix_spawn %s: %s", argv[0], strerror(rc)));
  g.other_pids.insert(pid);
  if (WaitPidUntil(pid, status, t0 + kCtlRunTimeoutNs) != pid) {
    Fail(Fmt("%s did not exit within %lld s", args[0].c_str(),
             static_cast<long long>(kCtlRunTimeoutNs / kNsPerSec)));
  }
  const int64_t ns = NowNs() - t0;
  g.other_pids.erase(pid);
  return ns;
}

void CheckSpawnStatus(const std::vector<std::string>& args, int status) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string err;
  ReadFile(g_ctl_err_path, &err);
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
  Args args(argc, argv, Usage);
  while (args.Next()) {
    const std::string& a = args.flag();
    if (a == "--daemon") {
      o.daemon = args.Value();
    } else if (a == "--ctl") {
      o.ctl = args.Value();
    } else if (a == "--worker") {
      o.worker = args.Value();
    } else if (a == "--workers") {
      o.workers = static_cast<int>(args.Num(1, 10000));
    } else if (a == "--requests") {
      o.requests = static_cast<int>(args.Num(kBlocks, 1000000));
    } else if (a == "--detail-requests") {
      o.detail_requests = static_cast<int>(args.Num(0, 1000000));
    } else if (a == "--stats-requests") {
      o.stats_requests = static_cast<int>(args.Num(0, 100000));
    } else if (a == "--ctl-runs") {
      o.ctl_runs = static_cast<int>(args.Num(0, 10000));
    } else if (a == "--only") {
      std::stringstream list(args.Value());
      for (std::string key; std::getline(list, key, ',');) {
        if (key != "status" && key != "list" && key != "status_detail" && key != "stats") {
          Usage(("--only: unknown series '" + key + "' (status, list, status_detail, stats)")
                    .c_str());
        }
        o.only.insert(key);
      }
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
  if (o.ctl.empty()) Usage("--ctl is required");
  if (o.worker.empty()) Usage("--worker is required");
  return o;
}

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
  if (static_cast<int>(listed.size()) != g_opt.workers) {
    Fail(Fmt("list bench: %zu pids, expected %d", listed.size(), g_opt.workers));
  }
}

}  // namespace

int main(int argc, char** argv) {
  g.name = "bench_control";
  g_opt = ParseArgs(argc, argv);
  Options& opt = g_opt;
  g.keep_tmp = opt.keep_tmp;
  opt.worker = AbsExecutable(opt.worker, "worker");
  opt.daemon = AbsExecutable(opt.daemon, "daemon");
  opt.ctl = AbsExecutable(opt.ctl, "ctl");
  InstallHandlers();

  MakeTmpDir();
  g_ctl_err_path = g.tmpdir + "/spawn.stderr";
  g_control_ep = "ipc://" + g.tmpdir + "/control.sock";
  g_events_ep = "ipc://" + g.tmpdir + "/events.sock";
  g_echo_ep = "ipc://" + g.tmpdir + "/echo.sock";
  {
    IniSpec ini;
    ini.control_ep = g_control_ep;
    ini.events_ep = g_events_ep;
    ini.worker = opt.worker;
    ini.workers = opt.workers;
    ini.graceful_timeout = kGracefulTimeout;
    WriteIni(ini);
  }
  OpenLog();

  const int n = opt.workers;
  MachineLoad load;
  load.Start();
  const long ncpu = load.ncpu;
  printf(
      "bench_control: %d workers, %d requests each for status/list/baseline, %d status detail, "
      "%d stats, %d ringctl runs, %ld CPU(s)\n",
      n, opt.requests, opt.detail_requests, opt.stats_requests, opt.ctl_runs, ncpu);
  fflush(stdout);

  // ---------------------------------------------------------------- set up
  static EchoServer echo(g_echo_ep);
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

  const int64_t t_launch = LaunchDaemon(opt.daemon);
  const int64_t start_deadline = t_launch + static_cast<int64_t>(opt.timeout_s * kNsPerSec);
  std::set<pid_t> fifo_pids;
  while (static_cast<int>(fifo_pids.size()) < n) {
    Spawned w;
    if (!g_reader.Next(start_deadline, &w)) {
      Fail(Fmt("only %zu of %d workers running after %.0f s", fifo_pids.size(), n, opt.timeout_s));
    }
    fifo_pids.insert(w.pid);
    g.worker_pids.insert(w.pid);
  }
  const double start_s = static_cast<double>(NowNs() - t_launch) / kNsPerSec;
  zmq::socket_t dsock = Connect(g_control_ep);
  zmq::socket_t bsock = Connect(g_echo_ep);
  WaitControlReady(dsock, start_deadline);
  if (g.worker_pids != fifo_pids) {
    Fail("list bench does not match the workers that reported running on the FIFO");
  }
  printf("  %d workers running %.2f s after launch; watcher 'bench' active, list bench = %d pids\n",
         n, start_s, n);
  fflush(stdout);

  // ---------------------------------------------------------------- round trips
  std::vector<Series> series = MakeSeries(n);
  Series& base = series[0];
  Series& st = series[1];
  Series& ls = series[2];
  Series& det = series[3];
  Series& sts = series[4];
  base.total = st.total = ls.total = opt.requests;
  det.total = opt.detail_requests;
  sts.total = opt.stats_requests;
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
  const std::vector<std::string> ctl_args = {opt.ctl, "--endpoint", g_control_ep, "status"};
  // A request with a tiny reply: ringctl's own start/connect/exit cost.
  const std::vector<std::string> light_args = {opt.ctl, "--endpoint", g_control_ep, "numwatchers"};
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
    Spawned w;
    while (g_reader.Next(0, &w)) {
      ++extra;
      g.worker_pids.insert(w.pid);
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
    quit_exit_s = AwaitDaemonExit(t, deadline, "after quit", "");
    int zombies = 0;
    survivors = AwaitWorkersGone(g.worker_pids, "", &zombies);
    survivors += zombies;
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
  PrintLogSummary(nullptr);
  load.Finish();
  if (load.other_pct >= 10) {
    printf(
        "NOTE: the machine was busy; round trips wait for wakeups, so prefer figures from an "
        "idle machine.\n");
  }
  const bool ok = PrintProblems();

  std::string j = "{\"bench\":\"control\",\"workers\":" + std::to_string(n) +
                  ",\"requests\":" + std::to_string(opt.requests) +
                  ",\"cpus\":" + std::to_string(ncpu) +
                  ",\"loadavg_start\":" + JsonNum(load.load_start, 2) +
                  ",\"loadavg_end\":" + JsonNum(load.load_end, 2) +
                  ",\"other_load_pct\":" + JsonNum(load.other_pct, 1) +
                  ",\"start_s\":" + JsonNum(start_s, 3) + ",\"round_trip_us\":{";
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
      j += ",\"ratio_median\":" + JsonNum(med / b_med, 3) +
           ",\"ratio_p95\":" + JsonNum(p95 / b_p95, 3) +
           ",\"ratio_p99\":" + JsonNum(p99 / b_p99, 3) +
           ",\"ratio_cpu\":" + JsonNum(cpu_per_req(s) / b_cpu, 3);
    }
    j += "}";
    first = false;
  }
  j += "},\"ringctl_status_ms\":{\"runs\":" + std::to_string(ctl_ms.size()) +
       ",\"median\":" + JsonNum(c_med, 3) + ",\"p95\":" + JsonNum(c_p95, 3) +
       ",\"baseline_true_median\":" + JsonNum(t_med, 3) +
       ",\"baseline_true_p95\":" + JsonNum(t_p95, 3) +
       ",\"ratio_median\":" + JsonNum(c_med / t_med, 3) +
       ",\"ratio_p95\":" + JsonNum(c_p95 / t_p95, 3) +
       ",\"numwatchers_median\":" + JsonNum(Median(light_ms), 3) +
       ",\"numwatchers_p95\":" + JsonNum(Percentile(light_ms, 95), 3) +
       "},\"quit\":{\"reply_s\":" + JsonNum(quit_reply_s, 3) +
       ",\"exit_s\":" + JsonNum(quit_exit_s, 3) + ",\"survivors\":" + std::to_string(survivors) +
       "}";
  j += JsonOkProblemsEnd();
  printf("BENCH_JSON %s\n", j.c_str());
  fflush(stdout);

  KillEverything();
  RemoveTmp();
  fflush(stderr);
  // The ZeroMQ contexts are statics; skip their teardown (nothing is pending).
  _exit(ok ? 0 : 1);
}
