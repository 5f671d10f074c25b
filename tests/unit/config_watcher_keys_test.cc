// Single [watcher:NAME] keys (docs/config.md §6.1, §10), through LoadConfig.
#include "core/config_watcher_keys.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>

#include "tests/support/fake_config_env.h"

namespace ringmaster {
namespace {

using Lines = std::vector<std::string>;

LoadResult Watcher(FakeConfigEnv& env, const std::string& keys) {
  return LoadText(env, "[socket:s]\nport = 0\n[watcher:w]\ncmd = x\n" + keys);
}

TEST(ConfigWatcherKeysTest, EveryKey) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "args = --a 'b c'\n"
                         "numprocesses = 4\n"
                         "warmup_delay = 0.5\n"
                         "executable = /usr/bin/python3\n"
                         "working_dir = /srv\n"
                         "shell = true\n"
                         "shell_args = a b\n"
                         "uid = root\n"
                         "gid = 50\n"
                         "send_hup = yes\n"
                         "stop_signal = INT\n"
                         "stop_children = on\n"
                         "graceful_timeout = 2.5\n"
                         "max_retry = -1\n"
                         "priority = -3\n"
                         "singleton = false\n"
                         "use_sockets = 1\n"
                         "copy_env = TRUE\n"
                         "respawn = false\n"
                         "autostart = no\n"
                         "close_child_stdin = false\n"
                         "close_child_stdout = true\n"
                         "close_child_stderr = true\n"
                         "max_age = 3600\n"
                         "max_age_variance = 0\n"
                         "ready_fd = 3\n"
                         "notify_socket = true\n"
                         "ready_timeout = 0\n"
                         "backoff = false\n"
                         "backoff_initial = 0.5\n"
                         "backoff_factor = 1\n"
                         "backoff_max = 120\n"
                         "backoff_reset = 0\n"
                         "backoff_jitter = 1\n"
                         "max_rss = 512M\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << Dump(r.warnings);
  const WatcherConfig& w = r.config->watchers[0];
  EXPECT_EQ(w.args, "--a 'b c'");
  EXPECT_EQ(w.numprocesses, 4);
  EXPECT_EQ(w.warmup_delay, 0.5);
  EXPECT_EQ(w.executable, "/usr/bin/python3");
  EXPECT_EQ(w.working_dir, "/srv");
  EXPECT_TRUE(w.shell);
  EXPECT_EQ(w.shell_args, "a b");
  EXPECT_EQ(w.uid, 0u);
  EXPECT_EQ(w.gid, 50u);
  EXPECT_TRUE(w.send_hup);
  EXPECT_EQ(w.stop_signal, SIGINT);
  EXPECT_TRUE(w.stop_children);
  EXPECT_EQ(w.graceful_timeout, 2.5);
  EXPECT_EQ(w.max_retry, -1);
  EXPECT_EQ(w.priority, -3);
  EXPECT_FALSE(w.singleton);
  EXPECT_TRUE(w.use_sockets);
  EXPECT_TRUE(w.copy_env);
  EXPECT_FALSE(w.respawn);
  EXPECT_FALSE(w.autostart);
  EXPECT_FALSE(w.close_child_stdin);
  EXPECT_TRUE(w.close_child_stdout);
  EXPECT_TRUE(w.close_child_stderr);
  EXPECT_EQ(w.max_age, 3600);
  EXPECT_EQ(w.max_age_variance, 0);
  EXPECT_EQ(w.ready_fd, 3);
  EXPECT_TRUE(w.notify_socket);
  EXPECT_EQ(w.ready_timeout, 0);
  EXPECT_EQ(w.backoff, (BackoffPolicy{false, 0.5, 1, 120, 0, 1}));
  EXPECT_EQ(w.max_rss, 512LL << 20);
}

TEST(ConfigWatcherKeysTest, ConversionErrors) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "numprocesses = three\n"
                         "warmup_delay = -1\n"
                         "shell = maybe\n"
                         "uid = nobody\n"
                         "gid = wheel\n"
                         "stop_signal = SIGFOO\n"
                         "graceful_timeout = 1m\n"
                         "max_retry = -2\n"
                         "priority = 1.5\n"
                         "max_age = -1\n"
                         "max_age_variance = x\n"
                         "ready_fd = 2\n"
                         "ready_timeout = -5\n"
                         "backoff_initial = 0\n"
                         "backoff_factor = 0.5\n"
                         "backoff_reset = -1\n"
                         "backoff_jitter = 1.5\n"
                         "max_rss = lots\n"
                         "stdin_socket = nope\n"
                         "on_demand = 2\n"
                         "copy_path = x\n"
                         "check_flapping = y\n");
  EXPECT_FALSE(r.config);
  const std::string f = "/etc/rm/main.ini:";
  EXPECT_EQ(Formatted(r.errors),
            (Lines{f + "5: [watcher:w] numprocesses: 'three' is not an integer",
                   f + "6: [watcher:w] warmup_delay: must be at least 0, not -1",
                   f + "7: [watcher:w] shell: 'maybe' is not a boolean (use true or false)",
                   f + "8: [watcher:w] uid: unknown user 'nobody'",
                   f + "9: [watcher:w] gid: unknown group 'wheel'",
                   f + "10: [watcher:w] stop_signal: 'SIGFOO' is not a signal",
                   f + "11: [watcher:w] graceful_timeout: '1m' is not a duration in seconds",
                   f + "12: [watcher:w] max_retry: must be at least -1, not -2",
                   f + "13: [watcher:w] priority: '1.5' is not an integer",
                   f + "14: [watcher:w] max_age: must be at least 0, not -1",
                   f + "15: [watcher:w] max_age_variance: 'x' is not an integer",
                   f + "16: [watcher:w] ready_fd: must be at least 3, not 2",
                   f + "17: [watcher:w] ready_timeout: must be at least 0, not -5",
                   f + "18: [watcher:w] backoff_initial: must be greater than 0, not 0",
                   f + "19: [watcher:w] backoff_factor: must be at least 1, not 0.5",
                   f + "20: [watcher:w] backoff_reset: must be at least 0, not -1",
                   f + "21: [watcher:w] backoff_jitter: must be between 0 and 1, not 1.5",
                   f + "22: [watcher:w] max_rss: 'lots' is not a size (use bytes, or K, M, G, T)",
                   f + "23: [watcher:w] stdin_socket: no [socket:nope] section",
                   f + "24: [watcher:w] on_demand: '2' is not a boolean (use true or false)",
                   f + "25: [watcher:w] copy_path: 'x' is not a boolean (use true or false)",
                   f + "26: [watcher:w] check_flapping: 'y' is not a boolean (use true or "
                       "false)"}));
}

TEST(ConfigWatcherKeysTest, NegativeCount) {
  FakeConfigEnv env;
  EXPECT_EQ(Formatted(Watcher(env, "numprocesses = -1\n").errors),
            (Lines{"/etc/rm/main.ini:5: [watcher:w] numprocesses: must be at least 0, not -1"}));
}

TEST(ConfigWatcherKeysTest, EveryBoolKeyIsChecked) {
  FakeConfigEnv env;
  for (const char* key : {"shell", "send_hup", "stop_children", "singleton", "use_sockets",
                          "copy_env", "respawn", "autostart", "close_child_stdin",
                          "close_child_stdout", "close_child_stderr", "notify_socket", "backoff"}) {
    LoadResult r = Watcher(env, std::string(key) + " = nope\n");
    EXPECT_EQ(Formatted(r.errors), (Lines{"/etc/rm/main.ini:5: [watcher:w] " + std::string(key) +
                                          ": 'nope' is not a boolean (use true or false)"}))
        << key;
  }
}

TEST(ConfigWatcherKeysTest, Rlimits) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "rlimit_nofile = 1024\nrlimit_CORE =\nrlimit_as = -1\n"
                         "rlimit_NOFILE = 5\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  const std::vector<RlimitSetting>& rl = r.config->watchers[0].rlimits;
  ASSERT_EQ(rl.size(), 3u);
  EXPECT_EQ(rl[0], (RlimitSetting{"nofile", RLIMIT_NOFILE, 1024}));
  EXPECT_EQ(rl[1], (RlimitSetting{"core", RLIMIT_CORE, std::nullopt}));
  EXPECT_EQ(rl[2], (RlimitSetting{"as", RLIMIT_AS, std::nullopt}));
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:8: [watcher:w] rlimit_NOFILE: duplicate of rlimit_nofile; "
                   "ignored"}));
}

TEST(ConfigWatcherKeysTest, RlimitErrors) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "rlimit_bogus = 1\nrlimit_nproc = many\nrlimit_stack = -2\n");
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:5: [watcher:w] rlimit_bogus: unknown rlimit 'bogus'",
                   "/etc/rm/main.ini:6: [watcher:w] rlimit_nproc: 'many' is not an integer (use "
                   "an integer, or nothing for unlimited)",
                   "/etc/rm/main.ini:7: [watcher:w] rlimit_stack: must be at least -1, not -2 "
                   "(use an integer, or nothing for unlimited)"}));
}

TEST(ConfigWatcherKeysTest, Hooks) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "hooks.before_start = my.hooks.check\n"
                         "hooks.after_reap = my.hooks.reap, true\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->watchers[0].hooks,
            (std::map<std::string, std::string>{{"before_start", "my.hooks.check"},
                                                {"after_reap", "my.hooks.reap, true"}}));
}

TEST(ConfigWatcherKeysTest, HookErrors) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "hooks.on_boot = a.b\nhooks.before_stop = nodots\n"
                         "hooks.after_stop = a.b, perhaps\n");
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:5: [watcher:w] hooks.on_boot: unknown hook 'on_boot' (use "
                   "before_start, after_start, before_spawn, after_spawn, before_stop, after_stop, "
                   "before_signal, after_signal, before_reap, after_reap or extended_stats)",
                   "/etc/rm/main.ini:6: [watcher:w] hooks.before_stop: 'nodots' is not a dotted "
                   "Python name",
                   "/etc/rm/main.ini:7: [watcher:w] hooks.after_stop: 'perhaps' is not a boolean "
                   "(use true or false)"}));
}

TEST(ConfigWatcherKeysTest, NumericUserAndGroup) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "uid = 1000\ngid = 1001\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->watchers[0].uid, 1000u);
  EXPECT_EQ(r.config->watchers[0].gid, 1001u);
  EXPECT_EQ(r.config->watchers[0].uid_spec, "1000");
  EXPECT_EQ(Formatted(Watcher(env, "uid = 4242\n").errors),
            (Lines{"/etc/rm/main.ini:5: [watcher:w] uid: unknown user '4242'"}));
}

}  // namespace
}  // namespace ringmaster
