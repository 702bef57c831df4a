// relogctl log head | log verify.
#ifndef RELOG_CLIENTS_RELOGCTL_LOG_COMMANDS_H_
#define RELOG_CLIENTS_RELOGCTL_LOG_COMMANDS_H_

#include "clients/relogctl/common.h"

namespace relog::ctl {

int LogHead(const Context& ctx);
// kExitBrokenLog when the log is broken.
int LogVerify(const Context& ctx);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_LOG_COMMANDS_H_
