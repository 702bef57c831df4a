// relogctl: the command-line client of relogd.
//
//   relogctl [--server=127.0.0.1:50051] [--json] log head
//   relogctl [--server=...] [--json] log verify
//
// Human-readable output by default, proto JSON with --json. Exit codes: 0
// OK; 1 an error (it prints the server's code, message and ErrorInfo
// reason); 2 a usage error; 3 `log verify` found the log broken.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "relog/v1/log_service.grpc.pb.h"
#include "services/api/status_conversion.h"
#include "storage/sha256.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "relogd's host:port");
ABSL_FLAG(bool, json, false, "print proto JSON instead of text");
ABSL_FLAG(int, timeout_seconds, 60, "deadline of each call");

namespace relog::ctl {
namespace {

constexpr char kUsage[] =
    "relogctl [--server=HOST:PORT] [--json] COMMAND\n"
    "commands:\n"
    "  log head      the last position of the log and its global hash\n"
    "  log verify    walk both hash chains and the indexes\n"
    "exit codes: 0 ok, 1 error, 2 usage, 3 the log is broken";

struct Context {
  std::shared_ptr<grpc::Channel> channel;
  bool json = false;
  absl::Duration timeout;
};

int Fail(const grpc::Status& status) {
  api::ErrorDetails details = api::ReadErrorDetails(status);
  std::string extra;
  if (!details.reason.empty()) extra += " [reason " + details.reason;
  if (!details.field.empty()) extra += ", field " + details.field;
  if (!extra.empty()) extra += "]";
  std::fprintf(stderr, "relogctl: %s: %s%s\n",
               absl::StatusCodeToString(
                   static_cast<absl::StatusCode>(status.error_code()))
                   .c_str(),
               status.error_message().c_str(), extra.c_str());
  return 1;
}

void PrintJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::printf("%s\n", out.c_str());
}

std::string FormatTimestamp(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E6SZ",
      absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos()),
      absl::UTCTimeZone());
}

void PrintHead(const relog::v1::LogHead& head) {
  absl::PrintF("position      %d\n", head.position());
  absl::PrintF("global hash   %s\n", ToHex(head.global_hash()));
  absl::PrintF("recorded at   %s\n", FormatTimestamp(head.recorded_at()));
}

std::unique_ptr<grpc::ClientContext> NewCall(const Context& ctx) {
  auto call = std::make_unique<grpc::ClientContext>();
  call->set_deadline(absl::ToChronoTime(absl::Now() + ctx.timeout));
  return call;
}

int LogHead(const Context& ctx) {
  auto stub = relog::v1::LogService::NewStub(ctx.channel);
  relog::v1::LogHead head;
  grpc::Status status = stub->GetLogHead(NewCall(ctx).get(),
                                         relog::v1::GetLogHeadRequest(), &head);
  if (!status.ok()) return Fail(status);
  if (ctx.json) {
    PrintJson(head);
  } else {
    PrintHead(head);
  }
  return 0;
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
    PrintJson(response);
  } else if (ok) {
    absl::PrintF("OK: %d events in %d streams\n", response.events_checked(),
                 response.streams_checked());
    PrintHead(response.head());
  } else {
    absl::PrintF("BROKEN at position %d (%s): %s\n", response.position(),
                 relog::v1::VerifyLogResponse::Problem_Name(response.problem()),
                 response.detail());
  }
  return ok ? 0 : 3;
}

}  // namespace
}  // namespace relog::ctl

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(relog::ctl::kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> command(args.begin() + 1, args.end());
  relog::ctl::Context ctx;
  ctx.channel = grpc::CreateChannel(absl::GetFlag(FLAGS_server),
                                    grpc::InsecureChannelCredentials());
  ctx.json = absl::GetFlag(FLAGS_json);
  ctx.timeout =
      absl::Seconds(std::max(1, absl::GetFlag(FLAGS_timeout_seconds)));
  const std::string joined = absl::StrJoin(command, " ");
  if (joined == "log head") return relog::ctl::LogHead(ctx);
  if (joined == "log verify") return relog::ctl::LogVerify(ctx);
  std::fprintf(stderr, "relogctl: unknown command \"%s\"\n\n%s\n",
               joined.c_str(), relog::ctl::kUsage);
  return 2;
}
