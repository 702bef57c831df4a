// The events of a case stream as stored: type "relog.v1.<Message>", the
// sealed message's bytes (deterministic serialization) as payload, the
// business date in the metadata's occurred_at (proto/relog/v1/
// case_events.proto). The mapping type ↔ message is read from CaseStep's
// oneof `step` by reflection: a new step type needs no code here, only its
// golden bytes (tests/cases/golden/).
#ifndef RELOG_SERVICES_CASES_EVENT_CODEC_H_
#define RELOG_SERVICES_CASES_EVENT_CODEC_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "relog/v1/case_events.pb.h"
#include "relog/v1/data_class.pb.h"
#include "storage/event_store.h"

namespace relog::cases {

// The stream of case {id} is "case-{id}".
inline constexpr char kCaseStreamPrefix[] = "case-";

// A stored event that does not decode (DATA_LOSS).
inline constexpr char kReasonCorruptEvent[] = "CORRUPT_EVENT";
// An event to encode that is not well formed (INVALID_ARGUMENT).
inline constexpr char kReasonInvalidEvent[] = "INVALID_EVENT";
// Metadata keys naming a stored event (with relog::meta::kStream).
inline constexpr char kMetaVersion[] = "version";
inline constexpr char kMetaEventType[] = "event_type";

// An event of a case, unsealed (holding the classes its reader may see).
struct CaseEvent {
  absl::CivilDay occurred_on;
  // Exactly one is set.
  std::optional<relog::v1::CaseStep> step;
  std::optional<relog::v1::StepCorrected> correction;
  std::optional<relog::v1::StepCancelled> cancellation;
};

// "relog.v1.OfferMade" etc.: the stored type of an event; "" when not
// exactly one of step, correction and cancellation is set, or the step has
// no member set.
std::string EventType(const CaseEvent& event);

// Seals and serializes (deterministically) `event` into a NewEvent with
// type, payload and metadata.occurred_at set; the id and the other metadata
// are left for the caller. INVALID_ARGUMENT INVALID_EVENT when not exactly
// one part (or no step member) is set; the errors of SealPersonalData
// (sealing.h), e.g. FAILED_PRECONDITION when the message already has
// envelopes.
absl::StatusOr<NewEvent> EncodeCaseEvent(const CaseEvent& event);

// Decodes a stored event of a case stream and unseals the classes in
// `allowed` (the other envelopes are dropped). DATA_LOSS CORRUPT_EVENT,
// naming stream, version, global position and type (metadata kStream,
// kMetaVersion, meta::kPosition, kMetaEventType), for an unknown type, a
// payload that does not parse, a missing occurred_at; DATA_LOSS
// UNSEALED_PERSONAL_DATA for a payload with personal data outside its
// envelopes; the errors of UnsealPersonalData (sealing.h), with the stream,
// version, position and type added.
absl::StatusOr<CaseEvent> DecodeCaseEvent(
    const RecordedEvent& recorded,
    absl::Span<const relog::v1::DataClass> allowed);

// Every stored event type name: the message types of CaseStep's oneof
// `step` in field order, then StepCorrected and StepCancelled.
std::vector<std::string> AllCaseEventTypes();

// Every data class of data (statistical and the sealed ones; not
// UNSPECIFIED nor NESTED): what an administrator may see.
absl::Span<const relog::v1::DataClass> AllDataClasses();

}  // namespace relog::cases

#endif  // RELOG_SERVICES_CASES_EVENT_CODEC_H_
