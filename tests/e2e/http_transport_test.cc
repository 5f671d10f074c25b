// The HTTP endpoint's transport behaviour: bodies without Content-Length,
// no delayed-ACK stalls on kept-alive connections, no compression, the cap on
// event streams, refused bodies, HEAD, shutdown with slow clients.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <chrono>
#include <optional>
#include <vector>

#include "tests/e2e/http_e2e.h"

namespace ringmaster::test {
namespace {

size_t CountOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

// A POST refused for want of a token must not leave its body to be read as
// the next request on the connection (request smuggling behind a proxy).
TEST_F(HttpTest, RefusedPostBodyIsNotReadAsARequest) {
  StartHttp(Sleeper("web", 1));
  ASSERT_TRUE(WaitWorkers(1));
  int fd = ConnectLoopback(port_);
  ASSERT_GE(fd, 0);
  // Smuggled, it would get a reply of its own: three replies instead of two.
  std::string inner = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string req = "POST /api/watchers/web/stop HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                    std::to_string(inner.size()) + "\r\n\r\n" + inner;
  ASSERT_EQ(write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  std::string replies = ReadOneResponse(fd, 20);
  // A second request that closes, so the read below ends at once. (Sent
  // after the first reply: httplib 0.11 loses pipelined requests.)
  std::string last = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(write(fd, last.data(), last.size()), static_cast<ssize_t>(last.size()));
  replies += ReadAll(fd, 20);
  close(fd);
  EXPECT_EQ(replies.rfind("HTTP/1.1 401", 0), 0u) << replies;
  EXPECT_EQ(CountOf(replies, "HTTP/1.1 "), 2u) << replies;
  EXPECT_EQ(Watcher("web")["state"], "active") << replies << daemon_->Log();
}

// A probe using HEAD gets what GET gets on the open paths.
TEST_F(HttpTest, HeadOnOpenPathsNeedsNoToken) {
  StartHttp(Sleeper("web", 1));
  auto c = Client();
  for (const char* path : {"/healthz", "/", "/app.js"}) {
    auto r = c->Head(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
  }
  ExpectProblem(Post("/api/watchers/web/reloadconfig"), 404);
}

// A client trickling a request (no token needed to send headers) must not
// keep the daemon from exiting.
TEST_F(HttpTest, SlowClientDoesNotHoldTheDaemonAtExit) {
  StartHttp(Sleeper("web", 1));
  ASSERT_TRUE(WaitWorkers(1));
  int fd = ConnectLoopback(port_);
  ASSERT_GE(fd, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::thread trickle([&] {
    const std::string req = "GET /api/status HTTP/1.1\r\nX-Slow: ";
    size_t i = 0;
    while (!stop) {
      char c = i < req.size() ? req[i] : 'a';
      ++i;
      if (send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
      ++sent;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  ASSERT_TRUE(WaitUntil([&] { return sent.load() >= 3; }, 10));  // a request is under way
  ASSERT_EQ(kill(daemon_->pid(), SIGTERM), 0);
  std::optional<int> code = daemon_->WaitExit(15);
  stop = true;
  trickle.join();
  close(fd);
  ASSERT_TRUE(code.has_value()) << "the daemon did not exit\n" << daemon_->Log();
  EXPECT_EQ(*code, 0);
}

// Start-up failing after the HTTP server started (a [socket:*] that cannot
// bind) must end the daemon, not hang it in the server's shutdown.
TEST_F(HttpTest, StartupFailureAfterHttpdStartedExits) {
  int busy = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(busy, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(busy, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(busy, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(busy, reinterpret_cast<sockaddr*>(&addr), &len);
  int taken = ntohs(addr.sin_port);
  port_ = FreePort();
  std::string watchers = "[socket:web]\nhost = 127.0.0.1\nport = " + std::to_string(taken) + "\n\n" +
                         Sleeper("web", 1);
  StartDaemon(WriteConfig(HttpConfig(watchers, "t")));
  std::optional<int> code = daemon_->WaitExit(15);
  close(busy);
  ASSERT_TRUE(code.has_value()) << "the daemon hung\n" << daemon_->Log();
  EXPECT_EQ(*code, 1) << daemon_->Log();
}

// `curl -X POST URL` sends neither Content-Length nor Transfer-Encoding; per
// RFC 9112 the body is empty. It must be answered at once, not after the
// read timeout with a 400.
TEST_F(HttpTest, PostWithoutContentLengthHasAnEmptyBody) {
  StartHttp(Sleeper("web", 1));
  ASSERT_TRUE(WaitWorkers(1));
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string req = "POST /api/watchers/web/incr?waiting=true HTTP/1.1\r\nHost: x\r\n"
                    "Authorization: Bearer " + token_ + "\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  auto t0 = std::chrono::steady_clock::now();
  std::string reply;
  char buf[4096];
  timeval tv{20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) reply.append(buf, static_cast<size_t>(n));
  close(fd);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"numprocesses\":2"), std::string::npos) << reply;
  EXPECT_LT(took, 4.0) << "waited for the read timeout";
}


// Small replies on one kept-alive connection: httplib writes headers and body
// separately, so without TCP_NODELAY each waited for the client's delayed ACK
// (40 ms on Linux). The median of 20 must be far below that.
TEST_F(HttpTest, KeptAliveRepliesDoNotWaitForDelayedAcks) {
  StartHttp(Sleeper("web", 1));
  httplib::Client c("127.0.0.1", port_);
  c.set_keep_alive(true);
  c.set_read_timeout(10, 0);
  ASSERT_TRUE(c.Get("/healthz"));  // connect once
  std::vector<double> ms;
  for (int i = 0; i < 20; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = c.Get("/healthz");
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
  }
  std::sort(ms.begin(), ms.end());
  EXPECT_LT(ms[ms.size() / 2], 30.0) << "median of 20 kept-alive /healthz in ms";
}

// Browsers offer brotli and gzip; compressing /api/status would cost the
// supervised machine ~100 ms of CPU per poll with 500 processes.
TEST_F(HttpTest, RepliesAreNotCompressed) {
  StartHttp(Sleeper("web", 2));
  ASSERT_TRUE(WaitWorkers(2));
  for (const char* path : {"/api/status", "/metrics", "/app.js"}) {
    auto r = Get(path, {{"Authorization", "Bearer " + token_}, {"Accept-Encoding", "gzip, deflate, br"}});
    ASSERT_EQ(r->status, 200) << path;
    EXPECT_FALSE(r->has_header("Content-Encoding")) << path << ": " << r->get_header_value("Content-Encoding");
  }
  auto r = Get("/api/status", Auth());
  EXPECT_FALSE(Body(r).is_discarded());
}

// Event streams are capped (32 by default): one more is a 503 problem with
// Retry-After, and the open ones keep streaming.
TEST_F(HttpTest, EventStreamsAreCapped) {
  StartHttp(Sleeper("web", 1));
  ASSERT_TRUE(WaitWorkers(1));
  constexpr int kCap = 32;
  std::atomic<bool> stop{false};
  std::atomic<int> connected{0}, got_spawn{0};
  std::vector<std::thread> readers;
  // On any exit: readers return at their next frame (an event, or the 5 s
  // keep-alive comment).
  struct JoinAll {
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~JoinAll() {
      stop = true;
      for (auto& t : threads) t.join();
    }
  } join_all{stop, readers};
  for (int i = 0; i < kCap; ++i) {
    readers.emplace_back([&] {
      auto c = Client();
      std::string seen;
      bool counted = false, spawned = false;
      c->Get("/api/events", Auth(), [&](const char* data, size_t n) {
        seen.append(data, n);
        if (!counted && seen.find(": connected") != std::string::npos) {
          counted = true;
          ++connected;
        }
        if (!spawned && seen.find("event: spawn") != std::string::npos) {
          spawned = true;
          ++got_spawn;
        }
        return !stop.load();
      });
    });
  }
  ASSERT_TRUE(WaitUntil([&] { return connected.load() == kCap; }, 20)) << connected.load();
  auto r = Get("/api/events", Auth());
  ExpectProblem(r, 503);
  EXPECT_FALSE(r->get_header_value("Retry-After").empty());
  EXPECT_NE(Body(r)["detail"].get<std::string>().find("too many event streams"), std::string::npos);
  // The open streams still deliver.
  ASSERT_EQ(Post("/api/watchers/web/incr")->status, 202);
  EXPECT_TRUE(WaitUntil([&] { return got_spawn.load() == kCap; }, 20)) << got_spawn.load();
  stop = true;
  Post("/api/watchers/web/decr");  // one more event so every reader returns at once
}

}  // namespace
}  // namespace ringmaster::test
