// Shared state of one LoadConfig call: the outside world (ConfigEnv), where
// diagnostics go, and the helpers every section parser uses to report a
// problem at a key's place, convert values, and run the load-time
// substitution passes (docs/config.md §4.1, passes 1, 1' and 2).
// Internal to the loader; one instance per load, single-threaded.
#ifndef RINGMASTER_CORE_CONFIG_CONTEXT_H_
#define RINGMASTER_CORE_CONFIG_CONTEXT_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config_env.h"
#include "core/diagnostic.h"
#include "core/ini_store.h"
#include "core/status.h"

namespace ringmaster {

// One key of a merged section.
struct KeyRef {
  const IniSection* section = nullptr;
  const IniValue* value = nullptr;
};

// What a load-time substitution may replace.
struct LoadVars {
  const std::map<std::string, std::string>* env = nullptr;  // lowercased name -> value
  const std::set<std::string>* sockets = nullptr;           // lowercased socket names
  bool spawn_key = false;     // cmd/args/shell_args: keep what pass 3 substitutes
  bool ready_fd_set = false;  // the watcher sets ready_fd
};

class LoadContext {
 public:
  LoadContext(ConfigEnv& env, std::vector<Diagnostic>* errors, std::vector<Diagnostic>* warnings)
      : env_(env), errors_(errors), warnings_(warnings) {}

  ConfigEnv& env() const { return env_; }
  size_t error_count() const { return errors_->size(); }

  void Error(Diagnostic d) { errors_->push_back(std::move(d)); }
  void Warning(Diagnostic d) { warnings_->push_back(std::move(d)); }
  void KeyError(const KeyRef& k, std::string problem);
  void KeyWarning(const KeyRef& k, std::string problem);
  void SectionError(const IniSection& s, std::string problem);
  void SectionWarning(const IniSection& s, std::string problem);
  // At most one warning per (file, key name) over the whole load: b and — keys.
  void WarnOncePerFile(const KeyRef& k, std::string problem);

  // Stores a converted value, or reports its error at the key. Returns ok().
  template <typename T, typename U>
  bool Assign(const KeyRef& k, const Result<T>& r, U* out) {
    if (!r.ok()) {
      KeyError(k, r.error());
      return false;
    }
    *out = static_cast<U>(r.value());
    return true;
  }

  // Replaces the $(circus.env.X) references `vars.env` knows. Keeps the
  // pass-3 references of spawn keys; an unknown reference stays verbatim with
  // a warning, and $(circus.sockets.X) with no such socket is an error.
  std::string Substitute(const KeyRef& k, std::string_view text, const LoadVars& vars);

 private:
  ConfigEnv& env_;
  std::vector<Diagnostic>* errors_;
  std::vector<Diagnostic>* warnings_;
  std::set<std::pair<std::string, std::string>> warned_once_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_CONTEXT_H_
