// Watcher name matching for start/stop/restart (docs/protocol.md §6):
// simple (exact, case-insensitive), glob (fnmatch on lowercased names) and
// regex (ECMAScript, anchored at the start only, like Python's re.match).
#ifndef RINGMASTER_CORE_NAME_MATCH_H_
#define RINGMASTER_CORE_NAME_MATCH_H_

#include <string>
#include <vector>

#include "core/status.h"

namespace ringmaster {

// Returns the indexes of `names` that match, or an errno-3 error
// ("unknown match method M", "invalid regex 'R': ...").
Result<std::vector<size_t>> MatchNames(const std::vector<std::string>& names,
                                       const std::string& pattern, const std::string& method);

std::string AsciiLower(std::string s);
bool EqualsIgnoreCase(const std::string& a, const std::string& b);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_NAME_MATCH_H_
