#include "daemon/socket_manager.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ringmaster {
namespace {

// gmock is not linked into unit_tests.
::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

SocketConfig Tcp(const std::string& name, int port = 0, const std::string& host = "127.0.0.1") {
  SocketConfig c;
  c.name = name;
  c.host = host;
  c.port = port;
  return c;
}

SocketConfig Unix(const std::string& name, const std::string& path) {
  SocketConfig c;
  c.name = name;
  c.family = SocketFamily::kUnix;
  c.path = path;
  return c;
}

int PortOf(const SocketManager& m, const std::string& name) {
  for (const auto& e : m.ListJson()) {
    if (e["name"] == name) return e["port"].get<int>();
  }
  return -1;
}

int OpenFdCount() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

// A blocking client connect; the kernel completes it from the listen queue.
bool ConnectTcp(int family, const char* host, int port) {
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage addr{};
  socklen_t len;
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    in->sin_family = AF_INET;
    in->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host, &in->sin_addr);
    len = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, host, &in6->sin6_addr);
    len = sizeof(sockaddr_in6);
  }
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0;
  close(fd);
  return ok;
}

bool ConnectUnix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strncpy(un.sun_path, path.c_str(), sizeof(un.sun_path) - 1);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&un), sizeof(un)) == 0;
  close(fd);
  return ok;
}

bool HasIpv6Loopback() {
  int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

class SocketManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rm_sock_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

TEST_F(SocketManagerTest, TcpPortZeroListensAboveMinFdAndInheritable) {
  SocketManager m;
  ASSERT_TRUE(m.BindAll({Tcp("web")}, 40).ok());
  int fd = m.Fds().at("web");
  EXPECT_GE(fd, 40);
  EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_NE(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);

  nlohmann::json list = m.ListJson();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["fd"], fd);
  EXPECT_EQ(list[0]["name"], "web");
  EXPECT_EQ(list[0]["backlog"], 2048);
  EXPECT_EQ(list[0]["host"], "127.0.0.1");
  int port = list[0]["port"].get<int>();
  EXPECT_GT(port, 0);
  EXPECT_FALSE(list[0].contains("path"));
  EXPECT_TRUE(ConnectTcp(AF_INET, "127.0.0.1", port));
  int accepted = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
  EXPECT_GE(accepted, 0);
  if (accepted >= 0) close(accepted);
}

TEST_F(SocketManagerTest, MinFdHasAFloor) {
  SocketManager m;
  ASSERT_TRUE(m.BindAll({Tcp("a")}, 0).ok());
  EXPECT_GE(m.Fds().at("a"), SocketManager::kMinFdFloor);
}

TEST_F(SocketManagerTest, BlockingLeavesTheSocketBlocking) {
  SocketConfig c = Tcp("a");
  c.blocking = true;
  SocketManager m;
  ASSERT_TRUE(m.BindAll({c}, 10).ok());
  EXPECT_EQ(fcntl(m.Fds().at("a"), F_GETFL) & O_NONBLOCK, 0);
}

TEST_F(SocketManagerTest, ListIsSortedByFd) {
  SocketManager m;
  // Names sort the other way round from the bind (and fd) order.
  ASSERT_TRUE(m.BindAll({Tcp("zeta"), Tcp("alpha")}, 10).ok());
  nlohmann::json list = m.ListJson();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "zeta");
  EXPECT_LT(list[0]["fd"].get<int>(), list[1]["fd"].get<int>());
}

TEST_F(SocketManagerTest, AddressInUseNamesTheSocketAndClosesEverything) {
  SocketManager first;
  ASSERT_TRUE(first.BindAll({Tcp("web")}, 10).ok());
  int port = PortOf(first, "web");

  const int before = OpenFdCount();
  SocketManager second;
  Status s = second.BindAll({Tcp("other"), Tcp("web2", port)}, 10);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot bind socket 'web2' (127.0.0.1:" + std::to_string(port) +
                             "): Address already in use");
  EXPECT_TRUE(second.Fds().empty());
  EXPECT_EQ(OpenFdCount(), before);  // 'other' was closed again
}

TEST_F(SocketManagerTest, ErrorCarriesTheConfigLocation) {
  SocketConfig c = Tcp("web", 0, "no-such-host.invalid");
  c.loc = {"watchers.ini", 12};
  SocketManager m;
  Status s = m.BindAll({c}, 10);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(),
                       "watchers.ini:12: cannot bind socket 'web' "
                       "(no-such-host.invalid:0): cannot resolve host"));
}

TEST_F(SocketManagerTest, UnixExistingFileIsAnErrorWithoutReplace) {
  const std::string path = dir_ + "/s.sock";
  std::ofstream(path) << "x";
  SocketManager m;
  Status s = m.BindAll({Unix("u", path)}, 10);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "cannot bind socket 'u' (" + path +
                                        "): the file already "
                                        "exists; remove it or set replace = true"));
  // replace never removes something that is not a socket.
  SocketConfig c = Unix("u", path);
  c.replace = true;
  s = m.BindAll({c}, 10);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "not a socket"));
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST_F(SocketManagerTest, UnixReplaceRemovesAStaleSocketFile) {
  const std::string path = dir_ + "/s.sock";
  {
    // A socket file left behind, as by a crashed daemon.
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    std::strncpy(un.sun_path, path.c_str(), sizeof(un.sun_path) - 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&un), sizeof(un)), 0);
    close(fd);
  }
  SocketConfig c = Unix("u", path);
  c.replace = true;
  SocketManager m;
  ASSERT_TRUE(m.BindAll({c}, 10).ok());
  EXPECT_TRUE(ConnectUnix(path));
  nlohmann::json list = m.ListJson();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["path"], path);
  EXPECT_FALSE(list[0].contains("host"));
  m.CloseAll();
  EXPECT_FALSE(std::filesystem::exists(path));  // removed on close
}

TEST_F(SocketManagerTest, UnixUmaskIsDecimalAndApplied) {
  SocketConfig strict = Unix("strict", dir_ + "/strict.sock");
  strict.umask = 63;                                      // 0o077
  SocketConfig dflt = Unix("dflt", dir_ + "/dflt.sock");  // 8 = 0o010
  const mode_t before = umask(022);
  SocketManager m;
  ASSERT_TRUE(m.BindAll({strict, dflt}, 10).ok());
  mode_t after = umask(before);
  EXPECT_EQ(after, 022u);  // restored
  struct stat st;
  ASSERT_EQ(stat(strict.path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(dflt.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0767u);
}

TEST_F(SocketManagerTest, CloseLeavesAFileThatReplacedOurs) {
  const std::string path = dir_ + "/s.sock";
  SocketManager m;
  ASSERT_TRUE(m.BindAll({Unix("u", path)}, 10).ok());
  ASSERT_EQ(unlink(path.c_str()), 0);
  std::ofstream(path) << "someone else's";
  m.CloseAll();
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST_F(SocketManagerTest, Ipv6Loopback) {
  if (!HasIpv6Loopback()) GTEST_SKIP() << "no IPv6 loopback on this machine";
  SocketConfig c = Tcp("v6", 0, "::1");
  c.family = SocketFamily::kInet6;
  SocketManager m;
  ASSERT_TRUE(m.BindAll({c}, 10).ok());
  nlohmann::json list = m.ListJson();
  EXPECT_EQ(list[0]["host"], "::1");
  int port = list[0]["port"].get<int>();
  EXPECT_GT(port, 0);
  EXPECT_TRUE(ConnectTcp(AF_INET6, "::1", port));
}

TEST_F(SocketManagerTest, DatagramSocketsDoNotListen) {
  SocketConfig c = Tcp("dg");
  c.type = SocketType::kDgram;
  SocketManager m;
  ASSERT_TRUE(m.BindAll({c}, 10).ok());
  int type = 0;
  socklen_t len = sizeof(type);
  ASSERT_EQ(getsockopt(m.Fds().at("dg"), SOL_SOCKET, SO_TYPE, &type, &len), 0);
  EXPECT_EQ(type, SOCK_DGRAM);
  EXPECT_GT(PortOf(m, "dg"), 0);
}

TEST_F(SocketManagerTest, ApplyDiffKeepsUnchangedAndInPlaceChangedFds) {
  SocketManager m;
  SocketConfig keep = Tcp("keep"), tune = Tcp("tune"), move = Tcp("move"), gone = Tcp("gone");
  ASSERT_TRUE(m.BindAll({keep, tune, move, gone}, 10).ok());
  const std::map<std::string, int> before = m.Fds();
  const int move_port = PortOf(m, "move");

  keep.loc = {"watchers.ini", 3};  // only the location moved: unchanged
  tune.backlog = 16;               // same address: updated in place, same fd
  tune.blocking = true;
  move.port = 0;
  move.host = "127.0.0.2";  // new address: a new socket
  nlohmann::json changes;
  Status s = m.ApplyDiff({keep, tune, move, Tcp("added")}, &changes);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(changes["added"], nlohmann::json::array({"added"}));
  EXPECT_EQ(changes["removed"], nlohmann::json::array({"gone"}));
  EXPECT_EQ(changes["rebound"], nlohmann::json::array({"move", "tune"}));

  std::map<std::string, int> after = m.Fds();
  EXPECT_EQ(after.size(), 4u);
  EXPECT_EQ(after["keep"], before.at("keep"));
  EXPECT_EQ(after["tune"], before.at("tune"));
  EXPECT_EQ(fcntl(after["tune"], F_GETFL) & O_NONBLOCK, 0);
  EXPECT_EQ(fcntl(before.at("gone"), F_GETFD), -1);  // closed (not reused: 'added' came first)
  EXPECT_FALSE(ConnectTcp(AF_INET, "127.0.0.1", move_port));  // the old one is closed
  for (const auto& e : m.ListJson()) {
    if (e["name"] == "move") {
      EXPECT_EQ(e["host"], "127.0.0.2");
    }
    if (e["name"] == "tune") {
      EXPECT_EQ(e["backlog"], 16);
    }
  }

  // Nothing changed: nothing reported.
  s = m.ApplyDiff({keep, tune, move, Tcp("added")}, &changes);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(changes["added"].empty() && changes["removed"].empty() && changes["rebound"].empty());
  EXPECT_EQ(m.Fds(), after);
}

TEST_F(SocketManagerTest, ApplyDiffFailureChangesNothing) {
  SocketManager busy;
  ASSERT_TRUE(busy.BindAll({Tcp("busy")}, 10).ok());
  const int busy_port = PortOf(busy, "busy");

  SocketManager m;
  SocketConfig keep = Tcp("keep"), gone = Tcp("gone");
  ASSERT_TRUE(m.BindAll({keep, gone}, 10).ok());
  const std::map<std::string, int> before = m.Fds();
  const nlohmann::json list_before = m.ListJson();
  const int open_before = OpenFdCount();

  nlohmann::json changes = "untouched";
  Status s = m.ApplyDiff({keep, Tcp("a_new"), Tcp("z_clash", busy_port)}, &changes);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Contains(s.message(), "cannot bind socket 'z_clash'"));
  EXPECT_TRUE(Contains(s.message(), "Address already in use"));
  EXPECT_EQ(changes, "untouched");
  EXPECT_EQ(m.Fds(), before);  // 'gone' is still there, 'a_new' was closed again
  EXPECT_EQ(m.ListJson(), list_before);
  EXPECT_EQ(OpenFdCount(), open_before);
}

TEST_F(SocketManagerTest, ApplyDiffRaisesMinFdForNewSockets) {
  SocketManager m;
  ASSERT_TRUE(m.BindAll({Tcp("a")}, 10).ok());
  nlohmann::json changes;
  ASSERT_TRUE(m.ApplyDiff({Tcp("a"), Tcp("b")}, &changes, 60).ok());
  EXPECT_GE(m.Fds().at("b"), 60);
  EXPECT_EQ(m.NameAtFd(m.Fds().at("a")), "a");
  EXPECT_EQ(m.NameAtFd(9999), std::nullopt);
}

}  // namespace
}  // namespace ringmaster
