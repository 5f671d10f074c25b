// One option key of `add`/`set` (docs/protocol.md §7.24): Circus's JSON type
// rules, then the value stored into a WatcherConfig. Keys whose final value
// depends on other keys of the same request (env, streams, uid's primary
// group) are only collected here; watcher_options finishes them. Internal to
// watcher_options; pure apart from ConfigEnv user/group lookups.
#ifndef RINGMASTER_CORE_OPTION_KEYS_H_
#define RINGMASTER_CORE_OPTION_KEYS_H_

#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/config_env.h"
#include "core/status.h"

namespace ringmaster {

// The watcher being changed plus what the request collected for later.
struct OptionApply {
  WatcherConfig* w = nullptr;
  ConfigEnv* env = nullptr;
  std::string cwd;  // makes a relative working_dir absolute

  std::optional<std::map<std::string, std::string>> new_env;  // the `env` key
  std::optional<gid_t> uid_primary_gid;                       // set by `uid`
  // stdout_stream[.K] / stderr_stream[.K]: the raw key map to rebuild from.
  std::optional<std::map<std::string, std::string>> stdout_raw;
  std::optional<std::map<std::string, std::string>> stderr_raw;
};

// Checks `value` for `key` and stores it into *st.w (or st's collections).
// Errors are reply reasons of docs/protocol.md §4.3 ("unknown key 'K'",
// "'K' isn't an integer", ...); on error *st.w may be partly changed, so
// callers work on a copy.
Status ApplyOptionKey(const std::string& key, const nlohmann::json& value, OptionApply& st);

// The representation of a JSON option value in WatcherConfig::explicit_keys:
// strings as they are, anything else as compact JSON.
std::string OptionText(const nlohmann::json& value);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_OPTION_KEYS_H_
