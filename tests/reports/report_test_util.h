// Runs reports over a store as relogd does: the report-facts projection
// caught up into its in-memory mirror, the reference data and the
// position as known at a time, then the report's builder.
#ifndef RELOG_TESTS_REPORTS_REPORT_TEST_UTIL_H_
#define RELOG_TESTS_REPORTS_REPORT_TEST_UTIL_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "relog/v1/reports.pb.h"
#include "services/projections/projection_runner.h"
#include "services/reference/reference_stream.h"
#include "services/reports/fact_table.h"
#include "services/reports/report_engine.h"
#include "services/reports/report_facts_projection.h"
#include "storage/event_store.h"
#include "storage/status_macros.h"

namespace relog::reports::testing {

class ReportRunner {
 public:
  // `store` must outlive the runner.
  explicit ReportRunner(EventStore* store)
      : store_(store), table_(&store->views(), kReportFactsView) {
    projections::RunnerOptions options;
    options.listener = &table_;
    runner_ = std::make_unique<projections::ProjectionRunner>(
        store, std::make_unique<ReportFactsProjection>(), options);
  }

  // Catches the projection up with the log, then answers `request` as
  // known at `known_at` (nullopt: now).
  absl::StatusOr<ReportTables> Run(const relog::v1::GetReportRequest& request,
                                   std::optional<absl::Time> known_at = {}) {
    RETURN_IF_ERROR(runner_->CatchUp());
    ASSIGN_OR_RETURN(ReportQuery query, ValidateReportRequest(request));
    uint64_t position = table_.checkpoint();
    if (known_at.has_value()) {
      ASSIGN_OR_RETURN(position, store_->PositionKnownAt(*known_at));
    }
    ASSIGN_OR_RETURN(std::shared_ptr<const reference::ReferenceData> reference,
                     reference::ReadReferenceData(*store_, position));
    return BuildReport(query, *reference, table_, position);
  }

  // A calendar-year report.
  absl::StatusOr<ReportTables> Year(relog::v1::ReportKind kind, int year,
                                    std::optional<absl::Time> known_at = {}) {
    relog::v1::GetReportRequest request;
    request.set_report(kind);
    request.set_year(year);
    return Run(request, known_at);
  }

  FactTable& table() { return table_; }
  projections::ProjectionRunner& runner() { return *runner_; }

 private:
  EventStore* const store_;
  FactTable table_;
  std::unique_ptr<projections::ProjectionRunner> runner_;
};

// The table with `id` (nullptr if absent).
inline const relog::v1::ReportTable* FindTable(const ReportTables& tables,
                                               const std::string& id) {
  for (const relog::v1::ReportTable& t : tables) {
    if (t.id() == id) return &t;
  }
  return nullptr;
}

// A cell as text, for cell-by-cell comparisons: text as is, integers in
// decimal, decimals with their scale ("66.7"), "" for an empty cell.
std::string CellText(const relog::v1::ReportCell& cell);
// The row whose first cells equal `keys` (nullptr if none).
const relog::v1::ReportRow* FindRow(const relog::v1::ReportTable& table,
                                    const std::vector<std::string>& keys);
// The cell of `row` in column `column_id` as text ("<no column>" if the
// table has no such column).
std::string Cell(const relog::v1::ReportTable& table,
                 const relog::v1::ReportRow& row, const std::string& column_id);

}  // namespace relog::reports::testing

#endif  // RELOG_TESTS_REPORTS_REPORT_TEST_UTIL_H_
