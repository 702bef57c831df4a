// One function per report of docs/REPORTS.md ("Mapping: every figure → its
// inputs"): the tables of the report over the context's cases. Pure: no
// I/O, no clock. Each lives in its own file, <name>_report.cc.
#ifndef RELOG_SERVICES_REPORTS_REPORT_BUILDERS_H_
#define RELOG_SERVICES_REPORTS_REPORT_BUILDERS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "relog/v1/reports.pb.h"
#include "services/reports/report_context.h"

namespace relog::reports {

using ReportTables = std::vector<relog::v1::ReportTable>;

ReportTables ProgressReport(const ReportContext& context);
ReportTables LandlordReciprocityReport(const ReportContext& context);
ReportTables CommuneReciprocityReport(const ReportContext& context);
ReportTables CommitmentsReport(const ReportContext& context);
// Part (b) needs programmes.csv declared complete over the period
// (coverage.csv): otherwise its tables are replaced by a note saying so.
ReportTables NewBuildReport(const ReportContext& context);
ReportTables QualityReport(const ReportContext& context);
ReportTables DelaysReport(const ReportContext& context);
ReportTables OffersReport(const ReportContext& context);

}  // namespace relog::reports

#endif  // RELOG_SERVICES_REPORTS_REPORT_BUILDERS_H_
