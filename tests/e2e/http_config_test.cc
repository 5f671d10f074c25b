// The HTTP endpoint and configuration changes: a changed http_token applies on
// reloadconfig (ZeroMQ or HTTP), a broken reload is refused with a problem and
// the old config (and token) keep running, and a stale snapshot is refreshed
// on read.
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

// An empty file used to be applied as "no watchers" (everything stopped).
TEST_F(HttpTest, ReloadOfAnEmptyFileIsRefused) {
  StartHttp(Sleeper("web", 1), "keep-me");
  ASSERT_TRUE(WaitWorkers(1));
  const std::vector<pid_t> before = LiveWorkers();
  WriteConfig("");
  auto r = Post("/api/reloadconfig?waiting=true", "", Auth("keep-me"));
  ExpectProblem(r, 409);
  EXPECT_NE(Body(r)["detail"].get<std::string>().find("has no sections"), std::string::npos)
      << r->body;
  EXPECT_EQ(LiveWorkers(), before);
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
