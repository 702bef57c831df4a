// decide(command, state) → events | error: the rules of the charter and of
// the law, applied to one case. Pure: the caller gives today's date and the
// reference data; nothing here reads a clock, a store or a file.
#ifndef RELOG_SERVICES_CASES_DECIDE_H_
#define RELOG_SERVICES_CASES_DECIDE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/cases/case_state.h"
#include "services/cases/commands.h"
#include "services/cases/event_codec.h"
#include "services/reference/reference_data.h"

namespace relog::cases {

struct DecideContext {
  // Today in Europe/Paris: no step may occur after it.
  absl::CivilDay today;
  // The reference data in force (communes, adjacency, quartiers,
  // landlords, réservataires, operations, programmes). Never null.
  const reference::ReferenceData* reference = nullptr;
};

struct Decision {
  // The events to append to the case's stream, in order.
  std::vector<CaseEvent> events;
  // A decohabitation opens a new case in the same commit.
  struct OpenedCase {
    std::string case_id;
    std::vector<CaseEvent> events;
  };
  std::optional<OpenedCase> opened;
};

// The events `command` leads to on a case in `state`, or why it cannot be
// recorded: INVALID_ARGUMENT (a malformed value; the error names the field
// of the RPC request), NOT_FOUND (no such case), ALREADY_EXISTS
// (identifying an existing case), FAILED_PRECONDITION (the case's phase or
// a rule forbids it; the ErrorInfo reason names the rule). Fills in what
// relog computes (offer ids, reste à charge, the lease's dwelling from its
// offer).
absl::StatusOr<Decision> Decide(const Command& command, const CaseState& state,
                                const DecideContext& context);

}  // namespace relog::cases

#endif  // RELOG_SERVICES_CASES_DECIDE_H_
