// Rolling restarts (docs/protocol.md §10.4) with readiness over ready_fd:
// capacity never drops during a max_surge roll, max_unavailable replaces a
// few at a time, and a replacement that fails readiness stops the roll and
// keeps the old processes.
#include <sys/stat.h>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class Rolling : public ControlTest {
 protected:
  std::string ReadyWorker(const std::string& name, int n, const std::string& flags = "") {
    return "[watcher:" + name + "]\ncmd = " + Worker("--ready-fd 3 --ready-delay 0.1 " + flags) +
           "\nready_fd = 3\nready_timeout = 5\ngraceful_timeout = 5\nnumprocesses = " +
           std::to_string(n) + "\n";
  }
  void Subscribe(EventSubscriber& sub) {
    ASSERT_TRUE(WaitUntil([&] {
      Call("set", {{"name", "web"}, {"options", {{"max_age_variance", 30}}}});
      return sub.Next(0.2).has_value();
    }, 10));
    while (sub.Next(0.2)) {
    }
  }
};

TEST_F(Rolling, MaxSurgeNeverDropsReadyCapacity) {
  const int n = 4;
  StartWith(ReadyWorker("web", n));
  ASSERT_TRUE(WaitUntil([&] { return Call("status", {{"name", "web"}})["status"] == "active"; }, 15));
  EventSubscriber sub(PubEndpoint());
  Subscribe(sub);
  std::vector<pid_t> before = Call("list", {{"name", "web"}})["pids"];
  std::sort(before.begin(), before.end());
  ASSERT_EQ(before.size(), static_cast<size_t>(n));
  client_->SendFrames({nlohmann::json{{"id", "rr1"}, {"command", "restart"},
                                      {"properties", {{"name", "web"}, {"graceful", true},
                                                      {"max_surge", 1}, {"waiting", true}}}}
                           .dump()});
  // Follow readiness through the events: +1 on `ready`, -1 on `kill` of a
  // ready process.
  std::set<pid_t> ready(before.begin(), before.end());
  size_t min_ready = ready.size();
  std::string trace;
  bool reloaded = false;
  while (!reloaded) {
    auto ev = sub.Next(30);
    ASSERT_TRUE(ev) << "no `reload` event\n" << daemon_->Log();
    const std::string& topic = ev->first;
    if (topic == "watcher.web.ready") ready.insert(ev->second["process_pid"].get<pid_t>());
    if (topic == "watcher.web.kill") ready.erase(ev->second["process_pid"].get<pid_t>());
    if (topic == "watcher.web.reload") reloaded = true;
    min_ready = std::min(min_ready, ready.size());
    trace += topic + " " + ev->second.dump() + " ready=" + std::to_string(ready.size()) + "\n";
  }
  EXPECT_GE(min_ready, static_cast<size_t>(n)) << trace;
  auto reply = client_->Recv(30);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["status"], "ok") << *reply;
  EXPECT_EQ((*reply)["info"]["stopped"].get<std::vector<pid_t>>(), before);
  EXPECT_EQ((*reply)["info"]["started"].size(), static_cast<size_t>(n));
}

TEST_F(Rolling, SequentialReloadReplacesOneAtATime) {
  StartWith(ReadyWorker("web", 3));
  ASSERT_TRUE(WaitUntil([&] { return Call("status", {{"name", "web"}})["status"] == "active"; }, 15));
  EventSubscriber sub(PubEndpoint());
  Subscribe(sub);
  client_->SendFrames({R"({"id": "s1", "command": "reload", "properties": {"name": "web", "sequential": true, "waiting": true}})"});
  // Stop first: at most one process is down at any time.
  int down = 0, max_down = 0;
  for (;;) {
    auto ev = sub.Next(30);
    ASSERT_TRUE(ev) << daemon_->Log();
    if (ev->first == "watcher.web.kill") max_down = std::max(max_down, ++down);
    if (ev->first == "watcher.web.ready") --down;
    if (ev->first == "watcher.web.reload") break;
  }
  EXPECT_EQ(max_down, 1);
  auto reply = client_->Recv(30);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["info"]["started"].size(), 3u) << *reply;
}

TEST_F(Rolling, FailedReplacementStopsTheRollAndKeepsOldProcesses) {
  // Processes started once the guard file exists crash before they are ready:
  // a bad new version.
  std::string guard = dir_->Path("broken");
  std::string script = dir_->Path("worker.sh");
  ASSERT_TRUE(WriteFile(script, "#!/bin/sh\ntest -e " + guard + " && exit 1\nexec " +
                                    Worker("--ready-fd 3 --ready-delay 0.1") + "\n"));
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  StartWith("[watcher:web]\ncmd = " + script +
            "\nready_fd = 3\nready_timeout = 5\nnumprocesses = 3\n");
  ASSERT_TRUE(WaitUntil([&] { return Call("status", {{"name", "web"}})["status"] == "active"; }, 15));
  std::vector<pid_t> before = Call("list", {{"name", "web"}})["pids"];
  ASSERT_EQ(before.size(), 3u);
  ASSERT_TRUE(WriteFile(guard, ""));
  nlohmann::json r =
      Call("restart", {{"name", "web"}, {"graceful", true}, {"max_surge", 1}, {"waiting", true}}, 30);
  ASSERT_EQ(r["status"], "error") << r;
  EXPECT_EQ(r["errno"], 6) << r;
  std::string reason = r["reason"];
  EXPECT_EQ(reason.rfind("rolling restart of 'web' stopped after 0 of 3 processes: process ", 0), 0u)
      << reason;
  EXPECT_NE(reason.find("exited with code 1 before it was ready"), std::string::npos) << reason;
  for (pid_t p : before) EXPECT_TRUE(PidAlive(p)) << "old process " << p << " kept";
  EXPECT_EQ(Call("status", {{"name", "web"}})["status"], "active");
  std::vector<pid_t> after = Call("list", {{"name", "web"}})["pids"];
  for (pid_t p : before) {
    EXPECT_NE(std::find(after.begin(), after.end(), p), after.end()) << "still supervised";
  }
}

}  // namespace
}  // namespace ringmaster::test
