#include "core/config_builder.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "core/config_child_env.h"
#include "core/config_circus.h"
#include "core/config_flapping.h"
#include "core/config_sockets.h"
#include "core/config_values.h"
#include "core/config_watcher.h"

namespace ringmaster {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

std::string Where(const SourceLoc& loc) { return loc.file + ":" + std::to_string(loc.line); }

// [env] gets pass 1' (daemon environment only); [env:*] values stay raw.
void ReadEnvSections(const IniStore& store, const std::set<std::string>& sockets, LoadContext& ctx,
                     EnvSources* env) {
  const LoadVars vars{&env->DaemonTable(), &sockets};
  if (const IniSection* s = store.Find("env")) {
    EnvPairs values;
    for (const IniValue& v : s->values) {
      values.emplace_back(v.key, ctx.Substitute(KeyRef{s, &v}, v.value, vars));
    }
    env->SetGlobal(std::move(values));
  }
  for (const IniSection& s : store.sections()) {
    if (!StartsWith(s.name, "env:") || s.values.empty()) continue;
    std::vector<std::string> patterns = SplitEnvPatterns(s.name.substr(4));
    if (patterns.empty()) {
      ctx.SectionWarning(s, "no watcher name patterns; section ignored");
      continue;
    }
    EnvPairs values;
    for (const IniValue& v : s.values) values.emplace_back(v.key, v.value);
    env->AddPatternSection(std::move(patterns), std::move(values));
  }
}

// [plugin:flapping] is built in (§10.2): its keys are every watcher's defaults.
void ReadFlappingPlugin(const IniSection& s, const LoadVars& vars, LoadContext& ctx,
                        FlappingPolicy* policy) {
  policy->enabled = true;
  for (const IniValue& v : s.values) {
    const KeyRef k{&s, &v};
    if (v.key == "use" || v.key == "priority") continue;
    const std::string text = ctx.Substitute(k, v.value, vars);
    if (IsFlappingKey(v.key)) {
      ApplyFlappingKey(k, v.key, text, ctx, policy);
    } else if (v.key != "check_delay" && v.key != "active") {
      ctx.KeyWarning(k, "unknown key for the flapping plugin; ignored");
    }
  }
}

// Other plugins are not run; their keys are only syntax-checked (§9).
void CheckPlugin(const IniSection& s, const LoadVars& vars, LoadContext& ctx) {
  if (!IsFlappingPlugin(s)) {
    ctx.SectionWarning(s, "plugins are not supported; [" + s.name + "] ignored");
  }
  if (s.Find("use") == nullptr) ctx.SectionError(s, "'use' is required");
  for (const IniValue& v : s.values) {
    const KeyRef k{&s, &v};
    const std::string text = ctx.Substitute(k, v.value, vars);
    if (v.key == "use" && !IsDottedName(Trim(text))) {
      ctx.KeyError(k, "'" + std::string(Trim(text)) + "' is not a dotted Python class name");
    } else if (v.key == "priority") {
      int64_t unused = 0;
      ctx.Assign(k, ParseInt(text), &unused);
    }
  }
}

void WarnUnknownSection(const IniSection& s, LoadContext& ctx) {
  if (s.name == "DEFAULT") {
    ctx.SectionWarning(s,
                       "[DEFAULT] is not supported (its keys are not copied into other "
                       "sections); section ignored");
    return;
  }
  std::string problem = "unknown section; ignored";
  const std::string lower = ToLower(s.name);
  for (std::string_view known : {"circus", "env", "watcher:", "socket:", "plugin:", "env:"}) {
    const bool exact = known.back() != ':';
    if ((exact && lower == known) || (!exact && StartsWith(lower, known))) {
      problem += " (section names are case-sensitive: did you mean [" + std::string(known) +
                 s.name.substr(known.size()) + "]?)";
      break;
    }
  }
  ctx.SectionWarning(s, problem);
}

void CheckDuplicateWatchers(const std::vector<WatcherConfig>& watchers, LoadContext& ctx) {
  std::map<std::string, const WatcherConfig*> seen;
  for (const WatcherConfig& w : watchers) {
    auto [it, inserted] = seen.emplace(ToLower(w.name), &w);
    if (inserted) continue;
    const WatcherConfig& first = *it->second;
    ctx.Error(Diagnostic{w.loc.file, w.loc.line, "watcher:" + w.name, "",
                         "the name differs only in case from [watcher:" + first.name + "] at " +
                             Where(first.loc) + "; watcher names are case-insensitive"});
  }
}

void CheckDuplicateSockets(const std::vector<SocketConfig>& sockets, LoadContext& ctx) {
  std::map<std::string, const SocketConfig*> seen;
  for (const SocketConfig& s : sockets) {
    auto [it, inserted] = seen.emplace(s.name, &s);
    if (inserted) continue;
    ctx.Error(Diagnostic{s.loc.file, s.loc.line, "socket:" + s.name, "",
                         "the same socket as the section at " + Where(it->second->loc) +
                             " (socket names are lowercased)"});
  }
}

// After every section: [circus] max_numprocesses may come after the watchers.
void CheckNumprocessesCeiling(const IniStore& store, const Config& config, LoadContext& ctx) {
  const int max = config.circus.max_numprocesses;
  for (const WatcherConfig& w : config.watchers) {
    if (w.numprocesses <= max) continue;
    const IniSection* s = store.Find("watcher:" + w.name);
    const IniValue* v = s != nullptr ? s->Find("numprocesses") : nullptr;
    if (v == nullptr) continue;  // the default (1) is never above max (>= 1)
    ctx.KeyError(KeyRef{s, v}, "must be at most max_numprocesses (" + std::to_string(max) +
                                   "), not " + std::to_string(w.numprocesses) +
                                   "; raise max_numprocesses in [circus] if this is intended");
  }
}

}  // namespace

Config BuildConfig(const IniStore& store, LoadContext& ctx) {
  Config config;
  std::set<std::string> socket_names;
  for (const IniSection& s : store.sections()) {
    if (StartsWith(s.name, "socket:") && !s.values.empty()) {
      socket_names.insert(ToLower(s.name.substr(7)));
    }
  }
  EnvSources env(ctx.env().Environment());
  ReadEnvSections(store, socket_names, ctx, &env);
  const LoadVars pass1{&env.GlobalTable(), &socket_names};
  WatcherInputs inputs{&env, &socket_names, FlappingPolicy{}};
  for (const IniSection& s : store.sections()) {
    if (StartsWith(s.name, "plugin:") && !s.values.empty() && IsFlappingPlugin(s)) {
      ReadFlappingPlugin(s, pass1, ctx, &inputs.flapping);
    }
  }

  for (const IniSection& s : store.sections()) {
    if (s.values.empty()) {
      ctx.SectionWarning(s, "the section has no keys; ignored");
    } else if (s.name == "circus") {
      ParseCircusSection(s, pass1, ctx, &config.circus);
    } else if (s.name == "env" || StartsWith(s.name, "env:")) {
      continue;  // read above
    } else if (StartsWith(s.name, "socket:")) {
      if (auto sock = ParseSocketSection(s, pass1, ctx)) config.sockets.push_back(*sock);
    } else if (StartsWith(s.name, "watcher:")) {
      if (auto w = ParseWatcherSection(s, inputs, ctx)) config.watchers.push_back(std::move(*w));
    } else if (StartsWith(s.name, "plugin:")) {
      CheckPlugin(s, pass1, ctx);
    } else {
      WarnUnknownSection(s, ctx);
    }
  }

  CheckNumprocessesCeiling(store, config, ctx);
  CheckDuplicateSockets(config.sockets, ctx);
  CheckDuplicateWatchers(config.watchers, ctx);
  std::stable_sort(config.watchers.begin(), config.watchers.end(),
                   [](const WatcherConfig& a, const WatcherConfig& b) {
                     if (a.priority != b.priority) return a.priority > b.priority;
                     return a.name < b.name;
                   });
  std::stable_sort(config.sockets.begin(), config.sockets.end(),
                   [](const SocketConfig& a, const SocketConfig& b) { return a.name < b.name; });
  return config;
}

}  // namespace ringmaster
