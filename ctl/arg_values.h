// Typing of command-line words for ringctl: a word becomes the JSON value a
// property's spec type wants (core/command_spec.h), and `set` option values
// get int/number/bool/null/JSON typing. Pure; any thread.
#ifndef RINGMASTER_CTL_ARG_VALUES_H_
#define RINGMASTER_CTL_ARG_VALUES_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "core/command_spec.h"
#include "core/status.h"

namespace ringmaster {

// Whole-word parses: "12", "-3" (no '+', no blanks); "2.5"; true/false,
// yes/no, on/off, 1/0 (any case).
std::optional<int64_t> ParseIntWord(std::string_view word);
std::optional<double> ParseNumberWord(std::string_view word);
std::optional<bool> ParseBoolWord(std::string_view word);

// "-x"/"--x" but not "-2": negative numbers are values (`incr web -2`).
bool LooksLikeFlag(std::string_view word);

// Converts one command-line word to the JSON a property of type `type` wants
// (e.g. kInt "2" -> 2, kSignal "HUP" -> "HUP", kSignal "9" -> 9). The error
// names the property: "'nb' must be an integer".
Result<nlohmann::json> ConvertWord(const PropSpec& prop, std::string_view word);

// `set`/`add` option values typed from text: int, number, true/false, null,
// JSON object/array, else string; keys whose value is text by nature (cmd,
// args, working_dir, stream settings...) stay strings.
nlohmann::json ConvertOptionValue(std::string_view key, std::string_view text);

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_ARG_VALUES_H_
