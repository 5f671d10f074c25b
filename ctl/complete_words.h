// `ringctl --complete-words [--] WORD...`: the candidates the bash and zsh
// completion scripts (dist/completion/) offer for the last WORD, one per
// line. WORDs are the command line after `ringctl`, the last one being the
// word under the cursor (empty for a new word). Commands and flags come from
// the command table; watcher names from a live `list` with a short deadline,
// so a dead daemon yields no names instead of a hung shell. Main thread only.
#ifndef RINGMASTER_CTL_COMPLETE_WORDS_H_
#define RINGMASTER_CTL_COMPLETE_WORDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "ctl/completion.h"

namespace ringmaster {

// The hidden flag; not shown by --help.
inline constexpr std::string_view kCompleteWordsFlag = "--complete-words";

// How long the daemon may take to answer `list`/`options` while completing.
inline constexpr double kCompleteWordsTimeout = 1.0;

// Candidates for the last of `words`. Global flags before the command are
// skipped (their names complete when the word starts with '-'); an
// `--endpoint E` among them is stored in `*endpoint`, if given, before the
// source is asked anything. Pure but for what `source` does.
std::vector<std::string> CompleteWords(const std::vector<std::string>& words,
                                       const CompletionSource& source, std::string* endpoint);

// Prints CompleteWords() for argv after the flag (a leading "--" is skipped),
// asking the daemon at --endpoint, else $RINGMASTER_ENDPOINT, else the
// default. Always exits 0: completion never reports errors.
int RunCompleteWords(const std::vector<std::string>& args);

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_COMPLETE_WORDS_H_
