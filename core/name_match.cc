#include "core/name_match.h"

#include <fnmatch.h>

#include <regex>

namespace ringmaster {

std::string AsciiLower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return AsciiLower(a) == AsciiLower(b);
}

Result<std::vector<size_t>> MatchNames(const std::vector<std::string>& names,
                                       const std::string& pattern, const std::string& method) {
  std::vector<size_t> out;
  std::string pat = AsciiLower(pattern);
  if (method == "simple") {
    for (size_t i = 0; i < names.size(); ++i) {
      if (AsciiLower(names[i]) == pat) out.push_back(i);
    }
  } else if (method == "glob" || method.empty()) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (fnmatch(pat.c_str(), AsciiLower(names[i]).c_str(), 0) == 0) out.push_back(i);
    }
  } else if (method == "regex") {
    std::regex re;
    try {
      re = std::regex(pat, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Status::Error("invalid regex '" + pattern + "': " + e.what());
    }
    for (size_t i = 0; i < names.size(); ++i) {
      std::string n = AsciiLower(names[i]);
      if (std::regex_search(n, re, std::regex_constants::match_continuous)) out.push_back(i);
    }
  } else {
    return Status::Error("unknown match method " + method);
  }
  return out;
}

}  // namespace ringmaster
