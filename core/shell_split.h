// Word splitting and quoting with POSIX shell rules, as Python's
// shlex.split(posix=True) and shlex.quote do it (Circus splits `cmd`, `args`
// and `shell_args` that way). Pure functions; callable from any thread.
#ifndef RINGMASTER_CORE_SHELL_SPLIT_H_
#define RINGMASTER_CORE_SHELL_SPLIT_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ringmaster {

// Splits at unquoted whitespace. '...' is literal; inside "..." a backslash
// escapes only '"' and '\'; outside quotes it escapes any character. '#' is
// not a comment. Errors: "no closing quotation", "no escaped character".
Result<std::vector<std::string>> ShellSplit(std::string_view text);

// Quotes one word for /bin/sh: unchanged if it has only [A-Za-z0-9_@%+=:,./-],
// "''" if empty, else single-quoted with ' written as '"'"'.
std::string ShellQuote(std::string_view word);

// ShellQuote of each word, joined with single spaces.
std::string ShellJoin(const std::vector<std::string>& words);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_SHELL_SPLIT_H_
