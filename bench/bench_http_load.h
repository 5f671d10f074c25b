// bench_http's load generator, baseline servers and CPU accounting (see
// bench/README.md, "bench_http").
#ifndef RINGMASTER_BENCH_BENCH_HTTP_LOAD_H_
#define RINGMASTER_BENCH_BENCH_HTTP_LOAD_H_

#include <httplib.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace bench {

// The main thread's wait while clients run: it must keep watching the
// daemon, the FIFO and signals (bench_http's Sleep).
using WaitFn = void (*)(double seconds);

// ---------------------------------------------------------------- CPU
// ringmasterd's CPU: utime + stime of the process (/proc/PID/stat, clock
// ticks, includes threads that exited) and run time in ns (schedstat) of its
// loop (main) thread and of all its threads.
struct DaemonCpuNow {
  int64_t ticks = -1, loop_ns = -1, loop_wait_ns = -1, all_ns = -1;
};
DaemonCpuNow SampleDaemon();
double TicksToS(int64_t ticks);

// ringmasterd's CPU over a phase, summed over its windows.
struct Phase {
  Phase(const char* k, const char* l) : key(k), label(l) {}
  const char* key;
  const char* label;
  double wall_s = 0;
  int64_t ticks = 0, loop_ns = 0;
  int64_t loop_wait_ns = 0;  // the loop thread runnable, waiting for a CPU
  bool ok = true;
  void Add(const DaemonCpuNow& a, const DaemonCpuNow& b, double wall);
};
// Runs fn as (part of) a phase.
void Measure(Phase* phase, const std::function<void()>& fn);

// ---------------------------------------------------------------- baseline
// A trivial httplib::Server with ringmasterd's keep-alive settings: /small
// answers a fixed small body, /copy a fixed copy of a /api/status reply.
class BaselineServer {
 public:
  // tcp_nodelay: httplib's default is off, as in ringmasterd.
  void Start(bool tcp_nodelay);
  // The body of /copy; call before any request for it.
  void SetCopy(std::string body);
  void Stop();
  int port = 0;
  std::set<pid_t> tids;  // its listener and pool threads

 private:
  httplib::Server srv_;
  std::thread thread_;
  std::string copy_;
  std::atomic<const std::string*> copy_ptr_{nullptr};
};

// A loopback TCP port free right now (bound to 0, then closed).
int FreeLoopbackPort();
// 32 random hex digits (/dev/urandom).
std::string RandomToken();

// One request from the main thread (setup and checks, never timed).
httplib::Result GetOnce(int port, const std::string& path, const httplib::Headers& headers);

// ---------------------------------------------------------------- load
struct Target {
  const char* key;         // BENCH_JSON key
  const char* label;       // table label
  BaselineServer* server;  // nullptr: ringmasterd
  int port;
  std::string path;
  httplib::Headers headers;
};

// The requests of one target, over all its blocks.
struct Series {
  explicit Series(Target target) : t(std::move(target)) {}
  Target t;
  std::vector<double> us;  // latency of every request completed while recording
  double wall_s = 0;       // recording time
  int64_t server_ns = 0;   // schedstat: all of ringmasterd, or the baseline's threads
  bool cpu_ok = true;
  int64_t errors = 0;
  std::string first_error, encoding;
  size_t body_bytes = 0;
  double rps() const;
  double cpu_us_per_req() const;
};

// Closed loop: `clients` threads, each with its own keep-alive
// httplib::Client, one request at a time, from construction on.
class Load {
 public:
  Load(Series* s, int clients);
  // Warm-up (not recorded), then records while `during` runs; stops and
  // joins the clients and adds the figures to the series (and to `phase`,
  // ringmasterd's CPU over the recording, if not null).
  void Record(Phase* phase, WaitFn wait, const std::function<void()>& during);

 private:
  void Run(int i);

  Series* s_;
  std::vector<std::vector<double>> per_thread_;
  std::vector<std::thread> threads_;
  std::atomic<int> phase_{0};  // 0 warm-up, 1 recording, 2 stop
  std::mutex mu_;
  int64_t errors_ = 0;
  std::string first_error_, encoding_;
  size_t body_bytes_ = 0;
};

// Runs the series in turn, kBlocks times, `seconds` each in all; the
// daemon's recordings go to `phase`. Fails if a series had no success;
// failed requests are problems.
void RunGroup(const std::vector<Series*>& group, Phase* phase, double seconds, int clients,
              WaitFn wait);

// ---------------------------------------------------------------- report
void PrintSeries(const Series& s, const Series* base);
std::string SeriesJson(const Series& s, const Series* base);

}  // namespace bench

#endif  // RINGMASTER_BENCH_BENCH_HTTP_LOAD_H_
