// Parsing the reference files of one territory (deploy/reference/mel/ for
// the shipped sample; formats in deploy/reference/README.md) into the
// relog.v1.ReferenceDataLoaded event payload, and its content hash.
#ifndef RELOG_SERVICES_REFERENCE_REFERENCE_FILES_H_
#define RELOG_SERVICES_REFERENCE_REFERENCE_FILES_H_

#include <string>

#include "absl/status/statusor.h"
#include "relog/v1/reference.pb.h"

namespace relog::reference {

// Error reasons of this library.
inline constexpr char kReferenceFileInvalid[] = "REFERENCE_FILE_INVALID";
inline constexpr char kReferenceDataInvalid[] = "REFERENCE_DATA_INVALID";

// Error metadata keys of REFERENCE_FILE_INVALID.
inline constexpr char kMetaFile[] = "file";
inline constexpr char kMetaLine[] = "line";
inline constexpr char kMetaColumn[] = "column";

// The files ParseReferenceDir reads, all required (a file may hold only
// its header).
inline constexpr const char* kReferenceFiles[] = {"communes.csv",
                                                  "adjacency.csv",
                                                  "quartiers.csv",
                                                  "landlords.csv",
                                                  "reservataires.csv",
                                                  "operations.csv",
                                                  "buildings.csv",
                                                  "programmes.csv",
                                                  "commitments.csv",
                                                  "allocations.csv",
                                                  "iml_scale.csv",
                                                  "apl_rent_ceilings.csv",
                                                  "commune_zones.csv",
                                                  "targets.csv",
                                                  "coverage.csv",
                                                  "fragility_classes.csv",
                                                  "occupancy_norms.csv",
                                                  "coordination_bodies.csv",
                                                  "commune_successions.csv",
                                                  "max_rents.csv"};

// Reads the CSV files of `dir` listed in kReferenceFiles (';'-separated,
// UTF-8, a header row, '#' comment lines and blank lines ignored), checks every
// rule and returns the rows in canonical order with content_sha256 set and
// loaded_from = `dir`. An error is INVALID_ARGUMENT, reason
// REFERENCE_FILE_INVALID, whose message starts with "<file>:<line>:<column>: "
// (column 0 when the rule is about the whole row) and names the rule; metadata
// file, line, column. A missing or unreadable file is NOT_FOUND /
// REFERENCE_FILE_INVALID.
//
// Rules: header exactly as documented; the number of fields; INSEE codes of
// 5 characters (digits, or 2A/2B and 3 digits); SIRENs of 9 digits; QPV
// codes "QP"/"QN" + 6 upper-case letters or digits; dates YYYY-MM-DD and
// real; valid_to > valid_from; positive dwellings; known kind, financing and
// source; referential integrity (a commune, landlord, operation or quartier
// referenced must exist with a validity overlapping the referencing row's);
// no duplicate id with overlapping validity; no commune adjacent to itself;
// and the rules of each further file documented in
// deploy/reference/README.md (e.g. one commitment per party and adoption
// date over a day, programme dwellings by financing summing to dwellings,
// IRIS codes of the programme's commune, acyclic commune successions).
absl::StatusOr<relog::v1::ReferenceDataLoaded> ParseReferenceDir(
    const std::string& dir);

// Sorts every list of `data` in canonical order (by id, then valid_from,
// then the row's bytes).
void Canonicalize(relog::v1::ReferenceDataLoaded& data);

// SHA-256 (lowercase hex) of the deterministic serialization of `data` with
// content_sha256 and loaded_from cleared. Canonicalize first for a hash
// that does not depend on row order.
std::string ComputeContentSha256(const relog::v1::ReferenceDataLoaded& data);

}  // namespace relog::reference

#endif  // RELOG_SERVICES_REFERENCE_REFERENCE_FILES_H_
