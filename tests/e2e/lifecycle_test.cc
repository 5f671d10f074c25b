// Daemon-level lifecycle: config errors, --check, SIGTERM, SIGHUP reloads,
// pidfile.
#include <signal.h>
#include <sys/stat.h>

#include "tests/e2e/e2e_util.h"

namespace ringmaster::test {
namespace {

class Lifecycle : public E2ETest {};

DaemonOptions WithArgs(std::vector<std::string> args, std::string log = "ringmasterd.log") {
  DaemonOptions o;
  o.leading_args = std::move(args);
  o.log_name = std::move(log);
  return o;
}

TEST_F(Lifecycle, BadConfigExitsTwoNamingFileAndLine) {
  std::string cfg = WriteConfig(CircusSection() +
                                "[watcher:w]\ncmd = /bin/true\nnumprocesses = three\n");
  Daemon& d = StartDaemon(cfg);
  auto code = d.WaitExit(10);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  // [circus] has 4 lines + blank, so numprocesses is on line 8.
  EXPECT_NE(d.Log().find("config error: " + cfg + ":8: [watcher:w] numprocesses:"),
            std::string::npos)
      << d.Log();
}

TEST_F(Lifecycle, CheckValidatesWithoutStartingAnything) {
  std::string good = WriteConfig(CircusSection() + "[watcher:w]\ncmd = " + Worker() + "\n");
  Daemon& d = StartDaemon(good, {});
  d.Stop(10);
  daemon_ = std::make_unique<Daemon>(*dir_, WithArgs({"--check"}));
  ASSERT_TRUE(daemon_->Start(good));
  auto code = daemon_->WaitExit(10);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << daemon_->Log();
  std::string bad = WriteConfig("[watcher:w]\nnumprocesses = 1\n", "bad.ini");
  daemon_ = std::make_unique<Daemon>(*dir_, WithArgs({"--check"}, "check.log"));
  ASSERT_TRUE(daemon_->Start(bad));
  code = daemon_->WaitExit(10);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(daemon_->Log().find(bad + ":1: [watcher:w]: 'cmd' is required"), std::string::npos)
      << daemon_->Log();
}

TEST_F(Lifecycle, BadCommandLineExitsTwo) {
  daemon_ = std::make_unique<Daemon>(*dir_, WithArgs({"--bogus"}));
  ASSERT_TRUE(daemon_->Start(dir_->Path("none.ini")));
  auto code = daemon_->WaitExit(10);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(daemon_->Log().find("unknown option --bogus"), std::string::npos);
}

TEST_F(Lifecycle, SigtermStopsEveryWatcherAndExitsZero) {
  std::string cfg = WriteConfig(CircusSection() + "[watcher:a]\ncmd = " + Worker() +
                                "\nnumprocesses = 2\npriority = 10\n[watcher:b]\ncmd = " +
                                Worker() + "\nnumprocesses = 2\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(WaitWorkers(4)) << d.Log();
  std::vector<pid_t> workers = LiveWorkers();
  ASSERT_TRUE(d.Signal(SIGTERM));
  auto code = d.WaitExit(20);
  ASSERT_TRUE(code.has_value()) << d.Log();
  EXPECT_EQ(*code, 0);
  for (pid_t w : workers) EXPECT_FALSE(PidAlive(w));
  // Reverse priority: b (0) stops before a (10) starts stopping.
  std::string log = d.Log();
  size_t b_stopped = log.find("watcher 'b': stopped");
  size_t a_stopping = log.find("watcher 'a': stopping");
  ASSERT_NE(b_stopped, std::string::npos) << log;
  ASSERT_NE(a_stopping, std::string::npos) << log;
  EXPECT_LT(b_stopped, a_stopping) << log;
}

TEST_F(Lifecycle, SighupWithBrokenFileKeepsTheRunningConfig) {
  std::string cfg = WriteConfig(CircusSection() + "[watcher:w]\ncmd = " + Worker() +
                                "\nnumprocesses = 2\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(WaitWorkers(2)) << d.Log();
  std::vector<pid_t> before = LiveWorkers();
  WriteConfig(CircusSection() + "[watcher:w]\ncmd = " + Worker() + "\nnumprocesses = -4\n");
  ASSERT_TRUE(d.Signal(SIGHUP));
  ASSERT_TRUE(d.WaitForLog("reload refused", 10)) << d.Log();
  EXPECT_NE(d.Log().find("[watcher:w] numprocesses"), std::string::npos) << d.Log();
  EXPECT_EQ(LiveWorkers(), before);
  EXPECT_TRUE(d.running());
}

TEST_F(Lifecycle, SighupAddsAndRemovesWatchersAndLeavesOthersAlone) {
  std::string cfg = WriteConfig(CircusSection() + "[watcher:keep]\ncmd = " + Worker() +
                                "\n[watcher:gone]\ncmd = " + Worker("--print gone") + "\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(WaitWorkers(2)) << d.Log();
  std::vector<pid_t> before = LiveWorkers();
  WriteConfig(CircusSection() + "[watcher:keep]\ncmd = " + Worker() + "\n[watcher:new]\ncmd = " +
              Worker("--print new") + "\n");
  ASSERT_TRUE(d.Signal(SIGHUP));
  ASSERT_TRUE(d.WaitForLog("watcher 'gone': stopped", 15)) << d.Log();
  ASSERT_TRUE(d.WaitForLog("watcher 'new': active", 15)) << d.Log();
  ASSERT_TRUE(WaitWorkers(2)) << d.Log();
  std::vector<pid_t> after = LiveWorkers();
  int kept = 0;
  for (pid_t p : before) kept += std::count(after.begin(), after.end(), p);
  EXPECT_EQ(kept, 1) << "the unchanged watcher keeps its pid";
}

TEST_F(Lifecycle, PidfileWrittenAndRemoved) {
  std::string pidfile = dir_->Path("rm.pid");
  std::string cfg = WriteConfig(CircusSection("pidfile = " + pidfile) + "[watcher:w]\ncmd = " +
                                Worker() + "\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(WaitUntil([&] { return FileExists(pidfile); }, 10));
  EXPECT_EQ(std::atoi(ReadFile(pidfile).c_str()), d.pid());
  d.Stop(20);
  EXPECT_FALSE(FileExists(pidfile));
}

}  // namespace
}  // namespace ringmaster::test

namespace ringmaster::test {
namespace {

TEST_F(Lifecycle, DefaultRunDirWithGroupAccessIsRefusedWithExitTwo) {
  // XDG_RUNTIME_DIR points the default endpoints into our temp dir.
  std::string xdg = dir_->Path("xdg");
  ASSERT_TRUE(WriteFile(xdg + "/ringmaster/.keep", ""));
  ASSERT_EQ(chmod((xdg + "/ringmaster").c_str(), 0755), 0);
  std::string cfg = WriteConfig("[watcher:w]\ncmd = " + Worker() + "\n");
  DaemonOptions o;
  o.env = {{"XDG_RUNTIME_DIR", xdg}};
  daemon_ = std::make_unique<Daemon>(*dir_, o);
  ASSERT_TRUE(daemon_->Start(cfg));
  auto code = daemon_->WaitExit(10);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(daemon_->Log().find(xdg + "/ringmaster"), std::string::npos) << daemon_->Log();
}

TEST_F(Lifecycle, DefaultEndpointsWorkInAFreshPrivateRunDir) {
  std::string xdg = dir_->Path("xdg2");
  ASSERT_TRUE(WriteFile(xdg + "/.keep", ""));
  std::string cfg = WriteConfig("[watcher:w]\ncmd = " + Worker() + "\n");
  DaemonOptions o;
  o.env = {{"XDG_RUNTIME_DIR", xdg}};
  daemon_ = std::make_unique<Daemon>(*dir_, o);
  ASSERT_TRUE(daemon_->Start(cfg));
  ASSERT_TRUE(WaitUntil([&] { return FileExists(xdg + "/ringmaster/control.sock"); }, 10))
      << daemon_->Log();
  struct stat st;
  ASSERT_EQ(stat((xdg + "/ringmaster").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

}  // namespace
}  // namespace ringmaster::test
