// The reference stream against a real RocksDB store: a load appends only
// when the content changed, and a read "as known at" an older position
// returns the set loaded then.
#include "services/reference/reference_stream.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "services/reference/reference_files.h"
#include "storage/errors.h"
#include "storage/event_id.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog::reference {
namespace {

using ::relog::testing::OpenStoreOrDie;
using ::relog::testing::ReadWholeLog;
using ::relog::testing::StatusIs;
using ::relog::testing::TempDir;

const std::string kSampleDir =
    std::string(RELOG_SOURCE_DIR) + "/deploy/reference/mel";

class ReferenceStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStoreOrDie(dir_.Sub("store"));
    ASSERT_NE(store_, nullptr);
    absl::StatusOr<relog::v1::ReferenceDataLoaded> loaded =
        ParseReferenceDir(kSampleDir);
    ASSERT_OK(loaded);
    sample_ = *loaded;
  }

  // The sample without its last programme (another content).
  relog::v1::ReferenceDataLoaded Changed() const {
    relog::v1::ReferenceDataLoaded changed = sample_;
    changed.mutable_programmes()->RemoveLast();
    changed.clear_content_sha256();
    return changed;
  }

  TempDir dir_;
  std::unique_ptr<EventStore> store_;
  relog::v1::ReferenceDataLoaded sample_;
  absl::CivilDay day_{2024, 3, 1};
};

TEST_F(ReferenceStreamTest, EmptyStoreReadsEmpty) {
  absl::StatusOr<std::shared_ptr<const ReferenceData>> data =
      ReadReferenceData(*store_, kEnd);
  ASSERT_OK(data);
  EXPECT_EQ((*data)->content_sha256(), "");
  EXPECT_TRUE((*data)->Communes(day_).empty());
}

TEST_F(ReferenceStreamTest, AppendsOnlyWhenTheContentChanges) {
  absl::StatusOr<bool> first = LoadReferenceIntoStore(*store_, sample_, day_);
  ASSERT_OK(first);
  EXPECT_TRUE(*first);
  absl::StatusOr<bool> same = LoadReferenceIntoStore(*store_, sample_, day_);
  ASSERT_OK(same);
  EXPECT_FALSE(*same);
  // Same content loaded from elsewhere: same hash, nothing appended.
  relog::v1::ReferenceDataLoaded elsewhere = sample_;
  elsewhere.set_loaded_from("/somewhere/else");
  ASSERT_OK(LoadReferenceIntoStore(*store_, elsewhere, day_));
  EXPECT_EQ(store_->GetLogHead().position, 1u);

  absl::StatusOr<bool> changed =
      LoadReferenceIntoStore(*store_, Changed(), day_);
  ASSERT_OK(changed);
  EXPECT_TRUE(*changed);
  EXPECT_EQ(store_->GetLogHead().position, 2u);

  std::vector<RecordedEvent> log = ReadWholeLog(*store_);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].stream_id, kReferenceStream);
  EXPECT_EQ(log[0].type, kReferenceDataLoadedType);
  EXPECT_EQ(log[0].metadata.occurred_at, day_);
  EXPECT_EQ(
      log[0].id,
      DeriveEventId(ReferenceLoadRequestId(sample_.content_sha256(), 0), 0));
  absl::StatusOr<std::optional<AppendResult>> record = store_->LookupRequest(
      ReferenceLoadRequestId(sample_.content_sha256(), 0));
  ASSERT_OK(record);
  EXPECT_TRUE(record->has_value());
}

TEST_F(ReferenceStreamTest, ReadsTheSetKnownAtAPosition) {
  ASSERT_OK(LoadReferenceIntoStore(*store_, sample_, day_));
  uint64_t first = store_->GetLogHead().position;
  relog::v1::ReferenceDataLoaded changed = Changed();
  ASSERT_OK(LoadReferenceIntoStore(*store_, changed, day_));
  uint64_t second = store_->GetLogHead().position;
  ASSERT_GT(second, first);

  absl::StatusOr<std::shared_ptr<const ReferenceData>> latest =
      ReadReferenceData(*store_, kEnd);
  ASSERT_OK(latest);
  std::string changed_sha = ComputeContentSha256(changed);
  EXPECT_EQ((*latest)->content_sha256(), changed_sha);
  EXPECT_EQ((*latest)->Programmes().size(),
            static_cast<size_t>(sample_.programmes_size() - 1));

  absl::StatusOr<std::shared_ptr<const ReferenceData>> older =
      ReadReferenceData(*store_, first);
  ASSERT_OK(older);
  EXPECT_EQ((*older)->content_sha256(), sample_.content_sha256());
  EXPECT_EQ((*older)->Programmes().size(),
            static_cast<size_t>(sample_.programmes_size()));
  EXPECT_NE((*older)->FindCommune("59350", day_), nullptr);

  absl::StatusOr<std::shared_ptr<const ReferenceData>> none =
      ReadReferenceData(*store_, 0);
  ASSERT_OK(none);
  EXPECT_EQ((*none)->content_sha256(), "");
}

TEST_F(ReferenceStreamTest, LoadingAnEarlierSetAgainAppendsIt) {
  ASSERT_OK(LoadReferenceIntoStore(*store_, sample_, day_));
  ASSERT_OK(LoadReferenceIntoStore(*store_, Changed(), day_));
  absl::StatusOr<bool> back = LoadReferenceIntoStore(*store_, sample_, day_);
  ASSERT_OK(back);
  EXPECT_TRUE(*back);
  absl::StatusOr<std::shared_ptr<const ReferenceData>> latest =
      ReadReferenceData(*store_, kEnd);
  ASSERT_OK(latest);
  EXPECT_EQ((*latest)->content_sha256(), sample_.content_sha256());
  absl::StatusOr<std::optional<StreamHead>> head =
      store_->GetStreamHead(kReferenceStream);
  ASSERT_OK(head);
  ASSERT_TRUE(head->has_value());
  EXPECT_EQ((*head)->version, 2u);
}

TEST_F(ReferenceStreamTest, ManyLoadsReadBackAcrossPages) {
  // More loads than one backward page (16): every position reads its set.
  std::vector<std::pair<uint64_t, std::string>> loads;
  relog::v1::ReferenceDataLoaded data = sample_;
  for (int i = 0; i < 20; ++i) {
    data.mutable_programmes()->RemoveLast();
    data.clear_content_sha256();
    absl::StatusOr<bool> appended = LoadReferenceIntoStore(*store_, data, day_);
    ASSERT_OK(appended);
    ASSERT_TRUE(*appended);
    loads.emplace_back(store_->GetLogHead().position,
                       ComputeContentSha256(data));
  }
  for (const auto& [position, sha] : loads) {
    absl::StatusOr<std::shared_ptr<const ReferenceData>> read =
        ReadReferenceData(*store_, position);
    ASSERT_OK(read);
    EXPECT_EQ((*read)->content_sha256(), sha) << position;
  }
}

TEST_F(ReferenceStreamTest, RejectsAHashThatDoesNotMatchTheContent) {
  relog::v1::ReferenceDataLoaded tampered = sample_;
  tampered.mutable_communes(0)->set_name("Lile");
  EXPECT_THAT(
      LoadReferenceIntoStore(*store_, tampered, day_),
      StatusIs(absl::StatusCode::kInvalidArgument, kReferenceDataInvalid));
  EXPECT_EQ(store_->GetLogHead().position, 0u);
}

TEST_F(ReferenceStreamTest, ARacingLoaderOfTheSameChangeDoesNotAppendTwice) {
  // A loader that read the empty stream and appends after another one
  // appended the same content: its append (same request id) is a replay.
  ASSERT_OK(LoadReferenceIntoStore(*store_, sample_, day_));
  AppendRequest request;
  StreamAppend stream;
  std::string request_id = ReferenceLoadRequestId(sample_.content_sha256(), 0);
  stream.stream_id = kReferenceStream;
  stream.expected = ExpectedVersion::NoStream();
  NewEvent event;
  event.id = DeriveEventId(request_id, 0);
  event.type = kReferenceDataLoadedType;
  event.payload = "ignored";
  stream.events.push_back(event);
  request.streams.push_back(stream);
  RequestRecord record;
  record.request_id = request_id;
  record.request_hash = sample_.content_sha256();
  request.request = record;
  absl::StatusOr<AppendResult> result = store_->AppendBlocking(request);
  ASSERT_OK(result);
  EXPECT_TRUE(result->replayed);
  EXPECT_EQ(store_->GetLogHead().position, 1u);
}

}  // namespace
}  // namespace relog::reference
