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

TEST(BackoffTest, DefaultSequence) {
  const BackoffPolicy p = NoJitter();
  const std::vector<double> want = {0, 1, 2, 4, 8, 16, 32, 60, 60, 60};
  for (size_t i = 0; i < want.size(); ++i) {
    const int n = static_cast<int>(i) + 1;
    EXPECT_DOUBLE_EQ(BackoffDelay(p, n, 0.5), want[i]) << "failures=" << n;
  }
}

TEST(BackoffTest, FirstFailureIsImmediateEvenWithJitter) {
  BackoffPolicy p;
  p.jitter = 1.0;
  EXPECT_EQ(BackoffDelay(p, 1, 0.0), 0.0);
  EXPECT_EQ(BackoffDelay(p, 1, 0.999), 0.0);
  EXPECT_EQ(BackoffDelay(p, 0, 0.5), 0.0);  // not a valid count; still no delay
}

TEST(BackoffTest, CustomPolicy) {
  BackoffPolicy p = NoJitter();
  p.initial = 0.5;
  p.factor = 3.0;
  p.max = 10.0;
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 2, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 3, 0.5), 1.5);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 4, 0.5), 4.5);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 5, 0.5), 10.0);
  p.factor = 1.0;  // constant delay
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 2, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 50, 0.5), 0.5);
}

TEST(BackoffTest, HugeFailureCountStaysAtMax) {
  const BackoffPolicy p = NoJitter();
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 100000, 0.5), 60.0);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 2147483647, 0.5), 60.0);
}

TEST(BackoffTest, JitterBounds) {
  BackoffPolicy p;  // jitter 0.1
  // failures = 4: base 4 s.
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 4, 0.0), 3.6);
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 4, 0.5), 4.0);
  for (double u = 0.0; u < 1.0; u += 0.01) {
    const double d = BackoffDelay(p, 4, u);
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
  EXPECT_DOUBLE_EQ(BackoffDelay(p, 3, 0.0), 0.0);
  EXPECT_NEAR(BackoffDelay(p, 3, 0.999999), 4.0, 1e-5);
  // Out-of-range inputs are clamped rather than trusted.
  p.jitter = 5.0;
  EXPECT_GE(BackoffDelay(p, 3, -1.0), 0.0);
  EXPECT_LE(BackoffDelay(p, 3, 7.0), 4.0);
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
