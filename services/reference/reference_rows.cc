// Internal to relog_reference: see reference_rows.h. One row parser per
// file: each checks its row on its own, in column order.
#include "services/reference/reference_rows.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/reference/reference_files.h"
#include "storage/status_macros.h"

namespace relog::reference::internal {
namespace {

namespace pb = relog::v1;

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

// Values of some columns.
const std::map<std::string, pb::ReservataireKind> kKinds = {
    {"STATE", pb::RESERVATAIRE_KIND_STATE},
    {"ACTION_LOGEMENT", pb::RESERVATAIRE_KIND_ACTION_LOGEMENT},
    {"COMMUNE", pb::RESERVATAIRE_KIND_COMMUNE},
    {"EPCI", pb::RESERVATAIRE_KIND_EPCI},
    {"LANDLORD", pb::RESERVATAIRE_KIND_LANDLORD},
    {"OTHER", pb::RESERVATAIRE_KIND_OTHER}};

const char* const kFinancings[] = {"PLAI", "PLUS", "PLS", "mixed"};

const std::map<std::string, pb::CommitmentPartyKind> kPartyKinds = {
    {"COMMUNE", pb::COMMITMENT_PARTY_KIND_COMMUNE},
    {"LANDLORD", pb::COMMITMENT_PARTY_KIND_LANDLORD}};

const std::map<std::string, pb::AplCeilingCategory> kCategories = {
    {"SINGLE", pb::APL_CEILING_CATEGORY_SINGLE},
    {"COUPLE", pb::APL_CEILING_CATEGORY_COUPLE},
    {"WITH_DEPENDANTS", pb::APL_CEILING_CATEGORY_WITH_DEPENDANTS}};

// Parses every row of `csv` with `parse` into `out`, in file order.
template <typename Msg, typename ParseFn>
absl::Status ParseEach(const CsvFile& csv, std::vector<Parsed<Msg>>& out,
                       ParseFn parse) {
  for (const Row& row : csv.rows) {
    ASSIGN_OR_RETURN(Parsed<Msg> p, parse(row));
    out.push_back(std::move(p));
  }
  return absl::OkStatus();
}

// A row of communes.csv.
absl::StatusOr<Parsed<pb::Commune>> CommuneRow(const Row& row) {
  Parsed<pb::Commune> p;
  p.row = &row;
  ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 0));
  ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
  ASSIGN_OR_RETURN(*p.msg.mutable_epci_siren(), Siren(row, 2));
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 3, p.msg));
  return p;
}

// A row of adjacency.csv.
absl::StatusOr<Parsed<pb::Adjacency>> AdjacencyRow(const Row& row) {
  Parsed<pb::Adjacency> p;
  p.row = &row;
  ASSIGN_OR_RETURN(*p.msg.mutable_insee_a(), Insee(row, 0));
  ASSIGN_OR_RETURN(*p.msg.mutable_insee_b(), Insee(row, 1));
  if (p.msg.insee_a() == p.msg.insee_b()) {
    return CellError(row, 1,
                     absl::StrCat("a commune is not adjacent to itself (",
                                  p.msg.insee_a(), ")"));
  }
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 2, p.msg));
  return p;
}

// A row of quartiers.csv.
absl::StatusOr<Parsed<pb::Quartier>> QuartierRow(const Row& row) {
  Parsed<pb::Quartier> p;
  p.row = &row;
  ASSIGN_OR_RETURN(*p.msg.mutable_code(), QpvCode(row, 0, false));
  ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
  ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 2));
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 3, p.msg));
  return p;
}

// A row of landlords.csv.
absl::StatusOr<Parsed<pb::Landlord>> LandlordRow(const Row& row) {
  Parsed<pb::Landlord> p;
  p.row = &row;
  ASSIGN_OR_RETURN(*p.msg.mutable_id(), Siren(row, 0));
  ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
  ASSIGN_OR_RETURN(*p.msg.mutable_rpls_id(), Required(row, 2));
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 3, p.msg));
  return p;
}

// A row of reservataires.csv.
absl::StatusOr<Parsed<pb::Reservataire>> ReservataireRow(const Row& row) {
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
    return CellError(row, 4, "only a LANDLORD réservataire has a landlord_id");
  }
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 5, p.msg));
  return p;
}

// A row of operations.csv.
absl::StatusOr<Parsed<pb::Operation>> OperationRow(const Row& row) {
  Parsed<pb::Operation> p;
  p.row = &row;
  ASSIGN_OR_RETURN(*p.msg.mutable_id(), Required(row, 0));
  ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
  ASSIGN_OR_RETURN(*p.msg.mutable_site(), Required(row, 2));
  ASSIGN_OR_RETURN(*p.msg.mutable_quartier_code(), QpvCode(row, 3, false));
  ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 4));
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 5, p.msg));
  return p;
}

// A row of buildings.csv.
absl::StatusOr<Parsed<pb::Building>> BuildingRow(const Row& row) {
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
  RETURN_IF_ERROR(SetSource(row, 8, p.msg));
  return p;
}

// A row of programmes.csv.
absl::StatusOr<Parsed<pb::Programme>> ProgrammeRow(const Row& row) {
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
      return CellError(
          row, 8,
          absl::StrCat("a ", financing, " programme has all its dwellings in ",
                       financing, " (else financing is mixed)"));
    }
    p.msg.set_dwellings_plai(static_cast<int32_t>(plai));
    p.msg.set_dwellings_plus(static_cast<int32_t>(plus));
    p.msg.set_dwellings_pls(static_cast<int32_t>(pls));
  }
  if (!row.fields[12].empty()) {
    ASSIGN_OR_RETURN(*p.msg.mutable_iris(), Iris(row, 12));
    if (p.msg.iris().substr(0, 5) != p.msg.insee()) {
      return CellError(
          row, 12,
          absl::StrCat("IRIS \"", p.msg.iris(),
                       "\" is not in the programme's commune ", p.msg.insee()));
    }
  }
  RETURN_IF_ERROR(SetSource(row, 13, p.msg));
  return p;
}

// A row of commitments.csv.
absl::StatusOr<Parsed<pb::CharterCommitment>> CharterCommitmentRow(
    const Row& row) {
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
  RETURN_IF_ERROR(SetSource(row, 8, p.msg));
  return p;
}

// A row of allocations.csv.
absl::StatusOr<Parsed<pb::SocialAllocations>> SocialAllocationsRow(
    const Row& row) {
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
  RETURN_IF_ERROR(SetSource(row, 5, p.msg));
  return p;
}

// A row of iml_scale.csv. Checks it against the rows above (one scale at a
// time).
absl::StatusOr<Parsed<pb::ImlRate>> ImlRateRow(
    const Row& row, const std::vector<Parsed<pb::ImlRate>>& iml_scale) {
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
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 5, p.msg));
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
  return p;
}

// A row of apl_rent_ceilings.csv.
absl::StatusOr<Parsed<pb::AplRentCeiling>> AplRentCeilingRow(const Row& row) {
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
    return CellError(row, 3, "only WITH_DEPENDANTS has an extra per dependant");
  }
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 4, p.msg));
  return p;
}

// A row of commune_zones.csv.
absl::StatusOr<Parsed<pb::CommuneZone>> CommuneZoneRow(const Row& row) {
  Parsed<pb::CommuneZone> p;
  p.row = &row;
  ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 0));
  ASSIGN_OR_RETURN(*p.msg.mutable_zoning(), OneOf(row, 1, kZonings));
  ASSIGN_OR_RETURN(*p.msg.mutable_zone(), Zone(row, 2, p.msg.zoning()));
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 3, p.msg));
  return p;
}

// A row of targets.csv.
absl::StatusOr<Parsed<pb::ReferenceTarget>> ReferenceTargetRow(const Row& row) {
  Parsed<pb::ReferenceTarget> p;
  p.row = &row;
  ASSIGN_OR_RETURN(*p.msg.mutable_target_id(), Token(row, 0));
  ASSIGN_OR_RETURN(*p.msg.mutable_scope(), Token(row, 1));
  ASSIGN_OR_RETURN(std::optional<int64_t> min, OptionalIntIn(row, 2, 0, 1000));
  ASSIGN_OR_RETURN(std::optional<int64_t> max, OptionalIntIn(row, 3, 0, 1000));
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
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 4, p.msg));
  return p;
}

// A row of coverage.csv.
absl::StatusOr<Parsed<pb::FileCoverage>> FileCoverageRow(const Row& row) {
  Parsed<pb::FileCoverage> p;
  p.row = &row;
  const std::string& file = row.fields[0];
  if (file == "coverage.csv" ||
      std::find(std::begin(kReferenceFiles), std::end(kReferenceFiles), file) ==
          std::end(kReferenceFiles)) {
    return CellError(row, 0,
                     absl::StrCat("unknown reference file \"", file,
                                  "\" (one of the files of this folder, not "
                                  "coverage.csv)"));
  }
  p.msg.set_file(file);
  ASSIGN_OR_RETURN(p.valid, RowValidity(row, 1, 2));
  p.msg.set_complete_from(row.fields[1]);
  p.msg.set_complete_to(row.fields[2]);
  RETURN_IF_ERROR(SetSource(row, 3, p.msg));
  return p;
}

// A row of fragility_classes.csv.
absl::StatusOr<Parsed<pb::FragilityClass>> FragilityClassRow(const Row& row) {
  Parsed<pb::FragilityClass> p;
  p.row = &row;
  ASSIGN_OR_RETURN(*p.msg.mutable_iris(), Iris(row, 0));
  ASSIGN_OR_RETURN(*p.msg.mutable_fragility_class(), Required(row, 1));
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 2, p.msg));
  return p;
}

// A row of occupancy_norms.csv.
absl::StatusOr<Parsed<pb::OccupancyNorm>> OccupancyNormRow(const Row& row) {
  Parsed<pb::OccupancyNorm> p;
  p.row = &row;
  ASSIGN_OR_RETURN(int64_t persons, IntIn(row, 0, 1, 99));
  p.msg.set_persons(static_cast<int32_t>(persons));
  ASSIGN_OR_RETURN(int64_t surface, IntIn(row, 1, 1, 10000));
  p.msg.set_min_surface_m2(static_cast<int32_t>(surface));
  ASSIGN_OR_RETURN(int typology, Typology(row, 2));
  p.msg.set_min_typology(typology);
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 3, p.msg));
  return p;
}

// A row of coordination_bodies.csv.
absl::StatusOr<Parsed<pb::CoordinationBodyMember>> CoordinationBodyMemberRow(
    const Row& row) {
  Parsed<pb::CoordinationBodyMember> p;
  p.row = &row;
  ASSIGN_OR_RETURN(*p.msg.mutable_body_id(), Required(row, 0));
  ASSIGN_OR_RETURN(*p.msg.mutable_name(), Required(row, 1));
  ASSIGN_OR_RETURN(*p.msg.mutable_insee(), Insee(row, 2));
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 3, p.msg));
  return p;
}

// A row of commune_successions.csv.
absl::StatusOr<Parsed<pb::CommuneSuccession>> CommuneSuccessionRow(
    const Row& row) {
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
  RETURN_IF_ERROR(SetSource(row, 3, p.msg));
  return p;
}

// A row of max_rents.csv.
absl::StatusOr<Parsed<pb::MaxRent>> MaxRentRow(const Row& row) {
  Parsed<pb::MaxRent> p;
  p.row = &row;
  ASSIGN_OR_RETURN(*p.msg.mutable_financing(),
                   OneOf(row, 0, kSingleFinancings));
  ASSIGN_OR_RETURN(*p.msg.mutable_zone(), OneOf(row, 1, kRentZones));
  ASSIGN_OR_RETURN(int64_t cents, IntIn(row, 2, 1, 100000));
  p.msg.set_max_rent_cents_per_m2(cents);
  ASSIGN_OR_RETURN(p.valid, ValidityAndSource(row, 3, p.msg));
  return p;
}

}  // namespace

absl::Status ReadReferenceCsvFiles(const std::string& dir,
                                   ReferenceCsvFiles& files) {
  for (CsvFile* csv :
       {&files.communes,    &files.adjacency,     &files.quartiers,
        &files.landlords,   &files.reservataires, &files.operations,
        &files.buildings,   &files.programmes,    &files.commitments,
        &files.allocations, &files.iml,           &files.apl,
        &files.zones,       &files.targets,       &files.coverage,
        &files.fragility,   &files.norms,         &files.bodies,
        &files.successions, &files.max_rents}) {
    RETURN_IF_ERROR(ReadCsv(dir, *csv));
  }
  return absl::OkStatus();
}

absl::Status ParseRows(const ReferenceCsvFiles& files, ParsedRows& rows) {
  RETURN_IF_ERROR(ParseEach(files.communes, rows.communes, CommuneRow));
  RETURN_IF_ERROR(ParseEach(files.adjacency, rows.adjacencies, AdjacencyRow));
  RETURN_IF_ERROR(ParseEach(files.quartiers, rows.quartiers, QuartierRow));
  RETURN_IF_ERROR(ParseEach(files.landlords, rows.landlords, LandlordRow));
  RETURN_IF_ERROR(
      ParseEach(files.reservataires, rows.reservataires, ReservataireRow));
  RETURN_IF_ERROR(ParseEach(files.operations, rows.operations, OperationRow));
  RETURN_IF_ERROR(ParseEach(files.buildings, rows.buildings, BuildingRow));
  RETURN_IF_ERROR(ParseEach(files.programmes, rows.programmes, ProgrammeRow));
  RETURN_IF_ERROR(
      ParseEach(files.commitments, rows.commitments, CharterCommitmentRow));
  RETURN_IF_ERROR(
      ParseEach(files.allocations, rows.allocations, SocialAllocationsRow));
  for (const Row& row : files.iml.rows) {
    ASSIGN_OR_RETURN(Parsed<pb::ImlRate> p, ImlRateRow(row, rows.iml_scale));
    rows.iml_scale.push_back(std::move(p));
  }
  RETURN_IF_ERROR(ParseEach(files.apl, rows.apl_ceilings, AplRentCeilingRow));
  RETURN_IF_ERROR(ParseEach(files.zones, rows.commune_zones, CommuneZoneRow));
  RETURN_IF_ERROR(ParseEach(files.targets, rows.targets, ReferenceTargetRow));
  RETURN_IF_ERROR(ParseEach(files.coverage, rows.coverage, FileCoverageRow));
  RETURN_IF_ERROR(
      ParseEach(files.fragility, rows.fragility_classes, FragilityClassRow));
  RETURN_IF_ERROR(
      ParseEach(files.norms, rows.occupancy_norms, OccupancyNormRow));
  RETURN_IF_ERROR(
      ParseEach(files.bodies, rows.bodies, CoordinationBodyMemberRow));
  RETURN_IF_ERROR(
      ParseEach(files.successions, rows.successions, CommuneSuccessionRow));
  RETURN_IF_ERROR(ParseEach(files.max_rents, rows.max_rents, MaxRentRow));
  return absl::OkStatus();
}

}  // namespace relog::reference::internal
