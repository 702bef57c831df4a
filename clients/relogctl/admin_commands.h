// relogctl admin backup DIR.
#ifndef RELOG_CLIENTS_RELOGCTL_ADMIN_COMMANDS_H_
#define RELOG_CLIENTS_RELOGCTL_ADMIN_COMMANDS_H_

#include <string>
#include <vector>

#include "clients/relogctl/common.h"

namespace relog::ctl {

// `args` follow "admin": "backup DIR". relogd writes an online copy of its
// database into DIR (on relogd's machine) and the command prints the
// position and global hash the copy holds. Usage errors exit 2.
int AdminCommand(const Context& ctx, const std::vector<std::string>& args);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_ADMIN_COMMANDS_H_
