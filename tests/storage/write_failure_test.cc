// A failed WAL write or sync (DESIGN.md, storage invariant 5): the faulted
// batch's appends fail OUTCOME_UNKNOWN, the store refuses appends until it
// recovered, and after recovery the log is whole, every acknowledged append
// is in it and retries with the same request id land exactly once.
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "storage/errors.h"
#include "storage/event_store.h"
#include "storage/rocksdb_event_store_impl.h"
#include "tests/storage/fault_injection_fs.h"
#include "tests/storage/faulty_disk.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog::testing {
namespace {

using ::testing::Contains;
using ::testing::Pair;

// How an append ended, and the WAL bytes not yet synced when it did.
struct Outcome {
  absl::StatusOr<AppendResult> result;
  uint64_t unsynced_wal_bytes = 0;
};

// An append that completed OK.
struct Completed {
  AppendRequest request;
  AppendResult result;
};

enum class Fault { kWalWrite, kWalSync, kDiskFull };

class WriteFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("db");
    FaultyDisk disk = PrepareFaultyDisk(path_);
    fs_ = std::move(disk.fs);
    env_ = std::move(disk.env);
    RocksDbEventStoreOptions options;
    options.path = path_;
    // No recovery but the one the test asks for: the store must stay
    // read-only while the fault is active.
    options.recovery_backoff_min = absl::Hours(1);
    options.recovery_backoff_max = absl::Hours(1);
    absl::StatusOr<std::unique_ptr<RocksDbEventStore>> store =
        RocksDbEventStore::Open(options, OnEnv(env_.get()));
    ASSERT_OK(store);
    store_ = *std::move(store);
  }

  // Appends `requests` as one group: the writer is paused while they queue.
  // Each outcome records the WAL bytes left unsynced when it completed.
  std::vector<Outcome> AppendGroup(const std::vector<AppendRequest>& requests) {
    std::vector<Outcome> outcomes(requests.size());
    absl::BlockingCounter done(static_cast<int>(requests.size()));
    store_->PauseWriterForTesting();
    for (size_t i = 0; i < requests.size(); ++i) {
      store_->Append(requests[i], [this, &outcomes, &done,
                                   i](absl::StatusOr<AppendResult> result) {
        outcomes[i] = Outcome{std::move(result), fs_->UnsyncedOpenWalBytes()};
        done.DecrementCount();
      });
    }
    store_->ResumeWriterForTesting();
    done.Wait();
    for (size_t i = 0; i < requests.size(); ++i) {
      if (outcomes[i].result.ok()) {
        completed_.push_back(Completed{requests[i], *outcomes[i].result});
      }
    }
    return outcomes;
  }

  Outcome AppendOne(AppendRequest request) {
    return AppendGroup({std::move(request)}).front();
  }

  // The scenario of every test below, with the fault it names.
  void RunScenario(Fault fault);

  void InjectFault() {
    switch (fault_) {
      case Fault::kWalWrite:
        fs_->FailWalAppends(FaultInjectionFs::kEveryAppend);
        break;
      case Fault::kWalSync:
        fs_->FailWalSyncs(true);
        break;
      case Fault::kDiskFull:
        fs_->FailWalAppends(FaultInjectionFs::kEveryAppend,
                            FaultInjectionFs::WriteFault::kNoSpace);
        break;
    }
  }

  std::string ExpectedCause() const {
    return fault_ == Fault::kDiskFull ? cause::kNoSpace : cause::kIoError;
  }

  Fault fault_ = Fault::kWalWrite;
  TempDir dir_;
  std::string path_;
  // Declared before the store, which uses them until it is destroyed.
  std::shared_ptr<FaultInjectionFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<RocksDbEventStore> store_;
  std::vector<Completed> completed_;
};

// An append of one event to `stream` at `expected`, with a request record.
AppendRequest Request(absl::string_view stream, ExpectedVersion expected,
                      absl::string_view request_id, int events = 1) {
  return WithRequestRecord(OneStream(stream, expected, request_id, events),
                           request_id, absl::StrCat("hash of ", request_id),
                           absl::StrCat("response to ", request_id));
}

// Fails the test unless `log` (indexed by position - 1) holds `completed`
// exactly as it was answered.
void ExpectInLog(const std::vector<RecordedEvent>& log,
                 const Completed& completed) {
  const std::string& request_id = completed.request.request->request_id;
  uint64_t position = completed.result.first_position;
  for (size_t s = 0; s < completed.request.streams.size(); ++s) {
    const StreamAppend& stream = completed.request.streams[s];
    for (size_t e = 0; e < stream.events.size(); ++e, ++position) {
      ASSERT_GE(position, 1u) << request_id;
      ASSERT_LE(position, log.size()) << request_id;
      const RecordedEvent& got = log[position - 1];
      const NewEvent& want = stream.events[e];
      EXPECT_EQ(got.stream_id, stream.stream_id) << request_id;
      EXPECT_EQ(got.version, completed.result.streams[s].first_version + e)
          << request_id;
      EXPECT_EQ(got.id, want.id) << request_id;
      EXPECT_EQ(got.type, want.type) << request_id;
      EXPECT_EQ(got.payload, want.payload) << request_id;
      EXPECT_EQ(got.metadata.causation_id, want.metadata.causation_id)
          << request_id;
      EXPECT_EQ(got.recorded_at, completed.result.recorded_at) << request_id;
    }
  }
  EXPECT_EQ(position, completed.result.last_position + 1) << request_id;
  EXPECT_EQ(log[completed.result.last_position - 1].global_hash,
            completed.result.global_hash)
      << request_id;
}

// How many events of `request` the log holds.
int CountInLog(const std::vector<RecordedEvent>& log,
               const AppendRequest& request) {
  int count = 0;
  for (const StreamAppend& stream : request.streams) {
    for (const NewEvent& event : stream.events) {
      for (const RecordedEvent& recorded : log) {
        if (recorded.id == event.id) ++count;
      }
    }
  }
  return count;
}

void WriteFailureTest::RunScenario(Fault fault) {
  fault_ = fault;
  // Before the fault: acknowledged appends, each synced when it completed.
  const std::vector<AppendRequest> before = {
      Request("case-0", ExpectedVersion::NoStream(), "before-0"),
      Request("case-1", ExpectedVersion::NoStream(), "before-1", 2),
      Request("case-0", ExpectedVersion::Exact(0), "before-2"),
      Request("case-1", ExpectedVersion::Exact(1), "before-3", 2),
  };
  for (size_t i = 0; i < before.size(); ++i) {
    Outcome outcome = AppendOne(before[i]);
    ASSERT_OK(outcome.result) << "append " << i;
    EXPECT_EQ(outcome.unsynced_wal_bytes, 0u) << "append " << i;
  }
  const uint64_t head_before = store_->GetLogHead().position;
  ASSERT_EQ(head_before, 6u);

  // The faulted batch: three appends, two of them to one stream.
  InjectFault();
  const std::vector<AppendRequest> faulted = {
      Request("case-0", ExpectedVersion::Exact(1), "faulted-0", 2),
      Request("case-0", ExpectedVersion::Exact(3), "faulted-1"),
      Request("case-new", ExpectedVersion::NoStream(), "faulted-2"),
  };
  std::vector<Outcome> outcomes = AppendGroup(faulted);
  for (size_t i = 0; i < outcomes.size(); ++i) {
    EXPECT_THAT(outcomes[i].result, StatusIs(absl::StatusCode::kUnavailable,
                                             reason::kOutcomeUnknown))
        << "faulted append " << i;
    EXPECT_THAT(GetErrorMetadata(outcomes[i].result.status()),
                Contains(Pair(meta::kCause, ExpectedCause())))
        << "faulted append " << i;
  }
  if (fault_ == Fault::kWalSync) {
    EXPECT_GT(fs_->UnsyncedOpenWalBytes(), 0u) << "the batch was written";
  } else {
    EXPECT_GT(fs_->failed_wal_appends(), 0u);
  }

  // While the fault is active the store refuses appends, writing nothing.
  EXPECT_TRUE(store_->read_only());
  Outcome refused =
      AppendOne(Request("case-1", ExpectedVersion::Any(), "while-read-only"));
  EXPECT_THAT(refused.result,
              StatusIs(absl::StatusCode::kUnavailable, reason::kStoreReadOnly));
  EXPECT_THAT(GetErrorMetadata(refused.result.status()),
              Contains(Pair(meta::kCause, ExpectedCause())));
  EXPECT_TRUE(store_->read_only());
  // Readers see no event of unknown outcome.
  EXPECT_EQ(store_->GetLogHead().position, head_before);
  EXPECT_EQ(ReadWholeLog(*store_).size(), head_before);

  // Recovery.
  fs_->ClearFaults();
  ASSERT_OK(store_->Recover());
  EXPECT_FALSE(store_->read_only());
  // Whatever the disk kept of the faulted batch, it kept it whole.
  const uint64_t head_recovered = store_->GetLogHead().position;
  EXPECT_TRUE(head_recovered == head_before ||
              head_recovered == head_before + 4)
      << "log head after recovery: " << head_recovered;

  // Retries with the same request ids (and the same expected versions) land
  // once: found if the batch survived, written now if not.
  std::vector<Outcome> retried = AppendGroup(faulted);
  for (size_t i = 0; i < retried.size(); ++i) {
    ASSERT_OK(retried[i].result) << "retry " << i;
    EXPECT_EQ(retried[i].unsynced_wal_bytes, 0u) << "retry " << i;
    EXPECT_EQ(retried[i].result->replayed, head_recovered != head_before)
        << "retry " << i;
    EXPECT_EQ(retried[i].result->response, faulted[i].request->response)
        << "retry " << i;
  }
  EXPECT_EQ(retried[0].result->first_position, head_before + 1);
  EXPECT_EQ(retried[2].result->last_position, head_before + 4);
  // A second retry is a replay of the same answer.
  std::vector<Outcome> again = AppendGroup(faulted);
  for (size_t i = 0; i < again.size(); ++i) {
    ASSERT_OK(again[i].result) << "second retry " << i;
    EXPECT_TRUE(again[i].result->replayed) << "second retry " << i;
    EXPECT_EQ(again[i].result->first_position,
              retried[i].result->first_position)
        << "second retry " << i;
  }

  // New appends succeed again.
  for (int i = 0; i < 3; ++i) {
    Outcome outcome = AppendOne(Request("case-1", ExpectedVersion::Exact(3 + i),
                                        absl::StrCat("after-", i)));
    ASSERT_OK(outcome.result) << "append after recovery " << i;
    EXPECT_FALSE(outcome.result->replayed);
    EXPECT_EQ(outcome.unsynced_wal_bytes, 0u);
  }

  // The whole log: gap-free, verified, every acknowledged append in place,
  // each faulted request exactly once, nothing of the refused one.
  std::vector<RecordedEvent> log = ReadWholeLog(*store_);
  ASSERT_EQ(log.size(), head_before + 4 + 3);
  std::map<std::string, uint64_t> next_version;
  for (size_t i = 0; i < log.size(); ++i) {
    ASSERT_EQ(log[i].position, i + 1);
    EXPECT_EQ(log[i].version, next_version[log[i].stream_id]++)
        << "stream " << log[i].stream_id;
  }
  absl::StatusOr<VerifyReport> report = store_->Verify();
  ASSERT_OK(report);
  EXPECT_OK(report->ToStatus());
  for (const Completed& completed : completed_) {
    ExpectInLog(log, completed);
  }
  EXPECT_EQ(CountInLog(log, faulted[0]), 2);
  EXPECT_EQ(CountInLog(log, faulted[1]), 1);
  EXPECT_EQ(CountInLog(log, faulted[2]), 1);
  EXPECT_EQ(CountInLog(log, Request("case-1", ExpectedVersion::Any(),
                                    "while-read-only")),
            0);
}

// The WAL append fails (EIO). (RocksDB 7.8 then leaves nothing of the batch
// in the WAL: the retries write it.)
TEST_F(WriteFailureTest, FailedWalWrite) { RunScenario(Fault::kWalWrite); }

// The WAL sync fails: the batch is written but not synced. (The reopened
// RocksDB 7.8 replays it from the WAL: the retries find it, replayed.)
TEST_F(WriteFailureTest, FailedWalSync) { RunScenario(Fault::kWalSync); }

// The disk is full (ENOSPC): as a failed write, with cause NO_SPACE.
TEST_F(WriteFailureTest, DiskFull) { RunScenario(Fault::kDiskFull); }

}  // namespace
}  // namespace relog::testing

namespace relog::testing {
namespace {

// A refusal computed on top of an earlier append of the same group (a
// version that append would have moved, a request id it would have
// recorded) is as uncertain as that append when the group's write fails.
TEST_F(WriteFailureTest, RefusalsInAFailedGroupAreUnknownToo) {
  ASSERT_OK(AppendOne(Request("s", ExpectedVersion::NoStream(), "a")).result);
  fs_->FailWalAppends(FaultInjectionFs::kEveryAppend);
  AppendRequest reused = Request("t", ExpectedVersion::Any(), "other");
  reused.request->request_id = "b";  // b's id with another body
  std::vector<Outcome> outcomes =
      AppendGroup({Request("s", ExpectedVersion::Exact(0), "b"),
                   Request("s", ExpectedVersion::Exact(0), "c"), reused});
  for (const Outcome& outcome : outcomes) {
    EXPECT_THAT(outcome.result, StatusIs(absl::StatusCode::kUnavailable,
                                         reason::kOutcomeUnknown));
  }
  fs_->ClearFaults();
  ASSERT_OK(store_->Recover());
  // The failed write left nothing: c's expected version is right after all.
  Outcome c = AppendOne(Request("s", ExpectedVersion::Exact(0), "c"));
  ASSERT_OK(c.result);
  EXPECT_EQ(c.result->streams[0].first_version, 1u);
}

// A view write that meets the failing disk is UNAVAILABLE (retried by the
// projection runner), not an INTERNAL error that would stop it for good.
TEST_F(WriteFailureTest, ViewWritesOnAFailingDiskAreUnavailable) {
  ViewStore& views = store_->views();
  ASSERT_OK(views.Write("v", 0, {{{"k", "1"}}, {}, 1}));
  fs_->FailWalAppends(FaultInjectionFs::kEveryAppend);
  EXPECT_THAT(views.Write("v", 1, {{{"k", "2"}}, {}, 2}),
              StatusIs(absl::StatusCode::kUnavailable, reason::kStoreReadOnly));
  fs_->ClearFaults();
  // RocksDB may now refuse writes until the store reopens it.
  (void)AppendOne(Request("s", ExpectedVersion::Any(), "wake"));
  ASSERT_OK(store_->Recover());
  ASSERT_OK(views.Write("v", *views.Checkpoint("v"), {{{"k", "3"}}, {}, 3}));
  EXPECT_EQ(**views.Get("v", "k"), "3");
}

// While the database cannot be reopened, the view store answers UNAVAILABLE
// rather than serving or creating views over names it could not read.
TEST_F(WriteFailureTest, ViewsAreUnavailableWhileRecoveryFails) {
  ViewStore& views = store_->views();
  ASSERT_OK(views.Write("v", 0, {{{"k", "1"}}, {}, 5}));
  fs_->Crash();  // every I/O fails from now on, reopening included
  EXPECT_THAT(
      AppendOne(Request("s", ExpectedVersion::Any(), "x")).result,
      StatusIs(absl::StatusCode::kUnavailable, reason::kOutcomeUnknown));
  EXPECT_FALSE(store_->Recover().ok());
  EXPECT_TRUE(store_->read_only());
  EXPECT_THAT(views.Write("w", 0, {{{"k", "2"}}, {}, 1}),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(views.Write("v", 5, {{{"k", "2"}}, {}, 6}),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(views.Checkpoint("v"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(views.Get("v", "k"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store_->ReadAllForward(1, 10),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace relog::testing

namespace relog::testing {
namespace {

// Recover() answers with an attempt that began after it was called, not
// with one already under way (which may predate the operator's fix).
TEST(RecoverTest, WaitsForAnAttemptThatBeganAfterTheCall) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  FaultyDisk disk = PrepareFaultyDisk(path);
  const std::shared_ptr<FaultInjectionFs>& fs = disk.fs;
  rocksdb::Env* const env = disk.env.get();

  absl::Mutex mu;
  int attempts = 0;            // guarded by mu
  bool release_first = false;  // guarded by mu
  absl::Notification first_attempt_began;
  RocksDbTestingOptions testing = OnEnv(env);
  testing.before_recovery_attempt = [&]() -> absl::Status {
    absl::MutexLock lock(&mu);
    if (++attempts > 1) return absl::OkStatus();
    first_attempt_began.Notify();
    mu.Await(absl::Condition(&release_first));
    return absl::UnavailableError("the disk is still full");
  };
  RocksDbEventStoreOptions options;
  options.path = path;
  options.recovery_backoff_min = absl::Milliseconds(1);
  options.recovery_backoff_max = absl::Milliseconds(1);
  auto store = RocksDbEventStore::Open(options, testing);
  ASSERT_OK(store);

  fs->FailWalAppends(1);
  EXPECT_THAT(
      (*store)->AppendBlocking(OneStream("s", ExpectedVersion::Any(), "lost")),
      StatusIs(absl::StatusCode::kUnavailable, reason::kOutcomeUnknown));
  // The store's own attempt begins (after its 1 ms backoff) and is held.
  first_attempt_began.WaitForNotification();
  absl::Status recovered;
  std::thread operator_thread([&] { recovered = (*store)->Recover(); });
  // Let the held attempt fail only once the operator has asked: it must not
  // be the answer the operator gets.
  while ((*store)->RecoveryTicketsForTesting() == 0) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  {
    absl::MutexLock lock(&mu);
    release_first = true;
  }
  operator_thread.join();
  EXPECT_OK(recovered);
  EXPECT_FALSE((*store)->read_only());
  EXPECT_OK((*store)->AppendBlocking(
      OneStream("s", ExpectedVersion::Any(), "after")));
}

}  // namespace
}  // namespace relog::testing
