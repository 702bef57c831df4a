// The canonical bytes and the hash chains, against values computed
// independently (a few lines of Python's struct and hashlib, see
// docs/STORAGE.md): if these change, every stored chain breaks.
#include "storage/event_record.h"

#include "gtest/gtest.h"
#include "storage/event_id.h"
#include "storage/sha256.h"
#include "tests/testing/status_matchers.h"

namespace relog {
namespace {

RecordedEvent FixedEvent() {
  RecordedEvent event;
  event.stream_id = "case-1";
  event.version = 0;
  event.position = 1;
  event.recorded_at = absl::FromUnixMicros(1700000000123456);
  for (uint8_t i = 0; i < 16; ++i) event.id[i] = i;
  event.type = "T";
  event.metadata.actor = "a";
  event.metadata.correlation_id = "c";
  event.metadata.causation_id = "k";
  event.metadata.occurred_at = absl::CivilDay(2024, 3, 15);
  event.payload = "hello";
  return event;
}

TEST(EventRecordTest, CanonicalBytesFollowTheDocumentedGrammar) {
  std::string canonical;
  AppendCanonicalEvent(FixedEvent(), &canonical);
  EXPECT_EQ(ToHex(canonical),
            "524c453100000006636173652d3100000000000000000000000000000001"
            "00060a2418202240000102030405060708090a0b0c0d0e0f000000015400"
            "000001610000000163000000016b0000000a323032342d30332d31350000"
            "000568656c6c6f");
}

TEST(EventRecordTest, HashesMatchAnIndependentComputation) {
  RecordedEvent event = FixedEvent();
  std::string canonical;
  AppendCanonicalEvent(event, &canonical);
  std::string stream_hash = NextStreamHash(ZeroHash(), canonical);
  EXPECT_EQ(ToHex(stream_hash),
            "61fc161e09cf1ae0e6c795c132774da1c6686741ea5eb429b46a0a2042a0d483");
  EXPECT_EQ(ToHex(NextGlobalHash(ZeroHash(), 1, stream_hash)),
            "e9aba01b1112c387ea5239497cc5f8a6a340917f82d4d88d9f6b0023ad1d8342");
}

TEST(EventRecordTest, StoredRecordRoundTrips) {
  RecordedEvent event = FixedEvent();
  event.stream_hash = std::string(32, 's');
  event.global_hash = std::string(32, 'g');
  absl::StatusOr<RecordedEvent> decoded =
      DecodeStoredRecord(EncodeStoredRecord(event));
  ASSERT_OK(decoded);
  EXPECT_EQ(decoded->stream_id, event.stream_id);
  EXPECT_EQ(decoded->position, 1u);
  EXPECT_EQ(decoded->recorded_at, event.recorded_at);
  EXPECT_EQ(decoded->id, event.id);
  EXPECT_EQ(decoded->metadata.occurred_at, event.metadata.occurred_at);
  EXPECT_EQ(decoded->payload, "hello");
  EXPECT_EQ(decoded->stream_hash, event.stream_hash);
  EXPECT_EQ(decoded->global_hash, event.global_hash);

  event.metadata.occurred_at.reset();
  decoded = DecodeStoredRecord(EncodeStoredRecord(event));
  ASSERT_OK(decoded);
  EXPECT_FALSE(decoded->metadata.occurred_at.has_value());
}

TEST(EventRecordTest, DamagedRecordsDoNotDecode) {
  RecordedEvent event = FixedEvent();
  event.stream_hash = std::string(32, 's');
  event.global_hash = std::string(32, 'g');
  std::string record = EncodeStoredRecord(event);
  EXPECT_THAT(DecodeStoredRecord(record.substr(0, 40)),
              testing::StatusIs(absl::StatusCode::kDataLoss));
  std::string bad_tag = record;
  bad_tag[0] = 'X';
  EXPECT_THAT(DecodeStoredRecord(bad_tag),
              testing::StatusIs(absl::StatusCode::kDataLoss));
  std::string longer = record;
  longer.insert(20, "zz");
  EXPECT_THAT(DecodeStoredRecord(longer),
              testing::StatusIs(absl::StatusCode::kDataLoss));
}

TEST(EventRecordTest, CivilDaysParseOnlyInTheirCanonicalForm) {
  absl::CivilDay day;
  EXPECT_TRUE(ParseCivilDay("2024-02-29", &day));
  EXPECT_EQ(day, absl::CivilDay(2024, 2, 29));
  EXPECT_FALSE(ParseCivilDay("2023-02-29", &day));
  EXPECT_FALSE(ParseCivilDay("2024-2-29", &day));
  EXPECT_FALSE(ParseCivilDay("29/02/2024", &day));
  EXPECT_FALSE(ParseCivilDay("2024-13-01", &day));
  EXPECT_FALSE(ParseCivilDay("2024-00-10", &day));
  EXPECT_FALSE(ParseCivilDay("+024-01-10", &day));
}

TEST(EventRecordTest, DerivedEventIdsAreStableVersion5Uuids) {
  EventId a = DeriveEventId("request-1", 0);
  EXPECT_EQ(a, DeriveEventId("request-1", 0));
  EXPECT_NE(a, DeriveEventId("request-1", 1));
  EXPECT_NE(a, DeriveEventId("request-2", 0));
  EXPECT_EQ(a[6] >> 4, 5);
  EXPECT_EQ(a[8] >> 6, 2);
}

}  // namespace
}  // namespace relog
