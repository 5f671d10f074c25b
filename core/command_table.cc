// The command table itself (docs/protocol.md §5, §7, §10). Lookup and
// validation live in command_spec.cc.
#include <utility>

#include "core/command_spec.h"

namespace ringmaster {
namespace {

using K = CommandKind;
using T = PropType;

constexpr bool kAsync = true;  // has a background phase that `waiting` waits for (§5)
constexpr bool kSync = false;

PropSpec Req(const char* name, PropType type, const char* help) {
  return PropSpec{name, type, true, help};
}
PropSpec Opt(const char* name, PropType type, const char* help) {
  return PropSpec{name, type, false, help};
}

PropSpec Name() { return Opt("name", T::kString, "watcher name (case-insensitive)"); }
PropSpec RequiredName() { return Req("name", T::kString, "watcher name (case-insensitive)"); }
PropSpec Match() {
  return Opt("match", T::kMatch, "how NAME is matched: glob (default), simple or regex");
}
PropSpec Detail() { return Opt("detail", T::kBool, "ext: add the extended fields (§10.5)"); }
PropSpec MaxUnavailable() {
  return Opt("max_unavailable", T::kCountOrPercent,
             "ext: old processes that may be down at once, N or N% (default 1)");
}
PropSpec MaxSurge() {
  return Opt("max_surge", T::kCountOrPercent,
             "ext: extra processes spawned before old ones stop, N or N% (default 0)");
}
PropSpec Pid(const char* help) { return Opt("pid", T::kIntOrNumStr, help); }

CommandSpec Cmd(const char* name, CommandKind kind, bool async, std::vector<PropSpec> props,
                const char* summary, const char* usage) {
  return CommandSpec{name, kind, async, std::move(props), summary, usage};
}

std::vector<CommandSpec> BuildTable() {
  std::vector<CommandSpec> t;
  t.push_back(Cmd("add", K::kChange, kAsync,
                  {Req("name", T::kNonEmptyString, "name of the new watcher"),
                   Req("cmd", T::kString, "command to run"),
                   Opt("args", T::kStringOrStringArray,
                       "arguments: a shell-split string or an array of strings"),
                   Opt("options", T::kObject, "watcher options (keys as for set)"),
                   Opt("start", T::kBool, "start the watcher right away")},
                  "Add a watcher at runtime (not saved to the config file)", "NAME CMD [ARGS...]"));
  t.push_back(Cmd("decr", K::kChange, kAsync,
                  {RequiredName(), Opt("nb", T::kPositiveInt, "how many processes to remove (default 1)")},
                  "Decrease a watcher's number of processes", "NAME [NB]"));
  t.push_back(Cmd("dstats", K::kRead, kSync, {}, "Show the daemon's own process statistics", ""));
  t.push_back(Cmd("get", K::kRead, kSync,
                  {RequiredName(), Req("keys", T::kStringArray, "option keys to read")},
                  "Show the values of some options of a watcher", "NAME KEY [KEY...]"));
  t.push_back(Cmd("globaloptions", K::kRead, kSync,
                  {Opt("option", T::kString,
                       "one of endpoint, stats_endpoint, pubsub_endpoint, check_delay, "
                       "multicast_endpoint, max_numprocesses"),
                   Detail()},
                  "Show the daemon's global options", "[OPTION]"));
  t.push_back(Cmd("incr", K::kChange, kAsync,
                  {RequiredName(), Opt("nb", T::kPositiveInt, "how many processes to add (default 1)")},
                  "Increase a watcher's number of processes", "NAME [NB]"));
  t.push_back(Cmd("kill", K::kOther, kAsync,
                  {RequiredName(), Pid("only this process (default: every process)"),
                   Opt("signum", T::kSignal, "signal to send first (default: stop_signal)"),
                   Opt("graceful_timeout", T::kNumberOrNumStr,
                       "seconds before SIGKILL (default: the watcher's graceful_timeout)")},
                  "Stop processes with the stop sequence; the watcher replaces them",
                  "NAME [PID]"));
  t.push_back(Cmd("list", K::kRead, kSync, {Name()},
                  "List the watchers, or the pids of one watcher", "[NAME]"));
  t.push_back(Cmd("listsockets", K::kRead, kSync, {}, "List the bound sockets", ""));
  t.push_back(Cmd("numprocesses", K::kRead, kSync, {Name()},
                  "Count the live processes of one watcher, or of all", "[NAME]"));
  t.push_back(Cmd("numwatchers", K::kRead, kSync, {}, "Count the watchers", ""));
  t.push_back(
      Cmd("options", K::kRead, kSync, {RequiredName()}, "Show every option of a watcher", "NAME"));
  t.push_back(Cmd("quit", K::kChange, kAsync, {}, "Stop every watcher and exit the daemon", ""));
  t.push_back(
      Cmd("reload", K::kChange, kAsync,
          {Name(),
           Opt("graceful", T::kBool, "false: restart instead (stop all, then start); default true"),
           Opt("sequential", T::kBool, "replace the processes a few at a time"), MaxUnavailable(),
           MaxSurge()},
          "Reload watchers: new processes replace the old ones", "[NAME]"));
  t.push_back(Cmd("reloadconfig", K::kChange, kAsync, {Detail()},
                  "Re-read the config file and apply the differences", ""));
  t.push_back(
      Cmd("restart", K::kChange, kAsync,
          {Name(), Match(),
           Opt("graceful", T::kBool,
               "ext: replace the processes step by step instead of stop-all/start-all"),
           Opt("sequential", T::kBool, "ext: same as graceful"), MaxUnavailable(), MaxSurge()},
          "Restart watchers (stop, then start)", "[NAME]"));
  t.push_back(
      Cmd("rm", K::kChange, kAsync,
          {RequiredName(), Opt("nostop", T::kBool, "leave the processes running unsupervised")},
          "Remove a watcher", "NAME"));
  t.push_back(Cmd("set", K::kChange, kAsync,
                  {RequiredName(), Req("options", T::kObject, "option keys and new values")},
                  "Change options of a watcher", "NAME KEY VALUE [KEY VALUE...]"));
  t.push_back(Cmd("signal", K::kOther, kSync,
                  {RequiredName(), Req("signum", T::kSignal, "signal number or name"),
                   Pid("only this process (default: every process)"),
                   Opt("childpid", T::kIntOrNumStr, "only this direct child of pid"),
                   Opt("children", T::kBool, "signal the direct children instead"),
                   Opt("recursive", T::kBool, "signal the processes and all their descendants")},
                  "Send a signal to processes, without the stop sequence", "NAME SIGNUM [PID]"));
  t.push_back(Cmd("start", K::kChange, kAsync, {Name(), Match()},
                  "Start watchers (without NAME: the autostart ones)", "[NAME]"));
  t.push_back(Cmd("stats", K::kRead, kSync,
                  {Name(), Opt("process", T::kIntOrNumStr, "only this pid (requires name)"),
                   Opt("extended", T::kBool, "accepted and ignored")},
                  "Show process statistics", "[NAME [PID]]"));
  t.push_back(
      Cmd("status", K::kRead, kSync,
          {Name(), Detail(),
           Opt("summary", T::kBool,
               "ext: with detail, pids and the oldest start instead of per-process objects (§10.5)")},
          "Show the state of watchers", "[NAME]"));
  t.push_back(Cmd("stop", K::kChange, kAsync, {Name(), Match()},
                  "Stop watchers; the daemon keeps running", "[NAME]"));
  t.push_back(Cmd("upgrade", K::kChange, kAsync, {},
                  "ext: re-exec the daemon's binary in place; every process keeps running",
                  ""));
  return t;
}

}  // namespace

const std::vector<CommandSpec>& AllCommandSpecs() {
  // Never destroyed, so other static destructors may still use it.
  static const std::vector<CommandSpec>* const kTable = new std::vector<CommandSpec>(BuildTable());
  return *kTable;
}

}  // namespace ringmaster
