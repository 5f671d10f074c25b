// Events on the PUB socket (docs/protocol.md §8): topics and bodies for
// spawn, reap, kill, stop, start, add, remove, updated.
#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class ControlEvents : public ControlTest {
 protected:
  void Subscribe() {
    sub_ = std::make_unique<EventSubscriber>(PubEndpoint());
    // A SUB misses what is published before it is connected: wait until a
    // probe event arrives.
    ASSERT_TRUE(WaitUntil([&] {
      Call("set", {{"name", "w"}, {"options", {{"max_age_variance", 30}}}});
      return sub_->Next(0.2).has_value();
    }, 10));
    while (sub_->Next(0.2)) {
    }
  }
  std::unique_ptr<EventSubscriber> sub_;
};

TEST_F(ControlEvents, StopStartRestartSequences) {
  StartWith(Sleeper("w", 2));
  ASSERT_TRUE(WaitWorkers(2));
  Subscribe();
  std::vector<pid_t> pids = LiveWorkers();
  Call("stop", {{"name", "w"}});
  auto seen = sub_->WaitFor("watcher.w.stop", 15);
  ASSERT_TRUE(seen) << daemon_->Log();
  EXPECT_EQ(std::count(seen->begin(), seen->end(), "watcher.w.kill"), 2);
  EXPECT_EQ(std::count(seen->begin(), seen->end(), "watcher.w.reap"), 2);

  Call("start", {{"name", "w"}});
  auto event = sub_->Next(10);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->first, "watcher.w.spawn");
  EXPECT_TRUE(event->second["process_pid"].is_number_integer());
  EXPECT_TRUE(event->second["time"].is_number_float());
  seen = sub_->WaitFor("watcher.w.start", 10);
  ASSERT_TRUE(seen);
  EXPECT_EQ(std::count(seen->begin(), seen->end(), "watcher.w.spawn"), 1);
}

TEST_F(ControlEvents, CrashGivesReapWithExitCodeThenSpawn) {
  StartWith(Sleeper("w", 1));
  ASSERT_TRUE(WaitWorkers(1));
  Subscribe();
  pid_t pid = LiveWorkers()[0];
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  auto reap = sub_->Next(10);
  ASSERT_TRUE(reap);
  EXPECT_EQ(reap->first, "watcher.w.reap");
  EXPECT_EQ(reap->second["process_pid"], pid);
  EXPECT_EQ(reap->second["exit_code"], -9);
  auto spawn = sub_->Next(10);
  ASSERT_TRUE(spawn);
  EXPECT_EQ(spawn->first, "watcher.w.spawn");
}

TEST_F(ControlEvents, AddRemoveAndUpdated) {
  StartWith(Sleeper("w", 1));
  Subscribe();
  Call("add", {{"name", "Extra Worker"}, {"cmd", FakeWorkerPath()}});
  auto ev = sub_->Next(10);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->first, "watcher.extra_worker.add");
  Call("set", {{"name", "w"}, {"options", {{"graceful_timeout", 4}, {"max_retry", 3}}}});
  auto seen = sub_->WaitFor("watcher.w.updated", 10);
  ASSERT_TRUE(seen);
  ev = sub_->Next(10);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->first, "watcher.w.updated") << "one event per key";
  Call("rm", {{"name", "extra worker"}});
  ev = sub_->Next(10);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->first, "watcher.extra_worker.remove");
}

}  // namespace
}  // namespace ringmaster::test
