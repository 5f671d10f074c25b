// The [socket:NAME] sections (docs/config.md §7), after substitution pass 1.
// Internal to the loader.
#ifndef RINGMASTER_CORE_CONFIG_SOCKETS_H_
#define RINGMASTER_CORE_CONFIG_SOCKETS_H_

#include <optional>

#include "core/config.h"
#include "core/config_context.h"
#include "core/ini_store.h"

namespace ringmaster {

// One socket (name lowercased), or nullopt if the name is empty. Problems in
// its keys are reported through `ctx`.
std::optional<SocketConfig> ParseSocketSection(const IniSection& s, const LoadVars& vars,
                                               LoadContext& ctx);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_SOCKETS_H_
