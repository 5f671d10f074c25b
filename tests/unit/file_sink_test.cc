#include "daemon/file_sink.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ringmaster {
namespace {

constexpr std::time_t kTime = 1700000000;  // 2023-11-14 22:13:20 UTC

class FileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ringmaster_file_sink_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/out.log";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void WriteFile(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  static bool Exists(const std::string& path) { return std::filesystem::exists(path); }

  FileSinkOptions Options() const {
    FileSinkOptions options;
    options.path = path_;
    return options;
  }
  SinkErrorCallback Collect() {
    return [this](const std::string& message) { errors_.push_back(message); };
  }
  // "%s" (seconds since the epoch) keeps the prefix independent of the time zone.
  std::unique_ptr<FileSink> PrefixSink() {
    FileSinkOptions options = Options();
    options.time_format = "%s";
    return std::make_unique<FileSink>(options, Collect(), [this] { return now_; });
  }

  std::string dir_;
  std::string path_;
  std::vector<std::string> errors_;
  std::time_t now_ = kTime;
};

TEST_F(FileSinkTest, AppendsToExistingFileUnchanged) {
  WriteFile(path_, "old\n");
  FileSink sink(Options(), Collect());
  ASSERT_TRUE(sink.is_open());
  sink.Write(1, "a");
  sink.Write(2, "b\n");
  sink.Write(1, std::string("bin\0ary\n", 8));
  EXPECT_EQ(Read(path_), std::string("old\nab\nbin\0ary\n", 15));
  EXPECT_TRUE(errors_.empty());
}

TEST_F(FileSinkTest, CreatesTheFileWithMode0644) {
  mode_t old_mask = umask(022);
  { FileSink sink(Options(), Collect()); }
  umask(old_mask);
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(FileSinkTest, PrefixesOnlyAtLineStartsAcrossChunks) {
  auto sink = PrefixSink();
  sink->Write(7, "one\ntw");
  now_ = kTime + 5;  // a continued line keeps the prefix it started with
  sink->Write(7, "o\nthree\n");
  sink->Write(7, "\n");
  EXPECT_EQ(Read(path_),
            "1700000000 [7] | one\n"
            "1700000000 [7] | two\n"
            "1700000005 [7] | three\n"
            "1700000005 [7] | \n");
}

TEST_F(FileSinkTest, PrefixUsesStrftimeInLocalTime) {
  const char* old_tz = getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "UTC", 1);
  tzset();
  FileSinkOptions options = Options();
  options.time_format = "%Y-%m-%d %H:%M:%S";
  {
    FileSink sink(options, Collect(), [] { return kTime; });
    sink.Write(42, "hello\n");
  }
  if (old_tz) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  EXPECT_EQ(Read(path_), "2023-11-14 22:13:20 [42] | hello\n");
}

TEST_F(FileSinkTest, KeepsLineStatePerPid) {
  auto sink = PrefixSink();
  sink->Write(1, "ab");
  sink->Write(2, "cd\nx");  // ends pid 1's open line before its own
  sink->Write(2, "y\n");
  sink->Write(1, "ef\n");  // pid 1 continues on a new, prefixed line
  EXPECT_EQ(Read(path_),
            "1700000000 [1] | ab\n"
            "1700000000 [2] | cd\n"
            "1700000000 [2] | xy\n"
            "1700000000 [1] | ef\n");
}

TEST_F(FileSinkTest, FlushEndsOnlyThePidsPartialLine) {
  auto sink = PrefixSink();
  sink->Write(3, "done\npartial");
  sink->Flush(4);  // another pid: nothing to end
  EXPECT_EQ(Read(path_), "1700000000 [3] | done\n1700000000 [3] | partial");
  sink->Flush(3);
  sink->Flush(3);  // already ended
  sink->Write(3, "reused pid\n");
  EXPECT_EQ(Read(path_),
            "1700000000 [3] | done\n1700000000 [3] | partial\n1700000000 [3] | reused pid\n");
}

TEST_F(FileSinkTest, FlushWithoutPrefixEndsPartialLineOnly) {
  FileSink sink(Options(), Collect());
  sink.Write(3, "complete\n");
  sink.Flush(3);
  sink.Write(3, "partial");
  sink.Flush(3);
  EXPECT_EQ(Read(path_), "complete\npartial\n");
}

TEST_F(FileSinkTest, RotatesLikeRotatingFileHandler) {
  FileSinkOptions options = Options();
  options.max_bytes = 10;
  options.backup_count = 2;
  FileSink sink(options, Collect());
  sink.Write(1, "aaaa\n");
  sink.Write(1, "bbbb\n");  // exactly max_bytes: no rotation
  EXPECT_FALSE(Exists(path_ + ".1"));
  sink.Write(1, "cccc\n");
  EXPECT_EQ(Read(path_ + ".1"), "aaaa\nbbbb\n");
  EXPECT_EQ(Read(path_), "cccc\n");
  sink.Write(1, "dddd\n");
  sink.Write(1, "eeee\n");
  EXPECT_EQ(Read(path_ + ".2"), "aaaa\nbbbb\n");
  EXPECT_EQ(Read(path_ + ".1"), "cccc\ndddd\n");
  EXPECT_EQ(Read(path_), "eeee\n");
  sink.Write(1, "ffff\n");
  sink.Write(1, "gggg\n");  // the oldest backup is dropped
  EXPECT_EQ(Read(path_ + ".2"), "cccc\ndddd\n");
  EXPECT_EQ(Read(path_ + ".1"), "eeee\nffff\n");
  EXPECT_EQ(Read(path_), "gggg\n");
  EXPECT_FALSE(Exists(path_ + ".3"));
  EXPECT_TRUE(errors_.empty());
}

TEST_F(FileSinkTest, RotationCountsTheSizeFoundAtOpen) {
  WriteFile(path_, "12345678");
  FileSinkOptions options = Options();
  options.max_bytes = 10;
  options.backup_count = 1;
  FileSink sink(options, Collect());
  sink.Write(1, "abc\n");
  EXPECT_EQ(Read(path_ + ".1"), "12345678");
  EXPECT_EQ(Read(path_), "abc\n");
}

TEST_F(FileSinkTest, ChunkLargerThanMaxBytesIsWrittenWhole) {
  FileSinkOptions options = Options();
  options.max_bytes = 4;
  options.backup_count = 3;
  FileSink sink(options, Collect());
  sink.Write(1, "0123456789\n");  // empty file: no pointless rotation
  EXPECT_EQ(Read(path_), "0123456789\n");
  EXPECT_FALSE(Exists(path_ + ".1"));
  sink.Write(1, "abcdefghij\n");
  EXPECT_EQ(Read(path_ + ".1"), "0123456789\n");
  EXPECT_EQ(Read(path_), "abcdefghij\n");
  EXPECT_FALSE(Exists(path_ + ".2"));
}

TEST_F(FileSinkTest, BackupCountZeroNeverRotates) {
  FileSinkOptions options = Options();
  options.max_bytes = 5;
  options.backup_count = 0;
  FileSink sink(options, Collect());
  for (int i = 0; i < 4; ++i) sink.Write(1, "line\n");
  EXPECT_EQ(Read(path_), "line\nline\nline\nline\n");
  EXPECT_FALSE(Exists(path_ + ".1"));
}

TEST_F(FileSinkTest, LineContinuedAcrossRotationIsPrefixedInTheNewFile) {
  FileSinkOptions options = Options();
  options.time_format = "%s";
  options.max_bytes = 22;
  options.backup_count = 1;
  FileSink sink(options, Collect(), [] { return kTime; });
  sink.Write(8, "x\n");  // 19 bytes
  sink.Write(9, "ab");   // 38 bytes: rotates
  sink.Write(9, "cd");   // 21 bytes
  sink.Write(9, "ef");   // would pass 22 mid-line
  EXPECT_FALSE(Exists(path_ + ".2"));
  EXPECT_EQ(Read(path_ + ".1"), "1700000000 [9] | abcd");
  EXPECT_EQ(Read(path_), "1700000000 [9] | ef");
  sink.Flush(9);
  EXPECT_EQ(Read(path_), "1700000000 [9] | ef\n");
}

TEST_F(FileSinkTest, WatchedFileReopensAfterLogrotateMove) {
  FileSinkOptions options = Options();
  options.watch = true;
  FileSink sink(options, Collect());
  sink.Write(1, "one\n");
  ASSERT_EQ(rename(path_.c_str(), (path_ + ".moved").c_str()), 0);
  sink.Write(1, "two\n");  // path gone: recreated
  EXPECT_EQ(Read(path_ + ".moved"), "one\n");
  EXPECT_EQ(Read(path_), "two\n");
  // logrotate `create`: a new file appears at the path.
  ASSERT_EQ(rename(path_.c_str(), (path_ + ".moved2").c_str()), 0);
  WriteFile(path_, "created\n");
  sink.Write(1, "three\n");
  EXPECT_EQ(Read(path_ + ".moved2"), "two\n");
  EXPECT_EQ(Read(path_), "created\nthree\n");
  EXPECT_TRUE(errors_.empty());
}

TEST_F(FileSinkTest, UnwatchedFileKeepsWritingToTheMovedFile) {
  FileSink sink(Options(), Collect());
  sink.Write(1, "one\n");
  ASSERT_EQ(rename(path_.c_str(), (path_ + ".moved").c_str()), 0);
  sink.Write(1, "two\n");
  EXPECT_EQ(Read(path_ + ".moved"), "one\ntwo\n");
  EXPECT_FALSE(Exists(path_));
}

TEST_F(FileSinkTest, UnopenablePathIsReportedOnceAndRetried) {
  std::string missing_dir = dir_ + "/missing";
  FileSinkOptions options = Options();
  options.path = missing_dir + "/out.log";
  FileSink sink(options, Collect());
  EXPECT_FALSE(sink.is_open());
  sink.Write(1, "lost\n");
  sink.Write(1, "lost too\n");
  sink.Flush(1);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].find(options.path), std::string::npos) << errors_[0];
  EXPECT_NE(errors_[0].find("No such file or directory"), std::string::npos) << errors_[0];

  ASSERT_EQ(mkdir(missing_dir.c_str(), 0755), 0);
  sink.Write(1, "kept\n");
  EXPECT_TRUE(sink.is_open());
  EXPECT_EQ(Read(options.path), "kept\n");
  EXPECT_EQ(errors_.size(), 1u);
}

TEST_F(FileSinkTest, EachFailureStreakIsReported) {
  std::string sub = dir_ + "/sub";
  ASSERT_EQ(mkdir(sub.c_str(), 0755), 0);
  FileSinkOptions options = Options();
  options.path = sub + "/out.log";
  options.watch = true;
  FileSink sink(options, Collect());
  sink.Write(1, "a\n");
  std::filesystem::remove_all(sub);  // the watched path is gone and cannot be recreated
  sink.Write(1, "lost\n");
  sink.Write(1, "lost\n");
  EXPECT_EQ(errors_.size(), 1u);
  ASSERT_EQ(mkdir(sub.c_str(), 0755), 0);
  sink.Write(1, "b\n");  // recovered: ends the streak
  EXPECT_EQ(Read(options.path), "b\n");
  std::filesystem::remove_all(sub);
  sink.Write(1, "lost\n");
  EXPECT_EQ(errors_.size(), 2u);
}

// A full disk: every write fails. The flush at each pipe's EOF writes
// nothing, so it must not end the streak (it did: one report per process).
TEST_F(FileSinkTest, FullDiskIsReportedOnceAcrossProcessesAndFlushes) {
  FileSinkOptions options = Options();
  options.path = "/dev/full";
  FileSink sink(options, Collect());
  for (pid_t pid = 1; pid <= 5; ++pid) {
    sink.Write(pid, "line\n");
    sink.Write(pid, "partial");
    sink.Flush(pid);
    sink.Flush(pid);
  }
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].find("No space left on device"), std::string::npos) << errors_[0];
}

TEST_F(FileSinkTest, PathThatIsADirectoryIsReported) {
  ASSERT_EQ(mkdir(path_.c_str(), 0755), 0);
  FileSink sink(Options(), Collect());
  sink.Write(1, "x\n");
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].find("Is a directory"), std::string::npos) << errors_[0];
}

TEST_F(FileSinkTest, FailedRotationIsReportedOnceAndWritingContinues) {
  FileSinkOptions options = Options();
  options.max_bytes = 4;
  options.backup_count = 1;
  FileSink sink(options, Collect());
  sink.Write(1, "abc\n");
  // A directory with an entry at the backup name makes rename(2) fail.
  ASSERT_EQ(mkdir((path_ + ".1").c_str(), 0755), 0);
  WriteFile(path_ + ".1/keep", "x");
  sink.Write(1, "def\n");
  sink.Write(1, "ghi\n");
  EXPECT_EQ(Read(path_), "abc\ndef\nghi\n");
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].find("cannot rotate"), std::string::npos) << errors_[0];
}

}  // namespace
}  // namespace ringmaster
