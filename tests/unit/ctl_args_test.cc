// ringctl argv -> request mapping (ctl/args.h), its usage errors, the help
// texts generated from the spec table, and shell completion candidates.
#include <gtest/gtest.h>

#include "ctl/args.h"
#include "ctl/completion.h"
#include "ctl/help.h"

namespace ringmaster {
namespace {

using nlohmann::json;
using Words = std::vector<std::string>;

// Parses and returns the properties; fails the test on a usage error.
json Props(const Words& words, GlobalOptions* globals = nullptr) {
  GlobalOptions local;
  Result<Invocation> r = ParseCommandWords(words, globals ? globals : &local);
  EXPECT_TRUE(r.ok()) << words[0] << ": " << r.error();
  return r.ok() ? r->properties : json();
}

// Parses and returns the usage error; fails the test when parsing succeeds.
std::string UsageError(const Words& words) {
  GlobalOptions globals;
  Result<Invocation> r = ParseCommandWords(words, &globals);
  EXPECT_FALSE(r.ok()) << "accepted: " << (r.ok() ? r->properties.dump() : "");
  return r.ok() ? "" : r.error();
}

TEST(CtlArgsTest, IncrMapsNameAndNb) {
  EXPECT_EQ(Props({"incr", "web", "2"}), json({{"name", "web"}, {"nb", 2}}));
  EXPECT_EQ(Props({"incr", "web"}), json({{"name", "web"}}));
  EXPECT_EQ(Props({"decr", "web", "2"}), json({{"name", "web"}, {"nb", 2}}));
  EXPECT_EQ(Props({"INCR", "web", "--nb", "3"}), json({{"name", "web"}, {"nb", 3}}));
}

TEST(CtlArgsTest, IncrUsageErrors) {
  EXPECT_EQ(UsageError({"incr"}), "incr: missing NAME");
  EXPECT_EQ(UsageError({"incr", "web", "two"}), "incr: 'nb' must be an integer");
  EXPECT_EQ(UsageError({"decr", "web", "-2"}), "decr: 'nb' must be at least 1");
  EXPECT_EQ(UsageError({"incr", "web", "0"}), "incr: 'nb' must be at least 1");
  EXPECT_EQ(UsageError({"incr", "web", "1.5"}), "incr: 'nb' must be an integer");
  EXPECT_EQ(UsageError({"incr", "web", "2", "3"}), "incr: unexpected argument '3'");
  EXPECT_EQ(UsageError({"incr", "web", "--bogus"}),
            "incr: unknown option '--bogus' (see 'ringctl help incr')");
  EXPECT_EQ(UsageError({"incr", "web", "--nb"}), "incr: option '--nb' needs a value");
}

TEST(CtlArgsTest, UnknownCommand) {
  EXPECT_EQ(UsageError({"frobnicate"}), "unknown command 'frobnicate' (see 'ringctl help')");
  EXPECT_EQ(UsageError({}), "no command given (see 'ringctl help')");
}

TEST(CtlArgsTest, Signal) {
  EXPECT_EQ(Props({"signal", "web", "HUP", "--pid", "42", "--children"}),
            json({{"name", "web"}, {"signum", "HUP"}, {"pid", 42}, {"children", true}}));
  EXPECT_EQ(Props({"signal", "web", "9", "42", "43"}),
            json({{"name", "web"}, {"signum", 9}, {"pid", 42}, {"childpid", 43}}));
  EXPECT_EQ(Props({"signal", "web", "SIGUSR1", "--recursive"}),
            json({{"name", "web"}, {"signum", "SIGUSR1"}, {"recursive", true}}));
  EXPECT_EQ(UsageError({"signal", "web"}), "signal: missing SIGNUM");
  EXPECT_NE(UsageError({"signal", "web", "BOGUS"}).find("'signum' must be a signal"),
            std::string::npos);
  EXPECT_EQ(UsageError({"signal", "web", "HUP", "--pid", "x"}), "signal: 'pid' must be an integer");
}

TEST(CtlArgsTest, Kill) {
  EXPECT_EQ(Props({"kill", "web", "--pid", "42", "--signum", "KILL", "--graceful-timeout", "3"}),
            json({{"name", "web"}, {"pid", 42}, {"signum", "KILL"}, {"graceful_timeout", 3}}));
  EXPECT_EQ(Props({"kill", "web", "42", "--graceful-timeout=0.5"}),
            json({{"name", "web"}, {"pid", 42}, {"graceful_timeout", 0.5}}));
  EXPECT_EQ(UsageError({"kill", "web", "--graceful-timeout", "soon"}),
            "kill: 'graceful_timeout' must be a number");
}

TEST(CtlArgsTest, SetTypesValues) {
  EXPECT_EQ(Props({"set", "web", "numprocesses", "4", "graceful_timeout", "10"}),
            json({{"name", "web"}, {"options", {{"numprocesses", 4}, {"graceful_timeout", 10}}}}));
  EXPECT_EQ(Props({"set", "web", "warmup_delay", "0.5", "respawn", "false", "uid", "null"}),
            json({{"name", "web"},
                  {"options", {{"warmup_delay", 0.5}, {"respawn", false}, {"uid", nullptr}}}}));
  EXPECT_EQ(Props({"set", "web", "cmd", "1234", "env", R"({"A":"b"})"}),
            json({{"name", "web"}, {"options", {{"cmd", "1234"}, {"env", {{"A", "b"}}}}}}));
  EXPECT_EQ(UsageError({"set", "web"}), "set: missing KEY VALUE");
  EXPECT_EQ(UsageError({"set", "web", "numprocesses", "4", "respawn"}),
            "set: option 'respawn' has no VALUE");
}

TEST(CtlArgsTest, ConvertOptionValue) {
  EXPECT_EQ(ConvertOptionValue("numprocesses", "4"), json(4));
  EXPECT_EQ(ConvertOptionValue("graceful_timeout", "2.5"), json(2.5));
  EXPECT_EQ(ConvertOptionValue("shell", "True"), json(true));
  EXPECT_EQ(ConvertOptionValue("stop_signal", "TERM"), json("TERM"));
  EXPECT_EQ(ConvertOptionValue("max_rss", "512M"), json("512M"));
  EXPECT_EQ(ConvertOptionValue("working_dir", "/srv"), json("/srv"));
  EXPECT_EQ(ConvertOptionValue("args", "100"), json("100"));
  EXPECT_EQ(ConvertOptionValue("args", R"(["-x", "1"])"), json({"-x", "1"}));
  EXPECT_EQ(ConvertOptionValue("executable", "true"), json("true"));
  EXPECT_EQ(ConvertOptionValue("stdout_stream.max_bytes", "1024"), json(1024));
  EXPECT_EQ(ConvertOptionValue("stdout_stream.filename", "123"), json("123"));
  EXPECT_EQ(ConvertOptionValue("hooks.before_start", "1"), json("1"));
  EXPECT_EQ(ConvertOptionValue("rlimit_nofile", "null"), json(nullptr));
}

TEST(CtlArgsTest, GetCollectsKeys) {
  EXPECT_EQ(Props({"get", "web", "numprocesses", "env"}),
            json({{"name", "web"}, {"keys", {"numprocesses", "env"}}}));
  EXPECT_EQ(UsageError({"get", "web"}), "get: missing KEY");
}

TEST(CtlArgsTest, Add) {
  EXPECT_EQ(Props({"add", "web", "sleep 100", "--start"}),
            json({{"name", "web"}, {"cmd", "sleep 100"}, {"start", true}}));
  EXPECT_EQ(Props({"add", "web", "sleep", "100", "--", "-x"}),
            json({{"name", "web"}, {"cmd", "sleep"}, {"args", {"100", "-x"}}}));
  EXPECT_EQ(Props({"add", "web", "sleep", "--options", R"({"numprocesses": 2})"}),
            json({{"name", "web"}, {"cmd", "sleep"}, {"options", {{"numprocesses", 2}}}}));
  EXPECT_EQ(UsageError({"add", "web"}), "add: missing CMD");
  EXPECT_EQ(UsageError({"add", "", "sleep"}), "add: 'name' must be a non-empty string");
  EXPECT_EQ(UsageError({"add", "web", "sleep", "--options", "[1]"}),
            "add: 'options' must be a JSON object");
}

TEST(CtlArgsTest, LifecycleCommandsTakeMatch) {
  for (const char* cmd : {"start", "stop", "restart"}) {
    EXPECT_EQ(Props({cmd}), json::object());
    EXPECT_EQ(Props({cmd, "web*", "--match", "glob"}), json({{"name", "web*"}, {"match", "glob"}}));
    EXPECT_EQ(Props({cmd, "^w", "--match=regex"}), json({{"name", "^w"}, {"match", "regex"}}));
    EXPECT_EQ(UsageError({cmd, "web", "--match", "fuzzy"}),
              std::string(cmd) + ": unknown match method fuzzy");
  }
  EXPECT_EQ(UsageError({"reload", "web", "--match", "glob"}),
            "reload: unknown option '--match' (see 'ringctl help reload')");
}

TEST(CtlArgsTest, RollingFlags) {
  EXPECT_EQ(Props({"restart", "web", "--graceful", "--max-surge", "1", "--max-unavailable", "0"}),
            json({{"name", "web"}, {"graceful", true}, {"max_surge", 1}, {"max_unavailable", 0}}));
  EXPECT_EQ(Props({"reload", "web", "--sequential", "--max-unavailable", "25%"}),
            json({{"name", "web"}, {"sequential", true}, {"max_unavailable", "25%"}}));
  EXPECT_EQ(Props({"reload", "--no-graceful"}), json({{"graceful", false}}));
  EXPECT_EQ(Props({"reload", "--graceful=false"}), json({{"graceful", false}}));
  EXPECT_EQ(UsageError({"restart", "web", "--max-surge", "-1"}),
            "restart: 'max_surge' must be a count >= 0 or a percentage like 25%");
  EXPECT_EQ(UsageError({"reload", "--sequential=maybe"}), "reload: 'sequential' must be a boolean");
}

TEST(CtlArgsTest, WaitSetsWaiting) {
  GlobalOptions globals;
  EXPECT_EQ(Props({"restart", "web", "--wait"}, &globals),
            json({{"name", "web"}, {"waiting", true}}));
  EXPECT_TRUE(globals.wait);
  EXPECT_EQ(globals.EffectiveTimeout(), kDefaultWaitTimeout);

  GlobalOptions pre;
  pre.wait = true;
  EXPECT_EQ(Props({"quit"}, &pre), json({{"waiting", true}}));
  EXPECT_EQ(Props({"incr", "web", "--waiting"}), json({{"name", "web"}, {"waiting", true}}));
}

TEST(CtlArgsTest, GlobalFlagsAfterTheCommand) {
  GlobalOptions globals;
  EXPECT_EQ(Props({"status", "web", "--json", "--timeout", "2.5"}, &globals),
            json({{"name", "web"}}));
  EXPECT_TRUE(globals.json);
  EXPECT_EQ(globals.EffectiveTimeout(), 2.5);
  EXPECT_EQ(UsageError({"status", "--timeout", "0"}),
            "status: --timeout must be a positive number of seconds");
}

TEST(CtlArgsTest, DefaultTimeouts) {
  GlobalOptions g;
  EXPECT_EQ(g.EffectiveTimeout(), kDefaultTimeout);
  g.wait = true;
  EXPECT_EQ(g.EffectiveTimeout(), kDefaultWaitTimeout);
  g.timeout = 30;
  EXPECT_EQ(g.EffectiveTimeout(), 30);
}

TEST(CtlArgsTest, ReadCommands) {
  EXPECT_EQ(Props({"status", "web", "--detail"}), json({{"name", "web"}, {"detail", true}}));
  EXPECT_EQ(Props({"stats"}), json::object());
  EXPECT_EQ(Props({"stats", "web", "42"}), json({{"name", "web"}, {"process", 42}}));
  EXPECT_EQ(Props({"list", "web"}), json({{"name", "web"}}));
  EXPECT_EQ(Props({"numprocesses"}), json::object());
  EXPECT_EQ(Props({"globaloptions", "check_delay"}), json({{"option", "check_delay"}}));
  EXPECT_EQ(Props({"options", "web"}), json({{"name", "web"}}));
  EXPECT_EQ(Props({"reloadconfig"}), json::object());
  EXPECT_EQ(Props({"rm", "web", "--nostop"}), json({{"name", "web"}, {"nostop", true}}));
  EXPECT_EQ(UsageError({"options"}), "options: missing NAME");
  EXPECT_EQ(UsageError({"dstats", "x"}), "dstats: unexpected argument 'x'");
  EXPECT_EQ(UsageError({"stats", "web", "pid"}), "stats: 'process' must be an integer");
}

TEST(CtlArgsTest, HelpAndListen) {
  GlobalOptions g;
  Result<Invocation> help = ParseCommandWords({"help", "incr"}, &g);
  ASSERT_TRUE(help.ok());
  EXPECT_EQ(help->command, "help");
  EXPECT_EQ(help->help_topic, "incr");

  Result<Invocation> flag_help = ParseCommandWords({"restart", "--help"}, &g);
  ASSERT_TRUE(flag_help.ok());
  EXPECT_EQ(flag_help->command, "help");
  EXPECT_EQ(flag_help->help_topic, "restart");

  EXPECT_EQ(UsageError({"help", "bogus"}), "help: unknown command 'bogus'");

  Result<Invocation> listen = ParseCommandWords({"listen"}, &g);
  ASSERT_TRUE(listen.ok());
  EXPECT_EQ(listen->listen_topic, "watcher.");
  listen = ParseCommandWords({"listen", "watcher.web."}, &g);
  ASSERT_TRUE(listen.ok());
  EXPECT_EQ(listen->listen_topic, "watcher.web.");
  EXPECT_EQ(UsageError({"listen", "a", "b"}), "listen: unexpected argument 'b'");
}

TEST(CtlArgsTest, Synopses) {
  EXPECT_EQ(Synopsis(*FindCommandSpec("stats")), "stats [NAME [PID]]");
  EXPECT_EQ(Synopsis(*FindCommandSpec("set")), "set NAME KEY VALUE [KEY VALUE...]");
  EXPECT_EQ(Synopsis(*FindCommandSpec("add")), "add NAME CMD [ARG...]");
  EXPECT_EQ(Synopsis(*FindCommandSpec("incr")), "incr NAME [NB]");
  EXPECT_EQ(Synopsis(*FindCommandSpec("quit")), "quit");
  EXPECT_EQ(FlagName("graceful_timeout"), "--graceful-timeout");
  EXPECT_EQ(UsageLine("incr"), "usage: ringctl incr NAME [NB] [flags]");
  EXPECT_EQ(UsageLine("options"), "usage: ringctl options NAME");
}

// Every command of the shared table must be usable from ringctl: each
// required property has a positional slot, and the help describes it.
TEST(CtlArgsTest, EveryCommandOfTheSpecTableIsCovered) {
  const std::string list = CommandListHelp();
  for (const CommandSpec& spec : AllCommandSpecs()) {
    std::vector<Positional> layout = PositionalsFor(spec);
    for (const PropSpec& p : spec.props) {
      if (!p.required) continue;
      bool covered = false;
      for (const Positional& pos : layout) covered |= pos.prop == p.name && !pos.optional;
      EXPECT_TRUE(covered) << spec.name << " requires " << p.name;
    }
    EXPECT_NE(list.find(Synopsis(spec)), std::string::npos) << spec.name;
    EXPECT_EQ(CommandHelp(spec.name).rfind("usage: ringctl " + spec.name, 0), 0u) << spec.name;
  }
  EXPECT_NE(CommandHelp("restart").find("--max-surge N|N%"), std::string::npos);
  EXPECT_NE(CommandHelp("restart").find("--wait"), std::string::npos);
  EXPECT_NE(GlobalHelpFooter().find("3  daemon unreachable"), std::string::npos);
}

TEST(CtlCompletionTest, Candidates) {
  CompletionSource src;
  src.watcher_names = [] { return std::vector<std::string>{"web", "worker", "api"}; };
  src.option_keys = [](const std::string& w) {
    return w == "web" ? std::vector<std::string>{"numprocesses", "cmd"}
                      : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(CompletionCandidates({}, "st", src), (V{"start", "stats", "status", "stop"}));
  EXPECT_EQ(CompletionCandidates({}, "li", src), (V{"list", "listen", "listsockets"}));
  EXPECT_EQ(CompletionCandidates({"restart"}, "w", src), (V{"web", "worker"}));
  EXPECT_EQ(CompletionCandidates({"restart", "web"}, "--max", src),
            (V{"--max-surge", "--max-unavailable"}));
  EXPECT_EQ(CompletionCandidates({"restart", "--match"}, "", src), (V{"glob", "regex", "simple"}));
  EXPECT_EQ(CompletionCandidates({"signal", "web"}, "US", src), (V{"USR1", "USR2"}));
  EXPECT_EQ(CompletionCandidates({"set", "web"}, "n", src), (V{"numprocesses"}));
  EXPECT_EQ(CompletionCandidates({"set", "web", "numprocesses"}, "", src), V{});
  EXPECT_EQ(CompletionCandidates({"set", "web", "numprocesses", "3"}, "c", src), (V{"cmd"}));
  EXPECT_EQ(CompletionCandidates({"help"}, "in", src), (V{"incr"}));
  EXPECT_EQ(CompletionCandidates({"incr", "web"}, "", src), V{});
  // A bool flag takes no value, so the next word is still NAME.
  EXPECT_EQ(CompletionCandidates({"reload", "--sequential"}, "a", src), (V{"api"}));
  EXPECT_EQ(CompletionCandidates({"kill", "web", "--signum"}, "KI", src), (V{"KILL"}));
}

}  // namespace
}  // namespace ringmaster
