#include "services/cases/sealing.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "relog/v1/case_events.pb.h"
#include "services/cases/event_codec.h"
#include "storage/errors.h"
#include "tests/cases/event_samples.h"
#include "tests/testing/status_matchers.h"

namespace relog::cases {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;
using ::relog::testing::StatusIs;
using ::relog::v1::DataClass;
using ::relog::v1::SealedEnvelope;

std::unique_ptr<Message> Copy(const Message& message) {
  std::unique_ptr<Message> copy(message.New());
  copy->CopyFrom(message);
  return copy;
}

// Every sample, and every step sample also as the replacement of a
// StepCorrected (the NESTED oneof path, with a nested event inside).
std::vector<std::unique_ptr<Message>> AllSamples() {
  std::vector<std::unique_ptr<Message>> out;
  for (const CaseEvent& event : testing::SampleEventOfEveryType()) {
    out.push_back(Copy(testing::StoredMessage(event)));
    if (event.step.has_value()) {
      auto corrected = std::make_unique<relog::v1::StepCorrected>();
      corrected->set_corrected_version(3);
      *corrected->mutable_replacement() = *event.step;
      corrected->set_occurred_on("2024-01-15");
      corrected->set_reason(relog::v1::CORRECTION_REASON_LATE_INFORMATION);
      corrected->set_comment("Pièces reçues après la visite.");
      out.push_back(std::move(corrected));
    }
  }
  return out;
}

std::string Name(const Message& message) {
  return message.GetDescriptor()->full_name() + " " +
         message.ShortDebugString().substr(0, 120);
}

// Independently of sealing.cc: the classes of the fields set in `message`
// outside envelopes (NESTED followed), and whether a nested `sealed` is set.
void CollectClasses(const Message& message, bool top, std::set<int>& classes,
                    bool& nested_envelopes) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->name() == "sealed") {
      if (!top) nested_envelopes = true;
      continue;
    }
    const DataClass data_class =
        field->options().GetExtension(relog::v1::data_class);
    if (data_class == relog::v1::DATA_CLASS_NESTED) {
      CollectClasses(message.GetReflection()->GetMessage(message, field), false,
                     classes, nested_envelopes);
    } else {
      classes.insert(data_class);
    }
  }
}

// Clears every non-statistical field (and the envelopes): what the
// statistical part of `message` must be after sealing.
void KeepStatistical(Message& message) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const DataClass data_class =
        field->options().GetExtension(relog::v1::data_class);
    if (field->name() == "sealed") {
      message.GetReflection()->ClearField(&message, field);
    } else if (data_class == relog::v1::DATA_CLASS_NESTED) {
      KeepStatistical(
          *message.GetReflection()->MutableMessage(&message, field));
    } else if (data_class != relog::v1::DATA_CLASS_STATISTICAL) {
      message.GetReflection()->ClearField(&message, field);
    }
  }
}

TEST(DataClassesTest, EveryStoredTypeIsClassified) {
  for (const std::string& type : AllCaseEventTypes()) {
    const Descriptor* descriptor =
        google::protobuf::DescriptorPool::generated_pool()
            ->FindMessageTypeByName(type);
    ASSERT_NE(descriptor, nullptr) << type;
    EXPECT_OK(CheckDataClasses(descriptor)) << type;
  }
}

TEST(DataClassesTest, CaseStepIsNotAnEvent) {
  EXPECT_THAT(CheckDataClasses(relog::v1::CaseStep::descriptor()),
              StatusIs(absl::StatusCode::kInternal, kReasonDataClassSchema));
  relog::v1::CaseStep step;
  EXPECT_THAT(SealPersonalData(step),
              StatusIs(absl::StatusCode::kInternal, kReasonDataClassSchema));
}

TEST(SealingTest, SealThenUnsealAllGivesTheOriginal) {
  const std::vector<std::unique_ptr<Message>> samples = AllSamples();
  // Every type, and every step type again inside a correction.
  ASSERT_EQ(samples.size(), 2 * AllCaseEventTypes().size() - 2);
  for (const std::unique_ptr<Message>& original : samples) {
    SCOPED_TRACE(Name(*original));
    std::unique_ptr<Message> event = Copy(*original);
    ASSERT_OK(SealPersonalData(*event));
    ASSERT_OK(UnsealPersonalData(*event, AllDataClasses()));
    EXPECT_TRUE(MessageDifferencer::Equals(*event, *original))
        << event->DebugString() << "\nvs\n"
        << original->DebugString();
  }
}

TEST(SealingTest, SealedEventHoldsOnlyStatisticsAndOneEnvelopePerClass) {
  for (const std::unique_ptr<Message>& original : AllSamples()) {
    SCOPED_TRACE(Name(*original));
    std::set<int> classes_before;
    bool nested = false;
    CollectClasses(*original, true, classes_before, nested);
    classes_before.erase(relog::v1::DATA_CLASS_STATISTICAL);

    std::unique_ptr<Message> event = Copy(*original);
    ASSERT_OK(SealPersonalData(*event));
    std::set<int> classes_after;
    CollectClasses(*event, true, classes_after, nested);
    EXPECT_FALSE(nested);
    for (int data_class : classes_after) {
      EXPECT_EQ(data_class, relog::v1::DATA_CLASS_STATISTICAL)
          << relog::v1::DataClass_Name(static_cast<DataClass>(data_class))
          << " left in " << event->DebugString();
    }
    EXPECT_OK(CheckSealed(*event));

    const FieldDescriptor* sealed = SealedField(event->GetDescriptor());
    ASSERT_NE(sealed, nullptr);
    std::vector<int> envelope_classes;
    for (int i = 0; i < event->GetReflection()->FieldSize(*event, sealed);
         ++i) {
      const auto& envelope = static_cast<const SealedEnvelope&>(
          event->GetReflection()->GetRepeatedMessage(*event, sealed, i));
      EXPECT_EQ(envelope.cipher(), SealedEnvelope::CIPHER_NONE);
      EXPECT_TRUE(envelope.key_id().empty());
      EXPECT_TRUE(envelope.nonce().empty());
      envelope_classes.push_back(envelope.data_class());
    }
    // One envelope per class present, in ascending class order.
    EXPECT_EQ(envelope_classes,
              std::vector<int>(classes_before.begin(), classes_before.end()));
  }
}

TEST(SealingTest, StatisticalFieldsAreByteIdentical) {
  for (const std::unique_ptr<Message>& original : AllSamples()) {
    SCOPED_TRACE(Name(*original));
    std::unique_ptr<Message> event = Copy(*original);
    ASSERT_OK(SealPersonalData(*event));
    event->GetReflection()->ClearField(event.get(),
                                       SealedField(event->GetDescriptor()));
    std::unique_ptr<Message> statistics = Copy(*original);
    KeepStatistical(*statistics);
    EXPECT_EQ(SerializeDeterministically(*event),
              SerializeDeterministically(*statistics));
  }
}

TEST(SealingTest, SealingIsDeterministic) {
  for (const std::unique_ptr<Message>& original : AllSamples()) {
    SCOPED_TRACE(Name(*original));
    std::unique_ptr<Message> a = Copy(*original);
    std::unique_ptr<Message> b = Copy(*original);
    ASSERT_OK(SealPersonalData(*a));
    ASSERT_OK(SealPersonalData(*b));
    EXPECT_EQ(SerializeDeterministically(*a), SerializeDeterministically(*b));
  }
}

TEST(SealingTest, AnEventWithoutPersonalDataGetsNoEnvelope) {
  relog::v1::OfferVisited event;
  event.set_offer_id("2");
  ASSERT_OK(SealPersonalData(event));
  EXPECT_EQ(event.sealed_size(), 0);
  EXPECT_EQ(event.offer_id(), "2");
}

relog::v1::DiagnosisRecorded SampleDiagnosis() {
  for (const CaseEvent& event : testing::SampleEventOfEveryType()) {
    if (event.step.has_value() && event.step->has_diagnosis_recorded()) {
      return event.step->diagnosis_recorded();
    }
  }
  ADD_FAILURE() << "no diagnosis sample";
  return {};
}

TEST(UnsealingTest, OnlyTheAllowedClassesComeBack) {
  const relog::v1::DiagnosisRecorded original = SampleDiagnosis();
  ASSERT_GT(original.members_size(), 0);
  ASSERT_FALSE(original.notes().empty());
  relog::v1::DiagnosisRecorded event = original;
  ASSERT_OK(SealPersonalData(event));
  ASSERT_EQ(event.sealed_size(), 2);  // allocation, social notes

  const DataClass allocation[] = {relog::v1::DATA_CLASS_PERSONAL_ALLOCATION};
  ASSERT_OK(UnsealPersonalData(event, allocation));
  EXPECT_EQ(event.sealed_size(), 0);
  EXPECT_EQ(event.members_size(), original.members_size());
  EXPECT_EQ(event.members(0).name(), original.members(0).name());
  EXPECT_EQ(event.monthly_income_cents(), original.monthly_income_cents());
  EXPECT_TRUE(MessageDifferencer::Equals(event.needs(), original.needs()));
  EXPECT_EQ(event.priority_criteria_size(), original.priority_criteria_size());
  EXPECT_TRUE(event.notes().empty());
  // Statistics untouched.
  EXPECT_EQ(event.adults(), original.adults());
  EXPECT_EQ(event.reste_a_charge_cents(), original.reste_a_charge_cents());
  // Only the notes are missing.
  event.set_notes(original.notes());
  EXPECT_TRUE(MessageDifferencer::Equals(event, original));
}

TEST(UnsealingTest, NoClassGivesTheStatisticsOnly) {
  const relog::v1::DiagnosisRecorded original = SampleDiagnosis();
  relog::v1::DiagnosisRecorded event = original;
  ASSERT_OK(SealPersonalData(event));
  ASSERT_OK(UnsealPersonalData(event, {}));
  relog::v1::DiagnosisRecorded statistics = original;
  KeepStatistical(statistics);
  EXPECT_TRUE(MessageDifferencer::Equals(event, statistics));
}

TEST(UnsealingTest, NestedReplacementOfACorrection) {
  relog::v1::StepCorrected original;
  original.set_corrected_version(4);
  *original.mutable_replacement()->mutable_diagnosis_recorded() =
      SampleDiagnosis();
  original.set_comment("Erreur de saisie du revenu.");
  relog::v1::StepCorrected event = original;
  ASSERT_OK(SealPersonalData(event));
  ASSERT_EQ(event.sealed_size(), 2);
  // The nested step stays present, holding only its statistics.
  ASSERT_TRUE(event.replacement().has_diagnosis_recorded());
  EXPECT_EQ(event.replacement().diagnosis_recorded().members_size(), 0);
  EXPECT_TRUE(event.replacement().diagnosis_recorded().notes().empty());
  EXPECT_EQ(event.replacement().diagnosis_recorded().adults(), 2);
  // The envelope holds a StepCorrected with only the allocation fields.
  relog::v1::StepCorrected allocation_part;
  ASSERT_TRUE(allocation_part.ParseFromString(event.sealed(0).ciphertext()));
  EXPECT_EQ(event.sealed(0).data_class(),
            relog::v1::DATA_CLASS_PERSONAL_ALLOCATION);
  EXPECT_EQ(allocation_part.corrected_version(), 0u);
  EXPECT_TRUE(allocation_part.comment().empty());
  EXPECT_EQ(allocation_part.replacement().diagnosis_recorded().members_size(),
            original.replacement().diagnosis_recorded().members_size());
  EXPECT_TRUE(
      allocation_part.replacement().diagnosis_recorded().notes().empty());

  const DataClass allocation[] = {relog::v1::DATA_CLASS_PERSONAL_ALLOCATION};
  ASSERT_OK(UnsealPersonalData(event, allocation));
  EXPECT_EQ(event.replacement().diagnosis_recorded().members_size(),
            original.replacement().diagnosis_recorded().members_size());
  EXPECT_TRUE(event.replacement().diagnosis_recorded().notes().empty());
  EXPECT_TRUE(event.comment().empty());
}

TEST(SealingErrorsTest, AlreadySealed) {
  relog::v1::DiagnosisRecorded event = SampleDiagnosis();
  ASSERT_OK(SealPersonalData(event));
  const relog::v1::DiagnosisRecorded sealed = event;
  EXPECT_THAT(
      SealPersonalData(event),
      StatusIs(absl::StatusCode::kFailedPrecondition, kReasonAlreadySealed));
  EXPECT_TRUE(MessageDifferencer::Equals(event, sealed));
}

TEST(SealingErrorsTest, EnvelopesInANestedEvent) {
  relog::v1::StepCorrected event;
  *event.mutable_replacement()->mutable_diagnosis_recorded() =
      SampleDiagnosis();
  event.set_comment("Correction.");
  ASSERT_OK(SealPersonalData(
      *event.mutable_replacement()->mutable_diagnosis_recorded()));
  const relog::v1::StepCorrected before = event;
  const absl::Status status = SealPersonalData(event);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               kReasonNestedEnvelope));
  EXPECT_EQ(GetErrorMetadata(status)[meta::kField],
            "replacement.diagnosis_recorded.sealed");
  // Unchanged, although the comment was moved before the error was found.
  EXPECT_TRUE(MessageDifferencer::Equals(event, before));
  EXPECT_THAT(CheckSealed(event),
              StatusIs(absl::StatusCode::kDataLoss, kReasonCorruptEnvelope));
}

TEST(SealingErrorsTest, CheckSealedFindsPersonalDataInClear) {
  relog::v1::StepCorrected event;
  event.mutable_replacement()->mutable_wishes_recorded()->set_max_floor(0);
  const absl::Status status = CheckSealed(event);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDataLoss,
                               kReasonUnsealedPersonalData));
  EXPECT_EQ(GetErrorMetadata(status)[meta::kField],
            "replacement.wishes_recorded.max_floor");
  // Sealed, it passes; and an explicit-presence zero survives the trip.
  relog::v1::StepCorrected sealed = event;
  ASSERT_OK(SealPersonalData(sealed));
  EXPECT_OK(CheckSealed(sealed));
  ASSERT_OK(UnsealPersonalData(sealed, AllDataClasses()));
  EXPECT_TRUE(sealed.replacement().wishes_recorded().has_max_floor());
  EXPECT_TRUE(MessageDifferencer::Equals(sealed, event));
}

TEST(SealingErrorsTest, UnknownFieldsHaveNoClass) {
  relog::v1::StepCorrected event;
  event.mutable_replacement()->mutable_offer_made()->set_offer_id("1");
  // Field 77 of OfferMade, from a newer schema: its class is unknown here.
  event.mutable_replacement()
      ->mutable_offer_made()
      ->GetReflection()
      ->MutableUnknownFields(event.mutable_replacement()->mutable_offer_made())
      ->AddLengthDelimited(77, "Fatima Benali");
  const absl::Status status = SealPersonalData(event);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition,
                               kReasonUnknownFields));
  EXPECT_EQ(GetErrorMetadata(status)[meta::kField], "replacement.offer_made");
}

class UnsealingErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    event_ = SampleDiagnosis();
    ASSERT_OK(SealPersonalData(event_));
    ASSERT_EQ(event_.sealed_size(), 2);
    ASSERT_EQ(event_.sealed(1).data_class(),
              relog::v1::DATA_CLASS_SOCIAL_NOTES);
  }
  // Unseals a copy of event_ with every class; on error the copy must be
  // unchanged.
  absl::Status UnsealAll() {
    relog::v1::DiagnosisRecorded copy = event_;
    absl::Status status = UnsealPersonalData(copy, AllDataClasses());
    if (!status.ok()) EXPECT_TRUE(MessageDifferencer::Equals(copy, event_));
    return status;
  }
  relog::v1::DiagnosisRecorded event_;
};

TEST_F(UnsealingErrorsTest, UnknownCipher) {
  event_.mutable_sealed(1)->set_cipher(static_cast<SealedEnvelope::Cipher>(7));
  event_.mutable_sealed(1)->set_key_id("household-42/social-notes/1");
  EXPECT_THAT(UnsealAll(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                    kReasonEnvelopeCipherUnsupported));
  // A reader not allowed that class never opens it.
  const DataClass allocation[] = {relog::v1::DATA_CLASS_PERSONAL_ALLOCATION};
  EXPECT_OK(UnsealPersonalData(event_, allocation));
  EXPECT_EQ(event_.sealed_size(), 0);
  EXPECT_GT(event_.members_size(), 0);
}

TEST_F(UnsealingErrorsTest, CiphertextThatDoesNotParse) {
  event_.mutable_sealed(1)->set_ciphertext(std::string("\xff\xff\xff", 3));
  EXPECT_THAT(UnsealAll(),
              StatusIs(absl::StatusCode::kDataLoss, kReasonCorruptEnvelope));
}

TEST_F(UnsealingErrorsTest, EnvelopeHoldingAnotherClass) {
  // The social-notes envelope claims to be the allocation one: a reader
  // allowed allocation only must not get the notes.
  event_.mutable_sealed(0)->set_data_class(
      relog::v1::DATA_CLASS_SPECIAL_CATEGORY);
  event_.mutable_sealed(1)->set_data_class(
      relog::v1::DATA_CLASS_PERSONAL_ALLOCATION);
  const relog::v1::DiagnosisRecorded before = event_;
  const DataClass allocation[] = {relog::v1::DATA_CLASS_PERSONAL_ALLOCATION};
  const absl::Status status = UnsealPersonalData(event_, allocation);
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kDataLoss, kReasonCorruptEnvelope));
  EXPECT_EQ(GetErrorMetadata(status)[meta::kField], "notes");
  EXPECT_TRUE(MessageDifferencer::Equals(event_, before));
  // With every class, the first envelope (allocation fields, claimed
  // special-category) is refused already.
  EXPECT_THAT(UnsealAll(),
              StatusIs(absl::StatusCode::kDataLoss, kReasonCorruptEnvelope));
}

TEST_F(UnsealingErrorsTest, TwoEnvelopesOfOneClass) {
  *event_.add_sealed() = event_.sealed(0);
  EXPECT_THAT(UnsealAll(),
              StatusIs(absl::StatusCode::kDataLoss, kReasonCorruptEnvelope));
}

TEST(UnsealingErrorsTest2, EnvelopeNamingANestedStepTheEventLacks) {
  relog::v1::StepCorrected event;
  event.set_corrected_version(1);
  event.mutable_replacement()->mutable_notice_sent()->set_method(
      relog::v1::NoticeSent::METHOD_HAND_DELIVERED);
  relog::v1::StepCorrected part;
  part.mutable_replacement()->mutable_wishes_recorded()->set_notes("x");
  SealedEnvelope* envelope = event.add_sealed();
  envelope->set_data_class(relog::v1::DATA_CLASS_SOCIAL_NOTES);
  envelope->set_cipher(SealedEnvelope::CIPHER_NONE);
  envelope->set_ciphertext(part.SerializeAsString());
  EXPECT_THAT(UnsealPersonalData(event, AllDataClasses()),
              StatusIs(absl::StatusCode::kDataLoss, kReasonCorruptEnvelope));
}

// Schemas that break the rules, built at run time.
class BadSchemaTest : public ::testing::Test {
 protected:
  const Descriptor* Build(const std::string& name, const std::string& text) {
    google::protobuf::FileDescriptorProto file;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &file))
        << text;
    file.set_name(name + ".proto");
    file.set_package("relog.test");
    file.set_syntax("proto3");
    file.add_dependency("relog/v1/data_class.proto");
    const google::protobuf::FileDescriptor* built = pool_.BuildFile(file);
    EXPECT_NE(built, nullptr) << text;
    return built == nullptr ? nullptr : built->message_type(0);
  }
  std::unique_ptr<Message> New(const Descriptor* descriptor) {
    return std::unique_ptr<Message>(factory_.GetPrototype(descriptor)->New());
  }

  google::protobuf::DescriptorPool pool_{
      google::protobuf::DescriptorPool::generated_pool()};
  google::protobuf::DynamicMessageFactory factory_{&pool_};
};

// A field with the given class option, as FieldDescriptorProto text.
std::string Field(const std::string& name, int number, const std::string& type,
                  int data_class, const std::string& extra = "") {
  std::string text = "field { name: '" + name +
                     "' number: " + std::to_string(number) + " " + type + " " +
                     extra;
  if (data_class >= 0) {
    text += " options { [relog.v1.data_class]: " + std::to_string(data_class) +
            " }";
  }
  return text + " }";
}

constexpr char kSealed[] =
    "field { name: 'sealed' number: 900 label: LABEL_REPEATED type: "
    "TYPE_MESSAGE type_name: '.relog.v1.SealedEnvelope' options { "
    "[relog.v1.data_class]: DATA_CLASS_STATISTICAL } }";

TEST_F(BadSchemaTest, FieldWithoutClass) {
  const Descriptor* event = Build(
      "no_class",
      "message_type { name: 'Ev' " +
          Field("count", 1, "label: LABEL_OPTIONAL type: TYPE_INT32", 1) +
          Field("nickname", 2, "label: LABEL_OPTIONAL type: TYPE_STRING", -1) +
          kSealed + " }");
  ASSERT_NE(event, nullptr);
  const absl::Status status = CheckDataClasses(event);
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInternal, kReasonDataClassSchema));
  EXPECT_EQ(GetErrorMetadata(status)[meta::kField], "relog.test.Ev.nickname");

  // Sealing finds it when it is set, and leaves the event unchanged.
  std::unique_ptr<Message> message = New(event);
  message->GetReflection()->SetInt32(message.get(), event->field(0), 3);
  EXPECT_OK(SealPersonalData(*message));  // unset: nothing to seal
  message->GetReflection()->SetString(message.get(), event->field(1), "Fafa");
  std::unique_ptr<Message> before = Copy(*message);
  EXPECT_THAT(SealPersonalData(*message),
              StatusIs(absl::StatusCode::kInternal, kReasonDataClassSchema));
  EXPECT_TRUE(MessageDifferencer::Equals(*message, *before));
}

TEST_F(BadSchemaTest, NestedThatIsNotASingularMessage) {
  const Descriptor* event =
      Build("nested_repeated",
            std::string("message_type { name: 'Inner' ") +
                Field("name", 1, "label: LABEL_OPTIONAL type: TYPE_STRING", 2) +
                " } message_type { name: 'Ev' " +
                Field("people", 1,
                      "label: LABEL_REPEATED type: TYPE_MESSAGE type_name: "
                      "'.relog.test.Inner'",
                      6) +
                kSealed + " }");
  ASSERT_NE(event, nullptr);
  const Descriptor* ev = pool_.FindMessageTypeByName("relog.test.Ev");
  const absl::Status status = CheckDataClasses(ev);
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInternal, kReasonDataClassSchema));
  EXPECT_EQ(GetErrorMetadata(status)[meta::kField], "relog.test.Ev.people");

  const Descriptor* scalar =
      Build("nested_scalar",
            std::string("message_type { name: 'Ev2' ") +
                Field("n", 1, "label: LABEL_OPTIONAL type: TYPE_INT32", 6) +
                kSealed + " }");
  ASSERT_NE(scalar, nullptr);
  EXPECT_THAT(CheckDataClasses(scalar),
              StatusIs(absl::StatusCode::kInternal, kReasonDataClassSchema));
}

TEST_F(BadSchemaTest, MissingOrMalformedSealedField) {
  const Descriptor* event = Build(
      "no_sealed",
      "message_type { name: 'Ev' " +
          Field("n", 1, "label: LABEL_OPTIONAL type: TYPE_INT32", 1) + " }");
  ASSERT_NE(event, nullptr);
  EXPECT_THAT(CheckDataClasses(event),
              StatusIs(absl::StatusCode::kInternal, kReasonDataClassSchema));
  std::unique_ptr<Message> message = New(event);
  EXPECT_THAT(SealPersonalData(*message),
              StatusIs(absl::StatusCode::kInternal, kReasonDataClassSchema));
  EXPECT_THAT(UnsealPersonalData(*message, AllDataClasses()),
              StatusIs(absl::StatusCode::kInternal, kReasonDataClassSchema));

  const Descriptor* personal_sealed = Build(
      "personal_sealed",
      "message_type { name: 'Ev2' field { name: 'sealed' number: 900 label: "
      "LABEL_REPEATED type: TYPE_MESSAGE type_name: "
      "'.relog.v1.SealedEnvelope' options { [relog.v1.data_class]: "
      "DATA_CLASS_SOCIAL_NOTES } } }");
  ASSERT_NE(personal_sealed, nullptr);
  EXPECT_THAT(CheckDataClasses(personal_sealed),
              StatusIs(absl::StatusCode::kInternal, kReasonDataClassSchema));
}

TEST_F(BadSchemaTest, AnotherClassInsideAFieldMovedWhole) {
  const Descriptor* event = Build(
      "mixed",
      std::string("message_type { name: 'Contact' ") +
          Field("name", 1, "label: LABEL_OPTIONAL type: TYPE_STRING", 2) +
          Field("comment", 2, "label: LABEL_OPTIONAL type: TYPE_STRING", 4) +
          " } message_type { name: 'Ev' " +
          Field("contact", 1,
                "label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: "
                "'.relog.test.Contact'",
                2) +
          kSealed + " }");
  ASSERT_NE(event, nullptr);
  const absl::Status status =
      CheckDataClasses(pool_.FindMessageTypeByName("relog.test.Ev"));
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInternal, kReasonDataClassSchema));
  EXPECT_EQ(GetErrorMetadata(status)[meta::kField],
            "relog.test.Contact.comment");
}

TEST_F(BadSchemaTest, DynamicMessagesSealAndUnseal) {
  const Descriptor* event = Build(
      "dynamic",
      std::string("message_type { name: 'Ev' ") +
          Field("count", 1, "label: LABEL_OPTIONAL type: TYPE_INT32", 1) +
          Field("nickname", 2, "label: LABEL_OPTIONAL type: TYPE_STRING", 2) +
          Field("note", 3, "label: LABEL_OPTIONAL type: TYPE_STRING", 4) +
          kSealed + " }");
  ASSERT_NE(event, nullptr);
  EXPECT_OK(CheckDataClasses(event));
  std::unique_ptr<Message> message = New(event);
  const auto* reflection = message->GetReflection();
  reflection->SetInt32(message.get(), event->field(0), 3);
  reflection->SetString(message.get(), event->field(1), "Fafa");
  reflection->SetString(message.get(), event->field(2), "Très motivée.");
  std::unique_ptr<Message> original = Copy(*message);
  ASSERT_OK(SealPersonalData(*message));
  EXPECT_EQ(reflection->FieldSize(*message, event->FindFieldByName("sealed")),
            2);
  EXPECT_FALSE(reflection->HasField(*message, event->field(1)));
  ASSERT_OK(UnsealPersonalData(*message, AllDataClasses()));
  EXPECT_TRUE(MessageDifferencer::Equals(*message, *original));
}

}  // namespace
}  // namespace relog::cases
