// Exits the daemon caused never count as failures or flaps
// (docs/config.md §10.2): stop, kill (with and without the SIGKILL escalation), decr, a
// rolling restart, a graceful reload, a max_age rotation and a reload that
// shrinks the watcher. Each test first spends slot 1's burst, with flapping
// set to trip on the first crash past it, so a single miscounted exit shows
// as a `backoff` or `flapping` event. Virtual time, fake pids.
#include <gtest/gtest.h>
#include <signal.h>

#include "daemon/watcher.h"
#include "tests/support/fake_watcher_host.h"

namespace ringmaster {
namespace {

class WatcherCommandedExitTest : public FakeHostTest {
 protected:
  static WatcherConfig Config(int n = 1) {
    WatcherConfig c = FakeWorkerConfig(n);
    c.flapping.enabled = true;
    c.flapping.attempts = 0;  // the first crash past a slot's burst flaps
    c.flapping.window = 1000;
    return c;
  }

  // Starts the watcher and crashes slot 1 through its burst allowance.
  void StartWithSlot1BurstSpent(WatcherConfig c = Config()) {
    StartWatcher(c);
    for (int i = 0; i < c.backoff.burst; ++i) host_.Exit(SlotPid(1), 1);
    ASSERT_EQ(host_.AliveInSlot(1).size(), 1u);
    ASSERT_EQ(watcher_->restarts(), c.backoff.burst);
    ASSERT_EQ(host_.sink().Count("backoff"), 0);
  }

  void ExpectNothingCounted() {
    EXPECT_EQ(watcher_->restarts(), 3);
    EXPECT_EQ(host_.sink().Count("backoff"), 0);
    EXPECT_EQ(host_.sink().Count("flapping"), 0);
    EXPECT_TRUE(watcher_->BackoffJson().empty());
  }

  // The next crash of slot 1 is its 4th failure: the watcher flaps. Shows
  // the test would have seen a miscounted exit.
  void ExpectSlot1CrashFlaps() {
    ASSERT_EQ(host_.AliveInSlot(1).size(), 1u);
    host_.Exit(SlotPid(1), 1);
    EXPECT_EQ(host_.sink().Count("flapping"), 1);
  }
};

TEST_F(WatcherCommandedExitTest, KillIsNoFailure) {
  StartWithSlot1BurstSpent();
  pid_t old = OnlyPid();
  bool done = false;
  watcher_->KillProcesses({old}, std::nullopt, std::nullopt, [&] { done = true; });
  host_.Pump();
  EXPECT_TRUE(done);
  ASSERT_EQ(host_.child(old).signals, std::vector<int>{SIGTERM});
  EXPECT_NE(OnlyPid(), old) << "replaced at once";
  ExpectNothingCounted();
  ExpectSlot1CrashFlaps();
}

TEST_F(WatcherCommandedExitTest, KillEscalatingToSigkillIsNoFailure) {
  WatcherConfig c = Config();
  // The 30 s of grace must neither make a stable run nor leave the burst window.
  c.backoff.reset = 1000;
  c.backoff.window = 1000;
  StartWithSlot1BurstSpent(c);
  pid_t old = OnlyPid();
  host_.child(old).ignored.insert(SIGTERM);
  watcher_->KillProcesses({old}, std::nullopt, std::nullopt, nullptr);
  host_.Pump();
  EXPECT_TRUE(SecondsAre(host_.fake_clock().PendingDelays(), {30}));  // graceful_timeout
  host_.Advance(29.9);
  EXPECT_EQ(host_.child(old).signals, std::vector<int>{SIGTERM});
  host_.Advance(0.2);
  EXPECT_EQ(host_.child(old).signals, (std::vector<int>{SIGTERM, SIGKILL, SIGKILL}));
  EXPECT_FALSE(host_.child(old).alive);
  EXPECT_EQ(host_.AliveInSlot(1).size(), 1u);
  ExpectNothingCounted();
  ExpectSlot1CrashFlaps();
}

TEST_F(WatcherCommandedExitTest, DecrIsNoFailure) {
  StartWithSlot1BurstSpent();
  watcher_->Resize(0);
  host_.Pump();
  EXPECT_TRUE(host_.Alive().empty());
  watcher_->Resize(1);
  host_.Pump();
  ExpectNothingCounted();
  ExpectSlot1CrashFlaps();
}

TEST_F(WatcherCommandedExitTest, StopIsNoFailure) {
  StartWithSlot1BurstSpent();
  bool stopped = false;
  watcher_->Stop([&] { stopped = true; });
  host_.Pump();
  EXPECT_TRUE(stopped);
  EXPECT_EQ(watcher_->state(), WatcherState::kStopped);
  EXPECT_TRUE(host_.Alive().empty());
  ExpectNothingCounted();
  EXPECT_TRUE(host_.fake_clock().PendingDelays().empty());
}

TEST_F(WatcherCommandedExitTest, RollingRestartIsNoFailure) {
  StartWithSlot1BurstSpent();
  pid_t old = OnlyPid();
  std::optional<std::optional<std::string>> result;
  watcher_->Roll({}, [&](std::optional<std::string> failure) { result = failure; });
  host_.Pump();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, std::nullopt);
  EXPECT_FALSE(host_.child(old).alive);
  EXPECT_EQ(host_.sink().Count("reload"), 1);
  ExpectNothingCounted();
  ExpectSlot1CrashFlaps();
}

TEST_F(WatcherCommandedExitTest, GracefulReloadIsNoFailure) {
  StartWithSlot1BurstSpent(Config(2));
  std::vector<pid_t> old = host_.Alive();
  std::optional<std::optional<std::string>> result;
  watcher_->Reload([&](std::optional<std::string> failure) { result = failure; });
  host_.Pump();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, std::nullopt);
  for (pid_t pid : old) EXPECT_FALSE(host_.child(pid).alive);
  EXPECT_EQ(host_.Alive().size(), 2u);
  EXPECT_EQ(host_.spawns(), 2 + 3 + 2);
  ExpectNothingCounted();
}

TEST_F(WatcherCommandedExitTest, RotationIsNoFailure) {
  WatcherConfig c = Config();
  c.max_age = 100;
  c.max_age_variance = 0;
  StartWithSlot1BurstSpent(c);
  pid_t old = OnlyPid();
  host_.Advance(99);
  watcher_->Housekeeping();
  host_.Pump();
  EXPECT_TRUE(host_.child(old).alive) << "not due yet";
  host_.Advance(1);
  watcher_->Housekeeping();
  host_.Pump();
  EXPECT_FALSE(host_.child(old).alive);
  EXPECT_EQ(host_.sink().Count("rotate"), 1);
  EXPECT_EQ(host_.Alive().size(), 1u);
  EXPECT_EQ(host_.spawns(), 1 + 3 + 1);
  ExpectNothingCounted();
}

TEST_F(WatcherCommandedExitTest, AReloadThatShrinksTheWatcherIsNoFailure) {
  StartWithSlot1BurstSpent(Config(3));
  // What the arbiter does for a changed numprocesses: SetConfig, Resize.
  WatcherConfig smaller = Config(1);
  watcher_->SetConfig(smaller);
  watcher_->Resize(smaller.numprocesses);
  host_.Pump();
  EXPECT_EQ(host_.Alive().size(), 1u);
  ExpectNothingCounted();
}

}  // namespace
}  // namespace ringmaster
