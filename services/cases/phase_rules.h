// Which command each phase allows: the table docs/STATES.md is generated
// from, and the first check decide() makes.
#ifndef RELOG_SERVICES_CASES_PHASE_RULES_H_
#define RELOG_SERVICES_CASES_PHASE_RULES_H_

#include <vector>

#include "absl/status/status.h"
#include "services/cases/case_state.h"
#include "services/cases/commands.h"

namespace relog::cases {

// The error reason a command gets in a phase that does not allow it, or ""
// when the phase allows it (further rules may still refuse it).
const char* PhaseRefusalReason(CommandKind kind, Phase phase);

// The phases that allow `kind`.
std::vector<Phase> AllowedPhases(CommandKind kind);

// What else the command requires beyond its phase, in words (for
// docs/STATES.md; the rules themselves are in step_rules.cc).
const char* CommandConditions(CommandKind kind);

// The event types the command emits, in words.
const char* CommandEmits(CommandKind kind);

// OK, or the phase's refusal as a status (NOT_FOUND for a case that does
// not exist, ALREADY_EXISTS for identifying an existing one,
// FAILED_PRECONDITION otherwise), naming the command and the phase.
absl::Status CheckPhase(CommandKind kind, Phase phase);

}  // namespace relog::cases

#endif  // RELOG_SERVICES_CASES_PHASE_RULES_H_
