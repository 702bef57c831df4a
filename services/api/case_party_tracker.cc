#include "services/api/case_party_tracker.h"

#include <algorithm>
#include <utility>

#include "absl/strings/strip.h"
#include "services/api/case_repository.h"
#include "services/cases/event_codec.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

// Parties are statistical fields: the tracker never holds personal data.
constexpr relog::v1::DataClass kStatisticalOnly[] = {
    relog::v1::DATA_CLASS_STATISTICAL};

}  // namespace

CasePartyTracker::CasePartyTracker(const EventStore* store, size_t capacity)
    : store_(store), capacity_(std::max<size_t>(capacity, 1)) {}

absl::StatusOr<CasePartyTracker::Held*> CasePartyTracker::StateBefore(
    const std::string& case_id, uint64_t version) {
  auto it = states_.find(case_id);
  if (it != states_.end() && it->second.state.event_count == version) {
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    return &it->second;
  }
  cases::CaseState state;
  state.case_id = case_id;
  if (version > 0) {
    ASSIGN_OR_RETURN(LoadedCase loaded,
                     LoadCase(*store_, case_id, version - 1, kStatisticalOnly));
    state = std::move(loaded.state);
  }
  if (it == states_.end()) {
    if (states_.size() >= capacity_) {
      states_.erase(recency_.back());
      recency_.pop_back();
    }
    recency_.push_front(case_id);
    it = states_.emplace(case_id, Held{std::move(state), recency_.begin()})
             .first;
  } else {
    it->second.state = std::move(state);
    recency_.splice(recency_.begin(), recency_, it->second.recency);
  }
  return &it->second;
}

absl::StatusOr<CasePartyTracker::Change> CasePartyTracker::Advance(
    const RecordedEvent& recorded) {
  absl::string_view case_id = recorded.stream_id;
  absl::ConsumePrefix(&case_id, cases::kCaseStreamPrefix);
  ASSIGN_OR_RETURN(Held * held,
                   StateBefore(std::string(case_id), recorded.version));
  ASSIGN_OR_RETURN(cases::CaseEvent event,
                   cases::DecodeCaseEvent(recorded, kStatisticalOnly));
  Change change;
  change.before = cases::PartiesOf(held->state.facts);
  held->state = cases::Evolve(std::move(held->state), event);
  change.after = cases::PartiesOf(held->state.facts);
  return change;
}

}  // namespace relog::api
