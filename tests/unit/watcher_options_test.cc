// The JSON of options/get/set/add (docs/protocol.md §7.1, §7.5, §7.12,
// §7.18, §7.24, §10.6) over WatcherConfig.
#include "core/watcher_options.h"

#include <gtest/gtest.h>

#include "core/shell_split.h"
#include "tests/support/fake_config_env.h"

namespace ringmaster {
namespace {

using nlohmann::json;

WatcherConfig Sleeper() {
  WatcherConfig w;
  w.name = "sleeper";
  w.cmd = "sleep";
  w.args = "1000";
  w.numprocesses = 3;
  w.graceful_timeout = 2.0;
  return w;
}

// The error of ApplyOptions(base, options), or "" when it succeeds.
std::string ApplyError(const WatcherConfig& base, const json& options) {
  FakeConfigEnv env;
  Result<OptionsChange> r = ApplyOptions(base, options, env, "/srv/app");
  return r.ok() ? "" : r.error();
}

OptionsChange Apply(const WatcherConfig& base, const json& options, FakeConfigEnv& env) {
  Result<OptionsChange> r = ApplyOptions(base, options, env, "/srv/app");
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? r.value() : OptionsChange{base, {}, false, false};
}

TEST(OptionsJsonTest, MatchesTheProtocolExample) {
  // §7.12, literally.
  const json want = json::parse(R"({"args": "1000", "close_child_stderr": false,
    "close_child_stdin": true, "close_child_stdout": false, "cmd": "sleep", "copy_env": false,
    "env": {}, "executable": null, "gid": null, "graceful_timeout": 2.0, "max_age": 0,
    "max_age_variance": 30, "max_retry": 5, "numprocesses": 3, "on_demand": false,
    "priority": 0, "respawn": true, "send_hup": false, "shell": false, "shell_args": null,
    "singleton": false, "stderr_stream_conf": {}, "stdout_stream_conf": {},
    "stop_children": false, "stop_signal": 15, "uid": null, "use_sockets": false,
    "warmup_delay": 0, "working_dir": "/srv/app"})");
  EXPECT_EQ(OptionsJson(Sleeper(), "/srv/app"), want);
}

TEST(OptionsJsonTest, DefaultWatcherTypes) {
  WatcherConfig w;
  w.cmd = "x";
  const json o = OptionsJson(w, "/d");
  for (const char* k :
       {"close_child_stderr", "close_child_stdin", "close_child_stdout", "copy_env", "on_demand",
        "respawn", "send_hup", "shell", "singleton", "stop_children", "use_sockets"}) {
    EXPECT_TRUE(o.at(k).is_boolean()) << k;
  }
  for (const char* k :
       {"max_age", "max_age_variance", "max_retry", "numprocesses", "priority", "stop_signal"}) {
    EXPECT_TRUE(o.at(k).is_number_integer()) << k;
  }
  EXPECT_TRUE(o.at("graceful_timeout").is_number());
  EXPECT_TRUE(o.at("warmup_delay").is_number());
  EXPECT_TRUE(o.at("cmd").is_string());
  for (const char* k : {"args", "executable", "shell_args", "uid", "gid"}) {
    EXPECT_TRUE(o.at(k).is_null()) << k;
  }
  EXPECT_TRUE(o.at("env").is_object());
  EXPECT_TRUE(o.at("stdout_stream_conf").is_object());
  EXPECT_TRUE(o.at("stderr_stream_conf").is_object());
  EXPECT_EQ(o.at("working_dir"), "/d");
  EXPECT_EQ(o.size(), 29u);
}

TEST(OptionsJsonTest, ConfiguredValues) {
  WatcherConfig w = Sleeper();
  w.uid_spec = "app";
  w.gid_spec = "1001";
  w.executable = "/bin/sleep";
  w.working_dir = "rel/../dir";
  w.env = {{"A", "1"}};
  w.freeform = {{"flapping.max_retry", "3"}};
  w.stdout_stream.cls = StreamClass::kFile;
  w.stdout_stream.raw = {{"filename", "/tmp/o.log"}};
  w.explicit_keys = {{"on_demand", "yes"}};
  const json o = OptionsJson(w, "/srv");
  EXPECT_EQ(o["uid"], "app");
  EXPECT_EQ(o["gid"], 1001);
  EXPECT_EQ(o["executable"], "/bin/sleep");
  EXPECT_EQ(o["working_dir"], "/srv/dir");
  EXPECT_EQ(o["env"], json({{"A", "1"}}));
  EXPECT_EQ(o["flapping.max_retry"], "3");
  EXPECT_EQ(o["stdout_stream_conf"], json({{"class", "FileStream"}, {"filename", "/tmp/o.log"}}));
  EXPECT_EQ(o["on_demand"], true);
}

TEST(OptionsJsonTest, ExtensionKeysOnlyWhenExplicit) {
  WatcherConfig w = Sleeper();
  w.ready_fd = 3;
  w.max_rss = 1024;
  w.explicit_keys = {{"ready_fd", "3"}};
  const json o = OptionsJson(w, "/");
  EXPECT_EQ(o["ready_fd"], 3);
  EXPECT_FALSE(o.contains("max_rss"));
  EXPECT_FALSE(o.contains("backoff"));
  EXPECT_FALSE(o.contains("autostart"));
  EXPECT_FALSE(o.contains("hooks"));
}

TEST(GetOptionsTest, ProtocolExample) {
  Result<json> r = GetOptions(Sleeper(), json{"env", "stop_signal", "uid"}, "/");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(*r, json::parse(R"({"env": {}, "stop_signal": 15, "uid": null})"));
}

TEST(GetOptionsTest, UnknownKey) {
  Result<json> r = GetOptions(Sleeper(), json{"numprocesses", "nope"}, "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "'nope' option not found");
  EXPECT_EQ(GetOptions(Sleeper(), json("env"), "/").error(), "'keys' must be an array of strings");
}

TEST(GetOptionsTest, ExtensionAndFreeformKeys) {
  WatcherConfig w = Sleeper();
  w.freeform = {{"flapping.attempts", "2"}};
  Result<json> r = GetOptions(
      w, json{"ready_fd", "backoff_max", "max_rss", "autostart", "hooks", "flapping.attempts"},
      "/");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(*r, json::parse(R"({"ready_fd": null, "backoff_max": 60.0, "max_rss": 0,
    "autostart": true, "hooks": {}, "flapping.attempts": "2"})"));
}

TEST(ApplyOptionsTest, TypeErrors) {
  const WatcherConfig w = Sleeper();
  EXPECT_EQ(ApplyError(w, {{"numprocesses", "4"}}), "'numprocesses' isn't an integer");
  EXPECT_EQ(ApplyError(w, {{"numprocesses", 2.0}}), "'numprocesses' isn't an integer");
  EXPECT_EQ(ApplyError(w, {{"max_retry", true}}), "'max_retry' isn't an integer");
  EXPECT_EQ(ApplyError(w, {{"warmup_delay", "1"}}), "'warmup_delay' isn't a number");
  EXPECT_EQ(ApplyError(w, {{"graceful_timeout", nullptr}}), "'graceful_timeout' isn't a number");
  EXPECT_EQ(ApplyError(w, {{"shell", "yes"}}), "'shell' isn't a valid boolean");
  EXPECT_EQ(ApplyError(w, {{"respawn", 1}}), "'respawn' isn't a valid boolean");
  EXPECT_EQ(ApplyError(w, {{"env", "A=1"}}), "'env' isn't a valid object");
  EXPECT_EQ(ApplyError(w, {{"env", {{"A", "1"}, {"B", 2}}}}), "'B' isn't a string");
  EXPECT_EQ(ApplyError(w, {{"stdout_stream", "x"}}), "'stdout_stream' isn't a valid object");
  EXPECT_EQ(ApplyError(w, {{"stderr_stream", {{"filename", "/tmp/x"}}}}),
            "'stderr_stream' must have a 'class' key");
  EXPECT_EQ(ApplyError(w, {{"uid", 1.5}}), "'uid' isn't an integer or string");
  EXPECT_EQ(ApplyError(w, {{"cmd", 3}}), "'cmd' isn't a string");
  EXPECT_EQ(ApplyError(w, {{"args", json{"a", 1}}}),
            "'args' isn't a string or an array of strings");
  EXPECT_EQ(ApplyError(w, {{"executable", false}}), "'executable' isn't a string");
}

TEST(ApplyOptionsTest, ValueErrors) {
  const WatcherConfig w = Sleeper();
  EXPECT_EQ(ApplyError(w, {{"nope", 1}}), "unknown key 'nope'");
  EXPECT_EQ(ApplyError(w, {{"stdout_stream.", "x"}}), "unknown key 'stdout_stream.'");
  EXPECT_EQ(ApplyError(w, {{"numprocesses", -1}}), "'numprocesses' must be at least 0");
  EXPECT_EQ(ApplyError(w, {{"max_retry", -2}}), "'max_retry' must be at least -1");
  EXPECT_EQ(ApplyError(w, {{"numprocesses", 3000000000}}),
            "'numprocesses' must be at most 2147483647");
  EXPECT_EQ(ApplyError(w, {{"max_age", 18446744073709551615ull}}),
            "'max_age' must be at most 9223372036854775807");
  EXPECT_EQ(ApplyError(w, {{"backoff_jitter", 2}}), "'backoff_jitter' must be between 0 and 1");
  EXPECT_EQ(ApplyError(w, {{"backoff_initial", 0}}), "'backoff_initial' must be greater than 0");
  EXPECT_EQ(ApplyError(w, {{"backoff_max", 0.5}, {"backoff_initial", 2}}),
            "'backoff_max' (0.5) must be at least 'backoff_initial' (2)");
  EXPECT_EQ(ApplyError(w, {{"uid", "nobody-here"}}), "'uid': unknown user 'nobody-here'");
  EXPECT_EQ(ApplyError(w, {{"gid", 4242}}), "'gid': unknown group '4242'");
  EXPECT_EQ(ApplyError(w, {{"rlimit_bogus", 1}}), "unknown rlimit 'bogus' in 'rlimit_bogus'");
  EXPECT_EQ(ApplyError(w, {{"rlimit_nofile", "many"}}), "'rlimit_nofile' isn't an integer");
  EXPECT_EQ(ApplyError(w, {{"stop_signal", "NOPE"}}), "'stop_signal' isn't a valid signal");
  EXPECT_EQ(ApplyError(w, {{"stop_signal", 0}}), "'stop_signal' isn't a valid signal");
  EXPECT_EQ(ApplyError(w, {{"max_rss", "lots"}}),
            "'max_rss' isn't an integer or a size (\"512M\")");
  EXPECT_EQ(ApplyError(w, {{"ready_fd", 2}}), "'ready_fd' must be at least 3");
  EXPECT_EQ(ApplyError(w, {{"cmd", " "}}), "'cmd' must not be empty");
  EXPECT_EQ(ApplyError(w, {{"args", "'open"}}),
            "'args' cannot be split into words: no closing quotation");
  EXPECT_EQ(ApplyError(w, {{"hooks.before_start", "nodots"}}),
            "'hooks.before_start': 'nodots' is not a dotted Python name");
  EXPECT_EQ(ApplyError(w, {{"stdout_stream", {{"class", "QueueStream"}}}}),
            "'stdout_stream.class': QueueStream is not available outside Python");
  EXPECT_EQ(ApplyError(w, {{"stdout_stream", {{"class", "FileStream"}}}}),
            "'stdout_stream.class': stdout_stream.filename is required for FileStream");
  EXPECT_EQ(ApplyError(w, {{"options", 1}}), "unknown key 'options'");
  EXPECT_EQ(ApplyError(w, json::array()), "'options' must be an object");
}

TEST(ApplyOptionsTest, Singleton) {
  WatcherConfig w = Sleeper();
  w.numprocesses = 1;
  w.singleton = true;
  w.name = "one";
  EXPECT_EQ(ApplyError(w, {{"numprocesses", 2}}),
            "singleton watcher 'one' can only have 0 or 1 process");
  EXPECT_EQ(ApplyError(w, {{"numprocesses", 0}}), "");
  EXPECT_EQ(ApplyError(Sleeper(), {{"singleton", true}}),
            "singleton watcher 'sleeper' can only have 0 or 1 process");
  EXPECT_EQ(ApplyError(Sleeper(), {{"singleton", true}, {"numprocesses", 1}}), "");
}

TEST(ApplyOptionsTest, AllOrNothing) {
  // One bad key anywhere fails the request, whatever came before it.
  const WatcherConfig w = Sleeper();
  EXPECT_EQ(ApplyError(w, {{"numprocesses", 5}, {"shell", "x"}}), "'shell' isn't a valid boolean");
  EXPECT_EQ(ApplyError(w, {{"cmd", "other"}, {"zzz", 1}}), "unknown key 'zzz'");
  FakeConfigEnv env;
  EXPECT_FALSE(ApplyOptions(w, {{"numprocesses", 5}, {"uid", "ghost"}}, env, "/").ok());
}

TEST(ApplyOptionsTest, ResizeAndReloadFlags) {
  FakeConfigEnv env;
  const WatcherConfig w = Sleeper();
  OptionsChange c = Apply(w, {{"numprocesses", 2}}, env);
  EXPECT_EQ(c.config.numprocesses, 2);
  EXPECT_TRUE(c.resize);
  EXPECT_FALSE(c.needs_reload);
  EXPECT_EQ(c.keys, std::vector<std::string>{"numprocesses"});

  c = Apply(w, {{"numprocesses", 3}, {"graceful_timeout", 5}, {"max_age", 60}}, env);
  EXPECT_FALSE(c.resize);
  EXPECT_FALSE(c.needs_reload);
  EXPECT_EQ(c.config.graceful_timeout, 5.0);
  EXPECT_EQ(c.config.max_age, 60);
  EXPECT_EQ(c.keys.size(), 3u);

  c = Apply(w, {{"cmd", "sleep"}, {"args", "1000"}}, env);  // same values: nothing to do
  EXPECT_FALSE(c.needs_reload);
  for (const json& reload :
       {json{{"cmd", "other"}}, json{{"args", json{"1", "2"}}}, json{{"working_dir", "/tmp"}},
        json{{"uid", "app"}}, json{{"shell", true}}, json{{"env", {{"A", "b"}}}},
        json{{"copy_env", true}}, json{{"close_child_stdout", true}}, json{{"rlimit_nofile", 100}},
        json{{"use_sockets", true}}, json{{"executable", "/bin/x"}}, json{{"ready_fd", 4}},
        json{{"notify_socket", true}}, json{{"stdout_stream", {{"class", "StdoutStream"}}}}}) {
    EXPECT_TRUE(Apply(w, reload, env).needs_reload) << reload.dump();
  }
  for (const json& in_place :
       {json{{"priority", 3}}, json{{"max_retry", -1}}, json{{"respawn", false}},
        json{{"backoff_factor", 3}}, json{{"max_rss", "512M"}}, json{{"stop_signal", "INT"}},
        json{{"retry_in", 3.5}}, json{{"hooks.after_start", "mod.fn"}}, json{{"autostart", false}},
        json{{"send_hup", true}}, json{{"warmup_delay", 1}}, json{{"ready_timeout", 0}}}) {
    OptionsChange ch = Apply(w, in_place, env);
    EXPECT_FALSE(ch.needs_reload) << in_place.dump();
    EXPECT_FALSE(ch.resize) << in_place.dump();
  }
}

TEST(ApplyOptionsTest, StoredValues) {
  FakeConfigEnv env;
  OptionsChange c = Apply(Sleeper(),
                          {{"stop_signal", "SIGINT"},
                           {"max_rss", "512M"},
                           {"ready_fd", nullptr},
                           {"rlimit_NOFILE", 100},
                           {"rlimit_core", nullptr},
                           {"uid", "app"},
                           {"working_dir", "sub/./dir"},
                           {"hooks", {{"before_start", "mod.fn, true"}}},
                           {"args", json{"a b", "$(circus.wid)"}}},
                          env);
  const WatcherConfig& w = c.config;
  EXPECT_EQ(w.stop_signal, 2);
  EXPECT_EQ(w.max_rss, 512 * 1024 * 1024);
  EXPECT_FALSE(w.ready_fd);
  ASSERT_EQ(w.rlimits.size(), 2u);
  EXPECT_EQ(w.rlimits[0].name, "nofile");
  EXPECT_EQ(w.rlimits[0].value, 100u);
  EXPECT_FALSE(w.rlimits[1].value);
  EXPECT_EQ(w.uid, 1000u);
  EXPECT_EQ(w.gid, 1001u);  // the user's primary group, as the loader does
  EXPECT_EQ(w.uid_spec, "app");
  EXPECT_EQ(w.working_dir, "/srv/app/sub/dir");
  EXPECT_EQ(w.hooks.at("before_start"), "mod.fn, true");
  ASSERT_TRUE(w.args);
  Result<std::vector<std::string>> words = ShellSplit(*w.args);
  ASSERT_TRUE(words.ok());
  EXPECT_EQ(*words, (std::vector<std::string>{"a b", "$(circus.wid)"}));
  EXPECT_EQ(w.explicit_keys.at("max_rss"), "512M");
  EXPECT_EQ(w.explicit_keys.at("rlimit_NOFILE"), "100");

  // An explicit gid wins over the user's primary group, in any order.
  c = Apply(Sleeper(), {{"gid", "staff"}, {"uid", 1000}}, env);
  EXPECT_EQ(c.config.gid, 50u);
  EXPECT_EQ(OptionsJson(c.config, "/")["uid"], 1000);
  EXPECT_EQ(OptionsJson(c.config, "/")["gid"], "staff");
}

TEST(ApplyOptionsTest, ExtensionKeysListedOnceSet) {
  FakeConfigEnv env;
  OptionsChange c = Apply(Sleeper(), {{"backoff", false}, {"max_rss", 4096}}, env);
  const json o = OptionsJson(c.config, "/");
  EXPECT_EQ(o["backoff"], false);
  EXPECT_EQ(o["max_rss"], 4096);
  EXPECT_FALSE(o.contains("ready_fd"));
}

TEST(ApplyOptionsTest, Streams) {
  FakeConfigEnv env;
  OptionsChange c =
      Apply(Sleeper(), {{"stdout_stream", {{"class", "FileStream"}, {"filename", "/tmp/a"}}}}, env);
  EXPECT_EQ(c.config.stdout_stream.cls, StreamClass::kFile);
  EXPECT_EQ(c.config.stdout_stream.filename, "/tmp/a");
  // One sub-key on top of the current stream.
  c = Apply(c.config, {{"stdout_stream.max_bytes", 100}, {"stdout_stream.backup_count", "2"}}, env);
  EXPECT_EQ(c.config.stdout_stream.max_bytes, 100);
  EXPECT_EQ(c.config.stdout_stream.backup_count, 2);
  EXPECT_TRUE(c.needs_reload);
  EXPECT_EQ(OptionsJson(c.config, "/")["stdout_stream_conf"], json({{"class", "FileStream"},
                                                                    {"filename", "/tmp/a"},
                                                                    {"max_bytes", "100"},
                                                                    {"backup_count", "2"}}));
  EXPECT_EQ(ApplyError(c.config, {{"stdout_stream.max_bytes", "big"}}),
            "'stdout_stream.max_bytes': 'big' is not an integer");
  EXPECT_EQ(ApplyError(c.config, {{"stdout_stream.filename", json::array()}}),
            "'stdout_stream.filename' isn't a string");
}

TEST(ApplyOptionsTest, EnvReplacesAndCopyEnvAddsDaemonEnv) {
  FakeConfigEnv env;
  env.environment = {{"HOME", "/root"}, {"PATH", "/bin"}};
  WatcherConfig w = Sleeper();
  w.env = {{"OLD", "1"}};

  OptionsChange c = Apply(w, {{"env", {{"A", "$HOME"}}}}, env);
  EXPECT_EQ(c.config.env, (std::map<std::string, std::string>{{"A", "$HOME"}}));
  EXPECT_TRUE(c.needs_reload);

  c = Apply(w, {{"env", {{"PATH", "/opt"}}}, {"copy_env", true}}, env);
  EXPECT_EQ(c.config.env,
            (std::map<std::string, std::string>{{"HOME", "/root"}, {"PATH", "/opt"}}));

  c = Apply(w, {{"copy_env", true}}, env);
  EXPECT_EQ(c.config.env, (std::map<std::string, std::string>{
                              {"HOME", "/root"}, {"OLD", "1"}, {"PATH", "/bin"}}));
  // And off again: the inherited variables go, the watcher's own stay.
  c.config.env["PATH"] = "/mine";
  c = Apply(c.config, {{"copy_env", false}}, env);
  EXPECT_EQ(c.config.env, (std::map<std::string, std::string>{{"OLD", "1"}, {"PATH", "/mine"}}));
}

TEST(WatcherFromAddTest, Defaults) {
  FakeConfigEnv env;
  Result<WatcherConfig> r = WatcherFromAdd("extra2", "sleep", json{"998"}, nullptr, env, "/d");
  ASSERT_TRUE(r.ok()) << r.error();
  WatcherConfig want;
  want.name = "extra2";
  want.cmd = "sleep";
  want.args = "998";
  want.explicit_keys = {{"cmd", "sleep"}, {"args", "[\"998\"]"}};
  EXPECT_EQ(*r, want);
  const json o = OptionsJson(*r, "/d");
  EXPECT_EQ(o["args"], "998");
  EXPECT_EQ(o["numprocesses"], 1);
  EXPECT_EQ(o["graceful_timeout"], 30.0);
  EXPECT_EQ(o["working_dir"], "/d");
  EXPECT_EQ(o["env"], json::object());
}

TEST(WatcherFromAddTest, OptionsAndExtensionKeys) {
  FakeConfigEnv env;
  env.environment = {{"HOME", "/root"}};
  Result<WatcherConfig> r = WatcherFromAdd("x", "run --fast", "a 'b c'",
                                           {{"numprocesses", 2},
                                            {"priority", 7},
                                            {"autostart", false},
                                            {"use_sockets", true},
                                            {"executable", "/bin/run"},
                                            {"shell_args", nullptr},
                                            {"ready_fd", 5},
                                            {"notify_socket", true},
                                            {"ready_timeout", 10},
                                            {"backoff", false},
                                            {"backoff_initial", 0.5},
                                            {"backoff_factor", 1.5},
                                            {"backoff_max", 5},
                                            {"backoff_reset", 3},
                                            {"backoff_jitter", 0},
                                            {"max_rss", "1G"},
                                            {"copy_env", true}},
                                           env, "/d");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->cmd, "run --fast");
  EXPECT_EQ(r->args, "a 'b c'");
  EXPECT_EQ(r->numprocesses, 2);
  EXPECT_EQ(r->priority, 7);
  EXPECT_FALSE(r->autostart);
  EXPECT_TRUE(r->use_sockets);
  EXPECT_EQ(r->ready_fd, 5);
  EXPECT_TRUE(r->notify_socket);
  EXPECT_EQ(r->ready_timeout, 10);
  EXPECT_EQ(r->backoff, (BackoffPolicy{false, 0.5, 1.5, 5, 3, 0}));
  EXPECT_EQ(r->max_rss, int64_t{1} << 30);
  EXPECT_EQ(r->env, (std::map<std::string, std::string>{{"HOME", "/root"}}));
  EXPECT_EQ(OptionsJson(*r, "/")["ready_fd"], 5);
}

TEST(WatcherFromAddTest, Errors) {
  FakeConfigEnv env;
  EXPECT_EQ(WatcherFromAdd("", "x", nullptr, nullptr, env, "/").error(),
            "'name' must be a non-empty string");
  EXPECT_EQ(WatcherFromAdd("w", "x", nullptr, json::array(), env, "/").error(),
            "'options' must be an object");
  EXPECT_EQ(WatcherFromAdd("w", "x", 5, nullptr, env, "/").error(),
            "'args' isn't a string or an array of strings");
  EXPECT_EQ(WatcherFromAdd("w", "", nullptr, nullptr, env, "/").error(), "'cmd' must not be empty");
  EXPECT_EQ(WatcherFromAdd("w", "x", nullptr, {{"singleton", true}, {"numprocesses", 3}}, env, "/")
                .error(),
            "singleton watcher 'w' can only have 0 or 1 process");
  EXPECT_EQ(WatcherFromAdd("w", "x", nullptr, {{"bogus", 1}}, env, "/").error(),
            "unknown key 'bogus'");
}

}  // namespace
}  // namespace ringmaster
