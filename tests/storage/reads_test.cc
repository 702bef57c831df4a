// Reads: streams and the global log in both directions, heads, listing, and
// waiting on a position.
#include <atomic>
#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "storage/errors.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/manual_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::OneStream;
using ::relog::testing::OpenStoreOrDie;
using ::relog::testing::StatusIs;
using ::relog::testing::TempDir;

std::vector<uint64_t> Versions(const std::vector<RecordedEvent>& events) {
  std::vector<uint64_t> out;
  for (const RecordedEvent& e : events) out.push_back(e.version);
  return out;
}

std::vector<uint64_t> Positions(const std::vector<RecordedEvent>& events) {
  std::vector<uint64_t> out;
  for (const RecordedEvent& e : events) out.push_back(e.position);
  return out;
}

class ReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStoreOrDie(dir_.path());
    // case/a: versions 0..4 at positions 1,3,5,7,9; case/b and other/c
    // interleaved.
    for (int i = 0; i < 5; ++i) {
      ASSERT_OK(store_->AppendBlocking(
          OneStream("case/a", ExpectedVersion::Any(), absl::StrCat("a", i))));
      ASSERT_OK(store_->AppendBlocking(OneStream(i % 2 ? "case/b" : "other/c",
                                                 ExpectedVersion::Any(),
                                                 absl::StrCat("bc", i))));
    }
  }

  TempDir dir_;
  std::unique_ptr<RocksDbEventStore> store_;
};

TEST_F(ReadsTest, StreamForwardFromAVersionWithALimit) {
  auto events = store_->ReadStreamForward("case/a", 1, 3);
  ASSERT_OK(events);
  EXPECT_EQ(Versions(*events), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(Positions(*events), (std::vector<uint64_t>{3, 5, 7}));
  const RecordedEvent& e = (*events)[0];
  EXPECT_EQ(e.stream_id, "case/a");
  EXPECT_EQ(e.type, "test.Event");
  EXPECT_EQ(e.payload, "payload of a1/0");
  EXPECT_EQ(e.id, DeriveEventId("a1", 0));
  EXPECT_EQ(e.metadata.actor, "tester");
  EXPECT_EQ(e.metadata.correlation_id, "op-1");
  EXPECT_EQ(e.metadata.causation_id, "a1");
  EXPECT_EQ(e.metadata.occurred_at, absl::CivilDay(2024, 3, 15));
  EXPECT_EQ(e.stream_hash.size(), 32u);
  EXPECT_EQ(e.global_hash.size(), 32u);

  EXPECT_TRUE(store_->ReadStreamForward("case/a", 5, 10)->empty());
  EXPECT_TRUE(store_->ReadStreamForward("nope", 0, 10)->empty());
  // A stream whose id extends another's is not read with it.
  ASSERT_OK(store_->AppendBlocking(
      OneStream("case/a2", ExpectedVersion::Any(), "other-a2")));
  EXPECT_EQ(store_->ReadStreamForward("case/a", 0, 100)->size(), 5u);
}

TEST_F(ReadsTest, StreamBackwardFromAVersionOrTheEnd) {
  auto from_end = store_->ReadStreamBackward("case/a", kEnd, 2);
  ASSERT_OK(from_end);
  EXPECT_EQ(Versions(*from_end), (std::vector<uint64_t>{4, 3}));
  auto from_two = store_->ReadStreamBackward("case/a", 2, 10);
  ASSERT_OK(from_two);
  EXPECT_EQ(Versions(*from_two), (std::vector<uint64_t>{2, 1, 0}));
  EXPECT_EQ(Versions(*store_->ReadStreamBackward("case/b", kEnd, 10)),
            (std::vector<uint64_t>{1, 0}));
  EXPECT_TRUE(store_->ReadStreamBackward("nope", kEnd, 10)->empty());
}

TEST_F(ReadsTest, GlobalLogForwardAndBackward) {
  auto forward = store_->ReadAllForward(4, 3);
  ASSERT_OK(forward);
  EXPECT_EQ(Positions(*forward), (std::vector<uint64_t>{4, 5, 6}));
  EXPECT_EQ(Positions(*store_->ReadAllForward(0, 2)),
            (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(store_->ReadAllForward(11, 5)->empty());
  auto backward = store_->ReadAllBackward(kEnd, 3);
  ASSERT_OK(backward);
  EXPECT_EQ(Positions(*backward), (std::vector<uint64_t>{10, 9, 8}));
  EXPECT_EQ(Positions(*store_->ReadAllBackward(2, 5)),
            (std::vector<uint64_t>{2, 1}));
  EXPECT_TRUE(store_->ReadAllBackward(0, 5)->empty());
  // The global hash of the last event is the log head's.
  EXPECT_EQ(backward->front().global_hash, store_->GetLogHead().global_hash);
  EXPECT_EQ(store_->GetLogHead().position, 10u);
}

TEST_F(ReadsTest, ScanAllVisitsInOrderAndStopsWhenAsked) {
  std::vector<uint64_t> seen;
  absl::StatusOr<uint64_t> visited =
      store_->ScanAll(3, 100, [&](const RecordedEvent& event) {
        seen.push_back(event.position);
        return true;
      });
  ASSERT_OK(visited);
  EXPECT_EQ(*visited, 8u);
  EXPECT_EQ(seen, (std::vector<uint64_t>{3, 4, 5, 6, 7, 8, 9, 10}));

  // The visitor may stop the scan, and may call the store (no lock held).
  seen.clear();
  visited = store_->ScanAll(0, 100, [&](const RecordedEvent& event) {
    seen.push_back(event.position);
    EXPECT_OK(store_->GetStreamHead(event.stream_id));
    return event.position < 4;
  });
  EXPECT_EQ(*visited, 4u);
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(*store_->ScanAll(1, 2, [](const RecordedEvent&) { return true; }),
            2u);
  EXPECT_EQ(*store_->ScanAll(11, 5, [](const RecordedEvent&) { return true; }),
            0u);
}

TEST_F(ReadsTest, ScanAllGivesWhatReadAllForwardGives) {
  // An event without occurred_at after events with one: the reused event
  // must not keep the previous date.
  AppendRequest undated = OneStream("undated", ExpectedVersion::Any(), "u");
  undated.streams[0].events[0].metadata.occurred_at.reset();
  undated.streams[0].events[0].payload = std::string(5000, 'p');
  ASSERT_OK(store_->AppendBlocking(undated));
  ASSERT_OK(
      store_->AppendBlocking(OneStream("dated", ExpectedVersion::Any(), "d")));
  auto expected = store_->ReadAllForward(1, 100);
  ASSERT_OK(expected);
  size_t i = 0;
  ASSERT_OK(store_->ScanAll(1, 100, [&](const RecordedEvent& e) {
    const RecordedEvent& want = (*expected)[i++];
    EXPECT_EQ(e.position, want.position);
    EXPECT_EQ(e.stream_id, want.stream_id);
    EXPECT_EQ(e.version, want.version);
    EXPECT_EQ(e.payload, want.payload);
    EXPECT_EQ(e.metadata.occurred_at, want.metadata.occurred_at);
    EXPECT_EQ(e.metadata.causation_id, want.metadata.causation_id);
    EXPECT_EQ(e.global_hash, want.global_hash);
    return true;
  }));
  EXPECT_EQ(i, expected->size());
  EXPECT_FALSE((*expected)[10].metadata.occurred_at.has_value());
}

TEST(ScanAllTest, CrossesChunkBoundaries) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  // 2,600 events: more than two of ScanAll's 1,024-event chunks.
  for (int i = 0; i < 26; ++i) {
    ASSERT_OK(store->AppendBlocking(OneStream(absl::StrCat("s", i % 3),
                                              ExpectedVersion::Any(),
                                              absl::StrCat("r", i), 100)));
  }
  uint64_t next = 1;
  absl::StatusOr<uint64_t> visited =
      store->ScanAll(1, UINT64_MAX, [&](const RecordedEvent& event) {
        EXPECT_EQ(event.position, next);
        ++next;
        return true;
      });
  ASSERT_OK(visited);
  EXPECT_EQ(*visited, 2600u);
  visited =
      store->ScanAll(1000, 1100, [](const RecordedEvent&) { return true; });
  EXPECT_EQ(*visited, 1100u);
}

TEST_F(ReadsTest, StreamHeads) {
  auto head = store_->GetStreamHead("case/a");
  ASSERT_OK(head);
  ASSERT_TRUE(head->has_value());
  EXPECT_EQ((*head)->version, 4u);
  EXPECT_EQ((*head)->position, 9u);
  EXPECT_EQ((*head)->stream_hash,
            store_->ReadStreamBackward("case/a", kEnd, 1)->front().stream_hash);
  EXPECT_FALSE(store_->GetStreamHead("nope")->has_value());
}

TEST_F(ReadsTest, ListStreamsByPrefixInPages) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(store_->AppendBlocking(OneStream(absl::StrCat("case/z", i),
                                               ExpectedVersion::Any(),
                                               absl::StrCat("z", i))));
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = store_->ListStreams("case/", 3, token);
    ASSERT_OK(page);
    EXPECT_LE(page->streams.size(), 3u);
    for (const StreamHead& head : page->streams) seen.push_back(head.stream_id);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen,
            (std::vector<std::string>{"case/a", "case/b", "case/z0", "case/z1",
                                      "case/z2", "case/z3", "case/z4"}));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(store_->ListStreams("", 100, "")->streams.size(), 8u);
  EXPECT_THAT(store_->ListStreams("case/", 3, "other/c"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ReadsTest, ACancelledWaitEndsAndOnlyThatOne) {
  std::atomic<bool> cancel_first{false}, cancel_second{false};
  absl::Status first, second;
  std::thread first_waiter([&] {
    first =
        store_->WaitForPosition(1000, absl::InfiniteFuture(), &cancel_first);
  });
  std::thread second_waiter([&] {
    second =
        store_->WaitForPosition(12, absl::InfiniteFuture(), &cancel_second);
  });
  // Whether or not the first waiter is already waiting, the flag ends it:
  // a wait checks it when it begins and whenever woken.
  cancel_first.store(true);
  store_->WakeWaiters();
  first_waiter.join();
  EXPECT_THAT(first,
              StatusIs(absl::StatusCode::kCancelled, reason::kWaitInterrupted));
  // The second waiter was not cancelled: it ends when the log reaches 12.
  ASSERT_OK(store_->AppendBlocking(
      OneStream("late", ExpectedVersion::Any(), "late", 2)));
  second_waiter.join();
  EXPECT_OK(second);
}

TEST_F(ReadsTest, ListStreamsEndsWithoutAnEmptyPage) {
  // case/a and case/b exist; two pages of exactly two and one streams.
  auto first = store_->ListStreams("case/", 2, "");
  ASSERT_OK(first);
  EXPECT_EQ(first->streams.size(), 2u);
  EXPECT_TRUE(first->next_page_token.empty());
  ASSERT_OK(
      store_->AppendBlocking(OneStream("case/c", ExpectedVersion::Any(), "c")));
  first = store_->ListStreams("case/", 2, "");
  ASSERT_FALSE(first->next_page_token.empty());
  auto second = store_->ListStreams("case/", 2, first->next_page_token);
  ASSERT_OK(second);
  ASSERT_EQ(second->streams.size(), 1u);
  EXPECT_EQ(second->streams[0].stream_id, "case/c");
  EXPECT_TRUE(second->next_page_token.empty());
}

TEST_F(ReadsTest, WaitForPositionIsWokenByACommit) {
  EXPECT_OK(store_->WaitForPosition(10, absl::InfinitePast()));
  EXPECT_THAT(store_->WaitForPosition(11, absl::Now() + absl::Milliseconds(20)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));

  absl::Notification waiting;
  absl::Status waited;
  std::thread waiter([&] {
    waiting.Notify();
    waited = store_->WaitForPosition(12, absl::Now() + absl::Seconds(60));
  });
  waiting.WaitForNotification();
  ASSERT_OK(store_->AppendBlocking(
      OneStream("late", ExpectedVersion::Any(), "late", 2)));
  waiter.join();
  EXPECT_OK(waited);
  EXPECT_GE(store_->GetLogHead().position, 12u);
}

TEST(PositionKnownAtTest, IsTheLastPositionRecordedAtOrBeforeT) {
  TempDir dir;
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  testing::ManualClock clock(t0);
  auto store = OpenStoreOrDie(dir.path(), {}, &clock);
  EXPECT_EQ(*store->PositionKnownAt(t0), 0u);
  // Positions 1–2 at t0, 3 at t0+1s, 4–6 at t0+2s (one append), 7 at t0+5s.
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK(store->AppendBlocking(
        OneStream("s", ExpectedVersion::Any(), absl::StrCat("t0-", i))));
  }
  clock.Advance(absl::Seconds(1));
  ASSERT_OK(
      store->AppendBlocking(OneStream("s", ExpectedVersion::Any(), "t1")));
  clock.Advance(absl::Seconds(1));
  ASSERT_OK(
      store->AppendBlocking(OneStream("s", ExpectedVersion::Any(), "t2", 3)));
  clock.Advance(absl::Seconds(3));
  ASSERT_OK(
      store->AppendBlocking(OneStream("s", ExpectedVersion::Any(), "t5")));

  EXPECT_EQ(*store->PositionKnownAt(t0 - absl::Seconds(1)), 0u);
  EXPECT_EQ(*store->PositionKnownAt(t0), 2u);
  EXPECT_EQ(*store->PositionKnownAt(t0 + absl::Milliseconds(999)), 2u);
  EXPECT_EQ(*store->PositionKnownAt(t0 + absl::Seconds(1)), 3u);
  EXPECT_EQ(*store->PositionKnownAt(t0 + absl::Seconds(2)), 6u);
  EXPECT_EQ(*store->PositionKnownAt(t0 + absl::Seconds(4)), 6u);
  EXPECT_EQ(*store->PositionKnownAt(t0 + absl::Seconds(5)), 7u);
  EXPECT_EQ(*store->PositionKnownAt(absl::InfiniteFuture()), 7u);
}

}  // namespace
}  // namespace relog
