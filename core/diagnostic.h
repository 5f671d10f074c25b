// A config problem in the reference's format (docs/config.md §11.1):
//   FILE:LINE: [SECTION] KEY: PROBLEM
#ifndef RINGMASTER_CORE_DIAGNOSTIC_H_
#define RINGMASTER_CORE_DIAGNOSTIC_H_

#include <string>
#include <string_view>
#include <vector>

namespace ringmaster {

struct Diagnostic {
  std::string file;
  int line = 0;          // 0: file-level, no ":LINE"
  std::string section;   // without brackets; empty: none
  std::string key;       // empty: section-level or line-level
  std::string problem;

  // "FILE:LINE: [SECTION] KEY: PROBLEM", omitting the parts that are empty.
  // Every part goes through EscapeForDisplay: they echo file content.
  std::string Format() const;
};

// `text` with control characters, DEL and bytes that are not valid UTF-8
// written as \xNN, so a diagnostic about a binary file never sends raw bytes
// (escape sequences, NULs) to a terminal or a JSON reply. Valid UTF-8 is kept.
std::string EscapeForDisplay(std::string_view text);

// Formats a list as the daemon prints it: one "ringmasterd: config error: ..."
// line each (prefix given), at most `limit` lines, then "... and N more".
std::vector<std::string> FormatDiagnostics(const std::vector<Diagnostic>& diags,
                                           const std::string& prefix, size_t limit = 50);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_DIAGNOSTIC_H_
