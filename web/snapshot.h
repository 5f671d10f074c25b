// The HTTP side's view of supervision state: an immutable Snapshot that the
// loop rebuilds (every second, and shortly after events) and publishes into a
// SnapshotStore; HTTP threads only ever read the latest Snapshot. The builder
// also measures the loop's lag (lateness of its 1 s timer).
#ifndef RINGMASTER_WEB_SNAPSHOT_H_
#define RINGMASTER_WEB_SNAPSHOT_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/commands/command_context.h"
#include "daemon/event_loop.h"

namespace ringmaster {

struct Snapshot {
  // The body of GET /api/status: {"time", "daemon": {...}, "watchers": [...]}.
  nlohmann::json status;
  std::string token;  // the http_token in force ("" = none); never serialized
  double built_mono = 0;  // CLOCK_MONOTONIC seconds
  uint64_t commands_served = 0;
  double loop_lag = 0;      // seconds, last measurement
  double loop_lag_max = 0;  // seconds, since start
};

// Thread-safe holder of the latest snapshot (null until the first Set).
class SnapshotStore {
 public:
  std::shared_ptr<const Snapshot> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }
  void Set(std::shared_ptr<const Snapshot> s) {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = std::move(s);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_;
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

  // Records what the snapshot needs from an event (last exit) and schedules a
  // coalesced rebuild.
  void NoteEvent(const std::string& watcher, const std::string& event, const nlohmann::json& body);
  void Rebuild();

 private:
  struct CpuSample {
    uint64_t ticks = 0;
    double mono = 0;
  };
  void OnTick();
  nlohmann::json ProcessCpu(pid_t pid, double now_mono, std::map<pid_t, CpuSample>* next);

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
  std::map<pid_t, CpuSample> cpu_;
  std::map<std::string, nlohmann::json> last_exit_;  // by res_name
};

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_SNAPSHOT_H_
