// Circus's flapping plugin keys (docs/config.md §10.2): `flapping.attempts`,
// `flapping.window`, `flapping.retry_in`, `flapping.max_retry` in a watcher
// section (kept as freeform options too, so `options` shows them as Circus
// does), and the same names without the prefix in [plugin:flapping], whose
// values are the defaults of every watcher. Internal to the loader.
#ifndef RINGMASTER_CORE_CONFIG_FLAPPING_H_
#define RINGMASTER_CORE_CONFIG_FLAPPING_H_

#include <string_view>

#include "core/config.h"
#include "core/config_context.h"

namespace ringmaster {

// True for the four flapping key names (without the "flapping." prefix).
bool IsFlappingKey(std::string_view name);
// Converts one of them into `policy` (and enables it); errors go to `ctx`.
void ApplyFlappingKey(const KeyRef& k, std::string_view name, std::string_view text,
                      LoadContext& ctx, FlappingPolicy* policy);
// A [plugin:NAME] section that configures Circus's flapping plugin.
bool IsFlappingPlugin(const IniSection& s);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_FLAPPING_H_
