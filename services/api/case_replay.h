// A case's history replayed for an auditor (relog.v1.Audit/ReplayCase):
// each event with the case as it stood after it, as known at a time.
#ifndef RELOG_SERVICES_API_CASE_REPLAY_H_
#define RELOG_SERVICES_API_CASE_REPLAY_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "relog/v1/audit.pb.h"
#include "relog/v1/data_class.pb.h"
#include "storage/event_store.h"

namespace relog::api {

// The events of case `case_id` recorded by `known_at` (all of them when
// unset: up to the head as the call starts), each decoded with the
// `readable` classes, with the case folded after it and the corrections it
// received from the events kept. Errors: NOT_FOUND CASE_NOT_FOUND (no
// event of the case recorded by then), DATA_LOSS (an event does not
// decode), the store's read errors.
absl::StatusOr<relog::v1::ReplayCaseResponse> ReplayCase(
    const EventStore& store, absl::string_view case_id,
    std::optional<absl::Time> known_at,
    absl::Span<const relog::v1::DataClass> readable);

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_CASE_REPLAY_H_
