// Fault injection: resources the daemon needs run out. Descriptors
// (RLIMIT_NOFILE lowered on the running daemon), processes (a pids cgroup,
// or RLIMIT_NPROC when not root), and disk space for captured output
// (/dev/full). Each time the daemon must report the error, back off, keep
// answering, and recover once the resource is back.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "tests/e2e/fault_e2e.h"

namespace ringmaster::test {
namespace {

class Resources : public FaultTest {
 protected:
  // Spawn failures of `name` logged so far.
  size_t SpawnFailures(const std::string& name) {
    return CountInLog("watcher '" + name + "': cannot spawn");
  }
  int Running(const std::string& name) {
    return Call("numprocesses", {{"name", name}}).value("numprocesses", -1);
  }
  // Live processes of `name`, from `list`.
  std::vector<pid_t> Pids(const std::string& name) {
    const nlohmann::json list = Call("list", {{"name", name}});
    std::vector<pid_t> out;
    for (const auto& p : list["pids"]) out.push_back(p.get<pid_t>());
    std::sort(out.begin(), out.end());
    return out;
  }
  // Asserts that `name`'s failing slots back off: over `seconds`, fewer
  // than `max_failures` spawn attempts and under a third of a core of CPU,
  // while `status` keeps answering.
  void ExpectBackoffNoSpin(const std::string& name, double seconds, size_t max_failures) {
    const size_t before = SpawnFailures(name);
    const double cpu0 = CpuSeconds(daemon_->pid());
    const auto t0 = std::chrono::steady_clock::now();
    bool answered = true;
    WaitUntil([&] {
      answered = answered && StatusAnswers(2);
      return SecondsSince(t0) >= seconds;
    }, seconds + 10, 0.1);
    ASSERT_TRUE(answered) << "control stopped answering";
    const double cpu = (CpuSeconds(daemon_->pid()) - cpu0) / SecondsSince(t0);
    const size_t failures = SpawnFailures(name) - before;
    EXPECT_LT(failures, max_failures) << "spawn retries are not backed off";
    EXPECT_LT(cpu, 0.34) << "daemon CPU " << cpu * 100 << " % of a core while spawns fail";
  }
};

// Retries quickly (so a test sees recovery soon) but never gives up.
constexpr char kRetryForever[] =
    "max_retry = -1\nbackoff_initial = 0.2\nbackoff_max = 0.5\nbackoff_jitter = 0\n";

TEST_F(Resources, DescriptorsExhaustedSpawnsFailBackOffAndRecover) {
  auto captured = [&](const std::string& name, int n) {
    return "[watcher:" + name + "]\ncmd = " + Worker() + "\nnumprocesses = " +
           std::to_string(n) + "\nautostart = false\nstdout_stream.class = FileStream\n" +
           "stdout_stream.filename = " + dir_->Path(name + ".out") +
           "\nstderr_stream.class = FileStream\nstderr_stream.filename = " +
           dir_->Path(name + ".err") + "\n" + kRetryForever + "\n";
  };
  StartWith(captured("hog", 10) + captured("w", 10));
  ASSERT_TRUE(StatusAnswers());
  const int base = DaemonFds();
  ASSERT_EQ(Call("start", {{"name", "hog"}, {"waiting", true}})["status"], "ok");
  ASSERT_TRUE(WaitWorkers(10));
  ASSERT_TRUE(WaitUntil([&] { return DaemonFds() > base; }, 5));
  const int with_hog = DaemonFds();
  const int per_process = (with_hog - base) / 10;
  ASSERT_GE(per_process, 1) << FdListing(daemon_->pid());

  // Room for about three more captured processes (each needs its pipes
  // while it is forked), then nothing.
  // (The soft limit only: raising a hard limit again needs CAP_SYS_RESOURCE.)
  rlimit old{};
  ASSERT_EQ(prlimit(daemon_->pid(), RLIMIT_NOFILE, nullptr, &old), 0);
  rlimit tiny{static_cast<rlim_t>(with_hog + 3 * per_process + 4), old.rlim_max};
  ASSERT_EQ(prlimit(daemon_->pid(), RLIMIT_NOFILE, &tiny, nullptr), 0) << strerror(errno);
  Call("start", {{"name", "w"}});
  ASSERT_TRUE(WaitUntil([&] { return SpawnFailures("w") >= 7; }, 15)) << daemon_->Log();
  EXPECT_GE(CountInLog("cannot spawn wid"), 1u);
  EXPECT_NE(daemon_->Log().find("Too many open files"), std::string::npos) << daemon_->Log();
  const int partial = Running("w");
  EXPECT_LT(partial, 10);
  const std::vector<pid_t> healthy = Pids("w");
  // The error is shown with the slot in status detail.
  nlohmann::json backoff = Call("status", {{"name", "w"}, {"detail", true}})["detail"]["backoff"];
  ASSERT_FALSE(backoff.empty());
  EXPECT_NE(backoff[0].dump().find("Too many open files"), std::string::npos) << backoff;

  ExpectBackoffNoSpin("w", 2, 80);
  // Failing slots never stop the healthy processes (of either watcher).
  for (pid_t pid : healthy) EXPECT_TRUE(PidAlive(pid)) << DescribePid(pid);
  EXPECT_EQ(Running("hog"), 10);

  // Free the hog's descriptors: the failing slots start on their next retry.
  ASSERT_EQ(Call("stop", {{"name", "hog"}, {"waiting", true}})["status"], "ok");
  EXPECT_TRUE(WaitUntil([&] { return Running("w") == 10; }, 15))
      << Running("w") << " of 10\n" << daemon_->Log().substr(0, 6000);
  for (pid_t pid : healthy) EXPECT_TRUE(PidAlive(pid));
  EXPECT_EQ(prlimit(daemon_->pid(), RLIMIT_NOFILE, &old, nullptr), 0) << strerror(errno);
}

// A pids cgroup (v1 or v2) the test creates and removes, or nothing.
class PidsCgroup {
 public:
  PidsCgroup() {
    const std::string name = "ringmaster-test-" + std::to_string(getpid()) + "-" +
                             std::to_string(counter_++);
    for (const std::string root : {"/sys/fs/cgroup/pids", "/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
      if (!FileExists(root + "/cgroup.procs")) continue;
      const std::string dir = root + "/" + name;
      if (mkdir(dir.c_str(), 0755) != 0) continue;
      // cgroup v2 offers pids.max in a child only once the parent delegates it.
      if (!FileExists(dir + "/pids.max")) Write(root + "/cgroup.subtree_control", "+pids");
      if (FileExists(dir + "/pids.max")) {
        root_ = root;
        dir_ = dir;
        return;
      }
      rmdir(dir.c_str());
    }
  }
  ~PidsCgroup() {
    if (dir_.empty()) return;
    // Back to the parent, every task, so the directory can go.
    WaitUntil([&] {
      std::ifstream in(dir_ + "/cgroup.procs");
      std::string pid;
      while (in >> pid) Write(root_ + "/cgroup.procs", pid);
      return rmdir(dir_.c_str()) == 0;
    }, 5);
  }
  bool ok() const { return !dir_.empty(); }
  bool Move(pid_t pid) { return Write(dir_ + "/cgroup.procs", std::to_string(pid)); }
  bool SetMax(const std::string& max) { return Write(dir_ + "/pids.max", max); }
  long Current() const { return std::atol(ReadFile(dir_ + "/pids.current").c_str()); }

 private:
  static bool Write(const std::string& path, const std::string& text) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    close(fd);
    return ok;
  }
  static inline int counter_ = 0;
  std::string root_, dir_;
};

TEST_F(Resources, ForkFailsReportedBackedOffAndRecovers) {
  StartWith(Sleeper("steady", 2) + "[watcher:late]\ncmd = " + Worker() +
            "\nnumprocesses = 3\nautostart = false\n" + kRetryForever);
  ASSERT_TRUE(WaitWorkers(2));
  const std::vector<pid_t> steady = LiveWorkers();

  // Take away the right to fork: a pids cgroup with no room left, or (when
  // not root, as the kernel ignores RLIMIT_NPROC for root) RLIMIT_NPROC.
  PidsCgroup cgroup;
  rlimit old_nproc{};
  bool used_nproc = false;
  if (cgroup.ok()) {
    ASSERT_TRUE(cgroup.Move(daemon_->pid()));
    ASSERT_GT(cgroup.Current(), 0);
    ASSERT_TRUE(cgroup.SetMax(std::to_string(cgroup.Current())));
  } else if (geteuid() != 0) {
    rlimit none{0, 0};
    ASSERT_EQ(prlimit(daemon_->pid(), RLIMIT_NPROC, &none, &old_nproc), 0);
    used_nproc = true;
  } else {
    GTEST_SKIP() << "cannot make fork fail: running as root (RLIMIT_NPROC does not apply) and "
                    "no writable pids cgroup under /sys/fs/cgroup";
  }

  Call("start", {{"name", "late"}});
  ASSERT_TRUE(WaitUntil([&] { return SpawnFailures("late") >= 6; }, 15)) << daemon_->Log();
  EXPECT_NE(daemon_->Log().find("fork: Resource temporarily unavailable"), std::string::npos)
      << daemon_->Log();
  nlohmann::json backoff =
      Call("status", {{"name", "late"}, {"detail", true}})["detail"]["backoff"];
  ASSERT_FALSE(backoff.empty());
  EXPECT_NE(backoff[0].dump().find("fork"), std::string::npos) << backoff;
  ExpectBackoffNoSpin("late", 2, 40);
  for (pid_t pid : steady) EXPECT_TRUE(PidAlive(pid)) << "a running process was touched";

  // Forks work again: the slots start on their next retry.
  if (used_nproc) {
    ASSERT_EQ(prlimit(daemon_->pid(), RLIMIT_NPROC, &old_nproc, nullptr), 0);
  } else {
    ASSERT_TRUE(cgroup.SetMax("max"));
  }
  EXPECT_TRUE(WaitUntil([&] { return Running("late") == 3; }, 15)) << daemon_->Log();
  EXPECT_TRUE(WaitWorkers(5)) << "2 steady + 3 late";
}

// Captured output on a full disk: dropped, reported once per stream, and the
// child is never blocked (its pipe keeps draining).
TEST_F(Resources, FullDiskDropsOutputReportsOncePerStreamAndNeverBlocksTheChild) {
  const std::string line(200, 'x');
  StartWith("[watcher:full]\ncmd = " +
            Worker("--print " + line + " --stderr " + line + " --print-count 5000 --exit-after 0") +
            "\nnumprocesses = 2\nrespawn = false\n"
            "stdout_stream.class = FileStream\nstdout_stream.filename = /dev/full\n"
            "stderr_stream.class = FileStream\nstderr_stream.filename = /dev/full\n" +
            Sleeper("other", 1));
  // 2 x 5,000 lines of 200 bytes on each stream: far more than a pipe holds,
  // so both children exit only if the daemon keeps reading.
  ASSERT_TRUE(WaitUntil([&] {
    size_t exited = 0;
    for (pid_t pid : AllWorkers()) {
      if (ReadFile(pids_dir_ + "/" + std::to_string(pid)).find("exit\n") != std::string::npos) {
        ++exited;
      }
    }
    return exited >= 2;
  }, 20)) << "a child writing to a full disk was blocked\n" << daemon_->Log().substr(0, 4000);
  ASSERT_TRUE(WaitUntil([&] { return Running("full") == 0; }, 10));
  EXPECT_EQ(CountInLog("watcher 'full': stdout: cannot append to '/dev/full'"), 1u)
      << daemon_->Log().substr(0, 4000);
  EXPECT_EQ(CountInLog("watcher 'full': stderr: cannot append to '/dev/full'"), 1u);
  EXPECT_EQ(CountInLog("No space left on device"), 2u);

  // The daemon keeps supervising: a killed process is replaced.
  std::vector<pid_t> other = LiveWorkers();
  ASSERT_EQ(other.size(), 1u);
  ASSERT_EQ(kill(other[0], SIGKILL), 0);
  EXPECT_TRUE(WaitUntil([&] {
    std::vector<pid_t> now = LiveWorkers();
    return now.size() == 1 && now != other;
  }, 10));
  EXPECT_TRUE(StatusAnswers());
}

}  // namespace
}  // namespace ringmaster::test
