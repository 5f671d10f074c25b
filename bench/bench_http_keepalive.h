// bench_http_conns' API load, like `wrk -tT -cC`: T quiet threads, each with
// an epoll set driving its share of C keep-alive connections from 127.0.0.1,
// one request at a time per connection (closed loop); a connection the server
// closes (keep-alive limit, error) is reopened. The figures go into a Series
// (bench_http_load.h) the way Load's do. Construct, Record and destroy on the
// main thread; the load threads never call Fail().
#ifndef RINGMASTER_BENCH_BENCH_HTTP_KEEPALIVE_H_
#define RINGMASTER_BENCH_BENCH_HTTP_KEEPALIVE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_http_load.h"

namespace bench {

class KeepAliveLoad {
 public:
  // Starts the threads: they connect and send at once (warm-up, not recorded).
  KeepAliveLoad(Series* s, int threads, int conns);
  ~KeepAliveLoad();
  KeepAliveLoad(const KeepAliveLoad&) = delete;
  KeepAliveLoad& operator=(const KeepAliveLoad&) = delete;

  // Warm-up, then records while `during` runs; stops and joins the threads
  // and adds the figures to the series (and ringmasterd's CPU to `phase`).
  void Record(Phase* phase, WaitFn wait, const std::function<void()>& during);
  // Connections opened after the first C: the server closed them.
  int64_t reopened() const { return reopened_.load(); }

 private:
  void Run(int thread, int conns);
  void Error(const std::string& what);
  void Stop();

  Series* s_;
  std::string request_;
  std::vector<std::vector<double>> per_thread_;
  std::vector<size_t> body_bytes_;
  std::vector<std::thread> threads_;
  std::atomic<int> phase_{0};  // 0 warm-up, 1 recording, 2 stop
  std::atomic<int64_t> reopened_{0};
  std::mutex mu_;
  int64_t errors_ = 0;  // guarded by mu_
  std::string first_error_;
};

}  // namespace bench

#endif  // RINGMASTER_BENCH_BENCH_HTTP_KEEPALIVE_H_
