// Watcher-level flapping (docs/config.md §10.2, Circus's flapping plugin)
// on a fake host: the crashes past each slot's burst, counted over the whole
// watcher, stop it with a `flapping` event; it is retried after retry_in and
// gives up after max_retry flaps in a row. Virtual time, fake pids.
#include <gtest/gtest.h>

#include "daemon/watcher.h"
#include "tests/support/fake_watcher_host.h"

namespace ringmaster {
namespace {

WatcherConfig FlappingConfig(int n = 1, int max_retry = 2) {
  WatcherConfig c = FakeWorkerConfig(n);
  c.flapping.enabled = true;
  c.flapping.attempts = 2;
  c.flapping.window = 10;
  c.flapping.retry_in = 7;
  c.flapping.max_retry = max_retry;
  return c;
}

class WatcherFlappingTest : public FakeHostTest {
 protected:
  // Crashes the one live process, and each replacement once it is spawned,
  // until the watcher flaps. Returns the number of crashes.
  int CrashUntilFlap() {
    const int flaps = host_.sink().Count("flapping");
    for (int crashes = 1; crashes <= 100; ++crashes) {
      host_.Exit(OnlyPid(), 1);
      if (host_.sink().Count("flapping") > flaps) return crashes;
      if (host_.Alive().empty()) {
        std::vector<double> delays = host_.fake_clock().PendingDelays();
        if (delays.size() != 1u) {
          ADD_FAILURE() << "expected one respawn timer, got " << delays.size();
          return -1;
        }
        host_.Advance(delays.front());
      }
    }
    ADD_FAILURE() << "no flap after 100 crashes";
    return -1;
  }

  // The body of the last `flapping` event (null, and a failure, if none).
  nlohmann::json LastFlap() const {
    std::vector<RecordedEvent> flaps = host_.sink().Named("flapping");
    if (flaps.empty()) {
      ADD_FAILURE() << "no flapping event";
      return nullptr;
    }
    return flaps.back().body;
  }
};

TEST_F(WatcherFlappingTest, TheThirdCrashPastTheBurstWithinTheWindowFlaps) {
  StartWatcher(FlappingConfig());
  // 3 within the burst (not counted), then past it at t = 0, 1 and 3:
  // more than attempts = 2 within 10 s.
  EXPECT_EQ(CrashUntilFlap(), 6);
  EXPECT_EQ(watcher_->state(), WatcherState::kFlapping);
  EXPECT_EQ(PolicyEvents(),
            (std::vector<std::string>{"start", "backoff", "backoff", "flapping", "stop"}));
  ASSERT_EQ(host_.sink().Count("flapping"), 1);
  nlohmann::json flap = LastFlap();
  EXPECT_EQ(flap["tries"], 1);
  EXPECT_EQ(flap["max_retry"], 2);
  EXPECT_EQ(flap["retry_in"], 7.0);
  EXPECT_EQ(flap["next_retry"], FakeClock::kWallOffset + 3 + 7);
  EXPECT_FALSE(flap.contains("gave_up"));
  EXPECT_EQ(watcher_->FlappingJson()["tries"], 1);
  EXPECT_TRUE(watcher_->BackoffJson().empty()) << "the stop abandons waiting slots";
}

TEST_F(WatcherFlappingTest, AFlappingWatcherWaitsOnOneTimerAndSpawnsNothing) {
  StartWatcher(FlappingConfig());
  CrashUntilFlap();
  EXPECT_TRUE(SecondsAre(host_.fake_clock().PendingDelays(), {7}));
  const int arms = host_.fake_clock().arms();
  const int spawns = host_.spawns();
  for (int i = 0; i < 69; ++i) host_.Advance(0.1);
  EXPECT_EQ(host_.fake_clock().arms(), arms);
  EXPECT_EQ(host_.spawns(), spawns);
  EXPECT_EQ(watcher_->state(), WatcherState::kFlapping);
  host_.Advance(0.2);
  EXPECT_EQ(host_.spawns(), spawns + 1);
  EXPECT_EQ(watcher_->state(), WatcherState::kActive);
}

TEST_F(WatcherFlappingTest, RetriesAfterRetryInThenGivesUpAfterMaxRetry) {
  StartWatcher(FlappingConfig(1, /*max_retry=*/2));
  for (int flap = 1; flap <= 2; ++flap) {
    EXPECT_EQ(CrashUntilFlap(), 6) << "flap " << flap;
    host_.Advance(7);
    EXPECT_EQ(watcher_->state(), WatcherState::kActive) << "retry " << flap;
    EXPECT_EQ(watcher_->restarts(), 0) << "a retry starts the count again";
  }
  EXPECT_EQ(CrashUntilFlap(), 6);
  EXPECT_EQ(watcher_->state(), WatcherState::kStopped);
  std::vector<RecordedEvent> flaps = host_.sink().Named("flapping");
  ASSERT_EQ(flaps.size(), 3u);
  EXPECT_EQ(flaps[0].body["tries"], 1);
  EXPECT_EQ(flaps[1].body["tries"], 2);
  EXPECT_EQ(flaps[2].body["tries"], 3);
  EXPECT_EQ(flaps[2].body["gave_up"], true);
  EXPECT_FALSE(flaps[2].body.contains("next_retry"));
  const std::vector<std::string> round = {"start", "backoff", "backoff", "flapping", "stop"};
  std::vector<std::string> expected;
  for (int i = 0; i < 3; ++i) expected.insert(expected.end(), round.begin(), round.end());
  EXPECT_EQ(PolicyEvents(), expected);
  EXPECT_EQ(watcher_->FlappingJson()["gave_up"], true);
  EXPECT_TRUE(watcher_->FlappingJson()["next_retry"].is_null());
  // Given up: nothing is armed and nothing is spawned, however long we wait.
  EXPECT_TRUE(host_.fake_clock().PendingDelays().empty());
  const int spawns = host_.spawns();
  host_.Advance(3600);
  EXPECT_EQ(host_.spawns(), spawns);
}

TEST_F(WatcherFlappingTest, MaxRetryMinusOneRetriesForEver) {
  StartWatcher(FlappingConfig(1, /*max_retry=*/-1));
  for (int flap = 1; flap <= 12; ++flap) {
    ASSERT_EQ(CrashUntilFlap(), 6) << "flap " << flap;
    nlohmann::json e = LastFlap();
    EXPECT_EQ(e["tries"], flap);
    EXPECT_FALSE(e.contains("gave_up"));
    host_.Advance(7);
    ASSERT_EQ(watcher_->state(), WatcherState::kActive);
  }
}

TEST_F(WatcherFlappingTest, ARetryThatLastedRetryInStartsTheTriesAgain) {
  StartWatcher(FlappingConfig());
  CrashUntilFlap();
  host_.Advance(7);
  CrashUntilFlap();  // at once: try 2
  EXPECT_EQ(LastFlap()["tries"], 2);
  host_.Advance(7);
  host_.Advance(7);  // this retry runs for retry_in before flapping again
  CrashUntilFlap();
  EXPECT_EQ(LastFlap()["tries"], 1);
}

TEST_F(WatcherFlappingTest, CrashesWithinTheBurstNeverFlap) {
  StartWatcher(FlappingConfig(3));
  for (int round = 0; round < 3; ++round) {
    for (pid_t pid : host_.Alive()) host_.Exit(pid, 1);
  }
  EXPECT_EQ(host_.sink().Count("flapping"), 0);
  ASSERT_EQ(host_.Alive().size(), 3u);
  // One more crash per slot: three past their burst, counted over the
  // whole watcher: more than attempts = 2.
  std::vector<pid_t> alive = host_.Alive();
  host_.Exit(alive[0], 1);
  host_.Exit(alive[1], 1);
  EXPECT_EQ(host_.sink().Count("flapping"), 0);
  host_.Exit(alive[2], 1);
  EXPECT_EQ(host_.sink().Count("flapping"), 1);
  EXPECT_EQ(watcher_->state(), WatcherState::kFlapping);
}

TEST_F(WatcherFlappingTest, CrashesSpreadBeyondTheWindowNeverFlap) {
  WatcherConfig c = FlappingConfig();
  c.flapping.window = 2;  // past-burst crashes come 1, 2, 4, ... s apart
  StartWatcher(c);
  for (int i = 0; i < 12; ++i) {
    host_.Exit(OnlyPid(), 1);
    std::vector<double> delays = host_.fake_clock().PendingDelays();
    if (!delays.empty()) host_.Advance(delays.front());
  }
  EXPECT_EQ(host_.sink().Count("flapping"), 0);
}

TEST_F(WatcherFlappingTest, SpawnFailuresNeverFlap) {
  host_.exec_error = "execve: No such file or directory";
  WatcherConfig c = FlappingConfig(3);
  c.flapping.attempts = 0;
  c.max_retry = -1;
  StartWatcher(c);
  host_.Advance(600);
  EXPECT_EQ(host_.sink().Count("flapping"), 0);
  EXPECT_GT(host_.sink().Count("backoff"), 3);
}

TEST_F(WatcherFlappingTest, StartForgetsTheFlapAndItsRetry) {
  StartWatcher(FlappingConfig());
  CrashUntilFlap();
  watcher_->Start();
  host_.Pump();
  EXPECT_EQ(watcher_->state(), WatcherState::kActive);
  EXPECT_TRUE(host_.fake_clock().PendingDelays().empty());
  EXPECT_TRUE(watcher_->FlappingJson().is_null());
  CrashUntilFlap();
  EXPECT_EQ(LastFlap()["tries"], 1);
}

TEST_F(WatcherFlappingTest, StopCancelsTheRetry) {
  StartWatcher(FlappingConfig());
  CrashUntilFlap();
  watcher_->Stop();
  EXPECT_EQ(watcher_->state(), WatcherState::kStopped);
  EXPECT_TRUE(host_.fake_clock().PendingDelays().empty());
  const int spawns = host_.spawns();
  host_.Advance(60);
  EXPECT_EQ(host_.spawns(), spawns);
}

}  // namespace
}  // namespace ringmaster
