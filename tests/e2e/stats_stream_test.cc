// The stats stream (docs/protocol.md §9): with statsd on, a real SUB gets
// once a second a message per live process, per watcher, for the daemon
// itself and per bound socket, in the shapes circus-top reads.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class StatsStreamTest : public ControlTest {
 protected:
  std::string StatsEndpoint() const { return "ipc://" + dir_->Path("stats.sock"); }
  std::string SocketPath() const { return dir_->Path("listen.sock"); }
  void StartStats(const std::string& watchers) {
    StartDaemon(WriteConfig(CircusSection("statsd = true\nstats_endpoint = " + StatsEndpoint()) +
                            watchers));
    client_ = std::make_unique<ControlClient>(Endpoint());
    ASSERT_TRUE(WaitUntil([&] { return client_->Call("numwatchers", {}, 0.5).has_value(); }, 15))
        << daemon_->Log();
  }
  // Collects stat.* messages until `done` holds for what was seen, or the
  // deadline passes. Later messages of a topic replace earlier ones.
  std::map<std::string, nlohmann::json> Collect(
      const std::function<bool(const std::map<std::string, nlohmann::json>&)>& done, double seconds) {
    EventSubscriber sub(StatsEndpoint(), "stat.");
    std::map<std::string, nlohmann::json> seen;
    WaitUntil([&] {
      while (auto m = sub.Next(0.1)) seen[m->first] = m->second;
      return done(seen);
    }, seconds);
    return seen;
  }
};

TEST_F(StatsStreamTest, ProcessesWatcherDaemonAndSockets) {
  StartStats(Sleeper("w", 2) + "[socket:s]\npath = " + SocketPath() + "\n");
  ASSERT_TRUE(WaitWorkers(2));
  const std::vector<pid_t> pids = LiveWorkers();
  ASSERT_EQ(pids.size(), 2u);
  // A connection nobody accepts keeps the listening socket readable: reads 1.
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strncpy(sa.sun_path, SocketPath().c_str(), sizeof(sa.sun_path) - 1);
  ASSERT_EQ(connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0) << strerror(errno);

  const std::string self = "stat.circus." + std::to_string(daemon_->pid());
  auto seen = Collect([&](const auto& s) {
    for (pid_t p : pids) {
      if (!s.count("stat.w." + std::to_string(p))) return false;
    }
    if (!s.count("stat.w") || !s.count(self) || !s.count("stat.circus") || !s.count("stat.sockets")) {
      return false;
    }
    return s.at("stat.sockets").value("reads", 0) == 1;
  }, 15);
  close(c);

  for (pid_t p : pids) {
    const std::string topic = "stat.w." + std::to_string(p);
    ASSERT_TRUE(seen.count(topic)) << topic << "\n" << daemon_->Log();
    const nlohmann::json& b = seen[topic];
    EXPECT_EQ(b["pid"], p);
    EXPECT_EQ(b["subtopic"], p);
    EXPECT_TRUE(b["name"].is_null());
    EXPECT_TRUE(b["cpu"].is_number()) << b;
    EXPECT_TRUE(b["mem"].is_number()) << b;
    EXPECT_GE(b["age"].get<double>(), 0);
    EXPECT_EQ(b["children"], nlohmann::json::array());
    EXPECT_FALSE(b.contains("started"));
    EXPECT_FALSE(b.contains("wid"));
  }
  ASSERT_TRUE(seen.count("stat.w"));
  std::vector<pid_t> agg = seen["stat.w"]["pid"].get<std::vector<pid_t>>();
  std::sort(agg.begin(), agg.end());
  std::vector<pid_t> want = pids;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(agg, want);
  EXPECT_TRUE(seen["stat.w"]["cpu"].is_number());
  EXPECT_TRUE(seen["stat.w"]["mem"].is_number());
  ASSERT_TRUE(seen.count(self)) << daemon_->Log();
  EXPECT_EQ(seen[self]["name"], "ringmasterd");
  EXPECT_EQ(seen["stat.circus"]["pid"], nlohmann::json::array({daemon_->pid()}));
  ASSERT_TRUE(seen.count("stat.sockets"));
  EXPECT_EQ(seen["stat.sockets"]["addresses"], nlohmann::json::array({SocketPath()}));
  EXPECT_EQ(seen["stat.sockets"]["reads"], 1);
  bool per_socket = false;
  for (const auto& [topic, body] : seen) {
    if (topic.rfind("stat.sockets.", 0) == 0) {
      per_socket = true;
      EXPECT_EQ(body["address"], SocketPath());
      EXPECT_EQ(body["subtopic"], body["fd"]);
    }
  }
  EXPECT_TRUE(per_socket);
}

// A replaced process leaves the stream; its replacement joins it.
TEST_F(StatsStreamTest, FollowsRespawns) {
  StartStats(Sleeper("w", 1));
  ASSERT_TRUE(WaitWorkers(1));
  const pid_t old_pid = LiveWorkers()[0];
  ASSERT_TRUE(Collect([&](const auto& s) { return s.count("stat.w." + std::to_string(old_pid)) > 0; }, 15)
                  .count("stat.w." + std::to_string(old_pid)));
  ASSERT_EQ(kill(old_pid, SIGKILL), 0);
  pid_t fresh = 0;
  ASSERT_TRUE(WaitUntil([&] {
    std::vector<pid_t> now = LiveWorkers();
    if (now.size() == 1 && now[0] != old_pid) fresh = now[0];
    return fresh != 0;
  }, 15));
  auto seen = Collect([&](const auto& s) {
    return s.count("stat.w." + std::to_string(fresh)) && s.count("stat.w") &&
           s.at("stat.w")["pid"] == nlohmann::json::array({fresh});
  }, 15);
  EXPECT_EQ(seen["stat.w"]["pid"], nlohmann::json::array({fresh})) << daemon_->Log();
}

// statsd off (the default): no stats socket is bound (the bind is logged).
TEST_F(StatsStreamTest, OffByDefault) {
  StartWith(Sleeper("w", 1));
  ASSERT_TRUE(WaitWorkers(1));
  EXPECT_EQ(daemon_->Log().find("stats endpoint"), std::string::npos) << daemon_->Log();
}

}  // namespace
}  // namespace ringmaster::test
