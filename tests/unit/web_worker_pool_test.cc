#include "web/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace ringmaster {
namespace {

// A gate the jobs block on, so a test controls how many threads are busy.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;
  void Wait() {
    std::unique_lock<std::mutex> lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  bool WaitForWaiting(int n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(30), [&] { return waiting >= n; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

TEST(WebWorkerPool, GrowsWhenEveryThreadIsBusy) {
  WorkerPool pool(2, 16);
  EXPECT_EQ(pool.threads(), 2u);
  Gate gate;
  // Ten long-lived jobs (like keep-alive connections) all run at once.
  for (int i = 0; i < 10; ++i) pool.enqueue([&] { gate.Wait(); });
  ASSERT_TRUE(gate.WaitForWaiting(10));
  EXPECT_GE(pool.threads(), 10u);
  EXPECT_LE(pool.threads(), 16u);
  gate.Open();
  pool.shutdown();
}

TEST(WebWorkerPool, CapsThreadsAndQueuesTheRest) {
  WorkerPool pool(1, 3);
  Gate gate;
  std::atomic<int> done{0};
  for (int i = 0; i < 6; ++i) {
    pool.enqueue([&] {
      gate.Wait();
      ++done;
    });
  }
  ASSERT_TRUE(gate.WaitForWaiting(3));
  EXPECT_EQ(pool.threads(), 3u);
  {
    std::lock_guard<std::mutex> lock(gate.mu);
    EXPECT_EQ(gate.waiting, 3);  // the other three wait in the queue
  }
  gate.Open();
  pool.shutdown();  // runs what is queued, then joins
  EXPECT_EQ(done.load(), 6);
}

TEST(WebWorkerPool, ThreadsAboveTheMinimumEndWhenIdle) {
  WorkerPool pool(2, 16, std::chrono::milliseconds(50));
  Gate gate;
  for (int i = 0; i < 8; ++i) pool.enqueue([&] { gate.Wait(); });
  ASSERT_TRUE(gate.WaitForWaiting(8));
  EXPECT_GE(pool.threads(), 8u);
  gate.Open();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (pool.threads() > 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(pool.threads(), 2u);  // never below the minimum
  // Still serves, and grows again.
  std::atomic<int> ran{0};
  Gate again;
  for (int i = 0; i < 4; ++i) pool.enqueue([&] {
    again.Wait();
    ++ran;
  });
  ASSERT_TRUE(again.WaitForWaiting(4));
  again.Open();
  pool.shutdown();
  EXPECT_EQ(ran.load(), 4);
}

TEST(WebWorkerPool, RefusesWorkAfterShutdown) {
  WorkerPool pool(1, 2);
  pool.shutdown();
  std::atomic<bool> ran{false};
  pool.enqueue([&] { ran = true; });
  pool.shutdown();
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(pool.threads(), 0u);
}

}  // namespace
}  // namespace ringmaster
