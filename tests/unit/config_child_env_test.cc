#include "core/config_child_env.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

using Env = std::map<std::string, std::string>;

TEST(ConfigChildEnvTest, Patterns) {
  EXPECT_EQ(SplitEnvPatterns(" web , work* ,, "), (std::vector<std::string>{"web", "work*"}));
  EXPECT_TRUE(SplitEnvPatterns(" , ").empty());
  EXPECT_TRUE(MatchesAnyPattern({"web", "work*"}, "worker"));
  EXPECT_TRUE(MatchesAnyPattern({"w?b"}, "web"));
  EXPECT_TRUE(MatchesAnyPattern({"[wx]eb"}, "xeb"));
  EXPECT_TRUE(MatchesAnyPattern({"a\\b"}, "a\\b"));  // no escapes, as Python's fnmatch
  EXPECT_TRUE(MatchesAnyPattern({"*"}, "a/b"));
  EXPECT_FALSE(MatchesAnyPattern({"web"}, "Web"));  // case-sensitive
  EXPECT_FALSE(MatchesAnyPattern({}, "web"));
}

TEST(ConfigChildEnvTest, Tables) {
  const Env daemon = {{"HOME", "/h"}, {"Path", "/bin"}};
  EnvSources s(daemon);
  s.SetGlobal({{"APP", "prod"}, {"HOME", "/g"}});
  s.AddPatternSection({"web*"}, {{"X", "$HOME"}});
  s.AddPatternSection({"other"}, {{"Y", "1"}});
  EXPECT_EQ(s.DaemonTable(), (Env{{"home", "/h"}, {"path", "/bin"}}));
  EXPECT_EQ(s.GlobalTable(), (Env{{"home", "/g"}, {"path", "/bin"}, {"app", "prod"}}));
  EXPECT_EQ(s.WatcherTable("web1"),
            (Env{{"home", "/g"}, {"path", "/bin"}, {"app", "prod"}, {"x", "$HOME"}}));
}

TEST(ConfigChildEnvTest, ChildEnvOrderAndExpansion) {
  const Env daemon = {{"HOME", "/h"}, {"PATH", "/bin"}, {"TERM", "xterm"}};
  EnvSources s(daemon);
  s.SetGlobal({{"PATH", "$PATH:/opt"}, {"A", "global"}});
  s.AddPatternSection({"w"}, {{"A", "first"}, {"B", " $HOME/b "}});
  s.AddPatternSection({"w", "z"}, {{"A", "second"}});
  EXPECT_EQ(s.ChildEnv("w", false), (Env{{"PATH", "/bin:/opt"}, {"A", "second"}, {"B", "/h/b"}}));
  EXPECT_EQ(s.ChildEnv("w", true), (Env{{"HOME", "/h"},
                                        {"PATH", "/bin:/opt"},
                                        {"TERM", "xterm"},
                                        {"A", "second"},
                                        {"B", "/h/b"}}));
  EXPECT_EQ(s.ChildEnv("q", false), (Env{{"PATH", "/bin:/opt"}, {"A", "global"}}));
}

}  // namespace
}  // namespace ringmaster
