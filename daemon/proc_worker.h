// One background thread for the /proc reads of `stats`, `dstats`, status
// detail and the HTTP snapshot, so that no control request holds the loop
// while it reads a file per process (a `stats` of 1,000 processes reads
// about 4,000 files). The loop thread hands over plain data (pids, times),
// the work runs on the thread, and `done` runs back on the loop with the
// result. Jobs run one at a time, in order. The thread runs at a lower CPU
// priority than the loop, with every signal blocked.
#ifndef RINGMASTER_DAEMON_PROC_WORKER_H_
#define RINGMASTER_DAEMON_PROC_WORKER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "daemon/event_loop.h"
#include "daemon/loop_bridge.h"
#include "daemon/proc_stats.h"

namespace ringmaster {

class ProcWorker {
 public:
  using Work = std::function<nlohmann::json(ProcStats&)>;
  using Done = std::function<void(nlohmann::json)>;
  // A job whose result is already text (a whole serialised reply), so the
  // loop thread neither builds, serialises nor frees a large JSON tree.
  using TextWork = std::function<std::string(ProcStats&)>;
  using TextDone = std::function<void(std::shared_ptr<const std::string>)>;

  explicit ProcWorker(EventLoop& loop);
  // Joins the thread; jobs not started yet are dropped, and no `done` runs
  // after the destructor returns.
  ~ProcWorker();
  ProcWorker(const ProcWorker&) = delete;
  ProcWorker& operator=(const ProcWorker&) = delete;

  // Loop thread. `work` runs on the worker thread (it must not touch loop
  // state); `done` runs on the loop thread with its result.
  void Run(Work work, Done done);
  void RunText(TextWork work, TextDone done);
  // Jobs queued or running (loop thread; for tests and metrics).
  size_t pending() const;

 private:
  // Runs on the thread; returns what then runs on the loop.
  using Job = std::function<std::function<void()>(ProcStats&)>;
  void Enqueue(Job job);
  void Main();

  LoopBridge bridge_;
  ProcStats stats_;  // worker thread only
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  uint64_t jobs_since_idle_ = 0;  // jobs since the caches were last dropped
  size_t running_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_PROC_WORKER_H_
