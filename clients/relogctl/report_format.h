// The pure formatting of `relogctl report` (no server, no files): cells as
// text, the aligned tables and the header block printed on a terminal, the
// pivot of a matrix table, and the CSV annexes.
//
// CSV annex (one per table, `<report>-<table id>.csv`):
//   - UTF-8 with a byte-order mark (EF BB BF), CRLF line endings;
//   - a preamble of 8 `key<sep>value` rows, in this order: report,
//     definitions_version, position, head_hash, known_at ("now" when the
//     report was asked as known now), period_from, period_to, filters
//     (space-separated `field=value` of ReportFilters, empty when none);
//   - one empty line, then the header row (the column ids), then the rows;
//   - fields quoted per RFC 4180 (quotes doubled) when they contain the
//     separator, a double quote, CR or LF;
//   - decimals written with exactly their scale ("66.7", "412.50"), with a
//     comma instead of the point under decimal_comma.
#ifndef RELOG_CLIENTS_RELOGCTL_REPORT_FORMAT_H_
#define RELOG_CLIENTS_RELOGCTL_REPORT_FORMAT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "relog/v1/reports.pb.h"

namespace relog::ctl {

// ---- Report names ----

// The command-line name of each report kind, in ReportKind order:
// progress, landlord-reciprocity, commune-reciprocity, commitments,
// new-build, quality, delays, offers.
const std::vector<std::string>& ReportNames();
// The kind `name` designates; nullopt for an unknown name.
std::optional<relog::v1::ReportKind> ParseReportName(absl::string_view name);
// The command-line name of `kind`; the enum's name when it has none.
std::string ReportName(relog::v1::ReportKind kind);

// ---- Cells ----

// units / 10^scale with exactly `scale` decimals after `decimal_mark`
// (e.g. {667, 1} → "66.7", {-5, 2} → "-0.05", {41250, 2} → "412.50"); a
// negative scale multiplies by 10^-scale ({12, -2} → "1200").
std::string FormatDecimal(const relog::v1::Decimal& value,
                          char decimal_mark = '.');
// The text of a cell: its text, its integer in decimal, its decimal per
// FormatDecimal; "" for an empty cell.
std::string CellText(const relog::v1::ReportCell& cell,
                     char decimal_mark = '.');
// Whether a column holds numbers (right-aligned on a terminal): its kind
// is integer, percent, days, euros or decimal; for an unspecified kind,
// when every non-empty cell of the column is an integer or a decimal.
bool IsNumericColumn(const relog::v1::ReportTable& table, int column);
// The index of the column with this id in `table`; -1 when absent.
int ColumnIndex(const relog::v1::ReportTable& table, absl::string_view id);

// ---- Terminal output ----

// Rows of cells, each column as wide as its widest cell (in code points),
// columns two spaces apart, numeric columns right-aligned, each line
// indented by `indent` spaces and without trailing blanks.
std::string AlignColumns(const std::vector<std::vector<std::string>>& rows,
                         const std::vector<bool>& right_aligned, int indent);

// The table as aligned text under a header of the column titles (ids when
// untitled); "(no rows)" for an empty table.
std::string FormatTable(const relog::v1::ReportTable& table, int indent = 2);

// A matrix table pivoted: rows are the distinct values of
// matrix.row_column, columns those of matrix.column_column, both in order
// of first appearance; cells the value_column ("" when absent). When
// every value is an integer (or empty) the pivot is `simple`: it then has
// row totals, column totals and the grand total.
struct Pivot {
  std::string corner;  // "<row title> \ <column title>"
  std::vector<std::string> row_labels;
  std::vector<std::string> column_labels;
  // [row][column]; nullopt where the long form has no row.
  std::vector<std::vector<std::optional<relog::v1::ReportCell>>> cells;
  bool simple = false;
  std::vector<int64_t> row_totals;     // when simple
  std::vector<int64_t> column_totals;  // when simple
  int64_t total = 0;                   // when simple
};
// INVALID_ARGUMENT when the table has no matrix, names a column it does
// not have, or holds two rows for the same (row, column) pair.
absl::StatusOr<Pivot> PivotMatrix(const relog::v1::ReportTable& table);
// The pivot aligned, totals (when simple) in a last "total" column and row.
std::string FormatPivot(const Pivot& pivot, int indent = 2);

// The header block: report, definitions version, period, filters,
// position, head hash (hex), known_at (or "now") and the first 12 hex
// digits of the reference data's SHA-256.
std::string FormatReportHeader(const relog::v1::Report& report);
// "operation_id=OP-1 landlord_id=999000011"; "" when no filter is set.
std::string FormatFilters(const relog::v1::ReportFilters& filters);
// The report's known_at as RFC 3339 UTC with its full precision; "now"
// when unset.
std::string FormatKnownAt(const relog::v1::Report& report);

// The header block, then each table: "<title> [<id>]", the aligned table,
// its notes, and for a matrix table its pivot too.
std::string FormatReport(const relog::v1::Report& report);

// ---- Projections ----

// NAME, CHECKPOINT, BEHIND (log_position − checkpoint; only when
// log_position is non-zero), RUNNING (yes/no), FAILURE ("-" when healthy),
// aligned.
std::string FormatProjections(const google::protobuf::RepeatedPtrField<
                                  relog::v1::ProjectionStatus>& projections,
                              uint64_t log_position);
// Whether any projection reports a failure.
bool AnyProjectionFailed(
    const google::protobuf::RepeatedPtrField<relog::v1::ProjectionStatus>&
        projections);

// ---- CSV ----

struct CsvOptions {
  char separator = ',';
  // Decimals with ',' (meant with separator ';').
  bool decimal_comma = false;
};

// `field` quoted per RFC 4180 when it holds the separator, '"', CR or LF.
std::string CsvField(absl::string_view field, char separator);
// The fields joined by the separator, ended by CRLF.
std::string CsvLine(const std::vector<std::string>& fields, char separator);
// "<report name>-<table id>.csv", any character of the id other than
// [A-Za-z0-9._-] replaced by '_' (the name never leaves its directory).
std::string CsvFileName(const relog::v1::Report& report,
                        const relog::v1::ReportTable& table);
// The whole annex of one table of `report` (see the file comment).
std::string TableCsv(const relog::v1::Report& report,
                     const relog::v1::ReportTable& table,
                     const CsvOptions& options);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_REPORT_FORMAT_H_
