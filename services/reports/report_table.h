// Builds the tables of a report answer (relog.v1.ReportTable) and the
// statistics of docs/REPORTS.md D16: exact rates n/d printed to 0.1 %,
// medians to 0.5 day or 1 cent, nearest-rank 90th percentiles, means of
// cents rounded half away from zero.
#ifndef RELOG_SERVICES_REPORTS_REPORT_TABLE_H_
#define RELOG_SERVICES_REPORTS_REPORT_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "relog/v1/reports.pb.h"

namespace relog::reports {

using ColumnKind = relog::v1::ReportColumn::Kind;

// ---- D16 statistics (exact integer arithmetic) ----

// n / d as a percentage rounded half away from zero to 0.1 ({units,
// scale 1}); nullopt when d = 0.
std::optional<relog::v1::Decimal> Percent(int64_t n, int64_t d);
// The median of `values` (middle value, or the mean of the two middle
// ones) as a number of halves: {units, scale 1} with units a multiple of 5
// (e.g. 28.5 days = {285, 1}). nullopt when empty.
std::optional<relog::v1::Decimal> MedianDays(std::vector<int64_t> values);
// The median of amounts in cents, rounded half away from zero to the cent
// ({cents, scale 2}); nullopt when empty.
std::optional<relog::v1::Decimal> MedianCents(std::vector<int64_t> values);
// The mean of amounts in cents, rounded half away from zero to the cent
// ({cents, scale 2}); nullopt when empty.
std::optional<relog::v1::Decimal> MeanCents(const std::vector<int64_t>& values);
// Nearest rank: the ⌈0.9·n⌉-th smallest value; nullopt when empty.
std::optional<int64_t> Percentile90(std::vector<int64_t> values);
// a / b, b ≠ 0, rounded half away from zero to `scale` decimals.
relog::v1::Decimal Ratio(int64_t a, int64_t b, int scale);
// An amount in cents as euros ({cents, scale 2}).
relog::v1::Decimal Euros(int64_t cents);
// A permille figure of the reference data as a percentage ({p, scale 1});
// nullopt stays nullopt.
std::optional<relog::v1::Decimal> PermilleAsPercent(std::optional<int> p);
// Calendar days from `from` to `to` (negative if `to` is earlier).
int64_t DaysBetween(absl::CivilDay from, absl::CivilDay to);

// ---- Tables ----

// Columns first, then rows; each row gets exactly one cell per column
// (Build() checks it in debug builds and pads in any case).
class TableBuilder {
 public:
  TableBuilder(std::string id, std::string title);

  TableBuilder& Column(std::string id, std::string title, ColumnKind kind);
  TableBuilder& Text(std::string id, std::string title) {
    return Column(std::move(id), std::move(title),
                  relog::v1::ReportColumn::KIND_TEXT);
  }
  TableBuilder& Integer(std::string id, std::string title) {
    return Column(std::move(id), std::move(title),
                  relog::v1::ReportColumn::KIND_INTEGER);
  }
  // Three columns: `<id>_n`, `<id>_d` (integers) and `<id>_pct` (percent).
  TableBuilder& Rate(const std::string& id, const std::string& title);
  // Marks the table as a matrix in long form.
  TableBuilder& Matrix(std::string row_column, std::string column_column,
                       std::string value_column);
  TableBuilder& Note(std::string note);

  class Row {
   public:
    Row& Text(std::string value);
    Row& Int(int64_t value);
    Row& Dec(std::optional<relog::v1::Decimal> value);  // empty if nullopt
    Row& OptInt(std::optional<int64_t> value);
    // n, d and the percentage (empty when d = 0), for a Rate column.
    Row& Rate(int64_t n, int64_t d);
    Row& Date(absl::CivilDay day);
    Row& Empty();

   private:
    friend class TableBuilder;
    explicit Row(relog::v1::ReportRow* row) : row_(row) {}
    relog::v1::ReportRow* row_;
  };
  // A new row, filled by the caller in column order. Valid until the next
  // Row() or Build().
  Row AddRow();

  relog::v1::ReportTable Build();

 private:
  relog::v1::ReportTable table_;
};

}  // namespace relog::reports

#endif  // RELOG_SERVICES_REPORTS_REPORT_TABLE_H_
