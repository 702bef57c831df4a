// relogctl audit …: signed checkpoints, their verification against the log,
// the public key, and exports (docs/AUDIT.md).
//
//   audit checkpoint [--out=FILE]        sign the head now
//   (Audit.CreateCheckpoint) audit public-key [--out=FILE]        the
//   checkpoints' public key (PEM) audit verify                         = log
//   verify audit verify-checkpoint FILE [--public-key=KEY.pem] audit export
//   --out=FILE [--case=cases/ID] [--from_position=N]
//
// A flag's value may also follow it as the next argument (--out FILE).
#ifndef RELOG_CLIENTS_RELOGCTL_AUDIT_COMMANDS_H_
#define RELOG_CLIENTS_RELOGCTL_AUDIT_COMMANDS_H_

#include <string>
#include <vector>

#include "clients/relogctl/common.h"

namespace relog::ctl {

// The words after `audit`. Exit 0; 1 (the server's error, an I/O error); 2
// (usage); kExitBrokenLog (3) when verify or verify-checkpoint finds the
// log broken or the checkpoint not extended by it.
int AuditCommand(const Context& ctx, const std::vector<std::string>& args);

std::string AuditHelp();

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_AUDIT_COMMANDS_H_
