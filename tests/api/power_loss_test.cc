// Power loss of the whole service, again and again (issue 6): relogd's
// server (RelogServer, what relogd's main() runs) in-process with its store
// on the fault-injecting file system of the storage tests, under the load
// generator's journaled load through real gRPC. In each cycle the power
// goes out at a seeded point, the cycles taking turns: as a group commit's
// WAL sync starts; at the n-th sync of a table, the MANIFEST or a directory
// (small memtables make flushes and MANIFEST updates happen within the
// cycle); at the n-th sync of any file. The disk keeps only what was
// synced: unsynced bytes
// are cut, files whose directory entry was never synced are deleted. The
// service restarts on what is left, the unknown calls are sent again with
// their request ids, and the next cycle goes on. At the end the service
// (on the real disk) is judged by the kill loop's rule
// (tests/testing/journal_checks.h): every acknowledged command exactly
// once, retried ones exactly once, nothing foreign, gap-free positions and
// versions, both chains verified (and relog-verify against the checkpoints
// signed between the crashes and at each stop), a subscriber resumed
// across every crash that saw every event once, projections equal to a
// rebuild.
//
// A control run with the WAL sync off must fail the same rule, or the rule
// proves nothing.
//
// Limits: relogd's files outside RocksDB (the checkpoint key and files, the
// natural-key secret) are written on the real disk, with fsync and rename;
// after the power goes out the server is stopped in-process (its stores can
// no longer write, and the checkpoint it signs as it stops names the last
// position it had acknowledged, which relog-verify then finds in the
// surviving log).
//
// RELOG_POWER_LOSS_CYCLES=N runs N cycles (default 6), RELOG_POWER_LOSS_SEED
// fixes the base seed (default: the clock; printed). docs/TESTING.md.
#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/loadgen/load_generator.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/audit.grpc.pb.h"
#include "services/relogd/relog_server.h"
#include "tests/api/fault_server.h"
#include "tests/storage/faulty_disk.h"
#include "tests/testing/journal_checks.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::FaultInjectionFs;
using ::relog::testing::FaultyDisk;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Where the power goes out in a cycle.
enum class CrashPoint { kWalSync, kFlushSync, kAnySync };

struct PowerLossRun {
  int cycles = 0;
  int cycles_in_flight = 0;          // the crash cut commands in flight
  FaultInjectionFs::PowerLoss lost;  // added up over the cycles
  testing::JournalChecker::Verdict verdict;
  int subscriber_calls = 0;
  std::string verified;  // relog-verify's output, synced runs only
  int checkpoints = 0;
};

// `cycles` power losses under load, then the verdict on the service
// restarted on the real disk. With `sync_writes` off (the control) the
// power goes out at once instead of at a sync, and there is no subscriber:
// what it saw may be lost too.
PowerLossRun RunPowerLosses(int cycles, uint64_t base_seed, bool sync_writes) {
  PowerLossRun run;
  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  testing::JournalChecker checker;
  std::unique_ptr<testing::ResumingSubscriber> subscriber;
  std::string address = "127.0.0.1:0";
  // The previous cycle's journal, settled once the service is back.
  std::vector<loadgen::JournalEntry> unsettled;
  absl::Time crashed_at;

  for (int cycle = 1; cycle <= cycles + 1; ++cycle) {
    const bool last = cycle == cycles + 1;
    // The first cycle creates the store; later ones track only what the
    // restarted service writes. The verdict runs on the real disk.
    FaultyDisk disk;
    if (cycle == 1) {
      disk = testing::PrepareFaultyDisk(data);
    } else if (!last) {
      disk.fs = std::make_shared<FaultInjectionFs>();
      disk.env = rocksdb::NewCompositeEnv(disk.fs);
    }
    testing::FaultServerOptions fault;
    fault.listen = address;
    fault.env = last ? nullptr : disk.env.get();
    fault.sync_writes = sync_writes;
    fault.write_buffer_bytes = testing::kSmallMemtable;
    std::unique_ptr<RelogServer> server =
        testing::StartFaultServer(data, fault);
    if (server == nullptr) return run;
    // Restarts listen on the same port, where the subscriber looks.
    address = absl::StrCat("127.0.0.1:", server->port());
    const std::shared_ptr<grpc::Channel> channel =
        testing::FastChannel(address);
    if (cycle == 1 && sync_writes) {
      subscriber = std::make_unique<testing::ResumingSubscriber>(address);
    }
    if (cycle > 1) {
      const testing::CycleTally tally = checker.Settle(
          channel, std::move(unsettled), crashed_at, testing::LogHead(channel));
      unsettled.clear();
      if (tally.cut > 0) ++run.cycles_in_flight;
      std::printf("  settled after the restart: %s\n", tally.Summary().c_str());
      // Signed between the crashes: the log must go on extending it.
      auto audit = v1::Audit::NewStub(channel);
      v1::Checkpoint checkpoint;
      EXPECT_TRUE(
          audit->CreateCheckpoint(testing::WaitingCall().get(), {}, &checkpoint)
              .ok());
    }
    if (last) {
      run.verdict = checker.Check(channel, subscriber.get());
      if (subscriber != nullptr) run.subscriber_calls = subscriber->calls();
      if (sync_writes) {
        run.verified = testing::VerifyExportAgainstCheckpoints(
            RELOGCTL_PATH, RELOG_VERIFY_PATH, address, data + "/checkpoints",
            dir.path(), &run.checkpoints);
      }
      break;
    }

    const uint64_t seed = base_seed + static_cast<uint64_t>(cycle);
    std::mt19937_64 rng(seed);
    const int acks_first = std::uniform_int_distribution<int>(20, 150)(rng);
    // The crash points take turns: a group commit's WAL sync, a sync in a
    // flush or MANIFEST update, any sync.
    const CrashPoint point = static_cast<CrashPoint>((cycle - 1) % 3);
    const int nth_sync = std::uniform_int_distribution<int>(
        1, point == CrashPoint::kFlushSync ? 6 : 40)(rng);

    loadgen::LoadOptions options;
    options.clients = 8;
    options.duration = absl::Seconds(60);  // the crash ends it long before
    options.seed = seed;  // distinct request ids and references per cycle
    options.timeout = absl::Seconds(2);
    testing::JournaledLoad load(
        address, testing::SampleDemoWorld(RELOG_SOURCE_DIR), options);
    EXPECT_TRUE(load.WaitForAcks(acks_first, absl::Seconds(30)))
        << "the load never flowed";
    std::string planned;
    if (!sync_writes) {
      disk.fs->Crash();
      planned = "at once, WAL sync off";
    } else if (point == CrashPoint::kWalSync) {
      disk.fs->CrashAtNextWalSync();
      planned = "as the next WAL sync started";
    } else if (point == CrashPoint::kFlushSync) {
      disk.fs->CrashAtSync(nth_sync, FaultInjectionFs::SyncKind::kNotWal);
      planned = absl::StrCat("at sync #", nth_sync,
                             " of a table, MANIFEST or "
                             "directory");
    } else {
      disk.fs->CrashAtSync(nth_sync);
      planned = absl::StrCat("at sync #", nth_sync, " of any file");
    }
    const absl::Time crash_by = absl::Now() + absl::Seconds(30);
    while (!disk.fs->crashed() && absl::Now() < crash_by) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    crashed_at = absl::Now();
    EXPECT_TRUE(disk.fs->crashed()) << "the power never went out";
    load.Stop();
    server->Shutdown();
    server.reset();
    absl::StatusOr<FaultInjectionFs::PowerLoss> loss =
        disk.fs->ApplyCrashToDisk();
    EXPECT_TRUE(loss.ok()) << loss.status();
    if (loss.ok()) {
      run.lost.files_removed += loss->files_removed;
      run.lost.files_cut += loss->files_cut;
      run.lost.bytes_dropped += loss->bytes_dropped;
    }
    unsettled = load.Take();
    ++run.cycles;
    std::printf(
        "cycle %d seed %llu: power out %s (%s) after %d acknowledgements; "
        "%d journaled calls; %d files removed, %d cut, %llu bytes dropped\n",
        cycle, static_cast<unsigned long long>(seed), planned.c_str(),
        disk.fs->crash_point().c_str(), acks_first,
        static_cast<int>(unsettled.size()), loss.ok() ? loss->files_removed : 0,
        loss.ok() ? loss->files_cut : 0,
        static_cast<unsigned long long>(loss.ok() ? loss->bytes_dropped : 0));
    std::fflush(stdout);
  }
  return run;
}

TEST(PowerLossTest, NothingAcknowledgedIsLostAcrossRepeatedPowerLosses) {
  const int cycles =
      static_cast<int>(testing::IntFromEnv("RELOG_POWER_LOSS_CYCLES", 6));
  const uint64_t base_seed = static_cast<uint64_t>(testing::IntFromEnv(
      "RELOG_POWER_LOSS_SEED", absl::ToUnixMicros(absl::Now()) % 1000000));
  ASSERT_GE(cycles, 1);
  std::printf("power loss: %d cycles, base seed %llu\n", cycles,
              static_cast<unsigned long long>(base_seed));
  const PowerLossRun run = RunPowerLosses(cycles, base_seed, true);
  ASSERT_EQ(run.cycles, cycles);
  EXPECT_THAT(run.verdict.problems, IsEmpty());
  EXPECT_EQ(run.verdict.acknowledged_lost, 0);
  EXPECT_GT(run.verdict.acknowledged, 0);
  EXPECT_GT(run.lost.files_cut, 0) << "no crash left unsynced bytes behind";
  EXPECT_GE(run.subscriber_calls, cycles + 1)
      << "the subscriber did not resume after every power loss";
  EXPECT_THAT(run.verified, HasSubstr("exit=0")) << run.verified;
  EXPECT_GE(run.checkpoints, cycles);
  std::printf(
      "power loss: %d cycles (%d cut commands in flight), %d acknowledged "
      "commands, %zu case events, head %llu; %d files removed, %d cut, %llu "
      "unsynced bytes dropped in all; subscriber (re)subscribed %d times; %d "
      "checkpoints verified by relog-verify\n",
      run.cycles, run.cycles_in_flight, run.verdict.acknowledged,
      run.verdict.case_events,
      static_cast<unsigned long long>(run.verdict.head), run.lost.files_removed,
      run.lost.files_cut,
      static_cast<unsigned long long>(run.lost.bytes_dropped),
      run.subscriber_calls, run.checkpoints);
}

// The same rule with the WAL sync off must catch acknowledged commands
// lost: otherwise the test above proves nothing.
TEST(PowerLossTest, ControlRunWithoutSyncIsCaught) {
  const PowerLossRun run = RunPowerLosses(
      1, static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()) % 1000000),
      false);
  ASSERT_EQ(run.cycles, 1);
  EXPECT_GT(run.lost.bytes_dropped, 0u);
  EXPECT_GT(run.verdict.acknowledged_lost, 0)
      << "the control run lost nothing acknowledged";
  EXPECT_THAT(run.verdict.problems, Not(IsEmpty()));
  std::printf("control (sync off): %d acknowledged commands lost of %d\n",
              run.verdict.acknowledged_lost, run.verdict.acknowledged);
}

}  // namespace
}  // namespace relog
