#include "core/diagnostic.h"

namespace ringmaster {

std::string Diagnostic::Format() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (!out.empty()) out += ": ";
  if (!section.empty()) out += "[" + section + "]";
  if (!key.empty()) {
    if (!section.empty()) out += " ";
    out += key;
  }
  if (!section.empty() || !key.empty()) out += ": ";
  out += problem;
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
