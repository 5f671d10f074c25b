#include "core/watcher_options.h"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>

#include "core/config_child_env.h"
#include "core/config_context.h"
#include "core/config_streams.h"
#include "core/config_values.h"
#include "core/ini_store.h"
#include "core/option_keys.h"

namespace ringmaster {
namespace {

using nlohmann::json;

// §10.6: listed by `options` only when set explicitly, always readable by `get`.
constexpr std::string_view kExtensionKeys[] = {
    "ready_fd",       "notify_socket", "ready_timeout", "backoff",        "backoff_initial",
    "backoff_factor", "backoff_max",   "backoff_reset", "backoff_jitter", "backoff_burst",
    "backoff_window", "max_rss",
};

json ExtensionValue(const WatcherConfig& w, std::string_view key) {
  if (key == "ready_fd") return w.ready_fd ? json(*w.ready_fd) : json(nullptr);
  if (key == "notify_socket") return w.notify_socket;
  if (key == "ready_timeout") return w.ready_timeout;
  if (key == "backoff") return w.backoff.enabled;
  if (key == "backoff_initial") return w.backoff.initial;
  if (key == "backoff_factor") return w.backoff.factor;
  if (key == "backoff_max") return w.backoff.max;
  if (key == "backoff_reset") return w.backoff.reset;
  if (key == "backoff_jitter") return w.backoff.jitter;
  if (key == "backoff_burst") return w.backoff.burst;
  if (key == "backoff_window") return w.backoff.window;
  return w.max_rss;
}

const char* StreamClassName(StreamClass c) {
  switch (c) {
    case StreamClass::kFile:
      return "FileStream";
    case StreamClass::kWatchedFile:
      return "WatchedFileStream";
    case StreamClass::kStdout:
      return "StdoutStream";
    case StreamClass::kTimedRotatingFile:
      return "TimedRotatingFileStream";
    case StreamClass::kFancyStdout:
      return "FancyStdoutStream";
    case StreamClass::kNone:
      break;
  }
  return nullptr;
}

// The keys as written, plus the class the loader inferred (from `filename`).
json StreamJson(const StreamConfig& s) {
  json out = json::object();
  for (const auto& [k, v] : s.raw) out[k] = v;
  if (!out.contains("class")) {
    if (const char* name = StreamClassName(s.cls)) out["class"] = name;
  }
  return out;
}

json IdJson(const std::optional<std::string>& spec) {
  if (!spec) return nullptr;
  const std::string& t = *spec;
  const bool digits =
      !t.empty() && t.size() < 19 && t.find_first_not_of("0123456789") == std::string::npos;
  if (digits) return std::stoll(t);
  return t;
}

json OptionalString(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

std::string AbsoluteDir(const std::string& dir, const std::string& cwd) {
  if (dir.empty()) return cwd;
  std::filesystem::path p(dir);
  if (p.is_relative()) p = std::filesystem::path(cwd) / p;
  return p.lexically_normal().string();
}

// Builds a stream from raw keys with the loader's rules.
Status RebuildStream(const WatcherConfig& w, const std::string& prefix,
                     const std::map<std::string, std::string>& raw, ConfigEnv& env,
                     StreamConfig* out) {
  IniSection section;
  section.name = "watcher:" + w.name;
  for (const auto& [sub, text] : raw) {
    section.values.push_back(IniValue{prefix + "." + sub, text, SourceLoc{}});
  }
  std::vector<StreamKey> keys;
  for (const IniValue& v : section.values) {
    keys.push_back(StreamKey{KeyRef{&section, &v}, v.key.substr(prefix.size() + 1), v.value});
  }
  std::vector<Diagnostic> errors, warnings;
  LoadContext ctx(env, &errors, &warnings);
  StreamConfig fresh;
  ParseStream(prefix, keys, ctx, &fresh);
  if (!errors.empty()) {
    const Diagnostic& d = errors.front();
    return Status::Error("'" + (d.key.empty() ? prefix : d.key) + "': " + d.problem);
  }
  *out = std::move(fresh);
  return Status::Ok();
}

// The daemon's environment as the loader inherits it with copy_env.
std::map<std::string, std::string> Inherited(ConfigEnv& env) {
  return EnvSources(env.Environment()).ChildEnv("", true);
}

void ComposeEnv(const WatcherConfig& base, const OptionApply& st, ConfigEnv& env,
                WatcherConfig& w) {
  if (st.new_env) {
    w.env = w.copy_env ? Inherited(env) : std::map<std::string, std::string>{};
    for (const auto& [k, v] : *st.new_env) w.env[k] = v;
  } else if (w.copy_env && !base.copy_env) {
    for (const auto& [k, v] : Inherited(env)) w.env.emplace(k, v);  // current values win
  } else if (!w.copy_env && base.copy_env) {
    for (const auto& [k, v] : Inherited(env)) {
      auto it = w.env.find(k);
      if (it != w.env.end() && it->second == v) w.env.erase(it);
    }
  }
}

// The rules that involve several keys, once every key is applied.
Status Finish(const WatcherConfig& base, const OptionApply& st, ConfigEnv& env, WatcherConfig& w) {
  if (st.stdout_raw) {
    Status s = RebuildStream(w, "stdout_stream", *st.stdout_raw, env, &w.stdout_stream);
    if (!s.ok()) return s;
  }
  if (st.stderr_raw) {
    Status s = RebuildStream(w, "stderr_stream", *st.stderr_raw, env, &w.stderr_stream);
    if (!s.ok()) return s;
  }
  if (st.uid_primary_gid && !w.gid_spec) w.gid = st.uid_primary_gid;
  ComposeEnv(base, st, env, w);
  if (w.singleton && w.numprocesses > 1) {
    return Status::Error("singleton watcher '" + w.name + "' can only have 0 or 1 process");
  }
  if (w.backoff.max < w.backoff.initial) {
    char buf[160];
    std::snprintf(buf, sizeof(buf), "'backoff_max' (%g) must be at least 'backoff_initial' (%g)",
                  w.backoff.max, w.backoff.initial);
    return Status::Error(buf);
  }
  return Status::Ok();
}

// The fields behind the keys whose §7.24 set effect is "reload".
bool ReloadFieldsDiffer(const WatcherConfig& a, const WatcherConfig& b) {
  return a.cmd != b.cmd || a.args != b.args || a.working_dir != b.working_dir ||
         a.uid_spec != b.uid_spec || a.gid_spec != b.gid_spec || a.uid != b.uid || a.gid != b.gid ||
         a.shell != b.shell || a.env != b.env || a.copy_env != b.copy_env ||
         a.stdout_stream != b.stdout_stream || a.stderr_stream != b.stderr_stream ||
         a.close_child_stdin != b.close_child_stdin ||
         a.close_child_stdout != b.close_child_stdout ||
         a.close_child_stderr != b.close_child_stderr || a.rlimits != b.rlimits ||
         a.use_sockets != b.use_sockets || a.executable != b.executable ||
         a.shell_args != b.shell_args || a.ready_fd != b.ready_fd ||
         a.notify_socket != b.notify_socket;
}

}  // namespace

nlohmann::json OptionsJson(const WatcherConfig& w, const std::string& cwd) {
  json o = json::object();
  // Freeform and extension keys first, so a standard key always wins.
  for (const auto& [k, v] : w.freeform) o[k] = v;
  for (std::string_view k : kExtensionKeys) {
    if (w.explicit_keys.count(std::string(k)) > 0) o[std::string(k)] = ExtensionValue(w, k);
  }
  if (!w.hooks.empty()) o["hooks"] = w.hooks;

  bool on_demand = false;  // b: not in WatcherConfig; only shown
  if (auto it = w.explicit_keys.find("on_demand"); it != w.explicit_keys.end()) {
    Result<bool> b = ParseBool(it->second);
    on_demand = b.ok() && *b;
  }
  o["close_child_stderr"] = w.close_child_stderr;
  o["close_child_stdin"] = w.close_child_stdin;
  o["close_child_stdout"] = w.close_child_stdout;
  o["copy_env"] = w.copy_env;
  o["on_demand"] = on_demand;
  o["respawn"] = w.respawn;
  o["send_hup"] = w.send_hup;
  o["shell"] = w.shell;
  o["singleton"] = w.singleton;
  o["stop_children"] = w.stop_children;
  o["use_sockets"] = w.use_sockets;
  o["cmd"] = w.cmd;
  o["args"] = OptionalString(w.args);
  o["env"] = w.env;
  o["executable"] = OptionalString(w.executable);
  o["shell_args"] = OptionalString(w.shell_args);
  o["uid"] = IdJson(w.uid_spec);
  o["gid"] = IdJson(w.gid_spec);
  o["graceful_timeout"] = w.graceful_timeout;
  o["warmup_delay"] = w.warmup_delay;
  o["max_age"] = w.max_age;
  o["max_age_variance"] = w.max_age_variance;
  o["max_retry"] = w.max_retry;
  o["numprocesses"] = w.numprocesses;
  o["priority"] = w.priority;
  o["stop_signal"] = w.stop_signal;
  o["stdout_stream_conf"] = StreamJson(w.stdout_stream);
  o["stderr_stream_conf"] = StreamJson(w.stderr_stream);
  o["working_dir"] = AbsoluteDir(w.working_dir, cwd);
  return o;
}

Result<nlohmann::json> GetOptions(const WatcherConfig& w, const nlohmann::json& keys,
                                  const std::string& cwd) {
  if (!keys.is_array()) return Status::Error("'keys' must be an array of strings");
  json all = OptionsJson(w, cwd);
  for (std::string_view k : kExtensionKeys) all[std::string(k)] = ExtensionValue(w, k);
  all["autostart"] = w.autostart;
  all["hooks"] = w.hooks.empty() ? json::object() : json(w.hooks);
  json out = json::object();
  for (const json& key : keys) {
    if (!key.is_string()) return Status::Error("'keys' must be an array of strings");
    const std::string k = key.get<std::string>();
    auto it = all.find(k);
    if (it == all.end()) return Status::Error("'" + k + "' option not found");
    out[k] = *it;
  }
  return out;
}

Result<OptionsChange> ApplyOptions(const WatcherConfig& base, const nlohmann::json& options,
                                   ConfigEnv& env, const std::string& cwd) {
  if (!options.is_object()) return Status::Error("'options' must be an object");
  OptionsChange change{base, {}, false, false};
  WatcherConfig& w = change.config;
  OptionApply st;
  st.w = &w;
  st.env = &env;
  st.cwd = cwd;
  for (const auto& [key, value] : options.items()) {
    Status s = ApplyOptionKey(key, value, st);
    if (!s.ok()) return s;
    change.keys.push_back(key);
  }
  Status s = Finish(base, st, env, w);
  if (!s.ok()) return s;
  for (const auto& [key, value] : options.items()) w.explicit_keys[key] = OptionText(value);
  change.needs_reload = ReloadFieldsDiffer(base, w);
  change.resize = base.numprocesses != w.numprocesses;
  return change;
}

Result<WatcherConfig> WatcherFromAdd(const std::string& name, const std::string& cmd,
                                     const nlohmann::json& args, const nlohmann::json& options,
                                     ConfigEnv& env, const std::string& cwd) {
  if (name.empty()) return Status::Error("'name' must be a non-empty string");
  if (!options.is_null() && !options.is_object()) {
    return Status::Error("'options' must be an object");
  }
  WatcherConfig base;
  base.name = name;
  json all = options.is_object() ? options : json::object();
  if (!all.contains("cmd")) all["cmd"] = cmd;
  if (!args.is_null() && !all.contains("args")) all["args"] = args;
  Result<OptionsChange> change = ApplyOptions(base, all, env, cwd);
  if (!change.ok()) return change.status();
  return std::move(change).value().config;
}

}  // namespace ringmaster
