// Readiness protocols (docs/config.md §10.1): ready_fd, notify_socket
// (READY=1, STATUS=), ready_timeout, and `start` waiting for readiness.
#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class Readiness : public ControlTest {};

TEST_F(Readiness, NotifySocketReadyAndStatusText) {
  StartWith("[watcher:web]\ncmd = " + Worker("--notify --ready-delay 0.3 --notify-status listening") +
            "\nnotify_socket = true\nautostart = false\n");
  nlohmann::json r = Call("start", {{"name", "web"}, {"waiting", true}});
  EXPECT_EQ(r["status"], "ok") << r;
  r = Call("status", {{"name", "web"}, {"detail", true}});
  ASSERT_EQ(r["detail"]["processes"].size(), 1u) << r;
  EXPECT_EQ(r["detail"]["processes"][0]["state"], "ready");
  EXPECT_EQ(r["detail"]["processes"][0]["status_text"], "listening");
  EXPECT_EQ(r["detail"]["readiness"], "ready");
  EXPECT_TRUE(r["detail"]["processes"][0]["ready_at"].is_number());
}

TEST_F(Readiness, StartWaitsUntilReadyFdReports) {
  StartWith("[watcher:web]\ncmd = " + Worker("--ready-fd 3 --ready-delay 0.5") +
            "\nready_fd = 3\nautostart = false\nnumprocesses = 2\n");
  EventSubscriber sub(PubEndpoint());
  client_->SendFrames({R"({"id": "s", "command": "start", "properties": {"name": "web", "waiting": true}})"});
  auto reply = client_->Recv(15);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["status"], "ok") << *reply;
  nlohmann::json d = Call("status", {{"name", "web"}, {"detail", true}})["detail"];
  EXPECT_EQ(d["ready"], 2) << "the start reply comes after readiness: " << d;
}

TEST_F(Readiness, ReadyTimeoutStopsTheProcessAndBacksOff) {
  StartWith("[watcher:web]\ncmd = " + Worker() + "\nnotify_socket = true\nready_timeout = 0.5\n"
            "backoff_initial = 0.2\n");
  ASSERT_TRUE(daemon_->WaitForLog("not ready after 0.5s (ready_timeout)", 15)) << daemon_->Log();
  ASSERT_TRUE(daemon_->WaitForLog("respawns in", 15)) << daemon_->Log();
}

}  // namespace
}  // namespace ringmaster::test
