// Reference data as of a date: an immutable in-memory index over one
// relog.v1.ReferenceDataLoaded (see docs/REFERENCE.md).
//
// Every dated entry has a Validity [from, to): `from` inclusive, `to`
// exclusive, no `to` = still valid. The Find* methods answer "as of `on`":
// they return nullptr when the entry is absent or not valid that day.
// Pointers returned stay valid as long as the ReferenceData lives.
#ifndef RELOG_SERVICES_REFERENCE_REFERENCE_DATA_H_
#define RELOG_SERVICES_REFERENCE_REFERENCE_DATA_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "relog/v1/reference.pb.h"

namespace relog::reference {

struct Validity {
  absl::CivilDay from;
  std::optional<absl::CivilDay> to;  // exclusive

  bool Contains(absl::CivilDay day) const;
  // True when the two periods share at least one day.
  bool Overlaps(const Validity& other) const;
};

struct Commune {
  std::string insee, name, epci_siren;
  Validity valid;
  bool verified = false;
};

struct Quartier {
  std::string code, name;
  std::vector<std::string> communes;  // INSEE codes, sorted
  Validity valid;
  bool verified = false;  // every row of the quartier is verified
};

struct Landlord {
  std::string id, name, rpls_id;
  Validity valid;
  bool verified = false;
};

enum class ReservataireKind {
  kState,
  kActionLogement,
  kCommune,
  kEpci,
  kLandlord,
  kOther
};

// "STATE", "ACTION_LOGEMENT", … as in reservataires.csv.
const char* ReservataireKindName(ReservataireKind kind);

struct Reservataire {
  std::string id, name;
  ReservataireKind kind = ReservataireKind::kOther;
  std::string insee, landlord_id;
  Validity valid;
  bool verified = false;
};

struct Building {
  std::string operation_id, id, address, insee, quartier_code, landlord_id;
  int dwellings = 0;
  std::optional<absl::CivilDay> demolition_planned;
  bool verified = false;
};

struct Operation {
  std::string id, name, site, quartier_code, insee;
  Validity valid;
  std::vector<Building> buildings;  // in building id order
  bool verified = false;
};

struct Programme {
  std::string id, name, landlord_id, insee, quartier_code, financing;
  int dwellings = 0;
  std::optional<absl::CivilDay> delivered_on, first_conventionnement;
  // Dwellings by financing: all three set (sum = dwellings) or none.
  std::optional<int> dwellings_plai, dwellings_plus, dwellings_pls;
  std::string iris;  // INSEE IRIS code, or empty
  bool verified = false;
};

enum class PartyKind { kCommune, kLandlord };

// commitments.csv: one party's commitment in one charter amendment over
// `period` ([period_from, period_to)).
struct Commitment {
  std::string amendment_ref;
  absl::CivilDay adopted_on;
  PartyKind party_kind = PartyKind::kCommune;
  std::string party_id;  // INSEE code or SIREN
  Validity period;
  int households = 0;
  std::optional<int> min_new_build_permille;
  bool verified = false;
};

// allocations.csv: all social-housing allocations of a landlord in a
// commune in a calendar year.
struct Allocations {
  int year = 0;
  std::string landlord_id, insee;
  int allocations = 0, allocations_outside_qpv = 0;
  bool verified = false;
};

// iml_scale.csv. Typologies are 1 (T1) … 6 (T6 and larger), inclusive.
struct ImlRate {
  std::string zoning, zone;  // "*", "*" for a flat scale
  int typology_min = 0, typology_max = 0;
  int64_t amount_cents = 0;
  Validity valid;
  bool verified = false;
};

enum class AplCeilingCategory { kSingle, kCouple, kWithDependants };

// apl_rent_ceilings.csv.
struct AplRentCeiling {
  std::string zone;
  AplCeilingCategory category = AplCeilingCategory::kSingle;
  int64_t ceiling_cents = 0;
  int64_t extra_per_dependant_cents = 0;  // WITH_DEPENDANTS only
  Validity valid;
  bool verified = false;
};

// commune_zones.csv.
struct CommuneZone {
  std::string insee, zoning, zone;
  Validity valid;
  bool verified = false;
};

// targets.csv: bounds in permille, inclusive; either may be absent.
struct Target {
  std::string target_id, scope;
  std::optional<int> min_permille, max_permille;
  Validity valid;
  bool verified = false;
};

// fragility_classes.csv.
struct FragilityClass {
  std::string iris, fragility_class;
  Validity valid;
  bool verified = false;
};

// occupancy_norms.csv.
struct OccupancyNorm {
  int persons = 0;
  int min_surface_m2 = 0;
  int min_typology = 0;  // 1 (T1) … 6 (T6)
  Validity valid;
  bool verified = false;
};

// coordination_bodies.csv: one member commune of a body.
struct CoordinationBodyMember {
  std::string body_id, name, insee;
  Validity valid;
  bool verified = false;
};

// commune_successions.csv.
struct CommuneSuccession {
  std::string old_insee, new_insee;
  absl::CivilDay on;
  bool verified = false;
};

// max_rents.csv.
struct MaxRent {
  std::string financing, zone;  // zone "*": one figure for the territory
  int64_t max_rent_cents_per_m2 = 0;
  Validity valid;
  bool verified = false;
};

class ReferenceData {
 public:
  // Indexes `loaded`. Fails (INVALID_ARGUMENT, REFERENCE_DATA_INVALID) only
  // on values that cannot be indexed (a malformed date, an unknown kind);
  // the integrity rules are checked when the files are parsed
  // (reference_files.h).
  static absl::StatusOr<std::shared_ptr<const ReferenceData>> Build(
      const relog::v1::ReferenceDataLoaded& loaded);
  // No entries; content_sha256() is "".
  static std::shared_ptr<const ReferenceData> Empty();

  ReferenceData(const ReferenceData&) = delete;
  ReferenceData& operator=(const ReferenceData&) = delete;

  // Each Find returns nullptr when absent or not valid on `on`.
  const Commune* FindCommune(absl::string_view insee, absl::CivilDay on) const;
  // Symmetric; false for a == b (same commune is not "adjacent", callers
  // test equality themselves).
  bool AreAdjacent(absl::string_view insee_a, absl::string_view insee_b,
                   absl::CivilDay on) const;
  const Quartier* FindQuartier(absl::string_view code, absl::CivilDay on) const;
  const Landlord* FindLandlord(absl::string_view id, absl::CivilDay on) const;
  const Reservataire* FindReservataire(absl::string_view id,
                                       absl::CivilDay on) const;
  const Operation* FindOperation(absl::string_view id, absl::CivilDay on) const;
  // Buildings have no validity of their own (the first version of the
  // operation that lists the building is searched).
  const Building* FindBuilding(absl::string_view operation_id,
                               absl::string_view building_id) const;
  const Programme* FindProgramme(absl::string_view id) const;

  // Lists for reports and the demo generator, each in id order.
  std::vector<const Commune*> Communes(absl::CivilDay on) const;
  std::vector<const Landlord*> Landlords(absl::CivilDay on) const;
  std::vector<const Reservataire*> Reservataires(absl::CivilDay on) const;
  std::vector<const Operation*> Operations(absl::CivilDay on) const;
  std::vector<const Quartier*> Quartiers(absl::CivilDay on) const;
  std::vector<const Programme*> Programmes() const;
  // The communes adjacent to `insee` on `on`, in INSEE order.
  std::vector<std::string> AdjacentCommunes(absl::string_view insee,
                                            absl::CivilDay on) const;

  // G1: among the party's commitments whose period contains `on`, the one
  // of the latest adopted amendment (the parser refuses two amendments
  // adopted the same day covering the same party and day).
  const Commitment* FindCommitment(PartyKind party_kind,
                                   absl::string_view party_id,
                                   absl::CivilDay on) const;
  // G2: the allocations of (year, landlord, commune), nullptr if absent.
  const Allocations* FindAllocations(int year, absl::string_view landlord_id,
                                     absl::string_view insee) const;
  // Every row of `year`, by landlord then commune.
  std::vector<const Allocations*> AllocationsOf(int year) const;
  // G3: the IML row of (zoning, zone) covering `typology` (1…6) valid on
  // `on`; when there is none, the flat-scale row (zoning and zone "*").
  const ImlRate* FindImlRate(absl::string_view zoning, absl::string_view zone,
                             int typology, absl::CivilDay on) const;
  // G3 + G5: the IML row for a dwelling of `typology` in commune `insee` on
  // `on`: a row whose zone is the commune's zone (commune_zones.csv, in the
  // row's zoning) on `on`, else the flat-scale row.
  const ImlRate* FindImlRateForCommune(absl::string_view insee, int typology,
                                       absl::CivilDay on) const;
  // G4.
  const AplRentCeiling* FindAplRentCeiling(absl::string_view zone,
                                           AplCeilingCategory category,
                                           absl::CivilDay on) const;
  // G4: the ceiling for a household: WITH_DEPENDANTS adds
  // extra_per_dependant_cents for each dependant beyond the first.
  // nullopt when no row or dependants < 1 for WITH_DEPENDANTS.
  std::optional<int64_t> AplRentCeilingCents(absl::string_view zone,
                                             AplCeilingCategory category,
                                             int dependants,
                                             absl::CivilDay on) const;
  // G5: the zone of `insee` in `zoning` ("APL", "ABC") on `on`.
  const CommuneZone* FindCommuneZone(absl::string_view insee,
                                     absl::string_view zoning,
                                     absl::CivilDay on) const;
  // G9.
  const Target* FindTarget(absl::string_view target_id, absl::string_view scope,
                           absl::CivilDay on) const;
  // G10: true when every day of [period_from, period_to) is in a
  // coverage.csv row of `file`; an empty period (to <= from) is covered.
  bool Covered(absl::string_view file, absl::CivilDay period_from,
               absl::CivilDay period_to) const;
  // G11.
  const FragilityClass* FindFragilityClass(absl::string_view iris,
                                           absl::CivilDay on) const;
  // G12: the row valid on `on` with the largest `persons` <= `persons` (the
  // last row applies to larger households); nullptr for persons < 1 or none.
  const OccupancyNorm* FindOccupancyNorm(int persons, absl::CivilDay on) const;
  // G13: the member communes of `body_id` on `on`, in INSEE order, and the
  // bodies `insee` belongs to on `on`, in id order.
  std::vector<const CoordinationBodyMember*> CoordinationBodyMembers(
      absl::string_view body_id, absl::CivilDay on) const;
  std::vector<std::string> CoordinationBodiesOf(absl::string_view insee,
                                                absl::CivilDay on) const;
  // G16: the code that `insee` became by `on`, following successions dated
  // on or before `on` (chains followed); `insee` itself when none.
  std::string SuccessorOf(absl::string_view insee, absl::CivilDay on) const;
  // Maximum rent per m² of `financing` in rent zone `zone` on `on`, else
  // the row of zone "*".
  const MaxRent* FindMaxRent(absl::string_view financing,
                             absl::string_view zone, absl::CivilDay on) const;

  // SHA-256 (lowercase hex) of the loaded set, "" for Empty().
  const std::string& content_sha256() const;

 private:
  ReferenceData() = default;

  // Keyed by id; each id may have several versions with disjoint validity.
  absl::flat_hash_map<std::string, std::vector<Commune>> communes_;
  absl::flat_hash_map<std::string, std::vector<Quartier>> quartiers_;
  absl::flat_hash_map<std::string, std::vector<Landlord>> landlords_;
  absl::flat_hash_map<std::string, std::vector<Reservataire>> reservataires_;
  absl::flat_hash_map<std::string, std::vector<Operation>> operations_;
  absl::flat_hash_map<std::string, Programme> programmes_;
  // insee → the communes adjacent to it, with the validity of the pair.
  absl::flat_hash_map<std::string,
                      std::vector<std::pair<std::string, Validity>>>
      adjacency_;
  // Keyed by "<kind>|<party id>", sorted by adopted_on then period.
  absl::flat_hash_map<std::string, std::vector<Commitment>> commitments_;
  // Sorted by (year, landlord, commune).
  std::vector<Allocations> allocations_;
  std::vector<ImlRate> iml_scale_;
  // Keyed by "<zone>|<category>", "<insee>|<zoning>", "<id>|<scope>",
  // "<financing>|<zone>".
  absl::flat_hash_map<std::string, std::vector<AplRentCeiling>> apl_ceilings_;
  absl::flat_hash_map<std::string, std::vector<CommuneZone>> commune_zones_;
  absl::flat_hash_map<std::string, std::vector<Target>> targets_;
  absl::flat_hash_map<std::string, std::vector<MaxRent>> max_rents_;
  absl::flat_hash_map<std::string, std::vector<Validity>> coverage_;
  absl::flat_hash_map<std::string, std::vector<FragilityClass>> fragility_;
  std::vector<OccupancyNorm> occupancy_norms_;
  // Sorted by (body, commune, valid_from).
  std::vector<CoordinationBodyMember> coordination_bodies_;
  absl::flat_hash_map<std::string, CommuneSuccession> successions_;
  std::string content_sha256_;
};

// "COMMUNE", "LANDLORD"; "SINGLE", "COUPLE", "WITH_DEPENDANTS".
const char* PartyKindName(PartyKind kind);
const char* AplCeilingCategoryName(AplCeilingCategory category);

// An INSEE commune code: 5 characters, digits or 2A/2B and 3 digits.
bool IsInseeCode(absl::string_view code);
// An INSEE IRIS code: a commune code then 4 digits (9 characters).
bool IsIrisCode(absl::string_view code);

// Parses "YYYY-MM-DD" strictly (4-digit year, a real calendar day).
std::optional<absl::CivilDay> ParseIsoDay(absl::string_view text);

}  // namespace relog::reference

#endif  // RELOG_SERVICES_REFERENCE_REFERENCE_DATA_H_
