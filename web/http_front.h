// The event-driven side of ringmasterd's HTTP endpoint: one thread running its
// own libevent loop (not the supervision loop) owns every connection. An idle,
// slow or half-sent connection costs a bufferevent and its buffers, never a
// thread. Requests are parsed with core/http_request.h and handed to the
// handler on this thread; the handler answers through an HttpResponder, from
// any thread, at any time (a pool task, the supervision loop's reply).
//
// Limits (HttpFrontLimits): a global and a per-client-address connection cap,
// checked at accept (over a cap: 503 with Retry-After, then close); an idle
// keep-alive timeout; a deadline for a whole request from its first byte
// (slowloris); head and body size caps (431, 413); a write timeout. Replies
// that close the connection use a lingering close (shutdown, then read until
// EOF for at most a second) so the client sees the reply, not a reset.
//
// Event streams: a reply with `stream` set keeps the connection open as a
// chunked stream; Broadcast() (any thread) writes a frame to every stream,
// dropping it (counted) for a client whose unsent output is over a cap.
// Start, Stop: any one thread; the rest: thread-safe.
#ifndef RINGMASTER_WEB_HTTP_FRONT_H_
#define RINGMASTER_WEB_HTTP_FRONT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/http_request.h"
#include "core/status.h"
#include "web/http_listen.h"

struct event_base;

namespace ringmaster {

struct HttpFrontLimits {
  size_t max_connections = 16384;           // all clients
  size_t max_connections_per_client = 1024;  // one peer address
  size_t max_head = 16 * 1024;
  size_t max_body = 64 * 1024;
  size_t max_streams = 32;
  size_t stream_buffer = 1 << 20;  // unsent bytes per stream before frames drop
  double keep_alive_timeout = 5;   // idle connection (no request in progress)
  double request_timeout = 10;     // first byte of a request to its last
  double write_timeout = 10;       // a reply that the client does not read
  double stream_heartbeat = 5;     // seconds between keep-alive frames on streams
  std::string heartbeat_frame = ": keep-alive\n\n";
  int backlog = 1024;
  int nice = 5;  // the front thread's nice value (below the supervision loop)
};

struct HttpReply {
  int status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Served before `body` when set: bytes shared by every reader (a
  // snapshot's rendered body), never copied.
  std::shared_ptr<const std::string> shared_body;
  // An event stream: the headers, then `body` as the first chunk; the
  // connection then gets every Broadcast() until it closes.
  bool stream = false;
  bool close = false;  // close the connection after this reply
};

struct HttpFrontStats {
  uint64_t accepted = 0;
  uint64_t refused = 0;  // over a connection cap (503)
  uint64_t timed_out = 0;
  uint64_t requests = 0;
  uint64_t connections = 0;  // open now
  uint64_t streams = 0;      // open now
  uint64_t frames_dropped = 0;
};

class HttpFront;

// One request's answer. Reply() may be called from any thread, once; later
// calls, and calls after the connection closed or the front stopped, do
// nothing and return false.
class HttpResponder {
 public:
  bool Reply(HttpReply reply);
  bool replied() const { return done_.load(); }

 private:
  friend class HttpFront;
  struct Shared;
  HttpResponder(std::shared_ptr<Shared> shared, uint64_t conn) : shared_(std::move(shared)), conn_(conn) {}
  std::shared_ptr<Shared> shared_;
  uint64_t conn_;
  std::atomic<bool> done_{false};
};

class HttpFront {
 public:
  using Handler = std::function<void(const HttpRequest&, const HttpPeer&, std::shared_ptr<HttpResponder>)>;

  HttpFront(HttpFrontLimits limits, Handler handler);
  ~HttpFront();
  HttpFront(const HttpFront&) = delete;
  HttpFront& operator=(const HttpFront&) = delete;

  // Binds host:port (port 0: a free one) and starts the thread. With
  // `listen_fd` >= 0 it serves that listening socket instead (handed over by
  // the image this one replaced) and owns it.
  Status Start(const std::string& host, int port, int listen_fd = -1);
  // The listening socket (close-on-exec), -1 before Start.
  int listener_fd() const { return listener_fd_; }
  // Closes every connection (streams end) and joins the thread. Replies
  // that come later are dropped.
  void Stop();
  int port() const { return port_; }

  // Any thread: runs `fn` on the front thread (after `delay_s`, if > 0).
  // False once stopped.
  bool Post(std::function<void()> fn, double delay_s = 0);
  // Any thread: one frame (bytes of the stream, already formatted) to every
  // event stream.
  void Broadcast(std::string frame);
  HttpFrontStats stats() const;

 private:
  friend class HttpResponder;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  int listener_fd_ = -1;
};

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_HTTP_FRONT_H_
