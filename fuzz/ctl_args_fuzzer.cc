// ringctl's command-word parser (ctl/args.h), as main() calls it after the
// global flags: the input split at NUL bytes is the argv words. Also the
// same input as one interactive-shell line (shell-split, then parsed).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/shell_split.h"
#include "ctl/arg_values.h"
#include "ctl/args.h"
#include "ctl/help.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringmaster;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= in.size()) {
    size_t nul = in.find('\0', start);
    if (nul == std::string_view::npos) nul = in.size();
    words.emplace_back(in.substr(start, nul - start));
    start = nul + 1;
  }
  if (!words.empty() && !LooksLikeFlag(words.front())) {
    GlobalOptions globals;
    Result<Invocation> inv = ParseCommandWords(words, &globals);
    if (inv.ok()) {
      (void)inv->properties.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      if (inv->command == kHelpCommand) {
        (void)(inv->help_topic.empty() ? CommandListHelp() : CommandHelp(inv->help_topic));
      }
    } else {
      (void)UsageErrorText(words.front(), inv.error());
    }
  }
  Result<std::vector<std::string>> line = ShellSplit(in);
  if (line.ok() && !line->empty()) {
    GlobalOptions globals;
    (void)ParseCommandWords(*line, &globals);
  }
  return 0;
}
