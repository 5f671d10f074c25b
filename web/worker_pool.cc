#include "web/worker_pool.h"

namespace ringmaster {

WorkerPool::WorkerPool(size_t min_threads, size_t max_threads, std::chrono::milliseconds idle_exit)
    : min_threads_(min_threads),
      max_threads_(max_threads < 1 ? 1 : max_threads),
      idle_exit_(idle_exit) {
  std::lock_guard<std::mutex> lock(mu_);
  while (threads_.size() < min_threads && threads_.size() < max_threads_) Spawn();
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::Spawn() {
  std::thread t([this] { Work(); });
  std::thread::id id = t.get_id();
  threads_.emplace(id, std::move(t));
}

void WorkerPool::enqueue(std::function<void()> fn) {
  JoinEnded();
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
    shutdown_ = true;
    for (auto& [id, t] : threads_) threads.push_back(std::move(t));
    threads_.clear();
  }
  cv_.notify_all();
  for (std::thread& t : threads) t.join();
  JoinEnded();
}

void WorkerPool::JoinEnded() {
  std::vector<std::thread> ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ended.swap(ended_);
  }
  // Each has returned from Work() (or is about to): the joins are short.
  for (std::thread& t : ended) t.join();
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
      bool woke = cv_.wait_for(lock, idle_exit_, [this] { return shutdown_ || !jobs_.empty(); });
      --idle_;
      if (!woke && threads_.size() > min_threads_) {
        // Idle too long and above the minimum: hand our std::thread over to
        // be joined by the next enqueue() or shutdown().
        auto self = threads_.find(std::this_thread::get_id());
        if (self != threads_.end()) {
          ended_.push_back(std::move(self->second));
          threads_.erase(self);
        }
        return;
      }
      if (!woke) continue;
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
