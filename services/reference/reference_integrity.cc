// Internal to relog_reference: see reference_integrity.h.
#include "services/reference/reference_integrity.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/reference/reference_csv.h"
#include "services/reference/reference_data.h"
#include "storage/status_macros.h"

namespace relog::reference::internal {
namespace {

namespace pb = relog::v1;

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

}  // namespace

absl::Status CheckIntegrity(ParsedRows& rows) {
  const auto& communes = rows.communes;
  const auto& adjacencies = rows.adjacencies;
  const auto& quartiers = rows.quartiers;
  const auto& landlords = rows.landlords;
  const auto& reservataires = rows.reservataires;
  const auto& operations = rows.operations;
  std::vector<Parsed<pb::Building>>& buildings = rows.buildings;
  const auto& programmes = rows.programmes;
  const auto& commitments = rows.commitments;
  const auto& allocations = rows.allocations;
  const auto& apl_ceilings = rows.apl_ceilings;
  const auto& commune_zones = rows.commune_zones;
  const auto& targets = rows.targets;
  const auto& coverage = rows.coverage;
  const auto& fragility_classes = rows.fragility_classes;
  const auto& occupancy_norms = rows.occupancy_norms;
  const auto& bodies = rows.bodies;
  const auto& successions = rows.successions;
  const auto& max_rents = rows.max_rents;

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
  return absl::OkStatus();
}

}  // namespace relog::reference::internal
