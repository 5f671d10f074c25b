// The HTTP side's view of supervision state: an immutable Snapshot that the
// loop publishes into a SnapshotStore; HTTP threads only ever read the latest
// Snapshot. The loop copies plain facts (a few fields per process); the JSON
// tree is built on the /proc worker (2.7 ms at 1,000 processes, which held
// the loop while it was built there), and so is the freeing of the old one.
// Usage (CPU, RSS) comes from /proc reads on the same worker. Rebuilds happen
// only while someone reads: every second and shortly after events while the
// last read is recent, and on request (HttpServer asks for a fresh one when
// the one it has is stale), one at a time. The loop's 1 s tick also
// publishes, whether or not anyone reads, a heartbeat, its lag, the command
// counter and the http_token in force.
#ifndef RINGMASTER_WEB_SNAPSHOT_H_
#define RINGMASTER_WEB_SNAPSHOT_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/commands/command_context.h"
#include "daemon/commands/watcher_detail.h"
#include "daemon/event_loop.h"

namespace ringmaster {

struct Snapshot {
  // The body of GET /api/status: {"time", "daemon": {...}, "watchers": [...]}.
  nlohmann::json status;
  double built_mono = 0;  // CLOCK_MONOTONIC seconds

  // `status` serialized, once per snapshot, by the first reader that needs
  // it (98 KB with 500 processes: dumping it per request was most of a
  // request's CPU), then served to every reader as the same bytes.
  std::shared_ptr<const std::string> StatusBody() const {
    std::call_once(text_once_, [this] {
      text_ = std::make_shared<const std::string>(
          status.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      text_ready_ = true;
    });
    return text_;
  }
  // The body if it is rendered already (then serving it costs no render).
  std::shared_ptr<const std::string> StatusBodyIfReady() const {
    return text_ready_.load() ? StatusBody() : nullptr;
  }
  std::shared_ptr<const std::string> RenderedIfReady() const {
    return metrics_ready_.load() ? metrics_ : nullptr;
  }
  // The per-watcher and per-process part of /metrics, rendered once with
  // `render` (the daemon's own counters change per request and are not in it).
  std::shared_ptr<const std::string> Rendered(const std::function<std::string(const nlohmann::json&)>& render) const {
    std::call_once(metrics_once_, [&] {
      metrics_ = std::make_shared<const std::string>(render(status));
      metrics_ready_ = true;
    });
    return metrics_;
  }

 private:
  mutable std::once_flag text_once_, metrics_once_;
  mutable std::shared_ptr<const std::string> text_, metrics_;
  mutable std::atomic<bool> text_ready_{false}, metrics_ready_{false};
};

// What the loop publishes for the HTTP threads. Thread-safe.
class SnapshotStore {
 public:
  // The latest snapshot (null until the first Set).
  std::shared_ptr<const Snapshot> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }
  void Set(std::shared_ptr<const Snapshot> s) {
    std::function<void()> hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      current_ = std::move(s);
      hook = on_publish_;
    }
    cv_.notify_all();
    if (hook) hook();
  }
  // Called (on the publishing thread) after every Set.
  void set_on_publish(std::function<void()> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    on_publish_ = std::move(hook);
  }
  // Waits until a snapshot built after `built_mono` is published, or `timeout`.
  std::shared_ptr<const Snapshot> WaitNewer(double built_mono, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return current_ && current_->built_mono > built_mono; });
    return current_;
  }

  std::string token() const {
    std::lock_guard<std::mutex> lock(mu_);
    return token_;
  }
  void set_token(std::string t) {
    std::lock_guard<std::mutex> lock(mu_);
    token_ = std::move(t);
  }

  // Monotonic seconds of the last read (HTTP side) and the last loop tick.
  std::atomic<double> last_read{-1e9};
  std::atomic<double> heartbeat{0};
  std::atomic<double> loop_lag{0};      // seconds, last measurement
  std::atomic<double> loop_lag_max{0};  // seconds, since start
  std::atomic<uint64_t> commands_served{0};
  std::atomic<double> build_seconds{0};  // loop time of the last build
  // Set by events since the last build: the snapshot may be out of date.
  std::atomic<bool> dirty{false};

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const Snapshot> current_;
  std::function<void()> on_publish_;
  std::string token_;  // the http_token in force ("" = none)
};

// The watcher named `name` (ASCII case-insensitive) in a status body, or null.
nlohmann::json FindWatcherView(const nlohmann::json& status, const std::string& name);

// Loop thread only. Publishes a first snapshot on construction.
class SnapshotBuilder {
 public:
  SnapshotBuilder(EventLoop& loop, CommandContext ctx, SnapshotStore& store,
                  std::function<uint64_t()> commands_served);
  SnapshotBuilder(const SnapshotBuilder&) = delete;
  SnapshotBuilder& operator=(const SnapshotBuilder&) = delete;

  // Records what the snapshot needs from an event (last exit) and, if
  // someone reads, schedules a coalesced rebuild.
  void NoteEvent(const std::string& watcher, const std::string& event, const nlohmann::json& body);
  // Builds a snapshot of the state now (on the worker); `published` runs on
  // the loop once it is published (read-your-writes for HTTP actions). If
  // the builder is destroyed first, it never runs.
  void Rebuild(std::function<void()> published = nullptr);
  // Re-reads the http_token from the config (after reloadconfig).
  void UpdateToken();

 private:
  struct CpuSample {
    uint64_t ticks = 0;
    double mono = 0;
  };
  // The /proc worker's side: the previous CPU sample of each pid.
  struct UsageState {
    std::map<pid_t, CpuSample> cpu;
    long ticks_per_second = 100;
  };
  // What a build needs, copied on the loop; the build runs on the worker.
  struct BuildInput {
    double now_mono = 0, now_wall = 0, started_wall = 0;
    pid_t daemon_pid = 0;
    bool shutting_down = false;
    std::vector<WatcherFacts> watchers;      // sorted by name
    std::vector<nlohmann::json> last_exit;   // per watcher
    std::shared_ptr<const nlohmann::json> usage;
  };
  std::shared_ptr<BuildInput> CollectInput(std::vector<pid_t>* pids);
  // The body of /api/status; any thread.
  static nlohmann::json BuildStatus(const BuildInput& in);
  void Publish(nlohmann::json status, double built_mono);
  void OnTick();
  bool Wanted() const;
  // Asks the /proc worker for fresh usage of `pids`; the next rebuild uses it.
  void RequestUsage(std::vector<pid_t> pids);
  // {pid: {cpu_seconds, cpu_percent, rss}}; runs on the /proc worker thread.
  static nlohmann::json ReadUsage(UsageState& state, const std::vector<pid_t>& pids);

  EventLoop& loop_;
  CommandContext ctx_;
  SnapshotStore& store_;
  std::function<uint64_t()> commands_served_;
  Timer tick_;
  Timer soon_;
  double tick_due_ = 0;
  double lag_ = 0, lag_max_ = 0;
  double started_wall_;
  long ticks_per_second_;
  // Usage comes from the /proc worker, at most about a second old: a rebuild
  // never reads /proc on the loop.
  std::shared_ptr<UsageState> usage_state_;
  std::shared_ptr<const nlohmann::json> usage_ =
      std::make_shared<const nlohmann::json>(nlohmann::json::object());  // by pid (string)
  double usage_mono_ = -1e9;
  bool usage_pending_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  bool async_ = false;       // builds run on the worker (after the first)
  bool building_ = false;    // a build is on the worker
  bool build_again_ = false; // asked for while one was building
  std::vector<std::function<void()>> next_published_;  // for the build after it
  std::map<std::string, nlohmann::json> last_exit_;  // by res_name
};

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_SNAPSHOT_H_
