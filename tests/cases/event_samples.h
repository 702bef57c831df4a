// Realistic samples of the case events (Métropole Européenne de Lille), one
// of every stored type, filling every field, personal ones included. The
// golden bytes (tests/cases/golden/) are written from them by
// relog_golden_writer; the sealing tests round-trip them.
#ifndef RELOG_TESTS_CASES_EVENT_SAMPLES_H_
#define RELOG_TESTS_CASES_EVENT_SAMPLES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "google/protobuf/message.h"
#include "services/cases/event_codec.h"

namespace relog::cases::testing {

// One event of every type of AllCaseEventTypes(), in that order.
std::vector<CaseEvent> SampleEventOfEveryType();

// The message stored for `event`: the step's member, the correction or the
// cancellation. REQUIRES: EventType(event) is not empty.
const google::protobuf::Message& StoredMessage(const CaseEvent& event);

// The CaseEvent whose stored message is `message` (of a case event type).
CaseEvent CaseEventFromMessage(const google::protobuf::Message& message,
                               absl::CivilDay occurred_on);

// A new, empty message of the generated type named `type`, or null.
std::unique_ptr<google::protobuf::Message> NewMessageOfType(
    const std::string& type);

}  // namespace relog::cases::testing

#endif  // RELOG_TESTS_CASES_EVENT_SAMPLES_H_
