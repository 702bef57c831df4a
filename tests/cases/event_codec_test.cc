#include "services/cases/event_codec.h"

#include <set>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "relog/v1/case_events.pb.h"
#include "services/cases/sealing.h"
#include "storage/errors.h"
#include "tests/cases/event_samples.h"
#include "tests/testing/status_matchers.h"

namespace relog::cases {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::relog::testing::StatusIs;

RecordedEvent Stored(const NewEvent& event, uint64_t version = 3) {
  RecordedEvent recorded;
  recorded.stream_id = "case-42";
  recorded.version = version;
  recorded.position = 1000 + version;
  recorded.type = event.type;
  recorded.payload = event.payload;
  recorded.metadata = event.metadata;
  return recorded;
}

TEST(EventCodecTest, TypesComeFromTheCaseStepOneof) {
  const std::vector<std::string> types = AllCaseEventTypes();
  const int members =
      relog::v1::CaseStep::descriptor()->FindOneofByName("step")->field_count();
  ASSERT_EQ(types.size(), static_cast<size_t>(members) + 2);
  EXPECT_EQ(types.front(), "relog.v1.HouseholdIdentified");
  EXPECT_EQ(types[5], "relog.v1.OfferMade");
  EXPECT_EQ(types[types.size() - 2], "relog.v1.StepCorrected");
  EXPECT_EQ(types.back(), "relog.v1.StepCancelled");
  EXPECT_EQ(std::set<std::string>(types.begin(), types.end()).size(),
            types.size());
}

TEST(EventCodecTest, EveryClassOfDataForAnAdministrator) {
  const absl::Span<const relog::v1::DataClass> all = AllDataClasses();
  std::set<int> classes(all.begin(), all.end());
  EXPECT_EQ(classes.size(), all.size());
  for (int i = relog::v1::DataClass_MIN; i <= relog::v1::DataClass_MAX; ++i) {
    const bool expected = i != relog::v1::DATA_CLASS_UNSPECIFIED &&
                          i != relog::v1::DATA_CLASS_NESTED;
    EXPECT_EQ(classes.count(i) == 1, expected) << i;
  }
}

TEST(EventCodecTest, RoundTripOfEveryType) {
  for (const CaseEvent& event : testing::SampleEventOfEveryType()) {
    const std::string type = EventType(event);
    SCOPED_TRACE(type);
    absl::StatusOr<NewEvent> encoded = EncodeCaseEvent(event);
    ASSERT_OK(encoded);
    EXPECT_EQ(encoded->type, type);
    EXPECT_EQ(encoded->metadata.occurred_at, event.occurred_on);
    EXPECT_TRUE(encoded->metadata.actor.empty());
    // The stored payload is sealed.
    std::unique_ptr<google::protobuf::Message> payload =
        testing::NewMessageOfType(type);
    ASSERT_TRUE(payload->ParseFromString(encoded->payload));
    EXPECT_OK(CheckSealed(*payload));

    absl::StatusOr<CaseEvent> decoded =
        DecodeCaseEvent(Stored(*encoded), AllDataClasses());
    ASSERT_OK(decoded);
    EXPECT_EQ(decoded->occurred_on, event.occurred_on);
    EXPECT_EQ(decoded->step.has_value(), event.step.has_value());
    EXPECT_EQ(decoded->correction.has_value(), event.correction.has_value());
    EXPECT_EQ(decoded->cancellation.has_value(),
              event.cancellation.has_value());
    EXPECT_TRUE(MessageDifferencer::Equals(testing::StoredMessage(*decoded),
                                           testing::StoredMessage(event)));

    // Without any class, nothing personal comes back.
    absl::StatusOr<CaseEvent> statistics =
        DecodeCaseEvent(Stored(*encoded), {});
    ASSERT_OK(statistics);
    EXPECT_OK(CheckSealed(testing::StoredMessage(*statistics)));
  }
}

TEST(EventCodecTest, EncodeRefusesMalformedEvents) {
  CaseEvent none;
  EXPECT_EQ(EventType(none), "");
  EXPECT_THAT(
      EncodeCaseEvent(none),
      StatusIs(absl::StatusCode::kInvalidArgument, kReasonInvalidEvent));
  CaseEvent empty_step;
  empty_step.step.emplace();
  EXPECT_THAT(
      EncodeCaseEvent(empty_step),
      StatusIs(absl::StatusCode::kInvalidArgument, kReasonInvalidEvent));
  CaseEvent two;
  two.step.emplace().mutable_household_moved();
  two.cancellation.emplace();
  EXPECT_EQ(EventType(two), "");
  EXPECT_THAT(EncodeCaseEvent(two), StatusIs(absl::StatusCode::kInvalidArgument,
                                             kReasonInvalidEvent));
  CaseEvent sealed;
  sealed.cancellation.emplace().add_sealed();
  EXPECT_THAT(
      EncodeCaseEvent(sealed),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonAlreadySealed));
}

NewEvent EncodedDiagnosis() {
  for (const CaseEvent& event : testing::SampleEventOfEveryType()) {
    if (event.step.has_value() && event.step->has_diagnosis_recorded()) {
      absl::StatusOr<NewEvent> encoded = EncodeCaseEvent(event);
      EXPECT_OK(encoded);
      return *encoded;
    }
  }
  ADD_FAILURE();
  return {};
}

TEST(EventCodecTest, DecodeOnlyTheAllowedClasses) {
  const relog::v1::DataClass notes[] = {relog::v1::DATA_CLASS_SOCIAL_NOTES};
  absl::StatusOr<CaseEvent> decoded =
      DecodeCaseEvent(Stored(EncodedDiagnosis()), notes);
  ASSERT_OK(decoded);
  const relog::v1::DiagnosisRecorded& diagnosis =
      decoded->step->diagnosis_recorded();
  EXPECT_FALSE(diagnosis.notes().empty());
  EXPECT_EQ(diagnosis.members_size(), 0);
  EXPECT_EQ(diagnosis.monthly_income_cents(), 0);
  EXPECT_EQ(diagnosis.sealed_size(), 0);
  EXPECT_EQ(diagnosis.adults(), 2);
}

TEST(EventCodecTest, UnknownTypeIsDataLoss) {
  NewEvent event = EncodedDiagnosis();
  event.type = "relog.v1.OfferTeleported";
  const absl::Status status =
      DecodeCaseEvent(Stored(event, 12), AllDataClasses()).status();
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kDataLoss, kReasonCorruptEvent));
  ErrorMetadata metadata = GetErrorMetadata(status);
  EXPECT_EQ(metadata[meta::kStream], "case-42");
  EXPECT_EQ(metadata[kMetaVersion], "12");
  EXPECT_EQ(metadata[meta::kPosition], "1012");
  EXPECT_EQ(metadata[kMetaEventType], "relog.v1.OfferTeleported");
  // CaseStep itself is not a stored type.
  event.type = "relog.v1.CaseStep";
  EXPECT_THAT(DecodeCaseEvent(Stored(event), AllDataClasses()),
              StatusIs(absl::StatusCode::kDataLoss, kReasonCorruptEvent));
}

TEST(EventCodecTest, UndecodablePayloadIsDataLoss) {
  NewEvent event = EncodedDiagnosis();
  event.payload = std::string("\x0a\xff\xff\xff\xff", 5);
  EXPECT_THAT(DecodeCaseEvent(Stored(event), AllDataClasses()),
              StatusIs(absl::StatusCode::kDataLoss, kReasonCorruptEvent));
}

TEST(EventCodecTest, MissingOccurredAtIsDataLoss) {
  NewEvent event = EncodedDiagnosis();
  event.metadata.occurred_at.reset();
  EXPECT_THAT(DecodeCaseEvent(Stored(event), AllDataClasses()),
              StatusIs(absl::StatusCode::kDataLoss, kReasonCorruptEvent));
}

TEST(EventCodecTest, PersonalDataInClearIsDataLoss) {
  relog::v1::WishesRecorded wishes;
  wishes.add_communes_insee("59350");
  NewEvent event;
  event.type = "relog.v1.WishesRecorded";
  event.payload = wishes.SerializeAsString();
  event.metadata.occurred_at = absl::CivilDay(2024, 1, 2);
  // Even a reader allowed nothing must not get it.
  const absl::Status status = DecodeCaseEvent(Stored(event), {}).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss,
                               kReasonUnsealedPersonalData));
  ErrorMetadata metadata = GetErrorMetadata(status);
  EXPECT_EQ(metadata[meta::kField], "communes_insee");
  EXPECT_EQ(metadata[meta::kStream], "case-42");
}

TEST(EventCodecTest, EnvelopeErrorsNameTheEvent) {
  NewEvent event = EncodedDiagnosis();
  relog::v1::DiagnosisRecorded payload;
  ASSERT_TRUE(payload.ParseFromString(event.payload));
  payload.mutable_sealed(0)->set_ciphertext("\xff");
  event.payload = payload.SerializeAsString();
  const absl::Status status =
      DecodeCaseEvent(Stored(event, 5), AllDataClasses()).status();
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kDataLoss, kReasonCorruptEnvelope));
  ErrorMetadata metadata = GetErrorMetadata(status);
  EXPECT_EQ(metadata[meta::kStream], "case-42");
  EXPECT_EQ(metadata[kMetaVersion], "5");
  EXPECT_EQ(metadata[meta::kPosition], "1005");
  EXPECT_EQ(metadata[kMetaDataClass], "DATA_CLASS_PERSONAL_ALLOCATION");
}

}  // namespace
}  // namespace relog::cases
