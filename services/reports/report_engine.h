// Computes one report over the fact table as known at a position: the
// cases standing there (D0, D1), minus the excluded ones (D2), given to
// the report's builder (report_builders.h).
#ifndef RELOG_SERVICES_REPORTS_REPORT_ENGINE_H_
#define RELOG_SERVICES_REPORTS_REPORT_ENGINE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "services/reference/reference_data.h"
#include "services/reports/fact_table.h"
#include "services/reports/report_builders.h"
#include "services/reports/report_context.h"

namespace relog::reports {

// REQUIRES: position <= table.checkpoint(); `reference` is the set known
// at `position`. Errors: the table's failure (DATA_LOSS).
absl::StatusOr<ReportTables> BuildReport(
    const ReportQuery& query, const reference::ReferenceData& reference,
    const FactTable& table, uint64_t position);

}  // namespace relog::reports

#endif  // RELOG_SERVICES_REPORTS_REPORT_ENGINE_H_
