#include "ctl/table.h"

#include <algorithm>

namespace ringmaster {
namespace {

// Watcher names and status texts may be UTF-8; count code points so columns
// still line up for non-ASCII names.
size_t DisplayWidth(const std::string& s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

}  // namespace

std::string FormatTable(const TableRow& header, const std::vector<TableRow>& rows) {
  std::vector<TableRow> all;
  all.reserve(rows.size() + 1);
  all.push_back(header);
  all.insert(all.end(), rows.begin(), rows.end());
  return FormatRows(all);
}

std::string FormatRows(const std::vector<TableRow>& rows) {
  size_t ncols = 0;
  for (const TableRow& r : rows) ncols = std::max(ncols, r.size());
  std::vector<size_t> width(ncols, 0);
  auto measure = [&](const TableRow& r) {
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], DisplayWidth(r[c]));
  };
  for (const TableRow& r : rows) measure(r);

  std::string out;
  auto emit = [&](const TableRow& r) {
    std::string line;
    for (size_t c = 0; c < ncols; ++c) {
      const std::string cell = c < r.size() ? r[c] : "";
      line += cell;
      if (c + 1 < ncols) line.append(width[c] - DisplayWidth(cell) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  for (const TableRow& r : rows) emit(r);
  return out;
}

}  // namespace ringmaster
