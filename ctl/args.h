// ringctl's command-line model: the global options and the mapping of one
// command's words (argv after the global flags, or one shell line) onto a
// control request, checked against the shared spec table (core/command_spec.h)
// so bad arguments never reach the daemon. Pure: no I/O; any thread.
#ifndef RINGMASTER_CTL_ARGS_H_
#define RINGMASTER_CTL_ARGS_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/command_spec.h"
#include "core/status.h"
#include "ctl/arg_values.h"

namespace ringmaster {

// Exit codes of ringctl (documented in `ringctl --help`).
inline constexpr int kExitOk = 0;
inline constexpr int kExitErrorReply = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

// Without --wait a reply is due at once; with it, a rolling restart of many
// processes may legitimately take minutes.
inline constexpr double kDefaultTimeout = 5.0;
inline constexpr double kDefaultWaitTimeout = 3600.0;

struct GlobalOptions {
  std::string endpoint;           // control endpoint (resolved by main)
  std::string pubsub_endpoint;    // empty: ask the daemon, else the default
  std::optional<double> timeout;  // --timeout; unset: the defaults above
  bool json = false;
  bool wait = false;

  double EffectiveTimeout() const {
    return timeout ? *timeout : (wait ? kDefaultWaitTimeout : kDefaultTimeout);
  }
};

// Commands ringctl handles itself; they never become a request.
inline constexpr std::string_view kHelpCommand = "help";
inline constexpr std::string_view kListenCommand = "listen";
inline constexpr std::string_view kDefaultListenTopic = "watcher.";

struct Invocation {
  std::string command;  // lowercase spec name, or "help" / "listen"
  nlohmann::json properties = nlohmann::json::object();
  std::string help_topic;    // `help CMD` (empty: the command list)
  std::string listen_topic;  // `listen [TOPIC]`
};

// How one positional word of a command maps onto its properties.
enum class PositionalKind {
  kScalar,     // one word -> properties[prop], converted by the prop's type
  kRest,       // all remaining words -> properties[prop] as an array of strings
  kKeyValues,  // remaining KEY VALUE pairs -> properties[prop] object (set)
};

struct Positional {
  std::string label;  // shown in usage, e.g. "NAME"
  std::string prop;   // property it fills
  PositionalKind kind = PositionalKind::kScalar;
  bool optional = false;
};

// The positional layout of a command: a fixed table for the protocol's
// commands (e.g. stats [NAME [PID]] -> name, process), else the spec's
// required properties in order.
std::vector<Positional> PositionalsFor(const CommandSpec& spec);

// "incr NAME [NB]": the synopsis ringctl accepts, without flags.
std::string Synopsis(const CommandSpec& spec);

// The flag spelling of a property: "max_surge" -> "--max-surge".
std::string FlagName(std::string_view prop);

// Parses the words that follow the global flags: COMMAND [ARGS] [FLAGS].
// Global flags are also accepted among them (--json, --wait/--waiting,
// --timeout S) and update `globals`. With --wait, properties.waiting = true.
// Errors are usage errors (exit 2), phrased "CMD: what is wrong".
Result<Invocation> ParseCommandWords(const std::vector<std::string>& words, GlobalOptions* globals);

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_ARGS_H_
