// Plain-text tables for ringctl's human output: left-aligned columns separated
// by two spaces, the last column unpadded (no trailing blanks). Pure.
#ifndef RINGMASTER_CTL_TABLE_H_
#define RINGMASTER_CTL_TABLE_H_

#include <string>
#include <vector>

namespace ringmaster {

using TableRow = std::vector<std::string>;

// Header first, then rows; every line ends with '\n'. Rows shorter than the
// header are padded with empty cells. Widths count UTF-8 code points.
std::string FormatTable(const TableRow& header, const std::vector<TableRow>& rows);

// The same without a header line (help texts).
std::string FormatRows(const std::vector<TableRow>& rows);

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_TABLE_H_
