// No global lock (docs/protocol.md §10.1-§10.2): while a restart with a
// long graceful_timeout is in flight, reads and changes to other watchers
// answer at once; a conflicting change is refused naming the running command.
#include <chrono>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class ControlConcurrency : public ControlTest {};

double Timed(const std::function<void()>& fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST_F(ControlConcurrency, ReadsAndOtherWatchersAreNotBlockedByALongRestart) {
  StartWith("[watcher:web]\ncmd = " + Worker("--ignore-term") + "\ngraceful_timeout = 5\n" +
            Sleeper("api", 1));
  ASSERT_TRUE(WaitWorkers(2));
  client_->SendFrames({R"({"id": "r3", "command": "restart", "properties": {"name": "web", "waiting": true}})"});
  // The restart is admitted before anything else we send is read.
  ASSERT_TRUE(WaitUntil([&] { return Call("status", {{"name", "web"}})["status"] == "stopping"; }, 5));

  ControlClient other(Endpoint());
  nlohmann::json r;
  // "At once": well under the 5 s the restart takes, even on a busy machine.
  EXPECT_LT(Timed([&] { r = *other.Call("status", {}, 5); }), 2.0);
  EXPECT_EQ(r["statuses"]["web"], "stopping");
  EXPECT_LT(Timed([&] { r = *other.Call("list", {}, 5); }), 2.0);
  EXPECT_LT(Timed([&] { r = *other.Call("incr", {{"name", "api"}, {"waiting", true}}, 5); }), 2.0);
  EXPECT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(r["numprocesses"], 2);

  r = *other.Call("incr", {{"name", "web"}}, 5);
  EXPECT_EQ(r["errno"], 5);
  std::string reason = r["reason"];
  EXPECT_EQ(reason.rfind("watcher 'web' is busy: 'restart' in progress (request \"r3\", ", 0), 0u)
      << reason;
  EXPECT_NE(reason.find("retry when it completes"), std::string::npos);

  // A detail status shows the running change.
  r = *other.Call("status", {{"name", "web"}, {"detail", true}}, 5);
  EXPECT_EQ(r["detail"]["busy"]["command"], "restart");
  EXPECT_EQ(r["detail"]["busy"]["id"], "r3");

  auto done = client_->Recv(20);
  ASSERT_TRUE(done);
  EXPECT_EQ((*done)["id"], "r3");
  EXPECT_EQ((*done)["status"], "ok") << *done;
}

TEST_F(ControlConcurrency, StopPreemptsAStartAndStopJoinsAStop) {
  StartWith("[watcher:web]\ncmd = " + Worker("--ignore-term") +
            "\ngraceful_timeout = 3\nnumprocesses = 1\n");
  ASSERT_TRUE(WaitWorkers(1));
  client_->SendFrames({R"({"id": "s1", "command": "stop", "properties": {"name": "web", "waiting": true}})"});
  ControlClient other(Endpoint());
  ASSERT_TRUE(WaitUntil([&] { return (*other.Call("status", {{"name", "web"}}, 5))["status"] == "stopping"; }, 5));
  auto joined = other.Call("stop", {{"name", "web"}, {"waiting", true}}, 15);
  ASSERT_TRUE(joined);
  EXPECT_EQ((*joined)["status"], "ok") << "a second stop joins the first";
  auto first = client_->Recv(15);
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["id"], "s1");
}

}  // namespace
}  // namespace ringmaster::test
