#include "core/command_spec.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>
#include <set>
#include <string>

namespace ringmaster {
namespace {

using nlohmann::json;

const CommandSpec& Spec(std::string_view name) {
  const CommandSpec* spec = FindCommandSpec(name);
  if (spec == nullptr) {
    ADD_FAILURE() << "no spec for " << name;
    static const CommandSpec kEmpty{"", CommandKind::kRead, false, {}, "", ""};
    return kEmpty;
  }
  return *spec;
}

const PropSpec* Prop(const CommandSpec& spec, const std::string& name) {
  for (const PropSpec& p : spec.props) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// Validates {"<prop>": value} plus `extra` against `command`; "" when ok.
std::string Check(std::string_view command, json properties) {
  Status s = ValidateProperties(Spec(command), properties);
  return s.ok() ? "" : s.message();
}

// The Circus commands, plus the extension `upgrade`.
TEST(CommandSpecTest, TableHasExactlyTheCircusCommands) {
  const std::set<std::string> expected = {"upgrade",
      "add",         "decr",    "dstats", "get",         "globaloptions",
      "incr",        "kill",    "list",   "listsockets", "numprocesses",
      "numwatchers", "options", "quit",   "reload",      "reloadconfig",
      "restart",     "rm",      "set",    "signal",      "start",
      "stats",       "status",  "stop"};
  std::set<std::string> names;
  for (const CommandSpec& spec : AllCommandSpecs()) {
    EXPECT_TRUE(names.insert(spec.name).second) << "duplicate " << spec.name;
    EXPECT_FALSE(spec.summary.empty()) << spec.name;
    for (char c : spec.name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << spec.name;
  }
  EXPECT_EQ(names, expected);
  for (const std::string& name : expected) EXPECT_EQ(FindCommandSpec(name)->name, name);
}

TEST(CommandSpecTest, IpythonAndListenAreNotCommands) {
  EXPECT_EQ(FindCommandSpec("ipython"), nullptr);
  EXPECT_EQ(FindCommandSpec("listen"), nullptr);
  EXPECT_EQ(FindCommandSpec("help"), nullptr);
}

TEST(CommandSpecTest, LookupIsAsciiCaseInsensitiveAndExact) {
  EXPECT_EQ(FindCommandSpec("NUMWATCHERS"), FindCommandSpec("numwatchers"));
  EXPECT_EQ(FindCommandSpec("ReloadConfig")->name, "reloadconfig");
  EXPECT_EQ(FindCommandSpec(" status"), nullptr);
  EXPECT_EQ(FindCommandSpec("status "), nullptr);
  EXPECT_EQ(FindCommandSpec("stat"), nullptr);
  EXPECT_EQ(FindCommandSpec(""), nullptr);
}

TEST(CommandSpecTest, Kinds) {
  for (const char* name : {"add", "decr", "incr", "quit", "reload", "reloadconfig", "restart", "rm",
                           "set", "start", "stop"}) {
    EXPECT_EQ(Spec(name).kind, CommandKind::kChange) << name;
  }
  for (const char* name : {"dstats", "get", "globaloptions", "list", "listsockets", "numprocesses",
                           "numwatchers", "options", "stats", "status"}) {
    EXPECT_EQ(Spec(name).kind, CommandKind::kRead) << name;
  }
  EXPECT_EQ(Spec("signal").kind, CommandKind::kOther);
  EXPECT_EQ(Spec("kill").kind, CommandKind::kOther);
}

TEST(CommandSpecTest, AsyncCommandsAreTheOnesWithABackgroundPhase) {
  const std::set<std::string> async = {"add",          "decr",    "incr", "kill", "quit",  "reload",
                                       "reloadconfig", "restart", "rm",   "set",  "start", "stop",
                                       "upgrade"};
  for (const CommandSpec& spec : AllCommandSpecs()) {
    EXPECT_EQ(spec.async, async.count(spec.name) == 1) << spec.name;
  }
}

TEST(CommandSpecTest, PropertiesMatchTheSpec) {
  auto props = [](const char* command) {
    std::set<std::string> out;
    for (const PropSpec& p : Spec(command).props) out.insert(p.name + (p.required ? "*" : ""));
    return out;
  };
  using S = std::set<std::string>;
  EXPECT_EQ(props("add"), (S{"name*", "cmd*", "args", "options", "start"}));
  EXPECT_EQ(props("decr"), (S{"name*", "nb"}));
  EXPECT_EQ(props("incr"), (S{"name*", "nb"}));
  EXPECT_EQ(props("dstats"), S{});
  EXPECT_EQ(props("get"), (S{"name*", "keys*"}));
  EXPECT_EQ(props("globaloptions"), (S{"option", "detail"}));
  EXPECT_EQ(props("kill"), (S{"name*", "pid", "signum", "graceful_timeout"}));
  EXPECT_EQ(props("list"), S{"name"});
  EXPECT_EQ(props("listsockets"), S{});
  EXPECT_EQ(props("numprocesses"), S{"name"});
  EXPECT_EQ(props("numwatchers"), S{});
  EXPECT_EQ(props("options"), S{"name*"});
  EXPECT_EQ(props("quit"), S{});
  EXPECT_EQ(props("reload"), (S{"name", "graceful", "sequential", "max_unavailable", "max_surge"}));
  EXPECT_EQ(props("reloadconfig"), S{"detail"});
  EXPECT_EQ(props("restart"),
            (S{"name", "match", "graceful", "sequential", "max_unavailable", "max_surge"}));
  EXPECT_EQ(props("rm"), (S{"name*", "nostop"}));
  EXPECT_EQ(props("set"), (S{"name*", "options*"}));
  EXPECT_EQ(props("signal"), (S{"name*", "signum*", "pid", "childpid", "children", "recursive"}));
  EXPECT_EQ(props("start"), (S{"name", "match"}));
  EXPECT_EQ(props("stats"), (S{"name", "process", "extended"}));
  EXPECT_EQ(props("status"), (S{"name", "detail", "summary"}));
  EXPECT_EQ(props("stop"), (S{"name", "match"}));
}

TEST(CommandSpecTest, PropertyTypes) {
  EXPECT_EQ(Prop(Spec("add"), "name")->type, PropType::kNonEmptyString);
  EXPECT_EQ(Prop(Spec("add"), "args")->type, PropType::kStringOrStringArray);
  EXPECT_EQ(Prop(Spec("incr"), "nb")->type, PropType::kPositiveInt);
  EXPECT_EQ(Prop(Spec("kill"), "pid")->type, PropType::kIntOrNumStr);
  EXPECT_EQ(Prop(Spec("kill"), "graceful_timeout")->type, PropType::kNumberOrNumStr);
  EXPECT_EQ(Prop(Spec("kill"), "signum")->type, PropType::kSignal);
  EXPECT_EQ(Prop(Spec("signal"), "signum")->type, PropType::kSignal);
  EXPECT_EQ(Prop(Spec("stats"), "process")->type, PropType::kIntOrNumStr);
  EXPECT_EQ(Prop(Spec("get"), "keys")->type, PropType::kStringArray);
  EXPECT_EQ(Prop(Spec("stop"), "match")->type, PropType::kMatch);
  EXPECT_EQ(Prop(Spec("reload"), "max_surge")->type, PropType::kCountOrPercent);
  EXPECT_EQ(Prop(Spec("set"), "options")->type, PropType::kObject);
}

TEST(CommandSpecTest, Usage) {
  EXPECT_EQ(Spec("incr").usage, "NAME [NB]");
  EXPECT_EQ(Spec("set").usage, "NAME KEY VALUE [KEY VALUE...]");
  EXPECT_EQ(Spec("signal").usage, "NAME SIGNUM [PID]");
  EXPECT_EQ(Spec("add").usage, "NAME CMD [ARGS...]");
  EXPECT_EQ(Spec("numwatchers").usage, "");
}

TEST(CommandSpecTest, RequiredPropertiesFirst) {
  EXPECT_EQ(Check("get", json::object()), "message invalid 'name' is missing");
  EXPECT_EQ(Check("get", {{"name", "w"}}), "message invalid 'keys' is missing");
  EXPECT_EQ(Check("signal", {{"name", 1}}), "message invalid 'signum' is missing");
  EXPECT_EQ(Check("get", {{"name", "w"}, {"keys", {"env"}}}), "");
}

TEST(CommandSpecTest, NullMeansAbsentOnlyForOptionalProperties) {
  EXPECT_EQ(Check("status", {{"name", nullptr}}), "");
  EXPECT_EQ(Check("stop", {{"waiting", nullptr}}), "");
  EXPECT_EQ(Check("options", {{"name", nullptr}}), "'name' must be a string");
}

TEST(CommandSpecTest, UnknownPropertiesAreIgnored) {
  EXPECT_EQ(Check("globaloptions", {{"name", 5}, {"match", "bogus"}}), "");
  EXPECT_EQ(Check("status", {{"nb", "x"}}), "");
}

TEST(CommandSpecTest, WaitingIsABooleanForEveryCommand) {
  // A valid value for every property of every command, then a bad `waiting`.
  const json valid = {{"name", "w"},
                      {"cmd", "c"},
                      {"keys", json::array()},
                      {"signum", 15},
                      {"options", json::object()}};
  for (const CommandSpec& spec : AllCommandSpecs()) {
    json props = json::object();
    for (const PropSpec& p : spec.props) {
      if (p.required) props[p.name] = valid.at(p.name);
    }
    EXPECT_EQ(Check(spec.name, props), "") << spec.name;
    props["waiting"] = true;
    EXPECT_EQ(Check(spec.name, props), "") << spec.name;
    props["waiting"] = 1;
    EXPECT_EQ(Check(spec.name, props), "'waiting' must be a boolean") << spec.name;
    props["waiting"] = "true";
    EXPECT_EQ(Check(spec.name, props), "'waiting' must be a boolean") << spec.name;
  }
}

TEST(CommandSpecTest, StringTypes) {
  EXPECT_EQ(Check("list", {{"name", "w"}}), "");
  EXPECT_EQ(Check("list", {{"name", ""}}), "");
  EXPECT_EQ(Check("list", {{"name", 1}}), "'name' must be a string");
  EXPECT_EQ(Check("list", {{"name", {"w"}}}), "'name' must be a string");
  EXPECT_EQ(Check("add", {{"name", "w"}, {"cmd", "sleep"}}), "");
  EXPECT_EQ(Check("add", {{"name", ""}, {"cmd", "sleep"}}), "'name' must be a non-empty string");
  EXPECT_EQ(Check("add", {{"name", 3}, {"cmd", "sleep"}}), "'name' must be a non-empty string");
  EXPECT_EQ(Check("add", {{"name", "w"}, {"cmd", false}}), "'cmd' must be a string");
}

TEST(CommandSpecTest, IntType) {
  EXPECT_EQ(Check("incr", {{"name", "w"}, {"nb", 2}}), "");
  for (const json& bad : {json("2"), json(2.0), json(2.5), json(true), json::parse("1e2"),
                          json::parse("18446744073709551615")}) {
    EXPECT_EQ(Check("incr", {{"name", "w"}, {"nb", bad}}), "'nb' must be an integer") << bad;
  }
}

// nb is a count: decr with -1000000 used to add a million processes.
TEST(CommandSpecTest, NbMustBeAtLeastOne) {
  for (const char* cmd : {"incr", "decr"}) {
    EXPECT_EQ(Check(cmd, {{"name", "w"}, {"nb", 1}}), "") << cmd;
    EXPECT_EQ(Check(cmd, {{"name", "w"}, {"nb", 9223372036854775807LL}}), "")
        << cmd << ": the daemon checks the resulting count";
    for (const json& bad : {json(0), json(-3), json(-1000000), json(INT64_MIN)}) {
      EXPECT_EQ(Check(cmd, {{"name", "w"}, {"nb", bad}}), "'nb' must be at least 1") << cmd << bad;
    }
    EXPECT_EQ(Check(cmd, {{"name", "w"}, {"nb", "5"}}), "'nb' must be an integer") << cmd;
    EXPECT_EQ(Check(cmd, {{"name", "w"}, {"nb", 1.5}}), "'nb' must be an integer") << cmd;
  }
}

TEST(CommandSpecTest, BoolObjectAndArrayTypes) {
  EXPECT_EQ(Check("rm", {{"name", "w"}, {"nostop", true}}), "");
  EXPECT_EQ(Check("rm", {{"name", "w"}, {"nostop", 1}}), "'nostop' must be a boolean");
  EXPECT_EQ(Check("rm", {{"name", "w"}, {"nostop", "true"}}), "'nostop' must be a boolean");
  EXPECT_EQ(Check("set", {{"name", "w"}, {"options", json::object()}}), "");
  EXPECT_EQ(Check("set", {{"name", "w"}, {"options", json::array()}}),
            "'options' must be an object");
  EXPECT_EQ(Check("get", {{"name", "w"}, {"keys", json::array()}}), "");
  EXPECT_EQ(Check("get", {{"name", "w"}, {"keys", "env"}}), "'keys' must be an array of strings");
  EXPECT_EQ(Check("get", {{"name", "w"}, {"keys", {"env", 1}}}),
            "'keys' must be an array of strings");
}

TEST(CommandSpecTest, StringOrStringArrayType) {
  json base = {{"name", "w"}, {"cmd", "sleep"}};
  for (const json& ok : {json("1 2"), json({"1", "2"}), json::array()}) {
    json p = base;
    p["args"] = ok;
    EXPECT_EQ(Check("add", p), "") << ok;
  }
  for (const json& bad : {json(1), json({1, 2}), json::object()}) {
    json p = base;
    p["args"] = bad;
    EXPECT_EQ(Check("add", p), "'args' must be a string or an array of strings") << bad;
  }
}

TEST(CommandSpecTest, IntOrNumStrType) {
  for (const json& ok : {json(8421), json("8421")}) {
    EXPECT_EQ(Check("kill", {{"name", "w"}, {"pid", ok}}), "") << ok;
  }
  for (const json& bad : {json(""), json("-1"), json("12a"), json(" 12"), json(1.5),
                          json("99999999999999999999"), json(false)}) {
    EXPECT_EQ(Check("kill", {{"name", "w"}, {"pid", bad}}), "'pid' must be an integer") << bad;
  }
  EXPECT_EQ(Check("stats", {{"name", "w"}, {"process", "x"}}), "'process' must be an integer");
}

TEST(CommandSpecTest, NumberTypes) {
  for (const json& ok : {json(2), json(2.5), json("2"), json("2.5"), json(".5")}) {
    EXPECT_EQ(Check("kill", {{"name", "w"}, {"graceful_timeout", ok}}), "") << ok;
  }
  for (const json& bad : {json("abc"), json(""), json("."), json("1.2.3"), json(true)}) {
    EXPECT_EQ(Check("kill", {{"name", "w"}, {"graceful_timeout", bad}}),
              "'graceful_timeout' must be a number")
        << bad;
  }
}

TEST(CommandSpecTest, SignalType) {
  for (const json& ok : {json(15), json("15"), json("TERM"), json("sigusr1"), json("SIGRTMIN+1")}) {
    EXPECT_EQ(Check("signal", {{"name", "w"}, {"signum", ok}}), "") << ok;
  }
  for (const json& bad : {json(0), json(-1), json(1000), json("NOPE"), json("")}) {
    EXPECT_EQ(Check("signal", {{"name", "w"}, {"signum", bad}}), "signal invalid") << bad;
  }
  for (const json& bad : {json(true), json(15.0), json::array(), json::object()}) {
    EXPECT_EQ(Check("signal", {{"name", "w"}, {"signum", bad}}), "'signum' must be a signal")
        << bad;
  }
  EXPECT_EQ(Check("kill", {{"name", "w"}, {"signum", "HUPP"}}), "signal invalid");
}

TEST(CommandSpecTest, MatchType) {
  for (const char* m : {"glob", "simple", "regex"}) {
    EXPECT_EQ(Check("start", {{"name", "w"}, {"match", m}}), "") << m;
  }
  EXPECT_EQ(Check("stop", {{"match", "fuzzy"}}), "unknown match method fuzzy");
  EXPECT_EQ(Check("restart", {{"match", "GLOB"}}), "unknown match method GLOB");
  EXPECT_EQ(Check("restart", {{"match", 1}}), "'match' must be a string");
  // reload has no `match`, so circusctl's extra one is ignored there.
  EXPECT_EQ(Check("reload", {{"match", "fuzzy"}}), "");
}

TEST(CommandSpecTest, CountOrPercentType) {
  for (const json& ok : {json(0), json(3), json("25%"), json("0%"), json("100%")}) {
    EXPECT_EQ(Check("reload", {{"max_surge", ok}}), "") << ok;
    EXPECT_EQ(Check("restart", {{"max_unavailable", ok}}), "") << ok;
  }
  for (const json& bad :
       {json(-1), json("%"), json("25"), json("-5%"), json("2.5%"), json(1.5), json(true)}) {
    EXPECT_EQ(Check("reload", {{"max_surge", bad}}),
              "'max_surge' must be an integer or a percentage")
        << bad;
  }
}

TEST(CommandSpecTest, ExtensionBooleans) {
  EXPECT_EQ(Check("status", {{"detail", true}}), "");
  EXPECT_EQ(Check("status", {{"detail", "yes"}}), "'detail' must be a boolean");
  EXPECT_EQ(Check("globaloptions", {{"detail", 1}}), "'detail' must be a boolean");
  EXPECT_EQ(Check("reloadconfig", {{"detail", 1}}), "'detail' must be a boolean");
  EXPECT_EQ(Check("restart", {{"graceful", 1}}), "'graceful' must be a boolean");
  EXPECT_EQ(Check("restart", {{"sequential", "x"}}), "'sequential' must be a boolean");
  EXPECT_EQ(Check("reload", {{"graceful", false}, {"sequential", true}}), "");
}

TEST(CommandSpecTest, ParseSignalValueNumbers) {
  EXPECT_EQ(ParseSignalValue(15), SIGTERM);
  EXPECT_EQ(ParseSignalValue(1), 1);
  EXPECT_EQ(ParseSignalValue(SIGRTMAX), SIGRTMAX);
  EXPECT_EQ(ParseSignalValue(SIGRTMAX + 1), -1);
  EXPECT_EQ(ParseSignalValue(0), -1);
  EXPECT_EQ(ParseSignalValue(-15), -1);
  EXPECT_EQ(ParseSignalValue(json::parse("18446744073709551615")), -1);
  EXPECT_EQ(ParseSignalValue("9"), SIGKILL);
  EXPECT_EQ(ParseSignalValue("0"), -1);
  EXPECT_EQ(ParseSignalValue("99999999999999999999999"), -1);
}

TEST(CommandSpecTest, ParseSignalValueNames) {
  EXPECT_EQ(ParseSignalValue("TERM"), SIGTERM);
  EXPECT_EQ(ParseSignalValue("SIGTERM"), SIGTERM);
  EXPECT_EQ(ParseSignalValue("term"), SIGTERM);
  EXPECT_EQ(ParseSignalValue("SigHup"), SIGHUP);
  EXPECT_EQ(ParseSignalValue("USR1"), SIGUSR1);
  EXPECT_EQ(ParseSignalValue("sigusr2"), SIGUSR2);
  EXPECT_EQ(ParseSignalValue("KILL"), SIGKILL);
  EXPECT_EQ(ParseSignalValue("RTMIN"), SIGRTMIN);
  EXPECT_EQ(ParseSignalValue("SIGRTMIN+1"), SIGRTMIN + 1);
  EXPECT_EQ(ParseSignalValue("rtmin+2"), SIGRTMIN + 2);
  EXPECT_EQ(ParseSignalValue("RTMAX"), SIGRTMAX);
  EXPECT_EQ(ParseSignalValue("SIGRTMAX-1"), SIGRTMAX - 1);
}

TEST(CommandSpecTest, ParseSignalValueRejects) {
  for (const char* bad : {"", "SIG", "NOPE", "TERM+1", "SIG15", "RTMIN-1", "RTMAX+1", "RTMIN+",
                          "RTMIN+999", "RTMAX-999", " TERM", "TERM ", "-1", "1.0"}) {
    EXPECT_EQ(ParseSignalValue(bad), -1) << bad;
  }
  EXPECT_EQ(ParseSignalValue(true), -1);
  EXPECT_EQ(ParseSignalValue(15.0), -1);
  EXPECT_EQ(ParseSignalValue(nullptr), -1);
  EXPECT_EQ(ParseSignalValue(json::object()), -1);
}

}  // namespace
}  // namespace ringmaster
