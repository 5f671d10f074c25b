#include "core/option_keys.h"

#include <climits>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string_view>
#include <vector>

#include "core/config_context.h"
#include "core/config_values.h"
#include "core/config_watcher_keys.h"
#include "core/ini_store.h"
#include "core/known_keys.h"
#include "core/shell_split.h"

namespace ringmaster {
namespace {

using nlohmann::json;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

bool StartsWith(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

std::string Quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

Status Isnt(std::string_view key, std::string_view what) {
  return Status::Error(Quoted(key) + " isn't " + std::string(what));
}

std::string FormatNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// Circus checks isinstance(val, int); JSON floats such as 2.0 are not ints.
Result<int64_t> GetInt(const std::string& key, const json& v, int64_t lo, int64_t hi) {
  if (!v.is_number_integer()) return Isnt(key, "an integer");
  const bool too_big = v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{kInt64Max};
  const int64_t i = too_big ? kInt64Max : v.get<int64_t>();
  if (i < lo) return Status::Error(Quoted(key) + " must be at least " + std::to_string(lo));
  if (too_big || i > hi) {
    return Status::Error(Quoted(key) + " must be at most " + std::to_string(hi));
  }
  return i;
}

Result<double> GetNumber(const std::string& key, const json& v, Bounds b) {
  if (!v.is_number()) return Isnt(key, "a number");
  const double d = v.get<double>();
  const bool low = b.lo_open ? !(d > b.lo) : !(d >= b.lo);
  if (low || d > b.hi) {
    std::string range = b.lo_open ? "greater than " : "at least ";
    range += FormatNumber(b.lo);
    if (b.hi != std::numeric_limits<double>::infinity()) {
      range = "between " + FormatNumber(b.lo) + " and " + FormatNumber(b.hi);
    }
    return Status::Error(Quoted(key) + " must be " + range);
  }
  return d;
}

Result<std::optional<std::string>> GetOptionalString(const std::string& key, const json& v) {
  if (v.is_null()) return std::optional<std::string>();
  if (!v.is_string()) return Isnt(key, "a string");
  return std::optional<std::string>(v.get<std::string>());
}

Status CheckSplits(const std::string& key, const std::string& text) {
  Result<std::vector<std::string>> words = ShellSplit(text);
  if (!words.ok()) {
    return Status::Error(Quoted(key) + " cannot be split into words: " + words.error());
  }
  return Status::Ok();
}

// Fixed-name keys of each JSON type, as member accessors.
struct BoolKey {
  std::string_view name;
  bool* (*field)(WatcherConfig&);
};
const BoolKey kBoolKeys[] = {
    {"shell", [](WatcherConfig& w) { return &w.shell; }},
    {"send_hup", [](WatcherConfig& w) { return &w.send_hup; }},
    {"stop_children", [](WatcherConfig& w) { return &w.stop_children; }},
    {"singleton", [](WatcherConfig& w) { return &w.singleton; }},
    {"use_sockets", [](WatcherConfig& w) { return &w.use_sockets; }},
    {"copy_env", [](WatcherConfig& w) { return &w.copy_env; }},
    {"respawn", [](WatcherConfig& w) { return &w.respawn; }},
    {"autostart", [](WatcherConfig& w) { return &w.autostart; }},
    {"close_child_stdin", [](WatcherConfig& w) { return &w.close_child_stdin; }},
    {"close_child_stdout", [](WatcherConfig& w) { return &w.close_child_stdout; }},
    {"close_child_stderr", [](WatcherConfig& w) { return &w.close_child_stderr; }},
    {"notify_socket", [](WatcherConfig& w) { return &w.notify_socket; }},
    {"backoff", [](WatcherConfig& w) { return &w.backoff.enabled; }},
};

struct IntKey {
  std::string_view name;
  int64_t lo, hi;
  void (*store)(WatcherConfig&, int64_t);
};
const IntKey kIntKeys[] = {
    {"numprocesses", 0, INT_MAX,
     [](WatcherConfig& w, int64_t v) { w.numprocesses = static_cast<int>(v); }},
    {"max_retry", -1, INT_MAX,
     [](WatcherConfig& w, int64_t v) { w.max_retry = static_cast<int>(v); }},
    {"priority", INT_MIN, INT_MAX,
     [](WatcherConfig& w, int64_t v) { w.priority = static_cast<int>(v); }},
    {"backoff_burst", 0, INT_MAX,
     [](WatcherConfig& w, int64_t v) { w.backoff.burst = static_cast<int>(v); }},
    {"max_age", 0, kInt64Max, [](WatcherConfig& w, int64_t v) { w.max_age = v; }},
    {"max_age_variance", 0, kInt64Max, [](WatcherConfig& w, int64_t v) { w.max_age_variance = v; }},
};

struct NumberKey {
  std::string_view name;
  Bounds bounds;
  double* (*field)(WatcherConfig&);
};
const NumberKey kNumberKeys[] = {
    {"warmup_delay", kNonNegative, [](WatcherConfig& w) { return &w.warmup_delay; }},
    {"graceful_timeout", kNonNegative, [](WatcherConfig& w) { return &w.graceful_timeout; }},
    {"ready_timeout", kNonNegative, [](WatcherConfig& w) { return &w.ready_timeout; }},
    {"backoff_initial", kPositive, [](WatcherConfig& w) { return &w.backoff.initial; }},
    {"backoff_factor", Bounds{1.0}, [](WatcherConfig& w) { return &w.backoff.factor; }},
    {"backoff_max", kNonNegative, [](WatcherConfig& w) { return &w.backoff.max; }},
    {"backoff_reset", kNonNegative, [](WatcherConfig& w) { return &w.backoff.reset; }},
    {"backoff_jitter", Bounds{0.0, 1.0}, [](WatcherConfig& w) { return &w.backoff.jitter; }},
    {"backoff_window", kPositive, [](WatcherConfig& w) { return &w.backoff.window; }},
    // No field: only recorded in explicit_keys, for Circus's flapping plugin.
    {"retry_in", Bounds{}, [](WatcherConfig&) -> double* { return nullptr; }},
};

// Runs one loader key function on a synthetic [watcher:NAME] key so add/set
// share the ini rules; its first error becomes the reply reason.
template <typename Fn>
Status ViaLoader(OptionApply& st, const std::string& key, const std::string& text, Fn fn) {
  IniSection section;
  section.name = "watcher:" + st.w->name;
  section.values.push_back(IniValue{key, text, SourceLoc{}});
  std::vector<Diagnostic> errors, warnings;
  LoadContext ctx(*st.env, &errors, &warnings);
  fn(KeyRef{&section, &section.values.front()}, ctx);
  if (!errors.empty()) return Status::Error(Quoted(key) + ": " + errors.front().problem);
  return Status::Ok();
}

Status ApplyHookValue(OptionApply& st, const std::string& name, const json& v) {
  const std::string key = "hooks." + name;
  if (!v.is_string()) return Isnt(key, "a string");
  return ViaLoader(st, key, v.get<std::string>(), [&](const KeyRef& k, LoadContext& ctx) {
    ApplyHook(k, k.value->value, ctx, st.w);
  });
}

// A stream sub-key value: any scalar, as text (ParseStream converts it).
Result<std::string> StreamValue(const std::string& key, const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean() || v.is_number()) return v.dump();
  return Isnt(key, "a string");
}

Status ApplyStream(OptionApply& st, const std::string& key, const json& v) {
  const bool is_out = StartsWith(key, "stdout_stream");
  std::optional<std::map<std::string, std::string>>& raw = is_out ? st.stdout_raw : st.stderr_raw;
  const std::string prefix = is_out ? "stdout_stream" : "stderr_stream";
  if (key == prefix) {
    if (!v.is_object()) return Isnt(key, "a valid object");
    if (!v.contains("class")) return Status::Error(Quoted(key) + " must have a 'class' key");
    std::map<std::string, std::string> fresh;
    for (const auto& [sub, value] : v.items()) {
      Result<std::string> text = StreamValue(prefix + "." + sub, value);
      if (!text.ok()) return text.status();
      fresh[sub] = *text;
    }
    raw = std::move(fresh);
    return Status::Ok();
  }
  const std::string sub = key.substr(prefix.size() + 1);
  if (sub.empty()) return Status::Error("unknown key " + Quoted(key));
  Result<std::string> text = StreamValue(key, v);
  if (!text.ok()) return text.status();
  if (!raw) raw = (is_out ? st.w->stdout_stream : st.w->stderr_stream).raw;
  (*raw)[sub] = *text;
  return Status::Ok();
}

Status ApplyRlimitKey(OptionApply& st, const std::string& key, const json& v) {
  const std::string name = ToLower(std::string_view(key).substr(7));
  const std::optional<int> resource = RlimitResource(name);
  if (!resource) return Status::Error("unknown rlimit " + Quoted(name) + " in " + Quoted(key));
  RlimitSetting r{name, *resource, std::nullopt};
  if (!v.is_null()) {
    Result<int64_t> n = GetInt(key, v, -1, kInt64Max);
    if (!n.ok()) return n.status();
    if (*n >= 0) r.value = static_cast<uint64_t>(*n);  // -1: unlimited, as in the ini
  }
  for (RlimitSetting& old : st.w->rlimits) {
    if (old.name == name) {
      old = r;
      return Status::Ok();
    }
  }
  st.w->rlimits.push_back(r);
  return Status::Ok();
}

// "1000" or 1000 -> "1000"; nullopt when neither a string nor an integer.
std::optional<std::string> IdText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return v.dump();
  return std::nullopt;
}

Status ApplyString(OptionApply& st, const std::string& key, const json& v) {
  WatcherConfig& w = *st.w;
  if (key == "cmd") {
    if (!v.is_string()) return Isnt(key, "a string");
    const std::string text = v.get<std::string>();
    if (Trim(text).empty()) return Status::Error("'cmd' must not be empty");
    w.cmd = text;
    return CheckSplits(key, text);
  }
  if (key == "args") {
    if (v.is_null()) {
      w.args.reset();
      return Status::Ok();
    }
    if (v.is_string()) {
      w.args = v.get<std::string>();
      return CheckSplits(key, *w.args);
    }
    if (!v.is_array()) return Isnt(key, "a string or an array of strings");
    std::vector<std::string> words;
    for (const json& word : v) {
      if (!word.is_string()) return Isnt(key, "a string or an array of strings");
      words.push_back(word.get<std::string>());
    }
    // WatcherConfig holds args as text: quote each element so that splitting
    // gives it back as one word.
    w.args = ShellJoin(words);
    return Status::Ok();
  }
  if (key == "working_dir") {
    if (!v.is_string()) return Isnt(key, "a string");
    std::filesystem::path dir(v.get<std::string>());
    if (!dir.empty() && dir.is_relative()) dir = (std::filesystem::path(st.cwd) / dir);
    w.working_dir = dir.empty() ? std::string() : dir.lexically_normal().string();
    return Status::Ok();
  }
  if (key == "executable" || key == "shell_args") {
    Result<std::optional<std::string>> s = GetOptionalString(key, v);
    if (!s.ok()) return s.status();
    if (key == "shell_args" && *s) {
      Status split = CheckSplits(key, **s);
      if (!split.ok()) return split;
    }
    (key == "executable" ? w.executable : w.shell_args) = *s;
    return Status::Ok();
  }
  return Status::Error("unknown key " + Quoted(key));
}

Status ApplyIdentity(OptionApply& st, const std::string& key, const json& v) {
  const std::optional<std::string> text = IdText(v);
  if (!text) return Isnt(key, "an integer or string");
  if (key == "uid") {
    std::optional<UserInfo> user = st.env->LookupUser(*text);
    if (!user) return Status::Error("'uid': unknown user " + Quoted(*text));
    st.w->uid_spec = *text;
    st.w->uid = user->uid;
    st.uid_primary_gid = user->gid;
  } else {
    std::optional<gid_t> group = st.env->LookupGroup(*text);
    if (!group) return Status::Error("'gid': unknown group " + Quoted(*text));
    st.w->gid_spec = *text;
    st.w->gid = *group;
  }
  return Status::Ok();
}

Status ApplyEnv(OptionApply& st, const json& v) {
  if (!v.is_object()) return Isnt("env", "a valid object");
  std::map<std::string, std::string> env;
  for (const auto& [name, value] : v.items()) {
    if (!value.is_string()) return Isnt(name, "a string");
    env[name] = value.get<std::string>();
  }
  st.new_env = std::move(env);
  return Status::Ok();
}

Status ApplyExtension(OptionApply& st, const std::string& key, const json& v) {
  WatcherConfig& w = *st.w;
  if (key == "stop_signal") {
    std::string text;
    if (v.is_number_integer()) {
      text = v.dump();
    } else if (v.is_string()) {
      text = v.get<std::string>();
    } else {
      return Isnt(key, "an integer");
    }
    Result<int> sig = ParseSignal(text);
    if (!sig.ok()) return Isnt(key, "a valid signal");
    w.stop_signal = *sig;
    return Status::Ok();
  }
  if (key == "ready_fd") {
    if (v.is_null()) {
      w.ready_fd.reset();
      return Status::Ok();
    }
    Result<int64_t> fd = GetInt(key, v, 3, INT_MAX);
    if (!fd.ok()) return fd.status();
    w.ready_fd = static_cast<int>(*fd);
    return Status::Ok();
  }
  if (key == "max_rss") {
    if (v.is_number_integer()) {
      Result<int64_t> n = GetInt(key, v, 0, kInt64Max);
      if (!n.ok()) return n.status();
      w.max_rss = *n;
      return Status::Ok();
    }
    if (!v.is_string()) return Isnt(key, "an integer or a size");
    Result<int64_t> size = ParseSize(v.get<std::string>());
    if (!size.ok()) return Isnt(key, "an integer or a size (\"512M\")");
    w.max_rss = *size;
    return Status::Ok();
  }
  if (key == "hooks") {
    if (!v.is_object()) return Isnt(key, "a valid object");
    w.hooks.clear();
    for (const auto& [name, value] : v.items()) {
      Status s = ApplyHookValue(st, name, value);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }
  if (key == "env") return ApplyEnv(st, v);
  if (key == "uid" || key == "gid") return ApplyIdentity(st, key, v);
  return ApplyString(st, key, v);
}

}  // namespace

Status ApplyOptionKey(const std::string& key, const nlohmann::json& value, OptionApply& st) {
  for (const BoolKey& k : kBoolKeys) {
    if (k.name != key) continue;
    if (!value.is_boolean()) return Isnt(key, "a valid boolean");
    *k.field(*st.w) = value.get<bool>();
    return Status::Ok();
  }
  for (const IntKey& k : kIntKeys) {
    if (k.name != key) continue;
    Result<int64_t> n = GetInt(key, value, k.lo, k.hi);
    if (!n.ok()) return n.status();
    k.store(*st.w, *n);
    return Status::Ok();
  }
  for (const NumberKey& k : kNumberKeys) {
    if (k.name != key) continue;
    Result<double> d = GetNumber(key, value, k.bounds);
    if (!d.ok()) return d.status();
    if (double* field = k.field(*st.w)) *field = *d;
    return Status::Ok();
  }
  if (StartsWith(key, "stdout_stream") || StartsWith(key, "stderr_stream")) {
    if (key.size() == 13 || key[13] == '.') return ApplyStream(st, key, value);
  }
  if (StartsWith(key, "hooks.")) return ApplyHookValue(st, key.substr(6), value);
  if (StartsWith(key, "rlimit_")) return ApplyRlimitKey(st, key, value);
  return ApplyExtension(st, key, value);
}

std::string OptionText(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace ringmaster
