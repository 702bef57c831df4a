// A case as known at a log position, its steps cut at a business day
// (docs/REPORTS.md D0, D1, D15), with what every report reads of it
// computed once.
#ifndef RELOG_SERVICES_REPORTS_CASE_SNAPSHOT_H_
#define RELOG_SERVICES_REPORTS_CASE_SNAPSHOT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "relog/v1/case_events.pb.h"
#include "services/cases/case_state.h"

namespace relog::reports {

// D3: a move under a definitive lease (the latest effective lease before
// the move, in stream order). Pointers into a snapshot's steps.
struct Rehousing {
  const relog::v1::LeaseSigned* lease = nullptr;
  const relog::v1::HouseholdMoved* move = nullptr;
  absl::CivilDay lease_on;
  absl::CivilDay moved_on;
};

struct CaseSnapshot {
  const std::string* case_id = nullptr;
  // The effective (standing, not cancelled) steps known at the position,
  // in version order, whatever their date.
  std::vector<const cases::EffectiveStep*> all_steps;
  // Those with occurred_on <= the cut-off day.
  std::vector<const cases::EffectiveStep*> steps;
  // `steps` folded (cases::ApplyStep): the state on the cut-off day.
  cases::CaseFacts facts;

  // Derived once (DeriveSnapshot, definitions.h), for the builders.
  // The identification among `steps` (nullptr: identified after the
  // cut-off day, or its identification cancelled).
  const relog::v1::HouseholdIdentified* identification = nullptr;
  std::optional<absl::CivilDay> identified_on;
  // D2 over `all_steps`.
  bool excluded = false;
  // D3 over `steps`.
  std::optional<Rehousing> rehousing;
};

}  // namespace relog::reports

#endif  // RELOG_SERVICES_REPORTS_CASE_SNAPSHOT_H_
