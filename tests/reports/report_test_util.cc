#include "tests/reports/report_test_util.h"

#include "absl/strings/str_cat.h"

namespace relog::reports::testing {

std::string CellText(const relog::v1::ReportCell& cell) {
  switch (cell.value_case()) {
    case relog::v1::ReportCell::kText:
      return cell.text();
    case relog::v1::ReportCell::kInteger:
      return absl::StrCat(cell.integer());
    case relog::v1::ReportCell::kDecimal: {
      const int64_t units = cell.decimal().units();
      const int scale = cell.decimal().scale();
      if (scale <= 0) return absl::StrCat(units);
      std::string digits = absl::StrCat(units < 0 ? -units : units);
      while (static_cast<int>(digits.size()) <= scale) digits = "0" + digits;
      return absl::StrCat(units < 0 ? "-" : "",
                          digits.substr(0, digits.size() - scale), ".",
                          digits.substr(digits.size() - scale));
    }
    case relog::v1::ReportCell::VALUE_NOT_SET:
      break;
  }
  return "";
}

const relog::v1::ReportRow* FindRow(const relog::v1::ReportTable& table,
                                    const std::vector<std::string>& keys) {
  for (const relog::v1::ReportRow& row : table.rows()) {
    if (row.cells_size() < static_cast<int>(keys.size())) continue;
    bool match = true;
    for (size_t i = 0; i < keys.size() && match; ++i) {
      match = CellText(row.cells(static_cast<int>(i))) == keys[i];
    }
    if (match) return &row;
  }
  return nullptr;
}

std::string Cell(const relog::v1::ReportTable& table,
                 const relog::v1::ReportRow& row,
                 const std::string& column_id) {
  for (int i = 0; i < table.columns_size(); ++i) {
    if (table.columns(i).id() == column_id) {
      return i < row.cells_size() ? CellText(row.cells(i)) : "";
    }
  }
  return "<no column>";
}

}  // namespace relog::reports::testing
