// The rules one step must satisfy against the facts of the steps before
// it. decide() applies them to a new step; a correction applies them to
// every step of the corrected history, so that history stays lawful.
#ifndef RELOG_SERVICES_CASES_STEP_RULES_H_
#define RELOG_SERVICES_CASES_STEP_RULES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/cases/case_state.h"
#include "services/cases/decide.h"

namespace relog::cases {

// OK when `step` may follow the steps folded into `facts`: the phase allows
// its command, its values are well formed and in range, its references
// exist on its date, its date is not after today nor before the step it
// depends on, and the rule of its kind holds (three offers' location
// attestation, one pending offer, CAL on the accepted offer, …). Field
// paths in errors start with `body_field` (the RPC request's field).
absl::Status CheckStep(const CaseFacts& facts, const EffectiveStep& step,
                       const DecideContext& context,
                       absl::string_view body_field);

}  // namespace relog::cases

#endif  // RELOG_SERVICES_CASES_STEP_RULES_H_
