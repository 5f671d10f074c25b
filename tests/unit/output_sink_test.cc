#include "daemon/output_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace ringmaster {
namespace {

constexpr std::time_t kTime = 1700000000;  // 2023-11-14 22:13:20 UTC

// Reads everything from a pipe's read end after its write end was closed.
std::string Drain(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

class OutputSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ringmaster_output_sink_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/out.log";
    ASSERT_EQ(pipe(pipe_), 0);
  }
  void TearDown() override {
    for (int fd : pipe_) {
      if (fd >= 0) close(fd);
    }
    std::filesystem::remove_all(dir_);
  }

  // Closes the write end and returns what was written to it.
  std::string PipeOutput() {
    close(pipe_[1]);
    pipe_[1] = -1;
    return Drain(pipe_[0]);
  }
  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::unique_ptr<OutputSink> Make(const StreamConfig& cfg) {
    return MakeOutputSink(
        cfg, pipe_[1], [this](const std::string& m) { errors_.push_back(m); },
        [] { return kTime; });
  }

  std::string dir_;
  std::string path_;
  int pipe_[2] = {-1, -1};
  std::vector<std::string> errors_;
};

TEST_F(OutputSinkTest, NoneMeansNoSink) {
  StreamConfig cfg;
  cfg.cls = StreamClass::kNone;
  cfg.filename = path_;
  EXPECT_EQ(Make(cfg), nullptr);
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(OutputSinkTest, StdoutWritesRawBytesToTheGivenFd) {
  StreamConfig cfg;
  cfg.cls = StreamClass::kStdout;
  auto sink = Make(cfg);
  ASSERT_NE(sink, nullptr);
  sink->Write(1, "he");
  sink->Write(2, "llo\n");
  sink->Write(1, "tail");
  sink->Flush(1);
  EXPECT_EQ(PipeOutput(), "hello\ntail\n");
}

TEST_F(OutputSinkTest, FancyStdoutFallsBackToPrefixedStdout) {
  const char* old_tz = getenv("TZ");
  std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "UTC", 1);
  tzset();
  StreamConfig cfg;
  cfg.cls = StreamClass::kFancyStdout;  // no time_format: Circus's default
  auto sink = Make(cfg);
  ASSERT_NE(sink, nullptr);
  sink->Write(5, "hi\nthere");
  sink->Flush(5);
  if (old_tz) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  EXPECT_EQ(PipeOutput(), "2023-11-14 22:13:20 [5] | hi\n2023-11-14 22:13:20 [5] | there\n");
}

TEST_F(OutputSinkTest, StdoutWriteFailureIsReportedOnce) {
  int read_only = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(read_only, 0);
  StreamConfig cfg;
  cfg.cls = StreamClass::kStdout;
  auto sink =
      MakeOutputSink(cfg, read_only, [this](const std::string& m) { errors_.push_back(m); });
  sink->Write(1, "a\n");
  sink->Write(1, "b\n");
  close(read_only);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].find("fd " + std::to_string(read_only)), std::string::npos) << errors_[0];
}

TEST_F(OutputSinkTest, FileStreamUsesPrefixAndRotation) {
  StreamConfig cfg;
  cfg.cls = StreamClass::kFile;
  cfg.filename = path_;
  cfg.max_bytes = 20;
  cfg.backup_count = 1;
  cfg.time_format = "%s";
  auto sink = Make(cfg);
  ASSERT_NE(sink, nullptr);
  sink->Write(8, "a\n");  // 19 bytes
  sink->Write(8, "b\n");  // would be 38: rotates
  EXPECT_EQ(Read(path_ + ".1"), "1700000000 [8] | a\n");
  EXPECT_EQ(Read(path_), "1700000000 [8] | b\n");
  EXPECT_TRUE(errors_.empty());
}

TEST_F(OutputSinkTest, WatchedFileStreamReopensMovedFile) {
  StreamConfig cfg;
  cfg.cls = StreamClass::kWatchedFile;
  cfg.filename = path_;
  auto sink = Make(cfg);
  sink->Write(1, "one\n");
  ASSERT_EQ(rename(path_.c_str(), (path_ + ".old").c_str()), 0);
  sink->Write(1, "two\n");
  EXPECT_EQ(Read(path_ + ".old"), "one\n");
  EXPECT_EQ(Read(path_), "two\n");
}

TEST_F(OutputSinkTest, TimedRotatingFileFallsBackToAnUnrotatedFile) {
  StreamConfig cfg;
  cfg.cls = StreamClass::kTimedRotatingFile;
  cfg.filename = path_;
  cfg.backup_count = 2;
  cfg.max_bytes = 1;  // not a TimedRotatingFileStream key: ignored
  auto sink = Make(cfg);
  sink->Write(1, "one\n");
  sink->Write(1, "two\n");
  EXPECT_EQ(Read(path_), "one\ntwo\n");
  EXPECT_FALSE(std::filesystem::exists(path_ + ".1"));
}

TEST_F(OutputSinkTest, FileStreamReportsUnopenablePath) {
  StreamConfig cfg;
  cfg.cls = StreamClass::kFile;
  cfg.filename = dir_ + "/no/such/dir/out.log";
  auto sink = Make(cfg);
  ASSERT_NE(sink, nullptr);
  sink->Write(1, "x\n");
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].find(cfg.filename), std::string::npos) << errors_[0];
}

TEST(LineFormatterTest, WithoutTimeFormatBytesAreUnchanged) {
  LineFormatter formatter("", {});
  std::string out;
  formatter.Format(1, "a\nb", &out);
  formatter.Format(2, "c", &out);
  EXPECT_EQ(out, "a\nbc");
  formatter.Terminate(1, &out);  // pid 2 wrote last
  EXPECT_EQ(out, "a\nbc");
  formatter.Terminate(2, &out);
  EXPECT_EQ(out, "a\nbc\n");
}

TEST(LineFormatterTest, ResetStartsANewLine) {
  LineFormatter formatter("%s", [] { return kTime; });
  std::string out;
  formatter.Format(1, "a", &out);
  formatter.Reset();
  formatter.Format(1, "b\n", &out);
  formatter.Terminate(1, &out);
  EXPECT_EQ(out, "1700000000 [1] | a1700000000 [1] | b\n");
}

TEST(WriteAllTest, WritesEverythingThroughAFullNonBlockingPipe) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  std::string received;
  std::thread reader([&] { received = Drain(fds[0]); });
  Status status = WriteAll(fds[1], data);  // the 64 KiB pipe fills many times
  close(fds[1]);
  reader.join();
  close(fds[0]);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(received.size(), data.size());
  EXPECT_TRUE(received == data);
}

TEST(WriteAllTest, ReportsWriteErrors) {
  int read_only = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(read_only, 0);
  Status status = WriteAll(read_only, "x");
  close(read_only);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("Bad file descriptor"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace ringmaster
