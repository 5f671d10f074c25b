// The stats stream (docs/protocol.md §9): with `statsd = true` the daemon
// binds a PUB socket on `stats_endpoint` and publishes, once a second, one
// [topic, json] message per live process (`stat.<watcher>.<pid>`), one
// aggregate per watcher (`stat.<watcher>`), the daemon's own figures
// (`stat.circus.<pid>`, `stat.circus`) and the bound sockets
// (`stat.sockets.<fd>`, `stat.sockets`), in the shapes Circus's circus-top
// reads. Δ Circus runs this as a separate circusd-stats watcher; here it is
// part of the daemon and is not a watcher.
//
// The loop copies pids and socket fds on a 1 s timer; the /proc reads and
// the JSON rendering run on the ProcWorker thread, and the loop only sends
// the rendered frames (non-blocking: a subscriber that does not keep up
// loses messages past the PUB's high-water mark). A tick whose previous
// round is still being rendered is skipped, so a slow machine never queues
// rounds. Loop thread only.
#ifndef RINGMASTER_DAEMON_STATS_STREAM_H_
#define RINGMASTER_DAEMON_STATS_STREAM_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "core/status.h"
#include "daemon/event_loop.h"
#include "daemon/proc_worker.h"

namespace ringmaster {

class Arbiter;
class ProcStats;

// What one round publishes about, copied on the loop.
struct StatsTargets {
  struct Watcher {
    std::string name;
    std::vector<pid_t> pids;
  };
  struct Socket {
    int fd = -1;
    std::string address;  // "host:port" or a path
    int reads = 0;        // 1 if the socket was readable at the tick (a pending connection)
  };
  std::vector<Watcher> watchers;
  std::vector<Socket> sockets;
  pid_t daemon_pid = 0;
};

using StatsFrames = std::vector<std::pair<std::string, std::string>>;  // topic, JSON body

// The round's messages, in publishing order (worker thread; pure apart from
// the /proc reads through `stats`).
StatsFrames RenderStatsRound(ProcStats& stats, const StatsTargets& targets);

// The aggregate body of `stat.<watcher>` (and `stat.circus`) from its
// per-pid bodies: pids, mean cpu, summed mem, max age; "N/A" where any
// per-pid value is "N/A" (age: max over the known ages).
nlohmann::json AggregateStats(const std::vector<nlohmann::json>& per_pid);

class StatsStream {
 public:
  static constexpr int kHwm = 1000;
  // Owns a zmq context of its own (only made when statsd is on), so the
  // control controller's Close()/FlushAndClose() never waits for it.
  StatsStream(EventLoop& loop, ProcWorker& procs, const Arbiter& arbiter);
  ~StatsStream();
  StatsStream(const StatsStream&) = delete;
  StatsStream& operator=(const StatsStream&) = delete;

  // Binds the PUB (ipc:// paths prepared as the control endpoints are) and
  // starts the 1 s timer. "cannot bind stats endpoint E: <reason>".
  Status Bind(const std::string& endpoint);
  void Close();
  uint64_t rounds() const { return rounds_; }

 private:
  void Tick();
  StatsTargets Collect() const;
  void Send(const StatsFrames& frames);

  EventLoop& loop_;
  ProcWorker& procs_;
  zmq::context_t ctx_;
  const Arbiter& arbiter_;
  zmq::socket_t pub_;
  Timer timer_;
  bool rendering_ = false;
  uint64_t rounds_ = 0;
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_STATS_STREAM_H_
