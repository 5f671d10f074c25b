// bench_upgrade: the in-place upgrade of ringmasterd with N workers (see
// bench/README.md, "bench_upgrade").
//
//   bench_upgrade --daemon PATH --worker PATH [--workers 1000] [--rounds 5]
//                 [--kills 10] [--timeout 60] [--keep-tmp]
//
// Each round sends `upgrade` with waiting on a DEALER that has a routing id
// and reconnects after 1 ms (so the measure is the daemon's, not libzmq's
// default 100 ms reconnect interval), then `status` on the same socket:
//   reply:   command -> the new image's `upgrade` reply
//   status:  command -> the new image's answer to the `status` sent after it
//   respawn: right after, kill -9 of a worker -> its replacement's FIFO
//            timestamp (--kills per round, one at a time)
// Every round checks that the daemon kept its pid and all N workers theirs.
// Target (issue "in-place upgrade"): status <= 100 ms with 1,000 workers.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "bench_control_rt.h"
#include "bench_util.h"

namespace {

using namespace bench;
using json = nlohmann::json;

struct Options {
  std::string daemon, worker;
  int workers = 1000;
  int rounds = 5;
  int kills = 10;
  double timeout_s = 60;
  bool keep_tmp = false;
};
Options g_opt;
LineReader g_reader;

[[noreturn]] void Usage(const char* problem) {
  if (problem) fprintf(stderr, "bench_upgrade: %s\n", problem);
  fprintf(stderr,
          "usage: bench_upgrade --daemon PATH --worker PATH [--workers 1000] [--rounds 5]\n"
          "                     [--kills 10] [--timeout 60] [--keep-tmp]\n");
  exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  Args a(argc, argv, [](const char* p) { Usage(p); });
  while (a.Next()) {
    const std::string& f = a.flag();
    if (f == "--daemon") o.daemon = a.Value();
    else if (f == "--worker") o.worker = a.Value();
    else if (f == "--workers") o.workers = static_cast<int>(a.Num(1, 100000));
    else if (f == "--rounds") o.rounds = static_cast<int>(a.Num(1, 1000));
    else if (f == "--kills") o.kills = static_cast<int>(a.Num(0, 10000));
    else if (f == "--timeout") o.timeout_s = a.Num(1, 3600);
    else if (f == "--keep-tmp") o.keep_tmp = true;
    else Usage(("unknown option " + f).c_str());
  }
  if (o.daemon.empty() || o.worker.empty()) Usage("--daemon and --worker are required");
  return o;
}

// Waits for `n` workers to report; returns their pids.
std::set<pid_t> CollectN(int n) {
  std::set<pid_t> pids;
  const int64_t deadline = NowNs() + static_cast<int64_t>(g_opt.timeout_s * kNsPerSec);
  Spawned s;
  while (static_cast<int>(pids.size()) < n) {
    if (!g_reader.Next(deadline, &s)) Fail(Fmt("only %zu of %d workers running", pids.size(), n));
    pids.insert(s.pid);
    g.worker_pids.insert(s.pid);
  }
  return pids;
}

std::string Request(const std::string& id, const std::string& command, const json& props) {
  return json{{"id", id}, {"command", command}, {"properties", props}}.dump();
}

}  // namespace

int main(int argc, char** argv) {
  g.name = "bench_upgrade";
  g_opt = ParseArgs(argc, argv);
  g.keep_tmp = g_opt.keep_tmp;
  g_opt.worker = AbsExecutable(g_opt.worker, "worker");
  g_opt.daemon = AbsExecutable(g_opt.daemon, "daemon");
  InstallHandlers();
  MakeTmpDir();
  OpenLog();
  const std::string control = "ipc://" + g.tmpdir + "/control.sock";
  static zmq::context_t client_ctx(1);
  g_client_ctx = &client_ctx;
  MachineLoad load;
  load.Start();
  const int n = g_opt.workers;
  printf("bench_upgrade: %d workers, %d round(s), %d kill(s) after each, %ld CPU(s)\n", n,
         g_opt.rounds, g_opt.kills, load.ncpu);
  fflush(stdout);

  IniSpec ini;
  ini.control_ep = control;
  ini.events_ep = "ipc://" + g.tmpdir + "/events.sock";
  ini.worker = g_opt.worker;
  ini.workers = n;
  ini.watcher_extra = "backoff_reset = 0\n";
  WriteIni(ini);
  LaunchDaemon(g_opt.daemon);
  const pid_t daemon_pid = g.daemon_pid;
  std::set<pid_t> live = CollectN(n);

  // Connect()'s socket, plus a routing id (the new image answers it) and a
  // 1 ms reconnect interval.
  zmq::socket_t sock(*g_client_ctx, zmq::socket_type::dealer);
  sock.set(zmq::sockopt::linger, 0);
  sock.set(zmq::sockopt::rcvtimeo, kRecvSliceMs);
  sock.set(zmq::sockopt::sndtimeo, kReplyTimeoutMs);
  sock.set(zmq::sockopt::routing_id, zmq::buffer(Fmt("bench-upgrade-%d", getpid())));
  sock.set(zmq::sockopt::reconnect_ivl, 1);
  sock.connect(control);
  zmq::message_t reply;
  // Every watcher active (all ready) before the first upgrade.
  for (int k = 0;; ++k) {
    RoundTrip(sock, Request(Fmt("ready-%d", k), "status", {{"name", "bench"}}), &reply, "status");
    if (ParseReply(reply, "status").value("status", "") == "active") break;
    if (k > 1000) Fail("watcher 'bench' not active");
    usleep(20000);  // setup only
  }

  std::vector<double> reply_ms, status_ms, respawn_ms;
  std::mt19937 rng(12345);
  for (int round = 1; round <= g_opt.rounds; ++round) {
    const int64_t t0 = NowNs();
    RoundTrip(sock, Request(Fmt("up-%d", round), "upgrade", {{"waiting", true}}), &reply, "upgrade");
    const int64_t t_reply = NowNs();
    json up = ParseReply(reply, "upgrade");
    if (up.value("status", "") != "ok") Fail("upgrade: " + up.dump());
    if (up.value("pid", 0) != daemon_pid) Fail("upgrade: the pid changed: " + up.dump());
    RoundTrip(sock, Request(Fmt("st-%d", round), "status", json::object()), &reply, "status");
    const int64_t t_status = NowNs();
    if (ParseReply(reply, "status").value("status", "") != "ok") Fail("status after the upgrade");
    reply_ms.push_back((t_reply - t0) / 1e6);
    status_ms.push_back((t_status - t0) / 1e6);
    // Right after: respawns, one at a time.
    for (int k = 0; k < g_opt.kills; ++k) {
      std::vector<pid_t> v(live.begin(), live.end());
      pid_t victim = v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
      const int64_t tk = NowNs();
      if (kill(victim, SIGKILL) != 0) Fail(Fmt("kill %d: %s", victim, strerror(errno)));
      live.erase(victim);
      Spawned s;
      if (!g_reader.Next(tk + 10 * kNsPerSec, &s)) Fail(Fmt("no replacement for %d", victim));
      live.insert(s.pid);
      g.worker_pids.insert(s.pid);
      respawn_ms.push_back((s.ts - tk) / 1e6);
    }
    // Every worker is still a child of the same daemon.
    int children = CountLiveChildren(daemon_pid);
    if (children != n) g.problems.push_back(Fmt("round %d: %d live children, not %d", round, children, n));
    printf("  round %d: reply %.1f ms  status %.1f ms\n", round, reply_ms.back(), status_ms.back());
    fflush(stdout);
  }
  printf("  upgrade with %d workers: status answered by the new image after %.1f ms median, "
         "%.1f ms max (target <= 100 ms)\n",
         n, Median(status_ms), Percentile(status_ms, 100));
  if (!respawn_ms.empty()) {
    printf("  respawn right after an upgrade: p50 %.2f ms, p99 %.2f ms (%zu kills)\n",
           Median(respawn_ms), Percentile(respawn_ms, 99), respawn_ms.size());
  }

  const int64_t t = NowNs();
  kill(g.daemon_pid, SIGTERM);
  AwaitDaemonExit(t, t + 30 * kNsPerSec, "after SIGTERM", "");
  AwaitWorkersGone(g.worker_pids, "", nullptr);
  load.Finish();
  PrintLogSummary("");
  std::string js = "{\"bench\":\"upgrade\",\"workers\":" + std::to_string(n) +
                   ",\"reply_ms\":" + JsonArr(reply_ms, 2) + ",\"status_ms\":" + JsonArr(status_ms, 2) +
                   ",\"status_ms_median\":" + JsonNum(Median(status_ms), 2) +
                   ",\"respawn_ms_p50\":" + JsonNum(Median(respawn_ms), 3) +
                   ",\"respawn_ms_p99\":" + JsonNum(Percentile(respawn_ms, 99), 3) +
                   JsonOkProblemsEnd();
  printf("BENCH_JSON %s\n", js.c_str());
  bool ok = PrintProblems();
  RemoveTmp();
  return ok ? 0 : 1;
}
