#include "core/known_keys.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace ringmaster {
namespace {

TEST(KnownKeysTest, EditDistance) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("numprocess", "numprocesses"), 2u);
  EXPECT_EQ(EditDistance("uid", "uid"), 0u);
}

TEST(KnownKeysTest, Support) {
  EXPECT_EQ(FindKey(WatcherKeys(), "cmd")->support, KeySupport::kNow);
  EXPECT_EQ(FindKey(WatcherKeys(), "on_demand")->support, KeySupport::kLater);
  EXPECT_EQ(FindKey(WatcherKeys(), "copy_path")->support, KeySupport::kIgnored);
  EXPECT_EQ(FindKey(CircusKeys(), "statsd")->support, KeySupport::kNow);
  EXPECT_EQ(FindKey(CircusKeys(), "endpoint_owner")->support, KeySupport::kLater);
  EXPECT_EQ(FindKey(CircusKeys(), "ssh_server")->support, KeySupport::kIgnored);
  EXPECT_EQ(FindKey(SocketKeys(), "so_reuseport")->support, KeySupport::kLater);
  EXPECT_EQ(FindKey(WatcherKeys(), "Cmd"), nullptr);
  EXPECT_EQ(FindKey(WatcherKeys(), "rlimit_nofile"), nullptr);
}

TEST(KnownKeysTest, DidYouMean) {
  EXPECT_EQ(DidYouMean("numprocess", WatcherKeys()), "numprocesses");
  EXPECT_EQ(DidYouMean("Numprocesses", WatcherKeys()), "numprocesses");
  EXPECT_EQ(DidYouMean("NUMPROCESSES", WatcherKeys()), "numprocesses");
  EXPECT_EQ(DidYouMean("graceful_timout", WatcherKeys()), "graceful_timeout");
  EXPECT_EQ(DidYouMean("RLIMIT_NOFILE", WatcherKeys()), "rlimit_nofile");
  EXPECT_EQ(DidYouMean("stdout_steam.class", WatcherKeys()), "stdout_stream.class");
  EXPECT_EQ(DidYouMean("hook.before_start", WatcherKeys()), "hooks.before_start");
  EXPECT_EQ(DidYouMean("chek_delay", CircusKeys()), "check_delay");
  EXPECT_EQ(DidYouMean("flapping.max_retry", WatcherKeys()), std::nullopt);
  EXPECT_EQ(DidYouMean("my_custom_option", WatcherKeys()), std::nullopt);
  EXPECT_EQ(DidYouMean("numprocs", WatcherKeys()), std::nullopt);  // distance 4
}

TEST(KnownKeysTest, Hooks) {
  for (const char* h :
       {"before_start", "after_start", "before_spawn", "after_spawn", "before_stop", "after_stop",
        "before_signal", "after_signal", "before_reap", "after_reap", "extended_stats"}) {
    EXPECT_TRUE(IsHookName(h)) << h;
  }
  EXPECT_FALSE(IsHookName("on_start"));
  EXPECT_FALSE(IsHookName("Before_start"));
}

TEST(KnownKeysTest, Rlimits) {
  EXPECT_EQ(RlimitResource("nofile"), RLIMIT_NOFILE);
  EXPECT_EQ(RlimitResource("core"), RLIMIT_CORE);
  EXPECT_EQ(RlimitResource("as"), RLIMIT_AS);
  EXPECT_EQ(RlimitResource("nproc"), RLIMIT_NPROC);
  EXPECT_EQ(RlimitResource("bogus"), std::nullopt);
  EXPECT_EQ(RlimitResource("NOFILE"), std::nullopt);  // callers lowercase
}

TEST(KnownKeysTest, WatcherOptionNames) {
  EXPECT_TRUE(IsWatcherOptionName("numprocesses"));
  EXPECT_TRUE(IsWatcherOptionName("rlimits"));
  EXPECT_TRUE(IsWatcherOptionName("use_fds"));
  EXPECT_FALSE(IsWatcherOptionName("name"));
  EXPECT_FALSE(IsWatcherOptionName("env"));
}

}  // namespace
}  // namespace ringmaster
