#include "daemon/proc_files.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

TEST(ProcFiles, ReadsThisProcess) {
  std::optional<PidStat> st = ReadPidStat(getpid());
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, 'R');
  EXPECT_EQ(st->ppid, getppid());
  EXPECT_GT(st->rss_pages, 0u);
  EXPECT_GT(st->starttime, 0u);
  std::optional<PidStatm> m = ReadPidStatm(getpid());
  ASSERT_TRUE(m.has_value());
  EXPECT_GE(m->size_pages, m->resident_pages);
  // RSS moves between two reads (a page fault of another test thread, the
  // allocator): the bytes are whole pages of a second statm read.
  const uint64_t rss = ReadRssBytes(getpid()).value_or(0);
  EXPECT_GT(rss, 0u);
  EXPECT_EQ(rss % PageSize(), 0u);
}

TEST(ProcFiles, MissingFilesAndProcessesAreNullopt) {
  EXPECT_FALSE(ReadProcFile("/proc/self/no-such-file").has_value());
  EXPECT_FALSE(ReadPidStat(-1).has_value());
  EXPECT_FALSE(ReadRssBytes(-1).has_value());
}

// comm may hold spaces and ')': fields are read after the last ')'.
TEST(ProcFiles, CommWithParenthesesAndSpaces) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    prctl(PR_SET_NAME, "x) (y z");
    char c = 1;
    if (write(ready[1], &c, 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char c;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  std::optional<PidStat> st = ReadPidStat(child);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->ppid, getpid());
  EXPECT_GT(st->rss_pages, 0u);
}

}  // namespace
}  // namespace ringmaster
