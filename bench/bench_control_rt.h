// bench_control's round trips over ZeroMQ: the baseline ROUTER (EchoServer)
// and the client loop shared by the daemon and the baseline (see
// bench/README.md, "bench_control").
#ifndef RINGMASTER_BENCH_BENCH_CONTROL_RT_H_
#define RINGMASTER_BENCH_BENCH_CONTROL_RT_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace bench {

constexpr int kReplyTimeoutMs = 10000;  // one round trip
constexpr int kRecvSliceMs = 500;       // a blocked recv checks the daemon this often
// The baseline server's reply: about the size of the daemon's `status` reply.
constexpr char kEchoReply[] =
    "{\"status\":\"ok\",\"time\":1732190026.125,\"statuses\":{\"bench\":\"active\"},"
    "\"id\":\"st-1000\"}";

// Baseline: a minimal ROUTER in a thread of the harness (its own context, so
// its own I/O thread like the daemon) that answers every request with
// kEchoReply.
class EchoServer {
 public:
  explicit EchoServer(std::string endpoint) : endpoint_(std::move(endpoint)) {}
  // Binds in the server thread; returns once bound (or fails).
  void Start();
  void Stop();
  std::string error() const { return state_.load() < 0 ? error_ : ""; }

 private:
  void Run();

  std::string endpoint_;
  zmq::context_t ctx_{1};
  std::thread thread_;
  std::atomic<int> state_{0};  // 0 starting, 1 bound, -1 failed
  std::atomic<bool> stop_{false};
  std::string error_;
};

extern EchoServer* g_echo;            // named in "no reply" failures
extern zmq::context_t* g_client_ctx;  // the harness's client context
extern std::set<pid_t> g_echo_tids;   // the baseline server's threads

// A DEALER connected to endpoint, with the harness's timeouts.
zmq::socket_t Connect(const std::string& endpoint);
// One request, one reply. Returns the round trip in ns; the reply's last
// frame is in *reply. `who` names the peer in failure messages.
int64_t RoundTrip(zmq::socket_t& sock, const std::string& request, zmq::message_t* reply,
                  const char* who);
nlohmann::json ParseReply(const zmq::message_t& reply, const char* who);
std::string RequestBody(const char* id_prefix, int k, const char* command,
                        const nlohmann::json& props);
void CheckId(const nlohmann::json& j, const char* id_prefix, int k, const char* who);

// A series of round trips of one kind.
struct Series {
  std::string key;    // BENCH_JSON key
  std::string label;  // table label
  bool daemon = true;
  int total = 0;
  std::function<std::string(int)> request;  // body of the k-th request
  // Checks the k-th reply (not timed); calls Fail on a wrong one.
  std::function<void(int, const zmq::message_t&)> check;
  std::vector<double> us;
  size_t reply_bytes = 0;
  int64_t server_cpu_ns = 0;  // server (daemon or baseline) CPU over this series' blocks
  int64_t server_slices = 0;  // times the server's threads were scheduled in
  bool cpu_ok = true;
};

// The five series (baseline, status, list, status detail, stats) for n
// workers, with their requests and reply checks.
std::vector<Series> MakeSeries(int n);
// Runs `count` requests of s (numbered from `first`), appending timings.
void RunBlock(Series& s, zmq::socket_t& sock, int first, int count, bool record);

}  // namespace bench

#endif  // RINGMASTER_BENCH_BENCH_CONTROL_RT_H_
