#include "web/http_front.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <malloc.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <list>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "daemon/log.h"
#include "web/http_listen.h"
#include "web/problem.h"

namespace ringmaster {
namespace {

constexpr double kLingerSeconds = 1.0;
// Refused connections still being answered; past this they are closed at once.
constexpr size_t kMaxRefusing = 256;
// After a burst of at least this many connections has gone, heap memory is
// handed back to the kernel (glibc keeps it in its arenas otherwise).
constexpr size_t kTrimAfterPeak = 256;
constexpr size_t kTrimAfterRequests = 1000;
constexpr double kAcceptRetrySeconds = 0.1;

timeval Tv(double s) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(s);
  tv.tv_usec = static_cast<suseconds_t>((s - std::floor(s)) * 1e6);
  return tv;
}

// A problem+json reply; `retry_after` > 0 adds the header.
HttpReply ProblemReply(int status, const std::string& detail, int retry_after = 0, bool close = false) {
  HttpReply r;
  r.status = status;
  r.content_type = kProblemContentType;
  if (retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after));
  r.body = Problem(status, detail).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.close = close;
  return r;
}

}  // namespace

// The mailbox the front thread drains: tasks posted by other threads.
struct HttpResponder::Shared {
  std::mutex mu;
  std::vector<std::function<void()>> tasks;
  bool closed = false;
  int wake_fd = -1;
  HttpFront::Impl* impl = nullptr;  // tasks run on the front thread, while it lives
  std::atomic<std::thread::id> front_thread{};

  bool Post(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (closed) return false;
      tasks.push_back(std::move(fn));
    }
    uint64_t one = 1;
    ssize_t n = write(wake_fd, &one, sizeof one);
    (void)n;  // EAGAIN: the counter is already non-zero, a wake-up is due
    return true;
  }
};

struct HttpFront::Impl {
  struct Conn {
    Impl* impl = nullptr;
    uint64_t id = 0;
    bufferevent* bev = nullptr;
    event* timer = nullptr;
    HttpPeer peer;
    enum State { kIdle, kReading, kHandling, kWriting, kClosing, kLingering, kStreaming } state = kIdle;
    bool refused = false;   // over a cap: answered 503, not counted
    bool have_head = false;
    bool keep_alive = true;
    bool head_only = false;
    bool chunked_stream = false;
    int minor = 1;
    HttpRequest req;
  };
  struct Delayed {
    Impl* impl;
    event* ev;
    std::function<void()> fn;
    std::list<Delayed>::iterator self;
  };

  HttpFrontLimits limits;
  HttpLimitsIn parse_limits;
  Handler handler;
  std::shared_ptr<HttpResponder::Shared> shared = std::make_shared<HttpResponder::Shared>();
  event_base* base = nullptr;
  evconnlistener* listener = nullptr;
  event* wake = nullptr;
  event* accept_retry = nullptr;
  event* heartbeat = nullptr;
  const timeval* idle_tv = nullptr;
  const timeval* request_tv = nullptr;
  const timeval* linger_tv = nullptr;
  timeval write_tv{};
  std::thread thread;
  bool stopping = false;  // front thread

  uint64_t next_id = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns;
  std::unordered_map<std::string, size_t> per_client;
  std::unordered_set<Conn*> streams;
  std::list<Delayed> delayed;
  size_t active = 0;  // connections counted against the caps
  size_t refusing = 0;
  size_t peak = 0;
  size_t served_since_trim = 0;
  double last_accept_warning = -1e9;

  // What stats() reports (written on the front thread, read anywhere).
  std::atomic<uint64_t> n_accepted{0}, n_refused{0}, n_timed_out{0}, n_requests{0};
  std::atomic<uint64_t> n_connections{0}, n_streams{0}, n_dropped{0};

  // ------------------------------------------------------------ helpers
  void Arm(Conn* c, const timeval* tv) { evtimer_add(c->timer, tv); }

  void Close(Conn* c) {
    streams.erase(c);
    if (streams.empty() && heartbeat) evtimer_del(heartbeat);
    if (c->refused) {
      --refusing;
    } else {
      --active;
      auto it = per_client.find(c->peer.address);
      if (it != per_client.end() && --it->second == 0) per_client.erase(it);
    }
    event_free(c->timer);
    bufferevent_free(c->bev);
    uint64_t id = c->id;
    conns.erase(id);  // deletes c
    n_connections = active;
    n_streams = streams.size();
    // The burst is over (no connection left): give its heap back.
    if ((peak >= kTrimAfterPeak || served_since_trim >= kTrimAfterRequests) && active == 0 && refusing == 0) {
      peak = 0;
      served_since_trim = 0;
      malloc_trim(0);
    }
  }

  // ------------------------------------------------------------ accept
  static void OnAccept(evconnlistener*, evutil_socket_t fd, sockaddr* sa, int, void* arg) {
    static_cast<Impl*>(arg)->Accept(fd, sa);
  }

  static void OnAcceptError(evconnlistener* l, void* arg) {
    Impl* impl = static_cast<Impl*>(arg);
    int err = EVUTIL_SOCKET_ERROR();
    // Out of descriptors or memory: the listening socket stays readable, so
    // retrying at once would spin. Pause accepting briefly; the backlog holds
    // the clients meanwhile.
    evconnlistener_disable(l);
    timeval tv = Tv(kAcceptRetrySeconds);
    evtimer_add(impl->accept_retry, &tv);
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    if (t - impl->last_accept_warning >= 10) {
      impl->last_accept_warning = t;
      LOG_WARN("httpd: accept failed: %s; pausing new connections for %.0f ms", strerror(err),
               kAcceptRetrySeconds * 1000);
    }
  }

  static void OnAcceptRetry(evutil_socket_t, short, void* arg) {
    Impl* impl = static_cast<Impl*>(arg);
    if (!impl->stopping) evconnlistener_enable(impl->listener);
  }

  void Accept(evutil_socket_t fd, sockaddr* sa) {
    HttpPeer peer = PeerOf(sa);
    size_t& mine = per_client[peer.address];
    bool over = active >= limits.max_connections || mine >= limits.max_connections_per_client;
    if (mine == 0 && over) per_client.erase(peer.address);
    ++n_accepted;
    if (over) ++n_refused;
    if (over && refusing >= kMaxRefusing) {
      evutil_closesocket(fd);
      return;
    }
    int yes = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto conn = std::make_unique<Conn>();
    Conn* c = conn.get();
    c->impl = this;
    c->id = next_id++;
    c->peer = std::move(peer);
    c->refused = over;
    c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!c->bev) {
      evutil_closesocket(fd);
      if (!over && mine == 0) per_client.erase(c->peer.address);
      return;
    }
    c->timer = evtimer_new(base, OnTimer, c);
    bufferevent_setcb(c->bev, OnRead, OnWrite, OnEvent, c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, limits.max_head + limits.max_body + 4096);
    bufferevent_set_timeouts(c->bev, nullptr, &write_tv);
    conns.emplace(c->id, std::move(conn));
    if (over) {
      ++refusing;
      std::string why = active >= limits.max_connections
                            ? "too many connections (limit " + std::to_string(limits.max_connections) + ")"
                            : "too many connections from " + c->peer.address + " (limit " +
                                  std::to_string(limits.max_connections_per_client) + ")";
      c->state = Conn::kHandling;
      Send(c, ProblemReply(503, why, 5, /*close=*/true));
      return;
    }
    ++mine;
    ++active;
    if (active > peak) peak = active;
    n_connections = active;
    bufferevent_enable(c->bev, EV_READ);
    Arm(c, idle_tv);
  }

  // ------------------------------------------------------------ reading
  static void OnRead(bufferevent*, void* arg) {
    Conn* c = static_cast<Conn*>(arg);
    c->impl->Read(c);
  }

  void Read(Conn* c) {
    evbuffer* in = bufferevent_get_input(c->bev);
    switch (c->state) {
      case Conn::kLingering:
      case Conn::kStreaming:
      case Conn::kClosing:
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
      case Conn::kHandling:
      case Conn::kWriting:
        return;  // read again once the reply is out (requests in order)
      case Conn::kIdle:
      case Conn::kReading:
        break;
    }
    size_t len = evbuffer_get_length(in);
    if (len == 0) return;
    if (c->state == Conn::kIdle) {
      c->state = Conn::kReading;
      Arm(c, request_tv);  // the whole request must come within request_timeout
    }
    if (!c->have_head) {
      size_t n = std::min(len, limits.max_head + 4);
      const char* p = reinterpret_cast<const char*>(evbuffer_pullup(in, static_cast<ev_ssize_t>(n)));
      HeadResult r = ParseRequestHead(std::string_view(p, n), parse_limits);
      if (r.kind == HeadResult::kIncomplete) return;
      if (r.kind == HeadResult::kError) return Fail(c, r.status, r.reason);
      evbuffer_drain(in, r.head_bytes);
      c->req = std::move(r.request);
      c->have_head = true;
      if (c->req.content_length > evbuffer_get_length(in) && c->req.minor_version == 1) {
        std::string expect = c->req.Header("expect");
        if (strcasecmp(expect.c_str(), "100-continue") == 0) {
          static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
          bufferevent_write(c->bev, kContinue, sizeof kContinue - 1);
        }
      }
    }
    if (evbuffer_get_length(in) < c->req.content_length) return;
    c->req.body.resize(c->req.content_length);
    if (c->req.content_length) evbuffer_remove(in, c->req.body.data(), c->req.content_length);
    c->have_head = false;
    c->state = Conn::kHandling;
    c->keep_alive = c->req.keep_alive;
    c->head_only = c->req.method == "HEAD";
    c->minor = c->req.minor_version;
    evtimer_del(c->timer);
    ++n_requests;
    std::shared_ptr<HttpResponder> responder(new HttpResponder(shared, c->id));
    HttpRequest req = std::move(c->req);
    c->req = HttpRequest();
    handler(req, c->peer, std::move(responder));
  }

  void Fail(Conn* c, int status, const std::string& reason) {
    c->state = Conn::kHandling;
    c->head_only = false;
    Send(c, ProblemReply(status, reason, 0, /*close=*/true));
  }

  // ------------------------------------------------------------ writing
  void Deliver(uint64_t id, HttpReply reply) {
    auto it = conns.find(id);
    if (it == conns.end() || it->second->state != Conn::kHandling) return;
    Conn* c = it->second.get();
    if (reply.stream && streams.size() >= limits.max_streams) {
      reply = ProblemReply(503, "too many event streams (limit " + std::to_string(limits.max_streams) + ")", 10);
    }
    Send(c, std::move(reply));
  }

  void Send(Conn* c, HttpReply r) {
    bool close = r.close || !c->keep_alive || stopping;
    if (r.stream) close = false;
    const std::string& body = r.body;
    size_t length = body.size() + (r.shared_body ? r.shared_body->size() : 0);
    c->chunked_stream = r.stream && c->minor == 1;
    if (r.stream && !c->chunked_stream) c->keep_alive = false;  // HTTP/1.0: the stream ends with the connection
    std::string head = ReplyHead(r.status, r.content_type, r.headers,
                                 r.stream ? ReplyFraming{ReplyFraming::kStream, c->chunked_stream}
                                          : ReplyFraming{ReplyFraming::kLength, false, length},
                                 close, c->minor);
    evbuffer* out = bufferevent_get_output(c->bev);
    evbuffer_add(out, head.data(), head.size());
    if (r.stream) {
      c->state = Conn::kStreaming;
      streams.insert(c);
      if (streams.size() == 1 && heartbeat) {
        timeval tv = Tv(limits.stream_heartbeat);
        evtimer_add(heartbeat, &tv);
      }
      n_streams = streams.size();
      if (!body.empty()) WriteFrame(c, body);
      bufferevent_enable(c->bev, EV_READ);  // to notice the client going away
      return;
    }
    if (!c->head_only) {
      if (r.shared_body && !r.shared_body->empty()) {
        auto* keep = new std::shared_ptr<const std::string>(std::move(r.shared_body));
        evbuffer_add_reference(
            out, (*keep)->data(), (*keep)->size(),
            [](const void*, size_t, void* k) { delete static_cast<std::shared_ptr<const std::string>*>(k); }, keep);
      }
      if (!body.empty()) evbuffer_add(out, body.data(), body.size());
    }
    ++served_since_trim;
    c->state = close ? Conn::kClosing : Conn::kWriting;
    bufferevent_enable(c->bev, EV_WRITE);
  }

  void WriteFrame(Conn* c, const std::string& frame) {
    evbuffer* out = bufferevent_get_output(c->bev);
    if (c->chunked_stream) {
      char size[32];
      int n = snprintf(size, sizeof size, "%zx\r\n", frame.size());
      evbuffer_add(out, size, static_cast<size_t>(n));
      evbuffer_add(out, frame.data(), frame.size());
      evbuffer_add(out, "\r\n", 2);
    } else {
      evbuffer_add(out, frame.data(), frame.size());
    }
  }

  void BroadcastNow(const std::string& frame) {
    uint64_t dropped = 0;
    for (Conn* c : streams) {
      if (evbuffer_get_length(bufferevent_get_output(c->bev)) > limits.stream_buffer) {
        ++dropped;
        continue;
      }
      WriteFrame(c, frame);
    }
    n_dropped += dropped;
  }

  static void OnHeartbeat(evutil_socket_t, short, void* arg) {
    Impl* impl = static_cast<Impl*>(arg);
    if (impl->streams.empty()) return;
    impl->BroadcastNow(impl->limits.heartbeat_frame);
    timeval tv = Tv(impl->limits.stream_heartbeat);
    evtimer_add(impl->heartbeat, &tv);
  }

  static void OnWrite(bufferevent*, void* arg) {
    Conn* c = static_cast<Conn*>(arg);
    c->impl->Written(c);
  }

  // The output buffer is empty.
  void Written(Conn* c) {
    if (c->state == Conn::kWriting) {
      c->state = Conn::kIdle;
      Arm(c, idle_tv);
      bufferevent_enable(c->bev, EV_READ);
      // A pipelined request may be waiting in the buffer already.
      if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0) Read(c);
    } else if (c->state == Conn::kClosing) {
      // Lingering close: send FIN, then read (and drop) what the client still
      // sends until it closes, so our reply is not destroyed by a reset.
      shutdown(bufferevent_getfd(c->bev), SHUT_WR);
      c->state = Conn::kLingering;
      evbuffer* in = bufferevent_get_input(c->bev);
      evbuffer_drain(in, evbuffer_get_length(in));
      bufferevent_enable(c->bev, EV_READ);
      Arm(c, linger_tv);
    }
  }

  static void OnEvent(bufferevent*, short what, void* arg) {
    Conn* c = static_cast<Conn*>(arg);
    Impl* impl = c->impl;
    if (what & BEV_EVENT_TIMEOUT) ++impl->n_timed_out;
    // EOF, error, or a write that made no progress for write_timeout. A
    // request already being handled is answered into the void: its reply
    // finds no connection and is dropped.
    impl->Close(c);
  }

  static void OnTimer(evutil_socket_t, short, void* arg) {
    Conn* c = static_cast<Conn*>(arg);
    Impl* impl = c->impl;
    switch (c->state) {
      case Conn::kReading:
        ++impl->n_timed_out;
        impl->Fail(c, 408, "the request was not complete within " +
                               std::to_string(static_cast<int>(impl->limits.request_timeout)) + " s");
        return;
      case Conn::kIdle:
      case Conn::kLingering:
      default:
        impl->Close(c);
        return;
    }
  }

  // ------------------------------------------------------------ mailbox
  static void OnWake(evutil_socket_t fd, short, void* arg) {
    Impl* impl = static_cast<Impl*>(arg);
    uint64_t n;
    ssize_t r = read(fd, &n, sizeof n);
    (void)r;
    std::vector<std::function<void()>> tasks;
    bool closed;
    {
      std::lock_guard<std::mutex> lock(impl->shared->mu);
      tasks.swap(impl->shared->tasks);
      closed = impl->shared->closed;
    }
    if (closed) {
      impl->Shutdown();
      return;
    }
    for (auto& t : tasks) t();
  }

  void RunDelayed(std::function<void()> fn, double delay_s) {
    delayed.push_back(Delayed{this, nullptr, std::move(fn), {}});
    auto it = std::prev(delayed.end());
    it->self = it;
    it->ev = evtimer_new(base, OnDelayed, &*it);
    timeval tv = Tv(delay_s);
    evtimer_add(it->ev, &tv);
  }

  static void OnDelayed(evutil_socket_t, short, void* arg) {
    Delayed* d = static_cast<Delayed*>(arg);
    Impl* impl = d->impl;
    std::function<void()> fn = std::move(d->fn);
    event_free(d->ev);
    impl->delayed.erase(d->self);
    fn();
  }

  // Front thread: every connection closed, the loop ends.
  void Shutdown() {
    stopping = true;
    std::vector<Conn*> all;
    for (auto& [id, c] : conns) all.push_back(c.get());
    for (Conn* c : all) Close(c);
    for (Delayed& d : delayed) event_free(d.ev);
    delayed.clear();
    if (listener) evconnlistener_disable(listener);
    event_base_loopbreak(base);
  }
};

bool HttpResponder::Reply(HttpReply reply) {
  if (done_.exchange(true)) return false;
  Shared* shared = shared_.get();
  uint64_t conn = conn_;
  // On the front thread (a handler answering at once): no mailbox round trip.
  if (std::this_thread::get_id() == shared->front_thread.load()) {
    shared->impl->Deliver(conn, std::move(reply));
    return true;
  }
  return shared->Post([shared, conn, r = std::move(reply)]() mutable { shared->impl->Deliver(conn, std::move(r)); });
}

HttpFront::HttpFront(HttpFrontLimits limits, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->limits = std::move(limits);
  impl_->parse_limits.max_head = impl_->limits.max_head;
  impl_->parse_limits.max_body = impl_->limits.max_body;
  impl_->handler = std::move(handler);
  impl_->shared->impl = impl_.get();
}

HttpFront::~HttpFront() { Stop(); }

Status HttpFront::Start(const std::string& host, int port, int listen_fd) {
  Impl& m = *impl_;
  int fd = listen_fd;
  if (fd >= 0) {
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
      close(fd);
      return Status::FromErrno("httpd: the handed-over listener", errno);
    }
    port_ = PeerOf(reinterpret_cast<sockaddr*>(&bound)).port;
    evutil_make_socket_nonblocking(fd);
    evutil_make_socket_closeonexec(fd);
  } else {
    Status bound = BindHttpListener(host, port, m.limits.backlog, &fd, &port_);
    if (!bound.ok()) return bound;
  }
  listener_fd_ = fd;

  m.base = event_base_new();
  int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (!m.base || wake < 0) {
    close(fd);
    if (wake >= 0) close(wake);
    return Status::Error(std::string("httpd: cannot create its event loop: ") + strerror(errno));
  }
  m.shared->wake_fd = wake;
  m.wake = event_new(m.base, wake, EV_READ | EV_PERSIST, Impl::OnWake, &m);
  event_add(m.wake, nullptr);
  m.accept_retry = evtimer_new(m.base, Impl::OnAcceptRetry, &m);
  m.heartbeat = evtimer_new(m.base, Impl::OnHeartbeat, &m);
  timeval idle = Tv(m.limits.keep_alive_timeout), request = Tv(m.limits.request_timeout), linger = Tv(kLingerSeconds);
  // Common timeouts: thousands of connections with the same duration cost
  // O(1) per timer instead of a heap operation.
  m.idle_tv = event_base_init_common_timeout(m.base, &idle);
  m.request_tv = event_base_init_common_timeout(m.base, &request);
  m.linger_tv = event_base_init_common_timeout(m.base, &linger);
  m.write_tv = Tv(m.limits.write_timeout);
  m.listener = evconnlistener_new(m.base, Impl::OnAccept, &m, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
  if (!m.listener) {
    close(fd);
    return Status::Error("httpd: cannot listen on " + host + ":" + std::to_string(port_));
  }
  evconnlistener_set_error_cb(m.listener, Impl::OnAcceptError);
  int nice = m.limits.nice;
  m.thread = std::thread([&m, nice] {
    // Signals are the supervision loop's events: keep them off this thread.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    if (nice != 0) setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice);
    pthread_setname_np(pthread_self(), "rm-http");
    m.shared->front_thread = std::this_thread::get_id();
    event_base_dispatch(m.base);
    m.shared->front_thread = std::thread::id();
  });
  return Status::Ok();
}

void HttpFront::Stop() {
  Impl& m = *impl_;
  listener_fd_ = -1;
  {
    std::lock_guard<std::mutex> lock(m.shared->mu);
    if (m.shared->closed) return;
    m.shared->closed = true;
    m.shared->tasks.clear();
  }
  if (!m.thread.joinable()) return;
  uint64_t one = 1;
  ssize_t n = write(m.shared->wake_fd, &one, sizeof one);
  (void)n;
  m.thread.join();
  if (m.listener) evconnlistener_free(m.listener);
  event_free(m.wake);
  event_free(m.accept_retry);
  event_free(m.heartbeat);
  event_base_free(m.base);
  close(m.shared->wake_fd);
  m.listener = nullptr;
  m.base = nullptr;
}

bool HttpFront::Post(std::function<void()> fn, double delay_s) {
  if (delay_s <= 0) return impl_->shared->Post(std::move(fn));
  Impl* m = impl_.get();
  return impl_->shared->Post([m, delay_s, fn = std::move(fn)]() mutable { m->RunDelayed(std::move(fn), delay_s); });
}

void HttpFront::Broadcast(std::string frame) {
  Impl* m = impl_.get();
  impl_->shared->Post([m, f = std::move(frame)] { m->BroadcastNow(f); });
}

HttpFrontStats HttpFront::stats() const {
  const Impl& m = *impl_;
  return HttpFrontStats{m.n_accepted, m.n_refused, m.n_timed_out, m.n_requests,
                        m.n_connections, m.n_streams, m.n_dropped};
}

}  // namespace ringmaster
