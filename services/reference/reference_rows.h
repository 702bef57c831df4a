// Internal to relog_reference: not part of its API (see reference_files.h).
// The reference files with their headers, and the rows of each file parsed
// on their own, with their lines and validity, for the cross-file checks.
#ifndef RELOG_SERVICES_REFERENCE_REFERENCE_ROWS_H_
#define RELOG_SERVICES_REFERENCE_REFERENCE_ROWS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "relog/v1/reference.pb.h"
#include "services/reference/reference_csv.h"
#include "services/reference/reference_data.h"

namespace relog::reference::internal {

// One parsed row: the message, its row in its CsvFile and its validity.
template <typename Msg>
struct Parsed {
  Msg msg;
  const Row* row = nullptr;
  Validity valid;
};

// The files of kReferenceFiles with their headers. Does not move: the rows
// point into it.
struct ReferenceCsvFiles {
  ReferenceCsvFiles() = default;
  ReferenceCsvFiles(const ReferenceCsvFiles&) = delete;
  ReferenceCsvFiles& operator=(const ReferenceCsvFiles&) = delete;

  CsvFile communes{
      "communes.csv",
      {"insee", "name", "epci_siren", "valid_from", "valid_to", "source"},
      {}};
  CsvFile adjacency{"adjacency.csv",
                    {"insee_a", "insee_b", "valid_from", "valid_to", "source"},
                    {}};
  CsvFile quartiers{
      "quartiers.csv",
      {"code", "name", "insee", "valid_from", "valid_to", "source"},
      {}};
  CsvFile landlords{
      "landlords.csv",
      {"id", "name", "rpls_id", "valid_from", "valid_to", "source"},
      {}};
  CsvFile reservataires{"reservataires.csv",
                        {"id", "name", "kind", "insee", "landlord_id",
                         "valid_from", "valid_to", "source"},
                        {}};
  CsvFile operations{"operations.csv",
                     {"id", "name", "site", "quartier_code", "insee",
                      "valid_from", "valid_to", "source"},
                     {}};
  CsvFile buildings{
      "buildings.csv",
      {"operation_id", "id", "address", "insee", "quartier_code", "landlord_id",
       "dwellings", "demolition_planned", "source"},
      {}};
  CsvFile programmes{
      "programmes.csv",
      {"id", "name", "landlord_id", "insee", "quartier_code", "dwellings",
       "delivered_on", "first_conventionnement", "financing", "dwellings_plai",
       "dwellings_plus", "dwellings_pls", "iris", "source"},
      {}};
  CsvFile commitments{
      "commitments.csv",
      {"amendment_ref", "adopted_on", "party_kind", "party_id", "period_from",
       "period_to", "households", "min_new_build_permille", "source"},
      {}};
  CsvFile allocations{"allocations.csv",
                      {"year", "landlord_id", "insee", "allocations",
                       "allocations_outside_qpv", "source"},
                      {}};
  CsvFile iml{"iml_scale.csv",
              {"zoning", "zone", "typology_min", "typology_max", "amount_cents",
               "valid_from", "valid_to", "source"},
              {}};
  CsvFile apl{"apl_rent_ceilings.csv",
              {"zone", "category", "ceiling_cents", "extra_per_dependant_cents",
               "valid_from", "valid_to", "source"},
              {}};
  CsvFile zones{"commune_zones.csv",
                {"insee", "zoning", "zone", "valid_from", "valid_to", "source"},
                {}};
  CsvFile targets{"targets.csv",
                  {"target_id", "scope", "min_permille", "max_permille",
                   "valid_from", "valid_to", "source"},
                  {}};
  CsvFile coverage{
      "coverage.csv", {"file", "complete_from", "complete_to", "source"}, {}};
  CsvFile fragility{"fragility_classes.csv",
                    {"iris", "class", "valid_from", "valid_to", "source"},
                    {}};
  CsvFile norms{"occupancy_norms.csv",
                {"persons", "min_surface_m2", "min_typology", "valid_from",
                 "valid_to", "source"},
                {}};
  CsvFile bodies{
      "coordination_bodies.csv",
      {"body_id", "name", "insee", "valid_from", "valid_to", "source"},
      {}};
  CsvFile successions{"commune_successions.csv",
                      {"old_insee", "new_insee", "on", "source"},
                      {}};
  CsvFile max_rents{"max_rents.csv",
                    {"financing", "zone", "max_rent_cents_per_m2", "valid_from",
                     "valid_to", "source"},
                    {}};
};

// The rows of every file, in file order.
struct ParsedRows {
  std::vector<Parsed<relog::v1::Commune>> communes;
  std::vector<Parsed<relog::v1::Adjacency>> adjacencies;
  std::vector<Parsed<relog::v1::Quartier>> quartiers;
  std::vector<Parsed<relog::v1::Landlord>> landlords;
  std::vector<Parsed<relog::v1::Reservataire>> reservataires;
  std::vector<Parsed<relog::v1::Operation>> operations;
  std::vector<Parsed<relog::v1::Building>> buildings;
  std::vector<Parsed<relog::v1::Programme>> programmes;
  std::vector<Parsed<relog::v1::CharterCommitment>> commitments;
  std::vector<Parsed<relog::v1::SocialAllocations>> allocations;
  std::vector<Parsed<relog::v1::ImlRate>> iml_scale;
  std::vector<Parsed<relog::v1::AplRentCeiling>> apl_ceilings;
  std::vector<Parsed<relog::v1::CommuneZone>> commune_zones;
  std::vector<Parsed<relog::v1::ReferenceTarget>> targets;
  std::vector<Parsed<relog::v1::FileCoverage>> coverage;
  std::vector<Parsed<relog::v1::FragilityClass>> fragility_classes;
  std::vector<Parsed<relog::v1::OccupancyNorm>> occupancy_norms;
  std::vector<Parsed<relog::v1::CoordinationBodyMember>> bodies;
  std::vector<Parsed<relog::v1::CommuneSuccession>> successions;
  std::vector<Parsed<relog::v1::MaxRent>> max_rents;
};

// Reads every file of `files` from `dir`, in kReferenceFiles order.
absl::Status ReadReferenceCsvFiles(const std::string& dir,
                                   ReferenceCsvFiles& files);

// Parses and checks each row of `files` on its own into `rows`, file after
// file.
absl::Status ParseRows(const ReferenceCsvFiles& files, ParsedRows& rows);

}  // namespace relog::reference::internal

#endif  // RELOG_SERVICES_REFERENCE_REFERENCE_ROWS_H_
