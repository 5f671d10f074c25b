// The Watcher's restart policy (docs/config.md §10.2) on a fake host:
// the per-slot burst, the backoff that follows it, what counts as a failure,
// spawn failures, and that a slot waiting to respawn never spins. Virtual
// time and fake pids (tests/support/fake_watcher_host.h): no child, no sleep.
#include <gtest/gtest.h>
#include <signal.h>

#include "daemon/watcher.h"
#include "tests/support/fake_watcher_host.h"

namespace ringmaster {
namespace {

class WatcherPolicyTest : public FakeHostTest {
 protected:
  // Ends the one live process with `how` (an exit code, or a signal when
  // negative) and returns how long its slot waits before the next spawn: 0
  // when it was respawned at once. Advances time through the wait.
  double FailAndWait(int how = 1) {
    pid_t pid = OnlyPid();
    const int spawns = host_.spawns();
    if (how < 0) {
      host_.KillBySignal(pid, -how);
    } else {
      host_.Exit(pid, how);
    }
    if (host_.spawns() > spawns) {
      EXPECT_EQ(host_.spawns(), spawns + 1);
      return 0;
    }
    std::vector<double> delays = host_.fake_clock().PendingDelays();
    EXPECT_EQ(delays.size(), 1u) << "a slot in backoff arms exactly its respawn timer";
    if (delays.empty()) return -1;
    host_.Advance(delays.front());
    EXPECT_EQ(host_.spawns(), spawns + 1);
    return delays.front();
  }
};

TEST_F(WatcherPolicyTest, BurstRespawnsAtOnceThenTheDelayDoublesUpToTheCap) {
  StartWatcher(FakeWorkerConfig());
  std::vector<double> waits;
  for (int i = 0; i < 11; ++i) waits.push_back(FailAndWait());
  // §10.2: "respawned 3 times at once, then after 1, 2, 4, 8, 16, 32, 60, 60".
  EXPECT_TRUE(SecondsAre(waits, {0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60}));
  std::vector<RecordedEvent> backoffs = host_.sink().Named("backoff");
  ASSERT_EQ(backoffs.size(), 8u);
  EXPECT_EQ(backoffs[0].body["wid"], 1);
  EXPECT_EQ(backoffs[0].body["failures"], 4);
  EXPECT_EQ(backoffs[0].body["delay"], 1.0);
  EXPECT_EQ(backoffs[7].body["failures"], 11);
  EXPECT_EQ(watcher_->restarts(), 11);
}

TEST_F(WatcherPolicyTest, BurstAndDelaysFollowTheConfiguredKeys) {
  WatcherConfig c = FakeWorkerConfig();
  c.backoff.burst = 1;
  c.backoff.initial = 0.5;
  c.backoff.factor = 3;
  c.backoff.max = 5;
  StartWatcher(c);
  std::vector<double> waits;
  for (int i = 0; i < 5; ++i) waits.push_back(FailAndWait());
  EXPECT_TRUE(SecondsAre(waits, {0, 0.5, 1.5, 4.5, 5}));
}

TEST_F(WatcherPolicyTest, BurstZeroStillReplacesTheFirstFailureAtOnce) {
  WatcherConfig c = FakeWorkerConfig();
  c.backoff.burst = 0;
  StartWatcher(c);
  EXPECT_EQ(FailAndWait(), 0);
  EXPECT_DOUBLE_EQ(FailAndWait(), 1);
}

TEST_F(WatcherPolicyTest, JitterScalesEachDelay) {
  StartWatcher(FakeWorkerConfig());
  for (int i = 0; i < 3; ++i) FailAndWait();
  host_.random01 = 1.0;  // the top of [1 - j, 1 + j]
  EXPECT_DOUBLE_EQ(FailAndWait(), 1.1);
  host_.random01 = 0.0;
  EXPECT_DOUBLE_EQ(FailAndWait(), 1.8);
}

TEST_F(WatcherPolicyTest, DisabledBackoffRespawnsEveryFailureAtOnce) {
  WatcherConfig c = FakeWorkerConfig();
  c.backoff.enabled = false;
  StartWatcher(c);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(FailAndWait(), 0) << "failure " << i + 1;
}

TEST_F(WatcherPolicyTest, TheBurstCountsFailuresWithinTheWindowOnly) {
  StartWatcher(FakeWorkerConfig());
  // A run of 4 s (not stable: backoff_reset is 10): never more than 3
  // failures in 10 s, so every one is replaced at once.
  for (int i = 0; i < 8; ++i) {
    host_.Advance(4);
    EXPECT_EQ(FailAndWait(), 0) << "failure " << i + 1;
  }
  EXPECT_EQ(host_.sink().Count("backoff"), 0);
}

TEST_F(WatcherPolicyTest, AFourthFailureWithinTheWindowWaits) {
  StartWatcher(FakeWorkerConfig());
  for (int i = 0; i < 3; ++i) {
    host_.Advance(3);
    EXPECT_EQ(FailAndWait(), 0);
  }
  host_.Advance(3);  // failures at 3, 6, 9 and 12: four within 10 s
  EXPECT_DOUBLE_EQ(FailAndWait(), 1);
}

TEST_F(WatcherPolicyTest, AStableRunRestartsTheBurst) {
  StartWatcher(FakeWorkerConfig());
  for (int i = 0; i < 5; ++i) FailAndWait();  // now waiting 2 s per failure
  host_.Advance(10);                          // lived backoff_reset: stable
  std::vector<double> waits;
  for (int i = 0; i < 4; ++i) waits.push_back(FailAndWait());
  EXPECT_TRUE(SecondsAre(waits, {0, 0, 0, 1}));
}

TEST_F(WatcherPolicyTest, ARunShorterThanResetKeepsTheDelayGrowing) {
  StartWatcher(FakeWorkerConfig());
  for (int i = 0; i < 5; ++i) FailAndWait();
  host_.Advance(9.9);
  EXPECT_DOUBLE_EQ(FailAndWait(), 4);
}

// Every way a process can end without being asked to is a failure: any exit
// code (0 too) and any signal the daemon did not send.
class WatcherFailureKindTest : public WatcherPolicyTest,
                               public ::testing::WithParamInterface<int> {};

TEST_P(WatcherFailureKindTest, CountsTowardTheBurst) {
  StartWatcher(FakeWorkerConfig());
  std::vector<double> waits;
  for (int i = 0; i < 4; ++i) waits.push_back(FailAndWait(GetParam()));
  EXPECT_TRUE(SecondsAre(waits, {0, 0, 0, 1}));
  EXPECT_EQ(watcher_->restarts(), 4);
  for (const FakeWatcherHost::SentSignal& s : host_.signals_sent) {
    ADD_FAILURE() << "the daemon sent signal " << s.sig << " to " << s.pid;
  }
}

INSTANTIATE_TEST_SUITE_P(ExitCodesAndSignals, WatcherFailureKindTest,
                         ::testing::Values(0, 1, 127, -SIGKILL, -SIGTERM, -SIGSEGV));

TEST_F(WatcherPolicyTest, ASlotInBackoffArmsOneTimerAndNothingElse) {
  StartWatcher(FakeWorkerConfig());
  for (int i = 0; i < 10; ++i) FailAndWait();  // the next wait is 60 s
  host_.Exit(OnlyPid(), 1);
  EXPECT_TRUE(SecondsAre(host_.fake_clock().PendingDelays(), {60}));
  const int arms = host_.fake_clock().arms();
  const int fired = host_.fake_clock().fired();
  const int spawns = host_.spawns();
  for (int i = 0; i < 599; ++i) host_.Advance(0.1);
  EXPECT_EQ(host_.fake_clock().arms(), arms);
  EXPECT_EQ(host_.fake_clock().fired(), fired);
  EXPECT_EQ(host_.spawns(), spawns);
  nlohmann::json waiting = watcher_->BackoffJson();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0]["wid"], 1);
  EXPECT_EQ(waiting[0]["failures"], 11);
  EXPECT_FALSE(waiting[0].contains("error")) << "crashes, not spawn failures";
  host_.Advance(0.2);
  EXPECT_EQ(host_.spawns(), spawns + 1);
  EXPECT_EQ(host_.fake_clock().fired(), fired + 1);
  EXPECT_TRUE(watcher_->BackoffJson().empty());
}

TEST_F(WatcherPolicyTest, SlotsBackOffIndependently) {
  StartWatcher(FakeWorkerConfig(2));
  ASSERT_EQ(host_.AliveInSlot(2).size(), 1u);
  for (int i = 0; i < 4; ++i) host_.Exit(SlotPid(1), 1);
  EXPECT_TRUE(SecondsAre(host_.fake_clock().PendingDelays(), {1}));
  EXPECT_TRUE(host_.AliveInSlot(1).empty());
  host_.Exit(SlotPid(2), 1);  // slot 2's first failure
  EXPECT_EQ(host_.AliveInSlot(2).size(), 1u);
  EXPECT_TRUE(SecondsAre(host_.fake_clock().PendingDelays(), {1}));
}

TEST_F(WatcherPolicyTest, ExecFailureInEverySlotSpawnsOnlyTheBurstAtOnce) {
  host_.exec_error = "execve: No such file or directory";
  WatcherConfig c = FakeWorkerConfig(4);  // max_retry 5 by default
  StartWatcher(c);
  for (int wid = 1; wid <= 4; ++wid) {
    EXPECT_EQ(host_.spawns_of_slot(wid), 1 + c.backoff.burst) << "wid " << wid;
  }
  EXPECT_EQ(host_.spawns(), 16);
  EXPECT_TRUE(SecondsAre(host_.fake_clock().PendingDelays(), {1, 1, 1, 1}));
  host_.Advance(1);
  EXPECT_EQ(host_.spawns(), 20);
  host_.Advance(2);
  // 1 + max_retry attempts per slot, then every slot gives up and, with no
  // live work left, the watcher stops.
  EXPECT_EQ(host_.spawns(), 24);
  EXPECT_EQ(watcher_->state(), WatcherState::kStopped);
  int gave_up = 0;
  for (const RecordedEvent& e : host_.sink().Named("backoff")) {
    if (!e.body.value("gave_up", false)) continue;
    ++gave_up;
    EXPECT_EQ(e.body["error"], *host_.exec_error);
  }
  EXPECT_EQ(gave_up, 4);
  EXPECT_EQ(host_.sink().Count("stop"), 1);
  EXPECT_TRUE(host_.fake_clock().PendingDelays().empty());
  host_.Advance(3600);
  EXPECT_EQ(host_.spawns(), 24);
  EXPECT_EQ(watcher_->restarts(), 0) << "spawn failures are not restarts";
}

TEST_F(WatcherPolicyTest, ForkErrorsBackOffLikeExecFailures) {
  host_.fork_error = "fork: Resource temporarily unavailable";
  WatcherConfig c = FakeWorkerConfig();
  c.max_retry = -1;  // never gives up
  StartWatcher(c);
  EXPECT_EQ(host_.spawn_calls, 4);
  EXPECT_TRUE(SecondsAre(host_.fake_clock().PendingDelays(), {1}));
  host_.Advance(1 + 2 + 4);
  EXPECT_EQ(host_.spawn_calls, 7);
  EXPECT_EQ(host_.spawns(), 0);
  // The waiting slot says why, in status detail and in its backoff events.
  nlohmann::json waiting = watcher_->BackoffJson();
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0]["error"], *host_.fork_error);
  for (const RecordedEvent& e : host_.sink().Named("backoff")) {
    EXPECT_EQ(e.body["error"], *host_.fork_error) << e.body;
  }
}

TEST_F(WatcherPolicyTest, AGoodExecResetsTheSpawnFailureCount) {
  host_.exec_error = "execve: Permission denied";
  StartWatcher(FakeWorkerConfig());  // max_retry 5: the 6th failed spawn gives up
  host_.Advance(1);
  EXPECT_EQ(host_.spawns(), 5);
  host_.exec_error.reset();
  host_.Advance(2);
  ASSERT_EQ(host_.Alive().size(), 1u);
  host_.exec_error = "execve: Permission denied";
  host_.Exit(OnlyPid(), 1);  // a crash: waits 8 s, then spawns fail again
  host_.Advance(8 + 16 + 32 + 60);
  EXPECT_EQ(host_.spawns(), 10);  // 4 failed spawns since the good exec
  for (const RecordedEvent& e : host_.sink().Named("backoff")) {
    EXPECT_FALSE(e.body.value("gave_up", false));
  }
  EXPECT_EQ(watcher_->state(), WatcherState::kActive);
}

}  // namespace
}  // namespace ringmaster
