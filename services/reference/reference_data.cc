#include "services/reference/reference_data.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/reference/reference_files.h"
#include "storage/errors.h"
#include "storage/status_macros.h"

namespace relog::reference {
namespace {

using relog::v1::ReferenceSource;

absl::Status DataInvalid(absl::string_view what) {
  return MakeError(absl::StatusCode::kInvalidArgument, kReferenceDataInvalid,
                   what);
}

absl::StatusOr<absl::CivilDay> Day(absl::string_view text,
                                   absl::string_view what) {
  std::optional<absl::CivilDay> day = ParseIsoDay(text);
  if (!day.has_value()) {
    return DataInvalid(absl::StrCat(what, ": bad date \"", text, "\""));
  }
  return *day;
}

absl::StatusOr<std::optional<absl::CivilDay>> OptionalDay(
    absl::string_view text, absl::string_view what) {
  if (text.empty()) return std::optional<absl::CivilDay>();
  ASSIGN_OR_RETURN(absl::CivilDay day, Day(text, what));
  return std::optional<absl::CivilDay>(day);
}

absl::StatusOr<Validity> MakeValidity(absl::string_view from,
                                      absl::string_view to,
                                      absl::string_view what) {
  Validity validity;
  ASSIGN_OR_RETURN(validity.from, Day(from, what));
  ASSIGN_OR_RETURN(validity.to, OptionalDay(to, what));
  return validity;
}

bool IsVerified(ReferenceSource source) {
  return source == relog::v1::REFERENCE_SOURCE_VERIFIED;
}

template <typename T>
const T* FindValid(const absl::flat_hash_map<std::string, std::vector<T>>& map,
                   absl::string_view id, absl::CivilDay on) {
  auto it = map.find(id);
  if (it == map.end()) return nullptr;
  for (const T& version : it->second) {
    if (version.valid.Contains(on)) return &version;
  }
  return nullptr;
}

template <typename T>
std::vector<const T*> ListValid(
    const absl::flat_hash_map<std::string, std::vector<T>>& map,
    absl::CivilDay on) {
  std::vector<std::pair<absl::string_view, const T*>> found;
  for (const auto& [id, versions] : map) {
    for (const T& version : versions) {
      if (version.valid.Contains(on)) {
        found.emplace_back(id, &version);
        break;
      }
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const T*> out;
  out.reserve(found.size());
  for (const auto& entry : found) out.push_back(entry.second);
  return out;
}

template <typename T>
void SortVersions(absl::flat_hash_map<std::string, std::vector<T>>& map) {
  for (auto& [id, versions] : map) {
    std::sort(versions.begin(), versions.end(), [](const T& a, const T& b) {
      return a.valid.from < b.valid.from;
    });
  }
}

absl::StatusOr<ReservataireKind> KindFromProto(
    relog::v1::ReservataireKind kind) {
  switch (kind) {
    case relog::v1::RESERVATAIRE_KIND_STATE:
      return ReservataireKind::kState;
    case relog::v1::RESERVATAIRE_KIND_ACTION_LOGEMENT:
      return ReservataireKind::kActionLogement;
    case relog::v1::RESERVATAIRE_KIND_COMMUNE:
      return ReservataireKind::kCommune;
    case relog::v1::RESERVATAIRE_KIND_EPCI:
      return ReservataireKind::kEpci;
    case relog::v1::RESERVATAIRE_KIND_LANDLORD:
      return ReservataireKind::kLandlord;
    case relog::v1::RESERVATAIRE_KIND_OTHER:
      return ReservataireKind::kOther;
    default:
      return DataInvalid(
          absl::StrCat("unknown reservataire kind ", static_cast<int>(kind)));
  }
}

std::string Key(absl::string_view a, absl::string_view b) {
  return absl::StrCat(a, "|", b);
}

absl::StatusOr<PartyKind> PartyKindFromProto(
    relog::v1::CommitmentPartyKind kind) {
  switch (kind) {
    case relog::v1::COMMITMENT_PARTY_KIND_COMMUNE:
      return PartyKind::kCommune;
    case relog::v1::COMMITMENT_PARTY_KIND_LANDLORD:
      return PartyKind::kLandlord;
    default:
      return DataInvalid(absl::StrCat("unknown commitment party kind ",
                                      static_cast<int>(kind)));
  }
}

absl::StatusOr<AplCeilingCategory> CategoryFromProto(
    relog::v1::AplCeilingCategory category) {
  switch (category) {
    case relog::v1::APL_CEILING_CATEGORY_SINGLE:
      return AplCeilingCategory::kSingle;
    case relog::v1::APL_CEILING_CATEGORY_COUPLE:
      return AplCeilingCategory::kCouple;
    case relog::v1::APL_CEILING_CATEGORY_WITH_DEPENDANTS:
      return AplCeilingCategory::kWithDependants;
    default:
      return DataInvalid(absl::StrCat("unknown APL ceiling category ",
                                      static_cast<int>(category)));
  }
}

template <typename T>
const T* FindValidByKey(
    const absl::flat_hash_map<std::string, std::vector<T>>& map,
    const std::string& key, absl::CivilDay on) {
  return FindValid(map, key, on);
}

}  // namespace

bool Validity::Contains(absl::CivilDay day) const {
  return day >= from && (!to.has_value() || day < *to);
}

bool Validity::Overlaps(const Validity& other) const {
  bool starts_before_other_ends = !other.to.has_value() || from < *other.to;
  bool other_starts_before_end = !to.has_value() || other.from < *to;
  return starts_before_other_ends && other_starts_before_end;
}

const char* PartyKindName(PartyKind kind) {
  return kind == PartyKind::kLandlord ? "LANDLORD" : "COMMUNE";
}

const char* AplCeilingCategoryName(AplCeilingCategory category) {
  switch (category) {
    case AplCeilingCategory::kSingle:
      return "SINGLE";
    case AplCeilingCategory::kCouple:
      return "COUPLE";
    case AplCeilingCategory::kWithDependants:
      return "WITH_DEPENDANTS";
  }
  return "SINGLE";
}

bool IsInseeCode(absl::string_view code) {
  auto digits = [](absl::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return absl::ascii_isdigit(static_cast<unsigned char>(c));
    });
  };
  if (code.size() != 5) return false;
  if (digits(code)) return true;
  return (code.substr(0, 2) == "2A" || code.substr(0, 2) == "2B") &&
         digits(code.substr(2));
}

bool IsIrisCode(absl::string_view code) {
  return code.size() == 9 && IsInseeCode(code.substr(0, 5)) &&
         std::all_of(code.begin() + 5, code.end(), [](char c) {
           return absl::ascii_isdigit(static_cast<unsigned char>(c));
         });
}

const char* ReservataireKindName(ReservataireKind kind) {
  switch (kind) {
    case ReservataireKind::kState:
      return "STATE";
    case ReservataireKind::kActionLogement:
      return "ACTION_LOGEMENT";
    case ReservataireKind::kCommune:
      return "COMMUNE";
    case ReservataireKind::kEpci:
      return "EPCI";
    case ReservataireKind::kLandlord:
      return "LANDLORD";
    case ReservataireKind::kOther:
      return "OTHER";
  }
  return "OTHER";
}

std::optional<absl::CivilDay> ParseIsoDay(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (size_t i = 0; i < lengths[p]; ++i) {
      char c = text[starts[p] + i];
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        return std::nullopt;
      }
      parts[p] = parts[p] * 10 + (c - '0');
    }
  }
  absl::CivilDay day(parts[0], parts[1], parts[2]);
  // CivilDay normalizes out-of-range fields (2023-02-30 → 2023-03-02).
  if (day.year() != parts[0] || day.month() != parts[1] ||
      day.day() != parts[2]) {
    return std::nullopt;
  }
  return day;
}

absl::StatusOr<std::shared_ptr<const ReferenceData>> ReferenceData::Build(
    const relog::v1::ReferenceDataLoaded& loaded) {
  std::shared_ptr<ReferenceData> data(new ReferenceData());
  data->content_sha256_ = loaded.content_sha256();

  for (const relog::v1::Commune& row : loaded.communes()) {
    Commune commune;
    commune.insee = row.insee();
    commune.name = row.name();
    commune.epci_siren = row.epci_siren();
    ASSIGN_OR_RETURN(commune.valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("commune ", row.insee())));
    commune.verified = IsVerified(row.source());
    data->communes_[row.insee()].push_back(std::move(commune));
  }

  for (const relog::v1::Adjacency& row : loaded.adjacencies()) {
    ASSIGN_OR_RETURN(Validity valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("adjacency ", row.insee_a(), "-",
                                               row.insee_b())));
    if (row.insee_a() == row.insee_b()) continue;
    data->adjacency_[row.insee_a()].emplace_back(row.insee_b(), valid);
    data->adjacency_[row.insee_b()].emplace_back(row.insee_a(), valid);
  }

  // Quartier rows: one per (code, commune); a quartier version is the set
  // of rows with the same code and the same validity.
  for (const relog::v1::Quartier& row : loaded.quartiers()) {
    ASSIGN_OR_RETURN(Validity valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("quartier ", row.code())));
    std::vector<Quartier>& versions = data->quartiers_[row.code()];
    auto same =
        std::find_if(versions.begin(), versions.end(), [&](const Quartier& q) {
          return q.valid.from == valid.from && q.valid.to == valid.to;
        });
    if (same == versions.end()) {
      Quartier quartier;
      quartier.code = row.code();
      quartier.name = row.name();
      quartier.valid = valid;
      quartier.verified = IsVerified(row.source());
      versions.push_back(std::move(quartier));
      same = versions.end() - 1;
    } else {
      same->verified = same->verified && IsVerified(row.source());
    }
    same->communes.push_back(row.insee());
  }
  for (auto& [code, versions] : data->quartiers_) {
    for (Quartier& quartier : versions) {
      std::sort(quartier.communes.begin(), quartier.communes.end());
    }
  }

  for (const relog::v1::Landlord& row : loaded.landlords()) {
    Landlord landlord;
    landlord.id = row.id();
    landlord.name = row.name();
    landlord.rpls_id = row.rpls_id();
    ASSIGN_OR_RETURN(landlord.valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("landlord ", row.id())));
    landlord.verified = IsVerified(row.source());
    data->landlords_[row.id()].push_back(std::move(landlord));
  }

  for (const relog::v1::Reservataire& row : loaded.reservataires()) {
    Reservataire reservataire;
    reservataire.id = row.id();
    reservataire.name = row.name();
    ASSIGN_OR_RETURN(reservataire.kind, KindFromProto(row.kind()));
    reservataire.insee = row.insee();
    reservataire.landlord_id = row.landlord_id();
    ASSIGN_OR_RETURN(reservataire.valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("reservataire ", row.id())));
    reservataire.verified = IsVerified(row.source());
    data->reservataires_[row.id()].push_back(std::move(reservataire));
  }

  for (const relog::v1::Operation& row : loaded.operations()) {
    Operation operation;
    operation.id = row.id();
    operation.name = row.name();
    operation.site = row.site();
    operation.quartier_code = row.quartier_code();
    operation.insee = row.insee();
    ASSIGN_OR_RETURN(operation.valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("operation ", row.id())));
    operation.verified = IsVerified(row.source());
    data->operations_[row.id()].push_back(std::move(operation));
  }

  for (const relog::v1::Building& row : loaded.buildings()) {
    Building building;
    building.operation_id = row.operation_id();
    building.id = row.id();
    building.address = row.address();
    building.insee = row.insee();
    building.quartier_code = row.quartier_code();
    building.landlord_id = row.landlord_id();
    building.dwellings = row.dwellings();
    ASSIGN_OR_RETURN(building.demolition_planned,
                     OptionalDay(row.demolition_planned(),
                                 absl::StrCat("building ", row.operation_id(),
                                              "/", row.id())));
    building.verified = IsVerified(row.source());
    auto it = data->operations_.find(row.operation_id());
    if (it == data->operations_.end()) {
      return DataInvalid(absl::StrCat(
          "building ", row.id(), " of unknown operation ", row.operation_id()));
    }
    for (Operation& version : it->second) version.buildings.push_back(building);
  }
  for (auto& [id, versions] : data->operations_) {
    for (Operation& operation : versions) {
      std::sort(
          operation.buildings.begin(), operation.buildings.end(),
          [](const Building& a, const Building& b) { return a.id < b.id; });
    }
  }

  for (const relog::v1::Programme& row : loaded.programmes()) {
    Programme programme;
    programme.id = row.id();
    programme.name = row.name();
    programme.landlord_id = row.landlord_id();
    programme.insee = row.insee();
    programme.quartier_code = row.quartier_code();
    programme.financing = row.financing();
    programme.dwellings = row.dwellings();
    std::string what = absl::StrCat("programme ", row.id());
    ASSIGN_OR_RETURN(programme.delivered_on,
                     OptionalDay(row.delivered_on(), what));
    ASSIGN_OR_RETURN(programme.first_conventionnement,
                     OptionalDay(row.first_conventionnement(), what));
    if (row.has_dwellings_plai())
      programme.dwellings_plai = row.dwellings_plai();
    if (row.has_dwellings_plus())
      programme.dwellings_plus = row.dwellings_plus();
    if (row.has_dwellings_pls()) programme.dwellings_pls = row.dwellings_pls();
    programme.iris = row.iris();
    programme.verified = IsVerified(row.source());
    data->programmes_[row.id()] = std::move(programme);
  }

  for (const relog::v1::CharterCommitment& row : loaded.commitments()) {
    Commitment commitment;
    std::string what =
        absl::StrCat("commitment ", row.amendment_ref(), " ", row.party_id());
    commitment.amendment_ref = row.amendment_ref();
    ASSIGN_OR_RETURN(commitment.adopted_on, Day(row.adopted_on(), what));
    ASSIGN_OR_RETURN(commitment.party_kind,
                     PartyKindFromProto(row.party_kind()));
    commitment.party_id = row.party_id();
    ASSIGN_OR_RETURN(commitment.period,
                     MakeValidity(row.period_from(), row.period_to(), what));
    commitment.households = row.households();
    if (row.has_min_new_build_permille()) {
      commitment.min_new_build_permille = row.min_new_build_permille();
    }
    commitment.verified = IsVerified(row.source());
    data->commitments_[Key(PartyKindName(commitment.party_kind),
                           commitment.party_id)]
        .push_back(std::move(commitment));
  }
  for (auto& [key, commitments] : data->commitments_) {
    std::sort(commitments.begin(), commitments.end(),
              [](const Commitment& a, const Commitment& b) {
                return a.adopted_on != b.adopted_on
                           ? a.adopted_on < b.adopted_on
                           : a.period.from < b.period.from;
              });
  }

  for (const relog::v1::SocialAllocations& row : loaded.allocations()) {
    Allocations allocations;
    allocations.year = row.year();
    allocations.landlord_id = row.landlord_id();
    allocations.insee = row.insee();
    allocations.allocations = row.allocations();
    allocations.allocations_outside_qpv = row.allocations_outside_qpv();
    allocations.verified = IsVerified(row.source());
    data->allocations_.push_back(std::move(allocations));
  }
  std::sort(data->allocations_.begin(), data->allocations_.end(),
            [](const Allocations& a, const Allocations& b) {
              return std::tie(a.year, a.landlord_id, a.insee) <
                     std::tie(b.year, b.landlord_id, b.insee);
            });

  for (const relog::v1::ImlRate& row : loaded.iml_scale()) {
    ImlRate rate;
    rate.zoning = row.zoning();
    rate.zone = row.zone();
    rate.typology_min = row.typology_min();
    rate.typology_max = row.typology_max();
    rate.amount_cents = row.amount_cents();
    ASSIGN_OR_RETURN(rate.valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("IML rate ", row.zone())));
    rate.verified = IsVerified(row.source());
    data->iml_scale_.push_back(std::move(rate));
  }

  for (const relog::v1::AplRentCeiling& row : loaded.apl_rent_ceilings()) {
    AplRentCeiling ceiling;
    ceiling.zone = row.zone();
    ASSIGN_OR_RETURN(ceiling.category, CategoryFromProto(row.category()));
    ceiling.ceiling_cents = row.ceiling_cents();
    ceiling.extra_per_dependant_cents = row.extra_per_dependant_cents();
    ASSIGN_OR_RETURN(ceiling.valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("APL ceiling ", row.zone())));
    ceiling.verified = IsVerified(row.source());
    data->apl_ceilings_[Key(ceiling.zone,
                            AplCeilingCategoryName(ceiling.category))]
        .push_back(std::move(ceiling));
  }

  for (const relog::v1::CommuneZone& row : loaded.commune_zones()) {
    CommuneZone zone;
    zone.insee = row.insee();
    zone.zoning = row.zoning();
    zone.zone = row.zone();
    ASSIGN_OR_RETURN(zone.valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("commune zone ", row.insee())));
    zone.verified = IsVerified(row.source());
    data->commune_zones_[Key(zone.insee, zone.zoning)].push_back(
        std::move(zone));
  }

  for (const relog::v1::ReferenceTarget& row : loaded.targets()) {
    Target target;
    target.target_id = row.target_id();
    target.scope = row.scope();
    if (row.has_min_permille()) target.min_permille = row.min_permille();
    if (row.has_max_permille()) target.max_permille = row.max_permille();
    ASSIGN_OR_RETURN(target.valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("target ", row.target_id())));
    target.verified = IsVerified(row.source());
    data->targets_[Key(target.target_id, target.scope)].push_back(
        std::move(target));
  }

  for (const relog::v1::FileCoverage& row : loaded.coverage()) {
    ASSIGN_OR_RETURN(Validity complete,
                     MakeValidity(row.complete_from(), row.complete_to(),
                                  absl::StrCat("coverage of ", row.file())));
    data->coverage_[row.file()].push_back(complete);
  }
  for (auto& [file, periods] : data->coverage_) {
    std::sort(
        periods.begin(), periods.end(),
        [](const Validity& a, const Validity& b) { return a.from < b.from; });
  }

  for (const relog::v1::FragilityClass& row : loaded.fragility_classes()) {
    FragilityClass fragility;
    fragility.iris = row.iris();
    fragility.fragility_class = row.fragility_class();
    ASSIGN_OR_RETURN(fragility.valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("IRIS ", row.iris())));
    fragility.verified = IsVerified(row.source());
    data->fragility_[row.iris()].push_back(std::move(fragility));
  }

  for (const relog::v1::OccupancyNorm& row : loaded.occupancy_norms()) {
    OccupancyNorm norm;
    norm.persons = row.persons();
    norm.min_surface_m2 = row.min_surface_m2();
    norm.min_typology = row.min_typology();
    ASSIGN_OR_RETURN(norm.valid, MakeValidity(row.valid_from(), row.valid_to(),
                                              absl::StrCat("occupancy norm ",
                                                           row.persons())));
    norm.verified = IsVerified(row.source());
    data->occupancy_norms_.push_back(std::move(norm));
  }
  std::sort(data->occupancy_norms_.begin(), data->occupancy_norms_.end(),
            [](const OccupancyNorm& a, const OccupancyNorm& b) {
              return a.persons != b.persons ? a.persons < b.persons
                                            : a.valid.from < b.valid.from;
            });

  for (const relog::v1::CoordinationBodyMember& row :
       loaded.coordination_bodies()) {
    CoordinationBodyMember member;
    member.body_id = row.body_id();
    member.name = row.name();
    member.insee = row.insee();
    ASSIGN_OR_RETURN(
        member.valid,
        MakeValidity(row.valid_from(), row.valid_to(),
                     absl::StrCat("coordination body ", row.body_id())));
    member.verified = IsVerified(row.source());
    data->coordination_bodies_.push_back(std::move(member));
  }
  std::sort(
      data->coordination_bodies_.begin(), data->coordination_bodies_.end(),
      [](const CoordinationBodyMember& a, const CoordinationBodyMember& b) {
        return std::tie(a.body_id, a.insee, a.valid.from) <
               std::tie(b.body_id, b.insee, b.valid.from);
      });

  for (const relog::v1::CommuneSuccession& row : loaded.commune_successions()) {
    CommuneSuccession succession;
    succession.old_insee = row.old_insee();
    succession.new_insee = row.new_insee();
    ASSIGN_OR_RETURN(
        succession.on,
        Day(row.on(), absl::StrCat("succession of ", row.old_insee())));
    succession.verified = IsVerified(row.source());
    data->successions_[row.old_insee()] = std::move(succession);
  }

  for (const relog::v1::MaxRent& row : loaded.max_rents()) {
    MaxRent rent;
    rent.financing = row.financing();
    rent.zone = row.zone();
    rent.max_rent_cents_per_m2 = row.max_rent_cents_per_m2();
    ASSIGN_OR_RETURN(rent.valid,
                     MakeValidity(row.valid_from(), row.valid_to(),
                                  absl::StrCat("max rent ", row.financing())));
    rent.verified = IsVerified(row.source());
    data->max_rents_[Key(rent.financing, rent.zone)].push_back(std::move(rent));
  }

  SortVersions(data->communes_);
  SortVersions(data->quartiers_);
  SortVersions(data->landlords_);
  SortVersions(data->reservataires_);
  SortVersions(data->operations_);
  SortVersions(data->apl_ceilings_);
  SortVersions(data->commune_zones_);
  SortVersions(data->targets_);
  SortVersions(data->max_rents_);
  SortVersions(data->fragility_);
  for (auto& [insee, neighbours] : data->adjacency_) {
    std::sort(neighbours.begin(), neighbours.end(),
              [](const auto& a, const auto& b) {
                return a.first != b.first ? a.first < b.first
                                          : a.second.from < b.second.from;
              });
  }
  return std::shared_ptr<const ReferenceData>(std::move(data));
}

std::shared_ptr<const ReferenceData> ReferenceData::Empty() {
  return std::shared_ptr<const ReferenceData>(new ReferenceData());
}

const Commune* ReferenceData::FindCommune(absl::string_view insee,
                                          absl::CivilDay on) const {
  return FindValid(communes_, insee, on);
}

bool ReferenceData::AreAdjacent(absl::string_view insee_a,
                                absl::string_view insee_b,
                                absl::CivilDay on) const {
  if (insee_a == insee_b) return false;
  auto it = adjacency_.find(insee_a);
  if (it == adjacency_.end()) return false;
  for (const auto& [other, valid] : it->second) {
    if (other == insee_b && valid.Contains(on)) return true;
  }
  return false;
}

std::vector<std::string> ReferenceData::AdjacentCommunes(
    absl::string_view insee, absl::CivilDay on) const {
  std::vector<std::string> out;
  auto it = adjacency_.find(insee);
  if (it == adjacency_.end()) return out;
  for (const auto& [other, valid] : it->second) {
    if (valid.Contains(on) && (out.empty() || out.back() != other)) {
      out.push_back(other);
    }
  }
  return out;
}

const Quartier* ReferenceData::FindQuartier(absl::string_view code,
                                            absl::CivilDay on) const {
  return FindValid(quartiers_, code, on);
}

const Landlord* ReferenceData::FindLandlord(absl::string_view id,
                                            absl::CivilDay on) const {
  return FindValid(landlords_, id, on);
}

const Reservataire* ReferenceData::FindReservataire(absl::string_view id,
                                                    absl::CivilDay on) const {
  return FindValid(reservataires_, id, on);
}

const Operation* ReferenceData::FindOperation(absl::string_view id,
                                              absl::CivilDay on) const {
  return FindValid(operations_, id, on);
}

const Building* ReferenceData::FindBuilding(
    absl::string_view operation_id, absl::string_view building_id) const {
  auto it = operations_.find(operation_id);
  if (it == operations_.end()) return nullptr;
  for (const Operation& version : it->second) {
    for (const Building& building : version.buildings) {
      if (building.id == building_id) return &building;
    }
  }
  return nullptr;
}

const Programme* ReferenceData::FindProgramme(absl::string_view id) const {
  auto it = programmes_.find(id);
  return it == programmes_.end() ? nullptr : &it->second;
}

std::vector<const Commune*> ReferenceData::Communes(absl::CivilDay on) const {
  return ListValid(communes_, on);
}

std::vector<const Landlord*> ReferenceData::Landlords(absl::CivilDay on) const {
  return ListValid(landlords_, on);
}

std::vector<const Reservataire*> ReferenceData::Reservataires(
    absl::CivilDay on) const {
  return ListValid(reservataires_, on);
}

std::vector<const Operation*> ReferenceData::Operations(
    absl::CivilDay on) const {
  return ListValid(operations_, on);
}

std::vector<const Quartier*> ReferenceData::Quartiers(absl::CivilDay on) const {
  return ListValid(quartiers_, on);
}

std::vector<const Programme*> ReferenceData::Programmes() const {
  std::vector<const Programme*> out;
  out.reserve(programmes_.size());
  for (const auto& [id, programme] : programmes_) out.push_back(&programme);
  std::sort(out.begin(), out.end(), [](const Programme* a, const Programme* b) {
    return a->id < b->id;
  });
  return out;
}

const Commitment* ReferenceData::FindCommitment(PartyKind party_kind,
                                                absl::string_view party_id,
                                                absl::CivilDay on) const {
  auto it = commitments_.find(Key(PartyKindName(party_kind), party_id));
  if (it == commitments_.end()) return nullptr;
  const Commitment* latest = nullptr;
  for (const Commitment& commitment : it->second) {
    // Sorted by adopted_on: the last one covering `on` wins.
    if (commitment.period.Contains(on)) latest = &commitment;
  }
  return latest;
}

const Allocations* ReferenceData::FindAllocations(
    int year, absl::string_view landlord_id, absl::string_view insee) const {
  for (const Allocations& row : allocations_) {
    if (row.year == year && row.landlord_id == landlord_id &&
        row.insee == insee) {
      return &row;
    }
  }
  return nullptr;
}

std::vector<const Allocations*> ReferenceData::AllocationsOf(int year) const {
  std::vector<const Allocations*> out;
  for (const Allocations& row : allocations_) {
    if (row.year == year) out.push_back(&row);
  }
  return out;
}

const ImlRate* ReferenceData::FindImlRate(absl::string_view zoning,
                                          absl::string_view zone, int typology,
                                          absl::CivilDay on) const {
  const ImlRate* flat = nullptr;
  for (const ImlRate& rate : iml_scale_) {
    if (!rate.valid.Contains(on) || typology < rate.typology_min ||
        typology > rate.typology_max) {
      continue;
    }
    if (rate.zoning == zoning && rate.zone == zone) return &rate;
    if (rate.zoning == "*") flat = &rate;
  }
  return flat;
}

const ImlRate* ReferenceData::FindImlRateForCommune(absl::string_view insee,
                                                    int typology,
                                                    absl::CivilDay on) const {
  const ImlRate* flat = nullptr;
  for (const ImlRate& rate : iml_scale_) {
    if (!rate.valid.Contains(on) || typology < rate.typology_min ||
        typology > rate.typology_max) {
      continue;
    }
    if (rate.zoning == "*") {
      flat = &rate;
      continue;
    }
    const CommuneZone* zone = FindCommuneZone(insee, rate.zoning, on);
    if (zone != nullptr && zone->zone == rate.zone) return &rate;
  }
  return flat;
}

const AplRentCeiling* ReferenceData::FindAplRentCeiling(
    absl::string_view zone, AplCeilingCategory category,
    absl::CivilDay on) const {
  return FindValidByKey(apl_ceilings_,
                        Key(zone, AplCeilingCategoryName(category)), on);
}

std::optional<int64_t> ReferenceData::AplRentCeilingCents(
    absl::string_view zone, AplCeilingCategory category, int dependants,
    absl::CivilDay on) const {
  const AplRentCeiling* ceiling = FindAplRentCeiling(zone, category, on);
  if (ceiling == nullptr) return std::nullopt;
  if (category != AplCeilingCategory::kWithDependants) {
    return ceiling->ceiling_cents;
  }
  if (dependants < 1) return std::nullopt;
  return ceiling->ceiling_cents +
         ceiling->extra_per_dependant_cents * (dependants - 1);
}

const CommuneZone* ReferenceData::FindCommuneZone(absl::string_view insee,
                                                  absl::string_view zoning,
                                                  absl::CivilDay on) const {
  return FindValidByKey(commune_zones_, Key(insee, zoning), on);
}

const Target* ReferenceData::FindTarget(absl::string_view target_id,
                                        absl::string_view scope,
                                        absl::CivilDay on) const {
  return FindValidByKey(targets_, Key(target_id, scope), on);
}

bool ReferenceData::Covered(absl::string_view file, absl::CivilDay period_from,
                            absl::CivilDay period_to) const {
  if (period_to <= period_from) return true;
  auto it = coverage_.find(file);
  if (it == coverage_.end()) return false;
  // Periods sorted by start: extend the covered prefix [period_from, next).
  absl::CivilDay next = period_from;
  for (const Validity& complete : it->second) {
    if (complete.from > next) break;
    if (!complete.to.has_value()) return true;
    if (*complete.to > next) next = *complete.to;
    if (next >= period_to) return true;
  }
  return next >= period_to;
}

const FragilityClass* ReferenceData::FindFragilityClass(
    absl::string_view iris, absl::CivilDay on) const {
  return FindValid(fragility_, iris, on);
}

const OccupancyNorm* ReferenceData::FindOccupancyNorm(int persons,
                                                      absl::CivilDay on) const {
  const OccupancyNorm* best = nullptr;
  for (const OccupancyNorm& norm : occupancy_norms_) {
    if (norm.persons <= persons && norm.valid.Contains(on)) best = &norm;
  }
  return best;
}

std::vector<const CoordinationBodyMember*>
ReferenceData::CoordinationBodyMembers(absl::string_view body_id,
                                       absl::CivilDay on) const {
  std::vector<const CoordinationBodyMember*> out;
  for (const CoordinationBodyMember& member : coordination_bodies_) {
    if (member.body_id == body_id && member.valid.Contains(on)) {
      out.push_back(&member);
    }
  }
  return out;
}

std::vector<std::string> ReferenceData::CoordinationBodiesOf(
    absl::string_view insee, absl::CivilDay on) const {
  std::vector<std::string> out;
  for (const CoordinationBodyMember& member : coordination_bodies_) {
    if (member.insee == insee && member.valid.Contains(on) &&
        (out.empty() || out.back() != member.body_id)) {
      out.push_back(member.body_id);
    }
  }
  return out;
}

std::string ReferenceData::SuccessorOf(absl::string_view insee,
                                       absl::CivilDay on) const {
  std::string current(insee);
  // The parser makes chains acyclic; the bound is a safety net.
  for (size_t step = 0; step <= successions_.size(); ++step) {
    auto it = successions_.find(current);
    if (it == successions_.end() || it->second.on > on) break;
    current = it->second.new_insee;
  }
  return current;
}

const MaxRent* ReferenceData::FindMaxRent(absl::string_view financing,
                                          absl::string_view zone,
                                          absl::CivilDay on) const {
  const MaxRent* exact = FindValidByKey(max_rents_, Key(financing, zone), on);
  if (exact != nullptr) return exact;
  return FindValidByKey(max_rents_, Key(financing, "*"), on);
}

const std::string& ReferenceData::content_sha256() const {
  return content_sha256_;
}

}  // namespace relog::reference
