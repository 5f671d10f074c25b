// The HTTP endpoint and configuration changes: a changed http_token applies on
// reloadconfig (ZeroMQ or HTTP), a broken reload is refused with a problem and
// the old config (and token) keep running, and a stale snapshot is refreshed
// on read.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/e2e/http_e2e.h"
#include "tests/support/zmq_client.h"

namespace ringmaster::test {
namespace {

TEST_F(HttpTest, ChangedTokenAppliesOnReloadConfig) {
  StartHttp(Sleeper("web", 1), "old-token");
  ASSERT_TRUE(WaitWorkers(1));
  ASSERT_EQ(Get("/api/status", Auth("old-token"))->status, 200);

  WriteConfig(HttpConfig(Sleeper("web", 1), "new-token"));
  auto r = Post("/api/reloadconfig?waiting=true", "", Auth("old-token"));
  ASSERT_EQ(r->status, 200) << r->body;
  ExpectProblem(Get("/api/status", Auth("old-token")), 401);
  EXPECT_EQ(Get("/api/status", Auth("new-token"))->status, 200);

  // Removing the token: reads open, actions refused with 403.
  WriteConfig(HttpConfig(Sleeper("web", 1), ""));
  r = Post("/api/reloadconfig?waiting=true", "", Auth("new-token"));
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Get("/api/status", {})->status, 200);
  ExpectProblem(Post("/api/watchers/web/incr", "", Auth("new-token")), 403);
}

TEST_F(HttpTest, BrokenReloadIsRefusedAndTheOldTokenStays) {
  StartHttp(Sleeper("web", 1), "keep-me");
  ASSERT_TRUE(WaitWorkers(1));
  pid_t before = LiveWorkers().at(0);
  WriteConfig(HttpConfig(Sleeper("web", 1) + "[watcher:bad]\nnumprocesses = many\n", "other"));
  auto r = Post("/api/reloadconfig?waiting=true", "", Auth("keep-me"));
  ExpectProblem(r, 409);
  EXPECT_NE(Body(r)["detail"].get<std::string>().find("watchers.ini:"), std::string::npos) << r->body;
  EXPECT_NE(Body(r)["detail"].get<std::string>().find("[watcher:bad]"), std::string::npos) << r->body;
  EXPECT_EQ(Get("/api/status", Auth("keep-me"))->status, 200);
  ExpectProblem(Get("/api/status", Auth("other")), 401);
  EXPECT_EQ(LiveWorkers(), std::vector<pid_t>{before});
  EXPECT_EQ(Watcher("web")["state"], "active");
}

TEST_F(HttpTest, ReloadThroughZeroMqAppliesTheTokenToo) {
  StartHttp(Sleeper("web", 1), "old-token");
  ASSERT_TRUE(WaitWorkers(1));
  WriteConfig(HttpConfig(Sleeper("web", 1), "zmq-token"));
  ControlClient ctl("ipc://" + dir_->Path("ctl.sock"));
  auto reply = ctl.Call("reloadconfig", {{"waiting", true}}, 30);
  ASSERT_TRUE(reply && (*reply)["status"] == "ok") << (reply ? reply->dump() : "no reply");
  ExpectProblem(Get("/api/status", Auth("old-token")), 401);
  EXPECT_EQ(Get("/api/status", Auth("zmq-token"))->status, 200);
}

TEST_F(HttpTest, ReadsSeeChangesMadeOverZeroMq) {
  StartHttp(Sleeper("web", 1));
  ASSERT_TRUE(WaitWorkers(1));
  ASSERT_EQ(Watcher("web")["numprocesses"], 1);
  ControlClient ctl("ipc://" + dir_->Path("ctl.sock"));
  auto reply = ctl.Call("incr", {{"name", "web"}, {"nb", 2}, {"waiting", true}}, 30);
  ASSERT_TRUE(reply && (*reply)["status"] == "ok") << (reply ? reply->dump() : "no reply");
  // Events trigger a rebuild while someone reads; a read of a stale snapshot
  // asks for a new one. Either way the change shows up promptly.
  EXPECT_TRUE(WaitUntil([&] { return Watcher("web")["numprocesses"] == 3; }, 5));
  EXPECT_TRUE(WaitUntil([&] { return Watcher("web")["processes"].size() == 3; }, 5));
}

}  // namespace
}  // namespace ringmaster::test

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

}  // namespace
}  // namespace ringmaster::test
