#include "core/backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace ringmaster {
namespace {

BackoffPolicy NoJitter() {
  BackoffPolicy p;
  p.jitter = 0.0;
  return p;
}

// BackoffDelay's argument is the count of failures past the burst.
TEST(BackoffTest, DelayByFailuresPastTheBurst) {
  const BackoffPolicy p = NoJitter();
  const std::vector<double> want = {1, 2, 4, 8, 16, 32, 60, 60, 60};
  for (size_t i = 0; i < want.size(); ++i) {
    const int b = static_cast<int>(i) + 1;
    EXPECT_DOUBLE_EQ(BackoffDelay(p, b, 0.5), want[i]) << "past_burst=" << b;
  }
  EXPECT_EQ(BackoffDelay(p, 0, 0.5), 0.0);
  EXPECT_EQ(BackoffDelay(p, -3, 0.5), 0.0);
}

TEST(BackoffTest, CustomPolicy) {
  BackoffPolicy p = NoJitter();
  p.initial = 0.5;
  p.factor = 3.0;
  p.max = 10.0;
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 1, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 2, 0.5), 1.5);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 3, 0.5), 4.5);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 4, 0.5), 10.0);
  p.factor = 1.0;  // constant delay
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 1, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 50, 0.5), 0.5);
}

// Feeds failures at the given times (seconds) and returns the delays.
std::vector<double> Delays(const BackoffPolicy& p, SlotBackoff& slot,
                           const std::vector<double>& times) {
  std::vector<double> out;
  for (double t : times) out.push_back(slot.OnFailure(p, t, 0.5).delay);
  return out;
}

// The spec's example: a tight crash loop is respawned 3 times at once, then
// after 1, 2, 4, ... 60 s, and stays in backoff even once the early crashes
// leave the window.
TEST(BackoffTest, TightLoopBurstThenGrowingDelays) {
  const BackoffPolicy p = NoJitter();
  SlotBackoff slot;
  double t = 0;
  std::vector<double> got;
  for (int i = 0; i < 12; ++i) {
    const double d = slot.OnFailure(p, t, 0.5).delay;
    got.push_back(d);
    t += d + 0.01;  // the replacement crashes 10 ms after it starts
  }
  EXPECT_EQ(got, (std::vector<double>{0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60}));
}

TEST(BackoffTest, PastBurstFlagOnlyBeyondTheAllowance) {
  const BackoffPolicy p = NoJitter();
  SlotBackoff slot;
  EXPECT_FALSE(slot.OnFailure(p, 0, 0.5).past_burst);
  EXPECT_FALSE(slot.OnFailure(p, 0.1, 0.5).past_burst);
  EXPECT_FALSE(slot.OnFailure(p, 0.2, 0.5).past_burst);
  const FailureVerdict v = slot.OnFailure(p, 0.3, 0.5);
  EXPECT_TRUE(v.past_burst);
  EXPECT_DOUBLE_EQ(v.delay, 1.0);
}

// Crashes spread wider than the window never leave the burst, even though
// every run was too short to be stable.
TEST(BackoffTest, CrashesSpreadBeyondTheWindowStayImmediate) {
  const BackoffPolicy p = NoJitter();  // burst 3 in 10 s
  SlotBackoff slot;
  EXPECT_EQ(Delays(p, slot, {0, 4, 8, 12, 16, 20, 24}),
            (std::vector<double>{0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(slot.failures, 7);
  // Four within ten seconds: the fourth waits.
  EXPECT_EQ(Delays(p, slot, {27, 28}), (std::vector<double>{0, 1}));
}

TEST(BackoffTest, StableRunRestartsTheBurst) {
  const BackoffPolicy p = NoJitter();
  SlotBackoff slot;
  EXPECT_EQ(Delays(p, slot, {0, 0, 0, 0, 1}), (std::vector<double>{0, 0, 0, 1, 2}));
  slot.OnStableRun();
  EXPECT_EQ(slot.failures, 0);
  EXPECT_EQ(Delays(p, slot, {20, 20, 20, 20}), (std::vector<double>{0, 0, 0, 1}));
}

TEST(BackoffTest, BurstZeroKeepsTheFirstFailureImmediate) {
  BackoffPolicy p = NoJitter();
  p.burst = 0;
  SlotBackoff slot;
  EXPECT_EQ(Delays(p, slot, {0, 0, 0, 0}), (std::vector<double>{0, 1, 2, 4}));
}

TEST(BackoffTest, LargerBurstAndShortWindow) {
  BackoffPolicy p = NoJitter();
  p.burst = 5;
  p.window = 1;
  SlotBackoff slot;
  EXPECT_EQ(Delays(p, slot, {0, 0.1, 0.2, 0.3, 0.4, 0.5}),
            (std::vector<double>{0, 0, 0, 0, 0, 1}));
}

TEST(BackoffTest, DisabledBackoffNeverDelays) {
  BackoffPolicy p = NoJitter();
  p.enabled = false;
  SlotBackoff slot;
  for (int i = 0; i < 20; ++i) EXPECT_EQ(slot.OnFailure(p, 0, 0.5).delay, 0.0) << i;
}

TEST(BackoffTest, WindowMemoryIsBounded) {
  const BackoffPolicy p = NoJitter();
  SlotBackoff slot;
  for (int i = 0; i < 10000; ++i) slot.OnFailure(p, 0, 0.5);
  EXPECT_LE(slot.recent.size(), 4u);
}

TEST(BackoffTest, HugeFailureCountStaysAtMax) {
  const BackoffPolicy p = NoJitter();
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 100000, 0.5), 60.0);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 2147483647, 0.5), 60.0);
}

TEST(BackoffTest, JitterBounds) {
  BackoffPolicy p;  // jitter 0.1
  // 3 past the burst: base 4 s.
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 3, 0.0), 3.6);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 3, 0.5), 4.0);
  for (double u = 0.0; u < 1.0; u += 0.01) {
    const double d = BackoffDelay(p, 3, u);
    EXPECT_GE(d, 3.6) << u;
    EXPECT_LT(d, 4.4) << u;
  }
  // The cap applies before the jitter, so a capped delay can exceed max.
  EXPECT_NEAR(BackoffDelay(p, 20, 0.999999), 66.0, 1e-3);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 20, 0.0), 54.0);
}

TEST(BackoffTest, FullJitterNeverNegative) {
  BackoffPolicy p;
  p.jitter = 1.0;
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 2, 0.0), 0.0);
  EXPECT_NEAR(BackoffDelay(p, 2, 0.999999), 4.0, 1e-5);
  // Out-of-range inputs are clamped rather than trusted.
  p.jitter = 5.0;
  EXPECT_GE(BackoffDelay(p, 2, -1.0), 0.0);
  EXPECT_LE(BackoffDelay(p, 2, 7.0), 4.0);
}

TEST(BackoffTest, DisabledIsAlwaysZero) {
  BackoffPolicy p;
  p.enabled = false;
  for (int n = 1; n < 20; ++n) EXPECT_EQ(BackoffDelay(p, n, 0.7), 0.0) << n;
}

TEST(BackoffTest, StableRunWithoutReadinessProtocol) {
  const BackoffPolicy p;  // reset = 10
  EXPECT_FALSE(SlotBackoff::IsStableRun(p, 9.99, false, false));
  EXPECT_TRUE(SlotBackoff::IsStableRun(p, 10.0, false, false));
  EXPECT_TRUE(SlotBackoff::IsStableRun(p, 100.0, false, false));
  // became_ready is irrelevant without a protocol.
  EXPECT_TRUE(SlotBackoff::IsStableRun(p, 10.0, true, false));
  EXPECT_FALSE(SlotBackoff::IsStableRun(p, 1.0, true, false));
}

TEST(BackoffTest, StableRunWithReadinessProtocolNeedsReady) {
  const BackoffPolicy p;
  EXPECT_FALSE(SlotBackoff::IsStableRun(p, 100.0, false, true));
  EXPECT_TRUE(SlotBackoff::IsStableRun(p, 100.0, true, true));
  EXPECT_FALSE(SlotBackoff::IsStableRun(p, 5.0, true, true));
}

TEST(BackoffTest, ZeroResetMakesEveryRunStable) {
  BackoffPolicy p;
  p.reset = 0.0;
  EXPECT_TRUE(SlotBackoff::IsStableRun(p, 0.0, false, false));
  EXPECT_FALSE(SlotBackoff::IsStableRun(p, 0.0, false, true));
}

TEST(BackoffTest, MaxRetryMinusOneNeverGivesUp) {
  for (int n : {0, 1, 5, 1000000}) EXPECT_FALSE(SpawnRetriesExhausted(-1, n)) << n;
}

TEST(BackoffTest, MaxRetryZeroIsASingleAttempt) {
  EXPECT_FALSE(SpawnRetriesExhausted(0, 0));
  EXPECT_TRUE(SpawnRetriesExhausted(0, 1));
}

TEST(BackoffTest, MaxRetryNAllowsNRetries) {
  // Default max_retry = 5: the first attempt plus 5 retries, so the 6th
  // consecutive spawn failure gives up.
  for (int n = 0; n <= 5; ++n) EXPECT_FALSE(SpawnRetriesExhausted(5, n)) << n;
  EXPECT_TRUE(SpawnRetriesExhausted(5, 6));
  EXPECT_TRUE(SpawnRetriesExhausted(5, 7));
}

TEST(BackoffTest, SlotDefaults) {
  const SlotBackoff slot;
  EXPECT_EQ(slot.failures, 0);
  EXPECT_EQ(slot.spawn_failures, 0);
}

}  // namespace
}  // namespace ringmaster
