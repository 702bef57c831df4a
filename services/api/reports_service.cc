#include "services/api/reports_service.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/api/api_errors.h"
#include "services/api/case_view.h"
#include "services/api/status_conversion.h"
#include "services/cases/domain_errors.h"
#include "services/reports/definitions.h"
#include "services/reports/report_engine.h"
#include "storage/errors.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

constexpr char kProjectionNotRunning[] = "PROJECTION_NOT_RUNNING";
constexpr char kProjectionNotFound[] = "PROJECTION_NOT_FOUND";
// A call without a deadline waits at most this long for a position.
constexpr absl::Duration kMaxWait = absl::Seconds(30);

relog::v1::ProjectionStatus StatusOf(
    const projections::ProjectionRunner& runner) {
  const projections::ProjectionHealth health = runner.health();
  relog::v1::ProjectionStatus status;
  status.set_name(runner.name());
  status.set_checkpoint(health.checkpoint);
  status.set_running(health.running);
  if (!health.failure.ok()) status.set_failure(health.failure.ToString());
  return status;
}

absl::StatusOr<absl::Time> KnownAt(const relog::v1::GetReportRequest& r) {
  const google::protobuf::Timestamp& t = r.known_at();
  if (t.seconds() < 0 || t.nanos() < 0 || t.nanos() >= 1000000000 ||
      t.seconds() > 253402300799) {  // 9999-12-31T23:59:59Z
    return cases::InvalidField("known_at", reason::kValueOutOfRange,
                               "must be a valid timestamp");
  }
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace

ReportsService::Reactor* ReportsService::Run(
    Context* context, std::function<absl::Status()> work) {
  Reactor* reactor = context->DefaultReactor();
  if (!callers_->Get(context).authenticated()) {
    reactor->Finish(ToGrpcStatus(UnauthenticatedError()));
    return reactor;
  }
  const bool queued =
      queries_->Submit([context, reactor, work = std::move(work)] {
        if (context->IsCancelled()) {
          reactor->Finish(grpc::Status::CANCELLED);
          return;
        }
        reactor->Finish(ToGrpcStatus(work()));
      });
  if (!queued) {
    reactor->Finish(ToGrpcStatus(ShuttingDownError()));
  }
  return reactor;
}

absl::Status ReportsService::AwaitPosition(Context* context,
                                           uint64_t position) const {
  const projections::ProjectionHealth health = facts_->health();
  if (!health.failure.ok()) return health.failure;
  if (health.checkpoint >= position) return absl::OkStatus();
  if (!health.running) {
    return MakeError(
        absl::StatusCode::kUnavailable, kProjectionNotRunning,
        absl::StrCat("projection ", facts_->name(), " is not running (at ",
                     health.checkpoint, "); retry"),
        {{meta::kPosition, absl::StrCat(health.checkpoint)},
         {meta::kView, facts_->name()}});
  }
  // Ends a little before the call's own deadline, so that the caller gets
  // this answer, with the position reached, rather than its own timeout.
  const absl::Time now = absl::Now();
  const absl::Time call_deadline = absl::FromChrono(context->deadline());
  const absl::Duration margin =
      std::max(absl::ZeroDuration(),
               std::min(absl::Milliseconds(100), (call_deadline - now) / 10));
  return facts_->WaitFor(position,
                         std::min(call_deadline - margin, now + kMaxWait));
}

absl::Status ReportsService::Report(Context* context,
                                    const relog::v1::GetReportRequest& request,
                                    relog::v1::Report& response) const {
  ASSIGN_OR_RETURN(reports::ReportQuery query,
                   reports::ValidateReportRequest(request));
  std::optional<uint64_t> known_position;
  if (request.has_known_at()) {
    ASSIGN_OR_RETURN(absl::Time known_at, KnownAt(request));
    // What is known at a time still to come is not known yet: such an
    // answer could not be reproduced later.
    if (known_at > clock_->Now()) {
      return cases::InvalidField("known_at", reason::kValueOutOfRange,
                                 "must not be in the future");
    }
    ASSIGN_OR_RETURN(known_position, store_->PositionKnownAt(known_at));
  }
  const uint64_t wanted =
      std::max(request.min_position(), known_position.value_or(0));
  RETURN_IF_ERROR(AwaitPosition(context, wanted));
  // Whatever the wait, a projection that failed since serves nothing.
  RETURN_IF_ERROR(facts_->health().failure);
  RETURN_IF_ERROR(table_->health());
  const uint64_t reflected = table_->checkpoint();
  if (reflected < wanted) {
    // The runner is there but its mirror is not (it is reading the view
    // again): never an answer below what was asked.
    return MakeError(absl::StatusCode::kUnavailable, kProjectionNotRunning,
                     absl::StrCat("the report facts reflect position ",
                                  reflected, ", not ", wanted, " yet; retry"),
                     {{meta::kPosition, absl::StrCat(reflected)},
                      {meta::kView, facts_->name()}});
  }
  const uint64_t position = known_position.value_or(reflected);
  ASSIGN_OR_RETURN(std::shared_ptr<const reference::ReferenceData> reference,
                   reference_.At(position));
  ASSIGN_OR_RETURN(reports::ReportTables tables,
                   reports::BuildReport(query, *reference, *table_, position));

  response.set_report(query.kind);
  response.set_definitions_version(reports::kDefinitionsVersion);
  response.set_position(position);
  if (position == 0) {
    response.set_head_hash(std::string(32, '\0'));
  } else {
    ASSIGN_OR_RETURN(std::vector<RecordedEvent> at,
                     store_->ReadAllBackward(position, 1));
    if (at.empty() || at.front().position != position) {
      return MakeError(absl::StatusCode::kDataLoss, reason::kCorruptRecord,
                       absl::StrCat("no event at position ", position),
                       {{meta::kPosition, absl::StrCat(position)}});
    }
    response.set_head_hash(at.front().global_hash);
  }
  if (request.has_known_at()) *response.mutable_known_at() = request.known_at();
  response.mutable_period()->set_from(absl::FormatCivilTime(query.from));
  response.mutable_period()->set_to(absl::FormatCivilTime(query.to));
  *response.mutable_filters() = query.filters;
  response.set_reference_sha256(reference->content_sha256());
  for (relog::v1::ReportTable& table : tables) {
    *response.add_tables() = std::move(table);
  }
  return absl::OkStatus();
}

ReportsService::Reactor* ReportsService::GetReport(
    Context* context, const relog::v1::GetReportRequest* request,
    relog::v1::Report* response) {
  return Run(context, [this, context, request, response] {
    return Report(context, *request, *response);
  });
}

ReportsService::Reactor* ReportsService::ListProjections(
    Context* context, const relog::v1::ListProjectionsRequest*,
    relog::v1::ListProjectionsResponse* response) {
  return Run(context, [this, response] {
    for (const projections::ProjectionRunner* runner : projections_) {
      *response->add_projections() = StatusOf(*runner);
    }
    response->set_log_position(store_->GetLogHead().position);
    return absl::OkStatus();
  });
}

ReportsService::Reactor* ReportsService::RebuildProjection(
    Context* context, const relog::v1::RebuildProjectionRequest* request,
    relog::v1::RebuildProjectionResponse* response) {
  return Run(context, [this, request, response]() -> absl::Status {
    std::vector<projections::ProjectionRunner*> chosen;
    for (projections::ProjectionRunner* runner : projections_) {
      if (request->name().empty() || runner->name() == request->name()) {
        chosen.push_back(runner);
      }
    }
    if (chosen.empty()) {
      return MakeError(
          absl::StatusCode::kNotFound, kProjectionNotFound,
          absl::StrCat("no projection named \"", request->name(), "\""),
          {{meta::kView, request->name()}});
    }
    // Each rebuild is one thread's scan of the log: side by side, all of
    // them take as long as the slowest.
    std::vector<absl::Status> rebuilt(chosen.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < chosen.size(); ++i) {
      threads.emplace_back(
          [&rebuilt, &chosen, i] { rebuilt[i] = chosen[i]->Rebuild(); });
    }
    for (std::thread& thread : threads) thread.join();
    for (size_t i = 0; i < chosen.size(); ++i) {
      RETURN_IF_ERROR(rebuilt[i]);
      *response->add_projections() = StatusOf(*chosen[i]);
    }
    return absl::OkStatus();
  });
}

}  // namespace relog::api
