// A watcher's output streams, stdout_stream.* and stderr_stream.*
// (docs/config.md §6.2). Internal to the loader.
#ifndef RINGMASTER_CORE_CONFIG_STREAMS_H_
#define RINGMASTER_CORE_CONFIG_STREAMS_H_

#include <string>
#include <vector>

#include "core/config.h"
#include "core/config_context.h"

namespace ringmaster {

struct StreamKey {
  KeyRef ref;
  std::string subkey;  // after "stdout_stream."
  std::string text;    // the value after pass 2
};

// Builds one stream from its keys (`prefix` is "stdout_stream" or
// "stderr_stream"). No keys: cls stays kNone.
void ParseStream(const std::string& prefix, const std::vector<StreamKey>& keys, LoadContext& ctx,
                 StreamConfig* out);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_STREAMS_H_
