// The HTTP endpoint's connection handling (web/http_front.*): idle and
// half-sent connections cost no thread, connection caps answer 503 with
// Retry-After, timeouts close what never finishes, malformed requests get
// their status and the endpoint keeps serving, pipelined requests are
// answered in order.
#include <dirent.h>
#include <poll.h>
#include <sys/resource.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/e2e/http_e2e.h"

namespace ringmaster::test {
namespace {

// Closes every fd on destruction.
struct Fds {
  std::vector<int> fds;
  ~Fds() {
    for (int fd : fds) close(fd);
  }
};

int Threads(pid_t pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n;
}

// True once the peer closed `fd` (read returns 0 or an error) within `seconds`.
bool ClosedByPeer(int fd, double seconds) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(seconds * 1000)) <= 0) return false;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0) return errno != EAGAIN;
    if (poll(&p, 1, static_cast<int>(seconds * 1000)) <= 0) return false;
  }
}

std::string Status(const std::string& reply) { return reply.substr(0, reply.find("\r\n")); }

// What one raw request gets back (the connection is closed by the server
// or after `seconds`).
std::string Exchange(int port, const std::string& request, int seconds = 20) {
  int fd = ConnectLoopback(port);
  if (fd < 0) return "connect failed";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out = ReadAll(fd, seconds);
  close(fd);
  return out;
}

void RaiseFileLimit(rlim_t want) {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < want) {
    r.rlim_cur = std::min(want, r.rlim_max);
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

// cpp-httplib's server held one thread per connection: 1,000 idle ones made
// /healthz take 3 s and the daemon 516 threads.
TEST_F(HttpTest, IdleAndHalfSentConnectionsCostNoThreads) {
  constexpr int kIdle = 2000, kSlow = 300;
  RaiseFileLimit(kIdle + kSlow + 512);
  // Long timeouts: opening them all takes seconds on a busy machine.
  extra_circus_ =
      "httpd_max_connections_per_client = 5000\nhttpd_keep_alive_timeout = 120\nhttpd_request_timeout = 120\n";
  StartHttp(Sleeper("web", 1));
  ASSERT_TRUE(WaitWorkers(1));
  const int before = Threads(daemon_->pid());
  ASSERT_GT(before, 0);
  Fds held;
  for (int i = 0; i < kIdle + kSlow; ++i) {
    int fd = ConnectLoopback(port_, "127.0.0.2");
    ASSERT_GE(fd, 0) << "connection " << i << ": " << strerror(errno);
    held.fds.push_back(fd);
    if (i >= kIdle) {
      const std::string line = "GET /api/status HTTP/1.1\r\nHost: x\r\n";  // never finished
      ASSERT_EQ(send(fd, line.data(), line.size(), MSG_NOSIGNAL), static_cast<ssize_t>(line.size()));
    }
  }
  // Every connection is accepted (the kernel's backlog is not what holds them).
  auto open_connections = [&] {
    auto r = Client()->Get("/metrics", Auth());
    if (!r) return 0L;
    const std::string sample = "\nringmaster_http_connections ";
    size_t at = r->body.find(sample);
    return at == std::string::npos ? 0L : std::stol(r->body.substr(at + sample.size()));
  };
  ASSERT_TRUE(WaitUntil([&] { return open_connections() > kIdle + kSlow; }, 30)) << open_connections();
  for (int i = 0; i < 5; ++i) {
    auto r = Client()->Get("/healthz");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_LE(Threads(daemon_->pid()), 32);
  EXPECT_EQ(Threads(daemon_->pid()), before);  // not one more
}

TEST_F(HttpTest, ConnectionCapsAnswer503WithRetryAfter) {
  extra_circus_ = "httpd_max_connections = 6\nhttpd_max_connections_per_client = 3\n";
  StartHttp(Sleeper("web", 1));
  Fds held;
  for (int i = 0; i < 3; ++i) {
    int fd = ConnectLoopback(port_, "127.0.0.2");
    ASSERT_GE(fd, 0);
    held.fds.push_back(fd);
  }
  // Wait until the daemon has accepted the three (a healthz from another
  // address answers after them: one loop, connections in order).
  auto ok = Client()->Get("/healthz");
  ASSERT_TRUE(ok);
  // The fourth from the same address: 503 at once, Retry-After, closed.
  int fd = ConnectLoopback(port_, "127.0.0.2");
  ASSERT_GE(fd, 0);
  std::string reply = ReadAll(fd, 20);
  close(fd);
  EXPECT_EQ(Status(reply), "HTTP/1.1 503 Service Unavailable") << reply;
  EXPECT_NE(reply.find("Retry-After: "), std::string::npos) << reply;
  EXPECT_NE(reply.find("too many connections from 127.0.0.2"), std::string::npos) << reply;
  // Another address still gets in, up to the global cap of 6.
  for (int i = 0; i < 3; ++i) {
    int f = ConnectLoopback(port_, "127.0.0.3");
    ASSERT_GE(f, 0);
    held.fds.push_back(f);
  }
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::string r = Exchange(port_, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        return r.find("too many connections (limit 6)") != std::string::npos;
      },
      20));
  // Closing some makes room again, and the refusals are counted.
  for (int f : held.fds) close(f);
  held.fds.clear();
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto r = Client()->Get("/metrics", Auth());
        return r && r->status == 200;
      },
      20));
  auto m = Get("/metrics", Auth());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->body.find("ringmaster_http_connections_refused_total 0\n"), std::string::npos) << m->body;
}

TEST_F(HttpTest, IdleAndUnfinishedRequestsAreTimedOut) {
  extra_circus_ = "httpd_keep_alive_timeout = 0.5\nhttpd_request_timeout = 1\n";
  StartHttp(Sleeper("web", 1));
  // Idle: closed without a reply.
  int idle = ConnectLoopback(port_);
  ASSERT_GE(idle, 0);
  EXPECT_TRUE(ClosedByPeer(idle, 20));
  close(idle);
  // Kept alive after a reply, then idle: closed too.
  int kept = ConnectLoopback(port_);
  ASSERT_GE(kept, 0);
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(kept, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
  EXPECT_EQ(Status(ReadOneResponse(kept, 20)), "HTTP/1.1 200 OK");
  EXPECT_TRUE(ClosedByPeer(kept, 20));
  close(kept);
  // Slowloris, one header byte at a time for longer than the request may
  // take: 408, then closed.
  int slow = ConnectLoopback(port_);
  ASSERT_GE(slow, 0);
  std::string got;
  const std::string head = "GET /api/status HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  send(slow, head.data(), head.size(), MSG_NOSIGNAL);
  ASSERT_TRUE(WaitUntil(
      [&] {
        char c = 'a';
        if (send(slow, &c, 1, MSG_NOSIGNAL) != 1) return true;
        char buf[4096];
        ssize_t n = recv(slow, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) got.append(buf, static_cast<size_t>(n));
        return n == 0 || got.find("\r\n\r\n") != std::string::npos;
      },
      20));
  close(slow);
  EXPECT_EQ(Status(got), "HTTP/1.1 408 Request Timeout") << got;
  auto r = Client()->Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpTest, MalformedRequestsGetTheirStatusAndServingGoesOn) {
  StartHttp(Sleeper("web", 1));
  struct Case {
    std::string request;
    const char* status;
  };
  const std::vector<Case> cases = {
      {"GET / HTTP/1.1\nHost: x\n\n", "HTTP/1.1 400 Bad Request"},
      {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported"},
      {"GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n",
       "HTTP/1.1 431 Request Header Fields Too Large"},
      {"POST /api/reloadconfig HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
       "HTTP/1.1 413 Content Too Large"},
      {"POST /api/reloadconfig HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       "HTTP/1.1 501 Not Implemented"},
      {"PUT /api/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 405 Method Not Allowed"},
      {std::string("GET /\0 HTTP/1.1\r\n\r\n", 19), "HTTP/1.1 400 Bad Request"},
  };
  for (const Case& c : cases) {
    std::string reply = Exchange(port_, c.request);
    EXPECT_EQ(Status(reply), c.status) << c.request.substr(0, 60);
    EXPECT_NE(reply.find("application/problem+json"), std::string::npos) << reply;
  }
  auto r = Client()->Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(daemon_->pid() > 0 && kill(daemon_->pid(), 0) == 0, true);
}

TEST_F(HttpTest, PipelinedRequestsAreAnsweredInOrder) {
  StartHttp(Sleeper("web", 1));
  ASSERT_TRUE(WaitWorkers(1));
  int fd = ConnectLoopback(port_);
  ASSERT_GE(fd, 0);
  std::string req = "GET /api/watchers/web HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token_ +
                    "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                    "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  std::string all = ReadAll(fd, 20);
  close(fd);
  size_t a = all.find("HTTP/1.1 200"), b = all.find("\"loop_heartbeat_age\""), c = all.find("HTTP/1.1 404");
  ASSERT_NE(a, std::string::npos) << all;
  ASSERT_NE(b, std::string::npos) << all;
  ASSERT_NE(c, std::string::npos) << all;
  EXPECT_LT(all.find("\"name\":\"web\""), b) << all;
  EXPECT_LT(b, c) << all;
}

}  // namespace
}  // namespace ringmaster::test
