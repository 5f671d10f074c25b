#include "web/worker_pool.h"

namespace ringmaster {

WorkerPool::WorkerPool(size_t min_threads, size_t max_threads)
    : max_threads_(max_threads < 1 ? 1 : max_threads) {
  std::lock_guard<std::mutex> lock(mu_);
  while (threads_.size() < min_threads && threads_.size() < max_threads_) Spawn();
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::Spawn() { threads_.emplace_back([this] { Work(); }); }

void WorkerPool::enqueue(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_) return;
  jobs_.push_back(std::move(fn));
  // Jobs already waiting will take the idle threads first.
  if (idle_ < jobs_.size() && threads_.size() < max_threads_) Spawn();
  cv_.notify_one();
}

void WorkerPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_ && threads_.empty()) return;
    shutdown_ = true;
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (std::thread& t : threads) t.join();
}

size_t WorkerPool::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return threads_.size();
}

void WorkerPool::Work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++idle_;
      cv_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
      --idle_;
      // Queued connections are still served during shutdown: httplib closes
      // their sockets once the listener has stopped.
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace ringmaster
