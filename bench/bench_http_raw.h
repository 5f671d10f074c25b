// HTTP/1.1 over plain sockets for bench_http_conns: a non-blocking connect
// from a chosen loopback address, a response parser, and one GET on a fresh
// connection bounded by a deadline. No shared state: any thread may call
// these; none of them calls Fail().
#ifndef RINGMASTER_BENCH_BENCH_HTTP_RAW_H_
#define RINGMASTER_BENCH_BENCH_HTTP_RAW_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

// A non-blocking TCP socket bound to `source` (dotted IPv4; nullptr lets the
// kernel pick, i.e. 127.0.0.1) with a connect() to 127.0.0.1:port started.
// Returns the fd, or -1 with errno set.
int ConnectLoopback(const char* source, int port);
// After POLLOUT on a connecting socket: 0 once connected, else the errno.
int ConnectError(int fd);
// "127.0.0.<2 + i / per_address>": spreads connection i over source addresses.
std::string SourceAddress(int i, int per_address);

// "GET path HTTP/1.1" with Host, the extra header lines (each ending in
// \r\n) and, if `close`, "Connection: close".
std::string GetRequest(const std::string& path, const std::string& extra_headers, bool close);

// One response at the start of a buffer.
struct Reply {
  int status = 0;
  size_t end = 0;      // bytes of the whole response, head and body
  size_t body = 0;     // body bytes (decoded, for chunked)
  bool close = false;  // the server will close: Connection: close, or HTTP/1.0
};
enum class Parse { kIncomplete, kDone, kBad };
// A response with neither Content-Length nor chunked encoding ends at EOF:
// `eof` says the peer closed after the bytes in `buf`.
Parse ParseReply(std::string_view buf, bool eof, Reply* out);

// GET on a fresh connection from 127.0.0.1, waiting at most until
// `deadline` (CLOCK_MONOTONIC ns) for the whole response.
struct OneShot {
  int status = 0;  // 0: no complete response
  double ms = 0;   // connect() -> the whole response, or -> the failure
  bool timed_out = false;
  std::string error;  // why there is no response
};
OneShot GetFresh(int port, const std::string& request, int64_t deadline);

}  // namespace bench

#endif  // RINGMASTER_BENCH_BENCH_HTTP_RAW_H_
