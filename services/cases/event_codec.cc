#include "services/cases/event_codec.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "services/cases/sealing.h"
#include "storage/errors.h"
#include "storage/status_macros.h"

namespace relog::cases {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::OneofDescriptor;
using ::relog::v1::CaseStep;
using ::relog::v1::StepCancelled;
using ::relog::v1::StepCorrected;

constexpr char kStepOneof[] = "step";

const OneofDescriptor* StepOneof() {
  const OneofDescriptor* oneof =
      CaseStep::descriptor()->FindOneofByName(kStepOneof);
  CHECK(oneof != nullptr) << "relog.v1.CaseStep has no oneof step";
  return oneof;
}

// The CaseStep member whose message type is `type`, or null.
const FieldDescriptor* StepMemberOfType(absl::string_view type) {
  const OneofDescriptor* oneof = StepOneof();
  for (int i = 0; i < oneof->field_count(); ++i) {
    const FieldDescriptor* member = oneof->field(i);
    if (member->message_type() != nullptr &&
        member->message_type()->full_name() == type) {
      return member;
    }
  }
  return nullptr;
}

absl::Status InvalidEvent(absl::string_view problem) {
  return MakeError(absl::StatusCode::kInvalidArgument, kReasonInvalidEvent,
                   absl::StrCat("case event: ", problem));
}

absl::Status CorruptEvent(const RecordedEvent& recorded,
                          absl::string_view problem) {
  return MakeError(
      absl::StatusCode::kDataLoss, kReasonCorruptEvent,
      absl::StrCat("stored event ", recorded.stream_id, "@", recorded.version,
                   " (position ", recorded.position, ") of type ",
                   recorded.type, ": ", problem),
      {{meta::kStream, recorded.stream_id},
       {kMetaVersion, absl::StrCat(recorded.version)},
       {meta::kPosition, absl::StrCat(recorded.position)},
       {kMetaEventType, recorded.type}});
}

// `status` with the stored event named in its message and metadata; its own
// reason and metadata are kept.
absl::Status WithEvent(const absl::Status& status,
                       const RecordedEvent& recorded) {
  absl::Status out = MakeError(
      status.code(), ErrorReason(status),
      absl::StrCat("stored event ", recorded.stream_id, "@", recorded.version,
                   " (position ", recorded.position, ") of type ",
                   recorded.type, ": ", status.message()),
      {{meta::kStream, recorded.stream_id},
       {kMetaVersion, absl::StrCat(recorded.version)},
       {meta::kPosition, absl::StrCat(recorded.position)},
       {kMetaEventType, recorded.type}});
  status.ForEachPayload(
      [&out](absl::string_view url, const absl::Cord& payload) {
        out.SetPayload(url, payload);
      });
  return out;
}

// The message stored for `event`, or null when it is not well formed.
const Message* StoredMessage(const CaseEvent& event) {
  const int parts = int{event.step.has_value()} +
                    int{event.correction.has_value()} +
                    int{event.cancellation.has_value()};
  if (parts != 1) return nullptr;
  if (event.correction.has_value()) return &*event.correction;
  if (event.cancellation.has_value()) return &*event.cancellation;
  const FieldDescriptor* member =
      event.step->GetReflection()->GetOneofFieldDescriptor(*event.step,
                                                           StepOneof());
  if (member == nullptr) return nullptr;
  return &event.step->GetReflection()->GetMessage(*event.step, member);
}

}  // namespace

std::string EventType(const CaseEvent& event) {
  const Message* message = StoredMessage(event);
  return message == nullptr ? std::string()
                            : message->GetDescriptor()->full_name();
}

absl::StatusOr<NewEvent> EncodeCaseEvent(const CaseEvent& event) {
  const Message* message = StoredMessage(event);
  if (message == nullptr) {
    return InvalidEvent(
        "exactly one of step (with its member set), correction and "
        "cancellation must be set");
  }
  std::unique_ptr<Message> sealed(message->New());
  sealed->CopyFrom(*message);
  RETURN_IF_ERROR(SealPersonalData(*sealed));
  NewEvent out;
  out.type = sealed->GetDescriptor()->full_name();
  out.payload = SerializeDeterministically(*sealed);
  out.metadata.occurred_at = event.occurred_on;
  return out;
}

absl::StatusOr<CaseEvent> DecodeCaseEvent(
    const RecordedEvent& recorded,
    absl::Span<const relog::v1::DataClass> allowed) {
  CaseEvent out;
  Message* message = nullptr;
  if (recorded.type == StepCorrected::descriptor()->full_name()) {
    message = &out.correction.emplace();
  } else if (recorded.type == StepCancelled::descriptor()->full_name()) {
    message = &out.cancellation.emplace();
  } else if (const FieldDescriptor* member = StepMemberOfType(recorded.type);
             member != nullptr) {
    CaseStep& step = out.step.emplace();
    message = step.GetReflection()->MutableMessage(&step, member);
  } else {
    return CorruptEvent(recorded, "not a case event type");
  }
  if (!message->ParseFromString(recorded.payload)) {
    return CorruptEvent(recorded, "the payload does not parse");
  }
  if (!recorded.metadata.occurred_at.has_value()) {
    return CorruptEvent(recorded, "no occurred_at");
  }
  out.occurred_on = *recorded.metadata.occurred_at;
  if (absl::Status sealed = CheckSealed(*message); !sealed.ok()) {
    return WithEvent(sealed, recorded);
  }
  if (absl::Status unsealed = UnsealPersonalData(*message, allowed);
      !unsealed.ok()) {
    return WithEvent(unsealed, recorded);
  }
  return out;
}

std::vector<std::string> AllCaseEventTypes() {
  std::vector<std::string> types;
  const OneofDescriptor* oneof = StepOneof();
  for (int i = 0; i < oneof->field_count(); ++i) {
    types.push_back(oneof->field(i)->message_type()->full_name());
  }
  types.push_back(StepCorrected::descriptor()->full_name());
  types.push_back(StepCancelled::descriptor()->full_name());
  return types;
}

absl::Span<const relog::v1::DataClass> AllDataClasses() {
  static constexpr relog::v1::DataClass kAll[] = {
      relog::v1::DATA_CLASS_STATISTICAL,
      relog::v1::DATA_CLASS_PERSONAL_ALLOCATION,
      relog::v1::DATA_CLASS_PERSONAL_FOLLOW_UP,
      relog::v1::DATA_CLASS_SOCIAL_NOTES,
      relog::v1::DATA_CLASS_SPECIAL_CATEGORY,
  };
  return kAll;
}

}  // namespace relog::cases
