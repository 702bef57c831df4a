// relog.v1.Reports: report requests → the report engine over the
// report-facts mirror, and the projections' list and rebuild. A thin
// adapter: what each figure means is docs/REPORTS.md, computed in
// services/reports.
#ifndef RELOG_SERVICES_API_REPORTS_SERVICE_H_
#define RELOG_SERVICES_API_REPORTS_SERVICE_H_

#include <vector>

#include "relog/v1/reports.grpc.pb.h"
#include "services/api/caller_interceptor.h"
#include "services/api/executor.h"
#include "services/projections/projection_runner.h"
#include "services/reports/fact_table.h"
#include "services/reports/reference_cache.h"
#include "storage/clock.h"
#include "storage/event_store.h"

namespace relog::api {

class ReportsService final : public relog::v1::Reports::CallbackService {
 public:
  // Every pointer must outlive the service. `facts` follows the log into
  // `table`; `projections` are every projection relogd runs (facts among
  // them), for ListProjections and RebuildProjection. Reports and rebuilds
  // run on `queries`.
  ReportsService(EventStore* store, Executor* queries,
                 projections::ProjectionRunner* facts,
                 const reports::FactTable* table,
                 std::vector<projections::ProjectionRunner*> projections,
                 const CallerRegistry* callers, const Clock* clock)
      : store_(store),
        clock_(clock),
        queries_(queries),
        facts_(facts),
        table_(table),
        projections_(std::move(projections)),
        callers_(callers),
        reference_(store) {}

  using Reactor = grpc::ServerUnaryReactor;
  using Context = grpc::CallbackServerContext;

  Reactor* GetReport(Context* context,
                     const relog::v1::GetReportRequest* request,
                     relog::v1::Report* response) override;
  Reactor* ListProjections(
      Context* context, const relog::v1::ListProjectionsRequest* request,
      relog::v1::ListProjectionsResponse* response) override;
  Reactor* RebuildProjection(
      Context* context, const relog::v1::RebuildProjectionRequest* request,
      relog::v1::RebuildProjectionResponse* response) override;

 private:
  Reactor* Run(Context* context, std::function<absl::Status()> work);
  absl::Status Report(Context* context,
                      const relog::v1::GetReportRequest& request,
                      relog::v1::Report& response) const;
  // Waits until the mirror reflects `position`: the projection's failure,
  // UNAVAILABLE PROJECTION_NOT_RUNNING, or DEADLINE_EXCEEDED
  // POSITION_NOT_REACHED at the call's deadline.
  absl::Status AwaitPosition(Context* context, uint64_t position) const;

  EventStore* const store_;
  const Clock* const clock_;  // refuses a known_at still to come
  Executor* const queries_;
  projections::ProjectionRunner* const facts_;
  const reports::FactTable* const table_;
  const std::vector<projections::ProjectionRunner*> projections_;
  const CallerRegistry* const callers_;
  const reports::ReferenceCache reference_;
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_REPORTS_SERVICE_H_
