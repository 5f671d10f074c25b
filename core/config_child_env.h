// The [env] and [env:PATTERNS] sections and what they feed
// (docs/config.md §4 and §8): the lookup tables of substitution passes 1 and 2, and the child
// environment of each watcher. Built once per load; pure.
#ifndef RINGMASTER_CORE_CONFIG_CHILD_ENV_H_
#define RINGMASTER_CORE_CONFIG_CHILD_ENV_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ringmaster {

using EnvPairs = std::vector<std::pair<std::string, std::string>>;

// fnmatch(3)-style, case-sensitive, as Python's fnmatch on POSIX (no escapes).
bool MatchesAnyPattern(const std::vector<std::string>& patterns, const std::string& name);

// "web, work*" -> {"web", "work*"}; empty patterns dropped.
std::vector<std::string> SplitEnvPatterns(const std::string& spec);

class EnvSources {
 public:
  explicit EnvSources(const std::map<std::string, std::string>& daemon_env);

  // [env], after pass 1'.
  void SetGlobal(EnvPairs values);
  // One [env:PATTERNS] section (raw values), in order of first appearance.
  void AddPatternSection(std::vector<std::string> patterns, EnvPairs values);

  // Lowercased names: the daemon's environment (pass 1').
  const std::map<std::string, std::string>& DaemonTable() const { return daemon_table_; }
  // Lowercased names: daemon environment + [env] (pass 1).
  const std::map<std::string, std::string>& GlobalTable() const { return global_table_; }
  // Lowercased names: + the [env:*] sections matching `watcher` (pass 2).
  std::map<std::string, std::string> WatcherTable(const std::string& watcher) const;

  // §8 steps 1-4: daemon environment if copy_env, [env], matching [env:*] in
  // order, then $VAR expansion against the daemon's environment.
  std::map<std::string, std::string> ChildEnv(const std::string& watcher, bool copy_env) const;

 private:
  const std::map<std::string, std::string>& daemon_env_;
  std::map<std::string, std::string> daemon_table_;
  std::map<std::string, std::string> global_table_;
  EnvPairs global_;
  std::vector<std::pair<std::vector<std::string>, EnvPairs>> patterned_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_CHILD_ENV_H_
