// Section dispatch, cross-section checks, ordering and the substitution passes
// (docs/config.md §4, §9, §11.3), through LoadConfig.
#include "core/config_builder.h"

#include <gtest/gtest.h>

#include "tests/support/fake_config_env.h"

namespace ringmaster {
namespace {

using Lines = std::vector<std::string>;

TEST(ConfigBuilderTest, UnknownSectionsWarn) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[foo]\na = 1\n[Watcher:x]\ncmd = x\n[CIRCUS]\nx = 1\n"
                          "[DEFAULT]\nnumprocesses = 3\n[watcher:w]\ncmd = w\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->watchers.size(), 1u);
  EXPECT_EQ(r.config->watchers[0].numprocesses, 1);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:1: [foo]: unknown section; ignored",
                   "/etc/rm/main.ini:3: [Watcher:x]: unknown section; ignored (section names are "
                   "case-sensitive: did you mean [watcher:x]?)",
                   "/etc/rm/main.ini:5: [CIRCUS]: unknown section; ignored (section names are "
                   "case-sensitive: did you mean [circus]?)",
                   "/etc/rm/main.ini:7: [DEFAULT]: [DEFAULT] is not supported (its keys are not "
                   "copied into other sections); section ignored"}));
}

TEST(ConfigBuilderTest, EmptySectionsAreSkipped) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[watcher:x]\n# nothing\n[circus]\n[watcher:y]\ncmd = y\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  ASSERT_EQ(r.config->watchers.size(), 1u);
  EXPECT_EQ(r.config->watchers[0].name, "y");
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:1: [watcher:x]: the section has no keys; ignored",
                   "/etc/rm/main.ini:3: [circus]: the section has no keys; ignored"}));
}

TEST(ConfigBuilderTest, SectionWithKeysInAnotherFileIsNotEmpty) {
  FakeConfigEnv env;
  env.files["/etc/rm/inc.ini"] = "[watcher:x]\ncmd = x\n";
  LoadResult r = LoadText(env, "[circus]\ninclude = inc.ini\n[watcher:x]\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  ASSERT_EQ(r.config->watchers.size(), 1u);
  EXPECT_EQ(r.config->watchers[0].loc, (SourceLoc{"/etc/rm/main.ini", 3}));
  EXPECT_TRUE(r.warnings.empty()) << Dump(r.warnings);
}

TEST(ConfigBuilderTest, Plugins) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[plugin:statsd]\nuse = circus.plugins.StatsdEmitter\n"
                          "priority = 2\nanything = goes\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_TRUE(r.config->watchers.empty());
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:1: [plugin:statsd]: plugins are not supported; "
                   "[plugin:statsd] ignored"}));
}

TEST(ConfigBuilderTest, PluginKeysAreSyntaxChecked) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[plugin:a]\npriority = high\n[plugin:b]\nuse = notdotted\n");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:1: [plugin:a]: 'use' is required",
                   "/etc/rm/main.ini:2: [plugin:a] priority: 'high' is not an integer",
                   "/etc/rm/main.ini:4: [plugin:b] use: 'notdotted' is not a dotted Python class "
                   "name"}));
}

TEST(ConfigBuilderTest, WatcherNamesDifferingOnlyInCase) {
  FakeConfigEnv env;
  env.files["/etc/rm/inc.ini"] = "[watcher:WEB]\ncmd = c\n";
  LoadResult r = LoadText(env,
                          "[circus]\ninclude = inc.ini\n[watcher:web]\ncmd = a\n"
                          "[watcher:Web]\ncmd = b\n");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:5: [watcher:Web]: the name differs only in case from "
                   "[watcher:web] at /etc/rm/main.ini:3; watcher names are case-insensitive",
                   "/etc/rm/inc.ini:1: [watcher:WEB]: the name differs only in case from "
                   "[watcher:web] at /etc/rm/main.ini:3; watcher names are case-insensitive"}));
}

TEST(ConfigBuilderTest, SocketNamesDifferingOnlyInCase) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[socket:web]\nport = 1\n[socket:Web]\nport = 2\n");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:3: [socket:web]: the same socket as the section at "
                   "/etc/rm/main.ini:1 (socket names are lowercased)"}));
}

TEST(ConfigBuilderTest, WatchersByPriorityThenName) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[watcher:c]\ncmd = x\n[watcher:b]\ncmd = x\npriority = -1\n"
                          "[watcher:a]\ncmd = x\n[watcher:z]\ncmd = x\npriority = 10\n"
                          "[socket:s2]\nport = 0\n[socket:S1]\nport = 0\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  Lines names;
  for (const WatcherConfig& w : r.config->watchers) names.push_back(w.name);
  EXPECT_EQ(names, (Lines{"z", "a", "c", "b"}));
  ASSERT_EQ(r.config->sockets.size(), 2u);
  EXPECT_EQ(r.config->sockets[0].name, "s1");
  EXPECT_EQ(r.config->sockets[1].name, "s2");
}

// Pass 1: [circus]/[socket:*] see the daemon's environment and [env]; pass 1':
// [env] sees only the daemon's environment; pass 2: watchers also see the raw
// [env:*] values.
TEST(ConfigBuilderTest, SubstitutionPasses) {
  FakeConfigEnv env;
  env.environment = {{"HOME", "/home/me"}, {"RUN", "/run"}};
  LoadResult r = LoadText(env, R"ini(
[env]
APP = $(circus.env.HOME)/app
SELF = $(circus.env.APP)
[env:web]
PATHX = $HOME/bin
[circus]
pidfile = $(circus.env.APP)/pid
logoutput = ((CIRCUS.ENV.run))/log
[socket:web]
path = $(circus.env.app)/web.sock
[watcher:web]
cmd = $(circus.env.pathx) $(circus.env.APP)
working_dir = $(circus.env.home)
[watcher:other]
cmd = $(circus.env.pathx)
)ini");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->circus.pidfile, "/home/me/app/pid");
  EXPECT_EQ(r.config->circus.logoutput, "/run/log");
  EXPECT_EQ(r.config->sockets[0].path, "/home/me/app/web.sock");
  const WatcherConfig* web = r.config->FindWatcher("web");
  EXPECT_EQ(web->cmd, "$HOME/bin /home/me/app");  // §4.2: $VAR expansion comes after pass 2
  EXPECT_EQ(web->working_dir, "/home/me");
  EXPECT_EQ(web->env.at("PATHX"), "/home/me/bin");
  EXPECT_EQ(web->env.at("SELF"), "$(circus.env.APP)");
  EXPECT_EQ(r.config->FindWatcher("other")->cmd, "$(circus.env.pathx)");
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:4: [env] SELF: unknown reference '$(circus.env.APP)'; left "
                   "as written",
                   "/etc/rm/main.ini:16: [watcher:other] cmd: unknown reference "
                   "'$(circus.env.pathx)'; left as written"}));
}

TEST(ConfigBuilderTest, UnknownReferencesWarnAndStay) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[circus]\npidfile = $(circus.endpoint)/x\n"
                          "[watcher:w]\ncmd = run $(circus.name) ((circus.wid))\n"
                          "working_dir = /w/$(circus.wid)\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->circus.pidfile, "$(circus.endpoint)/x");
  EXPECT_EQ(r.config->watchers[0].cmd, "run $(circus.name) ((circus.wid))");
  EXPECT_EQ(r.config->watchers[0].working_dir, "/w/$(circus.wid)");
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:2: [circus] pidfile: unknown reference '$(circus.endpoint)'; "
                   "left as written",
                   "/etc/rm/main.ini:4: [watcher:w] cmd: unknown reference '$(circus.name)'; left "
                   "as written",
                   "/etc/rm/main.ini:5: [watcher:w] working_dir: unknown reference "
                   "'$(circus.wid)'; left as written"}));
}

// A reference to a socket with no [socket:NAME] section loads (Circus's
// issue395.ini): a warning naming it, and the text is left as written.
TEST(ConfigBuilderTest, SocketReferences) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[socket:Web]\nport = 0\n[watcher:w]\n"
                          "cmd = s --fd $(circus.sockets.web) --fd2 $(circus.sockets.WEB)\n"
                          "args = $(circus.sockets.api)\n[circus]\n"
                          "pidfile = $(circus.sockets.nope)\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->watchers[0].args.value_or(""), "$(circus.sockets.api)");
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:5: [watcher:w] args: '$(circus.sockets.api)' names no "
                   "[socket:api] section; left as written, as Circus does",
                   "/etc/rm/main.ini:7: [circus] pidfile: '$(circus.sockets.nope)' names no "
                   "[socket:nope] section; left as written, as Circus does"}));
}

TEST(ConfigBuilderTest, SocketReferenceKeptForPass3) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env,
                          "[socket:web]\nport = 0\n[watcher:w]\n"
                          "cmd = s --fd $(circus.sockets.web)\nworking_dir = "
                          "$(circus.sockets.web)\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->watchers[0].cmd, "s --fd $(circus.sockets.web)");
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:5: [watcher:w] working_dir: '$(circus.sockets.web)' is only "
                   "substituted in cmd, args and shell_args; left as written"}));
}

TEST(ConfigBuilderTest, EnvPatternSections) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, R"ini(
[env:web, work*]
A = 1
B = 1
[env:worker]
A = 2
[env:Web]
C = 3
[env:  ,]
D = 4
[watcher:web]
cmd = x
[watcher:worker]
cmd = x
[watcher:Web2]
cmd = x
[env:web]
B = late
)ini");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->FindWatcher("web")->env,
            (std::map<std::string, std::string>{{"A", "1"}, {"B", "late"}}));
  EXPECT_EQ(r.config->FindWatcher("worker")->env,
            (std::map<std::string, std::string>{{"A", "2"}, {"B", "1"}}));
  EXPECT_TRUE(r.config->FindWatcher("Web2")->env.empty());
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:9: [env:  ,]: no watcher name patterns; section ignored"}));
}

}  // namespace
}  // namespace ringmaster
