#include "services/reference/reference_data.h"

#include <algorithm>
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

}  // namespace

bool Validity::Contains(absl::CivilDay day) const {
  return day >= from && (!to.has_value() || day < *to);
}

bool Validity::Overlaps(const Validity& other) const {
  bool starts_before_other_ends = !other.to.has_value() || from < *other.to;
  bool other_starts_before_end = !to.has_value() || other.from < *to;
  return starts_before_other_ends && other_starts_before_end;
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
    programme.verified = IsVerified(row.source());
    data->programmes_[row.id()] = std::move(programme);
  }

  SortVersions(data->communes_);
  SortVersions(data->quartiers_);
  SortVersions(data->landlords_);
  SortVersions(data->reservataires_);
  SortVersions(data->operations_);
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

const std::string& ReferenceData::content_sha256() const {
  return content_sha256_;
}

}  // namespace relog::reference
