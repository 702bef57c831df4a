// The whole service on a failing disk: relogd's server (RelogServer)
// in-process on the fault-injecting file system of the storage tests,
// driven through real gRPC on a loopback port.
//
//  - Disk full and I/O errors: the commands of the failed batch get
//    UNAVAILABLE OUTCOME_UNKNOWN (cause NO_SPACE for a full disk), later
//    ones STORE_READ_ONLY, health says NOT_SERVING, nothing unsynced is
//    acknowledged; once the disk works again the service recovers by
//    itself and retried commands land exactly once.
//
// Power loss is tested in power_loss_test.cc.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "services/relogd/relog_server.h"
#include "storage/errors.h"
#include "tests/api/household_client.h"
#include "tests/api/service_checks.h"
#include "tests/storage/faulty_disk.h"
#include "tests/testing/relogd_process.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::FaultInjectionFs;
using ::relog::testing::FaultyDisk;
using ::relog::testing::HealthCheck;
using ::relog::testing::Household;
using ::relog::testing::Ok;
using ::relog::testing::Outcome;
using ::relog::testing::OutcomeOf;
using ::relog::testing::Refused;
using ::relog::testing::TempDir;

constexpr char kServing[] = "\x08\x01";
constexpr char kNotServing[] = "\x08\x02";
constexpr char kDay[] = "2026-03-02";

// The server in-process, on `env` (nullptr: the real disk).
std::unique_ptr<RelogServer> StartServer(const std::string& data_dir,
                                         rocksdb::Env* env,
                                         bool sync_writes = true) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = data_dir;
  options.reference_dir = RELOG_SOURCE_DIR "/deploy/reference/mel";
  options.access_log = false;
  options.checkpoint_interval = absl::ZeroDuration();
  options.shutdown_grace = absl::Seconds(2);
  options.store_testing.env = env;
  options.store_testing.sync_writes = sync_writes;
  absl::StatusOr<std::unique_ptr<RelogServer>> server =
      RelogServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

std::shared_ptr<grpc::Channel> ChannelTo(const RelogServer& server) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", server.port()),
                             grpc::InsecureChannelCredentials());
}

// Polls the health of `service` until it is `want` (up to 60 s: the
// store's recovery backs off up to 10 s between attempts).
bool HealthBecomes(const std::shared_ptr<grpc::Channel>& channel,
                   const std::string& service, const std::string& want) {
  for (int i = 0; i < 600; ++i) {
    if (HealthCheck(channel, service) == want) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

enum class Fault { kDiskFull, kWriteError, kSyncError };

class DiskFaultTest : public ::testing::TestWithParam<Fault> {};

TEST_P(DiskFaultTest, UnknownThenReadOnlyThenRecoveredExactlyOnce) {
  TempDir dir;
  const std::string data = dir.Sub("data");
  FaultyDisk disk = testing::PrepareFaultyDisk(data);
  std::unique_ptr<RelogServer> server = StartServer(data, disk.env.get());
  ASSERT_NE(server, nullptr);
  std::shared_ptr<grpc::Channel> channel = ChannelTo(*server);
  auto stub = v1::CaseService::NewStub(channel);
  EXPECT_EQ(HealthCheck(channel, ""), kServing);

  Household first(stub.get(), "fault-first");
  ASSERT_THAT(first.Identify(kDay), Ok());
  ASSERT_THAT(first.Diagnose(kDay), Ok());
  const uint64_t acked_version = first.last().case_version();

  const std::string cause =
      GetParam() == Fault::kDiskFull ? cause::kNoSpace : cause::kIoError;
  switch (GetParam()) {
    case Fault::kDiskFull:
      disk.fs->FailWalAppends(FaultInjectionFs::kEveryAppend,
                              FaultInjectionFs::WriteFault::kNoSpace);
      break;
    case Fault::kWriteError:
      disk.fs->FailWalAppends(FaultInjectionFs::kEveryAppend);
      break;
    case Fault::kSyncError:
      disk.fs->FailWalSyncs(true);
      break;
  }

  // The batch that fails: its outcome is unknown to the service too.
  v1::RecordCommitteeReviewRequest review;
  review.set_request_id(testing::TestUuid("fault-review"));
  review.mutable_review()->set_decision(
      v1::CommitteeReviewed::DECISION_VALIDATED);
  review.set_expected_version(acked_version);
  Outcome unknown =
      first.Send(review, kDay, &v1::CaseService::Stub::RecordCommitteeReview);
  EXPECT_THAT(unknown,
              Refused(grpc::StatusCode::UNAVAILABLE, reason::kOutcomeUnknown));
  EXPECT_EQ(unknown.cause, cause);
  if (GetParam() == Fault::kSyncError) {
    EXPECT_GT(disk.fs->UnsyncedOpenWalBytes(), 0u)
        << "the batch was written, never synced, and not acknowledged";
  }
  // Told before the answer went out.
  EXPECT_EQ(HealthCheck(channel, ""), kNotServing);
  EXPECT_EQ(HealthCheck(channel, "relog.v1.CaseService"), kNotServing);

  // Later commands are refused without being tried.
  Household second(stub.get(), "fault-second");
  Outcome read_only = second.Identify(kDay);
  EXPECT_THAT(read_only,
              Refused(grpc::StatusCode::UNAVAILABLE, reason::kStoreReadOnly));
  EXPECT_EQ(read_only.cause, cause);
  // Reads still answer, without the unknown step.
  v1::GetCaseRequest get;
  get.set_name(first.name());
  v1::Case seen;
  ASSERT_TRUE(stub->GetCase(testing::Call().get(), get, &seen).ok());
  EXPECT_EQ(seen.version(), acked_version);

  // Space returns: the store recovers by itself, and says so.
  disk.fs->ClearFaults();
  ASSERT_TRUE(HealthBecomes(channel, "", kServing));
  EXPECT_EQ(HealthCheck(channel, "relog.v1.CaseService"), kServing);

  // The retries land, once.
  Outcome retried =
      first.Send(review, kDay, &v1::CaseService::Stub::RecordCommitteeReview);
  ASSERT_THAT(retried, Ok());
  const uint64_t landed_at = first.last().position();
  EXPECT_EQ(first.last().case_version(), acked_version + 1);
  ASSERT_THAT(
      first.Send(review, kDay, &v1::CaseService::Stub::RecordCommitteeReview),
      Ok());
  EXPECT_TRUE(first.last().replayed());
  EXPECT_EQ(first.last().position(), landed_at);
  ASSERT_THAT(second.Identify(kDay), Ok());

  // Identify + diagnosis + one review, and the second case's opening.
  ASSERT_TRUE(stub->GetCase(testing::Call().get(), get, &seen).ok());
  EXPECT_EQ(seen.version(), acked_version + 1);
  const uint64_t head = testing::ExpectLogVerifies(channel);
  EXPECT_GT(head, 0u);
  testing::ExpectProjectionsEqualRebuild(channel, head);
  testing::ExpectSubscriptionSeesEveryCaseEvent(channel, head);
}

INSTANTIATE_TEST_SUITE_P(Faults, DiskFaultTest,
                         ::testing::Values(Fault::kDiskFull, Fault::kWriteError,
                                           Fault::kSyncError),
                         [](const ::testing::TestParamInfo<Fault>& info) {
                           switch (info.param) {
                             case Fault::kDiskFull:
                               return "DiskFull";
                             case Fault::kWriteError:
                               return "WriteError";
                             case Fault::kSyncError:
                               return "SyncError";
                           }
                           return "Unknown";
                         });

}  // namespace
}  // namespace relog
