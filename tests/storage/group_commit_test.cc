// Group commit (DESIGN.md, storage invariant 4): appends queued together are
// written in one batch and share one WAL sync.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
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

constexpr int kAppends = 64;

TEST(GroupCommitTest, QueuedAppendsShareOneWalSync) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  FaultyDisk disk = PrepareFaultyDisk(path);
  const std::shared_ptr<FaultInjectionFs>& fs = disk.fs;
  std::unique_ptr<RocksDbEventStore> store =
      OpenStoreOrDie(path, OnEnv(disk.env.get()));
  ASSERT_NE(store, nullptr);
  const uint64_t base = store->GetLogHead().position;

  store->PauseWriterForTesting();
  // Written by the writer thread; read after `done` counted down to zero.
  std::vector<absl::StatusOr<AppendResult>> results(kAppends);
  absl::BlockingCounter done(kAppends);
  for (int i = 0; i < kAppends; ++i) {
    const std::string id = absl::StrCat("req-", i);
    store->Append(WithRequestRecord(OneStream(absl::StrCat("case-", i),
                                              ExpectedVersion::NoStream(), id),
                                    id, absl::StrCat("hash-", i)),
                  [&results, &done, i](absl::StatusOr<AppendResult> result) {
                    results[i] = std::move(result);
                    done.DecrementCount();
                  });
  }
  // Append() queues before it returns; the deadline only bounds a
  // regression.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (store->QueuedAppendsForTesting() < kAppends &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_EQ(store->QueuedAppendsForTesting(), kAppends);

  const uint64_t syncs_before = fs->wal_syncs();
  store->ResumeWriterForTesting();
  done.Wait();
  EXPECT_EQ(fs->wal_syncs() - syncs_before, 1u);

  // One batch, planned in queue order: consecutive positions after `base`.
  for (int i = 0; i < kAppends; ++i) {
    ASSERT_OK(results[i]) << "append " << i;
    EXPECT_FALSE(results[i]->replayed);
    EXPECT_EQ(results[i]->first_position, base + 1 + i) << "append " << i;
    EXPECT_EQ(results[i]->last_position, base + 1 + i) << "append " << i;
  }
  EXPECT_EQ(store->GetLogHead().position, base + kAppends);
  std::vector<RecordedEvent> log = ReadWholeLog(*store);
  ASSERT_EQ(log.size(), base + kAppends);
  for (int i = 0; i < kAppends; ++i) {
    const RecordedEvent& event = log[base + i];
    EXPECT_EQ(event.position, base + 1 + i);
    EXPECT_EQ(event.stream_id, absl::StrCat("case-", i));
    EXPECT_EQ(event.version, 0u);
  }
}

}  // namespace
}  // namespace relog::testing
