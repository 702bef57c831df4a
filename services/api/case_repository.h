// Cases in the event store: stream naming, case ids, and loading a case's
// state by folding its stream (evolve). The only code that knows a case is
// the stream "case-{id}".
#ifndef RELOG_SERVICES_API_CASE_REPOSITORY_H_
#define RELOG_SERVICES_API_CASE_REPOSITORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "relog/v1/data_class.pb.h"
#include "services/cases/case_state.h"
#include "storage/event_store.h"

namespace relog::api {

using cases::kCaseStreamPrefix;

std::string CaseStreamId(absl::string_view case_id);
// "cases/{id}".
std::string CaseName(absl::string_view case_id);
// The id in "cases/{id}"; INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> CaseIdFromName(absl::string_view name,
                                           absl::string_view field);
// A case id derived from the request that opens it ("c" + 12 hex digits),
// so that a retried request opens the same case. `purpose` tells apart
// the ids one request may derive (the case, a decohabitation's case).
std::string DeriveCaseId(absl::string_view request_id,
                         absl::string_view purpose);

struct LoadedCase {
  cases::CaseState state;
  // The decoded events, oldest first.
  std::vector<cases::CaseEvent> events;
  // recorded_at of the last event loaded.
  absl::Time updated = absl::InfinitePast();
};

// The case folded from its stream up to `up_to_version` (all of it when
// unset), with the sealed fields of `readable` classes. A case without
// events loads as an empty state (state.exists() is false).
// Errors: DATA_LOSS (an event does not decode), the store's read errors.
absl::StatusOr<LoadedCase> LoadCase(
    const EventStore& store, absl::string_view case_id,
    std::optional<uint64_t> up_to_version,
    absl::Span<const relog::v1::DataClass> readable);

// Folds into `loaded` the events of its case (loaded.state.case_id) after
// the ones it holds (from version loaded.state.event_count), up to
// `up_to_version` (all when unset), with the sealed fields of `readable`
// classes — which must be the classes `loaded` was folded with. The
// stream is append-only, so a prefix folded once and continued equals
// the whole fold. `keep_events` false leaves loaded.events alone.
// Errors as LoadCase; `loaded` is then partly advanced.
absl::Status ContinueLoadingCase(
    const EventStore& store, std::optional<uint64_t> up_to_version,
    absl::Span<const relog::v1::DataClass> readable, bool keep_events,
    LoadedCase& loaded);

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_CASE_REPOSITORY_H_
