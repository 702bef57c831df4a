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
       "delivered_on", "first_conventionnement", "financing", "source"},
      {}};
  for (CsvFile* csv :
       {&communes_csv, &adjacency_csv, &quartiers_csv, &landlords_csv,
        &reservataires_csv, &operations_csv, &buildings_csv, &programmes_csv}) {
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
    ASSIGN_OR_RETURN(pb::ReferenceSource source, Source(row, 9));
    p.msg.set_source(source);
    programmes.push_back(std::move(p));
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
  Canonicalize(loaded);
  loaded.set_content_sha256(ComputeContentSha256(loaded));
  loaded.set_loaded_from(dir);
  return loaded;
}

}  // namespace relog::reference
