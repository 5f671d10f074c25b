#include "core/config_child_env.h"

#include <fnmatch.h>

#include "core/config_values.h"
#include "core/substitution.h"

namespace ringmaster {

bool MatchesAnyPattern(const std::vector<std::string>& patterns, const std::string& name) {
  for (const std::string& p : patterns) {
    if (fnmatch(p.c_str(), name.c_str(), FNM_NOESCAPE) == 0) return true;
  }
  return false;
}

std::vector<std::string> SplitEnvPatterns(const std::string& spec) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t comma = spec.find(',', start);
    if (comma == std::string::npos) comma = spec.size();
    const std::string_view p = Trim(std::string_view(spec).substr(start, comma - start));
    if (!p.empty()) out.emplace_back(p);
    start = comma + 1;
  }
  return out;
}

EnvSources::EnvSources(const std::map<std::string, std::string>& daemon_env)
    : daemon_env_(daemon_env) {
  for (const auto& [k, v] : daemon_env_) daemon_table_[ToLower(k)] = v;
  global_table_ = daemon_table_;
}

void EnvSources::SetGlobal(EnvPairs values) {
  global_ = std::move(values);
  global_table_ = daemon_table_;
  for (const auto& [k, v] : global_) global_table_[ToLower(k)] = v;
}

void EnvSources::AddPatternSection(std::vector<std::string> patterns, EnvPairs values) {
  patterned_.emplace_back(std::move(patterns), std::move(values));
}

std::map<std::string, std::string> EnvSources::WatcherTable(const std::string& watcher) const {
  std::map<std::string, std::string> table = global_table_;
  for (const auto& [patterns, values] : patterned_) {
    if (!MatchesAnyPattern(patterns, watcher)) continue;
    for (const auto& [k, v] : values) table[ToLower(k)] = v;
  }
  return table;
}

std::map<std::string, std::string> EnvSources::ChildEnv(const std::string& watcher,
                                                        bool copy_env) const {
  std::map<std::string, std::string> env;
  if (copy_env) env = daemon_env_;
  for (const auto& [k, v] : global_) env[k] = v;
  for (const auto& [patterns, values] : patterned_) {
    if (!MatchesAnyPattern(patterns, watcher)) continue;
    for (const auto& [k, v] : values) env[k] = v;
  }
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : env) {
    out[std::string(Trim(k))] = std::string(Trim(ExpandEnvVars(v, daemon_env_)));
  }
  return out;
}

}  // namespace ringmaster
