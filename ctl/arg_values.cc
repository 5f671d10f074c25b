#include "ctl/arg_values.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ringmaster {
namespace {

using nlohmann::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status TypeError(const PropSpec& p, std::string_view what) {
  return Status::Error("'" + p.name + "' must be " + std::string(what));
}

}  // namespace

std::optional<int64_t> ParseIntWord(std::string_view s) {
  int64_t v = 0;
  const char* end = s.data() + s.size();
  if (!s.empty() && s.front() == '+') return std::nullopt;  // JSON has no '+'
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> ParseNumberWord(std::string_view s) {
  double v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end || s.empty() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> ParseBoolWord(std::string_view s) {
  std::string l = Lower(s);
  if (l == "true" || l == "yes" || l == "on" || l == "1") return true;
  if (l == "false" || l == "no" || l == "off" || l == "0") return false;
  return std::nullopt;
}

bool LooksLikeFlag(std::string_view w) {
  return w.size() > 1 && w[0] == '-' && !ParseNumberWord(w).has_value();
}

Result<nlohmann::json> ConvertWord(const PropSpec& p, std::string_view w) {
  switch (p.type) {
    case PropType::kString:
    case PropType::kMatch:
      return json(std::string(w));
    case PropType::kNonEmptyString:
      if (w.empty()) return TypeError(p, "a non-empty string");
      return json(std::string(w));
    case PropType::kInt:
    case PropType::kPositiveInt: {  // ValidateProperties checks the range
      std::optional<int64_t> v = ParseIntWord(w);
      if (!v) return TypeError(p, "an integer");
      return json(*v);
    }
    case PropType::kIntOrNumStr: {
      std::optional<int64_t> v = ParseIntWord(w);
      if (!v) return TypeError(p, "an integer");
      return json(*v);
    }
    case PropType::kNumber:
    case PropType::kNumberOrNumStr: {
      if (std::optional<int64_t> i = ParseIntWord(w)) return json(*i);
      std::optional<double> v = ParseNumberWord(w);
      if (!v) return TypeError(p, "a number");
      return json(*v);
    }
    case PropType::kBool: {
      std::optional<bool> b = ParseBoolWord(w);
      if (!b) return TypeError(p, "a boolean");
      return json(*b);
    }
    case PropType::kObject: {
      json v = json::parse(w, nullptr, false);
      if (!v.is_object()) return TypeError(p, "a JSON object");
      return v;
    }
    case PropType::kStringArray:
    case PropType::kStringOrStringArray: {
      if (!w.empty() && w.front() == '[') {
        json v = json::parse(w, nullptr, false);
        if (v.is_array() &&
            std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_string(); })) {
          return v;
        }
        return TypeError(p, "an array of strings");
      }
      if (p.type == PropType::kStringArray) return json::array({std::string(w)});
      return json(std::string(w));
    }
    case PropType::kSignal: {
      json v = IsDigits(w) ? json(*ParseIntWord(w)) : json(std::string(w));
      if (ParseSignalValue(v) < 0) {
        return Status::Error("'" + p.name + "' must be a signal (e.g. TERM, SIGHUP, 9); got '" +
                             std::string(w) + "'");
      }
      return v;
    }
    case PropType::kCountOrPercent: {
      if (IsDigits(w)) return json(*ParseIntWord(w));
      if (w.size() > 1 && w.back() == '%' && IsDigits(w.substr(0, w.size() - 1))) {
        return json(std::string(w));
      }
      return TypeError(p, "a count >= 0 or a percentage like 25%");
    }
  }
  return json(std::string(w));
}

nlohmann::json ConvertOptionValue(std::string_view key, std::string_view text) {
  const std::string k = Lower(key);
  auto stream_key = [&](std::string_view prefix) { return k.rfind(prefix, 0) == 0; };
  if (stream_key("stdout_stream.") || stream_key("stderr_stream.")) {
    std::string_view sub = std::string_view(k).substr(k.find('.') + 1);
    std::optional<int64_t> i = ParseIntWord(text);
    if ((sub == "max_bytes" || sub == "backup_count") && i) return *i;
    return std::string(text);
  }
  // Text by nature: "cmd 1234" must not become a number.
  static const char* const kStringKeys[] = {"cmd", "args", "working_dir", "executable",
                                            "shell_args"};
  const bool text_key =
      stream_key("hooks.") || std::any_of(std::begin(kStringKeys), std::end(kStringKeys),
                                          [&](const char* s) { return k == s; });
  if (text_key) {
    if (k == "args" && !text.empty() && text.front() == '[') {
      json v = json::parse(text, nullptr, false);
      if (v.is_array()) return v;
    }
    return std::string(text);
  }
  if (std::optional<int64_t> i = ParseIntWord(text)) return *i;
  if (std::optional<double> d = ParseNumberWord(text)) return *d;
  const std::string l = Lower(text);
  if (l == "true") return true;
  if (l == "false") return false;
  if (l == "null") return nullptr;
  if (!text.empty() && (text.front() == '{' || text.front() == '[')) {
    json v = json::parse(text, nullptr, false);
    if (!v.is_discarded()) return v;
  }
  return std::string(text);
}

}  // namespace ringmaster
