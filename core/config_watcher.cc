#include "core/config_watcher.h"

#include <cstdio>
#include <string_view>
#include <vector>

#include "core/config_flapping.h"
#include "core/config_streams.h"
#include "core/config_values.h"
#include "core/config_watcher_keys.h"
#include "core/known_keys.h"
#include "core/substitution.h"

namespace ringmaster {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

bool IsSpawnKey(std::string_view key) {
  return key == "cmd" || key == "args" || key == "shell_args";
}

void CheckName(const IniSection& s, const std::string& name, LoadContext& ctx) {
  if (name.find('.') != std::string::npos) {
    ctx.SectionWarning(s,
                       "the watcher name contains '.'; event and stats consumers split "
                       "topics on '.'");
  } else if (EqualsIgnoreCase(name, "circus") || EqualsIgnoreCase(name, "sockets")) {
    ctx.SectionWarning(
        s, "a watcher named '" + name + "' is ambiguous for event and stats consumers; rename it");
  }
}

// A known key's support level: b and — keys warn once per key and file.
void WarnSupport(const KeyRef& k, const KnownKey& known, LoadContext& ctx) {
  const std::string& key = k.value->key;
  if (key == "env") {
    ctx.KeyWarning(k, "a key named env in a watcher is ignored; use an [env:NAME] section");
  } else if (known.support == KeySupport::kLater) {
    ctx.WarnOncePerFile(k, key + " is accepted but not implemented yet");
  } else if (key == "copy_path") {
    ctx.WarnOncePerFile(k, "copy_path is Python-only; ignored");
  } else if (known.support == KeySupport::kIgnored) {
    ctx.WarnOncePerFile(k, key + " is unused (as in Circus); ignored");
  }
}

// Section-level rules, once every key is read.
void CheckWatcher(const IniSection& s, const WatcherExtras& extras, LoadContext& ctx,
                  WatcherConfig* w) {
  auto at = [&s](std::string_view key) { return KeyRef{&s, s.Find(key)}; };
  if (s.Find("cmd") == nullptr) ctx.SectionError(s, "'cmd' is required");
  if (const IniValue* n = s.Find("numprocesses")) {
    if (w->singleton && w->numprocesses > 1) {
      ctx.KeyError(KeyRef{&s, n},
                   "must be 0 or 1 with singleton = true, not " + std::to_string(w->numprocesses));
    } else if (w->numprocesses == 0 && !w->singleton) {
      ctx.KeyWarning(KeyRef{&s, n}, "numprocesses = 0: the watcher starts no process");
    }
  }
  if (extras.copy_path && !w->copy_env) {
    ctx.KeyError(at("copy_path"), "copy_path = true requires copy_env = true");
  }
  if (extras.virtualenv && !w->copy_env) {
    ctx.KeyWarning(at("virtualenv"), "virtualenv needs copy_env = true");
  }
  if (w->shell_args && !w->shell) {
    ctx.KeyWarning(at("shell_args"), "shell_args has no effect without shell = true");
  }
  if (w->backoff.max < w->backoff.initial) {
    const char* key = s.Find("backoff_max") != nullptr ? "backoff_max" : "backoff_initial";
    char buf[128];
    std::snprintf(buf, sizeof(buf), "backoff_max (%g) must be at least backoff_initial (%g)",
                  w->backoff.max, w->backoff.initial);
    ctx.KeyError(at(key), buf);
  }
  if (w->uid && !w->gid) w->gid = extras.uid_primary_gid;
}

}  // namespace

std::optional<WatcherConfig> ParseWatcherSection(const IniSection& s, const WatcherInputs& in,
                                                 LoadContext& ctx) {
  WatcherConfig w;
  w.flapping = in.flapping;
  w.name = s.name.substr(8);
  w.loc = s.loc;
  if (w.name.empty()) {
    ctx.SectionError(s, "the watcher name is empty");
    return std::nullopt;
  }
  CheckName(s, w.name, ctx);

  const std::map<std::string, std::string> table = in.env->WatcherTable(w.name);
  LoadVars vars{&table, in.sockets, false, s.Find("ready_fd") != nullptr};
  WatcherExtras extras;
  std::vector<StreamKey> out_keys, err_keys;
  for (const IniValue& v : s.values) {
    const KeyRef k{&s, &v};
    const std::string& key = v.key;
    w.explicit_keys[key] = v.value;
    vars.spawn_key = IsSpawnKey(key);
    const std::string text = ctx.Substitute(k, v.value, vars);
    if (vars.spawn_key && ContainsBareWid(text)) {
      ctx.KeyWarning(k, "$WID is deprecated; use $(circus.wid)");
    }
    if (StartsWith(key, "rlimit_")) {
      ApplyRlimit(k, text, ctx, &w);
    } else if (StartsWith(key, "stdout_stream.")) {
      out_keys.push_back(StreamKey{k, key.substr(14), text});
    } else if (StartsWith(key, "stderr_stream.")) {
      err_keys.push_back(StreamKey{k, key.substr(14), text});
    } else if (StartsWith(key, "hooks.")) {
      ApplyHook(k, text, ctx, &w);
      ctx.WarnOncePerFile(k, key + " is accepted but not implemented yet");
    } else if (const KnownKey* known = FindKey(WatcherKeys(), key)) {
      ApplyWatcherKey(k, text, *in.sockets, ctx, &w, &extras);
      WarnSupport(k, *known, ctx);
    } else {
      w.freeform[key] = std::string(Trim(text));
      if (StartsWith(key, "flapping.") && IsFlappingKey(std::string_view(key).substr(9))) {
        ApplyFlappingKey(k, std::string_view(key).substr(9), text, ctx, &w.flapping);
        continue;
      }
      if (std::optional<std::string> hint = DidYouMean(key, WatcherKeys())) {
        ctx.KeyWarning(k, "did you mean '" + *hint + "'?");
      }
    }
  }
  ParseStream("stdout_stream", out_keys, ctx, &w.stdout_stream);
  ParseStream("stderr_stream", err_keys, ctx, &w.stderr_stream);
  CheckWatcher(s, extras, ctx, &w);
  w.env = in.env->ChildEnv(w.name, w.copy_env);
  return w;
}

}  // namespace ringmaster
