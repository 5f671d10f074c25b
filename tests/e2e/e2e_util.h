// Shared pieces of the e2e tests: a per-test temp dir with private ipc://
// endpoints, config writing, and worker observation through fake_worker's
// pidfile directory.
#ifndef RINGMASTER_TESTS_E2E_E2E_UTIL_H_
#define RINGMASTER_TESTS_E2E_E2E_UTIL_H_

#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.h"

namespace ringmaster::test {

class E2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>();
    pids_dir_ = dir_->Path("pids");
    ASSERT_TRUE(WriteFile(pids_dir_ + "/.keep", ""));
  }
  void TearDown() override {
    if (daemon_ && daemon_->running()) {
      daemon_->Stop(20);
    }
    if (daemon_) {
      std::vector<pid_t> leaked = daemon_->LeakedAfterStop();
      EXPECT_TRUE(leaked.empty()) << "processes survived the daemon: " << DescribePids(leaked);
    }
    daemon_.reset();
    dir_.reset();
  }

  // The [circus] section every test config starts with: private endpoints in
  // the test's own directory.
  std::string CircusSection(const std::string& extra = "") const {
    return "[circus]\nendpoint = ipc://" + dir_->Path("ctl.sock") +
           "\npubsub_endpoint = ipc://" + dir_->Path("ev.sock") + "\nloglevel = debug\n" +
           extra + "\n";
  }
  // fake_worker invocation that records its pid in pids_dir_.
  std::string Worker(const std::string& flags = "") const {
    return FakeWorkerPath() + " --pidfile-dir " + pids_dir_ + (flags.empty() ? "" : " " + flags);
  }
  std::string WriteConfig(const std::string& body, const std::string& name = "watchers.ini") {
    std::string path = dir_->Path(name);
    EXPECT_TRUE(WriteFile(path, body));
    return path;
  }
  Daemon& StartDaemon(const std::string& config, std::vector<std::string> args = {}) {
    daemon_ = std::make_unique<Daemon>(*dir_);
    EXPECT_TRUE(daemon_->Start(config, args));
    return *daemon_;
  }
  // Live fake_worker pids (direct children of the daemon) that recorded themselves.
  std::vector<pid_t> LiveWorkers() const {
    std::vector<pid_t> out;
    for (const std::string& name : ListDir(pids_dir_)) {
      if (name.find('.') != std::string::npos) continue;
      pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
      auto st = ReadProcStat(pid);
      if (st && st->state != 'Z' && st->ppid == daemon_->pid()) out.push_back(pid);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // Every pid that ever recorded itself.
  std::vector<pid_t> AllWorkers() const {
    std::vector<pid_t> out;
    for (const std::string& name : ListDir(pids_dir_)) {
      if (name.find('.') == std::string::npos) out.push_back(static_cast<pid_t>(std::atol(name.c_str())));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  bool WaitWorkers(size_t n, double deadline = 15) {
    return WaitUntil([&] { return LiveWorkers().size() == n; }, deadline);
  }
  size_t CountInLog(const std::string& needle) const {
    std::string log = daemon_->Log();
    size_t n = 0;
    for (size_t pos = log.find(needle); pos != std::string::npos; pos = log.find(needle, pos + 1)) ++n;
    return n;
  }

  std::unique_ptr<TempDir> dir_;
  std::string pids_dir_;
  std::unique_ptr<Daemon> daemon_;
};

}  // namespace ringmaster::test

#endif  // RINGMASTER_TESTS_E2E_E2E_UTIL_H_
