// Idempotency at two levels (DESIGN.md invariant 6): request records and
// event ids.
#include <memory>

#include "absl/synchronization/blocking_counter.h"
#include "gtest/gtest.h"
#include "storage/errors.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::MakeEvent;
using ::relog::testing::OneStream;
using ::relog::testing::OpenStoreOrDie;
using ::relog::testing::ReadWholeLog;
using ::relog::testing::StatusIs;
using ::relog::testing::TempDir;
using ::relog::testing::WithRequestRecord;

void ExpectSameAnswer(const AppendResult& replay, const AppendResult& first) {
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.first_position, first.first_position);
  EXPECT_EQ(replay.last_position, first.last_position);
  EXPECT_EQ(replay.recorded_at, first.recorded_at);
  EXPECT_EQ(replay.global_hash, first.global_hash);
  ASSERT_EQ(replay.streams.size(), first.streams.size());
  for (size_t i = 0; i < first.streams.size(); ++i) {
    EXPECT_EQ(replay.streams[i].stream_id, first.streams[i].stream_id);
    EXPECT_EQ(replay.streams[i].first_version, first.streams[i].first_version);
    EXPECT_EQ(replay.streams[i].last_version, first.streams[i].last_version);
  }
}

TEST(IdempotencyTest, RetriedRequestGetsTheFirstAnswerEvenAfterReopening) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  AppendRequest request = WithRequestRecord(
      OneStream("case-1", ExpectedVersion::NoStream(), "cmd-1", 2), "cmd-1",
      "hash-1", "response bytes");
  absl::StatusOr<AppendResult> first = store->AppendBlocking(request);
  ASSERT_OK(first);
  EXPECT_FALSE(first->replayed);
  EXPECT_EQ(first->response, "response bytes");

  // The stream moves on; the retry's expected version (no stream) is now
  // wrong, but the request record answers first.
  ASSERT_OK(store->AppendBlocking(
      OneStream("case-1", ExpectedVersion::Exact(1), "cmd-2")));
  absl::StatusOr<AppendResult> retry = store->AppendBlocking(request);
  ASSERT_OK(retry);
  ExpectSameAnswer(*retry, *first);
  EXPECT_EQ(retry->response, "response bytes");

  store.reset();
  store = OpenStoreOrDie(dir.path());
  retry = store->AppendBlocking(request);
  ASSERT_OK(retry);
  ExpectSameAnswer(*retry, *first);
  absl::StatusOr<std::optional<AppendResult>> looked_up =
      store->LookupRequest("cmd-1");
  ASSERT_OK(looked_up);
  ASSERT_TRUE(looked_up->has_value());
  ExpectSameAnswer(**looked_up, *first);
  // The recorded hash, so that the caller can tell a retry from a reuse.
  EXPECT_EQ((*looked_up)->request_hash, "hash-1");
  EXPECT_FALSE(store->LookupRequest("unknown")->has_value());
  // Three events in all: the retries wrote nothing.
  EXPECT_EQ(ReadWholeLog(*store).size(), 3u);
}

TEST(IdempotencyTest, RequestIdReusedWithAnotherBodyIsRejected) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  ASSERT_OK(store->AppendBlocking(WithRequestRecord(
      OneStream("a", ExpectedVersion::Any(), "first"), "cmd", "hash-A")));
  absl::StatusOr<AppendResult> reused = store->AppendBlocking(WithRequestRecord(
      OneStream("b", ExpectedVersion::Any(), "second"), "cmd", "hash-B"));
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kAlreadyExists,
                               reason::kRequestIdReused));
  EXPECT_FALSE(store->GetStreamHead("b")->has_value());
  EXPECT_EQ(store->GetLogHead().position, 1u);
}

TEST(IdempotencyTest, SameEventIdsWithSameContentReplayTheOriginalResult) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  AppendRequest request = OneStream("s", ExpectedVersion::NoStream(), "ev", 3);
  absl::StatusOr<AppendResult> first = store->AppendBlocking(request);
  ASSERT_OK(first);
  ASSERT_OK(store->AppendBlocking(OneStream("s", ExpectedVersion::Any(), "x")));
  absl::StatusOr<AppendResult> again = store->AppendBlocking(request);
  ASSERT_OK(again);
  ExpectSameAnswer(*again, *first);
  EXPECT_EQ(store->GetLogHead().position, 4u);
}

TEST(IdempotencyTest, OverlappingEventIdsAreRejectedAndWriteNothing) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  ASSERT_OK(
      store->AppendBlocking(OneStream("s", ExpectedVersion::Any(), "ev", 2)));

  // One stored id among new ones.
  AppendRequest partial = OneStream("t", ExpectedVersion::Any(), "new", 2);
  partial.streams[0].events.push_back(MakeEvent("ev", 1));
  EXPECT_THAT(
      store->AppendBlocking(partial),
      StatusIs(absl::StatusCode::kAlreadyExists, reason::kEventIdConflict));

  // All ids stored, but to another stream.
  AppendRequest other_stream = OneStream("t", ExpectedVersion::Any(), "ev", 2);
  EXPECT_THAT(
      store->AppendBlocking(other_stream),
      StatusIs(absl::StatusCode::kAlreadyExists, reason::kEventIdConflict));

  // All ids stored, same stream, another payload.
  AppendRequest other_payload = OneStream("s", ExpectedVersion::Any(), "ev", 2);
  other_payload.streams[0].events[1].payload = "changed";
  absl::StatusOr<AppendResult> conflict = store->AppendBlocking(other_payload);
  EXPECT_THAT(conflict, StatusIs(absl::StatusCode::kAlreadyExists,
                                 reason::kEventIdConflict));
  EXPECT_THAT(conflict.status().message(), ::testing::HasSubstr("position 2"));

  EXPECT_EQ(store->GetLogHead().position, 2u);
  EXPECT_FALSE(store->GetStreamHead("t")->has_value());
}

TEST(IdempotencyTest, DuplicatesWithinOneGroupCommitSeeEachOther) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  AppendRequest request = WithRequestRecord(
      OneStream("g", ExpectedVersion::NoStream(), "dup"), "dup", "h");
  AppendRequest clash = WithRequestRecord(
      OneStream("g2", ExpectedVersion::NoStream(), "clash"), "dup", "other");
  AppendRequest same_ids = OneStream("g", ExpectedVersion::NoStream(), "dup");

  store->PauseWriterForTesting();
  std::vector<absl::StatusOr<AppendResult>> results(4);
  absl::BlockingCounter done(4);
  int i = 0;
  for (const AppendRequest* r : {&request, &request, &clash, &same_ids}) {
    store->Append(
        *r, [&results, &done, slot = i++](absl::StatusOr<AppendResult> result) {
          results[slot] = std::move(result);
          done.DecrementCount();
        });
  }
  ASSERT_EQ(store->QueuedAppendsForTesting(), 4u);
  store->ResumeWriterForTesting();
  done.Wait();

  ASSERT_OK(results[0]);
  EXPECT_FALSE(results[0]->replayed);
  ASSERT_OK(results[1]);
  ExpectSameAnswer(*results[1], *results[0]);
  EXPECT_THAT(results[2], StatusIs(absl::StatusCode::kAlreadyExists,
                                   reason::kRequestIdReused));
  ASSERT_OK(results[3]);
  ExpectSameAnswer(*results[3], *results[0]);
  EXPECT_EQ(ReadWholeLog(*store).size(), 1u);
}

}  // namespace
}  // namespace relog
