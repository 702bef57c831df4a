// relogctl demo: a realistic synthetic dataset built through the public
// CaseService API only (demo_scenarios.h writes the stories), with many
// commands in flight.
#ifndef RELOG_CLIENTS_RELOGCTL_DEMO_H_
#define RELOG_CLIENTS_RELOGCTL_DEMO_H_

#include <string>
#include <vector>

#include "clients/relogctl/common.h"

namespace relog::ctl {

// relogctl demo --households=N [--seed=1] [--in_flight=64]
//   [--reference_dir=deploy/reference/mel]
// Exit 0 when no command failed unexpectedly, 1 otherwise.
int RunDemo(const Context& ctx, const std::vector<std::string>& args);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_DEMO_H_
