// relogctl subscribe: prints the case events relogd commits, as they come
// (relog.v1.Subscriptions), and can keep its position in a file to resume
// where it stopped.
#ifndef RELOG_CLIENTS_RELOGCTL_SUBSCRIBE_COMMAND_H_
#define RELOG_CLIENTS_RELOGCTL_SUBSCRIBE_COMMAND_H_

#include <string>
#include <vector>

#include "clients/relogctl/common.h"

namespace relog::ctl {

int Subscribe(const Context& ctx, const std::vector<std::string>& args);
std::string SubscribeHelp();

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_SUBSCRIBE_COMMAND_H_
