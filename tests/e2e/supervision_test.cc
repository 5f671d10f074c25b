// The daemon keeps workers running: start, replace, stop the tree.
#include <signal.h>

#include "tests/e2e/e2e_util.h"

namespace ringmaster::test {
namespace {

class Supervision : public E2ETest {};

TEST_F(Supervision, StartsNumprocessesWorkersInTheirOwnSessions) {
  std::string cfg = WriteConfig(CircusSection() + "[watcher:w]\ncmd = " + Worker() +
                                "\nnumprocesses = 3\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(WaitWorkers(3)) << d.Log();
  for (pid_t pid : LiveWorkers()) {
    auto st = ReadProcStat(pid);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->session, pid) << "each worker leads its own session";
    EXPECT_EQ(st->pgrp, pid);
  }
  EXPECT_TRUE(d.WaitForLog("watcher 'w': active", 10)) << d.Log();
}

TEST_F(Supervision, KilledWorkerIsReplacedWithANewPid) {
  std::string cfg = WriteConfig(CircusSection() + "[watcher:w]\ncmd = " + Worker() +
                                "\nnumprocesses = 2\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(WaitWorkers(2)) << d.Log();
  std::vector<pid_t> before = LiveWorkers();
  ASSERT_EQ(kill(before[0], SIGKILL), 0);
  ASSERT_TRUE(WaitUntil([&] {
    auto now = LiveWorkers();
    return now.size() == 2 && std::find(now.begin(), now.end(), before[0]) == now.end();
  }, 15)) << d.Log();
  std::vector<pid_t> after = LiveWorkers();
  EXPECT_NE(std::find(after.begin(), after.end(), before[1]), after.end())
      << "the other worker is untouched";
  EXPECT_NE(d.Log().find("exited unexpectedly with signal 9"), std::string::npos) << d.Log();
}

TEST_F(Supervision, WorkerIgnoringTermIsKilledAfterGracefulTimeout) {
  std::string cfg = WriteConfig(CircusSection() + "[watcher:stubborn]\ncmd = " +
                                Worker("--ignore-term") + "\ngraceful_timeout = 1\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(WaitWorkers(1)) << d.Log();
  pid_t worker = LiveWorkers()[0];
  ASSERT_TRUE(d.Signal(SIGTERM));
  auto code = d.WaitExit(20);
  ASSERT_TRUE(code.has_value()) << d.Log();
  EXPECT_EQ(*code, 0);
  EXPECT_FALSE(PidAlive(worker));
  EXPECT_NE(d.Log().find("killed with SIGKILL"), std::string::npos) << d.Log();
}

TEST_F(Supervision, GrandchildrenAreKilledWithTheirWatcher) {
  // One worker forks a grandchild in its group; the other double-forks one
  // that escapes with setsid() and is re-parented to the daemon (subreaper).
  std::string cfg = WriteConfig(CircusSection() + "[watcher:forker]\ncmd = " +
                                Worker("--fork-child --ignore-term") +
                                "\ngraceful_timeout = 1\n[watcher:escaper]\ncmd = " +
                                Worker("--double-fork") + "\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(WaitWorkers(2)) << d.Log();
  std::vector<pid_t> grandchildren;
  ASSERT_TRUE(WaitUntil([&] {
    grandchildren.clear();
    for (const std::string& f : ListDir(pids_dir_)) {
      if (f.find(".child") != std::string::npos || f.find(".escaped") != std::string::npos) {
        grandchildren.push_back(std::atoi(ReadFile(pids_dir_ + "/" + f).c_str()));
      }
    }
    return grandchildren.size() == 2;
  }, 10)) << d.Log();
  for (pid_t g : grandchildren) ASSERT_TRUE(PidAlive(g)) << DescribePid(g);
  ASSERT_TRUE(d.Signal(SIGTERM));
  auto code = d.WaitExit(20);
  ASSERT_TRUE(code.has_value()) << d.Log();
  EXPECT_EQ(*code, 0);
  for (pid_t g : grandchildren) EXPECT_FALSE(PidAlive(g)) << DescribePid(g);
}

TEST_F(Supervision, CrashLoopBacksOffExponentially) {
  std::string cfg = WriteConfig(CircusSection() + "[watcher:crashy]\ncmd = " +
                                Worker("--exit-after 0 --exit-code 3") +
                                "\nbackoff_initial = 0.2\nbackoff_factor = 2\nbackoff_jitter = 0\n");
  Daemon& d = StartDaemon(cfg);
  // delays: 0, 0, 0 (the burst of 3), then 0.2, 0.4, 0.8, 1.6 -> the 7th
  // failure's respawn is scheduled 1.6 s out.
  ASSERT_TRUE(d.WaitForLog("respawns in 1.60s after 7 consecutive failure(s)", 20)) << d.Log();
  EXPECT_EQ(d.Log().find("after 3 consecutive"), std::string::npos) << "inside the burst";
  EXPECT_NE(d.Log().find("respawns in 0.20s after 4"), std::string::npos);
  EXPECT_NE(d.Log().find("respawns in 0.40s after 5"), std::string::npos);
  EXPECT_NE(d.Log().find("respawns in 0.80s after 6"), std::string::npos);
  // Not a tight loop: about 8 spawns by now, not hundreds.
  EXPECT_LE(AllWorkers().size(), 9u);
  EXPECT_NE(d.Log().find("exited unexpectedly with code 3"), std::string::npos);
}

TEST_F(Supervision, MissingBinaryIsReportedAndNotRespawnedInALoop) {
  std::string cfg = WriteConfig(CircusSection() +
                                "[watcher:ghost]\ncmd = /nonexistent/ghost-binary --x\n"
                                "max_retry = 2\nbackoff_initial = 0.1\n"
                                "[watcher:ok]\ncmd = " + Worker() + "\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(d.WaitForLog("giving up after 3 failed spawn(s)", 20)) << d.Log();
  EXPECT_NE(d.Log().find("exec: No such file or directory"), std::string::npos) << d.Log();
  EXPECT_EQ(CountInLog("cannot spawn wid"), 3u) << d.Log();
  EXPECT_TRUE(d.WaitForLog("watcher 'ghost': stopped", 10));
  // The other watcher is unaffected and the daemon keeps running.
  EXPECT_TRUE(WaitWorkers(1));
  EXPECT_TRUE(d.running());
}

TEST_F(Supervision, SpawnFailureOfWorkingDirNamesTheStage) {
  std::string cfg = WriteConfig(CircusSection() + "[watcher:nodir]\ncmd = " + Worker() +
                                "\nworking_dir = /nonexistent/dir\nmax_retry = 0\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(d.WaitForLog("giving up after 1 failed spawn(s)", 20)) << d.Log();
  EXPECT_NE(d.Log().find("chdir: No such file or directory"), std::string::npos) << d.Log();
}

TEST_F(Supervision, RespawnFalseLeavesExitsAlone) {
  std::string cfg = WriteConfig(CircusSection() + "[watcher:once]\ncmd = " +
                                Worker("--exit-after 0.2") + "\nrespawn = false\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(d.WaitForLog("watcher 'once': stopped", 15)) << d.Log();
  EXPECT_EQ(AllWorkers().size(), 1u);
}

}  // namespace
}  // namespace ringmaster::test
