// [watcher:NAME] section-level rules (docs/config.md §6, §8, §11.3), through
// LoadConfig. Single-key conversions are in config_watcher_keys_test.cc.
#include "core/config_watcher.h"

#include <gtest/gtest.h>

#include "tests/support/fake_config_env.h"

namespace ringmaster {
namespace {

using Lines = std::vector<std::string>;
using Env = std::map<std::string, std::string>;

LoadResult Watcher(FakeConfigEnv& env, const std::string& keys) {
  return LoadText(env, "[watcher:w]\ncmd = x\n" + keys);
}

TEST(ConfigWatcherTest, Defaults) {
  FakeConfigEnv env;
  env.environment["HOME"] = "/h";
  LoadResult r = Watcher(env, "");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  const WatcherConfig& w = r.config->watchers[0];
  WatcherConfig want;
  want.name = "w";
  want.loc = SourceLoc{kMainIni, 1};
  want.cmd = "x";
  want.explicit_keys = {{"cmd", "x"}};
  EXPECT_EQ(w, want);
  // The defaults of docs/config.md §6.1 and §10, spelled out.
  EXPECT_FALSE(w.args);
  EXPECT_EQ(w.numprocesses, 1);
  EXPECT_EQ(w.warmup_delay, 0);
  EXPECT_FALSE(w.executable);
  EXPECT_EQ(w.working_dir, "");
  EXPECT_FALSE(w.shell);
  EXPECT_FALSE(w.shell_args);
  EXPECT_FALSE(w.uid);
  EXPECT_FALSE(w.gid);
  EXPECT_FALSE(w.send_hup);
  EXPECT_EQ(w.stop_signal, 15);
  EXPECT_FALSE(w.stop_children);
  EXPECT_EQ(w.graceful_timeout, 30);
  EXPECT_EQ(w.max_retry, 5);
  EXPECT_EQ(w.priority, 0);
  EXPECT_FALSE(w.singleton);
  EXPECT_FALSE(w.use_sockets);
  EXPECT_FALSE(w.copy_env);
  EXPECT_TRUE(w.respawn);
  EXPECT_TRUE(w.autostart);
  EXPECT_TRUE(w.close_child_stdin);
  EXPECT_FALSE(w.close_child_stdout);
  EXPECT_FALSE(w.close_child_stderr);
  EXPECT_TRUE(w.rlimits.empty());
  EXPECT_EQ(w.max_age, 0);
  EXPECT_EQ(w.max_age_variance, 30);
  EXPECT_FALSE(w.ready_fd);
  EXPECT_FALSE(w.notify_socket);
  EXPECT_EQ(w.ready_timeout, 60);
  EXPECT_EQ(w.backoff, BackoffPolicy{});
  EXPECT_TRUE(w.backoff.enabled);
  EXPECT_EQ(w.backoff.initial, 1);
  EXPECT_EQ(w.backoff.factor, 2);
  EXPECT_EQ(w.backoff.max, 60);
  EXPECT_EQ(w.backoff.reset, 10);
  EXPECT_EQ(w.backoff.jitter, 0.1);
  EXPECT_EQ(w.max_rss, 0);
  EXPECT_TRUE(w.env.empty());  // copy_env = false: the environment starts empty
  EXPECT_TRUE(r.warnings.empty()) << Dump(r.warnings);
}

TEST(ConfigWatcherTest, CmdIsRequired) {
  FakeConfigEnv env;
  env.files["/etc/rm/conf.d/api.ini"] = "\n\n[watcher:api]\nnumprocesses = 2\n";
  LoadResult r = LoadText(env,
                          "[circus]\ninclude_dir = conf.d\n[watcher:e]\ncmd =\n"
                          "[watcher:q]\ncmd = \"\"\n");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:4: [watcher:e] cmd: the command is empty",
                   "/etc/rm/main.ini:6: [watcher:q] cmd: the command is empty",
                   "/etc/rm/conf.d/api.ini:3: [watcher:api]: 'cmd' is required"}));
}

TEST(ConfigWatcherTest, UnbalancedQuotes) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[watcher:w]\ncmd = echo 'x\nargs = \"a\nshell_args = b\\\n");
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:2: [watcher:w] cmd: cannot be split into words: no closing "
                   "quotation",
                   "/etc/rm/main.ini:3: [watcher:w] args: cannot be split into words: no closing "
                   "quotation",
                   "/etc/rm/main.ini:4: [watcher:w] shell_args: cannot be split into words: no "
                   "escaped character"}));
}

TEST(ConfigWatcherTest, Singleton) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "singleton = true\nnumprocesses = 2\n");
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:4: [watcher:w] numprocesses: must be 0 or 1 with singleton "
                   "= true, not 2"}));
  LoadResult zero = Watcher(env, "singleton = true\nnumprocesses = 0\n");
  ASSERT_TRUE(zero.config);
  EXPECT_TRUE(zero.warnings.empty()) << Dump(zero.warnings);
}

TEST(ConfigWatcherTest, ZeroProcessesWarns) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "numprocesses = 0\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] numprocesses: numprocesses = 0: the watcher "
                   "starts no process"}));
}

TEST(ConfigWatcherTest, CopyPathNeedsCopyEnv) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "copy_path = true\n");
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] copy_path: copy_path = true requires "
                   "copy_env = true"}));
  LoadResult ok = Watcher(env, "copy_path = true\ncopy_env = true\n");
  ASSERT_TRUE(ok.config) << Dump(ok.errors);
  EXPECT_EQ(Formatted(ok.warnings),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] copy_path: copy_path is Python-only; "
                   "ignored"}));
}

TEST(ConfigWatcherTest, BackoffMaxBelowInitial) {
  FakeConfigEnv env;
  EXPECT_EQ(Formatted(Watcher(env, "backoff_max = 0.5\n").errors),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] backoff_max: backoff_max (0.5) must be at "
                   "least backoff_initial (1)"}));
  EXPECT_EQ(Formatted(Watcher(env, "backoff_initial = 90\n").errors),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] backoff_initial: backoff_max (60) must be at "
                   "least backoff_initial (90)"}));
  EXPECT_TRUE(Watcher(env, "backoff_initial = 90\nbackoff_max = 90\n").config);
}

TEST(ConfigWatcherTest, NameWarnings) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[watcher:a.b]\ncmd = x\n[watcher:Circus]\ncmd = x\n"
                          "[watcher:sockets]\ncmd = x\n[watcher:]\ncmd = x\n");
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:7: [watcher:]: the watcher name is empty"}));
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:1: [watcher:a.b]: the watcher name contains '.'; event and "
                   "stats consumers split topics on '.'",
                   "/etc/rm/main.ini:3: [watcher:Circus]: a watcher named 'Circus' is ambiguous "
                   "for event and stats consumers; rename it",
                   "/etc/rm/main.ini:5: [watcher:sockets]: a watcher named 'sockets' is ambiguous "
                   "for event and stats consumers; rename it"}));
}

TEST(ConfigWatcherTest, FreeformKeysAndDidYouMean) {
  FakeConfigEnv env;
  env.environment["X"] = "1";
  LoadResult r = Watcher(env,
                         "flapping.max_retry = 3\nNumprocesses = 4\nnumproceses = 5\n"
                         "custom = $(circus.env.x)\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  const WatcherConfig& w = r.config->watchers[0];
  EXPECT_EQ(w.numprocesses, 1);
  EXPECT_EQ(w.freeform, (Env{{"flapping.max_retry", "3"},
                             {"Numprocesses", "4"},
                             {"numproceses", "5"},
                             {"custom", "1"}}));
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:4: [watcher:w] Numprocesses: did you mean 'numprocesses'?",
                   "/etc/rm/main.ini:5: [watcher:w] numproceses: did you mean 'numprocesses'?"}));
}

TEST(ConfigWatcherTest, ExplicitKeysAreRaw) {
  FakeConfigEnv env;
  env.environment["A"] = "1";
  LoadResult r = Watcher(env, "numprocesses = 3\nargs = $(circus.env.a)\n  more\nfoo = bar\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(
      r.config->watchers[0].explicit_keys,
      (Env{
          {"cmd", "x"}, {"numprocesses", "3"}, {"args", "$(circus.env.a)\nmore"}, {"foo", "bar"}}));
  EXPECT_EQ(r.config->watchers[0].args, "1\nmore");
}

TEST(ConfigWatcherTest, LaterKeysWarnOncePerKeyAndFile) {
  FakeConfigEnv env;
  env.files["/etc/rm/inc.ini"] = "[watcher:c]\ncmd = x\non_demand = true\n";
  LoadResult r = LoadText(env,
                          "[circus]\ninclude = inc.ini\n[socket:s]\nport = 0\n"
                          "[watcher:a]\ncmd = x\non_demand = true\nstdin_socket = S\n"
                          "virtualenv = /v\nvirtualenv_py_ver = 3.11\ncopy_env = true\n"
                          "check_flapping = false\nhooks.before_start = a.b\n"
                          "[watcher:b]\ncmd = x\non_demand = false\ncheck_flapping = true\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:7: [watcher:a] on_demand: on_demand is accepted but not "
                   "implemented yet",
                   "/etc/rm/main.ini:8: [watcher:a] stdin_socket: stdin_socket is accepted but not "
                   "implemented yet",
                   "/etc/rm/main.ini:9: [watcher:a] virtualenv: virtualenv is accepted but not "
                   "implemented yet",
                   "/etc/rm/main.ini:10: [watcher:a] virtualenv_py_ver: virtualenv_py_ver is "
                   "accepted but not implemented yet",
                   "/etc/rm/main.ini:12: [watcher:a] check_flapping: check_flapping is unused (as "
                   "in Circus); ignored",
                   "/etc/rm/main.ini:13: [watcher:a] hooks.before_start: hooks.before_start is "
                   "accepted but not implemented yet",
                   "/etc/rm/inc.ini:3: [watcher:c] on_demand: on_demand is accepted but not "
                   "implemented yet"}));
}

TEST(ConfigWatcherTest, OtherWarnings) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "env = A=1\nshell_args = a\nvirtualenv = /v\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] env: a key named env in a watcher is ignored; "
                   "use an [env:NAME] section",
                   "/etc/rm/main.ini:4: [watcher:w] shell_args: shell_args has no effect without "
                   "shell = true",
                   "/etc/rm/main.ini:5: [watcher:w] virtualenv: virtualenv is accepted but not "
                   "implemented yet",
                   "/etc/rm/main.ini:5: [watcher:w] virtualenv: virtualenv needs copy_env = "
                   "true"}));
  EXPECT_TRUE(r.config->watchers[0].env.empty());
}

TEST(ConfigWatcherTest, Pass3ReferencesSurvive) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[socket:web]\nport = 0\n[watcher:w]\n"
                          "cmd = s $(circus.sockets.web) $(circus.wid) $WID "
                          "$(circus.env.notify_socket) $(circus.ready_fd)\n"
                          "args = ((circus.wid)) $(circus.numprocesses)\nready_fd = 3\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  const WatcherConfig& w = r.config->watchers[0];
  EXPECT_EQ(w.cmd,
            "s $(circus.sockets.web) $(circus.wid) $WID $(circus.env.notify_socket) "
            "$(circus.ready_fd)");
  EXPECT_EQ(w.args, "((circus.wid)) $(circus.numprocesses)");
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:4: [watcher:w] cmd: $WID is deprecated; use $(circus.wid)",
                   "/etc/rm/main.ini:5: [watcher:w] args: '$(circus.numprocesses)' is accepted "
                   "but not implemented yet; left as written"}));
}

TEST(ConfigWatcherTest, ReadyFdReferenceWithoutReadyFd) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "args = --fd $(circus.ready_fd)\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] args: '$(circus.ready_fd)' is used but "
                   "ready_fd is not set"}));
}

TEST(ConfigWatcherTest, ChildEnvironment) {
  FakeConfigEnv env;
  env.environment = {{"HOME", "/h"}, {"PATH", "/bin"}, {"KEEP", "$HOME"}};
  LoadResult r = LoadText(env, R"ini(
[env]
PATH = $PATH:/opt/bin
G = $(circus.env.home)
[env:w*]
G = $home
L = $HOME/l
[watcher:w1]
cmd = x
copy_env = true
[watcher:w2]
cmd = x
[watcher:other]
cmd = x
)ini");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->FindWatcher("w1")->env, (Env{{"HOME", "/h"},
                                                   {"PATH", "/bin:/opt/bin"},
                                                   {"KEEP", "/h"},
                                                   {"G", "$home"},
                                                   {"L", "/h/l"}}));
  EXPECT_EQ(r.config->FindWatcher("w2")->env,
            (Env{{"PATH", "/bin:/opt/bin"}, {"G", "$home"}, {"L", "/h/l"}}));
  EXPECT_EQ(r.config->FindWatcher("other")->env, (Env{{"PATH", "/bin:/opt/bin"}, {"G", "/h"}}));
}

TEST(ConfigWatcherTest, UidSetsGidToThePrimaryGroup) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[watcher:a]\ncmd = x\nuid = app\n"
                          "[watcher:b]\ncmd = x\nuid = 1000\ngid = staff\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  const WatcherConfig* a = r.config->FindWatcher("a");
  EXPECT_EQ(a->uid_spec, "app");
  EXPECT_EQ(a->uid, 1000u);
  EXPECT_EQ(a->gid, 1001u);
  EXPECT_FALSE(a->gid_spec);
  const WatcherConfig* b = r.config->FindWatcher("b");
  EXPECT_EQ(b->uid, 1000u);
  EXPECT_EQ(b->gid, 50u);
  EXPECT_EQ(b->gid_spec, "staff");
}

// A typo such as numprocesses = 40000 must not fork forty thousand children.
TEST(ConfigWatcherTest, NumprocessesAboveMaxNumprocessesIsAnError) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "numprocesses = 10001\n");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] numprocesses: must be at most "
                   "max_numprocesses (10000), not 10001; raise max_numprocesses in [circus] if "
                   "this is intended"}));
  // The ceiling is read after every section, wherever [circus] is.
  LoadResult low = LoadText(env, "[watcher:w]\ncmd = x\nnumprocesses = 3\n[circus]\n"
                                 "max_numprocesses = 2\n");
  EXPECT_FALSE(low.config);
  ASSERT_EQ(low.errors.size(), 1u);
  EXPECT_EQ(low.errors[0].line, 3);
  LoadResult high = LoadText(env, "[circus]\nmax_numprocesses = 20000\n[watcher:w]\ncmd = x\n"
                                  "numprocesses = 15000\n");
  ASSERT_TRUE(high.config) << Dump(high.errors);
  EXPECT_EQ(high.config->watchers[0].numprocesses, 15000);
}

}  // namespace
}  // namespace ringmaster

namespace ringmaster {
namespace {

TEST(ConfigWatcherTest, BackoffBurstAndWindow) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "backoff_burst = 5\nbackoff_window = 30\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->watchers[0].backoff.burst, 5);
  EXPECT_EQ(r.config->watchers[0].backoff.window, 30.0);
  LoadResult defaults = Watcher(env, "");
  ASSERT_TRUE(defaults.config);
  EXPECT_EQ(defaults.config->watchers[0].backoff.burst, 3);
  EXPECT_EQ(defaults.config->watchers[0].backoff.window, 10.0);
  LoadResult bad = Watcher(env, "backoff_burst = -1\nbackoff_window = 0\n");
  EXPECT_FALSE(bad.config);
  ASSERT_EQ(bad.errors.size(), 2u) << Dump(bad.errors);
  EXPECT_EQ(bad.errors[0].line, 3);
  EXPECT_EQ(bad.errors[0].key, "backoff_burst");
  EXPECT_EQ(bad.errors[1].key, "backoff_window");
}

TEST(ConfigWatcherTest, FlappingKeysEnableTheWatchersPolicy) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "flapping.attempts = 4\nflapping.window = 2.5\nflapping.retry_in = 3\n"
                         "flapping.max_retry = -1\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  const WatcherConfig& w = r.config->watchers[0];
  EXPECT_TRUE(w.flapping.enabled);
  EXPECT_EQ(w.flapping.attempts, 4);
  EXPECT_EQ(w.flapping.window, 2.5);
  EXPECT_EQ(w.flapping.retry_in, 3.0);
  EXPECT_EQ(w.flapping.max_retry, -1);
  // Still shown by `options` as Circus's freeform keys.
  EXPECT_EQ(w.freeform.at("flapping.attempts"), "4");
  LoadResult off = Watcher(env, "");
  ASSERT_TRUE(off.config);
  EXPECT_FALSE(off.config->watchers[0].flapping.enabled);
}

TEST(ConfigWatcherTest, BadFlappingValuesNameTheKey) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "flapping.attempts = many\nflapping.max_retry = -2\n");
  EXPECT_FALSE(r.config);
  ASSERT_EQ(r.errors.size(), 2u) << Dump(r.errors);
  EXPECT_EQ(r.errors[0].key, "flapping.attempts");
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(r.errors[1].key, "flapping.max_retry");
}

TEST(ConfigWatcherTest, FlappingPluginGivesDefaults) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[watcher:a]\ncmd = x\n[watcher:b]\ncmd = y\nflapping.attempts = 9\n"
                          "[plugin:flapping]\nuse = circus.plugins.flapping.Flapping\n"
                          "retry_in = 2\nmax_retry = 1\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  const WatcherConfig& a = r.config->watchers[0];
  const WatcherConfig& b = r.config->watchers[1];
  EXPECT_TRUE(a.flapping.enabled);
  EXPECT_EQ(a.flapping.retry_in, 2.0);
  EXPECT_EQ(a.flapping.max_retry, 1);
  EXPECT_EQ(a.flapping.attempts, 2);
  EXPECT_EQ(b.flapping.attempts, 9);
  EXPECT_EQ(b.flapping.retry_in, 2.0);
  // The flapping plugin is built in: no "plugins are not supported" warning.
  for (const Diagnostic& d : r.warnings) EXPECT_EQ(d.problem.find("not supported"), std::string::npos);
}

}  // namespace
}  // namespace ringmaster
