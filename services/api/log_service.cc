#include "services/api/log_service.h"

#include "absl/time/time.h"
#include "services/api/api_errors.h"
#include "services/api/status_conversion.h"
#include "storage/errors.h"

namespace relog::api {
namespace {

void ToProto(const LogHead& head, relog::v1::LogHead* out) {
  out->set_position(head.position);
  out->set_global_hash(head.global_hash);
  if (head.position > 0) {
    const int64_t micros = absl::ToUnixMicros(head.recorded_at);
    out->mutable_recorded_at()->set_seconds(micros / 1000000);
    out->mutable_recorded_at()->set_nanos(
        static_cast<int32_t>(micros % 1000000) * 1000);
  }
}

relog::v1::VerifyLogResponse::Problem ToProto(VerifyReport::Problem problem) {
  using Response = relog::v1::VerifyLogResponse;
  switch (problem) {
    case VerifyReport::Problem::kNone:
      return Response::PROBLEM_NONE;
    case VerifyReport::Problem::kAltered:
      return Response::PROBLEM_ALTERED;
    case VerifyReport::Problem::kMissing:
      return Response::PROBLEM_MISSING;
    case VerifyReport::Problem::kReordered:
      return Response::PROBLEM_REORDERED;
    case VerifyReport::Problem::kIndexBroken:
      return Response::PROBLEM_INDEX_BROKEN;
  }
  return Response::PROBLEM_UNSPECIFIED;
}

grpc::Status ShuttingDown() { return ToGrpcStatus(ShuttingDownError()); }

}  // namespace

grpc::ServerUnaryReactor* LogService::GetLogHead(
    grpc::CallbackServerContext* context, const relog::v1::GetLogHeadRequest*,
    relog::v1::LogHead* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // In memory: no disk access, so it may run on gRPC's thread.
  ToProto(store_->GetLogHead(), response);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* LogService::VerifyLog(
    grpc::CallbackServerContext* context, const relog::v1::VerifyLogRequest*,
    relog::v1::VerifyLogResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // A walk of the whole log: on relog's executor, never on gRPC's threads.
  const bool queued = executor_->Submit([this, context, reactor, response] {
    // A whole-log walk is not started for a caller that already gave up
    // (or for a server shutting down, which cancels calls past its grace).
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status::CANCELLED);
      return;
    }
    absl::StatusOr<VerifyReport> report = store_->Verify();
    if (!report.ok()) {
      reactor->Finish(ToGrpcStatus(report.status()));
      return;
    }
    response->set_problem(ToProto(report->problem));
    response->set_position(report->position);
    response->set_detail(report->detail);
    response->set_events_checked(report->events_checked);
    response->set_streams_checked(report->streams_checked);
    if (report->ok()) ToProto(report->head, response->mutable_head());
    reactor->Finish(grpc::Status::OK);
  });
  if (!queued) reactor->Finish(ShuttingDown());
  return reactor;
}

}  // namespace relog::api
