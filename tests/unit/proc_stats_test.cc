// ProcStats against the real /proc: the test process itself and forked
// children (docs/protocol.md §7.20, §7.4).
#include "daemon/proc_stats.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

namespace ringmaster {
namespace {

using nlohmann::json;

const std::regex kHuman(R"(^(\d+B|\d+\.\d\d[KMGTPEZY])$)");
const std::regex kCtime(R"(^\d{1,2}:\d\d\.\d\d$)");

double WallNow() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Burns at least `seconds` of this process's CPU time.
void BurnCpu(double seconds) {
  auto cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  const double until = cpu() + seconds;
  volatile uint64_t sink = 0;
  while (cpu() < until) sink = sink + 1;
}

char ProcState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() ? '?' : text[close + 2];
}

// Waits (with a deadline) until `pid` is a zombie.
bool WaitZombie(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ProcState(pid) == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// A child that forks a grandchild, reports the grandchild's pid on a pipe,
// and waits; both are killed by the destructor.
class ChildWithGrandchild {
 public:
  ChildWithGrandchild() {
    int fds[2];
    if (pipe(fds) != 0) return;
    child_ = fork();
    if (child_ == 0) {
      close(fds[0]);
      const pid_t grandchild = fork();
      if (grandchild == 0) {
        for (;;) pause();
      }
      (void)!write(fds[1], &grandchild, sizeof grandchild);
      for (;;) pause();
    }
    close(fds[1]);
    if (read(fds[0], &grandchild_, sizeof grandchild_) != sizeof grandchild_) grandchild_ = -1;
    close(fds[0]);
  }
  ~ChildWithGrandchild() {
    if (grandchild_ > 0) kill(grandchild_, SIGKILL);
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
  }
  pid_t child() const { return child_; }
  pid_t grandchild() const { return grandchild_; }

 private:
  pid_t child_ = -1;
  pid_t grandchild_ = -1;
};

void ExpectBaseFields(const json& info, pid_t pid) {
  ASSERT_TRUE(info.is_object()) << info.dump();
  EXPECT_EQ(info.at("pid"), pid);
  EXPECT_TRUE(std::regex_match(info.at("mem_info1").get<std::string>(), kHuman)) << info.dump();
  EXPECT_TRUE(std::regex_match(info.at("mem_info2").get<std::string>(), kHuman)) << info.dump();
  EXPECT_TRUE(info.at("cpu").is_number());
  EXPECT_TRUE(info.at("mem").is_number());
  EXPECT_GT(info.at("mem").get<double>(), 0.0);
  EXPECT_TRUE(std::regex_match(info.at("ctime").get<std::string>(), kCtime)) << info.dump();
  passwd* pw = getpwuid(getuid());
  ASSERT_NE(pw, nullptr);
  EXPECT_EQ(info.at("username"), pw->pw_name);
  EXPECT_TRUE(info.at("nice").is_number_integer());
  EXPECT_TRUE(info.at("create_time").is_number());
  EXPECT_LE(info.at("create_time").get<double>(), WallNow() + 0.05);
  EXPECT_GT(info.at("create_time").get<double>(), 1e9);
  EXPECT_TRUE(info.at("age").is_number());
  EXPECT_EQ(info.at("cmdline"), program_invocation_short_name);  // basename of argv[0]
  EXPECT_TRUE(info.at("children").is_array());
}

TEST(ProcStatsTest, HumanBytes) {
  EXPECT_EQ(ProcStats::HumanBytes(0), "0B");
  EXPECT_EQ(ProcStats::HumanBytes(1023), "1023B");
  EXPECT_EQ(ProcStats::HumanBytes(1024), "1.00K");
  EXPECT_EQ(ProcStats::HumanBytes(1536), "1.50K");
  EXPECT_EQ(ProcStats::HumanBytes(1457520), "1.39M");
  EXPECT_EQ(ProcStats::HumanBytes(uint64_t{1} << 30), "1.00G");
  EXPECT_EQ(ProcStats::HumanBytes(uint64_t{5} << 40), "5.00T");
}

TEST(ProcStatsTest, FormatCpuTime) {
  EXPECT_EQ(ProcStats::FormatCpuTime(0, 100), "0:00.00");
  EXPECT_EQ(ProcStats::FormatCpuTime(26, 100), "0:00.26");
  EXPECT_EQ(ProcStats::FormatCpuTime(6123, 100), "1:01.23");
  EXPECT_EQ(ProcStats::FormatCpuTime(366100, 100), "1:01.00");  // 61:01: minutes modulo 60
  EXPECT_EQ(ProcStats::FormatCpuTime(1999, 1000), "0:01.99");   // truncated, not rounded
}

TEST(ProcStatsTest, InfoOfThisProcess) {
  ProcStats stats;
  const double started = WallNow() - 5;
  const json info = stats.Info(getpid(), started, 4, false);
  ExpectBaseFields(info, getpid());
  EXPECT_EQ(info.at("started"), started);
  EXPECT_EQ(info.at("wid"), 4);
  EXPECT_NEAR(info.at("age").get<double>(), 5.0, 1.0);
  EXPECT_EQ(info.at("children"), json::array());
}

TEST(ProcStatsTest, CpuIsZeroFirstThenMeasured) {
  ProcStats stats;
  EXPECT_EQ(stats.Info(getpid(), 0, 1, false).at("cpu"), 0.0);
  BurnCpu(0.1);
  const json second = stats.Info(getpid(), 0, 1, false);
  ASSERT_TRUE(second.at("cpu").is_number());
  EXPECT_GT(second.at("cpu").get<double>(), 0.0);
  EXPECT_LE(second.at("cpu").get<double>(), 150.0);
}

TEST(ProcStatsTest, GoneProcess) {
  ProcStats stats;
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  ASSERT_GT(pid, 0);
  // A zombie has exited already.
  ASSERT_TRUE(WaitZombie(pid));
  EXPECT_EQ(stats.Info(pid, 0, 1, true), json(kNoSuchProcess));
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
  EXPECT_EQ(stats.Info(pid, 0, 1, true), "No such process (stopped?)");
  EXPECT_EQ(stats.Info(0, 0, 1, false), json(kNoSuchProcess));
}

TEST(ProcStatsTest, RecentSampleIsServedAgainWithinMaxAge) {
  ProcStats cached, fresh;
  cached.set_max_sample_age(3600);
  const pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  ASSERT_GT(pid, 0);
  const double started = WallNow();
  ASSERT_TRUE(cached.Info(pid, started, 1, true).is_object());
  ASSERT_TRUE(fresh.Info(pid, started, 1, true).is_object());
  kill(pid, SIGKILL);
  ASSERT_EQ(waitpid(pid, nullptr, 0), pid);
  // The cached reader answers from its sample; the other reads /proc again.
  const json again = cached.Info(pid, started, 1, true);
  ASSERT_TRUE(again.is_object()) << again.dump();
  EXPECT_EQ(again["pid"], pid);
  EXPECT_GE(again["age"].get<double>(), 0.0);
  EXPECT_EQ(fresh.Info(pid, started, 1, true), json(kNoSuchProcess));
  // A different spawn time is a different process: no stale answer.
  EXPECT_EQ(cached.Info(pid, started + 1, 1, true), json(kNoSuchProcess));
}

TEST(ProcStatsTest, InfoTextIsTheInfoWithAFreshAge) {
  ChildWithGrandchild procs;
  ASSERT_GT(procs.child(), 0);
  ProcStats cached, plain;
  cached.set_max_sample_age(3600);
  const double started = WallNow() - 5;
  const json info = cached.Info(procs.child(), started, 3, true);
  ASSERT_TRUE(info.is_object());
  for (ProcStats* stats : {&cached, &plain}) {
    for (int round = 0; round < 2; ++round) {  // a miss, then (cached) a hit
      const json text = json::parse(stats->InfoText(procs.child(), started, 3));
      ASSERT_TRUE(text.is_object()) << text.dump();
      EXPECT_GE(text["age"].get<double>(), info["age"].get<double>());
      EXPECT_EQ(text["pid"], procs.child());
      EXPECT_EQ(text["wid"], 3);
      EXPECT_EQ(text["started"], started);
      EXPECT_EQ(text["children"].size(), 1u) << text.dump();
      if (stats == &cached) {
        json a = text, b = info;
        a.erase("age");
        b.erase("age");
        EXPECT_EQ(a, b);  // the same sample
      }
    }
  }
  EXPECT_EQ(cached.InfoText(0, started, 1), json(kNoSuchProcess).dump());
}

TEST(ProcStatsTest, ChildrenListing) {
  ChildWithGrandchild procs;
  ASSERT_GT(procs.child(), 0);
  ASSERT_GT(procs.grandchild(), 0);
  ProcStats stats;
  const json info = stats.Info(procs.child(), WallNow(), 2, true);
  ExpectBaseFields(info, procs.child());
  ASSERT_EQ(info.at("children").size(), 1u) << info.dump();
  const json& grandchild = info.at("children")[0];
  ExpectBaseFields(grandchild, procs.grandchild());
  EXPECT_FALSE(grandchild.contains("started"));
  EXPECT_FALSE(grandchild.contains("wid"));
  EXPECT_EQ(grandchild.at("children"), json::array());

  // Without with_children the list stays empty.
  EXPECT_EQ(stats.Info(procs.child(), WallNow(), 2, false).at("children"), json::array());
}

TEST(ProcStatsTest, DaemonInfo) {
  ProcStats stats;
  const json first = stats.DaemonInfo();
  ExpectBaseFields(first, getpid());
  EXPECT_EQ(first.at("cpu"), 0.0);
  EXPECT_FALSE(first.contains("started"));
  EXPECT_FALSE(first.contains("wid"));
  EXPECT_EQ(first.at("children"), json::array());
  const double age = first.at("age").get<double>();
  EXPECT_NEAR(age, WallNow() - first.at("create_time").get<double>(), 0.5);
  BurnCpu(0.1);
  const json second = stats.DaemonInfo();
  EXPECT_GT(second.at("cpu").get<double>(), 0.0);
}

}  // namespace
}  // namespace ringmaster
