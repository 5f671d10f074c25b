#include "daemon/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

TEST(SdNotify, WatchdogUsecForThisPidOnly) {
  EXPECT_EQ(ParseWatchdogUsec("200000", nullptr, 42), 200000u);
  EXPECT_EQ(ParseWatchdogUsec("200000", "42", 42), 200000u);
  EXPECT_EQ(ParseWatchdogUsec("200000", "43", 42), std::nullopt);
  EXPECT_EQ(ParseWatchdogUsec("200000", "x", 42), std::nullopt);
  EXPECT_EQ(ParseWatchdogUsec(nullptr, "42", 42), std::nullopt);
  for (const char* bad : {"", "0", "-1", "1e6", "12 ", "abc"}) {
    EXPECT_EQ(ParseWatchdogUsec(bad, nullptr, 42), std::nullopt) << bad;
  }
}

TEST(SdNotify, PathAndAbstractAddresses) {
  auto path = ParseNotifyAddress("/run/systemd/notify");
  ASSERT_TRUE(path.ok());
  EXPECT_STREQ(path.value().addr.sun_path, "/run/systemd/notify");
  EXPECT_EQ(path.value().len, offsetof(sockaddr_un, sun_path) + 20);

  auto abstract = ParseNotifyAddress("@sd/notify");
  ASSERT_TRUE(abstract.ok());
  EXPECT_EQ(abstract.value().addr.sun_path[0], '\0');
  EXPECT_EQ(std::string(abstract.value().addr.sun_path + 1, 9), "sd/notify");
  EXPECT_EQ(abstract.value().len, offsetof(sockaddr_un, sun_path) + 10);

  for (const char* bad : {"", "@", "/", "relative/path", "vsock:2:1234"}) {
    auto r = ParseNotifyAddress(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_TRUE(ParseNotifyAddress("/" + std::string(106, 'x')).ok());
  EXPECT_FALSE(ParseNotifyAddress("/" + std::string(107, 'x')).ok());
  EXPECT_TRUE(ParseNotifyAddress("@" + std::string(107, 'x')).ok());
  EXPECT_FALSE(ParseNotifyAddress("@" + std::string(108, 'x')).ok());
}

TEST(SdNotify, TakeRemovesTheVariables) {
  setenv("NOTIFY_SOCKET", "@x", 1);
  setenv("WATCHDOG_USEC", "5000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  ServiceManagerEnv env = TakeServiceManagerEnv();
  EXPECT_EQ(env.notify_socket, "@x");
  EXPECT_EQ(env.watchdog_usec, 5000u);
  EXPECT_EQ(getenv("NOTIFY_SOCKET"), nullptr);
  EXPECT_EQ(getenv("WATCHDOG_USEC"), nullptr);
  EXPECT_EQ(getenv("WATCHDOG_PID"), nullptr);
}

// A datagram per message, to an abstract socket bound here.
TEST(SdNotify, SendsDatagramsAndPingsTheWatchdog) {
  const std::string name = "ringmaster-sd-notify-test/" + std::to_string(getpid());
  int rx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(rx, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path + 1, name.data(), name.size());
  ASSERT_EQ(bind(rx, reinterpret_cast<sockaddr*>(&sa),
                 static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())),
            0);
  auto recv_one = [rx] {
    char buf[512];
    ssize_t n = recv(rx, buf, sizeof buf, 0);
    return n < 0 ? std::string("<error>") : std::string(buf, static_cast<size_t>(n));
  };
  EventLoop loop;
  ServiceNotifier n(loop, {.notify_socket = "@" + name, .watchdog_usec = 20000});
  ASSERT_TRUE(n.enabled());
  n.set_status([] { return "1 watchers, 2 processes"; });
  n.Ready();
  EXPECT_EQ(recv_one(), "READY=1\nMAINPID=" + std::to_string(getpid()) +
                            "\nSTATUS=1 watchers, 2 processes");
  n.Reloading();
  std::string reloading = recv_one();
  EXPECT_EQ(reloading.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << reloading;
  n.Stopping();
  EXPECT_EQ(recv_one(), "STOPPING=1\nSTATUS=stopping");
  // Pings every 10 ms: wait for two (or give up after 5 s on a busy machine).
  int pings = 0;
  const double give_up = loop.MonotonicNow() + 5;
  std::unique_ptr<Timer> check;
  check = std::make_unique<Timer>(loop, [&] {
    char buf[64];
    ssize_t got;
    while ((got = recv(rx, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
      EXPECT_EQ(std::string(buf, static_cast<size_t>(got)), "WATCHDOG=1");
      ++pings;
    }
    if (pings >= 2 || loop.MonotonicNow() > give_up) {
      loop.Break();
    } else {
      check->Start(0.005);
    }
  });
  check->Start(0.005);
  loop.Run();
  EXPECT_GE(pings, 2);
  close(rx);
}

TEST(SdNotify, WithoutNotifySocketNothingIsSent) {
  EventLoop loop;
  ServiceNotifier n(loop, {});
  EXPECT_FALSE(n.enabled());
  n.Ready();  // no socket: a no-op, no crash
  n.Stopping();
}

TEST(SdNotify, ExportForExecPutsTheVariablesBack) {
  EventLoop loop;
  ServiceNotifier n(loop, {.notify_socket = "@nowhere", .watchdog_usec = 1000000});
  n.ExportForExec();
  EXPECT_STREQ(getenv("NOTIFY_SOCKET"), "@nowhere");
  EXPECT_STREQ(getenv("WATCHDOG_USEC"), "1000000");
  EXPECT_STREQ(getenv("WATCHDOG_PID"), std::to_string(getpid()).c_str());
  n.UnexportAfterFailedExec();
  EXPECT_EQ(getenv("NOTIFY_SOCKET"), nullptr);
  EXPECT_EQ(getenv("WATCHDOG_USEC"), nullptr);
  EXPECT_EQ(getenv("WATCHDOG_PID"), nullptr);
}

}  // namespace
}  // namespace ringmaster
