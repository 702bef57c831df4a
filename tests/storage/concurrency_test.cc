// Concurrent appends: optimistic concurrency on one stream, and global
// positions that are gap-free and consistent with real time across streams.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "storage/errors.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::OneStream;
using ::relog::testing::OpenStoreOrDie;
using ::relog::testing::ReadWholeLog;
using ::relog::testing::TempDir;

constexpr int kThreads = 8;

TEST(ConcurrencyTest, EachVersionOfOneStreamIsWonByExactlyOneAppend) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  constexpr uint64_t kVersions = 300;
  absl::Mutex mu;
  std::map<uint64_t, int> wins;  // version → winning appends
  int aborted = 0, other_errors = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int attempt = 0;; ++attempt) {
        absl::StatusOr<std::optional<StreamHead>> head =
            store->GetStreamHead("contended");
        ASSERT_OK(head);
        const uint64_t next = head->has_value() ? (*head)->version + 1 : 0;
        if (next >= kVersions) return;
        ExpectedVersion expected = head->has_value()
                                       ? ExpectedVersion::Exact(next - 1)
                                       : ExpectedVersion::NoStream();
        absl::StatusOr<AppendResult> result = store->AppendBlocking(OneStream(
            "contended", expected, absl::StrCat("t", t, "-", attempt)));
        absl::MutexLock lock(&mu);
        if (result.ok()) {
          EXPECT_EQ(result->streams[0].first_version, next);
          ++wins[result->streams[0].first_version];
        } else if (result.status().code() == absl::StatusCode::kAborted &&
                   ErrorReason(result.status()) ==
                       reason::kWrongExpectedVersion) {
          ++aborted;
        } else {
          ++other_errors;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(other_errors, 0);
  ASSERT_EQ(wins.size(), kVersions);
  for (const auto& [version, count] : wins) {
    EXPECT_EQ(count, 1) << "version " << version;
  }
  absl::StatusOr<std::vector<RecordedEvent>> events =
      store->ReadStreamForward("contended", 0, 10 * kVersions);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), kVersions);
  for (uint64_t v = 0; v < kVersions; ++v) {
    EXPECT_EQ((*events)[v].version, v);
    EXPECT_EQ((*events)[v].position, v + 1);
  }
  std::printf("%d attempts lost to a concurrent append (ABORTED)\n", aborted);
}

struct Timed {
  uint64_t submitted_tick = 0;
  uint64_t completed_tick = 0;
  uint64_t first_position = 0;
  uint64_t last_position = 0;
};

TEST(ConcurrencyTest, PositionsAreGapFreeAndFollowRealTime) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  constexpr int kAppendsPerThread = 150;
  std::atomic<uint64_t> ticks{0};
  std::atomic<bool> writing{true};
  std::vector<std::vector<Timed>> timed(kThreads);

  // A reader that sees position p must be able to read every position below
  // it, while appends go on.
  int reader_checks = 0;
  std::thread reader([&] {
    while (writing.load()) {
      absl::StatusOr<std::vector<RecordedEvent>> last =
          store->ReadAllBackward(kEnd, 1);
      ASSERT_OK(last);
      if (last->empty()) continue;
      const uint64_t seen = last->front().position;
      absl::StatusOr<std::vector<RecordedEvent>> prefix =
          store->ReadAllForward(1, seen);
      ASSERT_OK(prefix);
      ASSERT_EQ(prefix->size(), seen);
      for (uint64_t i = 0; i < seen; ++i) {
        ASSERT_EQ((*prefix)[i].position, i + 1);
      }
      ++reader_checks;
    }
  });

  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      uint64_t last_version = 0;
      for (int i = 0; i < kAppendsPerThread; ++i) {
        Timed record;
        record.submitted_tick = ticks.fetch_add(1);
        absl::StatusOr<AppendResult> result = store->AppendBlocking(
            OneStream(absl::StrCat("stream-", t),
                      i == 0 ? ExpectedVersion::NoStream()
                             : ExpectedVersion::Exact(last_version),
                      absl::StrCat("w", t, "-", i), 1 + i % 3));
        record.completed_tick = ticks.fetch_add(1);
        ASSERT_OK(result);
        last_version = result->streams[0].last_version;
        record.first_position = result->first_position;
        record.last_position = result->last_position;
        timed[t].push_back(record);
      }
    });
  }
  for (std::thread& thread : writers) thread.join();
  writing.store(false);
  reader.join();
  EXPECT_GT(reader_checks, 0);

  // Gap-free: the ranges tile 1..N exactly.
  std::vector<Timed> all;
  for (const auto& per_thread : timed) {
    all.insert(all.end(), per_thread.begin(), per_thread.end());
  }
  std::sort(all.begin(), all.end(), [](const Timed& a, const Timed& b) {
    return a.first_position < b.first_position;
  });
  uint64_t next = 1;
  for (const Timed& t : all) {
    ASSERT_EQ(t.first_position, next);
    next = t.last_position + 1;
  }
  EXPECT_EQ(store->GetLogHead().position, next - 1);
  EXPECT_EQ(ReadWholeLog(*store).size(), next - 1);

  // Real time: if A completed before B was submitted, A's positions are
  // below B's. Sweep the ticks in order, tracking the highest position of
  // every append completed so far.
  std::vector<std::pair<uint64_t, const Timed*>> by_tick;
  for (const Timed& t : all) {
    by_tick.emplace_back(t.submitted_tick, &t);
    by_tick.emplace_back(t.completed_tick, &t);
  }
  std::sort(by_tick.begin(), by_tick.end());
  uint64_t highest_completed = 0;
  for (const auto& [tick, t] : by_tick) {
    if (tick == t->submitted_tick) {
      EXPECT_GT(t->first_position, highest_completed);
    } else {
      highest_completed = std::max(highest_completed, t->last_position);
    }
  }
}

// A reader that stops in the middle of a scan (a slow subscriber, a
// projection busy with its view) holds nothing the writer needs.
TEST(ConcurrencyTest, AStalledReaderDoesNotSlowAppends) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(store->AppendBlocking(
        OneStream("s", ExpectedVersion::Any(), absl::StrCat("before", i))));
  }
  absl::Notification reader_stalled, release_reader;
  std::thread reader([&] {
    ASSERT_OK(store->ScanAll(1, 10, [&](const RecordedEvent& event) {
      if (event.position == 5) {
        reader_stalled.Notify();
        release_reader.WaitForNotification();
      }
      return true;
    }));
  });
  reader_stalled.WaitForNotification();
  // The reader is stalled inside its scan: appends still complete, and
  // other reads too.
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(store->AppendBlocking(
        OneStream("t", ExpectedVersion::Any(), absl::StrCat("during", i))));
  }
  EXPECT_EQ(store->GetLogHead().position, 30u);
  EXPECT_EQ(store->ReadAllForward(1, 100)->size(), 30u);
  release_reader.Notify();
  reader.join();
}

}  // namespace
}  // namespace relog
