#include "clients/relogctl/log_commands.h"

#include "absl/strings/str_format.h"
#include "relog/v1/log_service.grpc.pb.h"
#include "storage/sha256.h"

namespace relog::ctl {
namespace {

void PrintHead(const relog::v1::LogHead& head) {
  absl::PrintF("position      %d\n", head.position());
  absl::PrintF("global hash   %s\n", ToHex(head.global_hash()));
  absl::PrintF("recorded at   %s\n", FormatTimestamp(head.recorded_at()));
}

}  // namespace

int LogHead(const Context& ctx) {
  auto stub = relog::v1::LogService::NewStub(ctx.channel);
  relog::v1::LogHead head;
  grpc::Status status = stub->GetLogHead(NewCall(ctx).get(),
                                         relog::v1::GetLogHeadRequest(), &head);
  if (!status.ok()) return Fail(status);
  if (ctx.json) {
    PrintJson(head, /*proto_names=*/false);
  } else {
    PrintHead(head);
  }
  return kExitOk;
}

int LogVerify(const Context& ctx) {
  auto stub = relog::v1::LogService::NewStub(ctx.channel);
  relog::v1::VerifyLogResponse response;
  grpc::Status status = stub->VerifyLog(
      NewCall(ctx).get(), relog::v1::VerifyLogRequest(), &response);
  if (!status.ok()) return Fail(status);
  const bool ok =
      response.problem() == relog::v1::VerifyLogResponse::PROBLEM_NONE;
  if (ctx.json) {
    PrintJson(response, /*proto_names=*/false);
  } else if (ok) {
    absl::PrintF("OK: %d events in %d streams\n", response.events_checked(),
                 response.streams_checked());
    PrintHead(response.head());
  } else {
    absl::PrintF("BROKEN at position %d (%s): %s\n", response.position(),
                 relog::v1::VerifyLogResponse::Problem_Name(response.problem()),
                 response.detail());
  }
  return ok ? kExitOk : kExitBrokenLog;
}

}  // namespace relog::ctl
