#include "services/reports/report_engine.h"

#include "services/reports/definitions.h"

namespace relog::reports {

absl::StatusOr<ReportTables> BuildReport(
    const ReportQuery& query, const reference::ReferenceData& reference,
    const FactTable& table, uint64_t position) {
  ReportTables tables;
  absl::Status read = table.Read(
      position, query.last_day,
      [&](const std::vector<const CaseSnapshot*>& snapshots) {
        std::vector<const CaseSnapshot*> cases;
        cases.reserve(snapshots.size());
        for (const CaseSnapshot* snapshot : snapshots) {
          if (!snapshot->excluded) cases.push_back(snapshot);
        }
        const ReportContext context(query, reference, std::move(cases));
        switch (query.kind) {
          case relog::v1::REPORT_KIND_PROGRESS:
            tables = ProgressReport(context);
            break;
          case relog::v1::REPORT_KIND_LANDLORD_RECIPROCITY:
            tables = LandlordReciprocityReport(context);
            break;
          case relog::v1::REPORT_KIND_COMMUNE_RECIPROCITY:
            tables = CommuneReciprocityReport(context);
            break;
          case relog::v1::REPORT_KIND_COMMITMENTS:
            tables = CommitmentsReport(context);
            break;
          case relog::v1::REPORT_KIND_NEW_BUILD:
            tables = NewBuildReport(context);
            break;
          case relog::v1::REPORT_KIND_QUALITY:
            tables = QualityReport(context);
            break;
          case relog::v1::REPORT_KIND_DELAYS:
            tables = DelaysReport(context);
            break;
          case relog::v1::REPORT_KIND_OFFERS:
            tables = OffersReport(context);
            break;
          default:
            break;  // ValidateReportRequest refused it
        }
      });
  if (!read.ok()) return read;
  return tables;
}

}  // namespace relog::reports
