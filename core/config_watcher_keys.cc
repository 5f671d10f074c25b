#include "core/config_watcher_keys.h"

#include <climits>

#include "core/config_values.h"
#include "core/known_keys.h"
#include "core/shell_split.h"

namespace ringmaster {
namespace {

// cmd, args and shell_args must split; unbalanced quotes are a load error.
void CheckSplits(const KeyRef& k, std::string_view text, LoadContext& ctx) {
  Result<std::vector<std::string>> words = ShellSplit(text);
  if (!words.ok()) ctx.KeyError(k, "cannot be split into words: " + words.error());
}

bool ApplyBool(const KeyRef& k, std::string_view key, std::string_view t, LoadContext& ctx,
               WatcherConfig* w) {
  struct Field {
    std::string_view name;
    bool WatcherConfig::*field;
  };
  static const Field kFields[] = {
      {"shell", &WatcherConfig::shell},
      {"send_hup", &WatcherConfig::send_hup},
      {"stop_children", &WatcherConfig::stop_children},
      {"singleton", &WatcherConfig::singleton},
      {"use_sockets", &WatcherConfig::use_sockets},
      {"copy_env", &WatcherConfig::copy_env},
      {"respawn", &WatcherConfig::respawn},
      {"autostart", &WatcherConfig::autostart},
      {"close_child_stdin", &WatcherConfig::close_child_stdin},
      {"close_child_stdout", &WatcherConfig::close_child_stdout},
      {"close_child_stderr", &WatcherConfig::close_child_stderr},
      {"notify_socket", &WatcherConfig::notify_socket},
  };
  for (const Field& f : kFields) {
    if (f.name == key) {
      ctx.Assign(k, ParseBool(t), &(w->*f.field));
      return true;
    }
  }
  return false;
}

}  // namespace

void ApplyWatcherKey(const KeyRef& k, std::string_view text, const std::set<std::string>& sockets,
                     LoadContext& ctx, WatcherConfig* w, WatcherExtras* extras) {
  const std::string& key = k.value->key;
  const std::string_view t = Trim(text);
  const std::string s(t);
  if (ApplyBool(k, key, t, ctx, w)) return;
  if (key == "cmd") {
    w->cmd = s;
    if (t.empty()) ctx.KeyError(k, "the command is empty");
    CheckSplits(k, t, ctx);
  } else if (key == "args") {
    w->args = s;
    CheckSplits(k, t, ctx);
  } else if (key == "shell_args") {
    w->shell_args = s;
    CheckSplits(k, t, ctx);
  } else if (key == "numprocesses") {
    ctx.Assign(k, ParseInt(t, 0, INT_MAX), &w->numprocesses);
  } else if (key == "warmup_delay") {
    ctx.Assign(k, ParseDuration(t), &w->warmup_delay);
  } else if (key == "executable") {
    w->executable = s;
  } else if (key == "working_dir") {
    w->working_dir = s;
  } else if (key == "uid") {
    w->uid_spec = s;
    std::optional<UserInfo> user = ctx.env().LookupUser(s);
    if (!user) {
      ctx.KeyError(k, "unknown user '" + s + "'");
    } else {
      w->uid = user->uid;
      extras->uid_primary_gid = user->gid;
    }
  } else if (key == "gid") {
    w->gid_spec = s;
    std::optional<gid_t> group = ctx.env().LookupGroup(s);
    if (!group) {
      ctx.KeyError(k, "unknown group '" + s + "'");
    } else {
      w->gid = *group;
    }
  } else if (key == "stop_signal") {
    ctx.Assign(k, ParseSignal(t), &w->stop_signal);
  } else if (key == "graceful_timeout") {
    ctx.Assign(k, ParseDuration(t), &w->graceful_timeout);
  } else if (key == "max_retry") {
    ctx.Assign(k, ParseInt(t, -1, INT_MAX), &w->max_retry);
  } else if (key == "priority") {
    ctx.Assign(k, ParseInt(t, INT_MIN, INT_MAX), &w->priority);
  } else if (key == "max_age") {
    ctx.Assign(k, ParseInt(t, 0), &w->max_age);
  } else if (key == "max_age_variance") {
    ctx.Assign(k, ParseInt(t, 0), &w->max_age_variance);
  } else if (key == "on_demand" || key == "copy_path" || key == "check_flapping") {
    bool value = false;
    ctx.Assign(k, ParseBool(t), &value);
    if (key == "copy_path") extras->copy_path = value;
  } else if (key == "stdin_socket") {
    if (sockets.count(ToLower(t)) == 0) ctx.KeyError(k, "no [socket:" + ToLower(t) + "] section");
  } else if (key == "virtualenv") {
    extras->virtualenv = true;
  } else if (key == "ready_fd") {
    ctx.Assign(k, ParseInt(t, 3, INT_MAX), &w->ready_fd);
  } else if (key == "ready_timeout") {
    ctx.Assign(k, ParseDuration(t), &w->ready_timeout);
  } else if (key == "backoff") {
    ctx.Assign(k, ParseBool(t), &w->backoff.enabled);
  } else if (key == "backoff_initial") {
    ctx.Assign(k, ParseDuration(t, kPositive), &w->backoff.initial);
  } else if (key == "backoff_factor") {
    ctx.Assign(k, ParseNumber(t, Bounds{1.0}), &w->backoff.factor);
  } else if (key == "backoff_max") {
    ctx.Assign(k, ParseDuration(t), &w->backoff.max);
  } else if (key == "backoff_reset") {
    ctx.Assign(k, ParseDuration(t), &w->backoff.reset);
  } else if (key == "backoff_jitter") {
    ctx.Assign(k, ParseNumber(t, Bounds{0.0, 1.0}), &w->backoff.jitter);
  } else if (key == "backoff_burst") {
    ctx.Assign(k, ParseInt(t, 0, INT_MAX), &w->backoff.burst);
  } else if (key == "backoff_window") {
    ctx.Assign(k, ParseDuration(t, kPositive), &w->backoff.window);
  } else if (key == "max_rss") {
    ctx.Assign(k, ParseSize(t), &w->max_rss);
  }
  // virtualenv_py_ver and env carry no value to check.
}

void ApplyRlimit(const KeyRef& k, std::string_view text, LoadContext& ctx, WatcherConfig* w) {
  const std::string name = ToLower(std::string_view(k.value->key).substr(7));
  const std::optional<int> resource = RlimitResource(name);
  if (!resource) {
    ctx.KeyError(k, "unknown rlimit '" + name + "'");
    return;
  }
  for (const RlimitSetting& r : w->rlimits) {
    if (r.name == name) {
      ctx.KeyWarning(k, "duplicate of rlimit_" + name + "; ignored");
      return;
    }
  }
  RlimitSetting r{name, *resource, std::nullopt};
  const std::string_view t = Trim(text);
  if (!t.empty()) {
    Result<int64_t> v = ParseInt(t, -1);
    if (!v.ok()) {
      ctx.KeyError(k, v.error() + " (use an integer, or nothing for unlimited)");
      return;
    }
    if (*v >= 0) r.value = static_cast<uint64_t>(*v);  // -1: unlimited, as in Python
  }
  w->rlimits.push_back(r);
}

void ApplyHook(const KeyRef& k, std::string_view text, LoadContext& ctx, WatcherConfig* w) {
  const std::string name = k.value->key.substr(6);
  if (!IsHookName(name)) {
    ctx.KeyError(k, "unknown hook '" + name +
                        "' (use before_start, after_start, before_spawn, after_spawn, "
                        "before_stop, after_stop, before_signal, after_signal, before_reap, "
                        "after_reap or extended_stats)");
    return;
  }
  const std::string_view t = Trim(text);
  const size_t comma = t.find(',');
  const std::string_view target = Trim(t.substr(0, comma));
  if (!IsDottedName(target)) {
    ctx.KeyError(k, "'" + std::string(target) + "' is not a dotted Python name");
    return;
  }
  if (comma != std::string_view::npos) {
    Result<bool> ignore_failure = ParseBool(t.substr(comma + 1));
    if (!ignore_failure.ok()) {
      ctx.KeyError(k, ignore_failure.error());
      return;
    }
  }
  w->hooks[name] = std::string(t);
}

}  // namespace ringmaster
