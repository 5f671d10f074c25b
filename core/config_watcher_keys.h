// Conversion of single [watcher:NAME] keys (docs/config.md §6.1, §10):
// the fixed-name keys, rlimit_NAME and hooks.NAME. Section-level rules (cmd
// required, singleton, ...) are in config_watcher. Internal to the loader.
#ifndef RINGMASTER_CORE_CONFIG_WATCHER_KEYS_H_
#define RINGMASTER_CORE_CONFIG_WATCHER_KEYS_H_

#include <sys/types.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/config_context.h"

namespace ringmaster {

// Values read from keys that WatcherConfig has no field for, but that the
// section-level checks need.
struct WatcherExtras {
  bool copy_path = false;
  bool virtualenv = false;
  std::optional<gid_t> uid_primary_gid;
};

// One key of WatcherKeys() (known_keys.h); `text` is the value after pass 2.
void ApplyWatcherKey(const KeyRef& k, std::string_view text, const std::set<std::string>& sockets,
                     LoadContext& ctx, WatcherConfig* w, WatcherExtras* extras);

// rlimit_NAME = int, or empty (or -1) for unlimited.
void ApplyRlimit(const KeyRef& k, std::string_view text, LoadContext& ctx, WatcherConfig* w);

// hooks.NAME = dotted.name[, bool]
void ApplyHook(const KeyRef& k, std::string_view text, LoadContext& ctx, WatcherConfig* w);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_WATCHER_KEYS_H_
