#include "daemon/loop_bridge.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace ringmaster {
namespace {

TEST(WebLoopBridge, RunsClosuresFromOtherThreadsOnTheLoop) {
  EventLoop loop;
  LoopBridge bridge(loop);
  const std::thread::id loop_thread = std::this_thread::get_id();
  constexpr int kThreads = 4, kEach = 250;
  int ran = 0;  // loop thread only
  bool all_on_loop = true;
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        ASSERT_TRUE(bridge.Post([&] {
          all_on_loop = all_on_loop && std::this_thread::get_id() == loop_thread;
          if (++ran == kThreads * kEach) loop.Break();
        }));
      }
    });
  }
  Timer deadline(loop, [&] { loop.Break(); });
  deadline.Start(30);
  loop.Run();
  for (auto& t : posters) t.join();
  EXPECT_EQ(ran, kThreads * kEach);
  EXPECT_TRUE(all_on_loop);
}

TEST(WebLoopBridge, RefusesAfterCloseAndDropsWhatIsQueued) {
  EventLoop loop;
  LoopBridge bridge(loop);
  bool ran = false;
  ASSERT_TRUE(bridge.Post([&] { ran = true; }));
  bridge.Close();
  EXPECT_FALSE(bridge.Post([&] { ran = true; }));
  Timer stop(loop, [&] { loop.Break(); });
  stop.Start(0.05);
  loop.Run();
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace ringmaster
