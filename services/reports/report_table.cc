#include "services/reports/report_table.h"

#include <algorithm>
#include <cstdlib>

namespace relog::reports {
namespace {

relog::v1::Decimal MakeDecimal(int64_t units, int scale) {
  relog::v1::Decimal d;
  d.set_units(units);
  d.set_scale(scale);
  return d;
}

// a / b rounded half away from zero (b > 0 after normalisation).
int64_t DivRound(int64_t a, int64_t b) {
  if (b < 0) {
    a = -a;
    b = -b;
  }
  const int64_t q = a / b, r = a % b;
  if (2 * std::llabs(r) >= b) return a >= 0 ? q + 1 : q - 1;
  return q;
}

int64_t Pow10(int scale) {
  int64_t p = 1;
  for (int i = 0; i < scale; ++i) p *= 10;
  return p;
}

}  // namespace

std::optional<relog::v1::Decimal> Percent(int64_t n, int64_t d) {
  if (d == 0) return std::nullopt;
  return MakeDecimal(DivRound(n * 1000, d), 1);
}

std::optional<relog::v1::Decimal> MedianDays(std::vector<int64_t> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  const int64_t twice =
      n % 2 == 1 ? 2 * values[n / 2] : values[n / 2 - 1] + values[n / 2];
  return MakeDecimal(twice * 5, 1);  // twice/2 with one decimal
}

std::optional<relog::v1::Decimal> MedianCents(std::vector<int64_t> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  const int64_t cents = n % 2 == 1
                            ? values[n / 2]
                            : DivRound(values[n / 2 - 1] + values[n / 2], 2);
  return MakeDecimal(cents, 2);
}

std::optional<relog::v1::Decimal> MeanCents(
    const std::vector<int64_t>& values) {
  if (values.empty()) return std::nullopt;
  int64_t sum = 0;
  for (int64_t v : values) sum += v;
  return MakeDecimal(DivRound(sum, static_cast<int64_t>(values.size())), 2);
}

std::optional<int64_t> Percentile90(std::vector<int64_t> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  const size_t rank = (9 * n + 9) / 10;  // ⌈0.9·n⌉, ≥ 1
  return values[rank - 1];
}

relog::v1::Decimal Ratio(int64_t a, int64_t b, int scale) {
  return MakeDecimal(DivRound(a * Pow10(scale), b), scale);
}

relog::v1::Decimal Euros(int64_t cents) { return MakeDecimal(cents, 2); }

std::optional<relog::v1::Decimal> PermilleAsPercent(std::optional<int> p) {
  if (!p.has_value()) return std::nullopt;
  return MakeDecimal(*p, 1);
}

int64_t DaysBetween(absl::CivilDay from, absl::CivilDay to) {
  return static_cast<int64_t>(to - from);
}

TableBuilder::TableBuilder(std::string id, std::string title) {
  table_.set_id(std::move(id));
  table_.set_title(std::move(title));
}

TableBuilder& TableBuilder::Column(std::string id, std::string title,
                                   ColumnKind kind) {
  relog::v1::ReportColumn* column = table_.add_columns();
  column->set_id(std::move(id));
  column->set_title(std::move(title));
  column->set_kind(kind);
  return *this;
}

TableBuilder& TableBuilder::Rate(const std::string& id,
                                 const std::string& title) {
  Integer(id + "_n", title + " (n)");
  Integer(id + "_d", title + " (of)");
  return Column(id + "_pct", title + " (%)",
                relog::v1::ReportColumn::KIND_PERCENT);
}

TableBuilder& TableBuilder::Matrix(std::string row_column,
                                   std::string column_column,
                                   std::string value_column) {
  table_.mutable_matrix()->set_row_column(std::move(row_column));
  table_.mutable_matrix()->set_column_column(std::move(column_column));
  table_.mutable_matrix()->set_value_column(std::move(value_column));
  return *this;
}

TableBuilder& TableBuilder::Note(std::string note) {
  table_.add_notes(std::move(note));
  return *this;
}

TableBuilder::Row TableBuilder::AddRow() { return Row(table_.add_rows()); }

TableBuilder::Row& TableBuilder::Row::Text(std::string value) {
  row_->add_cells()->set_text(std::move(value));
  return *this;
}

TableBuilder::Row& TableBuilder::Row::Int(int64_t value) {
  row_->add_cells()->set_integer(value);
  return *this;
}

TableBuilder::Row& TableBuilder::Row::Dec(
    std::optional<relog::v1::Decimal> value) {
  relog::v1::ReportCell* cell = row_->add_cells();
  if (value.has_value()) *cell->mutable_decimal() = *value;
  return *this;
}

TableBuilder::Row& TableBuilder::Row::OptInt(std::optional<int64_t> value) {
  relog::v1::ReportCell* cell = row_->add_cells();
  if (value.has_value()) cell->set_integer(*value);
  return *this;
}

TableBuilder::Row& TableBuilder::Row::Rate(int64_t n, int64_t d) {
  Int(n);
  Int(d);
  return Dec(Percent(n, d));
}

TableBuilder::Row& TableBuilder::Row::Date(absl::CivilDay day) {
  return Text(absl::FormatCivilTime(day));
}

TableBuilder::Row& TableBuilder::Row::Empty() {
  row_->add_cells();
  return *this;
}

relog::v1::ReportTable TableBuilder::Build() {
  for (relog::v1::ReportRow& row : *table_.mutable_rows()) {
    while (row.cells_size() < table_.columns_size()) row.add_cells();
  }
  return std::move(table_);
}

}  // namespace relog::reports
