// [socket:NAME] (docs/config.md §7), through LoadConfig.
#include "core/config_sockets.h"

#include <gtest/gtest.h>

#include "tests/support/fake_config_env.h"

namespace ringmaster {
namespace {

using Lines = std::vector<std::string>;

TEST(ConfigSocketsTest, Defaults) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[socket:Web]\nhost = localhost\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  ASSERT_EQ(r.config->sockets.size(), 1u);
  const SocketConfig& s = r.config->sockets[0];
  EXPECT_EQ(s.name, "web");
  EXPECT_EQ(s.loc, (SourceLoc{"/etc/rm/main.ini", 1}));
  EXPECT_EQ(s.host, "localhost");
  EXPECT_EQ(s.port, 8080);
  EXPECT_EQ(s.family, SocketFamily::kInet);
  EXPECT_EQ(s.type, SocketType::kStream);
  EXPECT_EQ(s.backlog, 2048);
  EXPECT_EQ(s.path, "");
  EXPECT_EQ(s.umask, 8);
  EXPECT_FALSE(s.replace);
  EXPECT_FALSE(s.blocking);
  EXPECT_FALSE(s.so_reuseport);
  EXPECT_EQ(s.interface, "");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ConfigSocketsTest, EveryKey) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[socket:a]\nhost = ::1\nport = 0\nfamily = AF_INET6\ntype = SOCK_DGRAM\n"
                          "backlog = 5\numask = 18\nreplace = yes\nblocking = on\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  const SocketConfig& s = r.config->sockets[0];
  EXPECT_EQ(s.host, "::1");
  EXPECT_EQ(s.port, 0);
  EXPECT_EQ(s.family, SocketFamily::kInet6);
  EXPECT_EQ(s.type, SocketType::kDgram);
  EXPECT_EQ(s.backlog, 5);
  EXPECT_EQ(s.umask, 18);  // decimal, as Circus reads it
  EXPECT_TRUE(s.replace);
  EXPECT_TRUE(s.blocking);
  EXPECT_TRUE(r.warnings.empty()) << Dump(r.warnings);
}

TEST(ConfigSocketsTest, PathForcesUnix) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[socket:u]\npath = /run/u.sock\nfamily = AF_INET\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->sockets[0].family, SocketFamily::kUnix);
  EXPECT_EQ(r.config->sockets[0].path, "/run/u.sock");
}

TEST(ConfigSocketsTest, Errors) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[socket:a]\nport = -1\nfamily = AF_IPX\ntype = SOCK_BOGUS\n"
                          "backlog = -2\numask = x\nreplace = 2\nblocking = z\n"
                          "[socket:u]\nfamily = AF_UNIX\n[socket:]\nport = 1\n"
                          "[socket:p]\nproto =\nso_reuseport = maybe\n");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(
      Formatted(r.errors),
      (Lines{"/etc/rm/main.ini:2: [socket:a] port: must be between 0 and 65535, not -1",
             "/etc/rm/main.ini:3: [socket:a] family: unknown socket family 'AF_IPX' (use AF_INET, "
             "AF_INET6 or AF_UNIX)",
             "/etc/rm/main.ini:4: [socket:a] type: unknown socket type 'SOCK_BOGUS' (use "
             "SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW or SOCK_RDM)",
             "/etc/rm/main.ini:5: [socket:a] backlog: must be at least 0, not -2",
             "/etc/rm/main.ini:6: [socket:a] umask: 'x' is not an integer",
             "/etc/rm/main.ini:7: [socket:a] replace: '2' is not a boolean (use true or false)",
             "/etc/rm/main.ini:8: [socket:a] blocking: 'z' is not a boolean (use true or false)",
             "/etc/rm/main.ini:10: [socket:u] family: AF_UNIX needs a path",
             "/etc/rm/main.ini:11: [socket:]: the socket name is empty",
             "/etc/rm/main.ini:14: [socket:p] proto: the protocol name is empty",
             "/etc/rm/main.ini:15: [socket:p] so_reuseport: 'maybe' is not a boolean (use true or "
             "false)"}));
}

TEST(ConfigSocketsTest, LaterKeysWarnOncePerFile) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[socket:a]\nproto = tcp\nso_reuseport = true\ninterface = eth0\n"
                          "type = SOCK_SEQPACKET\n[socket:b]\nso_reuseport = false\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_TRUE(r.config->sockets[0].so_reuseport);
  EXPECT_EQ(r.config->sockets[0].interface, "eth0");
  EXPECT_EQ(r.config->sockets[0].type, SocketType::kSeqpacket);
  EXPECT_EQ(
      Formatted(r.warnings),
      (Lines{"/etc/rm/main.ini:2: [socket:a] proto: proto is accepted but not implemented yet",
             "/etc/rm/main.ini:3: [socket:a] so_reuseport: so_reuseport is accepted but not "
             "implemented yet",
             "/etc/rm/main.ini:4: [socket:a] interface: interface is accepted but not "
             "implemented yet",
             "/etc/rm/main.ini:5: [socket:a] type: type SOCK_SEQPACKET is accepted but not "
             "implemented yet"}));
}

TEST(ConfigSocketsTest, UnknownKeysWarn) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[socket:a]\nbacklg = 1\nfoo = 2\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:2: [socket:a] backlg: unknown key; ignored (did you mean "
                   "'backlog'?)",
                   "/etc/rm/main.ini:3: [socket:a] foo: unknown key; ignored"}));
}

}  // namespace
}  // namespace ringmaster
