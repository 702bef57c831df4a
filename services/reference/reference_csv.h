// Internal to relog_reference: not part of its API (see reference_files.h).
// The CSV reader of the reference files (rows, '#' comments, BOM, header
// check) and the cell parsers, whose errors name "<file>:<line>:<column>".
#ifndef RELOG_SERVICES_REFERENCE_REFERENCE_CSV_H_
#define RELOG_SERVICES_REFERENCE_REFERENCE_CSV_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "relog/v1/reference.pb.h"
#include "services/reference/reference_data.h"
#include "storage/status_macros.h"

namespace relog::reference::internal {

// One data row of one file.
struct Row {
  const std::string* file = nullptr;
  const std::vector<std::string>* header = nullptr;
  int line = 0;
  std::vector<std::string> fields;
};

// One file: its name and header, and once read its data rows (which point
// into it: a CsvFile does not move once read).
struct CsvFile {
  std::string name;
  std::vector<std::string> header;
  std::vector<Row> rows;
};

// INVALID_ARGUMENT / REFERENCE_FILE_INVALID, "<file>:<line>:<column>: ...".
absl::Status FileError(absl::string_view file, int line, int column,
                       absl::string_view message);

// An error about field `col` (0-based) of `row`.
absl::Status CellError(const Row& row, size_t col, absl::string_view message);

// Reads `dir`/`csv.name` into `csv.rows`, checking the header and the
// number of fields.
absl::Status ReadCsv(const std::string& dir, CsvFile& csv);

// ---- Cell parsers: field `col` (0-based) of `row` ----

absl::StatusOr<std::string> Required(const Row& row, size_t col);
absl::StatusOr<std::string> Insee(const Row& row, size_t col);
absl::StatusOr<std::string> Siren(const Row& row, size_t col);
// "" allowed when `optional`.
absl::StatusOr<std::string> QpvCode(const Row& row, size_t col, bool optional);
absl::StatusOr<absl::CivilDay> Date(const Row& row, size_t col);
absl::StatusOr<std::optional<absl::CivilDay>> OptionalDate(const Row& row,
                                                           size_t col);
// valid_from (required) and valid_to (empty = open, else after valid_from).
absl::StatusOr<Validity> RowValidity(const Row& row, size_t from_col,
                                     size_t to_col);
// Like RowValidity, with the end required.
absl::StatusOr<Validity> RowPeriod(const Row& row, size_t from_col,
                                   size_t to_col);
absl::StatusOr<relog::v1::ReferenceSource> Source(const Row& row, size_t col);
absl::StatusOr<int> Dwellings(const Row& row, size_t col);
// A non-negative integer in [min, max].
absl::StatusOr<int64_t> IntIn(const Row& row, size_t col, int64_t min,
                              int64_t max);
absl::StatusOr<std::optional<int64_t>> OptionalIntIn(const Row& row, size_t col,
                                                     int64_t min, int64_t max);
// One of `allowed`, exactly.
absl::StatusOr<std::string> OneOf(const Row& row, size_t col,
                                  const std::vector<std::string>& allowed);
// "T1" … "T6" → 1 … 6.
absl::StatusOr<int> Typology(const Row& row, size_t col);
// Upper-case letters, digits and '_'.
absl::StatusOr<std::string> Token(const Row& row, size_t col);
// A zone of `zoning` (APL: 1, 2, 3; ABC: Abis, A, B1, B2, C; "*": "*").
absl::StatusOr<std::string> Zone(const Row& row, size_t col,
                                 absl::string_view zoning);
absl::StatusOr<std::string> Iris(const Row& row, size_t col);

// The source column `col` of `row` into `msg.set_source`.
template <typename Msg>
absl::Status SetSource(const Row& row, size_t col, Msg& msg) {
  ASSIGN_OR_RETURN(relog::v1::ReferenceSource source, Source(row, col));
  msg.set_source(source);
  return absl::OkStatus();
}

// The usual trailing columns valid_from, valid_to, source at `from_col`,
// `from_col` + 1, `from_col` + 2: checked (RowValidity, Source), copied into
// `msg` (set_valid_from, set_valid_to, set_source); returns the validity.
template <typename Msg>
absl::StatusOr<Validity> ValidityAndSource(const Row& row, size_t from_col,
                                           Msg& msg) {
  ASSIGN_OR_RETURN(Validity valid, RowValidity(row, from_col, from_col + 1));
  msg.set_valid_from(row.fields[from_col]);
  msg.set_valid_to(row.fields[from_col + 1]);
  RETURN_IF_ERROR(SetSource(row, from_col + 2, msg));
  return valid;
}

// ---- Validity helpers ----

// "" for no day.
std::string DayText(const std::optional<absl::CivilDay>& day);
// "[from, to)" or "[from, open)".
std::string PeriodText(const Validity& valid);
// All of time: for rows without dates of their own.
Validity Always();

}  // namespace relog::reference::internal

#endif  // RELOG_SERVICES_REFERENCE_REFERENCE_CSV_H_
