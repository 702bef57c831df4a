// relogctl import: households from a CSV file (docs/IMPORT.md), through
// the same CaseService commands as interactive use.
#ifndef RELOG_CLIENTS_RELOGCTL_IMPORT_COMMAND_H_
#define RELOG_CLIENTS_RELOGCTL_IMPORT_COMMAND_H_

#include <string>
#include <vector>

#include "clients/relogctl/common.h"

namespace relog::ctl {

// relogctl import FILE [--parallel=8] [--encoding=auto|utf-8|windows-1252]
//   [--dry_run] [--id_secret_file=PATH]
// Prints each rejected row (line, column, reason), then the summary:
// imported / already present / corrected / rejected / imported history.
// Exit 0 when no row was rejected, 1 when some were (the others are
// imported), 2 on a usage error or a file that cannot be read as a whole
// (then nothing is sent).
int RunImport(const Context& ctx, const std::vector<std::string>& args);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_IMPORT_COMMAND_H_
