// The HTTP endpoint of ringmasterd (web/): JSON API, token rules, RFC 7807
// errors, actions through the command table, SSE, /metrics, the status page,
// and /healthz staying responsive with many idle connections.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/e2e/http_e2e.h"

namespace ringmaster::test {
namespace {

TEST_F(HttpTest, StatusAndWatcherViews) {
  StartHttp(Sleeper("web", 2));
  ASSERT_TRUE(WaitWorkers(2));
  ASSERT_TRUE(WaitUntil([&] { return Watcher("web").value("ready", 0) == 2; }, 10));

  // CPU and RSS come from the /proc worker's sample, at most about a second
  // old: right after start they may still be null.
  json s;
  ASSERT_TRUE(WaitUntil([&] {
    auto got = Get("/api/status", Auth());
    if (!got || got->status != 200) return false;
    s = Body(got);
    if (s["watchers"].size() != 1 || s["watchers"][0]["processes"].size() != 2) return false;
    for (const json& p : s["watchers"][0]["processes"]) {
      if (!p["rss"].is_number()) return false;
    }
    return true;
  }, 10)) << s.dump();
  auto r = Get("/api/status", Auth());
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(s["daemon"]["pid"], daemon_->pid());
  ASSERT_EQ(s["watchers"].size(), 1u);
  json w = s["watchers"][0];
  EXPECT_EQ(w["name"], "web");
  EXPECT_EQ(w["state"], "active");
  EXPECT_EQ(w["readiness"], "ready");
  EXPECT_EQ(w["numprocesses"], 2);
  EXPECT_EQ(w["restarts"], 0);
  EXPECT_TRUE(w["last_exit"].is_null());
  ASSERT_EQ(w["processes"].size(), 2u);
  std::vector<pid_t> pids;
  for (const json& p : w["processes"]) {
    pids.push_back(p["pid"].get<pid_t>());
    EXPECT_EQ(p["state"], "ready");
    for (const char* key : {"wid", "started", "uptime", "rss", "cpu_seconds", "cpu_percent"}) {
      EXPECT_TRUE(p[key].is_number()) << key << " in " << p.dump();
    }
  }
  std::sort(pids.begin(), pids.end());
  EXPECT_EQ(pids, LiveWorkers());

  // Case-insensitive lookup; unknown names are a 404 problem.
  EXPECT_EQ(Watcher("WEB").value("name", ""), "web");
  ExpectProblem(Get("/api/watchers/nope", Auth()), 404);
  ExpectProblem(Get("/api/nothing-here", Auth()), 404);

  // A crash shows up as last_exit and restarts.
  ASSERT_EQ(kill(pids[0], SIGKILL), 0);
  ASSERT_TRUE(WaitUntil([&] { return Watcher("web")["last_exit"].is_object(); }, 10));
  json last = Watcher("web")["last_exit"];
  EXPECT_EQ(last["pid"], pids[0]);
  EXPECT_EQ(last["exit_code"], -9);
  EXPECT_GE(Watcher("web").value("restarts", 0), 1);
}

TEST_F(HttpTest, TokenRules) {
  StartHttp(Sleeper("web", 1));
  // Open: the liveness probe and the page (neither carries state).
  auto h = Get("/healthz", {});
  ASSERT_EQ(h->status, 200);
  EXPECT_EQ(Body(h)["status"], "ok");
  auto page = Get("/", {});
  ASSERT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("app.js"), std::string::npos);
  EXPECT_EQ(Get("/app.js", {})->status, 200);
  EXPECT_EQ(Get("/style.css", {})->status, 200);

  // Everything else needs the token: 401 without it or with a wrong one.
  for (const char* path : {"/api/status", "/api/watchers/web", "/metrics", "/api/events"}) {
    auto r = Get(path, {});
    ExpectProblem(r, 401);
    EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"ringmaster\"");
    ExpectProblem(Get(path, Auth("wrong")), 401);
    ExpectProblem(Get(path, Auth("secretX")), 401);
    ExpectProblem(Get(path, {{"Authorization", "Basic c2VjcmV0"}}), 401);
  }
  ExpectProblem(Post("/api/watchers/web/incr", "", Auth("nope")), 401);
  ExpectProblem(Post("/api/reloadconfig", "", {{"X-Nothing", "1"}}), 401);
  EXPECT_EQ(Get("/api/status", Auth())->status, 200);
  EXPECT_EQ(Get("/api/status", {{"Authorization", "bearer secret"}})->status, 200);
}

TEST_F(HttpTest, NoTokenMeansOpenReadsAndNoActions) {
  StartHttp(Sleeper("web", 1), "");
  ASSERT_TRUE(WaitUntil([&] { return Watcher("web")["state"] == "active"; }, 10));
  EXPECT_EQ(Get("/api/status", {})->status, 200);
  EXPECT_EQ(Get("/metrics", {})->status, 200);
  auto r = Post("/api/watchers/web/stop", "", {{"Authorization", "Bearer anything"}});
  ExpectProblem(r, 403);
  EXPECT_NE(Body(r)["detail"].get<std::string>().find("http_token"), std::string::npos);
  ExpectProblem(Post("/api/reloadconfig", "", {{"X-Nothing", "1"}}), 403);
  EXPECT_EQ(Watcher("web")["state"], "active");
}

TEST_F(HttpTest, ActionsGoThroughTheCommandTable) {
  StartHttp(Sleeper("web", 1) + Sleeper("slow", 1));
  ASSERT_TRUE(WaitWorkers(2));
  ASSERT_TRUE(WaitUntil([&] { return Watcher("slow")["state"] == "active"; }, 10));

  // incr/decr with waiting: the reply carries the result fields.
  auto r = Post("/api/watchers/web/incr?nb=2&waiting=true");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Body(r)["numprocesses"], 3);
  EXPECT_EQ(Body(r)["status"], "ok");
  ASSERT_TRUE(WaitWorkers(4));
  r = Post("/api/watchers/web/decr", R"({"nb": 1, "waiting": true})");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Body(r)["numprocesses"], 2);

  // Bad input: 400 with the protocol's reason; unknown names and actions 404.
  r = Post("/api/watchers/web/incr?nb=two");
  ExpectProblem(r, 400);
  r = Post("/api/watchers/web/incr", R"({"nb": "2"})");
  ExpectProblem(r, 400);
  EXPECT_EQ(Body(r)["errno"], 3);
  ExpectProblem(Post("/api/watchers/web/incr", "{not json"), 400);
  ExpectProblem(Post("/api/watchers/web/incr?bogus=1"), 400);
  ExpectProblem(Post("/api/watchers/nope/stop"), 404);
  ExpectProblem(Post("/api/watchers/web/explode"), 404);
  ExpectProblem(Post("/api/watchers/web/incr", std::string(100 * 1024, ' ')), 413);

  // signal is synchronous: 200.
  r = Post("/api/watchers/web/signal?signum=USR2");
  EXPECT_EQ(r->status, 200) << r->body;
  ExpectProblem(Post("/api/watchers/web/signal?signum=NOPE"), 400);

  // Without waiting an async command is accepted (202). (A conflicting change
  // while it runs is 409: BusyWatcherIsConflict.)
  r = Post("/api/watchers/slow/stop");
  EXPECT_EQ(r->status, 202) << r->body;
  ASSERT_TRUE(WaitUntil([&] { return Watcher("slow")["state"] == "stopped"; }, 10));
  r = Post("/api/watchers/slow/start?waiting=true");
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Watcher("slow")["state"], "active");

  // Rolling restart options pass through; waiting gives the info field.
  r = Post("/api/watchers/web/restart?graceful=true&max_surge=1&waiting=true");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(Body(r)["info"].is_object()) << r->body;
  r = Post("/api/watchers/web/reload", R"({"sequential": true, "waiting": true})");
  ASSERT_EQ(r->status, 200) << r->body;

  r = Post("/api/reloadconfig?waiting=true");
  EXPECT_EQ(r->status, 200) << r->body;
  r = Post("/api/watchers/web/stop?waiting=true");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Watcher("web")["state"], "stopped");
}

TEST_F(HttpTest, BusyWatcherIsConflict) {
  std::string slow = "[watcher:slow]\ncmd = " + Worker("--ignore-term") +
                     "\nnumprocesses = 1\ngraceful_timeout = 3\n";
  StartHttp(slow);
  ASSERT_TRUE(WaitWorkers(1));
  auto r = Post("/api/watchers/slow/stop");
  ASSERT_EQ(r->status, 202) << r->body;
  r = Post("/api/watchers/slow/incr");
  ExpectProblem(r, 409);
  EXPECT_EQ(Body(r)["errno"], 5);
  EXPECT_NE(Body(r)["detail"].get<std::string>().find("busy"), std::string::npos);
  ASSERT_TRUE(WaitUntil([&] { return Watcher("slow")["state"] == "stopped"; }, 15));
}

TEST_F(HttpTest, MetricsInPrometheusTextFormat) {
  StartHttp(Sleeper("web", 2) + Sleeper("idle", 0));
  ASSERT_TRUE(WaitWorkers(2));
  ASSERT_TRUE(WaitUntil([&] { return Watcher("web").value("ready", 0) == 2; }, 10));
  // Per-process usage appears once the /proc worker has sampled it.
  ASSERT_TRUE(WaitUntil([&] {
    json procs = Watcher("web")["processes"];
    if (procs.size() != 2) return false;
    for (const json& p : procs) {
      if (!p["rss"].is_number()) return false;
    }
    return true;
  }, 10));
  auto r = Get("/metrics", Auth());
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/plain; version=0.0.4"), std::string::npos);
  std::regex sample(R"(^([a-z_]+)(\{([a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*)\})? (-?[0-9.e+-]+|NaN)$)");
  std::regex comment(R"(^# (HELP|TYPE) [a-z_]+ .+$)");
  std::map<std::string, std::string> values;  // name{labels} -> value
  std::istringstream in(r->body);
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, comment)) continue;
    ASSERT_TRUE(std::regex_match(line, m, sample)) << "bad line: '" << line << "'";
    values[m[1].str() + (m[2].matched ? m[2].str() : "")] = m[5];
    ++samples;
  }
  EXPECT_GT(samples, 10);
  EXPECT_EQ(values["ringmaster_watcher_up{watcher=\"web\"}"], "1");
  EXPECT_EQ(values["ringmaster_watcher_ready{watcher=\"web\"}"], "1");
  EXPECT_EQ(values["ringmaster_watcher_desired_processes{watcher=\"idle\"}"], "0");
  EXPECT_EQ(values["ringmaster_watcher_running_processes{watcher=\"web\"}"], "2");
  int up = 0, rss = 0;
  for (const auto& [k, v] : values) {
    if (k.rfind("ringmaster_process_up{watcher=\"web\"", 0) == 0) ++up;
    if (k.rfind("ringmaster_process_resident_memory_bytes{", 0) == 0) {
      EXPECT_GT(std::stod(v), 0) << k;
      ++rss;
    }
  }
  EXPECT_EQ(up, 2);
  EXPECT_EQ(rss, 2) << r->body;
  // Series are per slot: the pids are values of ringmaster_process_pid, never labels.
  EXPECT_GT(std::stol(values["ringmaster_process_pid{watcher=\"web\",wid=\"1\"}"]), 0);
  EXPECT_GT(std::stol(values["ringmaster_process_pid{watcher=\"web\",wid=\"2\"}"]), 0);
  EXPECT_EQ(r->body.find("pid=\""), std::string::npos);
  EXPECT_TRUE(values.count("ringmaster_loop_lag_seconds"));
  EXPECT_TRUE(values.count("ringmaster_commands_served_total"));
  EXPECT_GE(std::stod(values["ringmaster_http_requests_total"]), 2);
}

TEST_F(HttpTest, EventStreamDeliversEvents) {
  StartHttp(Sleeper("web", 1));
  ASSERT_TRUE(WaitWorkers(1));
  std::mutex mu;
  std::string received;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    auto c = Client();
    c->Get("/api/events", Auth(), [&](const char* data, size_t n) {
      std::lock_guard<std::mutex> lock(mu);
      received.append(data, n);
      return !stop.load();
    });
  });
  auto seen = [&](const std::string& needle) {
    std::lock_guard<std::mutex> lock(mu);
    return received.find(needle) != std::string::npos;
  };
  ASSERT_TRUE(WaitUntil([&] { return seen(": connected"); }, 5));
  auto r = Post("/api/watchers/web/incr");
  EXPECT_EQ(r->status, 202);
  EXPECT_TRUE(WaitUntil([&] { return seen("event: spawn"); }, 10));
  EXPECT_TRUE(seen("\"topic\":\"watcher.web.spawn\""));
  stop = true;
  Post("/api/watchers/web/decr");  // one more event so the reader returns
  reader.join();
}

TEST_F(HttpTest, HealthzAnswersWithManyIdleConnections) {
  StartHttp(Sleeper("web", 1));
  std::vector<int> fds;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < 200; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << i;
    fds.push_back(fd);
    // Half of them also start a request and never finish it (slow clients).
    if (i % 2) {
      ASSERT_GT(write(fd, "GET /api/status HTTP/1.1\r\n", 26), 0);
    }
  }
  for (int round = 0; round < 3; ++round) {
    auto t0 = std::chrono::steady_clock::now();
    auto c = Client();
    c->set_read_timeout(1, 0);
    auto r = c->Get("/healthz");
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(took, 1.0);
  }
  for (int fd : fds) close(fd);
}

}  // namespace
}  // namespace ringmaster::test
