// The POSIX shell word splitter (shlex.split) and its inverse: whatever
// ShellSplit returns, joining the words with ShellQuote and splitting again
// must give the same words back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/shell_split.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringmaster;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<std::vector<std::string>> words = ShellSplit(text);
  if (!words.ok()) return 0;
  Result<std::vector<std::string>> again = ShellSplit(ShellJoin(*words));
  if (!again.ok() || *again != *words) __builtin_trap();
  return 0;
}
