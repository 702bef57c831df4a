// Append: expected versions, atomicity across events and streams, and the
// shape rules. Against a real RocksDB in a temporary folder.
#include <memory>

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
using ::relog::testing::ReadWholeLog;
using ::relog::testing::StatusIs;
using ::relog::testing::TempDir;

class AppendTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenStoreOrDie(dir_.path()); }

  // Appends one event to `stream` and returns the outcome.
  absl::StatusOr<AppendResult> AppendOne(const std::string& stream,
                                         ExpectedVersion expected) {
    return store_->AppendBlocking(
        OneStream(stream, expected, absl::StrCat("req-", ++counter_)));
  }

  TempDir dir_;
  std::unique_ptr<RocksDbEventStore> store_;
  int counter_ = 0;
};

TEST_F(AppendTest, NoStreamSucceedsOnlyForANewStream) {
  absl::StatusOr<AppendResult> first =
      AppendOne("a", ExpectedVersion::NoStream());
  ASSERT_OK(first);
  EXPECT_EQ(first->streams[0].first_version, 0u);
  EXPECT_EQ(first->first_position, 1u);
  EXPECT_FALSE(first->replayed);

  absl::StatusOr<AppendResult> again =
      AppendOne("a", ExpectedVersion::NoStream());
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kAborted,
                              reason::kWrongExpectedVersion));
  ErrorMetadata meta = GetErrorMetadata(again.status());
  EXPECT_EQ(meta[meta::kStream], "a");
  EXPECT_EQ(meta[meta::kExpectedVersion], "no stream");
  EXPECT_EQ(meta[meta::kActualVersion], "0");
}

TEST_F(AppendTest, StreamExistsFailsOnAMissingStream) {
  absl::StatusOr<AppendResult> missing =
      AppendOne("b", ExpectedVersion::StreamExists());
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kAborted,
                                reason::kWrongExpectedVersion));
  EXPECT_EQ(GetErrorMetadata(missing.status())[meta::kActualVersion],
            "no stream");
  ASSERT_OK(AppendOne("b", ExpectedVersion::Any()));
  absl::StatusOr<AppendResult> exists =
      AppendOne("b", ExpectedVersion::StreamExists());
  ASSERT_OK(exists);
  EXPECT_EQ(exists->streams[0].first_version, 1u);
}

TEST_F(AppendTest, ExactVersionMustMatchTheLastEvent) {
  ASSERT_OK(AppendOne("c", ExpectedVersion::Any()));
  ASSERT_OK(AppendOne("c", ExpectedVersion::Exact(0)));
  absl::StatusOr<AppendResult> stale =
      AppendOne("c", ExpectedVersion::Exact(0));
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted,
                              reason::kWrongExpectedVersion));
  EXPECT_EQ(GetErrorMetadata(stale.status())[meta::kExpectedVersion], "0");
  EXPECT_EQ(GetErrorMetadata(stale.status())[meta::kActualVersion], "1");
  EXPECT_THAT(stale.status().message(), ::testing::HasSubstr("\"c\""));
  EXPECT_THAT(AppendOne("c", ExpectedVersion::Exact(5)),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(AppendOne("new", ExpectedVersion::Exact(0)),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK(AppendOne("c", ExpectedVersion::Exact(1)));
}

TEST_F(AppendTest, AnyAppendsWhateverTheStream) {
  ASSERT_OK(AppendOne("d", ExpectedVersion::Any()));
  absl::StatusOr<AppendResult> second = AppendOne("d", ExpectedVersion::Any());
  ASSERT_OK(second);
  EXPECT_EQ(second->streams[0].first_version, 1u);
  EXPECT_EQ(second->first_position, 2u);
}

TEST_F(AppendTest, MultiEventAppendGetsConsecutiveVersionsAndPositions) {
  ASSERT_OK(AppendOne("other", ExpectedVersion::Any()));
  absl::StatusOr<AppendResult> result = store_->AppendBlocking(
      OneStream("e", ExpectedVersion::NoStream(), "multi", 5));
  ASSERT_OK(result);
  EXPECT_EQ(result->streams[0].first_version, 0u);
  EXPECT_EQ(result->streams[0].last_version, 4u);
  EXPECT_EQ(result->first_position, 2u);
  EXPECT_EQ(result->last_position, 6u);
  absl::StatusOr<std::vector<RecordedEvent>> events =
      store_->ReadStreamForward("e", 0, 100);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 5u);
  for (uint64_t v = 0; v < 5; ++v) {
    EXPECT_EQ((*events)[v].version, v);
    EXPECT_EQ((*events)[v].position, 2 + v);
    EXPECT_EQ((*events)[v].recorded_at, result->recorded_at);
  }
  EXPECT_EQ(events->back().global_hash, result->global_hash);
}

TEST_F(AppendTest, MultiStreamAppendIsAllOrNothing) {
  ASSERT_OK(AppendOne("x", ExpectedVersion::Any()));  // x at version 0
  AppendRequest request = OneStream("y", ExpectedVersion::NoStream(), "r1", 2);
  StreamAppend x;
  x.stream_id = "x";
  x.expected = ExpectedVersion::Exact(7);  // wrong
  x.events.push_back(testing::MakeEvent("r1", 2));
  request.streams.push_back(std::move(x));
  StreamAppend z = OneStream("z", ExpectedVersion::Any(), "r1z").streams[0];
  request.streams.push_back(std::move(z));

  absl::StatusOr<AppendResult> failed = store_->AppendBlocking(request);
  EXPECT_THAT(failed, StatusIs(absl::StatusCode::kAborted,
                               reason::kWrongExpectedVersion));
  EXPECT_EQ(GetErrorMetadata(failed.status())[meta::kStream], "x");
  // Nothing of y or z was written, and the log did not move.
  EXPECT_EQ(store_->GetLogHead().position, 1u);
  EXPECT_FALSE(store_->GetStreamHead("y")->has_value());
  EXPECT_FALSE(store_->GetStreamHead("z")->has_value());
  EXPECT_EQ(ReadWholeLog(*store_).size(), 1u);

  // With the right version, all three streams move in one commit.
  request.streams[1].expected = ExpectedVersion::Exact(0);
  absl::StatusOr<AppendResult> ok = store_->AppendBlocking(request);
  ASSERT_OK(ok);
  ASSERT_EQ(ok->streams.size(), 3u);
  EXPECT_EQ(ok->streams[0].stream_id, "y");
  EXPECT_EQ(ok->streams[0].last_version, 1u);
  EXPECT_EQ(ok->streams[1].first_version, 1u);
  EXPECT_EQ(ok->streams[2].first_version, 0u);
  EXPECT_EQ(ok->first_position, 2u);
  EXPECT_EQ(ok->last_position, 5u);
}

TEST_F(AppendTest, MalformedAppendsAreRejectedNamingTheField) {
  AppendRequest empty;
  absl::StatusOr<AppendResult> result = store_->AppendBlocking(empty);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument,
                               reason::kInvalidAppend));
  EXPECT_EQ(GetErrorMetadata(result.status())[meta::kField], "streams");

  AppendRequest no_id = OneStream("s", ExpectedVersion::Any(), "r");
  no_id.streams[0].events[0].id = EventId{};
  result = store_->AppendBlocking(no_id);
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(GetErrorMetadata(result.status())[meta::kField],
            "streams[0].events[0].id");

  AppendRequest duplicate_stream = OneStream("s", ExpectedVersion::Any(), "r");
  duplicate_stream.streams.push_back(
      OneStream("s", ExpectedVersion::Any(), "r2").streams[0]);
  result = store_->AppendBlocking(duplicate_stream);
  EXPECT_EQ(GetErrorMetadata(result.status())[meta::kField],
            "streams[1].stream_id");

  AppendRequest no_events = OneStream("s", ExpectedVersion::Any(), "r", 0);
  result = store_->AppendBlocking(no_events);
  EXPECT_EQ(GetErrorMetadata(result.status())[meta::kField],
            "streams[0].events");

  AppendRequest no_type = OneStream("s", ExpectedVersion::Any(), "r");
  no_type.streams[0].events[0].type.clear();
  result = store_->AppendBlocking(no_type);
  EXPECT_EQ(GetErrorMetadata(result.status())[meta::kField],
            "streams[0].events[0].type");

  AppendRequest same_ids = OneStream("s", ExpectedVersion::Any(), "r", 2);
  same_ids.streams[0].events[1].id = same_ids.streams[0].events[0].id;
  result = store_->AppendBlocking(same_ids);
  EXPECT_EQ(GetErrorMetadata(result.status())[meta::kField],
            "streams[0].events[1].id");

  AppendRequest empty_request_id = testing::WithRequestRecord(
      OneStream("s", ExpectedVersion::Any(), "r"), "", "hash");
  result = store_->AppendBlocking(empty_request_id);
  EXPECT_EQ(GetErrorMetadata(result.status())[meta::kField],
            "request.request_id");

  EXPECT_EQ(store_->GetLogHead().position, 0u);
}

TEST_F(AppendTest, RecordedAtNeverGoesBackWhenTheClockDoes) {
  testing::TempDir dir;
  testing::ManualClock clock(absl::FromUnixSeconds(1700000000));
  std::unique_ptr<RocksDbEventStore> store =
      OpenStoreOrDie(dir.path(), {}, &clock);
  absl::StatusOr<AppendResult> first =
      store->AppendBlocking(OneStream("t", ExpectedVersion::Any(), "t1"));
  ASSERT_OK(first);
  EXPECT_EQ(first->recorded_at, absl::FromUnixSeconds(1700000000));
  clock.Advance(-absl::Hours(1));
  absl::StatusOr<AppendResult> second =
      store->AppendBlocking(OneStream("t", ExpectedVersion::Any(), "t2"));
  ASSERT_OK(second);
  EXPECT_EQ(second->recorded_at, first->recorded_at);
  clock.Advance(absl::Hours(2));
  absl::StatusOr<AppendResult> third =
      store->AppendBlocking(OneStream("t", ExpectedVersion::Any(), "t3"));
  ASSERT_OK(third);
  EXPECT_EQ(third->recorded_at, absl::FromUnixSeconds(1700000000 + 3600));
}

TEST_F(AppendTest, ClosingTheStoreCompletesQueuedAppends) {
  store_->PauseWriterForTesting();
  std::vector<absl::StatusOr<AppendResult>> results(5);
  for (int i = 0; i < 5; ++i) {
    store_->Append(OneStream("q", ExpectedVersion::Any(), absl::StrCat("q", i)),
                   [&results, i](absl::StatusOr<AppendResult> result) {
                     results[i] = std::move(result);
                   });
  }
  store_.reset();  // the writer is still paused: closing must drain it
  for (const auto& result : results) ASSERT_OK(result);
  store_ = OpenStoreOrDie(dir_.path());
  EXPECT_EQ(store_->GetLogHead().position, 5u);
  EXPECT_THAT(
      store_->AppendBlocking(OneStream("q", ExpectedVersion::Any(), "late")),
      ::testing::Not(StatusIs(absl::StatusCode::kUnavailable)));
}

TEST_F(AppendTest, StateSurvivesReopening) {
  ASSERT_OK(AppendOne("p", ExpectedVersion::Any()));
  ASSERT_OK(AppendOne("p", ExpectedVersion::Exact(0)));
  LogHead before = store_->GetLogHead();
  store_.reset();
  store_ = OpenStoreOrDie(dir_.path());
  LogHead after = store_->GetLogHead();
  EXPECT_EQ(after.position, before.position);
  EXPECT_EQ(after.global_hash, before.global_hash);
  EXPECT_THAT(AppendOne("p", ExpectedVersion::Exact(0)),
              StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<AppendResult> next = AppendOne("p", ExpectedVersion::Exact(1));
  ASSERT_OK(next);
  EXPECT_EQ(next->first_position, 3u);
}

}  // namespace
}  // namespace relog
