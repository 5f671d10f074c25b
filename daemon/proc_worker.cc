#include "daemon/proc_worker.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ringmaster {
namespace {
// `stats` answers from samples at most this old (docs/protocol.md §7.20:
// cpu is the share since the previous sample).
constexpr double kMaxSampleAge = 1.0;
// After this long without a job, the burst is over: caches go and the
// freed memory goes back to the kernel.
constexpr std::chrono::seconds kIdleAfter{2};
}  // namespace

ProcWorker::ProcWorker(EventLoop& loop) : bridge_(loop) {
  stats_.set_max_sample_age(kMaxSampleAge);
  // Signals stay loop events: block them all in the thread (inherited mask).
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  thread_ = std::thread([this] { Main(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

ProcWorker::~ProcWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    jobs_.clear();
  }
  cv_.notify_all();
  thread_.join();
  bridge_.Close();
}

void ProcWorker::Run(Work work, Done done) {
  Enqueue([work = std::move(work), done = std::move(done)](ProcStats& stats) {
    auto result = std::make_shared<nlohmann::json>(work(stats));
    return std::function<void()>([result, done] {
      if (done) done(std::move(*result));
    });
  });
}

void ProcWorker::RunText(TextWork work, TextDone done) {
  Enqueue([work = std::move(work), done = std::move(done)](ProcStats& stats) {
    auto text = std::make_shared<const std::string>(work(stats));
    return std::function<void()>([text, done] {
      if (done) done(text);
    });
  });
}

void ProcWorker::Enqueue(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

size_t ProcWorker::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size() + running_;
}

void ProcWorker::Main() {
  // Linux nice values are per thread: below the loop, so a busy /proc scan
  // never competes with reaping and respawns for a core.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  // Named, so per-thread CPU (top -H, /proc/PID/task) tells the threads apart.
  pthread_setname_np(pthread_self(), "rm-proc");
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto ready = [this] { return stop_ || !jobs_.empty(); };
      if (jobs_since_idle_ > 0 && !cv_.wait_for(lock, kIdleAfter, ready)) {
        jobs_since_idle_ = 0;
        lock.unlock();
        stats_.DropCaches();
        malloc_trim(0);  // this thread's arena too, not only the loop's
        continue;
      }
      cv_.wait(lock, ready);
      if (stop_) return;
      ++jobs_since_idle_;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    // The result travels to the loop; `done` runs there, after which the job
    // no longer counts as pending.
    std::function<void()> on_loop = job(stats_);
    job = nullptr;  // the job's captures are freed here, off the loop
    if (!bridge_.Post([this, on_loop = std::move(on_loop)] {
          {
            std::lock_guard<std::mutex> lock(mu_);
            --running_;
          }
          on_loop();
        })) {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
    }
    // Reads the job answered from old samples are redone now that the reply
    // is on its way, so the next one gets fresher figures at no wait.
    stats_.RefreshStale();
  }
}

}  // namespace ringmaster
