// The HTTP server's thread pool (an httplib::TaskQueue). httplib holds one
// thread per connection for as long as the connection lives (keep-alive,
// event streams), so a fixed small pool lets idle clients starve everyone
// else. This pool starts `min_threads` and adds a thread whenever a task
// arrives with none idle, up to `max_threads`; past that, tasks wait in order.
// Threads are joined on shutdown. Thread-safe.
#ifndef RINGMASTER_WEB_WORKER_POOL_H_
#define RINGMASTER_WEB_WORKER_POOL_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace ringmaster {

class WorkerPool : public httplib::TaskQueue {
 public:
  WorkerPool(size_t min_threads, size_t max_threads,
             std::chrono::milliseconds idle_exit = std::chrono::seconds(30));
  ~WorkerPool() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  size_t threads() const;

 private:
  void Spawn();  // mu_ held
  void Work();
  void JoinEnded();  // mu_ not held

  const size_t min_threads_;
  const size_t max_threads_;
  const std::chrono::milliseconds idle_exit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::map<std::thread::id, std::thread> threads_;
  std::vector<std::thread> ended_;  // returned from Work(), not joined yet
  size_t idle_ = 0;
  bool shutdown_ = false;
};

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_WORKER_POOL_H_
