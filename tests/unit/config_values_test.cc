#include "core/config_values.h"

#include <gtest/gtest.h>

#include <csignal>

namespace ringmaster {
namespace {

TEST(ConfigValuesTest, TrimAndWords) {
  EXPECT_EQ(Trim("  a b \t\n"), "a b");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(SplitWords("  a  b\n c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ToLower("AbC"), "abc");
  EXPECT_TRUE(EqualsIgnoreCase("Web", "wEB"));
  EXPECT_FALSE(EqualsIgnoreCase("web", "webs"));
}

TEST(ConfigValuesTest, Bool) {
  for (const char* t : {"true", "YES", "On", "1", " true "}) EXPECT_TRUE(ParseBool(t).value()) << t;
  for (const char* t : {"false", "No", "OFF", "0"}) EXPECT_FALSE(ParseBool(t).value()) << t;
  EXPECT_EQ(ParseBool("maybe").error(), "'maybe' is not a boolean (use true or false)");
  EXPECT_FALSE(ParseBool("").ok());
  EXPECT_FALSE(ParseBool("2").ok());
}

TEST(ConfigValuesTest, Int) {
  EXPECT_EQ(ParseInt("42").value(), 42);
  EXPECT_EQ(ParseInt("-7").value(), -7);
  EXPECT_EQ(ParseInt("+7").value(), 7);
  EXPECT_EQ(ParseInt("-9223372036854775808").value(), INT64_MIN);
  EXPECT_EQ(ParseInt("three").error(), "'three' is not an integer");
  EXPECT_EQ(ParseInt("1_000").error(), "'1_000' is not an integer");
  EXPECT_FALSE(ParseInt("1.5").ok());
  EXPECT_FALSE(ParseInt("").ok());
  EXPECT_FALSE(ParseInt("-").ok());
  EXPECT_EQ(ParseInt("99999999999999999999").error(), "'99999999999999999999' is out of range");
}

TEST(ConfigValuesTest, IntRanges) {
  EXPECT_EQ(ParseInt("-1", 0).error(), "must be at least 0, not -1");
  EXPECT_EQ(ParseInt("70000", 0, 65535).error(), "must be between 0 and 65535, not 70000");
  EXPECT_EQ(ParseInt("5", INT64_MIN, 3).error(), "must be at most 3, not 5");
  EXPECT_EQ(ParseInt("65535", 0, 65535).value(), 65535);
}

TEST(ConfigValuesTest, Number) {
  EXPECT_DOUBLE_EQ(ParseNumber("0.5").value(), 0.5);
  EXPECT_DOUBLE_EQ(ParseNumber("2").value(), 2);
  EXPECT_DOUBLE_EQ(ParseNumber("1e3").value(), 1000);
  EXPECT_DOUBLE_EQ(ParseNumber(".5").value(), 0.5);
  EXPECT_DOUBLE_EQ(ParseNumber("5.").value(), 5);
  EXPECT_DOUBLE_EQ(ParseNumber("-1.5E-1").value(), -0.15);
  for (const char* t : {"inf", "nan", "0x10", "1e", "", ".", "1_0", "abc", "1 2"}) {
    EXPECT_FALSE(ParseNumber(t).ok()) << t;
  }
  EXPECT_EQ(ParseNumber("abc").error(), "'abc' is not a number");
  EXPECT_EQ(ParseNumber("1e999").error(), "'1e999' is out of range");
}

TEST(ConfigValuesTest, NumberBounds) {
  EXPECT_EQ(ParseNumber("0.5", Bounds{1.0}).error(), "must be at least 1, not 0.5");
  EXPECT_EQ(ParseNumber("2", Bounds{0.0, 1.0}).error(), "must be between 0 and 1, not 2");
  EXPECT_TRUE(ParseNumber("1", Bounds{0.0, 1.0}).ok());
}

TEST(ConfigValuesTest, Duration) {
  EXPECT_DOUBLE_EQ(ParseDuration("30").value(), 30);
  EXPECT_DOUBLE_EQ(ParseDuration("0.25").value(), 0.25);
  EXPECT_EQ(ParseDuration("5s").error(), "'5s' is not a duration in seconds");
  EXPECT_EQ(ParseDuration("-1").error(), "must be at least 0, not -1");
  EXPECT_EQ(ParseDuration("0", kPositive).error(), "must be greater than 0, not 0");
  EXPECT_TRUE(ParseDuration("0").ok());
}

TEST(ConfigValuesTest, Octal) {
  EXPECT_EQ(ParseOctal("022").value(), 022);
  EXPECT_EQ(ParseOctal("0o022").value(), 022);
  EXPECT_EQ(ParseOctal("0O777").value(), 0777);
  EXPECT_EQ(ParseOctal("0").value(), 0);
  EXPECT_EQ(ParseOctal("8").error(), "'8' is not an octal number");
  EXPECT_FALSE(ParseOctal("0o").ok());
  EXPECT_FALSE(ParseOctal("-1").ok());
  EXPECT_EQ(ParseOctal("1000").error(), "must be at most 0777, not 1000");
}

TEST(ConfigValuesTest, Signal) {
  EXPECT_EQ(ParseSignal("TERM").value(), SIGTERM);
  EXPECT_EQ(ParseSignal("sigterm").value(), SIGTERM);
  EXPECT_EQ(ParseSignal("SIGKILL").value(), SIGKILL);
  EXPECT_EQ(ParseSignal("15").value(), 15);
  EXPECT_EQ(ParseSignal("hup").value(), SIGHUP);
  EXPECT_EQ(ParseSignal("RTMIN+1").value(), SIGRTMIN + 1);
  EXPECT_EQ(ParseSignal("SIGRTMAX").value(), SIGRTMAX);
  EXPECT_EQ(ParseSignal("USR1+1").value(), SIGUSR1 + 1);
  EXPECT_EQ(ParseSignal("FOO").error(), "'FOO' is not a signal");
  for (const char* t : {"0", "65", "", "RTMAX+1", "TERM+", "TERM+x", "-1", "SIG"}) {
    EXPECT_FALSE(ParseSignal(t).ok()) << t;
  }
}

TEST(ConfigValuesTest, Size) {
  EXPECT_EQ(ParseSize("1048576").value(), 1048576);
  EXPECT_EQ(ParseSize("512M").value(), 512LL << 20);
  EXPECT_EQ(ParseSize("1GiB").value(), 1LL << 30);
  EXPECT_EQ(ParseSize("2kb").value(), 2048);
  EXPECT_EQ(ParseSize("3 T").value(), 3LL << 40);
  EXPECT_EQ(ParseSize("10B").value(), 10);
  EXPECT_EQ(ParseSize("0").value(), 0);
  for (const char* t : {"", "M", "1.5G", "1X", "1iB", "-1", "1 GB x"}) {
    EXPECT_FALSE(ParseSize(t).ok()) << t;
  }
  EXPECT_EQ(ParseSize("12Q").error(), "'12Q' is not a size (use bytes, or K, M, G, T)");
  EXPECT_EQ(ParseSize("9000000T").error(), "'9000000T' is out of range");
}

TEST(ConfigValuesTest, Endpoint) {
  EXPECT_EQ(ParseEndpoint("tcp://127.0.0.1:5555").value(), "tcp://127.0.0.1:5555");
  EXPECT_TRUE(ParseEndpoint("tcp://*:5555").ok());
  EXPECT_TRUE(ParseEndpoint("tcp://[::1]:5555").ok());
  EXPECT_TRUE(ParseEndpoint("tcp://host:*").ok());
  EXPECT_TRUE(ParseEndpoint("ipc:///run/x.sock").ok());
  EXPECT_EQ(ParseEndpoint("udp://1.2.3.4:5").error(),
            "'udp://1.2.3.4:5': unknown endpoint scheme (use tcp://HOST:PORT or ipc://PATH)");
  EXPECT_EQ(ParseEndpoint("tcp://host").error(), "'tcp://host' has no HOST:PORT");
  EXPECT_EQ(ParseEndpoint("tcp://host:99999").error(),
            "'tcp://host:99999': the port must be a number between 0 and 65535");
  EXPECT_FALSE(ParseEndpoint("ipc://").ok());
  EXPECT_FALSE(ParseEndpoint("tcp://:5").ok());
}

TEST(ConfigValuesTest, MulticastEndpoint) {
  EXPECT_EQ(ParseMulticastEndpoint("").value(), "");
  EXPECT_TRUE(ParseMulticastEndpoint("udp://237.219.251.97:12027").ok());
  EXPECT_FALSE(ParseMulticastEndpoint("tcp://1.2.3.4:5").ok());
  EXPECT_FALSE(ParseMulticastEndpoint("udp://1.2.3.4:*").ok());
}

TEST(ConfigValuesTest, Enums) {
  EXPECT_EQ(ParseLoglevel("DEBUG").value(), LogLevel::kDebug);
  EXPECT_EQ(ParseLoglevel("critical").value(), LogLevel::kCritical);
  EXPECT_EQ(ParseLoglevel("Warning").value(), LogLevel::kWarning);
  EXPECT_EQ(ParseLoglevel("error").value(), LogLevel::kError);
  EXPECT_EQ(ParseLoglevel("info").value(), LogLevel::kInfo);
  EXPECT_EQ(ParseLoglevel("warn").error(),
            "unknown loglevel 'warn' (use critical, error, warning, info or debug)");
  EXPECT_EQ(ParseSocketFamily("AF_INET6").value(), SocketFamily::kInet6);
  EXPECT_EQ(ParseSocketFamily("AF_UNIX").value(), SocketFamily::kUnix);
  EXPECT_FALSE(ParseSocketFamily("af_inet").ok());
  EXPECT_EQ(ParseSocketType("SOCK_DGRAM").value(), SocketType::kDgram);
  EXPECT_EQ(ParseSocketType("SOCK_RDM").value(), SocketType::kRdm);
  EXPECT_FALSE(ParseSocketType("STREAM").ok());
}

TEST(ConfigValuesTest, DottedName) {
  EXPECT_TRUE(IsDottedName("circus.plugins.Statsd"));
  EXPECT_TRUE(IsDottedName("a._b1"));
  EXPECT_FALSE(IsDottedName("single"));
  EXPECT_FALSE(IsDottedName("a..b"));
  EXPECT_FALSE(IsDottedName("a.1b"));
  EXPECT_FALSE(IsDottedName("a.b."));
  EXPECT_FALSE(IsDottedName("a b.c"));
}

TEST(ConfigValuesTest, Loopback) {
  for (const char* h :
       {"localhost", "LocalHost", "127.0.0.1", "127.8.9.10", "::1", "[::1]", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHost(h)) << h;
  }
  for (const char* h : {"0.0.0.0", "10.0.0.1", "::", "example.com", "128.0.0.1", ""}) {
    EXPECT_FALSE(IsLoopbackHost(h)) << h;
  }
}

}  // namespace
}  // namespace ringmaster
