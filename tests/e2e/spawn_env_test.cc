// What a child gets at spawn (docs/config.md §6.3, §8): environment, argv
// substitution, working directory, closed fds, rlimits, credentials.
#include <sys/resource.h>
#include <unistd.h>

#include <regex>

#include "tests/e2e/e2e_util.h"

namespace ringmaster::test {
namespace {

class SpawnEnv : public E2ETest {
 protected:
  // Starts one worker that dumps its env/argv/cwd and fds, and returns the dumps.
  std::pair<std::string, std::string> Dump(const std::string& extra_keys,
                                           const std::string& extra_sections = "") {
    std::string env_file = dir_->Path("env.txt"), fd_file = dir_->Path("fds.txt");
    std::string cfg = WriteConfig(CircusSection() + extra_sections + "[watcher:w]\ncmd = " +
                                  Worker("--env-dump " + env_file + " --fd-dump " + fd_file) +
                                  " --print wid-$(circus.wid)\n" + extra_keys + "\n");
    Daemon& d = StartDaemon(cfg);
    EXPECT_TRUE(WaitUntil([&] { return FileExists(env_file) && FileExists(fd_file); }, 10))
        << d.Log();
    return {ReadFile(env_file), ReadFile(fd_file)};
  }
};

TEST_F(SpawnEnv, EmptyEnvironmentWithoutCopyEnvPlusEnvSections) {
  auto [env, fds] = Dump("", "[env]\nAPP = one\nPATHX = $HOME/bin\n[env:w]\nONLY_W = yes\n"
                             "[env:other]\nNOT_W = no\n");
  EXPECT_NE(env.find("APP=one\n"), std::string::npos) << env;
  EXPECT_NE(env.find("ONLY_W=yes\n"), std::string::npos) << env;
  EXPECT_EQ(env.find("NOT_W"), std::string::npos) << env;
  EXPECT_NE(env.find("RINGMASTER_WATCHER=w\n"), std::string::npos) << env;
  EXPECT_NE(env.find("RINGMASTER_WID=1\n"), std::string::npos) << env;
  // copy_env = false: the daemon's own variables are not passed.
  EXPECT_EQ(env.find("\nHOME="), std::string::npos) << env;
  // $(circus.wid) substituted at spawn.
  EXPECT_NE(env.find("--print\nwid-1\n"), std::string::npos) << env;
  // Only stdio survives: no daemon fd leaks into the child.
  size_t pos = 0;
  while (pos < fds.size()) {
    size_t end = fds.find('\n', pos);
    if (end == std::string::npos) end = fds.size();
    int fd = std::atoi(fds.substr(pos, end - pos).c_str());
    EXPECT_LT(fd, 3) << "leaked fd: " << fds.substr(pos, end - pos);
    pos = end + 1;
  }
}

TEST_F(SpawnEnv, CopyEnvAndWorkingDir) {
  std::string wd = dir_->Path("wd");
  ASSERT_TRUE(WriteFile(wd + "/.keep", ""));
  auto [env, fds] = Dump("copy_env = true\nworking_dir = " + wd);
  EXPECT_NE(env.find("PATH="), std::string::npos) << env;
  EXPECT_NE(env.find("[cwd]\n" + wd + "\n"), std::string::npos) << env;
}

TEST_F(SpawnEnv, RlimitIsApplied) {
  Dump("rlimit_nofile = 77");
  ASSERT_TRUE(WaitWorkers(1));
  std::string limits = ReadFile("/proc/" + std::to_string(LiveWorkers()[0]) + "/limits");
  EXPECT_NE(limits.find("Max open files            77                   77"), std::string::npos)
      << limits;
}

// The soft limit on open files in /proc/PID/limits, or -1.
long SoftNofile(pid_t pid) {
  std::string limits = ReadFile("/proc/" + std::to_string(pid) + "/limits");
  std::smatch m;
  if (!std::regex_search(limits, m, std::regex(R"(Max open files\s+(\d+))"))) return -1;
  return std::stol(m[1]);
}

// The daemon raises its own fd limit (children's pipes, HTTP connections)
// but children start with the limit the daemon was given.
TEST_F(SpawnEnv, DaemonRaisesItsFdLimitChildrenKeepTheOriginal) {
  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max <= 512) {
    GTEST_SKIP() << "hard RLIMIT_NOFILE is " << saved.rlim_max << ": nothing to raise";
  }
  rlimit low = saved;
  low.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  Dump("");  // the daemon inherits 256
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_TRUE(WaitWorkers(1));
  EXPECT_GT(SoftNofile(daemon_->pid()), 256);
  EXPECT_EQ(SoftNofile(LiveWorkers()[0]), 256);
}

}  // namespace
}  // namespace ringmaster::test
