#include "core/ini_reader.h"

#include <ini.h>

#include <cctype>
#include <cstring>
#include <set>
#include <utility>

#include "core/config_values.h"

namespace ringmaster {
namespace {

// The Debian build of inih is fixed at INI_MAX_LINE=200, stack buffer, no line
// numbers in the handler and no handler call on new sections; everything that
// needs more than that is done here, around it.

enum class LineKind { kSkip, kSection, kKey, kContinuation };

struct ParseState {
  std::string_view text;
  size_t pos = 0;
  int lineno = 0;
  IniFile* out = nullptr;
  std::vector<Diagnostic>* errors = nullptr;
  std::set<int> error_lines;  // lines we reported (and blanked for inih)
  bool stop = false;          // a limit was reached: read no further line

  // Our mirror of inih's state.
  bool in_section = false;
  std::string section;
  bool key_in_section = false;  // inih's prev_name is set: indented lines continue
  int last_entry = -1;

  // The line just handed to inih; the handler runs before the next read.
  LineKind kind = LineKind::kSkip;
  bool is_long = false;  // inih got a placeholder; the real key/value are here
  std::string long_key;
  std::string long_value;
};

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

void Error(ParseState* st, std::string problem, std::string key = "") {
  st->errors->push_back(
      Diagnostic{st->out->path, st->lineno, "", std::move(key), std::move(problem)});
  st->error_lines.insert(st->lineno);
}

// inih's find_chars_or_comment: the first of `chars`, or a ';' that follows
// whitespace (an inline comment). npos if neither.
size_t FindCharsOrComment(std::string_view s, size_t from, std::string_view chars) {
  bool was_space = false;
  for (size_t i = from; i < s.size(); ++i) {
    if (chars.find(s[i]) != std::string_view::npos) return i;
    if (was_space && s[i] == ';') return i;
    was_space = IsSpace(s[i]);
  }
  return std::string_view::npos;
}

// What inih does to a value: cut at an inline comment, then trim.
std::string CleanValue(std::string_view raw) {
  const size_t cut = FindCharsOrComment(raw, 0, "");
  return std::string(Trim(raw.substr(0, cut)));
}

bool IsRemLine(std::string_view line) {
  return line.size() >= 3 && EqualsIgnoreCase(line.substr(0, 3), "rem") &&
         (line.size() == 3 || IsSpace(line[3]));
}

// Classifies one physical line and returns what inih should see. `max_feed` is
// the longest line inih's buffer holds with its newline.
std::string Classify(ParseState* st, std::string_view line, size_t max_feed) {
  st->kind = LineKind::kSkip;
  st->is_long = false;
  if (line.size() > kMaxIniLine) {
    Error(st, "line is longer than 64 KiB");
    return "";
  }
  if (line.find('\0') != std::string_view::npos) {
    Error(st, "line contains a NUL byte");
    return "";
  }
  if (IsRemLine(line)) return "";
  size_t first = 0;
  while (first < line.size() && IsSpace(line[first])) ++first;
  if (first == line.size()) return "";  // blank: does not end a multi-line value
  const char c = line[first];
  if (c == '#' || c == ';') return "";
  if (first > 0 && st->key_in_section) {
    st->kind = LineKind::kContinuation;
    if (line.size() <= max_feed) return std::string(line);
    st->is_long = true;
    st->long_value = std::string(line.substr(first));
    return " \x01";
  }
  if (c == '[') {
    const size_t close = line.rfind(']');
    if (close == std::string_view::npos || close < first) {
      Error(st, "section header has no closing ']'");
      return "";
    }
    st->section = std::string(line.substr(first + 1, close - first - 1));
    st->in_section = true;
    st->key_in_section = false;
    st->last_entry = -1;
    st->out->headers.push_back(IniHeader{st->section, st->lineno});
    st->kind = LineKind::kSection;
    return "[s]";  // resets inih's prev_name; we track the name ourselves
  }
  const size_t sep = FindCharsOrComment(line, first, "=:");
  if (sep == std::string_view::npos || (line[sep] != '=' && line[sep] != ':')) {
    Error(st, "line is not a section, a key or a comment");
    return "";
  }
  const std::string key(Trim(line.substr(first, sep - first)));
  if (key.empty()) {
    Error(st, "line is not a section, a key or a comment (the key is empty)");
    return "";
  }
  if (!st->in_section) {
    Error(st, "key before the first section header", key);
    return "";
  }
  st->kind = LineKind::kKey;
  st->key_in_section = true;
  if (line.size() <= max_feed) return std::string(line);
  st->is_long = true;
  st->long_key = key;
  st->long_value = std::string(line.substr(sep + 1));
  return "k=\x01";
}

// ini_reader: one physical line per call.
char* ReadLine(char* buf, int num, void* stream) {
  auto* st = static_cast<ParseState*>(stream);
  if (st->stop || st->pos >= st->text.size() || num < 3) return nullptr;
  if (st->error_lines.size() >= kMaxIniErrors) {
    st->errors->push_back(Diagnostic{st->out->path, 0, "", "",
                                     "more than " + std::to_string(kMaxIniErrors) +
                                         " errors; the rest of the file was not read (is it an "
                                         "ini file?)"});
    st->stop = true;
    return nullptr;
  }
  const size_t nl = st->text.find('\n', st->pos);
  const size_t end = nl == std::string_view::npos ? st->text.size() : nl;
  std::string_view line = st->text.substr(st->pos, end - st->pos);
  st->pos = nl == std::string_view::npos ? st->text.size() : nl + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ++st->lineno;
  // Room for '\n' and NUL, so inih never thinks the line was cut.
  const size_t max_feed = static_cast<size_t>(num) - 2;
  std::string feed = Classify(st, line, max_feed);
  if (feed.size() > max_feed) feed.clear();
  std::memcpy(buf, feed.data(), feed.size());
  buf[feed.size()] = '\n';
  buf[feed.size() + 1] = '\0';
  return buf;
}

int Handle(void* user, const char* /*section*/, const char* name, const char* value) {
  auto* st = static_cast<ParseState*>(user);
  if (st->kind == LineKind::kKey) {
    if (st->out->entries.size() >= kMaxIniKeys) {
      Error(st, "more than " + std::to_string(kMaxIniKeys) +
                    " keys in one file; the rest of the file was not read");
      st->stop = true;
      return 1;
    }
    IniEntry e;
    e.section = st->section;
    e.key = st->is_long ? st->long_key : name;
    // CleanValue again on inih's value: idempotent, and it keeps us right
    // whichever inih release is installed.
    e.value = CleanValue(st->is_long ? std::string_view(st->long_value) : std::string_view(value));
    if (e.value == "\"\"") e.value.clear();
    e.line = st->lineno;
    st->out->entries.push_back(std::move(e));
    st->last_entry = static_cast<int>(st->out->entries.size()) - 1;
  } else if (st->kind == LineKind::kContinuation && st->last_entry >= 0) {
    std::string& v = st->out->entries[static_cast<size_t>(st->last_entry)].value;
    v += "\n";
    // Older inih releases (Debian's r55) keep inline comments on continuation lines.
    v += CleanValue(st->is_long ? std::string_view(st->long_value) : std::string_view(value));
  }
  return 1;
}

}  // namespace

IniFile ParseIni(const std::string& path, std::string_view text, std::vector<Diagnostic>* errors) {
  IniFile file;
  file.path = path;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  ParseState st;
  st.text = text;
  st.out = &file;
  st.errors = errors;
  const int rc = ini_parse_stream(&ReadLine, &st, &Handle, &st);
  if (rc > 0 && st.error_lines.count(rc) == 0) {
    // inih saw a problem our classification missed; report it rather than lose it.
    errors->push_back(Diagnostic{path, rc, "", "", "line is not a section, a key or a comment"});
  } else if (rc < 0) {
    errors->push_back(
        Diagnostic{path, 0, "", "", "cannot parse: inih error " + std::to_string(rc)});
  }
  return file;
}

}  // namespace ringmaster
