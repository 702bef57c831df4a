#include "services/reference/reference_files.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/reference/reference_data.h"
#include "storage/errors.h"
#include "storage/sha256.h"
#include "storage/status_macros.h"

namespace relog::reference {
namespace {

namespace pb = relog::v1;

// One data row of one file.
struct Row {
  const std::string* file = nullptr;
  const std::vector<std::string>* header = nullptr;
  int line = 0;
  std::vector<std::string> fields;
};

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

struct CsvFile {
  std::string name;
  std::vector<std::string> header;
  std::vector<Row> rows;
};

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

const std::vector<std::string>& ZonesOf(absl::string_view zoning) {
  static const std::vector<std::string> kApl = {"1", "2", "3"};
  static const std::vector<std::string> kAbc = {"Abis", "A", "B1", "B2", "C"};
  static const std::vector<std::string> kFlat = {"*"};
  if (zoning == "APL") return kApl;
  if (zoning == "ABC") return kAbc;
  return kFlat;
}

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

Validity OneDay(absl::CivilDay day) {
  Validity valid;
  valid.from = day;
  valid.to = day + 1;
  return valid;
}

Validity Until(absl::CivilDay day) {
  Validity valid = Always();
  valid.to = day;
  return valid;
}

Validity From(absl::CivilDay day) {
  Validity valid;
  valid.from = day;
  return valid;
}

// Allowed values of some columns.
const std::vector<std::string> kPartyKindNames = {"COMMUNE", "LANDLORD"};
const std::vector<std::string> kImlZonings = {"APL", "ABC", "*"};
const std::vector<std::string> kCategoryNames = {"SINGLE", "COUPLE",
                                                 "WITH_DEPENDANTS"};
const std::vector<std::string> kZonings = {"APL", "ABC"};
const std::vector<std::string> kSingleFinancings = {"PLAI", "PLUS", "PLS"};
const std::vector<std::string> kRentZones = {"1bis", "1", "2", "3", "*"};

bool TypologiesOverlap(const pb::ImlRate& a, const pb::ImlRate& b) {
  return a.typology_min() <= b.typology_max() &&
         b.typology_min() <= a.typology_max();
}

std::string TypologyText(int typology) { return absl::StrCat("T", typology); }

// ---- Parsed rows, with their lines and validity, for the cross checks ----

template <typename Msg>
struct Parsed {
  Msg msg;
  const Row* row = nullptr;
  Validity valid;
};

// key → the validity periods of the rows with that key.
using PeriodIndex =
    absl::flat_hash_map<std::string, std::vector<std::pair<Validity, int>>>;

// Each key must not appear twice with overlapping validity.
template <typename Msg, typename KeyFn>
absl::Status CheckNoOverlappingDuplicates(const std::vector<Parsed<Msg>>& rows,
                                          size_t key_col,
                                          absl::string_view what, KeyFn key) {
  PeriodIndex seen;
  for (const Parsed<Msg>& parsed : rows) {
    std::vector<std::pair<Validity, int>>& periods = seen[key(parsed.msg)];
    for (const auto& [valid, line] : periods) {
      if (valid.Overlaps(parsed.valid)) {
        return CellError(
            *parsed.row, key_col,
            absl::StrCat("duplicate ", what, " \"", key(parsed.msg),
                         "\" with overlapping validity (line ", line, " ",
                         PeriodText(valid), ", here ", PeriodText(parsed.valid),
                         ")"));
      }
    }
    periods.emplace_back(parsed.valid, parsed.row->line);
  }
  return absl::OkStatus();
}

template <typename Msg, typename KeyFn>
PeriodIndex IndexPeriods(const std::vector<Parsed<Msg>>& rows, KeyFn key) {
  PeriodIndex index;
  for (const Parsed<Msg>& parsed : rows) {
    index[key(parsed.msg)].emplace_back(parsed.valid, parsed.row->line);
  }
  return index;
}

bool AnyOverlap(const PeriodIndex& index, const std::string& key,
                const Validity& valid) {
  auto it = index.find(key);
  if (it == index.end()) return false;
  for (const auto& [period, line] : it->second) {
    if (period.Overlaps(valid)) return true;
  }
  return false;
}

// `key` (field `col` of `row`) must name a `what` valid at some point of
// `valid`.
absl::Status RequireRef(const PeriodIndex& index, const Row& row, size_t col,
                        const std::string& key, const Validity& valid,
                        absl::string_view what, absl::string_view file) {
  if (index.find(key) == index.end()) {
    return CellError(
        row, col,
        absl::StrCat("unknown ", what, " \"", key, "\" (not in ", file, ")"));
  }
  if (!AnyOverlap(index, key, valid)) {
    return CellError(row, col,
                     absl::StrCat(what, " \"", key, "\" of ", file,
                                  " is not valid during ", PeriodText(valid)));
  }
  return absl::OkStatus();
}

std::string QuartierCommuneKey(absl::string_view code,
                               absl::string_view insee) {
  return absl::StrCat(code, "|", insee);
}

// A quartier code, when given, must be a quartier of commune `insee`
// valid during `valid`.
absl::Status RequireQuartier(const PeriodIndex& by_code,
                             const PeriodIndex& by_code_and_commune,
                             const Row& row, size_t col,
                             const std::string& code, const std::string& insee,
                             const Validity& valid) {
  if (code.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(
      RequireRef(by_code, row, col, code, valid, "quartier", "quartiers.csv"));
  if (!AnyOverlap(by_code_and_commune, QuartierCommuneKey(code, insee),
                  valid)) {
    return CellError(
        row, col,
        absl::StrCat("quartier \"", code, "\" has no row for commune ", insee,
                     " in quartiers.csv valid during ", PeriodText(valid)));
  }
  return absl::OkStatus();
}

// ---- Canonical order ----

std::string Bytes(const google::protobuf::MessageLite& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

template <typename Msg, typename KeyFn>
void SortRows(google::protobuf::RepeatedPtrField<Msg>* rows, KeyFn key) {
  std::vector<std::pair<std::string, Msg>> keyed;
  keyed.reserve(rows->size());
  for (Msg& row : *rows) {
    keyed.emplace_back(absl::StrCat(key(row), "\x1f", Bytes(row)),
                       std::move(row));
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  rows->Clear();
  for (auto& [k, row] : keyed) *rows->Add() = std::move(row);
}

}  // namespace

void Canonicalize(pb::ReferenceDataLoaded& data) {
  SortRows(data.mutable_communes(), [](const pb::Commune& r) {
    return absl::StrCat(r.insee(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_adjacencies(), [](const pb::Adjacency& r) {
    return absl::StrCat(r.insee_a(), "\x1f", r.insee_b(), "\x1f",
                        r.valid_from());
  });
  SortRows(data.mutable_quartiers(), [](const pb::Quartier& r) {
    return absl::StrCat(r.code(), "\x1f", r.valid_from(), "\x1f", r.insee());
  });
  SortRows(data.mutable_landlords(), [](const pb::Landlord& r) {
    return absl::StrCat(r.id(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_reservataires(), [](const pb::Reservataire& r) {
    return absl::StrCat(r.id(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_operations(), [](const pb::Operation& r) {
    return absl::StrCat(r.id(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_buildings(), [](const pb::Building& r) {
    return absl::StrCat(r.operation_id(), "\x1f", r.id());
  });
  SortRows(data.mutable_programmes(),
           [](const pb::Programme& r) { return r.id(); });
  SortRows(data.mutable_commitments(), [](const pb::CharterCommitment& r) {
    return absl::StrCat(r.amendment_ref(), "\x1f", r.party_kind(), "\x1f",
                        r.party_id(), "\x1f", r.period_from());
  });
  SortRows(data.mutable_allocations(), [](const pb::SocialAllocations& r) {
    return absl::StrCat(r.year(), "\x1f", r.landlord_id(), "\x1f", r.insee());
  });
  SortRows(data.mutable_iml_scale(), [](const pb::ImlRate& r) {
    return absl::StrCat(r.zoning(), "\x1f", r.zone(), "\x1f", r.valid_from(),
                        "\x1f", r.typology_min());
  });
  SortRows(data.mutable_apl_rent_ceilings(), [](const pb::AplRentCeiling& r) {
    return absl::StrCat(r.zone(), "\x1f", r.category(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_commune_zones(), [](const pb::CommuneZone& r) {
    return absl::StrCat(r.insee(), "\x1f", r.zoning(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_targets(), [](const pb::ReferenceTarget& r) {
    return absl::StrCat(r.target_id(), "\x1f", r.scope(), "\x1f",
                        r.valid_from());
  });
  SortRows(data.mutable_coverage(), [](const pb::FileCoverage& r) {
    return absl::StrCat(r.file(), "\x1f", r.complete_from());
  });
  SortRows(data.mutable_fragility_classes(), [](const pb::FragilityClass& r) {
    return absl::StrCat(r.iris(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_occupancy_norms(), [](const pb::OccupancyNorm& r) {
    return absl::StrCat(r.persons(), "\x1f", r.valid_from());
  });
  SortRows(data.mutable_coordination_bodies(),
           [](const pb::CoordinationBodyMember& r) {
             return absl::StrCat(r.body_id(), "\x1f", r.insee(), "\x1f",
                                 r.valid_from());
           });
  SortRows(data.mutable_commune_successions(),
           [](const pb::CommuneSuccession& r) { return r.old_insee(); });
  SortRows(data.mutable_max_rents(), [](const pb::MaxRent& r) {
    return absl::StrCat(r.financing(), "\x1f", r.zone(), "\x1f",
                        r.valid_from());
  });
}

std::string ComputeContentSha256(const pb::ReferenceDataLoaded& data) {
  pb::ReferenceDataLoaded copy = data;
  copy.clear_content_sha256();
  copy.clear_loaded_from();
  return ToHex(Sha256({Bytes(copy)}));
}

absl::StatusOr<pb::ReferenceDataLoaded> ParseReferenceDir(
    const std::string& dir) {
  CsvFile communes_csv{
      "communes.csv",
      {"insee", "name", "epci_siren", "valid_from", "valid_to", "source"},
      {}};
  CsvFile adjacency_csv{
      "adjacency.csv",
      {"insee_a", "insee_b", "valid_from", "valid_to", "source"},
      {}};
  CsvFile quartiers_csv{
      "quartiers.csv",
      {"code", "name", "insee", "valid_from", "valid_to", "source"},
      {}};
  CsvFile landlords_csv{
      "landlords.csv",
      {"id", "name", "rpls_id", "valid_from", "valid_to", "source"},
      {}};
  CsvFile reservataires_csv{"reservataires.csv",
                            {"id", "name", "kind", "insee", "landlord_id",
                             "valid_from", "valid_to", "source"},
                            {}};
  CsvFile operations_csv{"operations.csv",
                         {"id", "name", "site", "quartier_code", "insee",
                          "valid_from", "valid_to", "source"},
                         {}};
  CsvFile buildings_csv{
      "buildings.csv",
      {"operation_id", "id", "address", "insee", "quartier_code", "landlord_id",
       "dwellings", "demolition_planned", "source"},
      {}};
  CsvFile programmes_csv{
      "programmes.csv",
      {"id", "name", "landlord_id", "insee", "quartier_code", "dwellings",
       "delivered_on", "first_conventionnement", "financing", "dwellings_plai",
       "dwellings_plus", "dwellings_pls", "iris", "source"},
      {}};
  CsvFile commitments_csv{
      "commitments.csv",
      {"amendment_ref", "adopted_on", "party_kind", "party_id", "period_from",
       "period_to", "households", "min_new_build_permille", "source"},
      {}};
  CsvFile allocations_csv{"allocations.csv",
                          {"year", "landlord_id", "insee", "allocations",
                           "allocations_outside_qpv", "source"},
                          {}};
  CsvFile iml_csv{"iml_scale.csv",
                  {"zoning", "zone", "typology_min", "typology_max",
                   "amount_cents", "valid_from", "valid_to", "source"},
                  {}};
  CsvFile apl_csv{
      "apl_rent_ceilings.csv",
      {"zone", "category", "ceiling_cents", "extra_per_dependant_cents",
       "valid_from", "valid_to", "source"},
      {}};
  CsvFile zones_csv{
      "commune_zones.csv",
      {"insee", "zoning", "zone", "valid_from", "valid_to", "source"},
      {}};
  CsvFile targets_csv{"targets.csv",
                      {"target_id", "scope", "min_permille", "max_permille",
                       "valid_from", "valid_to", "source"},
                      {}};
  CsvFile coverage_csv{
      "coverage.csv", {"file", "complete_from", "complete_to", "source"}, {}};
  CsvFile fragility_csv{"fragility_classes.csv",
                        {"iris", "class", "valid_from", "valid_to", "source"},
                        {}};
  CsvFile norms_csv{"occupancy_norms.csv",
                    {"persons", "min_surface_m2", "min_typology", "valid_from",
                     "valid_to", "source"},
                    {}};
  CsvFile bodies_csv{
      "coordination_bodies.csv",
      {"body_id", "name", "insee", "valid_from", "valid_to", "source"},
      {}};
  CsvFile successions_csv{"commune_successions.csv",
                          {"old_insee", "new_insee", "on", "source"},
                          {}};
  CsvFile max_rents_csv{"max_rents.csv",
                        {"financing", "zone", "max_rent_cents_per_m2",
                         "valid_from", "valid_to", "source"},
                        {}};
  for (CsvFile* csv : {&communes_csv,    &adjacency_csv,     &quartiers_csv,
                       &landlords_csv,   &reservataires_csv, &operations_csv,
                       &buildings_csv,   &programmes_csv,    &commitments_csv,
                       &allocations_csv, &iml_csv,           &apl_csv,
                       &zones_csv,       &targets_csv,       &coverage_csv,
                       &fragility_csv,   &norms_csv,         &bodies_csv,
                       &successions_csv, &max_rents_csv}) {
    RETURN_IF_ERROR(ReadCsv(dir, *csv));
  }

  // ---- Each row on its own ----
  std::vector<Parsed<pb::Commune>> communes;
  for (const Row& row : communes_csv.rows) {
    Parsed<pb::Commune> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
    ASSIGN_OR_RETURN(*p.msg.mutable_epci_siren(), Siren(row, 2));
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 3, 4));
    p.msg.set_valid_from(row.fields[3]);
    p.msg.set_valid_to(row.fields[4]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 5));
    p.msg.set_source(source);
    communes.push_back(std::move(p));
  }

  std::vector<Parsed<pb::Adjacency>> adjacencies;
  for (const Row& row : adjacency_csv.rows) {
    Parsed<pb::Adjacency> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_insee_a(), Insee(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_insee_b(), Insee(row, 1));
    if (p.msg.insee_a() == p.msg.insee_b()) {
      return CellError(row, 1,
                       absl::StrCat("a commune is not adjacent to itself (",
                                    p.msg.insee_a(), ")"));
    }
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 2, 3));
    p.msg.set_valid_from(row.fields[2]);
    p.msg.set_valid_to(row.fields[3]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 4));
    p.msg.set_source(source);
    adjacencies.push_back(std::move(p));
  }

  std::vector<Parsed<pb::Quartier>> quartiers;
  for (const Row& row : quartiers_csv.rows) {
    Parsed<pb::Quartier> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_code(), QpvCode(row, 0, false));
    ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
    ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 2));
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 3, 4));
    p.msg.set_valid_from(row.fields[3]);
    p.msg.set_valid_to(row.fields[4]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 5));
    p.msg.set_source(source);
    quartiers.push_back(std::move(p));
  }

  std::vector<Parsed<pb::Landlord>> landlords;
  for (const Row& row : landlords_csv.rows) {
    Parsed<pb::Landlord> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_id(), Siren(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
    ASSIGN_OR_RETURN(*p.msg.mutable_rpls_id(), Required(row, 2));
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 3, 4));
    p.msg.set_valid_from(row.fields[3]);
    p.msg.set_valid_to(row.fields[4]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 5));
    p.msg.set_source(source);
    landlords.push_back(std::move(p));
  }

  static const std::map<std::string, pb::ReservataireKind> kKinds = {
      {"STATE", pb::RESERVATAIRE_KIND_STATE},
      {"ACTION_LOGEMENT", pb::RESERVATAIRE_KIND_ACTION_LOGEMENT},
      {"COMMUNE", pb::RESERVATAIRE_KIND_COMMUNE},
      {"EPCI", pb::RESERVATAIRE_KIND_EPCI},
      {"LANDLORD", pb::RESERVATAIRE_KIND_LANDLORD},
      {"OTHER", pb::RESERVATAIRE_KIND_OTHER}};
  std::vector<Parsed<pb::Reservataire>> reservataires;
  for (const Row& row : reservataires_csv.rows) {
    Parsed<pb::Reservataire> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_id(), Required(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
    auto kind = kKinds.find(row.fields[2]);
    if (kind == kKinds.end()) {
      return CellError(row, 2,
                       absl::StrCat("bad kind \"", row.fields[2],
                                    "\" (STATE, ACTION_LOGEMENT, COMMUNE, "
                                    "EPCI, LANDLORD or OTHER)"));
    }
    p.msg.set_kind(kind->second);
    if (kind->second == pb::RESERVATAIRE_KIND_COMMUNE) {
      ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 3));
    } else if (!row.fields[3].empty()) {
      return CellError(row, 3, "only a COMMUNE réservataire has an insee");
    }
    if (kind->second == pb::RESERVATAIRE_KIND_LANDLORD) {
      ASSIGN_OR_RETURN(*p.msg.mutable_landlord_id(), Siren(row, 4));
    } else if (!row.fields[4].empty()) {
      return CellError(row, 4,
                       "only a LANDLORD réservataire has a landlord_id");
    }
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 5, 6));
    p.msg.set_valid_from(row.fields[5]);
    p.msg.set_valid_to(row.fields[6]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 7));
    p.msg.set_source(source);
    reservataires.push_back(std::move(p));
  }

  std::vector<Parsed<pb::Operation>> operations;
  for (const Row& row : operations_csv.rows) {
    Parsed<pb::Operation> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_id(), Required(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
    ASSIGN_OR_RETURN(*p.msg.mutable_site(), Required(row, 2));
    ASSIGN_OR_RETURN(*p.msg.mutable_quartier_code(), QpvCode(row, 3, false));
    ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 4));
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 5, 6));
    p.msg.set_valid_from(row.fields[5]);
    p.msg.set_valid_to(row.fields[6]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 7));
    p.msg.set_source(source);
    operations.push_back(std::move(p));
  }

  std::vector<Parsed<pb::Building>> buildings;
  for (const Row& row : buildings_csv.rows) {
    Parsed<pb::Building> p;
    p.row = &row;
    p.valid = Always();
    ASSIGN_OR_RETURN(*p.msg.mutable_operation_id(), Required(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_id(), Required(row, 1));
    ASSIGN_OR_RETURN(*p.msg.mutable_address(), Required(row, 2));
    ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 3));
    ASSIGN_OR_RETURN(*p.msg.mutable_quartier_code(), QpvCode(row, 4, true));
    ASSIGN_OR_RETURN(*p.msg.mutable_landlord_id(), Siren(row, 5));
    ASSIGN_OR_RETURN(int dwellings, Dwellings(row, 6));
    p.msg.set_dwellings(dwellings);
    ASSIGN_OR_RETURN(std::optional<absl::CivilDay> demolition,
                     OptionalDate(row, 7));
    p.msg.set_demolition_planned(DayText(demolition));
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 8));
    p.msg.set_source(source);
    buildings.push_back(std::move(p));
  }

  static const char* const kFinancings[] = {"PLAI", "PLUS", "PLS", "mixed"};
  std::vector<Parsed<pb::Programme>> programmes;
  for (const Row& row : programmes_csv.rows) {
    Parsed<pb::Programme> p;
    p.row = &row;
    p.valid = Always();
    ASSIGN_OR_RETURN(*p.msg.mutable_id(), Required(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
    ASSIGN_OR_RETURN(*p.msg.mutable_landlord_id(), Siren(row, 2));
    ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 3));
    ASSIGN_OR_RETURN(*p.msg.mutable_quartier_code(), QpvCode(row, 4, true));
    ASSIGN_OR_RETURN(int dwellings, Dwellings(row, 5));
    p.msg.set_dwellings(dwellings);
    ASSIGN_OR_RETURN(std::optional<absl::CivilDay> delivered,
                     OptionalDate(row, 6));
    p.msg.set_delivered_on(DayText(delivered));
    ASSIGN_OR_RETURN(std::optional<absl::CivilDay> conventionnement,
                     OptionalDate(row, 7));
    p.msg.set_first_conventionnement(DayText(conventionnement));
    if (std::find(std::begin(kFinancings), std::end(kFinancings),
                  row.fields[8]) == std::end(kFinancings)) {
      return CellError(row, 8,
                       absl::StrCat("bad financing \"", row.fields[8],
                                    "\" (PLAI, PLUS, PLS or mixed)"));
    }
    p.msg.set_financing(row.fields[8]);
    // Dwellings by financing: all three or none.
    bool any_split = false, all_split = true;
    for (size_t col = 9; col <= 11; ++col) {
      if (row.fields[col].empty()) {
        all_split = false;
      } else {
        any_split = true;
      }
    }
    if (any_split && !all_split) {
      for (size_t col = 9; col <= 11; ++col) {
        if (row.fields[col].empty()) {
          return CellError(row, col,
                           "dwellings_plai, dwellings_plus and dwellings_pls "
                           "are all set or all empty");
        }
      }
    }
    if (all_split) {
      ASSIGN_OR_RETURN(int64_t plai, IntIn(row, 9, 0, 1000000));
      ASSIGN_OR_RETURN(int64_t plus, IntIn(row, 10, 0, 1000000));
      ASSIGN_OR_RETURN(int64_t pls, IntIn(row, 11, 0, 1000000));
      if (plai + plus + pls != dwellings) {
        return CellError(
            row, 9,
            absl::StrCat("dwellings_plai + dwellings_plus + dwellings_pls = ",
                         plai + plus + pls, ", must equal dwellings ",
                         dwellings));
      }
      const std::string& financing = row.fields[8];
      int64_t own = financing == "PLAI"   ? plai
                    : financing == "PLUS" ? plus
                    : financing == "PLS"  ? pls
                                          : dwellings;
      if (own != dwellings) {
        return CellError(row, 8,
                         absl::StrCat("a ", financing,
                                      " programme has all its dwellings in ",
                                      financing, " (else financing is mixed)"));
      }
      p.msg.set_dwellings_plai(static_cast<int32_t>(plai));
      p.msg.set_dwellings_plus(static_cast<int32_t>(plus));
      p.msg.set_dwellings_pls(static_cast<int32_t>(pls));
    }
    if (!row.fields[12].empty()) {
      ASSIGN_OR_RETURN(*p.msg.mutable_iris(), Iris(row, 12));
      if (p.msg.iris().substr(0, 5) != p.msg.insee()) {
        return CellError(row, 12,
                         absl::StrCat("IRIS \"", p.msg.iris(),
                                      "\" is not in the programme's commune ",
                                      p.msg.insee()));
      }
    }
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 13));
    p.msg.set_source(source);
    programmes.push_back(std::move(p));
  }

  static const std::map<std::string, pb::CommitmentPartyKind> kPartyKinds = {
      {"COMMUNE", pb::COMMITMENT_PARTY_KIND_COMMUNE},
      {"LANDLORD", pb::COMMITMENT_PARTY_KIND_LANDLORD}};
  std::vector<Parsed<pb::CharterCommitment>> commitments;
  for (const Row& row : commitments_csv.rows) {
    Parsed<pb::CharterCommitment> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_amendment_ref(), Required(row, 0));
    ASSIGN_OR_RETURN(absl::CivilDay adopted_on, Date(row, 1));
    p.msg.set_adopted_on(absl::FormatCivilTime(adopted_on));
    ASSIGN_OR_RETURN(std::string kind, OneOf(row, 2, kPartyKindNames));
    p.msg.set_party_kind(kPartyKinds.at(kind));
    if (kind == "COMMUNE") {
      ASSIGN_OR_RETURN(*p.msg.mutable_party_id(), Insee(row, 3));
    } else {
      ASSIGN_OR_RETURN(*p.msg.mutable_party_id(), Siren(row, 3));
    }
    ASSIGN_OR_RETURN(p.valid, RowPeriod(row, 4, 5));
    p.msg.set_period_from(row.fields[4]);
    p.msg.set_period_to(row.fields[5]);
    ASSIGN_OR_RETURN(int64_t households, IntIn(row, 6, 0, 1000000));
    p.msg.set_households(static_cast<int32_t>(households));
    ASSIGN_OR_RETURN(std::optional<int64_t> permille,
                     OptionalIntIn(row, 7, 0, 1000));
    if (permille.has_value()) {
      p.msg.set_min_new_build_permille(static_cast<int32_t>(*permille));
    }
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 8));
    p.msg.set_source(source);
    commitments.push_back(std::move(p));
  }

  std::vector<Parsed<pb::SocialAllocations>> allocations;
  for (const Row& row : allocations_csv.rows) {
    Parsed<pb::SocialAllocations> p;
    p.row = &row;
    ASSIGN_OR_RETURN(int64_t year, IntIn(row, 0, 1900, 2999));
    p.msg.set_year(static_cast<int32_t>(year));
    p.valid.from = absl::CivilDay(year, 1, 1);
    p.valid.to = absl::CivilDay(year + 1, 1, 1);
    ASSIGN_OR_RETURN(*p.msg.mutable_landlord_id(), Siren(row, 1));
    ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 2));
    ASSIGN_OR_RETURN(int64_t all, IntIn(row, 3, 0, 10000000));
    ASSIGN_OR_RETURN(int64_t outside, IntIn(row, 4, 0, 10000000));
    if (outside > all) {
      return CellError(row, 4,
                       absl::StrCat("allocations_outside_qpv ", outside,
                                    " exceeds allocations ", all));
    }
    p.msg.set_allocations(static_cast<int32_t>(all));
    p.msg.set_allocations_outside_qpv(static_cast<int32_t>(outside));
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 5));
    p.msg.set_source(source);
    allocations.push_back(std::move(p));
  }

  std::vector<Parsed<pb::ImlRate>> iml_scale;
  for (const Row& row : iml_csv.rows) {
    Parsed<pb::ImlRate> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_zoning(), OneOf(row, 0, kImlZonings));
    ASSIGN_OR_RETURN(*p.msg.mutable_zone(), Zone(row, 1, p.msg.zoning()));
    ASSIGN_OR_RETURN(int typology_min, Typology(row, 2));
    ASSIGN_OR_RETURN(int typology_max, Typology(row, 3));
    if (typology_max < typology_min) {
      return CellError(row, 3,
                       absl::StrCat("typology_max ", row.fields[3],
                                    " is below typology_min ", row.fields[2]));
    }
    p.msg.set_typology_min(typology_min);
    p.msg.set_typology_max(typology_max);
    ASSIGN_OR_RETURN(int64_t amount, IntIn(row, 4, 1, 1000000000));
    p.msg.set_amount_cents(amount);
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 5, 6));
    p.msg.set_valid_from(row.fields[5]);
    p.msg.set_valid_to(row.fields[6]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 7));
    p.msg.set_source(source);
    // One scale at a time, one row per (zone, typology, day).
    for (const Parsed<pb::ImlRate>& other : iml_scale) {
      if (!other.valid.Overlaps(p.valid) ||
          !TypologiesOverlap(other.msg, p.msg)) {
        continue;
      }
      if (other.msg.zoning() != p.msg.zoning()) {
        return CellError(
            row, 0,
            absl::StrCat("line ", other.row->line, " (zoning ",
                         other.msg.zoning(),
                         ") is in force on the same days "
                         "for the same typologies: one scale at a time"));
      }
      if (other.msg.zone() == p.msg.zone()) {
        return CellError(
            row, 1,
            absl::StrCat("duplicate IML rate for zone ", p.msg.zone(), " ",
                         TypologyText(p.msg.typology_min()), "-",
                         TypologyText(p.msg.typology_max()),
                         " with overlapping validity and typologies (line ",
                         other.row->line, ")"));
      }
    }
    iml_scale.push_back(std::move(p));
  }

  static const std::map<std::string, pb::AplCeilingCategory> kCategories = {
      {"SINGLE", pb::APL_CEILING_CATEGORY_SINGLE},
      {"COUPLE", pb::APL_CEILING_CATEGORY_COUPLE},
      {"WITH_DEPENDANTS", pb::APL_CEILING_CATEGORY_WITH_DEPENDANTS}};
  std::vector<Parsed<pb::AplRentCeiling>> apl_ceilings;
  for (const Row& row : apl_csv.rows) {
    Parsed<pb::AplRentCeiling> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_zone(), Zone(row, 0, "APL"));
    ASSIGN_OR_RETURN(std::string category, OneOf(row, 1, kCategoryNames));
    p.msg.set_category(kCategories.at(category));
    ASSIGN_OR_RETURN(int64_t ceiling, IntIn(row, 2, 1, 1000000000));
    p.msg.set_ceiling_cents(ceiling);
    if (category == "WITH_DEPENDANTS") {
      ASSIGN_OR_RETURN(int64_t extra, IntIn(row, 3, 0, 1000000000));
      p.msg.set_extra_per_dependant_cents(extra);
    } else if (!row.fields[3].empty()) {
      return CellError(row, 3,
                       "only WITH_DEPENDANTS has an extra per dependant");
    }
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 4, 5));
    p.msg.set_valid_from(row.fields[4]);
    p.msg.set_valid_to(row.fields[5]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 6));
    p.msg.set_source(source);
    apl_ceilings.push_back(std::move(p));
  }

  std::vector<Parsed<pb::CommuneZone>> commune_zones;
  for (const Row& row : zones_csv.rows) {
    Parsed<pb::CommuneZone> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_zoning(), OneOf(row, 1, kZonings));
    ASSIGN_OR_RETURN(*p.msg.mutable_zone(), Zone(row, 2, p.msg.zoning()));
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 3, 4));
    p.msg.set_valid_from(row.fields[3]);
    p.msg.set_valid_to(row.fields[4]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 5));
    p.msg.set_source(source);
    commune_zones.push_back(std::move(p));
  }

  std::vector<Parsed<pb::ReferenceTarget>> targets;
  for (const Row& row : targets_csv.rows) {
    Parsed<pb::ReferenceTarget> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_target_id(), Token(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_scope(), Token(row, 1));
    ASSIGN_OR_RETURN(std::optional<int64_t> min,
                     OptionalIntIn(row, 2, 0, 1000));
    ASSIGN_OR_RETURN(std::optional<int64_t> max,
                     OptionalIntIn(row, 3, 0, 1000));
    if (!min.has_value() && !max.has_value()) {
      return CellError(row, 2, "min_permille or max_permille is required");
    }
    if (min.has_value() && max.has_value() && *max < *min) {
      return CellError(
          row, 3,
          absl::StrCat("max_permille ", *max, " is below min_permille ", *min));
    }
    if (min.has_value()) p.msg.set_min_permille(static_cast<int32_t>(*min));
    if (max.has_value()) p.msg.set_max_permille(static_cast<int32_t>(*max));
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 4, 5));
    p.msg.set_valid_from(row.fields[4]);
    p.msg.set_valid_to(row.fields[5]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 6));
    p.msg.set_source(source);
    targets.push_back(std::move(p));
  }

  std::vector<Parsed<pb::FileCoverage>> coverage;
  for (const Row& row : coverage_csv.rows) {
    Parsed<pb::FileCoverage> p;
    p.row = &row;
    const std::string& file = row.fields[0];
    if (file == "coverage.csv" ||
        std::find(std::begin(kReferenceFiles), std::end(kReferenceFiles),
                  file) == std::end(kReferenceFiles)) {
      return CellError(row, 0,
                       absl::StrCat("unknown reference file \"", file,
                                    "\" (one of the files of this folder, not "
                                    "coverage.csv)"));
    }
    p.msg.set_file(file);
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 1, 2));
    p.msg.set_complete_from(row.fields[1]);
    p.msg.set_complete_to(row.fields[2]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 3));
    p.msg.set_source(source);
    coverage.push_back(std::move(p));
  }

  std::vector<Parsed<pb::FragilityClass>> fragility_classes;
  for (const Row& row : fragility_csv.rows) {
    Parsed<pb::FragilityClass> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_iris(), Iris(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_fragility_class(), Required(row, 1));
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 2, 3));
    p.msg.set_valid_from(row.fields[2]);
    p.msg.set_valid_to(row.fields[3]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 4));
    p.msg.set_source(source);
    fragility_classes.push_back(std::move(p));
  }

  std::vector<Parsed<pb::OccupancyNorm>> occupancy_norms;
  for (const Row& row : norms_csv.rows) {
    Parsed<pb::OccupancyNorm> p;
    p.row = &row;
    ASSIGN_OR_RETURN(int64_t persons, IntIn(row, 0, 1, 99));
    p.msg.set_persons(static_cast<int32_t>(persons));
    ASSIGN_OR_RETURN(int64_t surface, IntIn(row, 1, 1, 10000));
    p.msg.set_min_surface_m2(static_cast<int32_t>(surface));
    ASSIGN_OR_RETURN(int typology, Typology(row, 2));
    p.msg.set_min_typology(typology);
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 3, 4));
    p.msg.set_valid_from(row.fields[3]);
    p.msg.set_valid_to(row.fields[4]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 5));
    p.msg.set_source(source);
    occupancy_norms.push_back(std::move(p));
  }

  std::vector<Parsed<pb::CoordinationBodyMember>> bodies;
  for (const Row& row : bodies_csv.rows) {
    Parsed<pb::CoordinationBodyMember> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_body_id(), Required(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
    ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 2));
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 3, 4));
    p.msg.set_valid_from(row.fields[3]);
    p.msg.set_valid_to(row.fields[4]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 5));
    p.msg.set_source(source);
    bodies.push_back(std::move(p));
  }

  std::vector<Parsed<pb::CommuneSuccession>> successions;
  for (const Row& row : successions_csv.rows) {
    Parsed<pb::CommuneSuccession> p;
    p.row = &row;
    p.valid = Always();
    ASSIGN_OR_RETURN(*p.msg.mutable_old_insee(), Insee(row, 0));
    ASSIGN_OR_RETURN(*p.msg.mutable_new_insee(), Insee(row, 1));
    if (p.msg.old_insee() == p.msg.new_insee()) {
      return CellError(row, 1,
                       absl::StrCat("a commune does not succeed itself (",
                                    p.msg.old_insee(), ")"));
    }
    ASSIGN_OR_RETURN(absl::CivilDay on, Date(row, 2));
    p.msg.set_on(absl::FormatCivilTime(on));
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 3));
    p.msg.set_source(source);
    successions.push_back(std::move(p));
  }

  std::vector<Parsed<pb::MaxRent>> max_rents;
  for (const Row& row : max_rents_csv.rows) {
    Parsed<pb::MaxRent> p;
    p.row = &row;
    ASSIGN_OR_RETURN(*p.msg.mutable_financing(),
                     OneOf(row, 0, kSingleFinancings));
    ASSIGN_OR_RETURN(*p.msg.mutable_zone(), OneOf(row, 1, kRentZones));
    ASSIGN_OR_RETURN(int64_t cents, IntIn(row, 2, 1, 100000));
    p.msg.set_max_rent_cents_per_m2(cents);
    ASSIGN_OR_RETURN(p.valid, RowValidity(row, 3, 4));
    p.msg.set_valid_from(row.fields[3]);
    p.msg.set_valid_to(row.fields[4]);
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 5));
    p.msg.set_source(source);
    max_rents.push_back(std::move(p));
  }

  // ---- Duplicates ----
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      communes, 0, "commune", [](const pb::Commune& m) { return m.insee(); }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      adjacencies, 0, "adjacency", [](const pb::Adjacency& m) {
        return m.insee_a() < m.insee_b()
                   ? absl::StrCat(m.insee_a(), "-", m.insee_b())
                   : absl::StrCat(m.insee_b(), "-", m.insee_a());
      }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      quartiers, 0, "quartier in commune", [](const pb::Quartier& m) {
        return QuartierCommuneKey(m.code(), m.insee());
      }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      landlords, 0, "landlord", [](const pb::Landlord& m) { return m.id(); }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      reservataires, 0, "réservataire",
      [](const pb::Reservataire& m) { return m.id(); }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      operations, 0, "operation",
      [](const pb::Operation& m) { return m.id(); }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      buildings, 1, "building", [](const pb::Building& m) {
        return absl::StrCat(m.operation_id(), "/", m.id());
      }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      programmes, 0, "programme",
      [](const pb::Programme& m) { return m.id(); }));

  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      commitments, 3, "commitment of one party adopted on one day",
      [](const pb::CharterCommitment& m) {
        return absl::StrCat(m.party_kind() == pb::COMMITMENT_PARTY_KIND_LANDLORD
                                ? "LANDLORD"
                                : "COMMUNE",
                            " ", m.party_id(), " adopted ", m.adopted_on());
      }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      allocations, 0, "allocations", [](const pb::SocialAllocations& m) {
        return absl::StrCat(m.year(), " ", m.landlord_id(), " ", m.insee());
      }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      apl_ceilings, 0, "APL ceiling", [](const pb::AplRentCeiling& m) {
        return absl::StrCat(m.zone(), " ",
                            pb::AplCeilingCategory_Name(m.category()));
      }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      commune_zones, 0, "commune zone", [](const pb::CommuneZone& m) {
        return absl::StrCat(m.insee(), " ", m.zoning());
      }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      targets, 0, "target", [](const pb::ReferenceTarget& m) {
        return absl::StrCat(m.target_id(), " ", m.scope());
      }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      coverage, 0, "coverage",
      [](const pb::FileCoverage& m) { return m.file(); }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      fragility_classes, 0, "IRIS",
      [](const pb::FragilityClass& m) { return m.iris(); }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      occupancy_norms, 0, "occupancy norm",
      [](const pb::OccupancyNorm& m) { return absl::StrCat(m.persons()); }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      bodies, 2, "member of coordination body",
      [](const pb::CoordinationBodyMember& m) {
        return absl::StrCat(m.body_id(), " ", m.insee());
      }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      successions, 0, "succession of commune",
      [](const pb::CommuneSuccession& m) { return m.old_insee(); }));
  RETURN_IF_ERROR(CheckNoOverlappingDuplicates(
      max_rents, 1, "maximum rent", [](const pb::MaxRent& m) {
        return absl::StrCat(m.financing(), " ", m.zone());
      }));

  // One amendment, one adoption date.
  {
    absl::flat_hash_map<std::string, const Parsed<pb::CharterCommitment>*>
        by_ref;
    for (const auto& c : commitments) {
      auto [it, inserted] = by_ref.emplace(c.msg.amendment_ref(), &c);
      if (!inserted && it->second->msg.adopted_on() != c.msg.adopted_on()) {
        return CellError(
            *c.row, 1,
            absl::StrCat("amendment ", c.msg.amendment_ref(), " is adopted on ",
                         it->second->msg.adopted_on(), " on line ",
                         it->second->row->line));
      }
    }
  }

  // Rows of one coordination body that overlap in time share one name.
  {
    absl::flat_hash_map<std::string,
                        std::vector<const Parsed<pb::CoordinationBodyMember>*>>
        by_body;
    for (const auto& b : bodies) {
      for (const auto* other : by_body[b.msg.body_id()]) {
        if (other->valid.Overlaps(b.valid) &&
            other->msg.name() != b.msg.name()) {
          return CellError(*b.row, 1,
                           absl::StrCat("coordination body ", b.msg.body_id(),
                                        " is named \"", other->msg.name(),
                                        "\" on line ", other->row->line));
        }
      }
      by_body[b.msg.body_id()].push_back(&b);
    }
  }

  // Rows of one quartier code that overlap in time share one name.
  {
    absl::flat_hash_map<std::string, std::vector<const Parsed<pb::Quartier>*>>
        by_code;
    for (const Parsed<pb::Quartier>& q : quartiers) {
      for (const Parsed<pb::Quartier>* other : by_code[q.msg.code()]) {
        if (other->valid.Overlaps(q.valid) &&
            other->msg.name() != q.msg.name()) {
          return CellError(
              *q.row, 1,
              absl::StrCat("quartier ", q.msg.code(), " is named \"",
                           other->msg.name(), "\" on line ", other->row->line));
        }
      }
      by_code[q.msg.code()].push_back(&q);
    }
  }

  // ---- Referential integrity ----
  PeriodIndex commune_index =
      IndexPeriods(communes, [](const pb::Commune& m) { return m.insee(); });
  PeriodIndex landlord_index =
      IndexPeriods(landlords, [](const pb::Landlord& m) { return m.id(); });
  PeriodIndex quartier_index =
      IndexPeriods(quartiers, [](const pb::Quartier& m) { return m.code(); });
  PeriodIndex quartier_commune_index =
      IndexPeriods(quartiers, [](const pb::Quartier& m) {
        return QuartierCommuneKey(m.code(), m.insee());
      });
  PeriodIndex operation_index =
      IndexPeriods(operations, [](const pb::Operation& m) { return m.id(); });

  for (const auto& p : adjacencies) {
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 0, p.msg.insee_a(),
                               p.valid, "commune", "communes.csv"));
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 1, p.msg.insee_b(),
                               p.valid, "commune", "communes.csv"));
  }
  for (const auto& p : quartiers) {
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 2, p.msg.insee(), p.valid,
                               "commune", "communes.csv"));
  }
  for (const auto& p : reservataires) {
    if (!p.msg.insee().empty()) {
      RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 3, p.msg.insee(),
                                 p.valid, "commune", "communes.csv"));
    }
    if (!p.msg.landlord_id().empty()) {
      RETURN_IF_ERROR(RequireRef(landlord_index, *p.row, 4, p.msg.landlord_id(),
                                 p.valid, "landlord", "landlords.csv"));
    }
  }
  for (const auto& p : operations) {
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 4, p.msg.insee(), p.valid,
                               "commune", "communes.csv"));
    RETURN_IF_ERROR(RequireQuartier(quartier_index, quartier_commune_index,
                                    *p.row, 3, p.msg.quartier_code(),
                                    p.msg.insee(), p.valid));
  }
  for (auto& p : buildings) {
    RETURN_IF_ERROR(RequireRef(operation_index, *p.row, 0, p.msg.operation_id(),
                               p.valid, "operation", "operations.csv"));
    // A building lives as long as its operation: the span of its versions.
    const auto& versions = operation_index.at(p.msg.operation_id());
    Validity span = versions.front().first;
    for (const auto& [valid, line] : versions) {
      span.from = std::min(span.from, valid.from);
      if (!valid.to.has_value() || !span.to.has_value()) {
        span.to.reset();
      } else {
        span.to = std::max(*span.to, *valid.to);
      }
    }
    p.valid = span;
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 3, p.msg.insee(), p.valid,
                               "commune", "communes.csv"));
    RETURN_IF_ERROR(RequireQuartier(quartier_index, quartier_commune_index,
                                    *p.row, 4, p.msg.quartier_code(),
                                    p.msg.insee(), p.valid));
    RETURN_IF_ERROR(RequireRef(landlord_index, *p.row, 5, p.msg.landlord_id(),
                               p.valid, "landlord", "landlords.csv"));
  }
  for (const auto& p : programmes) {
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 3, p.msg.insee(), p.valid,
                               "commune", "communes.csv"));
    RETURN_IF_ERROR(RequireQuartier(quartier_index, quartier_commune_index,
                                    *p.row, 4, p.msg.quartier_code(),
                                    p.msg.insee(), p.valid));
    RETURN_IF_ERROR(RequireRef(landlord_index, *p.row, 2, p.msg.landlord_id(),
                               p.valid, "landlord", "landlords.csv"));
  }

  for (const auto& p : commitments) {
    if (p.msg.party_kind() == pb::COMMITMENT_PARTY_KIND_COMMUNE) {
      RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 3, p.msg.party_id(),
                                 p.valid, "commune", "communes.csv"));
    } else {
      RETURN_IF_ERROR(RequireRef(landlord_index, *p.row, 3, p.msg.party_id(),
                                 p.valid, "landlord", "landlords.csv"));
    }
  }
  for (const auto& p : allocations) {
    RETURN_IF_ERROR(RequireRef(landlord_index, *p.row, 1, p.msg.landlord_id(),
                               p.valid, "landlord", "landlords.csv"));
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 2, p.msg.insee(), p.valid,
                               "commune", "communes.csv"));
  }
  for (const auto& p : commune_zones) {
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 0, p.msg.insee(), p.valid,
                               "commune", "communes.csv"));
  }
  for (const auto& p : fragility_classes) {
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 0,
                               p.msg.iris().substr(0, 5), p.valid, "commune",
                               "communes.csv"));
  }
  for (const auto& p : bodies) {
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 2, p.msg.insee(), p.valid,
                               "commune", "communes.csv"));
  }
  for (const auto& p : successions) {
    absl::CivilDay on = *ParseIsoDay(p.msg.on());
    // The old commune existed before `on` and no longer from `on`; the new
    // one exists on `on`. Hence chains go forward in time and never loop.
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 0, p.msg.old_insee(),
                               Until(on), "commune", "communes.csv"));
    if (AnyOverlap(commune_index, p.msg.old_insee(), From(on))) {
      return CellError(
          *p.row, 0,
          absl::StrCat("commune ", p.msg.old_insee(),
                       " has a row in communes.csv valid on or after its "
                       "succession on ",
                       p.msg.on()));
    }
    RETURN_IF_ERROR(RequireRef(commune_index, *p.row, 1, p.msg.new_insee(),
                               OneDay(on), "commune", "communes.csv"));
  }

  // ---- The event payload ----
  pb::ReferenceDataLoaded loaded;
  for (auto& p : communes) *loaded.add_communes() = std::move(p.msg);
  for (auto& p : adjacencies) *loaded.add_adjacencies() = std::move(p.msg);
  for (auto& p : quartiers) *loaded.add_quartiers() = std::move(p.msg);
  for (auto& p : landlords) *loaded.add_landlords() = std::move(p.msg);
  for (auto& p : reservataires) *loaded.add_reservataires() = std::move(p.msg);
  for (auto& p : operations) *loaded.add_operations() = std::move(p.msg);
  for (auto& p : buildings) *loaded.add_buildings() = std::move(p.msg);
  for (auto& p : programmes) *loaded.add_programmes() = std::move(p.msg);
  for (auto& p : commitments) *loaded.add_commitments() = std::move(p.msg);
  for (auto& p : allocations) *loaded.add_allocations() = std::move(p.msg);
  for (auto& p : iml_scale) *loaded.add_iml_scale() = std::move(p.msg);
  for (auto& p : apl_ceilings) {
    *loaded.add_apl_rent_ceilings() = std::move(p.msg);
  }
  for (auto& p : commune_zones) *loaded.add_commune_zones() = std::move(p.msg);
  for (auto& p : targets) *loaded.add_targets() = std::move(p.msg);
  for (auto& p : coverage) *loaded.add_coverage() = std::move(p.msg);
  for (auto& p : fragility_classes) {
    *loaded.add_fragility_classes() = std::move(p.msg);
  }
  for (auto& p : occupancy_norms) {
    *loaded.add_occupancy_norms() = std::move(p.msg);
  }
  for (auto& p : bodies) *loaded.add_coordination_bodies() = std::move(p.msg);
  for (auto& p : successions) {
    *loaded.add_commune_successions() = std::move(p.msg);
  }
  for (auto& p : max_rents) *loaded.add_max_rents() = std::move(p.msg);
  Canonicalize(loaded);
  loaded.set_content_sha256(ComputeContentSha256(loaded));
  loaded.set_loaded_from(dir);
  return loaded;
}

}  // namespace relog::reference
