// Turns the merged sections of every file into a Config: dispatches each
// section to its parser (in the order substitution needs: [env] first,
// sockets before watchers), then the cross-section checks and the ordering.
// Internal to the loader; problems go through `ctx`.
#ifndef RINGMASTER_CORE_CONFIG_BUILDER_H_
#define RINGMASTER_CORE_CONFIG_BUILDER_H_

#include "core/config.h"
#include "core/config_context.h"
#include "core/ini_store.h"

namespace ringmaster {

// Config::main_file is left empty for the caller.
Config BuildConfig(const IniStore& store, LoadContext& ctx);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_BUILDER_H_
