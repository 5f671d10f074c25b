// A fixed pool of threads for the HTTP endpoint's handler work (rendering a
// snapshot's bodies, looking up a watcher). The threads run at nice +10, below
// the supervision loop, with every signal blocked (signals are the loop's
// events). Tasks run in the order posted. Post and Shutdown are thread-safe;
// Shutdown (or the destructor) runs the tasks already queued, then joins.
#ifndef RINGMASTER_WEB_TASK_POOL_H_
#define RINGMASTER_WEB_TASK_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ringmaster {

class TaskPool {
 public:
  explicit TaskPool(size_t threads, int nice = 10);
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  // False after Shutdown: the task will not run.
  bool Post(std::function<void()> task);
  void Shutdown();
  size_t threads() const { return threads_.size(); }
  size_t queued() const;

 private:
  void Work(int nice);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  bool shutdown_ = false;
};

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_TASK_POOL_H_
