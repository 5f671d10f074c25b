#include "daemon/stdio_writer.h"

#include <fcntl.h>
#include <signal.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace ringmaster {
namespace {

class StdioWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(pipe2(fds_, O_CLOEXEC), 0); }
  void TearDown() override {
    close(fds_[0]);
    close(fds_[1]);
  }
  // Everything readable now, without blocking.
  std::string DrainNow() {
    const int flags = fcntl(fds_[0], F_GETFL);
    fcntl(fds_[0], F_SETFL, flags | O_NONBLOCK);
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = read(fds_[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    fcntl(fds_[0], F_SETFL, flags);
    return out;
  }
  int fds_[2];
};

TEST_F(StdioWriterTest, WritesThroughWhenThereIsRoom) {
  StdioWriter w(fds_[1]);
  EXPECT_TRUE(w.Write("hello\n"));
  EXPECT_EQ(w.pending(), 0u);
  EXPECT_EQ(DrainNow(), "hello\n");
}

// A pipe nobody reads blocked the daemon's loop for 36 s.
TEST_F(StdioWriterTest, NeverBlocksOnAFullPipeAndBoundsWhatItKeeps) {
  StdioWriter w(fds_[1], 256 * 1024);
  const std::string chunk(4096, 'x');
  for (int i = 0; i < 1024; ++i) ASSERT_TRUE(w.Write(chunk));  // 4 MiB; the pipe holds 64 KiB
  EXPECT_LE(w.pending(), 256u * 1024);
  EXPECT_GT(w.dropped(), 3u * 1024 * 1024);
  EXPECT_EQ(w.dropped() % chunk.size(), 0u) << "whole chunks are dropped";
  // The description the daemon shares with its children stays blocking.
  EXPECT_EQ(fcntl(fds_[1], F_GETFL) & O_NONBLOCK, 0);

  // Once read again: the queued bytes, then one warning with the count.
  std::string out;
  for (int i = 0; i < 100 && (w.pending() > 0 || out.find("WARNING") == std::string::npos);
       ++i) {
    out += DrainNow();
    w.Flush();
  }
  out += DrainNow();
  const std::string warning = "ringmasterd: WARNING: nobody read fd " + std::to_string(fds_[1]) +
                              " for a while; dropped " + std::to_string(w.dropped()) +
                              " bytes of output (" + std::to_string(w.dropped()) + " in total)\n";
  ASSERT_GE(out.size(), warning.size());
  EXPECT_EQ(out.substr(out.size() - warning.size()), warning);
  EXPECT_EQ(out.size() - warning.size() + w.dropped(), 4u * 1024 * 1024) << "nothing else is lost";
  EXPECT_EQ(w.pending(), 0u);

  // The warning is once per episode.
  EXPECT_TRUE(w.Write("after\n"));
  EXPECT_EQ(DrainNow(), "after\n");
}

TEST_F(StdioWriterTest, HardErrorsAreReported) {
  close(fds_[0]);
  fds_[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);  // for TearDown
  StdioWriter w(fds_[1]);
  auto old = signal(SIGPIPE, SIG_IGN);  // as ringmasterd does
  EXPECT_FALSE(w.Write("x")) << "EPIPE";
  signal(SIGPIPE, old);
}

}  // namespace
}  // namespace ringmaster
