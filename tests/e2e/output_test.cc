// Captured output: stdout/stderr streams reach their files, with rotation and
// prefixes, and output left in the pipe at exit is not lost.
#include "tests/e2e/e2e_util.h"

namespace ringmaster::test {
namespace {

class Output : public E2ETest {};

TEST_F(Output, StdoutReachesItsFileAndIsRotated) {
  std::string log = dir_->Path("w.out");
  std::string cfg = WriteConfig(
      CircusSection() + "[watcher:w]\ncmd = " +
      Worker("--print 0123456789abcdefghij --print-count 200 --exit-after 0.1") +
      "\nrespawn = false\nstdout_stream.class = FileStream\nstdout_stream.filename = " + log +
      "\nstdout_stream.max_bytes = 1000\nstdout_stream.backup_count = 2\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(d.WaitForLog("watcher 'w': stopped", 15)) << d.Log();
  // 200 lines x 21 bytes = 4200 bytes; files hold at most 1000 bytes each and
  // only two backups are kept.
  EXPECT_TRUE(FileExists(log));
  EXPECT_TRUE(FileExists(log + ".1"));
  EXPECT_TRUE(FileExists(log + ".2"));
  EXPECT_FALSE(FileExists(log + ".3"));
  for (const std::string& f : {log, log + ".1", log + ".2"}) {
    std::string text = ReadFile(f);
    EXPECT_LE(text.size(), 1000u) << f;
    EXPECT_NE(text.find("0123456789abcdefghij\n"), std::string::npos) << f;
  }
  // The newest file ends with the last line written.
  std::string last = ReadFile(log);
  ASSERT_GE(last.size(), 21u);
  EXPECT_EQ(last.substr(last.size() - 21), "0123456789abcdefghij\n");
}

TEST_F(Output, StderrWithTimeFormatGetsPrefixedLines) {
  std::string log = dir_->Path("w.err");
  std::string cfg = WriteConfig(
      CircusSection() + "[watcher:w]\ncmd = " + Worker("--stderr oops --exit-after 0.1") +
      "\nrespawn = false\nstderr_stream.filename = " + log +
      "\nstderr_stream.time_format = %Y\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(d.WaitForLog("watcher 'w': stopped", 15)) << d.Log();
  std::vector<pid_t> workers = AllWorkers();
  ASSERT_EQ(workers.size(), 1u);
  std::string text = ReadFile(log);
  EXPECT_NE(text.find(" [" + std::to_string(workers[0]) + "] | oops\n"), std::string::npos)
      << text;
}

TEST_F(Output, CloseChildStdoutDiscardsOutput) {
  std::string log = dir_->Path("w.out");
  std::string cfg = WriteConfig(
      CircusSection() + "[watcher:w]\ncmd = " + Worker("--print hidden --exit-after 0.1") +
      "\nrespawn = false\nclose_child_stdout = true\nstdout_stream.filename = " + log + "\n");
  Daemon& d = StartDaemon(cfg);
  ASSERT_TRUE(d.WaitForLog("watcher 'w': stopped", 15)) << d.Log();
  EXPECT_EQ(ReadFile(log).find("hidden"), std::string::npos);
}

}  // namespace
}  // namespace ringmaster::test
