#include "core/shell_split.h"

namespace ringmaster {
namespace {

// shlex's whitespace set.
bool IsSplitSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsSafeForShell(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
}

}  // namespace

Result<std::vector<std::string>> ShellSplit(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // a word has started (possibly empty, e.g. '')
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (IsSplitSpace(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return Status::Error("no escaped character");
      word += text[i + 1];
      in_word = true;
      i += 2;
    } else if (c == '\'') {
      const size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) return Status::Error("no closing quotation");
      word.append(text.substr(i + 1, close - i - 1));
      in_word = true;
      i = close + 1;
    } else if (c == '"') {
      in_word = true;
      ++i;
      for (;;) {
        if (i >= text.size()) return Status::Error("no closing quotation");
        const char q = text[i];
        if (q == '"') {
          ++i;
          break;
        }
        if (q == '\\') {
          if (i + 1 >= text.size()) return Status::Error("no escaped character");
          const char next = text[i + 1];
          // shlex keeps the backslash unless it escapes '"' or '\'.
          if (next != '"' && next != '\\') word += '\\';
          word += next;
          i += 2;
          continue;
        }
        word += q;
        ++i;
      }
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string ShellQuote(std::string_view word) {
  if (word.empty()) return "''";
  bool safe = true;
  for (char c : word) safe = safe && IsSafeForShell(c);
  if (safe) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\"'\"'";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

std::string ShellJoin(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += ShellQuote(w);
  }
  return out;
}

}  // namespace ringmaster
