// max_age / max_rss rotation (docs/config.md §10.3): spawn a replacement,
// wait until it is ready, then stop the old process; capacity never dips.
#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class Rotation : public ControlTest {};

TEST_F(Rotation, MaxAgeRotatesSpawnFirstWithoutCapacityDip) {
  StartDaemon(WriteConfig(CircusSection("check_delay = 0.3") + "[watcher:web]\ncmd = " +
                          Worker("--ready-fd 3 --ready-delay 0.1") +
                          "\nready_fd = 3\nnumprocesses = 2\nmax_age = 2\nmax_age_variance = 0\n"));
  client_ = std::make_unique<ControlClient>(Endpoint());
  EventSubscriber sub(PubEndpoint());
  ASSERT_TRUE(WaitUntil([&] { return client_->Call("numwatchers", {}, 0.5).has_value(); }, 15));
  // Once the subscription is live (a probe event arrives), take the ready
  // processes from the daemon and follow the events from there.
  ASSERT_TRUE(WaitUntil([&] {
    Call("set", {{"name", "web"}, {"options", {{"max_age_variance", 0}}}});
    return sub.Next(0.2).has_value();
  }, 10));
  std::set<pid_t> ready;
  ASSERT_TRUE(WaitUntil([&] {
    return Call("status", {{"name", "web"}, {"detail", true}})["detail"]["ready"] == 2;
  }, 10));
  nlohmann::json detail = Call("status", {{"name", "web"}, {"detail", true}})["detail"];
  for (auto& p : detail["processes"]) {
    if (p["state"] == "ready") ready.insert(p["pid"].get<pid_t>());
  }
  size_t min_ready = ready.size();
  int rotations = 0;
  std::string trace;
  // Follow two rotations of each of the two processes.
  while (rotations < 4) {
    auto ev = sub.Next(20);
    ASSERT_TRUE(ev) << trace << daemon_->Log();
    const std::string& t = ev->first;
    trace += t + " " + ev->second.dump() + "\n";
    if (t == "watcher.web.ready") ready.insert(ev->second["process_pid"].get<pid_t>());
    if (t == "watcher.web.kill") ready.erase(ev->second["process_pid"].get<pid_t>());
    if (t == "watcher.web.rotate") {
      EXPECT_EQ(ev->second["reason"], "max_age");
      ++rotations;
    }
    min_ready = std::min(min_ready, ready.size());
  }
  EXPECT_GE(min_ready, 2u) << trace;
}

TEST_F(Rotation, MaxRssRotatesWithTheMeasuredSize) {
  StartDaemon(WriteConfig(CircusSection("check_delay = 0.3") + "[watcher:web]\ncmd = " +
                          Worker("--ready-fd 3") + "\nready_fd = 3\nmax_rss = 4K\n"));
  client_ = std::make_unique<ControlClient>(Endpoint());
  EventSubscriber sub(PubEndpoint());
  ASSERT_TRUE(WaitUntil([&] { return client_->Call("numwatchers", {}, 0.5).has_value(); }, 15));
  for (;;) {
    auto ev = sub.Next(20);
    ASSERT_TRUE(ev) << daemon_->Log();
    if (ev->first != "watcher.web.rotate") continue;
    EXPECT_EQ(ev->second["reason"], "max_rss");
    EXPECT_GT(ev->second["rss"].get<int64_t>(), 4096);
    break;
  }
}

}  // namespace
}  // namespace ringmaster::test
