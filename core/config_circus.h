// The [circus] section (docs/config.md §5, §10.4): daemon-wide settings,
// after substitution pass 1. Internal to the loader.
#ifndef RINGMASTER_CORE_CONFIG_CIRCUS_H_
#define RINGMASTER_CORE_CONFIG_CIRCUS_H_

#include "core/config.h"
#include "core/config_context.h"
#include "core/ini_store.h"

namespace ringmaster {

// Reads every key of `s` into `out`, reporting problems through `ctx`.
// include/include_dir are skipped (the loader reads them before merging).
// Resolves http_token_file through ctx.env() and checks the HTTP exposure rules.
void ParseCircusSection(const IniSection& s, const LoadVars& vars, LoadContext& ctx,
                        CircusConfig* out);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_CIRCUS_H_
