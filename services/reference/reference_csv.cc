// Internal to relog_reference: see reference_csv.h.
#include "services/reference/reference_csv.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/reference/reference_files.h"
#include "storage/errors.h"

namespace relog::reference::internal {

namespace pb = relog::v1;

absl::Status FileError(absl::string_view file, int line, int column,
                       absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, kReferenceFileInvalid,
                   absl::StrCat(file, ":", line, ":", column, ": ", message),
                   {{kMetaFile, std::string(file)},
                    {kMetaLine, absl::StrCat(line)},
                    {kMetaColumn, absl::StrCat(column)}});
}

// An error about field `col` (0-based) of `row`.
absl::Status CellError(const Row& row, size_t col, absl::string_view message) {
  return FileError(*row.file, row.line, static_cast<int>(col) + 1,
                   absl::StrCat((*row.header)[col], ": ", message));
}

absl::Status ReadCsv(const std::string& dir, CsvFile& csv) {
  std::string path = absl::StrCat(dir, "/", csv.name);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(absl::StatusCode::kNotFound, kReferenceFileInvalid,
                     absl::StrCat(csv.name, ": cannot read ", path),
                     {{kMetaFile, csv.name}});
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string content = buffer.str();
  if (content.compare(0, 3, "\xEF\xBB\xBF") == 0) content.erase(0, 3);

  bool have_header = false;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    std::vector<std::string> fields;
    for (absl::string_view field : absl::StrSplit(line, ';')) {
      fields.emplace_back(absl::StripAsciiWhitespace(field));
    }
    if (!have_header) {
      for (size_t i = 0; i < std::max(fields.size(), csv.header.size()); ++i) {
        if (i >= fields.size() || i >= csv.header.size() ||
            fields[i] != csv.header[i]) {
          return FileError(csv.name, line_number, static_cast<int>(i) + 1,
                           absl::StrCat("header must be \"",
                                        absl::StrJoin(csv.header, ";"), "\""));
        }
      }
      have_header = true;
      continue;
    }
    if (fields.size() != csv.header.size()) {
      return FileError(
          csv.name, line_number, 0,
          absl::StrCat("expected ", csv.header.size(),
                       " fields separated by ';', found ", fields.size()));
    }
    Row row;
    row.line = line_number;
    row.fields = std::move(fields);
    csv.rows.push_back(std::move(row));
  }
  if (!have_header) {
    return FileError(csv.name, line_number, 0,
                     absl::StrCat("no header row (expected \"",
                                  absl::StrJoin(csv.header, ";"), "\")"));
  }
  // The rows point into `csv`, which no longer moves.
  for (Row& row : csv.rows) {
    row.file = &csv.name;
    row.header = &csv.header;
  }
  return absl::OkStatus();
}

// ---- Field rules ----

absl::StatusOr<std::string> Required(const Row& row, size_t col) {
  if (row.fields[col].empty()) return CellError(row, col, "required");
  return row.fields[col];
}

namespace {

bool IsDigits(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
}

bool IsInsee(absl::string_view code) {
  if (code.size() != 5) return false;
  if (IsDigits(code)) return true;
  return (code.substr(0, 2) == "2A" || code.substr(0, 2) == "2B") &&
         IsDigits(code.substr(2));
}

}  // namespace

absl::StatusOr<std::string> Insee(const Row& row, size_t col) {
  const std::string& code = row.fields[col];
  if (!IsInsee(code)) {
    return CellError(row, col,
                     absl::StrCat("bad INSEE code \"", code,
                                  "\" (5 characters: digits, or 2A/2B and 3 "
                                  "digits)"));
  }
  return code;
}

absl::StatusOr<std::string> Siren(const Row& row, size_t col) {
  const std::string& id = row.fields[col];
  if (id.size() != 9 || !IsDigits(id)) {
    return CellError(row, col,
                     absl::StrCat("bad SIREN \"", id, "\" (9 digits)"));
  }
  return id;
}

// "" allowed when `optional`.
absl::StatusOr<std::string> QpvCode(const Row& row, size_t col, bool optional) {
  const std::string& code = row.fields[col];
  if (code.empty() && optional) return code;
  bool ok = code.size() == 8 &&
            (code.substr(0, 2) == "QP" || code.substr(0, 2) == "QN") &&
            std::all_of(code.begin(), code.end(), [](char c) {
              return absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
                     absl::ascii_isupper(static_cast<unsigned char>(c));
            });
  if (!ok) {
    return CellError(row, col,
                     absl::StrCat("bad QPV code \"", code,
                                  "\" (QP or QN then 6 upper-case letters or "
                                  "digits, e.g. QP059001, QN05901M)"));
  }
  return code;
}

absl::StatusOr<absl::CivilDay> Date(const Row& row, size_t col) {
  std::optional<absl::CivilDay> day = ParseIsoDay(row.fields[col]);
  if (!day.has_value()) {
    return CellError(row, col,
                     absl::StrCat("bad date \"", row.fields[col],
                                  "\" (YYYY-MM-DD, a real calendar day)"));
  }
  return *day;
}

absl::StatusOr<std::optional<absl::CivilDay>> OptionalDate(const Row& row,
                                                           size_t col) {
  if (row.fields[col].empty()) return std::optional<absl::CivilDay>();
  ASSIGN_OR_RETURN(absl::CivilDay day, Date(row, col));
  return std::optional<absl::CivilDay>(day);
}

absl::StatusOr<Validity> RowValidity(const Row& row, size_t from_col,
                                     size_t to_col) {
  Validity valid;
  ASSIGN_OR_RETURN(valid.from, Date(row, from_col));
  ASSIGN_OR_RETURN(valid.to, OptionalDate(row, to_col));
  if (valid.to.has_value() && *valid.to <= valid.from) {
    return CellError(
        row, to_col,
        absl::StrCat("valid_to ", row.fields[to_col],
                     " must be after valid_from ", row.fields[from_col],
                     " (valid_to is exclusive; empty = open)"));
  }
  return valid;
}

absl::StatusOr<pb::ReferenceSource> Source(const Row& row, size_t col) {
  const std::string& text = row.fields[col];
  if (text == "verified") return pb::REFERENCE_SOURCE_VERIFIED;
  if (text == "illustrative") return pb::REFERENCE_SOURCE_ILLUSTRATIVE;
  return CellError(
      row, col,
      absl::StrCat("bad source \"", text, "\" (verified or illustrative)"));
}

absl::StatusOr<int> Dwellings(const Row& row, size_t col) {
  int value = 0;
  if (!IsDigits(row.fields[col]) ||
      !absl::SimpleAtoi(row.fields[col], &value) || value <= 0) {
    return CellError(row, col,
                     absl::StrCat("bad dwellings \"", row.fields[col],
                                  "\" (a positive integer)"));
  }
  return value;
}

std::string DayText(const std::optional<absl::CivilDay>& day) {
  return day.has_value() ? absl::FormatCivilTime(*day) : "";
}

std::string PeriodText(const Validity& valid) {
  return absl::StrCat(
      "[", absl::FormatCivilTime(valid.from), ", ",
      valid.to.has_value() ? absl::FormatCivilTime(*valid.to) : "open", ")");
}

// All of time: for rows without dates of their own.
Validity Always() {
  Validity valid;
  valid.from = absl::CivilDay(1, 1, 1);
  return valid;
}

// A non-negative integer in [min, max].
absl::StatusOr<int64_t> IntIn(const Row& row, size_t col, int64_t min,
                              int64_t max) {
  int64_t value = 0;
  const std::string& text = row.fields[col];
  if (!IsDigits(text) || text.size() > 15 || !absl::SimpleAtoi(text, &value) ||
      value < min || value > max) {
    return CellError(row, col,
                     absl::StrCat("bad value \"", text, "\" (an integer from ",
                                  min, " to ", max, ")"));
  }
  return value;
}

absl::StatusOr<std::optional<int64_t>> OptionalIntIn(const Row& row, size_t col,
                                                     int64_t min, int64_t max) {
  if (row.fields[col].empty()) return std::optional<int64_t>();
  ASSIGN_OR_RETURN(int64_t value, IntIn(row, col, min, max));
  return std::optional<int64_t>(value);
}

// One of `allowed`, exactly.
absl::StatusOr<std::string> OneOf(const Row& row, size_t col,
                                  const std::vector<std::string>& allowed) {
  const std::string& text = row.fields[col];
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    return CellError(row, col,
                     absl::StrCat("bad value \"", text, "\" (one of ",
                                  absl::StrJoin(allowed, ", "), ")"));
  }
  return text;
}

// "T1" … "T6" → 1 … 6.
absl::StatusOr<int> Typology(const Row& row, size_t col) {
  const std::string& text = row.fields[col];
  if (text.size() != 2 || text[0] != 'T' || text[1] < '1' || text[1] > '6') {
    return CellError(row, col,
                     absl::StrCat("bad typology \"", text,
                                  "\" (T1 … T6, T6 = T6 and larger)"));
  }
  return text[1] - '0';
}

// Upper-case letters, digits and '_'.
absl::StatusOr<std::string> Token(const Row& row, size_t col) {
  const std::string& text = row.fields[col];
  bool ok = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isupper(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
  if (!ok) {
    return CellError(row, col,
                     absl::StrCat("bad identifier \"", text,
                                  "\" (upper-case letters, digits and _)"));
  }
  return text;
}

namespace {

const std::vector<std::string>& ZonesOf(absl::string_view zoning) {
  static const std::vector<std::string> kApl = {"1", "2", "3"};
  static const std::vector<std::string> kAbc = {"Abis", "A", "B1", "B2", "C"};
  static const std::vector<std::string> kFlat = {"*"};
  if (zoning == "APL") return kApl;
  if (zoning == "ABC") return kAbc;
  return kFlat;
}

}  // namespace

// A zone of `zoning` (APL: 1, 2, 3; ABC: Abis, A, B1, B2, C; "*": "*").
absl::StatusOr<std::string> Zone(const Row& row, size_t col,
                                 absl::string_view zoning) {
  const std::string& text = row.fields[col];
  const std::vector<std::string>& zones = ZonesOf(zoning);
  if (std::find(zones.begin(), zones.end(), text) == zones.end()) {
    return CellError(
        row, col,
        absl::StrCat("bad zone \"", text, "\" of zoning ", zoning, " (one of ",
                     absl::StrJoin(zones, ", "), ")"));
  }
  return text;
}

absl::StatusOr<std::string> Iris(const Row& row, size_t col) {
  const std::string& code = row.fields[col];
  if (!IsIrisCode(code)) {
    return CellError(row, col,
                     absl::StrCat("bad IRIS code \"", code,
                                  "\" (9 characters: the commune's INSEE code "
                                  "then 4 digits)"));
  }
  return code;
}

// Like RowValidity, with the end required.
absl::StatusOr<Validity> RowPeriod(const Row& row, size_t from_col,
                                   size_t to_col) {
  if (row.fields[to_col].empty()) return CellError(row, to_col, "required");
  return RowValidity(row, from_col, to_col);
}

}  // namespace relog::reference::internal
