// The HTTP endpoint's transport behaviour: bodies without Content-Length,
// no delayed-ACK stalls on kept-alive connections, no compression, the cap on
// event streams.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <chrono>
#include <vector>

#include "tests/e2e/http_e2e.h"

namespace ringmaster::test {
namespace {

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
