// Change commands over real ZeroMQ: start/stop/restart/reload/incr/decr/set/
// add/rm/kill/signal/reloadconfig/quit with and without `waiting`.
#include <signal.h>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class ControlChange : public ControlTest {};

TEST_F(ControlChange, IncrDecrWaitingReportDesiredCount) {
  StartWith(Sleeper("sleeper", 1));
  ASSERT_TRUE(WaitWorkers(1));
  nlohmann::json r = Call("incr", {{"name", "sleeper"}, {"nb", 2}, {"waiting", true}});
  EXPECT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(r["numprocesses"], 3);
  EXPECT_EQ(Call("numprocesses", {{"name", "sleeper"}})["numprocesses"], 3)
      << "the new processes are up when the reply comes";
  ASSERT_TRUE(WaitWorkers(3));
  std::vector<pid_t> before = LiveWorkers();
  r = Call("decr", {{"name", "sleeper"}, {"nb", 2}, {"waiting", true}});
  EXPECT_EQ(r["numprocesses"], 1);
  ASSERT_EQ(LiveWorkers().size(), 1u) << "the surplus is reaped when the reply comes";
  // decr stops the oldest.
  EXPECT_EQ(LiveWorkers()[0], before.back());
  r = Call("incr", {{"name", "sleeper"}});
  EXPECT_EQ(r, (nlohmann::json{{"status", "ok"}, {"time", r["time"]}, {"id", r["id"]}}))
      << "without waiting: a bare ok";
  r = Call("incr", {{"name", "sleeper"}, {"nb", "2"}});
  EXPECT_EQ(r["errno"], 3);
  EXPECT_EQ(r["reason"], "'nb' must be an integer");
}

TEST_F(ControlChange, SingletonIncrChangesNothing) {
  StartWith(Sleeper("single", 1, "singleton = true"));
  nlohmann::json r = Call("decr", {{"name", "single"}});
  EXPECT_EQ(r["numprocesses"], 1);
  EXPECT_EQ(r["singleton"], true);
}

TEST_F(ControlChange, StopStartRestartWithInfo) {
  StartWith(Sleeper("sleeper", 2));
  ASSERT_TRUE(WaitWorkers(2));
  std::vector<pid_t> before = LiveWorkers();
  nlohmann::json r = Call("restart", {{"name", "sleeper"}, {"waiting", true}});
  ASSERT_EQ(r["status"], "ok") << r;
  std::vector<pid_t> stopped = r["info"]["stopped"], started = r["info"]["started"];
  EXPECT_EQ(stopped, before);
  EXPECT_EQ(started.size(), 2u);
  EXPECT_TRUE(r["info"]["kept"].empty());
  r = Call("stop", {{"name", "sleeper"}, {"waiting", true}});
  EXPECT_TRUE(r.contains("info") && r["info"].is_null()) << r;
  EXPECT_TRUE(LiveWorkers().empty());
  EXPECT_EQ(Call("status", {{"name", "sleeper"}})["status"], "stopped");
  r = Call("start", {{"name", "sleep*"}, {"waiting", true}});
  EXPECT_EQ(r["info"]["started"].size(), 2u) << r;
  EXPECT_EQ(Call("status", {{"name", "sleeper"}})["status"], "active");
  r = Call("start", {{"name", "x"}, {"match", "fuzzy"}});
  EXPECT_EQ(r["reason"], "unknown match method fuzzy");
}

TEST_F(ControlChange, ReloadReplacesEveryProcessNewFirst) {
  StartWith(Sleeper("sleeper", 2));
  ASSERT_TRUE(WaitWorkers(2));
  std::vector<pid_t> before = LiveWorkers();
  nlohmann::json r = Call("reload", {{"name", "sleeper"}, {"waiting", true}});
  ASSERT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(r["info"]["stopped"].get<std::vector<pid_t>>(), before);
  EXPECT_EQ(r["info"]["started"].size(), 2u);
  EXPECT_TRUE(WaitWorkers(2));
}

TEST_F(ControlChange, SetAppliesAllOrNothing) {
  StartWith(Sleeper("sleeper", 1));
  ASSERT_TRUE(WaitWorkers(1));
  nlohmann::json r = Call("set", {{"name", "sleeper"},
                                  {"options", {{"graceful_timeout", 3}, {"numprocesses", "4"}}}});
  EXPECT_EQ(r["errno"], 3);
  EXPECT_EQ(r["reason"], "'numprocesses' isn't an integer");
  EXPECT_EQ(Call("get", {{"name", "sleeper"}, {"keys", {"graceful_timeout"}}})["options"]["graceful_timeout"], 30.0);
  r = Call("set", {{"name", "sleeper"}, {"options", {{"numprocesses", 2}}}, {"waiting", true}});
  EXPECT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(Call("numprocesses", {{"name", "sleeper"}})["numprocesses"], 2);
  EXPECT_TRUE(WaitWorkers(2));
  r = Call("set", {{"name", "sleeper"}, {"options", {{"bogus_key", 1}}}});
  EXPECT_EQ(r["reason"], "unknown key 'bogus_key'");
}

TEST_F(ControlChange, AddStartRm) {
  StartWith(Sleeper("sleeper", 1));
  nlohmann::json r = Call("add", {{"name", "extra2"},
                                  {"cmd", FakeWorkerPath()},
                                  {"args", {"--pidfile-dir", pids_dir_}},
                                  {"start", true},
                                  {"waiting", true}});
  ASSERT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(r["started"].size(), 1u);
  EXPECT_EQ(r["kept"], nlohmann::json::array());
  EXPECT_EQ(Call("numwatchers")["numwatchers"], 2);
  r = Call("add", {{"name", "EXTRA2"}, {"cmd", "sleep"}});
  EXPECT_EQ(r["errno"], 5);
  EXPECT_EQ(r["reason"], "watcher 'EXTRA2' already exists");
  r = Call("rm", {{"name", "extra2"}, {"waiting", true}});
  EXPECT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(Call("numwatchers")["numwatchers"], 1);
  EXPECT_EQ(Call("status", {{"name", "extra2"}})["errno"], 3);
}

TEST_F(ControlChange, KillIsReplacedAndSignalIsDelivered) {
  StartWith(Sleeper("sleeper", 1));
  ASSERT_TRUE(WaitWorkers(1));
  pid_t pid = LiveWorkers()[0];
  nlohmann::json r = Call("signal", {{"name", "sleeper"}, {"pid", pid}, {"signum", "USR1"}});
  EXPECT_EQ(r["status"], "ok") << r;
  EXPECT_TRUE(WaitUntil([&] { return ReadFile(pids_dir_ + "/" + std::to_string(pid)).find("signal USR1") != std::string::npos; }, 10))
      << ReadFile(pids_dir_ + "/" + std::to_string(pid));
  r = Call("signal", {{"name", "sleeper"}, {"pid", 1}, {"signum", "USR1"}});
  EXPECT_EQ(r["errno"], 3);
  r = Call("signal", {{"name", "sleeper"}, {"signum", "NOPE"}});
  EXPECT_EQ(r["reason"], "signal invalid");
  r = Call("kill", {{"name", "sleeper"}, {"pid", std::to_string(pid)}, {"waiting", true}});
  EXPECT_EQ(r["status"], "ok") << r;
  EXPECT_FALSE(PidAlive(pid));
  EXPECT_TRUE(WaitUntil([&] { return LiveWorkers().size() == 1 && LiveWorkers()[0] != pid; }, 10));
}

TEST_F(ControlChange, ReloadconfigRefusesABrokenFile) {
  StartWith(Sleeper("sleeper", 1));
  ASSERT_TRUE(WaitWorkers(1));
  std::vector<pid_t> before = LiveWorkers();
  WriteConfig(CircusSection() + "[watcher:sleeper]\ncmd = " + Worker() + "\nnumprocesses = three\n");
  nlohmann::json r = Call("reloadconfig", {{"waiting", true}});
  EXPECT_EQ(r["errno"], 5);
  EXPECT_NE(r["reason"].get<std::string>().find("config error: "), std::string::npos) << r;
  EXPECT_NE(r["reason"].get<std::string>().find("[watcher:sleeper] numprocesses"), std::string::npos) << r;
  EXPECT_EQ(LiveWorkers(), before);
  WriteConfig(CircusSection() + Sleeper("sleeper", 2) + Sleeper("added", 1));
  r = Call("reloadconfig", {{"waiting", true}, {"detail", true}});
  EXPECT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(r["changes"]["added"], nlohmann::json{"added"});
  EXPECT_EQ(r["changes"]["resized"], nlohmann::json{"sleeper"});
  EXPECT_EQ(Call("numprocesses")["numprocesses"], 3);
  EXPECT_TRUE(WaitWorkers(3));
}

TEST_F(ControlChange, QuitWaitingRepliesThenExitsZero) {
  StartWith(Sleeper("sleeper", 2));
  ASSERT_TRUE(WaitWorkers(2));
  std::vector<pid_t> workers = LiveWorkers();
  nlohmann::json r = Call("quit", {{"waiting", true}});
  EXPECT_EQ(r["status"], "ok") << r;
  for (pid_t w : workers) EXPECT_FALSE(PidAlive(w));
  auto code = daemon_->WaitExit(15);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace ringmaster::test

namespace ringmaster::test {
namespace {

// Regression: `start` of an already active watcher must still reply.
TEST_F(ControlChange, StartWaitingOnAnActiveWatcherReplies) {
  StartWith(Sleeper("sleeper", 1));
  ASSERT_TRUE(WaitUntil([&] { return Call("status", {{"name", "sleeper"}})["status"] == "active"; }, 10));
  nlohmann::json r = Call("start", {{"name", "sleeper"}, {"waiting", true}}, 10);
  EXPECT_EQ(r["status"], "ok") << r;
  r = Call("incr", {{"name", "sleeper"}}, 10);
  EXPECT_EQ(r["status"], "ok") << "the watcher is not left busy: " << r;
}

// Regression: options/get report the desired count after incr/decr, as Circus does.
TEST_F(ControlChange, OptionsReflectIncrDecr) {
  StartWith(Sleeper("sleeper", 1));
  Call("incr", {{"name", "sleeper"}, {"nb", 2}, {"waiting", true}});
  EXPECT_EQ(Call("options", {{"name", "sleeper"}})["options"]["numprocesses"], 3);
  EXPECT_EQ(Call("get", {{"name", "sleeper"}, {"keys", {"numprocesses"}}})["options"]["numprocesses"], 3);
}

// Regression: the ipc socket files go away with the daemon.
TEST_F(ControlChange, IpcSocketFilesAreRemovedAtExit) {
  StartWith(Sleeper("sleeper", 1));
  ASSERT_TRUE(FileExists(dir_->Path("ctl.sock")));
  Call("quit", {{"waiting", true}});
  ASSERT_TRUE(daemon_->WaitExit(15).has_value());
  EXPECT_FALSE(FileExists(dir_->Path("ctl.sock")));
  EXPECT_FALSE(FileExists(dir_->Path("ev.sock")));
}

}  // namespace
}  // namespace ringmaster::test

namespace ringmaster::test {
namespace {

// docs/config.md §12: runtime incr survives a reloadconfig that changes
// another key of the watcher.
TEST_F(ControlChange, ReloadconfigKeepsRuntimeCountWhenTheFileCountIsUnchanged) {
  StartWith("[watcher:w]\ncmd = " + Worker("--print v1") + "\nnumprocesses = 1\n");
  Call("incr", {{"name", "w"}, {"nb", 2}, {"waiting", true}});
  WriteConfig(CircusSection() + "[watcher:w]\ncmd = " + Worker("--print v2") + "\nnumprocesses = 1\n");
  nlohmann::json r = Call("reloadconfig", {{"waiting", true}}, 30);
  EXPECT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(Call("numprocesses", {{"name", "w"}})["numprocesses"], 3);
}

// docs/config.md §12: [circus] keys read at start-up only are kept, named
// in changes.needs_restart and warned about; keys applied in place are not.
TEST_F(ControlChange, ReloadconfigNamesCircusKeysThatNeedARestart) {
  StartWith(Sleeper("w", 1));
  ASSERT_TRUE(WaitWorkers(1));
  WriteConfig(CircusSection("check_delay = 2\npidfile = " + dir_->Path("other.pid") +
                            "\nhttpd_port = 18081") +
              Sleeper("w", 1));
  nlohmann::json r = Call("reloadconfig", {{"waiting", true}, {"detail", true}}, 30);
  ASSERT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(r["changes"]["needs_restart"], (nlohmann::json{"httpd_port", "pidfile"})) << r;
  EXPECT_NE(daemon_->Log().find("[circus] pidfile changed; restart the daemon to apply it"),
            std::string::npos)
      << daemon_->Log();
  // check_delay is applied; the others keep the values the daemon started with.
  EXPECT_EQ(Call("globaloptions", {{"option", "check_delay"}})["options"]["check_delay"], 2.0);
  EXPECT_FALSE(FileExists(dir_->Path("other.pid")));
  // The same file again: still different from what runs, still named.
  r = Call("reloadconfig", {{"waiting", true}, {"detail", true}}, 30);
  EXPECT_EQ(r["changes"]["needs_restart"], (nlohmann::json{"httpd_port", "pidfile"})) << r;
}

}  // namespace
}  // namespace ringmaster::test
