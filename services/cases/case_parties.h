// Who a case concerns, as of a given state of it (DOMAIN.md: "A landlord
// is party to a case from the event that names it"). Subscriptions filter
// with it; the authorization of landlords and communes (a later issue)
// will read the same rule.
#ifndef RELOG_SERVICES_CASES_CASE_PARTIES_H_
#define RELOG_SERVICES_CASES_CASE_PARTIES_H_

#include <set>
#include <string>

#include "services/cases/case_state.h"

namespace relog::cases {

struct CaseParties {
  // The operation the household is rehoused for ("" before the
  // identification).
  std::string operation_id;
  // SIRENs: the demolishing landlord (the origin dwelling's), and the
  // landlord of each offer that stands — pending, accepted, allocated or
  // leased — and of each lease. An offer refused, lapsed, withdrawn,
  // refused by the CAL or cancelled no longer makes its landlord a party.
  std::set<std::string> landlords;
  // INSEE codes, by the same rule: the commune of origin, and the commune
  // of each standing offer's dwelling and of each lease's.
  std::set<std::string> communes;
};

// The parties of a case whose effective steps add up to `facts`.
CaseParties PartiesOf(const CaseFacts& facts);

}  // namespace relog::cases

#endif  // RELOG_SERVICES_CASES_CASE_PARTIES_H_
