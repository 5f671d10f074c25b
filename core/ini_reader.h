// Reads the text of one ini file (docs/config.md §2) by driving inih's
// ini_parse_stream with our own line reader. The reader keeps physical line
// numbers, blanks `rem` and invalid lines (reporting every invalid line, not
// only inih's first), records section headers and continuation lines, and
// hands lines longer than inih's fixed buffer over a side table. Pure.
#ifndef RINGMASTER_CORE_INI_READER_H_
#define RINGMASTER_CORE_INI_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.h"

namespace ringmaster {

// Lines longer than this are an error.
inline constexpr size_t kMaxIniLine = 64 * 1024;
// A file larger than this is refused before parsing ("FILE: larger than 16 MiB").
inline constexpr size_t kMaxIniFileBytes = 16 * 1024 * 1024;
// Past this many errors, or keys, the rest of a file is not read: the memory
// for diagnostics and entries must stay bounded whatever the file holds
// (50 MB of junk once took 500 MB as one diagnostic per line).
inline constexpr size_t kMaxIniErrors = 100;
inline constexpr size_t kMaxIniKeys = 100000;

struct IniHeader {
  std::string name;  // between the first '[' and the last ']', as written
  int line = 0;
};

// One key line, with its continuation lines appended after "\n". The value is
// trimmed, has its inline comment removed, and `""` is already the empty string.
struct IniEntry {
  std::string section;
  std::string key;
  std::string value;
  int line = 0;
};

struct IniFile {
  std::string path;
  std::vector<IniHeader> headers;  // every header line, in file order
  std::vector<IniEntry> entries;   // every key line, in file order (duplicates kept)
};

// Parses `text`, the contents of `path`. Syntax errors (with `path` and the line
// number) are appended to `errors`; the lines in error are skipped.
IniFile ParseIni(const std::string& path, std::string_view text, std::vector<Diagnostic>* errors);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_INI_READER_H_
