#include "core/config.h"

#include <strings.h>

namespace ringmaster {

const WatcherConfig* Config::FindWatcher(const std::string& name) const {
  for (const WatcherConfig& w : watchers) {
    if (strcasecmp(w.name.c_str(), name.c_str()) == 0) return &w;
  }
  return nullptr;
}

}  // namespace ringmaster
