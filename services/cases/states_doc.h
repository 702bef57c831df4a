// docs/STATES.md, generated from the phase rules (phase_rules.h): what each
// phase means, which commands each phase allows, what they emit and
// require, and the error a command gets in a phase that does not allow it.
// relog_states_doc writes it; a test checks the committed file is current.
#ifndef RELOG_SERVICES_CASES_STATES_DOC_H_
#define RELOG_SERVICES_CASES_STATES_DOC_H_

#include <string>

#include "services/cases/case_state.h"

namespace relog::cases {

// What a case in `phase` is waiting for, in words.
const char* PhaseMeaning(Phase phase);

// The whole of docs/STATES.md.
std::string RenderStatesMarkdown();

}  // namespace relog::cases

#endif  // RELOG_SERVICES_CASES_STATES_DOC_H_
