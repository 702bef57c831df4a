// Sealing: the non-statistical fields of an event travel in one sealed
// envelope per data class (DESIGN.md "Domain";
// proto/relog/v1/data_class.proto).
//
// Driven by the `(relog.v1.data_class)` option of every field, through
// protobuf reflection, so that a new field or event needs no code here:
//  - DATA_CLASS_STATISTICAL: stays in the event, never sealed;
//  - DATA_CLASS_NESTED: only on singular message fields (a oneof member
//    included); the classes are on the fields inside, at any depth;
//  - any other class: the whole field (scalar, repeated, or message) moves
//    into the envelope of its class.
// An envelope with cipher NONE holds, as `ciphertext`, the event's own
// message type holding only that class's fields, serialized
// deterministically. The envelopes of an event live in the `sealed` field
// (number 900) of the top-level event message; an event nested in another
// (StepCorrected.replacement's step) keeps its own `sealed` empty.
//
// Pure functions: no I/O, no keys (cipher NONE only, for now).
#ifndef RELOG_SERVICES_CASES_SEALING_H_
#define RELOG_SERVICES_CASES_SEALING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "relog/v1/data_class.pb.h"

namespace relog::cases {

// Reasons (google.rpc.ErrorInfo) of the errors below.
// The schema breaks a data-class rule (INTERNAL: a bug, not bad input).
inline constexpr char kReasonDataClassSchema[] = "DATA_CLASS_SCHEMA";
// Sealing an event that already has envelopes (FAILED_PRECONDITION).
inline constexpr char kReasonAlreadySealed[] = "ALREADY_SEALED";
// An envelope in a nested event (FAILED_PRECONDITION on sealing).
inline constexpr char kReasonNestedEnvelope[] = "NESTED_ENVELOPE";
// Sealing a message with unknown fields outside the fields moved whole: they
// have no data class (FAILED_PRECONDITION).
inline constexpr char kReasonUnknownFields[] = "UNKNOWN_FIELDS";
// An envelope whose cipher this build cannot open (FAILED_PRECONDITION).
inline constexpr char kReasonEnvelopeCipherUnsupported[] =
    "ENVELOPE_CIPHER_UNSUPPORTED";
// An envelope that does not parse, holds fields of another class, or does not
// fit the event it is in (DATA_LOSS).
inline constexpr char kReasonCorruptEnvelope[] = "CORRUPT_ENVELOPE";
// A stored event with a non-statistical field outside its envelopes
// (DATA_LOSS).
inline constexpr char kReasonUnsealedPersonalData[] = "UNSEALED_PERSONAL_DATA";

// Metadata key naming a data class ("DATA_CLASS_SOCIAL_NOTES"). Fields are
// named under relog::meta::kField.
inline constexpr char kMetaDataClass[] = "data_class";

// The number and name of the envelopes field of every event message.
inline constexpr int kSealedFieldNumber = 900;
inline constexpr char kSealedFieldName[] = "sealed";

// `message` serialized deterministically (map entries sorted): the bytes of
// envelopes and of stored payloads.
std::string SerializeDeterministically(
    const google::protobuf::Message& message);

// The data class of `field` (DATA_CLASS_UNSPECIFIED when it has none).
relog::v1::DataClass DataClassOf(
    const google::protobuf::FieldDescriptor* field);

// The `repeated SealedEnvelope sealed = 900` field of `descriptor`, or null
// when it is not an event message.
const google::protobuf::FieldDescriptor* SealedField(
    const google::protobuf::Descriptor* descriptor);

// Moves every non-statistical field of the top-level event `event`, at any
// depth, into one envelope per data class present, appended to `sealed` in
// ascending class order (cipher NONE). An event without personal data gets
// no envelope. On error `event` is unchanged.
// Errors: INTERNAL DATA_CLASS_SCHEMA (a set field without a class, a NESTED
// field that is not a singular message, no `sealed` field);
// FAILED_PRECONDITION ALREADY_SEALED (envelopes already present),
// NESTED_ENVELOPE (a nested event with envelopes) or UNKNOWN_FIELDS (fields
// unknown to this build, in the event or a NESTED message: their class is
// unknown, so they may not be stored in clear).
absl::Status SealPersonalData(google::protobuf::Message& event);

// Merges back the envelopes whose class is in `allowed`, then removes every
// envelope: the caller sees only the classes it may see. On error `event` is
// unchanged. Envelopes of classes not allowed are dropped unopened, whatever
// their cipher.
// Errors: FAILED_PRECONDITION ENVELOPE_CIPHER_UNSUPPORTED (an allowed
// envelope with a cipher other than NONE); DATA_LOSS CORRUPT_ENVELOPE (an
// allowed envelope that does not parse as the event's type, holds a field of
// another class, repeats a class, or names a nested message the event does
// not have); INTERNAL DATA_CLASS_SCHEMA (not an event message).
absl::Status UnsealPersonalData(google::protobuf::Message& event,
                                absl::Span<const relog::v1::DataClass> allowed);

// OK when no non-statistical field of `event` is set outside its envelopes,
// and no nested event has envelopes: what a stored payload must look like.
// Otherwise DATA_LOSS UNSEALED_PERSONAL_DATA (or CORRUPT_ENVELOPE for nested
// envelopes) naming the field's path; INTERNAL for a schema problem.
absl::Status CheckSealed(const google::protobuf::Message& event);

// Checks the data classes of the top-level event type `descriptor`,
// recursively: every field has a class; a NESTED field is a singular message;
// inside a field moved whole, every field has that same class (or is NESTED),
// so that the docs and the sealing agree; the event has the statistical
// `repeated relog.v1.SealedEnvelope sealed = 900`, and a field named `sealed`
// anywhere is exactly that. INTERNAL DATA_CLASS_SCHEMA naming the first
// offending field (full name) otherwise. Types of package google.protobuf
// are not descended into.
absl::Status CheckDataClasses(const google::protobuf::Descriptor* descriptor);

}  // namespace relog::cases

#endif  // RELOG_SERVICES_CASES_SEALING_H_
