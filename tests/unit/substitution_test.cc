#include "core/substitution.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

using Words = std::vector<std::string>;

TEST(SubstitutionTest, FindsBothFormsCaseInsensitively) {
  std::vector<CircusRef> refs =
      FindCircusRefs("a $(circus.env.HOME) b ((CIRCUS.Wid)) $(Circus.sockets.web-1_x.y)");
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(refs[0].key, "env.home");
  EXPECT_EQ(refs[0].pos, 2u);
  EXPECT_EQ(refs[0].text, "$(circus.env.HOME)");
  EXPECT_EQ(refs[1].key, "wid");
  EXPECT_EQ(refs[1].text, "((CIRCUS.Wid))");
  EXPECT_EQ(refs[2].key, "sockets.web-1_x.y");
}

TEST(SubstitutionTest, IgnoresMalformedReferences) {
  for (const char* t : {"$(circus.)", "$(circus.a b)", "$(circus.x", "((circus.x)", "$(other.x)",
                        "$(circusx)", "(circus.x)", "$circus.x", "${circus.x}"}) {
    EXPECT_TRUE(FindCircusRefs(t).empty()) << t;
  }
}

TEST(SubstitutionTest, ReplaceKeepsUnknownVerbatim) {
  auto replace = [](const CircusRef& r) -> std::optional<std::string> {
    if (r.key == "env.a") return "$(circus.env.b)";  // not scanned again
    return std::nullopt;
  };
  EXPECT_EQ(ReplaceCircusRefs("x$(circus.env.A)y ((circus.Nope)) $WID", replace),
            "x$(circus.env.b)y ((circus.Nope)) $WID");
}

TEST(SubstitutionTest, BareWid) {
  EXPECT_TRUE(ContainsBareWid("--id $WID"));
  EXPECT_TRUE(ContainsBareWid("$WID/x"));
  EXPECT_FALSE(ContainsBareWid("$WIDTH"));
  EXPECT_FALSE(ContainsBareWid("$wid"));
  EXPECT_FALSE(ContainsBareWid("$(circus.wid)"));
}

TEST(SubstitutionTest, ReferencedSockets) {
  EXPECT_EQ(ReferencedSockets("--fd $(circus.sockets.Web) ((circus.sockets.api)) $(circus.wid)"),
            (std::set<std::string>{"web", "api"}));
  EXPECT_TRUE(ReferencedSockets("none").empty());
}

TEST(SubstitutionTest, ExpandEnvVars) {
  const std::map<std::string, std::string> env = {{"PATH", "/bin"}, {"HOME", "/h"}, {"A_1", "x"}};
  EXPECT_EQ(ExpandEnvVars("$PATH:/opt/bin", env), "/bin:/opt/bin");
  EXPECT_EQ(ExpandEnvVars("$HOME/bin $A_1.", env), "/h/bin x.");
  EXPECT_EQ(ExpandEnvVars("$home stays, ${HOME} too", env), "$home stays, ${HOME} too");
  EXPECT_EQ(ExpandEnvVars("[$UNDEFINED]", env), "[]");
  EXPECT_EQ(ExpandEnvVars("$HOMEX", env), "");
  EXPECT_EQ(ExpandEnvVars("$ $1 $", env), "$ $1 $");
}

TEST(SubstituteSpawnTest, EveryPass3Key) {
  const std::map<std::string, std::string> child = {{"Home", "/h"}, {"PORT", "80"}};
  SpawnVars vars;
  vars.wid = 3;
  vars.socket_fds = {{"web", 5}};
  vars.child_env = &child;
  vars.ready_fd = 4;
  EXPECT_EQ(SubstituteSpawn("$(circus.wid) ((circus.wid)) $WID $WIDTH", vars), "3 3 3 $WIDTH");
  EXPECT_EQ(SubstituteSpawn("$(circus.sockets.WEB) $(circus.sockets.api)", vars),
            "5 $(circus.sockets.api)");
  EXPECT_EQ(SubstituteSpawn("$(circus.env.home):$(circus.env.port) $(circus.env.x)", vars),
            "/h:80 $(circus.env.x)");
  EXPECT_EQ(SubstituteSpawn("--notify-fd $(circus.ready_fd)", vars), "--notify-fd 4");
  EXPECT_EQ(SubstituteSpawn("$(circus.numprocesses)", vars), "$(circus.numprocesses)");
}

TEST(SubstituteSpawnTest, MissingInputsStayVerbatim) {
  SpawnVars vars;
  EXPECT_EQ(SubstituteSpawn("$(circus.ready_fd) $(circus.env.HOME)", vars),
            "$(circus.ready_fd) $(circus.env.HOME)");
}

TEST(BuildArgvTest, CmdThenArgs) {
  WatcherConfig w;
  w.cmd = "/bin/server --id $(circus.wid) --fd $(circus.sockets.web)";
  w.args = "'a b' \"c\"";
  SpawnVars vars;
  vars.wid = 2;
  vars.socket_fds = {{"web", 7}};
  EXPECT_EQ(BuildArgv(w, vars).value(),
            (Words{"/bin/server", "--id", "2", "--fd", "7", "a b", "c"}));
}

TEST(BuildArgvTest, SubstitutionBeforeSplitting) {
  const std::map<std::string, std::string> child = {{"OPTS", "-a -b"}};
  WatcherConfig w;
  w.cmd = "prog $(circus.env.opts)";
  SpawnVars vars;
  vars.child_env = &child;
  EXPECT_EQ(BuildArgv(w, vars).value(), (Words{"prog", "-a", "-b"}));
}

TEST(BuildArgvTest, Shell) {
  WatcherConfig w;
  w.cmd = "echo 'a b' $WID";
  w.args = "\"it's ok\"";
  w.shell = true;
  w.shell_args = "zero one";
  SpawnVars vars;
  vars.wid = 1;
  EXPECT_EQ(BuildArgv(w, vars).value(),
            (Words{"/bin/sh", "-c", "echo 'a b' 1 'it'\"'\"'s ok'", "zero", "one"}));
  w.shell_args.reset();
  EXPECT_EQ(BuildArgv(w, vars).value().size(), 3u);
}

TEST(BuildArgvTest, Errors) {
  WatcherConfig w;
  SpawnVars vars;
  w.cmd = "echo 'x";
  EXPECT_EQ(BuildArgv(w, vars).error(), "cmd: no closing quotation");
  w.cmd = "echo";
  w.args = "\"";
  EXPECT_EQ(BuildArgv(w, vars).error(), "args: no closing quotation");
  w.args.reset();
  w.shell = true;
  w.shell_args = "\\";
  EXPECT_EQ(BuildArgv(w, vars).error(), "shell_args: no escaped character");
  w.cmd = "";
  EXPECT_EQ(BuildArgv(w, vars).error(), "cmd: the command is empty");
}

}  // namespace
}  // namespace ringmaster
