#include "bench_http_keepalive.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bench_http_raw.h"
#include "bench_util.h"

namespace bench {

namespace {

constexpr double kWarmSeconds = 0.25;                // as Load's: connections, caches
constexpr int64_t kReplyTimeoutNs = 15 * kNsPerSec;  // as Load's read timeout

struct Conn {
  int fd = -1;
  bool connecting = false;
  bool eof = false;
  size_t sent = 0;
  int64_t t0 = 0;  // the request started (connect() for a new connection)
  std::string in;
};

}  // namespace

KeepAliveLoad::KeepAliveLoad(Series* s, int threads, int conns)
    : s_(s), per_thread_(threads), body_bytes_(threads, 0) {
  std::string headers;
  for (const auto& [name, value] : s->t.headers) headers += name + ": " + value + "\r\n";
  request_ = GetRequest(s->t.path, headers, false);
  for (int t = 0; t < threads; ++t) {
    const int mine = conns / threads + (t < conns % threads ? 1 : 0);
    threads_.push_back(StartQuietThread([this, t, mine] { Run(t, mine); }));
  }
}

KeepAliveLoad::~KeepAliveLoad() { Stop(); }

void KeepAliveLoad::Stop() {
  phase_.store(2, std::memory_order_release);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void KeepAliveLoad::Record(Phase* phase, WaitFn wait, const std::function<void()>& during) {
  wait(kWarmSeconds);
  const DaemonCpuNow d0 = SampleDaemon();
  const int64_t t0 = NowNs();
  phase_.store(1, std::memory_order_release);
  during();
  phase_.store(2, std::memory_order_release);
  const double wall = static_cast<double>(NowNs() - t0) / kNsPerSec;
  const DaemonCpuNow d1 = SampleDaemon();
  Stop();
  if (phase) phase->Add(d0, d1, wall);
  s_->wall_s += wall;
  if (d0.all_ns < 0 || d1.all_ns < 0) s_->cpu_ok = false;
  s_->server_ns += d1.all_ns - d0.all_ns;
  for (const auto& v : per_thread_) s_->us.insert(s_->us.end(), v.begin(), v.end());
  for (size_t b : body_bytes_) {
    if (b) s_->body_bytes = b;
  }
  std::lock_guard<std::mutex> lock(mu_);
  s_->errors += errors_;
  if (s_->first_error.empty()) s_->first_error = first_error_;
}

void KeepAliveLoad::Error(const std::string& what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (++errors_ == 1) first_error_ = what;
}

void KeepAliveLoad::Run(int thread, int count) {
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    Error(Fmt("epoll_create1: %s", strerror(errno)));
    return;
  }
  std::vector<Conn> conns(static_cast<size_t>(count));
  std::vector<double>& mine = per_thread_[thread];
  auto watch = [ep, &conns](size_t i, uint32_t events, int op) {
    epoll_event ev = {};
    ev.events = events;
    ev.data.u64 = i;
    epoll_ctl(ep, op, conns[i].fd, &ev);
  };
  auto open = [&](size_t i) {
    Conn& c = conns[i];
    c = Conn();
    c.t0 = NowNs();
    c.fd = ConnectLoopback(nullptr, s_->t.port);
    if (c.fd < 0) {
      Error(Fmt("connect: %s", strerror(errno)));
      return;
    }
    c.connecting = true;
    watch(i, EPOLLOUT, EPOLL_CTL_ADD);
  };
  auto send_request = [&](size_t i) -> bool {
    Conn& c = conns[i];
    const ssize_t w = send(c.fd, request_.data() + c.sent, request_.size() - c.sent, MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (w > 0) c.sent += static_cast<size_t>(w);
    watch(i, c.sent < request_.size() ? EPOLLOUT : EPOLLIN, EPOLL_CTL_MOD);
    return true;
  };
  // Drops the connection and opens a new one (after 1 ms: an error path
  // only; a refusing server must not make the thread spin).
  auto reopen = [&](size_t i, const std::string& error) {
    if (!error.empty()) {
      Error(error);
      usleep(1000);
    }
    if (conns[i].fd >= 0) close(conns[i].fd);
    conns[i].fd = -1;
    reopened_.fetch_add(1);
    open(i);
  };
  for (size_t i = 0; i < conns.size(); ++i) open(i);
  std::vector<epoll_event> events(conns.size() + 1);
  std::string buf(64 * 1024, '\0');
  while (phase_.load(std::memory_order_acquire) != 2) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int k = 0; k < n; ++k) {
      const size_t i = events[k].data.u64;
      Conn& c = conns[i];
      if (c.fd < 0) continue;
      if (c.connecting) {
        if (const int err = ConnectError(c.fd)) {
          reopen(i, Fmt("connect: %s", strerror(err)));
          continue;
        }
        c.connecting = false;
      }
      if (c.sent < request_.size()) {
        if (!send_request(i)) reopen(i, Fmt("send: %s", strerror(errno)));
        continue;
      }
      for (;;) {
        const ssize_t r = read(c.fd, buf.data(), buf.size());
        if (r > 0) {
          c.in.append(buf.data(), static_cast<size_t>(r));
          continue;
        }
        if (r == 0) c.eof = true;
        if (r < 0 && errno != EAGAIN && errno != EINTR) c.eof = true;  // reset
        break;
      }
      Reply reply;
      const Parse state = ParseReply(c.in, c.eof, &reply);
      if (state == Parse::kBad) {
        reopen(i, "unparsable reply");
        continue;
      }
      if (state == Parse::kIncomplete) {
        if (c.eof) reopen(i, c.in.empty() ? "closed without a reply" : "closed mid-reply");
        continue;
      }
      const int64_t t1 = NowNs();
      if (reply.status != 200 || reply.body == 0) {
        Error(Fmt("HTTP %d", reply.status));
      } else if (phase_.load(std::memory_order_acquire) == 1) {
        // Counted if it completed while recording: requests/s is unbiased.
        mine.push_back(static_cast<double>(t1 - c.t0) / kNsPerUs);
        if (!body_bytes_[thread]) body_bytes_[thread] = reply.body;
      }
      if (reply.close || c.eof || c.in.size() != reply.end) {
        reopen(i, c.in.size() > reply.end ? "bytes after the reply" : "");
        continue;
      }
      c.in.clear();
      c.sent = 0;
      c.t0 = t1;
      if (!send_request(i)) reopen(i, Fmt("send: %s", strerror(errno)));
    }
    const int64_t now = NowNs();
    for (size_t i = 0; i < conns.size(); ++i) {
      if (conns[i].fd < 0) {
        open(i);  // connect() itself failed last time
      } else if (now - conns[i].t0 > kReplyTimeoutNs) {
        reopen(i, "no reply in 15 s");
      }
    }
  }
  for (Conn& c : conns) {
    if (c.fd >= 0) close(c.fd);
  }
  close(ep);
}

}  // namespace bench
