// The keys ringmaster knows in [circus], [socket:*] and [watcher:*], with how
// far each is supported (docs/config.md §0), plus the hook and rlimit names
// and the "did you mean" suggestion for misspelled keys. Static tables; pure.
#ifndef RINGMASTER_CORE_KNOWN_KEYS_H_
#define RINGMASTER_CORE_KNOWN_KEYS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringmaster {

enum class KeySupport {
  kNow,      // a / ext: implemented
  kLater,    // b: parsed and validated, no effect yet; warns once per key and file
  kIgnored,  // —: accepted and ignored for good; warns once per key and file
};

struct KnownKey {
  std::string_view name;
  KeySupport support;
};

// Fixed-name keys. The watcher table excludes the families rlimit_*, hooks.*,
// stdout_stream.* and stderr_stream.*.
const std::vector<KnownKey>& CircusKeys();
const std::vector<KnownKey>& SocketKeys();
const std::vector<KnownKey>& WatcherKeys();
const KnownKey* FindKey(const std::vector<KnownKey>& table, std::string_view name);

// Levenshtein distance.
size_t EditDistance(std::string_view a, std::string_view b);

// For a key not in `table`: a known key (or family member, for watcher keys)
// that equals it ignoring case or is within edit distance 2; nullopt if none.
std::optional<std::string> DidYouMean(std::string_view key, const std::vector<KnownKey>& table);

// hooks.NAME: before_start, after_start, ..., extended_stats.
bool IsHookName(std::string_view name);

// rlimit_NAME (NAME lowercased) -> RLIMIT_* constant; nullopt if unknown.
std::optional<int> RlimitResource(std::string_view lower_name);

// Option names that `$(circus.<option>)` may name in pass 3 (b: not substituted yet).
bool IsWatcherOptionName(std::string_view name);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_KNOWN_KEYS_H_
