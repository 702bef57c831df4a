// The shared definitions of docs/REPORTS.md (version kDefinitionsVersion),
// computed over a case as known at a position (CaseSnapshot). Each report
// builds on these; none re-derives them.
#ifndef RELOG_SERVICES_REPORTS_DEFINITIONS_H_
#define RELOG_SERVICES_REPORTS_DEFINITIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "relog/v1/case_events.pb.h"
#include "services/reference/reference_data.h"
#include "services/reports/case_snapshot.h"

namespace relog::reports {

// Quoted by every report answer and CSV annex; bumped on any change of
// meaning in docs/REPORTS.md.
inline constexpr char kDefinitionsVersion[] = "v2";

// Fills the derived fields of `snapshot` from its steps.
void DeriveSnapshot(CaseSnapshot& snapshot);

// D2: the case's effective history (any date) ends with a closure
// "opened in error" not followed by a reopening: no household at all.
bool Excluded(const CaseSnapshot& snapshot);

// Over `steps` (a snapshot's `steps` or `all_steps`); the last one if
// several.
std::optional<Rehousing> DefinitiveRehousing(
    const std::vector<const cases::EffectiveStep*>& steps);
// D4: the moves under temporary leases, in order.
std::vector<Rehousing> TemporaryRehousings(
    const std::vector<const cases::EffectiveStep*>& steps);

// D13: the definitive social lease (non-empty landlord), whether or not a
// move followed, and its allocation date: the allocating CAL decision on
// its offer, or the lease's own date on the import path (no offer).
struct Allocation {
  const relog::v1::LeaseSigned* lease = nullptr;
  absl::CivilDay allocated_on;
};
std::optional<Allocation> NpruAllocation(
    const std::vector<const cases::EffectiveStep*>& steps);

// The identification (every case has one; nullptr for a case whose
// identification is cancelled or after the cut-off).
const relog::v1::HouseholdIdentified* Identification(
    const std::vector<const cases::EffectiveStep*>& steps);
std::optional<absl::CivilDay> IdentifiedOn(
    const std::vector<const cases::EffectiveStep*>& steps);

// D8: the NPRU site of the case's operation on its identification date
// ("" if unknown).
std::string SiteOf(const reference::ReferenceData& reference,
                   const relog::v1::HouseholdIdentified& identification,
                   absl::CivilDay identified_on);

// D9.
enum class DwellingAge { kNewOrUnder5, kOlder, kUnknown };
DwellingAge AgeAtMove(const reference::ReferenceData& reference,
                      const relog::v1::LeaseSigned& lease,
                      absl::CivilDay moved_on);

// D10: the arrival's QPV status on the move date.
enum class QpvStatus { kInQpv, kOutside, kUnknown };
QpvStatus ArrivalQpv(const reference::ReferenceData& reference,
                     const Rehousing& rehousing);
// D10 on another date (the allocation date of D13): the lease's code.
QpvStatus DwellingQpvOn(const reference::ReferenceData& reference,
                        const relog::v1::DwellingFacts& facts,
                        absl::CivilDay on);

// The latest effective step of `kind` with occurred_on <= `on` (nullptr
// if none).
const cases::EffectiveStep* LatestStepOnOrBefore(
    const std::vector<const cases::EffectiveStep*>& steps,
    relog::v1::CaseStep::StepCase kind, absl::CivilDay on);

// "T3" etc.; "?" for an unspecified typology.
std::string TypologyName(relog::v1::Typology typology);
// 1 … 6, 0 when unspecified.
int TypologyNumber(relog::v1::Typology typology);

}  // namespace relog::reports

#endif  // RELOG_SERVICES_REPORTS_DEFINITIONS_H_
