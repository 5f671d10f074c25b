// bench_http_conns' connection flood: `idle` connections that send nothing
// and `slowloris` ones that send a request line and never finish the headers,
// spread over source addresses 127.0.0.2, 127.0.0.3, ... (`per_address`
// each), with at most kMaxPendingConnects connects pending at a time. One
// quiet thread opens them, holds them and counts what the server does to them
// until Close(). Start, counts and Close belong to the main thread; Fail() is
// never called from the flood's thread.
#ifndef RINGMASTER_BENCH_BENCH_HTTP_FLOOD_H_
#define RINGMASTER_BENCH_BENCH_HTTP_FLOOD_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bench {

class Flood {
 public:
  struct Counts {
    int total = 0;
    int connected = 0;            // handshakes completed (so far)
    int connect_failed = 0;       // refused at connect() (ECONNREFUSED, EMFILE, ...)
    int connect_timeouts = 0;     // no handshake within kConnectTimeoutNs (SYNs dropped)
    int refused_503 = 0;          // the server answered 503
    int other_replies = 0;        // the server answered something else (408, 400, ...)
    int closed = 0;               // the server closed (FIN or RST) without a reply
    bool opened = false;          // every connect has completed, failed or timed out
    double open_s = 0;            // start -> opened
    std::map<int, int> statuses;  // replies by status code
    std::string first_error;
    // Connections the server still holds.
    int held() const { return connected - refused_503 - other_replies - closed; }
  };

  Flood() = default;
  ~Flood();
  Flood(const Flood&) = delete;
  Flood& operator=(const Flood&) = delete;

  void Start(int port, int idle, int slowloris, int per_address);
  Counts counts() const;
  // Stops the thread and closes every socket (the harness's side: FIN).
  void Close();

 private:
  struct Conn {
    enum class State : uint8_t { kNew, kConnecting, kOpen, kDone };
    int fd = -1;
    State state = State::kNew;
    bool slow = false;  // slowloris: sends the request line once connected
    int64_t started = 0;
  };
  void Run();
  void Connected(size_t i);
  void Readable(size_t i);
  void Finish(size_t i);
  void Error(const std::string& what);

  int port_ = 0, per_address_ = 1;
  int epfd_ = -1;
  std::vector<Conn> conns_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  Counts counts_;  // guarded by mu_
};

}  // namespace bench

#endif  // RINGMASTER_BENCH_BENCH_HTTP_FLOOD_H_
