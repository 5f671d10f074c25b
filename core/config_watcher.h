// The [watcher:NAME] sections (docs/config.md §6): every key after
// substitution pass 2, the section-level rules, and the child environment
// (§8). Internal to the loader.
#ifndef RINGMASTER_CORE_CONFIG_WATCHER_H_
#define RINGMASTER_CORE_CONFIG_WATCHER_H_

#include <optional>
#include <set>
#include <string>

#include "core/config.h"
#include "core/config_child_env.h"
#include "core/config_context.h"
#include "core/ini_store.h"

namespace ringmaster {

struct WatcherInputs {
  const EnvSources* env = nullptr;
  const std::set<std::string>* sockets = nullptr;  // lowercased names
  FlappingPolicy flapping;  // [plugin:flapping] defaults (disabled without one)
};

// One watcher, or nullopt if the section cannot define one (empty name).
// Problems are reported through `ctx`.
std::optional<WatcherConfig> ParseWatcherSection(const IniSection& s, const WatcherInputs& in,
                                                 LoadContext& ctx);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_WATCHER_H_
