// Conversions of trimmed ini values to typed values (docs/config.md §3).
// Each returns the value, or an error whose message is a PROBLEM for a
// Diagnostic ("'three' is not an integer"). Pure; callable from any thread.
#ifndef RINGMASTER_CORE_CONFIG_VALUES_H_
#define RINGMASTER_CORE_CONFIG_VALUES_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace ringmaster {

// Whitespace as isspace() sees it, stripped from both ends.
std::string_view Trim(std::string_view text);
std::string ToLower(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Whitespace-separated words (the `list` type).
std::vector<std::string> SplitWords(std::string_view text);

// true yes on 1 / false no off 0, case-insensitive.
Result<bool> ParseBool(std::string_view text);

// Optional sign and decimal digits, within [lo, hi].
Result<int64_t> ParseInt(std::string_view text, int64_t lo = std::numeric_limits<int64_t>::min(),
                         int64_t hi = std::numeric_limits<int64_t>::max());

// The accepted range of a number or duration. lo_open: lo itself is excluded.
struct Bounds {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
};
inline constexpr Bounds kNonNegative{0.0, std::numeric_limits<double>::infinity(), false};
inline constexpr Bounds kPositive{0.0, std::numeric_limits<double>::infinity(), true};

// Decimal or exponent form ("0.5", "2", "1e3"); no inf, nan or hex.
Result<double> ParseNumber(std::string_view text, Bounds bounds = {});
// A number of seconds.
Result<double> ParseDuration(std::string_view text, Bounds bounds = kNonNegative);

// Octal digits with an optional 0o prefix, at most `max`.
Result<int> ParseOctal(std::string_view text, int max = 0777);

// "15", "TERM", "sigterm", "RTMIN+1": a signal number in 1..SIGRTMAX.
Result<int> ParseSignal(std::string_view text);

// Bytes with an optional K/M/G/T suffix (x1024^n) and B/iB: "512M", "1GiB".
Result<int64_t> ParseSize(std::string_view text);

// tcp://HOST:PORT or ipc://PATH; returns the trimmed text.
Result<std::string> ParseEndpoint(std::string_view text);
// udp://GROUP:PORT or empty.
Result<std::string> ParseMulticastEndpoint(std::string_view text);

Result<LogLevel> ParseLoglevel(std::string_view text);
Result<SocketFamily> ParseSocketFamily(std::string_view text);
Result<SocketType> ParseSocketType(std::string_view text);

// A dotted Python name with at least one dot ("circus.plugins.Foo").
bool IsDottedName(std::string_view text);

// True for 127.0.0.0/8, ::1 (optionally in brackets) and localhost.
bool IsLoopbackHost(std::string_view host);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_VALUES_H_
