// The command table's pure half: every control command's name, kind and
// property spec (docs/protocol.md §5-§7, §10). The daemon pairs each spec
// with a handler (daemon/commands/); ringctl uses the same specs for usage,
// help and argument checks without contacting the daemon. Immutable; any thread.
#ifndef RINGMASTER_CORE_COMMAND_SPEC_H_
#define RINGMASTER_CORE_COMMAND_SPEC_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace ringmaster {

enum class CommandKind { kRead, kChange, kOther };  // kOther: signal, kill (not changes)

enum class PropType {
  kString,             // "must be a string"
  kNonEmptyString,
  kInt,                // JSON number without fraction/exponent
  kPositiveInt,        // kInt >= 1 (incr/decr nb): a count of processes
  kNumber,
  kBool,
  kObject,
  kStringArray,        // "an array of strings"
  kStringOrStringArray,
  kIntOrNumStr,        // int, or string of decimal digits
  kNumberOrNumStr,
  kSignal,             // int, numeric string, or signal name
  kMatch,              // "glob" | "simple" | "regex"
  kCountOrPercent,     // int >= 0 or "N%" (max_unavailable, max_surge)
};

struct PropSpec {
  std::string name;
  PropType type;
  bool required = false;
  std::string help;
};

struct CommandSpec {
  std::string name;  // lowercase
  CommandKind kind;
  bool async = false;  // `waiting` changes when the reply is sent
  std::vector<PropSpec> props;
  std::string summary;  // one line for help
  std::string usage;    // ringctl argument synopsis, e.g. "NAME [NB]"
};

const std::vector<CommandSpec>& AllCommandSpecs();
// Case-insensitive lookup; nullptr when unknown.
const CommandSpec* FindCommandSpec(std::string_view name);

// Checks the known properties' types (§2 rules: unknown properties are
// ignored; `waiting` is bool for every command). The error message is the
// reason of an errno-3 reply, e.g. "'nb' must be an integer" or
// "message invalid 'name' is missing".
Status ValidateProperties(const CommandSpec& spec, const nlohmann::json& properties);

// Signal parsing shared by the protocol and config: 15, "15", "TERM",
// "SIGTERM", "term", "SIGRTMIN+1". Returns -1 when invalid.
int ParseSignalValue(const nlohmann::json& value);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_COMMAND_SPEC_H_
