// The case queries: relogctl case get | list | history.
#ifndef RELOG_CLIENTS_RELOGCTL_CASE_COMMANDS_H_
#define RELOG_CLIENTS_RELOGCTL_CASE_COMMANDS_H_

#include <string>
#include <vector>

#include "clients/relogctl/common.h"

namespace relog::ctl {

// relogctl case get cases/ID | --reference=… | --tenant_reference=… |
//   --dwelling_register_id=… | --national_application_number=…
int CaseGet(const Context& ctx, const std::vector<std::string>& args);
// relogctl case list [--operation= --commune= --landlord= --state=
//   --reference_contains= --page_size= --page_token=] [--all]
int CaseList(const Context& ctx, const std::vector<std::string>& args);
// relogctl case history cases/ID [--page_size= --page_token=] [--all]
int CaseHistory(const Context& ctx, const std::vector<std::string>& args);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_CASE_COMMANDS_H_
