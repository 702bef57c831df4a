// Human-readable output of cases, lists and histories: a summary of one
// case, aligned tables for many.
#ifndef RELOG_CLIENTS_RELOGCTL_CASE_PRINTER_H_
#define RELOG_CLIENTS_RELOGCTL_CASE_PRINTER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "relog/v1/case_service.pb.h"

namespace relog::ctl {

// Rows of cells printed with each column as wide as its widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void AddRow(std::vector<std::string> row);
  size_t rows() const { return rows_.size() - 1; }
  // Each line indented by `indent` spaces.
  std::string Render(int indent = 0) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "t3", "plus", "titular_tenant": the lowercase short name of an enum value.
template <typename E>
std::string ShortEnum(E value);

// "412.50 €".
std::string FormatCents(int64_t cents);
// "59350 QP059001 landlord 999000029 t3 65 m² floor 2 plus rent 412.50 €…".
std::string FormatDwelling(const relog::v1::DwellingFacts& facts);

std::string FormatCase(const relog::v1::Case& c);
std::string FormatCaseList(const relog::v1::ListCasesResponse& list,
                           bool header);
std::string FormatHistory(const relog::v1::GetCaseHistoryResponse& history,
                          bool header);

// After a mutation: what was written, then the case.
void PrintCommandResponse(absl::string_view rpc,
                          const relog::v1::CaseCommandResponse& response);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_CASE_PRINTER_H_
