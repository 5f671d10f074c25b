#include "daemon/proc_worker.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>
#include <vector>

namespace ringmaster {
namespace {

TEST(ProcWorker, RunsWorkOffTheLoopAndDoneOnItInOrder) {
  EventLoop loop;
  ProcWorker worker(loop);
  const std::thread::id loop_thread = std::this_thread::get_id();
  std::vector<int> order;
  bool work_off_loop = true, done_on_loop = true;
  constexpr int kJobs = 50;
  for (int i = 0; i < kJobs; ++i) {
    worker.Run(
        [&work_off_loop, loop_thread, i](ProcStats&) {
          if (std::this_thread::get_id() == loop_thread) work_off_loop = false;
          return nlohmann::json(i);
        },
        [&, loop_thread](nlohmann::json r) {
          if (std::this_thread::get_id() != loop_thread) done_on_loop = false;
          order.push_back(r.get<int>());
          if (static_cast<int>(order.size()) == kJobs) loop.Break();
        });
  }
  Timer deadline(loop, [&] { loop.Break(); });
  deadline.Start(30);
  loop.Run();
  ASSERT_EQ(order.size(), static_cast<size_t>(kJobs));
  for (int i = 0; i < kJobs; ++i) EXPECT_EQ(order[i], i);
  EXPECT_TRUE(work_off_loop);
  EXPECT_TRUE(done_on_loop);
  EXPECT_EQ(worker.pending(), 0u);
}

TEST(ProcWorker, ReadsProcStatsOfThisProcess) {
  EventLoop loop;
  ProcWorker worker(loop);
  nlohmann::json got;
  worker.Run([](ProcStats& stats) { return stats.DaemonInfo(); },
             [&](nlohmann::json r) {
               got = std::move(r);
               loop.Break();
             });
  Timer deadline(loop, [&] { loop.Break(); });
  deadline.Start(30);
  loop.Run();
  ASSERT_TRUE(got.is_object()) << got.dump();
  EXPECT_EQ(got["pid"], getpid());
}

TEST(ProcWorker, DestroyedWithJobsQueuedRunsNoDone) {
  EventLoop loop;
  bool done_ran = false;
  {
    ProcWorker worker(loop);
    for (int i = 0; i < 100; ++i) {
      worker.Run([](ProcStats&) { return nlohmann::json(1); }, [&](nlohmann::json) { done_ran = true; });
    }
  }
  // The loop never ran: nothing may run later either (the bridge is gone).
  EXPECT_FALSE(done_ran);
}

}  // namespace
}  // namespace ringmaster
