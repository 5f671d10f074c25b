// [circus] (docs/config.md §5, §10.4), through LoadConfig.
#include "core/config_circus.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "tests/support/fake_config_env.h"

namespace ringmaster {
namespace {

using Lines = std::vector<std::string>;

LoadResult Circus(FakeConfigEnv& env, const std::string& keys) {
  return LoadText(env, "[circus]\n" + keys);
}

TEST(ConfigCircusTest, Defaults) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[circus]\n");
  ASSERT_TRUE(r.config);
  const CircusConfig& c = r.config->circus;
  EXPECT_EQ(c.endpoint, "");
  EXPECT_EQ(c.pubsub_endpoint, "");
  EXPECT_EQ(c.stats_endpoint, "");
  EXPECT_EQ(c.check_delay, 5.0);
  EXPECT_EQ(c.max_numprocesses, 10000);
  EXPECT_EQ(c.warmup_delay, 0);
  EXPECT_FALSE(c.umask);
  EXPECT_EQ(c.pidfile, "");
  EXPECT_EQ(c.loglevel, LogLevel::kInfo);
  EXPECT_EQ(c.logoutput, "-");
  EXPECT_FALSE(c.httpd);
  EXPECT_EQ(c.httpd_host, "localhost");
  EXPECT_EQ(c.httpd_port, 8080);
  EXPECT_EQ(c.http_token, "");
  EXPECT_EQ(c.http_token_file, "");
  EXPECT_FALSE(c.statsd);
  EXPECT_EQ(c.multicast_endpoint, "");
  EXPECT_EQ(c.endpoint_owner, "");
}

TEST(ConfigCircusTest, EveryKey) {
  FakeConfigEnv env;
  LoadResult r = Circus(env,
                        "endpoint = tcp://127.0.0.1:5555\n"
                        "pubsub_endpoint = ipc:///run/rm/events.sock\n"
                        "check_delay = 0.5\n"
                        "warmup_delay = 1.5\n"
                        "umask = 0o027\n"
                        "pidfile = /run/rm.pid\n"
                        "loglevel = DEBUG\n"
                        "logoutput = /var/log/rm.log\n"
                        "httpd = yes\n"
                        "httpd_host = 127.0.0.1\n"
                        "httpd_port = 0\n"
                        "http_token = abc\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << Dump(r.warnings);
  const CircusConfig& c = r.config->circus;
  EXPECT_EQ(c.endpoint, "tcp://127.0.0.1:5555");
  EXPECT_EQ(c.pubsub_endpoint, "ipc:///run/rm/events.sock");
  EXPECT_EQ(c.check_delay, 0.5);
  EXPECT_EQ(c.warmup_delay, 1.5);
  EXPECT_EQ(c.umask, 027);
  EXPECT_EQ(c.pidfile, "/run/rm.pid");
  EXPECT_EQ(c.loglevel, LogLevel::kDebug);
  EXPECT_EQ(c.logoutput, "/var/log/rm.log");
  EXPECT_TRUE(c.httpd);
  EXPECT_EQ(c.httpd_host, "127.0.0.1");
  EXPECT_EQ(c.httpd_port, 0);
  EXPECT_EQ(c.http_token, "abc");
}

TEST(ConfigCircusTest, ConversionErrors) {
  FakeConfigEnv env;
  LoadResult r = Circus(env,
                        "endpoint = udp://x:1\n"
                        "check_delay = never\n"
                        "warmup_delay = soon\n"
                        "umask = 999\n"
                        "loglevel = loud\n"
                        "httpd = maybe\n"
                        "httpd_port = 65536\n"
                        "pubsub_endpoint = tcp://x\n");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(Formatted(r.errors),
            (Lines{
                "/etc/rm/main.ini:2: [circus] endpoint: 'udp://x:1': unknown endpoint scheme (use "
                "tcp://HOST:PORT or ipc://PATH)",
                "/etc/rm/main.ini:3: [circus] check_delay: 'never' is not a duration in seconds",
                "/etc/rm/main.ini:4: [circus] warmup_delay: 'soon' is not a duration in seconds",
                "/etc/rm/main.ini:5: [circus] umask: '999' is not an octal number",
                "/etc/rm/main.ini:6: [circus] loglevel: unknown loglevel 'loud' (use critical, "
                "error, warning, info or debug)",
                "/etc/rm/main.ini:7: [circus] httpd: 'maybe' is not a boolean (use true or false)",
                "/etc/rm/main.ini:8: [circus] httpd_port: must be between 0 and 65535, not 65536",
                "/etc/rm/main.ini:9: [circus] pubsub_endpoint: 'tcp://x' has no HOST:PORT",
            }));
}

TEST(ConfigCircusTest, UnknownKeysWarn) {
  FakeConfigEnv env;
  LoadResult r = Circus(env, "chek_delay = 1\nfrobnicate = 1\nCheck_Delay = 2\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->circus.check_delay, 5.0);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:2: [circus] chek_delay: unknown key; ignored (did you mean "
                   "'check_delay'?)",
                   "/etc/rm/main.ini:3: [circus] frobnicate: unknown key; ignored",
                   "/etc/rm/main.ini:4: [circus] Check_Delay: unknown key; ignored (did you mean "
                   "'check_delay'?)"}));
}

TEST(ConfigCircusTest, LaterKeysAreValidatedAndWarn) {
  FakeConfigEnv env;
  LoadResult r = Circus(env,
                        "statsd = true\n"
                        "endpoint_owner = app\n"
                        "multicast_endpoint = udp://237.219.251.97:12027\n"
                        "logoutput = syslog://localhost\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_TRUE(r.config->circus.statsd);
  EXPECT_EQ(r.config->circus.endpoint_owner, "app");
  EXPECT_EQ(r.config->circus.multicast_endpoint, "udp://237.219.251.97:12027");
  EXPECT_EQ(
      Formatted(r.warnings),
      (Lines{"/etc/rm/main.ini:3: [circus] endpoint_owner: endpoint_owner is accepted but "
             "not implemented yet",
             "/etc/rm/main.ini:4: [circus] multicast_endpoint: multicast_endpoint is "
             "accepted but not implemented yet",
             "/etc/rm/main.ini:5: [circus] logoutput: logoutput syslog:// is accepted but "
             "not implemented yet"}));
}

// Circus's loader takes check_delay = -1 or 0 (its test configs use -1):
// accepted, with one warning each, as a 1 s tick.
TEST(ConfigCircusTest, CheckDelayZeroOrNegativeIsAOneSecondTick) {
  for (const char* value : {"-1", "0"}) {
    FakeConfigEnv env;
    LoadResult r = Circus(env, std::string("check_delay = ") + value + "\n");
    ASSERT_TRUE(r.config) << Dump(r.errors);
    EXPECT_EQ(r.config->circus.check_delay, 1.0);
    EXPECT_EQ(Formatted(r.warnings),
              (Lines{std::string("/etc/rm/main.ini:2: [circus] check_delay: '") + value +
                     "' is not a period; the housekeeping tick runs every 1 s"}));
  }
}

// `multicast_endpoint =` (empty) is how Circus turns discovery off: no warning.
TEST(ConfigCircusTest, EmptyMulticastEndpointIsOffWithoutAWarning) {
  FakeConfigEnv env;
  LoadResult r = Circus(env, "multicast_endpoint =\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->circus.multicast_endpoint, "");
  EXPECT_TRUE(r.warnings.empty()) << Dump(r.warnings);
}

TEST(ConfigCircusTest, LaterKeyErrors) {
  FakeConfigEnv env;
  LoadResult r =
      Circus(env, "statsd = 2\nendpoint_owner = nobody\nmulticast_endpoint = tcp://a:1\n");
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:2: [circus] statsd: '2' is not a boolean (use true or false)",
                   "/etc/rm/main.ini:3: [circus] endpoint_owner: unknown user 'nobody'",
                   "/etc/rm/main.ini:4: [circus] multicast_endpoint: 'tcp://a:1': unknown endpoint "
                   "scheme (use udp://GROUP:PORT)"}));
}

TEST(ConfigCircusTest, StatsEndpointTurnsStatsdOn) {
  FakeConfigEnv env;
  LoadResult r = Circus(env, "stats_endpoint = ipc:///tmp/s.sock\n");
  ASSERT_TRUE(r.config);
  EXPECT_TRUE(r.config->circus.statsd);
  EXPECT_EQ(r.config->circus.stats_endpoint, "ipc:///tmp/s.sock");
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:2: [circus] stats_endpoint: stats_endpoint is set, so statsd "
                   "is turned on"}));
}

TEST(ConfigCircusTest, IgnoredKeysWarn) {
  FakeConfigEnv env;
  LoadResult r = Circus(env,
                        "loggerconfig = /etc/log.ini\ndebug = true\ndebug_gc = 1\nfqdn_prefix = x\n"
                        "statsd_close_outputs = 1\nhttpd_close_outputs = 1\nstream_backend = x\n"
                        "ssh_server = x\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:2: [circus] loggerconfig: loggerconfig is a Python logging "
                   "config; ignored",
                   "/etc/rm/main.ini:3: [circus] debug: debug has no effect in ringmaster; ignored",
                   "/etc/rm/main.ini:4: [circus] debug_gc: debug_gc has no effect in ringmaster; "
                   "ignored",
                   "/etc/rm/main.ini:5: [circus] fqdn_prefix: fqdn_prefix has no effect in "
                   "ringmaster; ignored",
                   "/etc/rm/main.ini:6: [circus] statsd_close_outputs: statsd_close_outputs is "
                   "documented by Circus but never read by it; ignored",
                   "/etc/rm/main.ini:7: [circus] httpd_close_outputs: httpd_close_outputs is "
                   "documented by Circus but never read by it; ignored",
                   "/etc/rm/main.ini:8: [circus] stream_backend: stream_backend is documented by "
                   "Circus but never read by it; ignored",
                   "/etc/rm/main.ini:9: [circus] ssh_server: ssh_server is documented by Circus "
                   "but never read by it; ignored"}));
}

TEST(ConfigCircusTest, DebugMustStillBeABool) {
  FakeConfigEnv env;
  EXPECT_EQ(Formatted(Circus(env, "debug = loud\n").errors),
            (Lines{"/etc/rm/main.ini:2: [circus] debug: 'loud' is not a boolean (use true or "
                   "false)"}));
}

TEST(ConfigCircusTest, TokenAndTokenFileTogether) {
  FakeConfigEnv env;
  env.files["/etc/rm/token"] = "x";
  LoadResult r = Circus(env, "http_token = a\nhttp_token_file = /etc/rm/token\n");
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:3: [circus] http_token_file: http_token and http_token_file "
                   "are both set; use one"}));
}

TEST(ConfigCircusTest, TokenFile) {
  FakeConfigEnv env;
  env.cwd = "/srv";
  env.files["/srv/tok"] = "  s3cret\t\n\n";
  LoadResult r = Circus(env, "http_token_file = tok\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->circus.http_token, "  s3cret");
  EXPECT_EQ(r.config->circus.http_token_file, "tok");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ConfigCircusTest, BadTokenFiles) {
  FakeConfigEnv env;
  env.files["/empty"] = " \n\n";
  env.unreadable["/secret"] = EACCES;
  LoadResult missing = Circus(env, "http_token_file = /nope\n");
  EXPECT_EQ(Formatted(missing.errors),
            (Lines{"/etc/rm/main.ini:2: [circus] http_token_file: '/nope': cannot read: No such "
                   "file or directory"}));
  EXPECT_EQ(Formatted(Circus(env, "http_token_file = /empty\n").errors),
            (Lines{"/etc/rm/main.ini:2: [circus] http_token_file: '/empty' is empty"}));
  EXPECT_EQ(Formatted(Circus(env, "http_token_file = /secret\n").errors),
            (Lines{"/etc/rm/main.ini:2: [circus] http_token_file: '/secret': cannot read: "
                   "Permission denied"}));
  EXPECT_EQ(Formatted(Circus(env, "http_token = \n").errors),
            (Lines{"/etc/rm/main.ini:2: [circus] http_token: the token is empty; remove the key "
                   "to serve HTTP without a token"}));
}

TEST(ConfigCircusTest, ReadableTokenFileWarns) {
  FakeConfigEnv env;
  env.files["/tok"] = "t";
  env.group_readable.insert("/tok");
  LoadResult r = Circus(env, "http_token_file = /tok\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:2: [circus] http_token_file: '/tok' is readable by group or "
                   "others; chmod 600 it"}));
}

TEST(ConfigCircusTest, HttpdExposure) {
  FakeConfigEnv env;
  LoadResult open = Circus(env, "httpd = true\nhttpd_host = 0.0.0.0\n");
  EXPECT_EQ(Formatted(open.errors),
            (Lines{"/etc/rm/main.ini:3: [circus] httpd_host: '0.0.0.0' is not a loopback address "
                   "and no http_token or http_token_file is set; set a token or bind to "
                   "127.0.0.1"}));
  LoadResult off = Circus(env, "httpd = false\nhttpd_host = 0.0.0.0\n");
  EXPECT_TRUE(off.config);
  LoadResult loopback = Circus(env, "httpd = true\nhttpd_host = ::1\n");
  EXPECT_TRUE(loopback.config);
  EXPECT_TRUE(loopback.warnings.empty());
  LoadResult token = Circus(env, "httpd = true\nhttpd_host = 10.1.2.3\nhttp_token = t\n");
  ASSERT_TRUE(token.config);
  EXPECT_EQ(Formatted(token.warnings),
            (Lines{"/etc/rm/main.ini:3: [circus] httpd_host: the HTTP token travels in clear text "
                   "on non-loopback address '10.1.2.3'"}));
}

TEST(ConfigCircusTest, IncludeKeysAreNotParsedAgain) {
  FakeConfigEnv env;
  env.files["/etc/rm/x.ini"] = "";
  LoadResult r = Circus(env, "include = x.ini\n");
  ASSERT_TRUE(r.config);
  EXPECT_TRUE(r.warnings.empty()) << Dump(r.warnings);
}

TEST(ConfigCircusTest, MaxNumprocesses) {
  FakeConfigEnv env;
  LoadResult r = Circus(env, "max_numprocesses = 50\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->circus.max_numprocesses, 50);
  EXPECT_TRUE(r.warnings.empty()) << Dump(r.warnings);
  for (const char* bad : {"0", "-1", "many", "1.5", "99999999999999999999"}) {
    LoadResult e = Circus(env, std::string("max_numprocesses = ") + bad + "\n");
    EXPECT_FALSE(e.config) << bad;
    ASSERT_EQ(e.errors.size(), 1u) << bad;
    EXPECT_EQ(e.errors[0].line, 2) << bad;
    EXPECT_EQ(e.errors[0].key, "max_numprocesses") << bad;
  }
}

}  // namespace
}  // namespace ringmaster
