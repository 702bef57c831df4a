#include "clients/relogctl/report_format.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "storage/sha256.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;

// Beyond this many decimals (either way) a scale is clamped: a guard
// against a corrupt Decimal asking for gigabytes of zeros.
constexpr int kMaxScale = 64;
constexpr size_t kShaPrefix = 12;

// Code points, not bytes: titles hold "m²", "€", "×".
size_t Width(absl::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string ColumnTitle(const v1::ReportColumn& column) {
  return column.title().empty() ? column.id() : column.title();
}

bool IsNumericKind(v1::ReportColumn::Kind kind) {
  switch (kind) {
    case v1::ReportColumn::KIND_INTEGER:
    case v1::ReportColumn::KIND_PERCENT:
    case v1::ReportColumn::KIND_DAYS:
    case v1::ReportColumn::KIND_EUROS:
    case v1::ReportColumn::KIND_DECIMAL:
      return true;
    default:
      return false;
  }
}

bool IsNumericCell(const v1::ReportCell& cell) {
  return cell.value_case() == v1::ReportCell::kInteger ||
         cell.value_case() == v1::ReportCell::kDecimal;
}

// The cell of `row` in `column`; an empty cell when the row is short.
const v1::ReportCell& CellAt(const v1::ReportRow& row, int column) {
  if (column < 0 || column >= row.cells_size()) {
    return v1::ReportCell::default_instance();
  }
  return row.cells(column);
}

std::string Label(const v1::ReportCell& cell) {
  std::string text = CellText(cell);
  return text.empty() ? "(empty)" : text;
}

}  // namespace

// ---- Report names ----

const std::vector<std::string>& ReportNames() {
  static const std::vector<std::string>* const names =
      new std::vector<std::string>{"progress",
                                   "landlord-reciprocity",
                                   "commune-reciprocity",
                                   "commitments",
                                   "new-build",
                                   "quality",
                                   "delays",
                                   "offers"};
  return *names;
}

std::optional<v1::ReportKind> ParseReportName(absl::string_view name) {
  const std::vector<std::string>& names = ReportNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<v1::ReportKind>(i + 1);
  }
  return std::nullopt;
}

std::string ReportName(v1::ReportKind kind) {
  const int n = static_cast<int>(kind);
  const std::vector<std::string>& names = ReportNames();
  if (n >= 1 && static_cast<size_t>(n) <= names.size()) return names[n - 1];
  const std::string& name = v1::ReportKind_Name(kind);
  return name.empty() ? absl::StrCat("report-", n) : name;
}

// ---- Cells ----

std::string FormatDecimal(const v1::Decimal& value, char decimal_mark) {
  const int64_t units = value.units();
  const uint64_t magnitude = units < 0
                                 ? uint64_t{0} - static_cast<uint64_t>(units)
                                 : static_cast<uint64_t>(units);
  const int scale = std::clamp(value.scale(), -kMaxScale, kMaxScale);
  std::string digits = absl::StrCat(magnitude);
  std::string out = units < 0 ? "-" : "";
  if (scale <= 0) {
    if (magnitude != 0) digits.append(static_cast<size_t>(-scale), '0');
    return out + digits;
  }
  const size_t s = static_cast<size_t>(scale);
  if (digits.size() <= s) digits.insert(0, s + 1 - digits.size(), '0');
  const size_t point = digits.size() - s;
  absl::StrAppend(&out, absl::string_view(digits).substr(0, point),
                  absl::string_view(&decimal_mark, 1),
                  absl::string_view(digits).substr(point));
  return out;
}

std::string CellText(const v1::ReportCell& cell, char decimal_mark) {
  switch (cell.value_case()) {
    case v1::ReportCell::kText:
      return cell.text();
    case v1::ReportCell::kInteger:
      return absl::StrCat(cell.integer());
    case v1::ReportCell::kDecimal:
      return FormatDecimal(cell.decimal(), decimal_mark);
    case v1::ReportCell::VALUE_NOT_SET:
      break;
  }
  return "";
}

bool IsNumericColumn(const v1::ReportTable& table, int column) {
  if (column < 0 || column >= table.columns_size()) return false;
  const v1::ReportColumn::Kind kind = table.columns(column).kind();
  if (kind != v1::ReportColumn::KIND_UNSPECIFIED) return IsNumericKind(kind);
  bool any = false;
  for (const v1::ReportRow& row : table.rows()) {
    const v1::ReportCell& cell = CellAt(row, column);
    if (cell.value_case() == v1::ReportCell::VALUE_NOT_SET) continue;
    if (!IsNumericCell(cell)) return false;
    any = true;
  }
  return any;
}

int ColumnIndex(const v1::ReportTable& table, absl::string_view id) {
  for (int i = 0; i < table.columns_size(); ++i) {
    if (table.columns(i).id() == id) return i;
  }
  return -1;
}

// ---- Terminal output ----

std::string AlignColumns(const std::vector<std::vector<std::string>>& rows,
                         const std::vector<bool>& right_aligned, int indent) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line(static_cast<size_t>(std::max(indent, 0)), ' ');
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += "  ";
      const size_t pad = widths[i] - Width(row[i]);
      const bool right = i < right_aligned.size() && right_aligned[i];
      if (right) line.append(pad, ' ');
      line += row[i];
      if (!right) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string FormatTable(const v1::ReportTable& table, int indent) {
  if (table.rows_size() == 0) {
    return absl::StrCat(
        std::string(static_cast<size_t>(std::max(indent, 0)), ' '),
        "(no rows)\n");
  }
  size_t width = static_cast<size_t>(table.columns_size());
  for (const v1::ReportRow& row : table.rows()) {
    width = std::max(width, static_cast<size_t>(row.cells_size()));
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  std::vector<bool> right;
  for (size_t i = 0; i < width; ++i) {
    const int c = static_cast<int>(i);
    header.push_back(c < table.columns_size() ? ColumnTitle(table.columns(c))
                                              : "");
    right.push_back(IsNumericColumn(table, c));
  }
  rows.push_back(std::move(header));
  for (const v1::ReportRow& row : table.rows()) {
    std::vector<std::string> line;
    for (size_t i = 0; i < width; ++i) {
      line.push_back(CellText(CellAt(row, static_cast<int>(i))));
    }
    rows.push_back(std::move(line));
  }
  return AlignColumns(rows, right, indent);
}

absl::StatusOr<Pivot> PivotMatrix(const v1::ReportTable& table) {
  if (!table.has_matrix() || table.matrix().row_column().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("table ", table.id(), " is not a matrix"));
  }
  const v1::ReportTable::Matrix& m = table.matrix();
  const int row_col = ColumnIndex(table, m.row_column());
  const int col_col = ColumnIndex(table, m.column_column());
  const int value_col = ColumnIndex(table, m.value_column());
  for (const auto& [index, id] :
       {std::pair<int, const std::string*>{row_col, &m.row_column()},
        {col_col, &m.column_column()},
        {value_col, &m.value_column()}}) {
    if (index < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table ", table.id(), ": the matrix names no column \"", *id, "\""));
    }
  }
  Pivot pivot;
  pivot.corner = absl::StrCat(ColumnTitle(table.columns(row_col)), " \\ ",
                              ColumnTitle(table.columns(col_col)));
  std::map<std::string, size_t> row_index;
  std::map<std::string, size_t> column_index;
  pivot.simple = true;
  for (const v1::ReportRow& row : table.rows()) {
    const std::string r = Label(CellAt(row, row_col));
    const std::string c = Label(CellAt(row, col_col));
    auto [ri, new_row] = row_index.emplace(r, pivot.row_labels.size());
    if (new_row) {
      pivot.row_labels.push_back(r);
      pivot.cells.emplace_back(pivot.column_labels.size());
    }
    auto [ci, new_column] = column_index.emplace(c, pivot.column_labels.size());
    if (new_column) {
      pivot.column_labels.push_back(c);
      for (auto& cells : pivot.cells) cells.emplace_back();
    }
    std::optional<v1::ReportCell>& cell = pivot.cells[ri->second][ci->second];
    if (cell.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table ", table.id(), ": two rows for (", r, ", ", c, ")"));
    }
    cell = CellAt(row, value_col);
    if (cell->value_case() != v1::ReportCell::kInteger &&
        cell->value_case() != v1::ReportCell::VALUE_NOT_SET) {
      pivot.simple = false;
    }
  }
  if (pivot.simple) {
    pivot.row_totals.assign(pivot.row_labels.size(), 0);
    pivot.column_totals.assign(pivot.column_labels.size(), 0);
    for (size_t r = 0; r < pivot.cells.size(); ++r) {
      for (size_t c = 0; c < pivot.cells[r].size(); ++c) {
        const auto& cell = pivot.cells[r][c];
        const int64_t v = cell.has_value() ? cell->integer() : 0;
        pivot.row_totals[r] += v;
        pivot.column_totals[c] += v;
        pivot.total += v;
      }
    }
  }
  return pivot;
}

std::string FormatPivot(const Pivot& pivot, int indent) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {pivot.corner};
  header.insert(header.end(), pivot.column_labels.begin(),
                pivot.column_labels.end());
  if (pivot.simple) header.push_back("total");
  std::vector<bool> right(header.size(), true);
  right[0] = false;
  rows.push_back(std::move(header));
  for (size_t r = 0; r < pivot.row_labels.size(); ++r) {
    std::vector<std::string> line = {pivot.row_labels[r]};
    for (const auto& cell : pivot.cells[r]) {
      line.push_back(cell.has_value() ? CellText(*cell) : "");
    }
    if (pivot.simple) line.push_back(absl::StrCat(pivot.row_totals[r]));
    rows.push_back(std::move(line));
  }
  if (pivot.simple) {
    std::vector<std::string> line = {"total"};
    for (int64_t v : pivot.column_totals) line.push_back(absl::StrCat(v));
    line.push_back(absl::StrCat(pivot.total));
    rows.push_back(std::move(line));
  }
  return AlignColumns(rows, right, indent);
}

std::string FormatFilters(const v1::ReportFilters& filters) {
  std::vector<std::string> parts;
  auto add = [&parts](absl::string_view key, const std::string& value) {
    if (!value.empty()) parts.push_back(absl::StrCat(key, "=", value));
  };
  add("operation_id", filters.operation_id());
  add("site", filters.site());
  add("landlord_id", filters.landlord_id());
  add("commune_insee", filters.commune_insee());
  add("coordination_body_id", filters.coordination_body_id());
  return absl::StrJoin(parts, " ");
}

std::string FormatKnownAt(const v1::Report& report) {
  if (!report.has_known_at()) return "now";
  const absl::Time t = absl::FromUnixSeconds(report.known_at().seconds()) +
                       absl::Nanoseconds(report.known_at().nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string FormatReportHeader(const v1::Report& report) {
  const std::string filters = FormatFilters(report.filters());
  std::string sha = report.reference_sha256();
  if (sha.size() > kShaPrefix) sha = sha.substr(0, kShaPrefix) + "…";
  const std::vector<std::vector<std::string>> rows = {
      {"report", ReportName(report.report())},
      {"definitions", report.definitions_version()},
      {"period", absl::StrCat("[", report.period().from(), ", ",
                              report.period().to(), ")")},
      {"filters", filters.empty() ? "none" : filters},
      {"position", absl::StrCat(report.position())},
      {"head hash", ToHex(report.head_hash())},
      {"known at", FormatKnownAt(report)},
      {"reference sha256", sha.empty() ? "-" : sha},
  };
  return AlignColumns(rows, {}, 0);
}

std::string FormatReport(const v1::Report& report) {
  std::string out = FormatReportHeader(report);
  for (const v1::ReportTable& table : report.tables()) {
    absl::StrAppend(&out, "\n",
                    table.title().empty() ? table.id() : table.title(), " [",
                    table.id(), "]\n", FormatTable(table, 2));
    for (const std::string& note : table.notes()) {
      absl::StrAppend(&out, "  note: ", note, "\n");
    }
    if (!table.has_matrix() || table.matrix().row_column().empty()) continue;
    absl::StatusOr<Pivot> pivot = PivotMatrix(table);
    if (!pivot.ok()) {
      absl::StrAppend(&out, "  (no matrix view: ", pivot.status().message(),
                      ")\n");
      continue;
    }
    const int value_col = ColumnIndex(table, table.matrix().value_column());
    absl::StrAppend(&out, "\n  as a matrix (",
                    ColumnTitle(table.columns(value_col)), "):\n",
                    FormatPivot(*pivot, 2));
  }
  return out;
}

// ---- Projections ----

std::string FormatProjections(
    const google::protobuf::RepeatedPtrField<v1::ProjectionStatus>& projections,
    uint64_t log_position) {
  const bool behind = log_position != 0;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"NAME", "CHECKPOINT"};
  if (behind) header.push_back("BEHIND");
  header.insert(header.end(), {"RUNNING", "FAILURE"});
  rows.push_back(std::move(header));
  for (const v1::ProjectionStatus& p : projections) {
    std::vector<std::string> row = {p.name(), absl::StrCat(p.checkpoint())};
    if (behind) {
      row.push_back(p.checkpoint() >= log_position
                        ? "0"
                        : absl::StrCat(log_position - p.checkpoint()));
    }
    row.push_back(p.running() ? "yes" : "no");
    row.push_back(p.failure().empty() ? "-" : p.failure());
    rows.push_back(std::move(row));
  }
  std::vector<bool> right = {false, true};
  if (behind) right.push_back(true);
  return AlignColumns(rows, right, 0);
}

bool AnyProjectionFailed(
    const google::protobuf::RepeatedPtrField<v1::ProjectionStatus>&
        projections) {
  for (const v1::ProjectionStatus& p : projections) {
    if (!p.failure().empty()) return true;
  }
  return false;
}

// ---- CSV ----

std::string CsvField(absl::string_view field, char separator) {
  const bool quote = field.find_first_of(absl::string_view(&separator, 1)) !=
                         absl::string_view::npos ||
                     field.find_first_of("\"\r\n") != absl::string_view::npos;
  if (!quote) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string CsvLine(const std::vector<std::string>& fields, char separator) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += separator;
    out += CsvField(fields[i], separator);
  }
  out += "\r\n";
  return out;
}

std::string CsvFileName(const v1::Report& report,
                        const v1::ReportTable& table) {
  std::string id = table.id().empty() ? "table" : table.id();
  for (char& c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  if (id.find_first_not_of('.') == std::string::npos) id = "table";
  return absl::StrCat(ReportName(report.report()), "-", id, ".csv");
}

std::string TableCsv(const v1::Report& report, const v1::ReportTable& table,
                     const CsvOptions& options) {
  const char sep = options.separator;
  const char mark = options.decimal_comma ? ',' : '.';
  std::string out = "\xEF\xBB\xBF";
  out += CsvLine({"report", ReportName(report.report())}, sep);
  out += CsvLine({"definitions_version", report.definitions_version()}, sep);
  out += CsvLine({"position", absl::StrCat(report.position())}, sep);
  out += CsvLine({"head_hash", ToHex(report.head_hash())}, sep);
  out += CsvLine({"known_at", FormatKnownAt(report)}, sep);
  out += CsvLine({"period_from", report.period().from()}, sep);
  out += CsvLine({"period_to", report.period().to()}, sep);
  out += CsvLine({"filters", FormatFilters(report.filters())}, sep);
  out += "\r\n";
  std::vector<std::string> header;
  for (const v1::ReportColumn& column : table.columns()) {
    header.push_back(column.id());
  }
  out += CsvLine(header, sep);
  for (const v1::ReportRow& row : table.rows()) {
    const int width = std::max(table.columns_size(), row.cells_size());
    std::vector<std::string> fields;
    for (int i = 0; i < width; ++i) {
      fields.push_back(CellText(CellAt(row, i), mark));
    }
    out += CsvLine(fields, sep);
  }
  return out;
}

}  // namespace relog::ctl
