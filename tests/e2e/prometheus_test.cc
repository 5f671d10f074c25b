// /metrics scraped by a real Prometheus (Debian's `prometheus` package, with
// the bearer token), then queried back through Prometheus's HTTP API; and
// `promtool check metrics` on the text. Process series are per slot
// (watcher, wid) with the pid as a value, so a respawn continues the slot's
// series instead of opening a new one.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <set>

#include "tests/e2e/http_e2e.h"

namespace ringmaster::test {
namespace {

// A prometheus server for one test, killed (and reaped) at the end.
class PrometheusServer {
 public:
  PrometheusServer(const std::string& dir, int port, int target_port, const std::string& token)
      : port_(port) {
    const std::string config = dir + "/prometheus.yml";
    WriteFile(dir + "/token", token);
    WriteFile(config,
              "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
              "scrape_configs:\n  - job_name: ringmaster\n"
              "    authorization:\n      credentials_file: " + dir + "/token\n"
              "    static_configs:\n      - targets: ['127.0.0.1:" + std::to_string(target_port) +
                  "']\n");
    const std::string log = dir + "/prometheus.log";
    pid_ = fork();
    if (pid_ == 0) {
      freopen(log.c_str(), "w", stdout);
      dup2(fileno(stdout), 2);
      execlp("prometheus", "prometheus", ("--config.file=" + config).c_str(),
             ("--storage.tsdb.path=" + dir + "/data").c_str(),
             ("--web.listen-address=127.0.0.1:" + std::to_string(port)).c_str(), nullptr);
      _exit(127);
    }
  }
  ~PrometheusServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // The result vector of an instant query (empty on any failure).
  json Query(const std::string& expr) {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(2, 0);
    c.set_read_timeout(5, 0);
    auto r = c.Get("/api/v1/query", httplib::Params{{"query", expr}}, httplib::Headers{});
    if (!r || r->status != 200) return json::array();
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || j.value("status", "") != "success") return json::array();
    return j["data"]["result"];
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

class Prometheus : public HttpTest {};

TEST_F(Prometheus, ScrapesWithTheTokenAndSeriesFollowSlots) {
  if (RunShell("command -v prometheus && command -v promtool").first != 0) {
    GTEST_SKIP() << "prometheus is not installed (make deps installs it)";
  }
  StartHttp(Sleeper("web", 2));
  ASSERT_TRUE(WaitWorkers(2));
  // promtool's linter: names, types, help, _total on counters.
  auto m = Get("/metrics", Auth());
  ASSERT_TRUE(m);
  ASSERT_TRUE(WriteFile(dir_->Path("metrics.txt"), m->body));
  auto [rc, lint] = RunShell("promtool check metrics < '" + dir_->Path("metrics.txt") + "'");
  EXPECT_EQ(rc, 0) << lint;
  EXPECT_EQ(lint, "") << lint;

  PrometheusServer prom(dir_->Path(""), FreePort(), port_, token_);
  json up;
  ASSERT_TRUE(WaitUntil([&] {
    up = prom.Query("up{job=\"ringmaster\"}");
    return up.size() == 1 && up[0]["value"][1] == "1";
  }, 60)) << "prometheus never scraped /metrics: " << up.dump() << "\n"
          << ReadFile(dir_->Path("prometheus.log"));
  json pids;
  ASSERT_TRUE(WaitUntil([&] {
    pids = prom.Query("ringmaster_process_pid{watcher=\"web\"}");
    return pids.size() == 2;
  }, 30)) << pids.dump();
  std::set<std::string> wids;
  for (const json& s : pids) {
    wids.insert(s["metric"].value("wid", ""));
    EXPECT_FALSE(s["metric"].contains("pid")) << s.dump();
  }
  EXPECT_EQ(wids, (std::set<std::string>{"1", "2"}));

  // Kill wid 1's process: the same series carries the new pid, and no third
  // series appears.
  pid_t old_pid = 0;
  for (const json& s : pids) {
    if (s["metric"]["wid"] == "1") old_pid = std::stoi(s["value"][1].get<std::string>());
  }
  ASSERT_GT(old_pid, 0);
  ASSERT_EQ(kill(old_pid, SIGKILL), 0);
  json now;
  ASSERT_TRUE(WaitUntil([&] {
    now = prom.Query("ringmaster_process_pid{watcher=\"web\",wid=\"1\"}");
    return now.size() == 1 && now[0]["value"][1] != std::to_string(old_pid);
  }, 30)) << now.dump();
  EXPECT_EQ(prom.Query("count(count_over_time(ringmaster_process_pid{watcher=\"web\"}[5m]))")[0]["value"][1],
            "2");
  EXPECT_EQ(prom.Query("ringmaster_watcher_restarts_total{watcher=\"web\"}").size(), 1u);
}

}  // namespace
}  // namespace ringmaster::test
