// Which [circus] keys a reload cannot apply (docs/config.md §12).
#include "core/circus_restart_keys.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

using Keys = std::vector<std::string>;

TEST(CircusRestartKeys, NoneWhenOnlyLiveKeysChange) {
  CircusConfig a, b;
  b.check_delay = 1;
  b.warmup_delay = 3;
  b.max_numprocesses = 5;
  b.http_token = "t";
  EXPECT_EQ(CircusKeysNeedingRestart(a, b), Keys{});
}

TEST(CircusRestartKeys, NamesEachStartupKeyInOrderAndKeepsItsValue) {
  CircusConfig a, b;
  b.endpoint = "tcp://127.0.0.1:5555";
  b.httpd = true;
  b.httpd_port = 9;
  b.loglevel = LogLevel::kDebug;
  b.umask = 022;
  b.check_delay = 1;
  EXPECT_EQ(CircusKeysNeedingRestart(a, b),
            (Keys{"endpoint", "httpd", "httpd_port", "loglevel", "umask"}));
  KeepStartupValues(a, &b);
  EXPECT_EQ(CircusKeysNeedingRestart(a, b), Keys{});
  EXPECT_EQ(b.check_delay, 1);  // a live key keeps its new value
  EXPECT_EQ(b.endpoint, "");
  EXPECT_FALSE(b.umask.has_value());
}

}  // namespace
}  // namespace ringmaster
