#include "core/command_spec.h"

#include <csignal>
#include <cstdint>
#include <limits>
#include <optional>

#include "core/config_values.h"

namespace ringmaster {
namespace {

using nlohmann::json;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char UpperAscii(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool EqualsAsciiIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (UpperAscii(a[i]) != UpperAscii(b[i])) return false;
  }
  return true;
}

// Non-empty decimal digits that fit in int64 (no sign, no spaces).
std::optional<int64_t> Digits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    if (v > (kInt64Max - (c - '0')) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// A JSON integer that fits in int64 (nlohmann keeps larger ones as uint64).
bool IsInt64(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= static_cast<uint64_t>(kInt64Max);
  return v.is_number_integer();
}

// "2", "2.5", ".5", "2.": what circusctl sends for a float option.
bool IsDecimalString(std::string_view s) {
  size_t i = 0, digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  }
  return digits > 0 && i == s.size();
}

bool IsStringArray(const json& v) {
  if (!v.is_array()) return false;
  for (const json& e : v) {
    if (!e.is_string()) return false;
  }
  return true;
}

int SignalInRange(int64_t n) { return n >= 1 && n <= SIGRTMAX ? static_cast<int>(n) : -1; }

// "RTMIN", "RTMIN+3", "RTMAX", "RTMAX-2" (already upper-cased, SIG stripped).
int ParseRealtime(std::string_view name) {
  const bool min = name.substr(0, 5) == "RTMIN";
  const int base = min ? SIGRTMIN : SIGRTMAX;
  std::string_view rest = name.substr(5);
  if (rest.empty()) return base;
  if (rest[0] != (min ? '+' : '-')) return -1;
  const std::optional<int64_t> n = Digits(rest.substr(1));
  if (!n || *n > SIGRTMAX) return -1;
  const int64_t signum = min ? base + *n : base - *n;
  return signum >= SIGRTMIN && signum <= SIGRTMAX ? static_cast<int>(signum) : -1;
}

int ParseSignalString(std::string_view text) {
  if (const std::optional<int64_t> n = Digits(text)) return SignalInRange(*n);
  std::string name;
  for (char c : text) name += UpperAscii(c);
  if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
  if (name.rfind("RTMIN", 0) == 0 || name.rfind("RTMAX", 0) == 0) return ParseRealtime(name);
  // Plain names only: config's parser would also take "15" after SIG and
  // "TERM+1", which are not signal names.
  if (name.empty() || !IsAlpha(name[0])) return -1;
  for (char c : name) {
    if (!IsAlpha(c) && !IsDigit(c)) return -1;
  }
  const Result<int> signum = ParseSignal(name);
  return signum.ok() ? *signum : -1;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// Returns the errno-3 reason when `value` does not fit `type`.
std::optional<std::string> CheckType(const std::string& name, PropType type, const json& value) {
  const std::string p = Quote(name);
  switch (type) {
    case PropType::kString:
      if (value.is_string()) return std::nullopt;
      return p + " must be a string";
    case PropType::kNonEmptyString:
      if (value.is_string() && !value.get_ref<const std::string&>().empty()) return std::nullopt;
      return p + " must be a non-empty string";
    case PropType::kInt:
      if (IsInt64(value)) return std::nullopt;
      return p + " must be an integer";
    case PropType::kPositiveInt:
      if (!IsInt64(value)) return p + " must be an integer";
      if (value.get<int64_t>() < 1) return p + " must be at least 1";
      return std::nullopt;
    case PropType::kNumber:
      if (value.is_number()) return std::nullopt;
      return p + " must be a number";
    case PropType::kBool:
      if (value.is_boolean()) return std::nullopt;
      return p + " must be a boolean";
    case PropType::kObject:
      if (value.is_object()) return std::nullopt;
      return p + " must be an object";
    case PropType::kStringArray:
      if (IsStringArray(value)) return std::nullopt;
      return p + " must be an array of strings";
    case PropType::kStringOrStringArray:
      if (value.is_string() || IsStringArray(value)) return std::nullopt;
      return p + " must be a string or an array of strings";
    case PropType::kIntOrNumStr:
      if (IsInt64(value)) return std::nullopt;
      if (value.is_string() && Digits(value.get_ref<const std::string&>())) return std::nullopt;
      return p + " must be an integer";
    case PropType::kNumberOrNumStr:
      if (value.is_number()) return std::nullopt;
      if (value.is_string() && IsDecimalString(value.get_ref<const std::string&>())) {
        return std::nullopt;
      }
      return p + " must be a number";
    case PropType::kSignal:
      if (!value.is_number_integer() && !value.is_string()) return p + " must be a signal";
      if (ParseSignalValue(value) < 0) return std::string("signal invalid");
      return std::nullopt;
    case PropType::kMatch: {
      if (!value.is_string()) return p + " must be a string";
      const std::string& m = value.get_ref<const std::string&>();
      if (m == "glob" || m == "simple" || m == "regex") return std::nullopt;
      return "unknown match method " + m;
    }
    case PropType::kCountOrPercent: {
      if (IsInt64(value) && value.get<int64_t>() >= 0) return std::nullopt;
      if (value.is_string()) {
        const std::string& s = value.get_ref<const std::string&>();
        if (s.size() >= 2 && s.back() == '%' &&
            Digits(std::string_view(s).substr(0, s.size() - 1))) {
          return std::nullopt;
        }
      }
      return p + " must be an integer or a percentage";
    }
  }
  return p + " has an unsupported type";
}

}  // namespace

const CommandSpec* FindCommandSpec(std::string_view name) {
  for (const CommandSpec& spec : AllCommandSpecs()) {
    if (EqualsAsciiIgnoreCase(spec.name, name)) return &spec;
  }
  return nullptr;
}

Status ValidateProperties(const CommandSpec& spec, const json& properties) {
  if (!properties.is_object()) return Status::Error("'properties' must be an object");
  // Missing required properties first, as Circus checks them before types.
  for (const PropSpec& prop : spec.props) {
    if (prop.required && !properties.contains(prop.name)) {
      return Status::Error("message invalid " + Quote(prop.name) + " is missing");
    }
  }
  for (const PropSpec& prop : spec.props) {
    auto it = properties.find(prop.name);
    if (it == properties.end()) continue;
    // An optional property sent as null means "not given" (the handlers
    // read it that way); a required one must have a value.
    if (it->is_null() && !prop.required) continue;
    if (std::optional<std::string> error = CheckType(prop.name, prop.type, *it)) {
      return Status::Error(*error);
    }
  }
  if (auto it = properties.find("waiting"); it != properties.end()) {
    if (!it->is_null() && !it->is_boolean()) return Status::Error("'waiting' must be a boolean");
  }
  return Status::Ok();
}

int ParseSignalValue(const json& value) {
  if (value.is_number_unsigned()) {
    const uint64_t n = value.get<uint64_t>();
    return n <= static_cast<uint64_t>(SIGRTMAX) ? SignalInRange(static_cast<int64_t>(n)) : -1;
  }
  if (value.is_number_integer()) return SignalInRange(value.get<int64_t>());
  if (value.is_string()) return ParseSignalString(value.get_ref<const std::string&>());
  return -1;
}

}  // namespace ringmaster
