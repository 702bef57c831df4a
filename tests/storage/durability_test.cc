// Durable before acknowledged (DESIGN.md, storage invariant 4): after a power
// loss, every append that completed OK is on disk, byte for byte.
//
// Several threads append through FaultInjectionFs until the power goes out
// (FaultInjectionFs::Crash); the disk is then cut back to what was synced
// (ApplyCrashToDisk) and the store reopened on the real file system. A
// control run with the WAL sync switched off must lose acknowledged appends:
// it proves that the check can fail.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "storage/event_store.h"
#include "storage/rocksdb_event_store_impl.h"
#include "tests/storage/fault_injection_fs.h"
#include "tests/storage/faulty_disk.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog::testing {
namespace {

using ::testing::IsEmpty;
using ::testing::Not;

constexpr int kThreads = 4;
// Appends that must have completed before the power goes out.
constexpr size_t kCompletedBeforeCrash = 150;
// A bound on each thread, in case the crash does not stop it.
constexpr int kMaxAppendsPerThread = 5000;

// An append that completed OK: what was asked and what was answered.
struct Completed {
  AppendRequest request;
  AppendResult result;
};

// The `index`th append of `thread`: one or two streams of the thread's own,
// one to three events each, and a request record.
AppendRequest MakeAppend(int thread, int index) {
  const std::string request_id = absl::StrCat("req-", thread, "-", index);
  AppendRequest request;
  const int streams = 1 + index % 2;
  for (int s = 0; s < streams; ++s) {
    StreamAppend stream;
    stream.stream_id = absl::StrCat("case-", thread, "-", (index + s) % 5);
    for (int e = 0; e <= index % 3; ++e) {
      stream.events.push_back(MakeEvent(
          request_id, static_cast<uint32_t>(s * 10 + e),
          absl::StrCat("test.Event", e),
          absl::StrCat("payload ", request_id, "/", s, "/", e, " ",
                       std::string(static_cast<size_t>(index % 7) * 20, 'x'))));
    }
    request.streams.push_back(std::move(stream));
  }
  return WithRequestRecord(std::move(request), request_id,
                           absl::StrCat("hash of ", request_id),
                           absl::StrCat("response to ", request_id));
}

// Collects the appends that completed OK, from every thread.
class CompletedLog {
 public:
  explicit CompletedLog(int writers) : running_(writers) {}

  void Add(Completed completed) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    completed_.push_back(std::move(completed));
  }
  // A writer thread stopped appending.
  void Stopped() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    --running_;
  }
  // Returns once at least `count` appends completed, or every writer
  // stopped (after an unexpected failure: the test then fails, not hangs).
  void WaitFor(size_t count) ABSL_LOCKS_EXCLUDED(mu_) {
    struct Arg {
      const CompletedLog* log;
      size_t count;
    } arg{this, count};
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Arg* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return a->log->completed_.size() >= a->count || a->log->running_ == 0;
        },
        &arg));
  }
  std::vector<Completed> Take() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return std::move(completed_);
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Completed> completed_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_);
};

// Why `completed` is not in `log` (indexed by position - 1) exactly as it
// was answered, or "" if it is.
std::string WhyMissing(const std::vector<RecordedEvent>& log,
                       const Completed& completed) {
  const AppendResult& result = completed.result;
  const std::string& request_id = completed.request.request->request_id;
  uint64_t position = result.first_position;
  for (size_t s = 0; s < completed.request.streams.size(); ++s) {
    const StreamAppend& stream = completed.request.streams[s];
    for (size_t e = 0; e < stream.events.size(); ++e, ++position) {
      if (position == 0 || position > log.size()) {
        return absl::StrCat(request_id, ": position ", position,
                            " is not in the log (", log.size(), " events)");
      }
      const RecordedEvent& got = log[position - 1];
      const NewEvent& want = stream.events[e];
      const bool same =
          got.position == position && got.stream_id == stream.stream_id &&
          got.version == result.streams[s].first_version + e &&
          got.id == want.id && got.type == want.type &&
          got.payload == want.payload &&
          got.metadata.actor == want.metadata.actor &&
          got.metadata.correlation_id == want.metadata.correlation_id &&
          got.metadata.causation_id == want.metadata.causation_id &&
          got.metadata.occurred_at == want.metadata.occurred_at &&
          got.recorded_at == result.recorded_at;
      if (!same) {
        return absl::StrCat(request_id, ": position ", position, " holds ",
                            got.stream_id, "@", got.version, " id ",
                            EventIdToHex(got.id), ", not ", stream.stream_id,
                            "@", result.streams[s].first_version + e, " id ",
                            EventIdToHex(want.id));
      }
    }
  }
  if (position != result.last_position + 1) {
    return absl::StrCat(request_id, ": the answer spans positions ",
                        result.first_position, "..", result.last_position,
                        " but the request has ",
                        position - result.first_position, " events");
  }
  if (log[result.last_position - 1].global_hash != result.global_hash) {
    return absl::StrCat(request_id, ": global hash at position ",
                        result.last_position, " differs from the answer");
  }
  return "";
}

// Positions 1..n with no gap and, per stream, versions 0..k with no gap.
void ExpectGapFree(const std::vector<RecordedEvent>& log) {
  std::map<std::string, uint64_t> next_version;
  for (size_t i = 0; i < log.size(); ++i) {
    ASSERT_EQ(log[i].position, i + 1) << "gap in the log";
    uint64_t& next = next_version[log[i].stream_id];
    ASSERT_EQ(log[i].version, next)
        << "gap in stream " << log[i].stream_id << " at " << log[i].position;
    ++next;
  }
}

// When the power goes out.
enum class CrashAt {
  kNow,          // FaultInjectionFs::Crash(), wherever the appends are
  kNextWalSync,  // a batch is written to the WAL but not synced
};

struct CrashOutcome {
  FaultInjectionFs::PowerLoss loss;
  std::vector<Completed> completed;  // before and around the crash
  std::vector<RecordedEvent> log;    // after the crash and the reopen
  std::vector<std::string> lost;     // completed appends not in `log`
};

// Creates a store, appends from kThreads threads through FaultInjectionFs
// until kCompletedBeforeCrash appends completed, cuts the power while they
// still run, applies the loss to the disk and reopens the store on the real
// file system.
void RunUntilPowerLoss(bool sync_writes, CrashAt crash_at,
                       CrashOutcome* outcome) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  FaultyDisk disk = PrepareFaultyDisk(path);
  const std::shared_ptr<FaultInjectionFs>& fs = disk.fs;
  std::unique_ptr<RocksDbEventStore> store =
      OpenStoreOrDie(path, OnEnv(disk.env.get(), sync_writes));
  ASSERT_NE(store, nullptr);

  CompletedLog completed(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &store, &completed] {
      // Until the first failure: after the crash every append fails.
      for (int i = 0; i < kMaxAppendsPerThread; ++i) {
        AppendRequest request = MakeAppend(t, i);
        absl::StatusOr<AppendResult> result = store->AppendBlocking(request);
        if (!result.ok()) break;
        completed.Add(Completed{std::move(request), *std::move(result)});
      }
      completed.Stopped();
    });
  }
  completed.WaitFor(kCompletedBeforeCrash);
  switch (crash_at) {
    case CrashAt::kNow:
      fs->Crash();
      break;
    case CrashAt::kNextWalSync:
      fs->CrashAtNextWalSync();
      break;
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_TRUE(fs->crashed());
  store.reset();
  absl::StatusOr<FaultInjectionFs::PowerLoss> loss = fs->ApplyCrashToDisk();
  ASSERT_OK(loss);
  outcome->loss = *loss;
  outcome->completed = completed.Take();

  store = OpenStoreOrDie(path);
  ASSERT_NE(store, nullptr);
  outcome->log = ReadWholeLog(*store);
  ExpectGapFree(outcome->log);
  absl::StatusOr<VerifyReport> report = store->Verify();
  ASSERT_OK(report);
  EXPECT_OK(report->ToStatus());
  EXPECT_EQ(report->events_checked, outcome->log.size());

  for (const Completed& c : outcome->completed) {
    std::string why = WhyMissing(outcome->log, c);
    if (why.empty()) {
      // The request record came back with the events.
      absl::StatusOr<std::optional<AppendResult>> recorded =
          store->LookupRequest(c.request.request->request_id);
      ASSERT_OK(recorded);
      if (!recorded->has_value()) {
        why = absl::StrCat(c.request.request->request_id,
                           ": events present but request record missing");
      } else if ((*recorded)->first_position != c.result.first_position ||
                 (*recorded)->last_position != c.result.last_position ||
                 (*recorded)->response != c.result.response) {
        why = absl::StrCat(c.request.request->request_id,
                           ": the request record gives another answer");
      }
    }
    if (!why.empty()) outcome->lost.push_back(std::move(why));
  }
}

TEST(DurabilityTest, EveryCompletedAppendSurvivesPowerLoss) {
  CrashOutcome outcome;
  ASSERT_NO_FATAL_FAILURE(
      RunUntilPowerLoss(/*sync_writes=*/true, CrashAt::kNow, &outcome));
  EXPECT_GE(outcome.completed.size(), kCompletedBeforeCrash);
  EXPECT_THAT(outcome.lost, IsEmpty());
}

// The same, with the power cut between a batch's WAL write and its sync: the
// written batch is dropped, and with it no acknowledged append.
TEST(DurabilityTest, UnsyncedBatchIsDroppedAndNoCompletedAppendIsLost) {
  CrashOutcome outcome;
  ASSERT_NO_FATAL_FAILURE(
      RunUntilPowerLoss(/*sync_writes=*/true, CrashAt::kNextWalSync, &outcome));
  EXPECT_GT(outcome.loss.bytes_dropped, 0u);
  EXPECT_GE(outcome.completed.size(), kCompletedBeforeCrash);
  EXPECT_THAT(outcome.lost, IsEmpty());
}

// The control: without the WAL sync, acknowledged appends are not durable,
// and the test above would see it.
TEST(DurabilityTest, ControlWithoutSyncLosesCompletedAppends) {
  CrashOutcome outcome;
  ASSERT_NO_FATAL_FAILURE(
      RunUntilPowerLoss(/*sync_writes=*/false, CrashAt::kNow, &outcome));
  EXPECT_GE(outcome.completed.size(), kCompletedBeforeCrash);
  EXPECT_THAT(outcome.lost, Not(IsEmpty()));
}

}  // namespace
}  // namespace relog::testing
