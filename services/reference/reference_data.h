// Reference data as of a date: an immutable in-memory index over one
// relog.v1.ReferenceDataLoaded (see docs/REFERENCE.md).
//
// Every dated entry has a Validity [from, to): `from` inclusive, `to`
// exclusive, no `to` = still valid. The Find* methods answer "as of `on`":
// they return nullptr when the entry is absent or not valid that day.
// Pointers returned stay valid as long as the ReferenceData lives.
#ifndef RELOG_SERVICES_REFERENCE_REFERENCE_DATA_H_
#define RELOG_SERVICES_REFERENCE_REFERENCE_DATA_H_

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
  std::string content_sha256_;
};

// Parses "YYYY-MM-DD" strictly (4-digit year, a real calendar day).
std::optional<absl::CivilDay> ParseIsoDay(absl::string_view text);

}  // namespace relog::reference

#endif  // RELOG_SERVICES_REFERENCE_REFERENCE_DATA_H_
