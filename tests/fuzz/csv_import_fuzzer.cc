// libFuzzer target for the CSV files of `relogctl import`
// (clients/relogctl/import_csv.h, import_rows.h): any bytes as a file, read
// as relogctl does it (ParseCsv, CheckHeader, then ParseHouseholdRow on
// every record). Never a crash; a file refused is INVALID_ARGUMENT; a row
// refused yields RowErrors with the row's line and a reason.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "clients/relogctl/import_csv.h"
#include "clients/relogctl/import_rows.h"
#include "tests/fuzz/fuzz_checks.h"

namespace {

using relog::fuzz::Check;

void CheckValueParsers(absl::string_view text) {
  const absl::Status statuses[] = {
      relog::ctl::ParseCsvDate(text).status(),
      relog::ctl::ParseCsvDecimal(text).status(),
      relog::ctl::ParseCsvEuroCents(text).status(),
      relog::ctl::ParseCsvInteger(text).status(),
      relog::ctl::ParseCsvBool(text).status(),
  };
  for (const absl::Status& status : statuses) {
    Check(status.ok() ||
              (absl::IsInvalidArgument(status) && !status.message().empty()),
          "a value parser's error is not INVALID_ARGUMENT with a reason",
          status);
  }
}

// A column of docs/IMPORT.md's layout.
bool IsLayoutColumn(const std::string& name) {
  const std::vector<relog::ctl::ImportColumn>& columns =
      relog::ctl::ImportColumns();
  return std::any_of(
      columns.begin(), columns.end(),
      [&](const relog::ctl::ImportColumn& c) { return name == c.name; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Forced encodings: only no crash and the error kind.
  for (relog::ctl::CsvEncoding forced :
       {relog::ctl::CsvEncoding::kUtf8,
        relog::ctl::CsvEncoding::kWindows1252}) {
    absl::StatusOr<relog::ctl::CsvFile> file =
        relog::ctl::ParseCsv(bytes, forced);
    Check(file.ok() || absl::IsInvalidArgument(file.status()),
          "ParseCsv error is not INVALID_ARGUMENT", file.status());
  }

  absl::StatusOr<relog::ctl::CsvFile> csv = relog::ctl::ParseCsv(bytes);
  if (!csv.ok()) {
    Check(absl::IsInvalidArgument(csv.status()) &&
              !csv.status().message().empty(),
          "ParseCsv error is not INVALID_ARGUMENT with a reason", csv.status());
    return 0;
  }
  Check(csv->encoding != relog::ctl::CsvEncoding::kAuto, "encoding left auto");
  for (const relog::ctl::CsvRecord& record : csv->records) {
    Check(record.line > 0, "record without a line");
    Check(!record.error.empty() || record.fields.size() == csv->header.size(),
          "a record that is not padded to the header");
    for (const std::string& field : record.fields) CheckValueParsers(field);
  }
  const std::vector<relog::ctl::RowError> header_errors =
      relog::ctl::CheckHeader(csv->header);
  for (const relog::ctl::RowError& e : header_errors) {
    Check(!e.reason.empty(), "header error without a reason");
  }
  if (!header_errors.empty()) return 0;  // relogctl stops there

  const absl::CivilDay today(2026, 6, 15);
  std::vector<relog::ctl::RowError> errors;
  for (const relog::ctl::CsvRecord& record : csv->records) {
    if (!record.error.empty()) continue;  // reported as such by relogctl
    const size_t before = errors.size();
    std::optional<relog::ctl::HouseholdImport> household =
        relog::ctl::ParseHouseholdRow(csv->header, record, today, &errors);
    if (!household.has_value()) {
      Check(errors.size() > before, "a row refused without a RowError");
    } else {
      Check(household->line == record.line, "a household on another line");
      Check(household->identified_on <= today, "identified after today");
      for (const relog::ctl::ImportStep& step : household->steps) {
        Check(step.request != nullptr && step.mutation != nullptr,
              "a step without its request");
        Check(step.day <= today, "a step after today");
        (void)relog::ctl::StepOfRequest(*step.request);
        (void)relog::ctl::ColumnOfField(step, "occurred_at");
      }
      (void)household->key.Canonical();
    }
    for (size_t i = before; i < errors.size(); ++i) {
      Check(errors[i].line == record.line, "a RowError on another line");
      Check(!errors[i].reason.empty(), "a RowError without a reason");
      // The field at fault is a column of the import layout (empty: the
      // row as a whole), as INVALID_ARGUMENT names a field; it may be one
      // the file lacks ("arrival_typology is required" once a move is
      // given).
      Check(errors[i].column.empty() || IsLayoutColumn(errors[i].column),
            "a RowError naming a column outside the import layout");
    }
  }
  return 0;
}
