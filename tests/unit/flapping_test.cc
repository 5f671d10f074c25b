#include "core/flapping.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

FlappingPolicy Enabled() {
  FlappingPolicy p;  // Circus's defaults: 2 attempts in 1 s, retry in 7 s, 5 retries
  p.enabled = true;
  return p;
}

TEST(FlappingTest, DisabledNeverFlaps) {
  FlappingPolicy p;
  FlapDetector d;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(d.OnCrash(p, 0.0)) << i;
}

TEST(FlappingTest, MoreThanAttemptsWithinWindowFlaps) {
  const FlappingPolicy p = Enabled();
  FlapDetector d;
  EXPECT_FALSE(d.OnCrash(p, 0.0));
  EXPECT_FALSE(d.OnCrash(p, 0.5));
  EXPECT_TRUE(d.OnCrash(p, 0.9));
}

TEST(FlappingTest, CrashesSpreadWiderThanTheWindowDoNot) {
  const FlappingPolicy p = Enabled();
  FlapDetector d;
  for (double t = 0; t < 30; t += 0.6) EXPECT_FALSE(d.OnCrash(p, t)) << t;
}

TEST(FlappingTest, RetriesThenGivesUpAfterMaxRetry) {
  FlappingPolicy p = Enabled();
  p.max_retry = 2;
  FlapDetector d;
  FlapDetector::Decision first = d.OnFlap(p, 10.0);
  EXPECT_FALSE(first.give_up);
  EXPECT_EQ(first.tries, 1);
  EXPECT_DOUBLE_EQ(first.retry_at, 17.0);
  d.OnRetryStarted(17.0);
  FlapDetector::Decision second = d.OnFlap(p, 18.0);
  EXPECT_FALSE(second.give_up);
  EXPECT_EQ(second.tries, 2);
  d.OnRetryStarted(25.0);
  FlapDetector::Decision third = d.OnFlap(p, 26.0);
  EXPECT_TRUE(third.give_up);
  EXPECT_EQ(third.tries, 3);
}

TEST(FlappingTest, MaxRetryMinusOneRetriesForEver) {
  FlappingPolicy p = Enabled();
  p.max_retry = -1;
  FlapDetector d;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(d.OnFlap(p, i * 10.0).give_up) << i;
    d.OnRetryStarted(i * 10.0 + 7);
  }
}

TEST(FlappingTest, MaxRetryZeroGivesUpAtTheFirstFlap) {
  FlappingPolicy p = Enabled();
  p.max_retry = 0;
  FlapDetector d;
  EXPECT_TRUE(d.OnFlap(p, 1.0).give_up);
}

TEST(FlappingTest, ARetryThatRanForRetryInStartsTheCountAgain) {
  FlappingPolicy p = Enabled();
  p.max_retry = 1;
  FlapDetector d;
  EXPECT_FALSE(d.OnFlap(p, 0.0).give_up);
  d.OnRetryStarted(7.0);
  // Ran 100 s before flapping again: a fresh sequence, not the second try.
  FlapDetector::Decision again = d.OnFlap(p, 107.0);
  EXPECT_FALSE(again.give_up);
  EXPECT_EQ(again.tries, 1);
}

TEST(FlappingTest, AFlapClearsTheCrashTimeline) {
  const FlappingPolicy p = Enabled();
  FlapDetector d;
  d.OnCrash(p, 0.0);
  d.OnCrash(p, 0.1);
  ASSERT_TRUE(d.OnCrash(p, 0.2));
  d.OnFlap(p, 0.2);
  d.OnRetryStarted(7.2);
  EXPECT_FALSE(d.OnCrash(p, 7.3));
  EXPECT_FALSE(d.OnCrash(p, 7.4));
}

TEST(FlappingTest, ResetForgetsTries) {
  FlappingPolicy p = Enabled();
  p.max_retry = 0;
  FlapDetector d;
  EXPECT_TRUE(d.OnFlap(p, 0.0).give_up);
  d.Reset();
  EXPECT_EQ(d.tries(), 0);
  d.OnCrash(p, 1.0);
  d.OnCrash(p, 1.1);
  EXPECT_TRUE(d.OnCrash(p, 1.2));
}

}  // namespace
}  // namespace ringmaster
