// The whole service on a failing disk: relogd's server (RelogServer)
// in-process on the fault-injecting file system of the storage tests,
// driven through real gRPC on a loopback port.
//
//  - Disk full and I/O errors: the commands of the failed batch get
//    UNAVAILABLE OUTCOME_UNKNOWN (cause NO_SPACE for a full disk), later
//    ones STORE_READ_ONLY, health says NOT_SERVING, nothing unsynced is
//    acknowledged; once the disk works again the service recovers by
//    itself and retried commands land exactly once.
//  - The same at seeded points under journaled load: the n-th write of any
//    file, or the n-th sync, and every one after it fail; each time the
//    service recovers, and at the end the log holds every acknowledged
//    command exactly once (the kill loop's rule).
//
// Power loss is tested in power_loss_test.cc.
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/loadgen/load_generator.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "services/relogd/relog_server.h"
#include "storage/errors.h"
#include "tests/api/fault_server.h"
#include "tests/api/household_client.h"
#include "tests/api/service_checks.h"
#include "tests/storage/faulty_disk.h"
#include "tests/testing/journal_checks.h"
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
  testing::FaultServerOptions fault;
  fault.env = disk.env.get();
  std::unique_ptr<RelogServer> server = testing::StartFaultServer(data, fault);
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

// Disk faults at seeded points under the load generator's journaled load
// (8 clients, the demo's stories), cycle after cycle on one data folder:
// the n-th append to any file — WAL, table, MANIFEST; small memtables make
// flushes happen — and every one after it fail with NoSpace (a disk that
// fills up) or IOError, or the n-th sync of any file and every one after it
// fail. Each time: the server and CaseService turn NOT_SERVING; every
// command refused from then on is UNAVAILABLE with OUTCOME_UNKNOWN (the
// batch that met the fault) or STORE_READ_ONLY (later ones), with cause
// NO_SPACE for the full disk; once the disk works again the store recovers
// by itself and health is SERVING. The unknown commands are then sent
// again with their request ids, and at the end the service must pass the
// kill loop's rule (tests/testing/journal_checks.h): every acknowledged
// command exactly once, retried ones exactly once, nothing foreign, gap-free
// positions and versions, chains verified, projections equal to their
// rebuild, a subscriber that followed throughout saw every event once.
// RELOG_DISK_FAULT_CYCLES=N (default 6) and RELOG_DISK_FAULT_SEED=S.
TEST(DiskFaultSweepTest, TheNthWriteOrSyncFailsUnderLoadThenRecovers) {
  const int cycles =
      static_cast<int>(testing::IntFromEnv("RELOG_DISK_FAULT_CYCLES", 6));
  const uint64_t base_seed = static_cast<uint64_t>(testing::IntFromEnv(
      "RELOG_DISK_FAULT_SEED", absl::ToUnixMicros(absl::Now()) % 1000000));
  std::printf("disk faults: %d cycles, base seed %llu\n", cycles,
              static_cast<unsigned long long>(base_seed));
  TempDir dir;
  const std::string data = dir.Sub("data");
  FaultyDisk disk = testing::PrepareFaultyDisk(data);
  testing::FaultServerOptions fault;
  fault.env = disk.env.get();
  fault.write_buffer_bytes = testing::kSmallMemtable;
  std::unique_ptr<RelogServer> server = testing::StartFaultServer(data, fault);
  ASSERT_NE(server, nullptr);
  const std::string address = absl::StrCat("127.0.0.1:", server->port());
  std::shared_ptr<grpc::Channel> channel = testing::FastChannel(address);
  testing::ResumingSubscriber subscriber(address);
  testing::JournalChecker checker;

  for (int cycle = 1; cycle <= cycles; ++cycle) {
    const uint64_t seed = base_seed + static_cast<uint64_t>(cycle);
    std::mt19937_64 rng(seed);
    const Fault fault = static_cast<Fault>((cycle - 1) % 3);
    const int nth = std::uniform_int_distribution<int>(1, 60)(rng);

    loadgen::LoadOptions options;
    options.clients = 8;
    options.duration = absl::Seconds(60);
    options.seed = seed;
    options.timeout = absl::Seconds(5);
    testing::JournaledLoad load(
        address, testing::SampleDemoWorld(RELOG_SOURCE_DIR), options);
    EXPECT_TRUE(load.WaitForAcks(20, absl::Seconds(30)));
    const absl::Time fault_at = absl::Now();
    switch (fault) {
      case Fault::kDiskFull:
        disk.fs->FailWritesFrom(nth, FaultInjectionFs::WriteFault::kNoSpace);
        break;
      case Fault::kWriteError:
        disk.fs->FailWritesFrom(nth, FaultInjectionFs::WriteFault::kIoError);
        break;
      case Fault::kSyncError:
        disk.fs->FailSyncsFrom(nth);
        break;
    }
    const bool not_serving = HealthBecomes(channel, "", kNotServing);
    EXPECT_TRUE(not_serving) << "cycle " << cycle << ": the fault never hit";
    EXPECT_EQ(HealthCheck(channel, "relog.v1.CaseService"), kNotServing);
    // Commands go on meeting the read-only store for a moment.
    absl::SleepFor(absl::Milliseconds(300));
    load.Stop();

    // What the service answered from the fault on.
    std::vector<loadgen::JournalEntry> entries = load.Take();
    int unknown = 0, read_only = 0, other = 0, wrong_cause = 0;
    for (const loadgen::JournalEntry& e : entries) {
      if (e.answered_at < fault_at || e.code != grpc::StatusCode::UNAVAILABLE) {
        continue;
      }
      if (e.reason == reason::kOutcomeUnknown) {
        ++unknown;
      } else if (e.reason == reason::kStoreReadOnly) {
        ++read_only;
      } else {
        ++other;
      }
      if (fault == Fault::kDiskFull && e.cause != cause::kNoSpace) {
        if (++wrong_cause <= 3) {
          ADD_FAILURE() << e.method << " " << e.reason << " cause '" << e.cause
                        << "'";
        }
      }
    }
    EXPECT_GT(unknown, 0) << "cycle " << cycle;
    EXPECT_EQ(other, 0) << "cycle " << cycle;
    EXPECT_EQ(wrong_cause, 0) << "cycle " << cycle;

    // The disk works again: the store recovers by itself; the unknown
    // commands are sent again.
    disk.fs->ClearFaults();
    EXPECT_TRUE(HealthBecomes(channel, "", kServing)) << "cycle " << cycle;
    EXPECT_EQ(HealthCheck(channel, "relog.v1.CaseService"), kServing);
    const testing::CycleTally tally = checker.Settle(
        channel, std::move(entries), fault_at, testing::LogHead(channel));
    std::printf(
        "cycle %d seed %llu: %s from the %d-th %s on: %d OUTCOME_UNKNOWN, %d "
        "STORE_READ_ONLY; recovered; %s\n",
        cycle, static_cast<unsigned long long>(seed),
        fault == Fault::kDiskFull     ? "no space"
        : fault == Fault::kWriteError ? "I/O errors"
                                      : "sync failures",
        nth, fault == Fault::kSyncError ? "sync" : "append", unknown, read_only,
        tally.Summary().c_str());
    std::fflush(stdout);
    if (::testing::Test::HasFatalFailure()) return;
  }
  const testing::JournalChecker::Verdict verdict =
      checker.Check(channel, &subscriber);
  EXPECT_THAT(verdict.problems, ::testing::IsEmpty());
  EXPECT_EQ(verdict.acknowledged_lost, 0);
  std::printf(
      "disk faults: %d cycles, %zu commands (%d acknowledged), %zu case "
      "events, head %llu\n",
      cycles, checker.commands(), verdict.acknowledged, verdict.case_events,
      static_cast<unsigned long long>(verdict.head));
}

}  // namespace
}  // namespace relog
