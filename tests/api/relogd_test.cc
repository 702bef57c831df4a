// relogd end to end: a real process on a loopback port with a temporary
// data folder, called through a real gRPC channel.
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/log_service.grpc.pb.h"
#include "services/api/status_conversion.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/child_process.h"
#include "tests/testing/relogd_process.h"
#include "tests/testing/shell.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::ChildProcess;
using ::relog::testing::HealthCheck;
using ::relog::testing::TempDir;

// A relogd child on a free loopback port, with the shipped reference data.
class Relogd : public testing::RelogdProcess {
 public:
  Relogd(const std::string& data_dir, const TempDir& scratch)
      : RelogdProcess(RELOGD_PATH, RELOG_SOURCE_DIR, data_dir, scratch) {}
};

std::unique_ptr<grpc::ClientContext> Call() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  return context;
}

TEST(RelogdTest, ServesHealthAndTheLogThenStopsGracefullyOnSigterm) {
  TempDir dir;
  Relogd relogd(dir.Sub("data"), dir);
  EXPECT_EQ(HealthCheck(relogd.channel()), std::string("\x08\x01", 2));

  auto stub = relog::v1::LogService::NewStub(relogd.channel());
  relog::v1::LogHead head;
  ASSERT_TRUE(stub->GetLogHead(Call().get(), {}, &head).ok());
  // Position 1: the reference data relogd loads into a new store.
  EXPECT_EQ(head.position(), 1u);
  EXPECT_EQ(head.global_hash().size(), 32u);

  relogd.process().Signal(SIGTERM);
  std::optional<int> status = relogd.process().WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(status.has_value()) << "relogd did not stop within 30 s";
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

TEST(RelogdTest, VerifiesTheLogItServes) {
  TempDir dir;
  LogHead written;
  {
    auto store = testing::OpenStoreOrDie(dir.Sub("data"));
    for (int i = 0; i < 20; ++i) {
      ASSERT_OK(store->AppendBlocking(
          testing::OneStream(absl::StrCat("test-", i % 4),
                             ExpectedVersion::Any(), absl::StrCat("r", i))));
    }
    written = store->GetLogHead();
  }
  Relogd relogd(dir.Sub("data"), dir);
  auto stub = relog::v1::LogService::NewStub(relogd.channel());
  relog::v1::VerifyLogResponse response;
  grpc::Status status = stub->VerifyLog(Call().get(), {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.problem(), relog::v1::VerifyLogResponse::PROBLEM_NONE);
  // The 20 events, then the reference data relogd loaded at startup.
  EXPECT_EQ(response.events_checked(), 21u);
  EXPECT_EQ(response.streams_checked(), 5u);
  EXPECT_EQ(response.head().position(), 21u);
  EXPECT_NE(response.head().global_hash(), written.global_hash);
}

// Runs relogctl with `args` through the shell; returns its output (stdout
// and stderr) followed by "exit=N".
std::string Relogctl(const std::string& args) {
  return testing::RunShell(absl::StrCat(RELOGCTL_PATH, " ", args));
}

TEST(RelogctlTest, PrintsTheLogHeadAndVerifiesTheLog) {
  TempDir dir;
  {
    auto store = testing::OpenStoreOrDie(dir.Sub("data"));
    ASSERT_OK(store->AppendBlocking(
        testing::OneStream("test-1", ExpectedVersion::Any(), "r", 3)));
  }
  Relogd relogd(dir.Sub("data"), dir);
  const std::string server = "--server=" + relogd.address();

  std::string head = Relogctl(server + " log head");
  // 3 events, then the reference data loaded at startup.
  EXPECT_THAT(head, ::testing::HasSubstr("position      4"));
  EXPECT_THAT(head, ::testing::HasSubstr("exit=0"));

  std::string verify = Relogctl(server + " --json log verify");
  EXPECT_THAT(verify, ::testing::HasSubstr("\"problem\":\"PROBLEM_NONE\""));
  EXPECT_THAT(verify, ::testing::HasSubstr("\"eventsChecked\":\"4\""));
  EXPECT_THAT(verify, ::testing::HasSubstr("exit=0"));

  EXPECT_THAT(Relogctl(server + " log nonsense"),
              ::testing::HasSubstr("exit=2"));
}

TEST(RelogctlTest, ReportsAnUnreachableServerAndExitsNonZero) {
  // Port 1 on loopback: nothing listens there.
  std::string output =
      Relogctl("--server=127.0.0.1:1 --timeout_seconds=2 log head");
  EXPECT_THAT(output, ::testing::HasSubstr("relogctl: UNAVAILABLE"));
  EXPECT_THAT(output, ::testing::HasSubstr("exit=1"));
}

TEST(StatusConversionTest, ErrorsCarryErrorInfoAndFieldViolations) {
  grpc::Status invalid = api::ToGrpcStatus(
      MakeError(absl::StatusCode::kInvalidArgument, "INVALID_APPEND",
                "streams[0].stream_id: too long",
                {{meta::kField, "streams[0].stream_id"}}));
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(invalid.error_message(), "streams[0].stream_id: too long");
  api::ErrorDetails details = api::ReadErrorDetails(invalid);
  EXPECT_EQ(details.reason, "INVALID_APPEND");
  EXPECT_EQ(details.field, "streams[0].stream_id");

  grpc::Status aborted = api::ToGrpcStatus(
      MakeError(absl::StatusCode::kAborted, reason::kWrongExpectedVersion,
                "stale", {{meta::kStream, "case-1"}}));
  EXPECT_EQ(aborted.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(api::ReadErrorDetails(aborted).reason, "WRONG_EXPECTED_VERSION");
  EXPECT_EQ(api::ReadErrorDetails(aborted).field, "");

  // A status without a reason of ours still gets one clients can switch on.
  grpc::Status plain = api::ToGrpcStatus(absl::NotFoundError("nothing"));
  EXPECT_EQ(api::ReadErrorDetails(plain).reason, "NOT_FOUND");
  EXPECT_TRUE(api::ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace relog
