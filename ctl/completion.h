// Tab-completion candidates for the ringctl shell: command names, flags of the
// command being typed, watcher names, option keys, signal names. Pure: the
// daemon-backed lists come in through CompletionSource, so the shell can
// fetch them lazily (with `list`/`options`) and tests can fake them.
#ifndef RINGMASTER_CTL_COMPLETION_H_
#define RINGMASTER_CTL_COMPLETION_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ringmaster {

struct CompletionSource {
  std::function<std::vector<std::string>()> watcher_names;                          // `list`
  std::function<std::vector<std::string>(const std::string& watcher)> option_keys;  // `options`
};

// Candidates for the word being completed, `text`, given the complete words
// before it on the line. Only candidates starting with `text`, sorted.
std::vector<std::string> CompletionCandidates(const std::vector<std::string>& before,
                                              std::string_view text,
                                              const CompletionSource& source);

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_COMPLETION_H_
