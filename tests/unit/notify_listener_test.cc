#include "daemon/notify_listener.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include <event2/event.h>
#include <gtest/gtest.h>

namespace ringmaster {
namespace {

TEST(NotifyListener, ParsesKeyValueLines) {
  auto kv = NotifyListener::Parse("READY=1\nSTATUS=processed 3 files\nbogus\n=x\nEMPTY=");
  EXPECT_EQ(kv.size(), 3u);
  EXPECT_EQ(kv["READY"], "1");
  EXPECT_EQ(kv["STATUS"], "processed 3 files");
  EXPECT_EQ(kv["EMPTY"], "");
}

TEST(NotifyListener, AttributesDatagramsToTheSenderPid) {
  EventLoop loop;
  pid_t got_pid = 0;
  std::map<std::string, std::string> got;
  NotifyListener listener(loop, [&](pid_t pid, const std::map<std::string, std::string>& kv) {
    got_pid = pid;
    got = kv;
    loop.Break();
  });
  ASSERT_TRUE(listener.Bind().ok());
  EXPECT_EQ(listener.address(), "@ringmasterd/" + std::to_string(getpid()) + "/notify");
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const std::string& a = listener.address();
  memcpy(sa.sun_path + 1, a.data() + 1, a.size() - 1);
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + a.size());
  std::string msg = "READY=1\nSTATUS=up";
  ASSERT_EQ(sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&sa), len),
            static_cast<ssize_t>(msg.size()));
  close(fd);
  Timer guard(loop, [&] { loop.Break(); });
  guard.Start(5);
  loop.Run();
  EXPECT_EQ(got_pid, getpid());
  EXPECT_EQ(got["STATUS"], "up");
}

}  // namespace
}  // namespace ringmaster
