#include "services/cases/sealing.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/unknown_field_set.h"
#include "storage/errors.h"
#include "storage/status_macros.h"

namespace relog::cases {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::relog::v1::DataClass;
using ::relog::v1::SealedEnvelope;

constexpr char kSealedEnvelopeType[] = "relog.v1.SealedEnvelope";

std::string ClassName(DataClass data_class) {
  const std::string& name = relog::v1::DataClass_Name(data_class);
  return name.empty() ? absl::StrCat(static_cast<int>(data_class)) : name;
}

absl::Status SchemaError(const FieldDescriptor* field,
                         absl::string_view problem) {
  return MakeError(
      absl::StatusCode::kInternal, kReasonDataClassSchema,
      absl::StrCat("data classes: field ", field->full_name(), " ", problem),
      {{meta::kField, field->full_name()}});
}

// "replacement.offer_made.dwelling": the path of `field` under the fields
// of `path`, for messages about an event's content.
std::string FieldPath(const std::vector<const FieldDescriptor*>& path,
                      const FieldDescriptor* field) {
  std::string out;
  for (const FieldDescriptor* step : path)
    absl::StrAppend(&out, step->name(), ".");
  absl::StrAppend(&out, field->name());
  return out;
}

// The field named `sealed` of a message, whatever its shape (CheckDataClasses
// checks the shape).
bool IsSealedField(const FieldDescriptor* field) {
  return field->name() == kSealedFieldName;
}

bool IsSingularMessage(const FieldDescriptor* field) {
  return !field->is_repeated() &&
         field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
}

SealedEnvelope ToEnvelope(const Message& message) {
  if (const auto* envelope = dynamic_cast<const SealedEnvelope*>(&message)) {
    return *envelope;
  }
  // A dynamic message of the same type.
  SealedEnvelope envelope;
  envelope.ParsePartialFromString(message.SerializePartialAsString());
  return envelope;
}

void AddEnvelope(Message& event, const FieldDescriptor* sealed,
                 SealedEnvelope envelope) {
  Message* added = event.GetReflection()->AddMessage(&event, sealed);
  if (auto* typed = dynamic_cast<SealedEnvelope*>(added)) {
    *typed = std::move(envelope);
  } else {
    added->ParsePartialFromString(envelope.SerializePartialAsString());
  }
}

std::vector<const FieldDescriptor*> SetFields(const Message& message) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  return fields;
}

// Moves the non-statistical fields of `message` (reached from the event by
// the NESTED fields of `path`) into `roots`: per class, a message of the
// event's type holding that class's fields.
absl::Status MoveOut(Message& message, bool top,
                     std::vector<const FieldDescriptor*>& path,
                     const Message& event_prototype,
                     std::map<DataClass, std::unique_ptr<Message>>& roots) {
  const Reflection* reflection = message.GetReflection();
  if (reflection->GetUnknownFields(message).field_count() != 0) {
    const std::string where =
        path.empty() ? message.GetDescriptor()->full_name()
                     : FieldPath({path.begin(), path.end() - 1}, path.back());
    return MakeError(
        absl::StatusCode::kFailedPrecondition, kReasonUnknownFields,
        absl::StrCat("sealing: ", where,
                     " has unknown fields, of no known data class"),
        {{meta::kField, where}});
  }
  for (const FieldDescriptor* field : SetFields(message)) {
    if (IsSealedField(field)) {
      if (top) continue;  // checked empty by the caller
      return MakeError(
          absl::StatusCode::kFailedPrecondition, kReasonNestedEnvelope,
          absl::StrCat("sealing: the nested event at ", FieldPath(path, field),
                       " has envelopes; they belong to the top-level event"),
          {{meta::kField, FieldPath(path, field)}});
    }
    const DataClass data_class = DataClassOf(field);
    switch (data_class) {
      case relog::v1::DATA_CLASS_STATISTICAL:
        break;
      case relog::v1::DATA_CLASS_UNSPECIFIED:
        return SchemaError(field, "has no data class");
      case relog::v1::DATA_CLASS_NESTED: {
        if (!IsSingularMessage(field)) {
          return SchemaError(field, "is NESTED but not a singular message");
        }
        path.push_back(field);
        RETURN_IF_ERROR(MoveOut(*reflection->MutableMessage(&message, field),
                                /*top=*/false, path, event_prototype, roots));
        path.pop_back();
        break;
      }
      default: {
        std::unique_ptr<Message>& root = roots[data_class];
        if (root == nullptr) root.reset(event_prototype.New());
        Message* target = root.get();
        for (const FieldDescriptor* step : path) {
          target = target->GetReflection()->MutableMessage(target, step);
        }
        reflection->SwapFields(&message, target, {field});
        break;
      }
    }
  }
  return absl::OkStatus();
}

// Checks that `part`, the content of an envelope of `data_class`, holds only
// fields of that class, under NESTED messages that `base` (the event it is
// merged into) has too.
absl::Status CheckEnvelopeContent(const Message& part, const Message& base,
                                  DataClass data_class,
                                  std::vector<const FieldDescriptor*>& path) {
  for (const FieldDescriptor* field : SetFields(part)) {
    const DataClass field_class = DataClassOf(field);
    if (field_class == relog::v1::DATA_CLASS_NESTED &&
        IsSingularMessage(field) && !IsSealedField(field)) {
      if (!base.GetReflection()->HasField(base, field)) {
        return MakeError(
            absl::StatusCode::kDataLoss, kReasonCorruptEnvelope,
            absl::StrCat("unsealing: the envelope of ", ClassName(data_class),
                         " holds ", FieldPath(path, field),
                         ", which the event does not have"),
            {{meta::kField, FieldPath(path, field)},
             {kMetaDataClass, ClassName(data_class)}});
      }
      path.push_back(field);
      RETURN_IF_ERROR(CheckEnvelopeContent(
          part.GetReflection()->GetMessage(part, field),
          base.GetReflection()->GetMessage(base, field), data_class, path));
      path.pop_back();
      continue;
    }
    if (field_class != data_class) {
      return MakeError(
          absl::StatusCode::kDataLoss, kReasonCorruptEnvelope,
          absl::StrCat("unsealing: the envelope of ", ClassName(data_class),
                       " holds ", FieldPath(path, field), ", of class ",
                       ClassName(field_class)),
          {{meta::kField, FieldPath(path, field)},
           {kMetaDataClass, ClassName(data_class)}});
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSealedImpl(const Message& message, bool top,
                             std::vector<const FieldDescriptor*>& path) {
  for (const FieldDescriptor* field : SetFields(message)) {
    if (IsSealedField(field)) {
      if (top) continue;
      return MakeError(absl::StatusCode::kDataLoss, kReasonCorruptEnvelope,
                       absl::StrCat("the nested event at ",
                                    FieldPath(path, field), " has envelopes"),
                       {{meta::kField, FieldPath(path, field)}});
    }
    const DataClass data_class = DataClassOf(field);
    switch (data_class) {
      case relog::v1::DATA_CLASS_STATISTICAL:
        break;
      case relog::v1::DATA_CLASS_UNSPECIFIED:
        return SchemaError(field, "has no data class");
      case relog::v1::DATA_CLASS_NESTED:
        if (!IsSingularMessage(field)) {
          return SchemaError(field, "is NESTED but not a singular message");
        }
        path.push_back(field);
        RETURN_IF_ERROR(
            CheckSealedImpl(message.GetReflection()->GetMessage(message, field),
                            /*top=*/false, path));
        path.pop_back();
        break;
      default:
        return MakeError(
            absl::StatusCode::kDataLoss, kReasonUnsealedPersonalData,
            absl::StrCat("field ", FieldPath(path, field), " of class ",
                         ClassName(data_class), " is outside its envelope"),
            {{meta::kField, FieldPath(path, field)},
             {kMetaDataClass, ClassName(data_class)}});
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSealedShape(const FieldDescriptor* field) {
  if (field->number() != kSealedFieldNumber || !field->is_repeated() ||
      field->message_type() == nullptr ||
      field->message_type()->full_name() != kSealedEnvelopeType) {
    return SchemaError(field,
                       "must be `repeated relog.v1.SealedEnvelope "
                       "sealed = 900`");
  }
  if (DataClassOf(field) != relog::v1::DATA_CLASS_STATISTICAL) {
    return SchemaError(field, "must be DATA_CLASS_STATISTICAL");
  }
  return absl::OkStatus();
}

// `whole`: the class of the field moved whole that `descriptor` is inside,
// or UNSPECIFIED at the event's level and under NESTED fields only.
absl::Status CheckType(
    const Descriptor* descriptor, DataClass whole,
    std::set<std::pair<const Descriptor*, DataClass>>& seen) {
  if (descriptor->file()->package() == "google.protobuf") {
    return absl::OkStatus();
  }
  if (!seen.emplace(descriptor, whole).second) return absl::OkStatus();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (IsSealedField(field) || field->number() == kSealedFieldNumber) {
      RETURN_IF_ERROR(CheckSealedShape(field));
      if (whole != relog::v1::DATA_CLASS_UNSPECIFIED) {
        return SchemaError(field, absl::StrCat("is inside a field of class ",
                                               ClassName(whole)));
      }
      continue;
    }
    const DataClass data_class = DataClassOf(field);
    if (data_class == relog::v1::DATA_CLASS_UNSPECIFIED) {
      return SchemaError(field, "has no data class");
    }
    const Descriptor* type = field->message_type();
    if (field->is_map())
      type = field->message_type()->map_value()->message_type();
    if (data_class == relog::v1::DATA_CLASS_NESTED) {
      if (!IsSingularMessage(field)) {
        return SchemaError(field, "is NESTED but not a singular message");
      }
      RETURN_IF_ERROR(CheckType(type, whole, seen));
      continue;
    }
    if (whole != relog::v1::DATA_CLASS_UNSPECIFIED && data_class != whole) {
      return SchemaError(
          field, absl::StrCat("has class ", ClassName(data_class),
                              " inside a field of class ", ClassName(whole),
                              ", which moves it whole"));
    }
    if (type != nullptr) RETURN_IF_ERROR(CheckType(type, data_class, seen));
  }
  return absl::OkStatus();
}

}  // namespace

std::string SerializeDeterministically(const Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializePartialToCodedStream(&coded);
  }
  return bytes;
}

DataClass DataClassOf(const FieldDescriptor* field) {
  return field->options().GetExtension(relog::v1::data_class);
}

const FieldDescriptor* SealedField(const Descriptor* descriptor) {
  const FieldDescriptor* field = descriptor->FindFieldByName(kSealedFieldName);
  if (field == nullptr || !CheckSealedShape(field).ok()) return nullptr;
  return field;
}

absl::Status SealPersonalData(Message& event) {
  const Descriptor* descriptor = event.GetDescriptor();
  const FieldDescriptor* sealed = SealedField(descriptor);
  if (sealed == nullptr) {
    return MakeError(absl::StatusCode::kInternal, kReasonDataClassSchema,
                     absl::StrCat("sealing: ", descriptor->full_name(),
                                  " is not an event (no `sealed` field)"),
                     {{meta::kField, descriptor->full_name()}});
  }
  const Reflection* reflection = event.GetReflection();
  if (reflection->FieldSize(event, sealed) != 0) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     kReasonAlreadySealed,
                     absl::StrCat("sealing: the ", descriptor->full_name(),
                                  " already has envelopes"),
                     {{meta::kField, sealed->name()}});
  }
  // Work on a copy, so that an error leaves `event` as it was.
  std::unique_ptr<Message> work(event.New());
  work->CopyFrom(event);
  std::map<DataClass, std::unique_ptr<Message>> roots;
  std::vector<const FieldDescriptor*> path;
  RETURN_IF_ERROR(MoveOut(*work, /*top=*/true, path, event, roots));
  for (const auto& [data_class, root] : roots) {
    SealedEnvelope envelope;
    envelope.set_data_class(data_class);
    envelope.set_cipher(SealedEnvelope::CIPHER_NONE);
    envelope.set_ciphertext(SerializeDeterministically(*root));
    AddEnvelope(*work, sealed, std::move(envelope));
  }
  reflection->Swap(&event, work.get());
  return absl::OkStatus();
}

absl::Status UnsealPersonalData(Message& event,
                                absl::Span<const DataClass> allowed) {
  const Descriptor* descriptor = event.GetDescriptor();
  const FieldDescriptor* sealed = SealedField(descriptor);
  if (sealed == nullptr) {
    return MakeError(absl::StatusCode::kInternal, kReasonDataClassSchema,
                     absl::StrCat("unsealing: ", descriptor->full_name(),
                                  " is not an event (no `sealed` field)"),
                     {{meta::kField, descriptor->full_name()}});
  }
  const Reflection* reflection = event.GetReflection();
  std::vector<std::unique_ptr<Message>> parts;
  std::set<DataClass> opened;
  const int count = reflection->FieldSize(event, sealed);
  for (int i = 0; i < count; ++i) {
    const SealedEnvelope envelope =
        ToEnvelope(reflection->GetRepeatedMessage(event, sealed, i));
    const DataClass data_class = envelope.data_class();
    if (!absl::c_linear_search(allowed, data_class)) continue;
    const std::string class_name = ClassName(data_class);
    if (!opened.insert(data_class).second) {
      return MakeError(absl::StatusCode::kDataLoss, kReasonCorruptEnvelope,
                       absl::StrCat("unsealing: two envelopes of ", class_name,
                                    " in a ", descriptor->full_name()),
                       {{kMetaDataClass, class_name}});
    }
    if (envelope.cipher() != SealedEnvelope::CIPHER_NONE) {
      return MakeError(
          absl::StatusCode::kFailedPrecondition,
          kReasonEnvelopeCipherUnsupported,
          absl::StrCat("unsealing: the envelope of ", class_name,
                       " uses cipher ",
                       SealedEnvelope::Cipher_Name(envelope.cipher()).empty()
                           ? absl::StrCat(static_cast<int>(envelope.cipher()))
                           : SealedEnvelope::Cipher_Name(envelope.cipher()),
                       ", which this build cannot open"),
          {{kMetaDataClass, class_name}});
    }
    std::unique_ptr<Message> part(event.New());
    if (!part->ParseFromString(envelope.ciphertext())) {
      return MakeError(
          absl::StatusCode::kDataLoss, kReasonCorruptEnvelope,
          absl::StrCat("unsealing: the envelope of ", class_name,
                       " does not parse as a ", descriptor->full_name()),
          {{kMetaDataClass, class_name}});
    }
    std::vector<const FieldDescriptor*> path;
    RETURN_IF_ERROR(CheckEnvelopeContent(*part, event, data_class, path));
    parts.push_back(std::move(part));
  }
  reflection->ClearField(&event, sealed);
  for (const std::unique_ptr<Message>& part : parts) event.MergeFrom(*part);
  return absl::OkStatus();
}

absl::Status CheckSealed(const Message& event) {
  std::vector<const FieldDescriptor*> path;
  return CheckSealedImpl(event, /*top=*/true, path);
}

absl::Status CheckDataClasses(const Descriptor* descriptor) {
  const FieldDescriptor* sealed = descriptor->FindFieldByName(kSealedFieldName);
  if (sealed == nullptr) {
    return MakeError(
        absl::StatusCode::kInternal, kReasonDataClassSchema,
        absl::StrCat("data classes: the event ", descriptor->full_name(),
                     " has no `repeated relog.v1.SealedEnvelope sealed = 900`"),
        {{meta::kField, absl::StrCat(descriptor->full_name(), ".sealed")}});
  }
  std::set<std::pair<const Descriptor*, DataClass>> seen;
  return CheckType(descriptor, relog::v1::DATA_CLASS_UNSPECIFIED, seen);
}

}  // namespace relog::cases
