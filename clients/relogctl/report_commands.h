// The reports and their projections (relog.v1.Reports):
//   relogctl report NAME [FLAGS]        print a report, or write its CSV
//   annexes relogctl projections list           every projection's checkpoint
//   and health relogctl projections rebuild [NAME] rebuild one projection, or
//   all
#ifndef RELOG_CLIENTS_RELOGCTL_REPORT_COMMANDS_H_
#define RELOG_CLIENTS_RELOGCTL_REPORT_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clients/relogctl/common.h"
#include "clients/relogctl/report_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "relog/v1/reports.pb.h"

namespace relog::ctl {

// The usage line of `relogctl report`.
extern const char kReportUsage[];
// The text of `relogctl help report` and `relogctl help projections`.
std::string ReportHelp();

// `relogctl report` once parsed.
struct ReportArgs {
  relog::v1::GetReportRequest request;
  // Where the CSV annexes go; empty: print instead.
  std::string csv_dir;
  CsvOptions csv;
  // Only the table with this id; empty: every table.
  std::string table;
};

// Parses `NAME [FLAGS]` (the words after `report`). Without --year or
// --from/--to the period is the year of `today`. INVALID_ARGUMENT whose
// message starts with the offending flag ("--from: …") or names the
// report, for an unknown flag or name, a missing or malformed value, a
// flag given twice, or a combination the command refuses (--year with
// --from/--to, --from without --to, --separator or --decimal_comma
// without --csv, --decimal_comma without --separator=';',
// --rent_increase_threshold outside the quality report).
absl::StatusOr<ReportArgs> ParseReportArgs(const std::vector<std::string>& args,
                                           absl::CivilDay today,
                                           absl::TimeZone paris);

// An RFC 3339 time ("2024-06-30T12:00:00Z", "…+02:00"), or a civil day
// YYYY-MM-DD meaning its last instant in `paris` (the next day's midnight
// less one nanosecond), as a Timestamp. INVALID_ARGUMENT otherwise.
absl::StatusOr<google::protobuf::Timestamp> ParseKnownAt(absl::string_view text,
                                                         absl::TimeZone paris);

// One annex written by WriteCsvAnnexes.
struct CsvAnnex {
  std::string path;
  int rows = 0;
};
// Creates `dir` (and its parents) and writes TableCsv of each table of
// `report` to `dir`/CsvFileName (a second table of the same file name
// gets "-2", "-3"… before ".csv"), each through a temporary file renamed
// into place. The annexes written, or the first I/O error (INTERNAL,
// naming the path); annexes written before it stay.
absl::StatusOr<std::vector<CsvAnnex>> WriteCsvAnnexes(
    const relog::v1::Report& report, const std::string& dir,
    const CsvOptions& options);

// relogctl report NAME [FLAGS] (see ReportHelp). Exit 0, 1 (the server's
// error, an I/O error) or 2 (usage).
int ReportCommand(const Context& ctx, const std::vector<std::string>& args);
// relogctl projections list: exit 1 when a projection reports a failure.
int ProjectionsList(const Context& ctx, const std::vector<std::string>& args);
// relogctl projections rebuild [NAME]: answers once swapped in; exit 1
// when a rebuilt projection reports a failure.
int ProjectionsRebuild(const Context& ctx,
                       const std::vector<std::string>& args);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_REPORT_COMMANDS_H_
