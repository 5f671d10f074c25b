#include "core/diagnostic.h"

namespace ringmaster {
namespace {

// Length of the valid UTF-8 sequence at s[i] (1-4), or 0 if there is none
// (overlong forms, surrogates and values above U+10FFFF are not valid).
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

std::string EscapeForDisplay(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const size_t n = Utf8Length(text, i)) {
        out.append(text.substr(i, n));
        i += n;
        continue;
      }
    }
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
    ++i;
  }
  return out;
}

std::string Diagnostic::Format() const {
  std::string out = EscapeForDisplay(file);
  if (line > 0) out += ":" + std::to_string(line);
  if (!out.empty()) out += ": ";
  if (!section.empty()) out += "[" + EscapeForDisplay(section) + "]";
  if (!key.empty()) {
    if (!section.empty()) out += " ";
    out += EscapeForDisplay(key);
  }
  if (!section.empty() || !key.empty()) out += ": ";
  out += EscapeForDisplay(problem);
  return out;
}

std::vector<std::string> FormatDiagnostics(const std::vector<Diagnostic>& diags,
                                           const std::string& prefix, size_t limit) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < diags.size() && i < limit; ++i) {
    lines.push_back(prefix + diags[i].Format());
  }
  if (diags.size() > limit) {
    lines.push_back("... and " + std::to_string(diags.size() - limit) + " more");
  }
  return lines;
}

}  // namespace ringmaster
