#include "bench_http_flood.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>

#include "bench_http_raw.h"
#include "bench_util.h"

namespace bench {

namespace {

// Connects are started gradually, as many clients would: a burst of
// thousands of SYNs would overflow the listen backlog (ringmasterd's is 512)
// and measure SYN retransmits instead of the server.
constexpr int kMaxPendingConnects = 256;
constexpr int64_t kConnectTimeoutNs = 10 * kNsPerSec;
constexpr char kRequestLine[] = "GET /healthz HTTP/1.1\r\n";

}  // namespace

Flood::~Flood() { Close(); }

void Flood::Start(int port, int idle, int slowloris, int per_address) {
  port_ = port;
  per_address_ = per_address;
  const int total = idle + slowloris;
  conns_.resize(static_cast<size_t>(total));
  // Slowloris connections spread evenly over the opening order (and so over
  // the source addresses), exactly `slowloris` of them.
  for (int i = 0; i < total; ++i) {
    conns_[i].slow = (static_cast<int64_t>(i) * slowloris) / total !=
                     (static_cast<int64_t>(i + 1) * slowloris) / total;
  }
  counts_ = Counts();
  counts_.total = total;
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) Fail(Fmt("epoll_create1: %s", strerror(errno)));
  thread_ = StartQuietThread([this] { Run(); });
}

Flood::Counts Flood::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

void Flood::Close() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
  for (Conn& c : conns_) {
    if (c.fd >= 0) close(c.fd);
    c.fd = -1;
  }
  if (epfd_ >= 0) close(epfd_);
  epfd_ = -1;
}

void Flood::Run() {
  const int64_t t0 = NowNs();
  size_t next = 0;
  int pending = 0;
  bool opened = false;
  std::deque<size_t> connecting;  // in start order, so oldest first
  std::vector<epoll_event> events(1024);
  while (!stop_.load(std::memory_order_acquire)) {
    while (next < conns_.size() && pending < kMaxPendingConnects) {
      const size_t i = next++;
      Conn& c = conns_[i];
      const std::string source = SourceAddress(static_cast<int>(i), per_address_);
      c.fd = ConnectLoopback(source.c_str(), port_);
      if (c.fd < 0) {
        Error(Fmt("connect from %s: %s", source.c_str(), strerror(errno)));
        std::lock_guard<std::mutex> lock(mu_);
        ++counts_.connect_failed;
        c.state = Conn::State::kDone;
        continue;
      }
      c.state = Conn::State::kConnecting;
      c.started = NowNs();
      epoll_event ev = {};
      ev.events = EPOLLOUT;
      ev.data.u64 = i;
      epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev);
      connecting.push_back(i);
      ++pending;
    }
    const int64_t now = NowNs();
    while (!connecting.empty()) {
      const size_t i = connecting.front();
      if (conns_[i].state == Conn::State::kConnecting) {
        if (now - conns_[i].started < kConnectTimeoutNs) break;
        {
          std::lock_guard<std::mutex> lock(mu_);
          ++counts_.connect_timeouts;
        }
        Finish(i);
        --pending;
      }
      connecting.pop_front();
    }
    if (!opened && next == conns_.size() && pending == 0) {
      opened = true;
      std::lock_guard<std::mutex> lock(mu_);
      counts_.opened = true;
      counts_.open_s = static_cast<double>(NowNs() - t0) / kNsPerSec;
    }
    const int n = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), 50);
    for (int k = 0; k < n; ++k) {
      const size_t i = events[k].data.u64;
      if (conns_[i].state == Conn::State::kConnecting) {
        --pending;
        if (const int err = ConnectError(conns_[i].fd)) {
          Error(Fmt("connect: %s", strerror(err)));
          {
            std::lock_guard<std::mutex> lock(mu_);
            ++counts_.connect_failed;
          }
          Finish(i);
        } else {
          Connected(i);
        }
      } else if (conns_[i].state == Conn::State::kOpen) {
        Readable(i);
      }
    }
  }
}

void Flood::Connected(size_t i) {
  Conn& c = conns_[i];
  c.state = Conn::State::kOpen;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_.connected;
  }
  if (c.slow && send(c.fd, kRequestLine, sizeof(kRequestLine) - 1, MSG_NOSIGNAL) < 0 &&
      errno != EAGAIN) {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_.closed;  // the server reset it already
    Finish(i);
    return;
  }
  epoll_event ev = {};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = i;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void Flood::Readable(size_t i) {
  char buf[4096];
  const ssize_t k = read(conns_[i].fd, buf, sizeof buf);
  if (k < 0 && (errno == EAGAIN || errno == EINTR)) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (k <= 0) {
      ++counts_.closed;  // FIN or RST without a reply
    } else {
      // "HTTP/1.1 503 ..."; what follows the status line does not matter.
      int status = 0;
      if (k >= 12 && memcmp(buf, "HTTP/", 5) == 0) status = atoi(buf + 9);
      ++counts_.statuses[status];
      ++(status == 503 ? counts_.refused_503 : counts_.other_replies);
    }
  }
  Finish(i);
}

void Flood::Finish(size_t i) {
  Conn& c = conns_[i];
  if (c.fd >= 0) close(c.fd);  // also leaves the epoll set
  c.fd = -1;
  c.state = Conn::State::kDone;
}

void Flood::Error(const std::string& what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (counts_.first_error.empty()) counts_.first_error = what;
}

}  // namespace bench
