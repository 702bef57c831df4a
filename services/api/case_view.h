// The Case resource of the API, built from a case's folded state.
#ifndef RELOG_SERVICES_API_CASE_VIEW_H_
#define RELOG_SERVICES_API_CASE_VIEW_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "relog/v1/case_service.pb.h"
#include "services/cases/case_state.h"
#include "services/cases/event_codec.h"
#include "storage/event_store.h"

namespace relog::api {

relog::v1::Case::State ToProtoState(cases::Phase phase);

// The commands the case allows now, by name (docs/STATES.md).
std::vector<std::string> NextSteps(const cases::CaseFacts& facts);

// `updated`: recorded_at of the case's last event.
relog::v1::Case ToCaseProto(const cases::CaseState& state, absl::Time updated);

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* out);

// One event of a case's history as the API shows it (GetCaseHistory,
// subscriptions): `event` is `recorded` decoded for the caller.
void ToHistoryEvent(const RecordedEvent& recorded,
                    const cases::CaseEvent& event,
                    relog::v1::CaseHistoryEvent* out);

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_CASE_VIEW_H_
