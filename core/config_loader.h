// Loads and validates a Circus-compatible ini file (docs/config.md):
// includes, first-wins merging, substitution passes 1, 1' and 2, type checks.
// Reports every problem, not just the first. Callable from any thread.
#ifndef RINGMASTER_CORE_CONFIG_LOADER_H_
#define RINGMASTER_CORE_CONFIG_LOADER_H_

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/config_env.h"
#include "core/diagnostic.h"

namespace ringmaster {

struct LoadResult {
  std::optional<Config> config;  // set only when errors is empty
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
  bool unreadable = false;       // the main file could not be read (errno 4 on reloadconfig)
};

LoadResult LoadConfig(const std::string& path, ConfigEnv& env);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_LOADER_H_
