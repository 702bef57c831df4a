// The parties of each case as of each event, for a reader of the global
// log in position order (a subscription): it keeps the state of the cases
// it saw last, and folds a case's stream prefix from the store when it
// meets a case it does not hold (the first event read of that case, or one
// evicted) — a prefix never changes, so the answer does not depend on what
// is held. Not thread-safe: one per reader.
#ifndef RELOG_SERVICES_API_CASE_PARTY_TRACKER_H_
#define RELOG_SERVICES_API_CASE_PARTY_TRACKER_H_

#include <cstddef>
#include <list>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/cases/case_parties.h"
#include "services/cases/case_state.h"
#include "storage/event_store.h"

namespace relog::api {

class CasePartyTracker {
 public:
  // `store` must outlive the tracker; at most `capacity` (>= 1) case states
  // are held, the least recently used dropped first.
  CasePartyTracker(const EventStore* store, size_t capacity);

  struct Change {
    cases::CaseParties before;  // as of the case's previous event
    cases::CaseParties after;   // with this event applied
  };
  // `recorded` is an event of a case stream. Errors: DATA_LOSS (an event
  // does not decode), the store's read errors.
  absl::StatusOr<Change> Advance(const RecordedEvent& recorded);

  size_t held() const { return states_.size(); }

 private:
  struct Held {
    cases::CaseState state;
    std::list<std::string>::iterator recency;
  };
  absl::StatusOr<Held*> StateBefore(const std::string& case_id,
                                    uint64_t version);

  const EventStore* const store_;
  const size_t capacity_;
  absl::flat_hash_map<std::string, Held> states_;
  std::list<std::string> recency_;  // most recently used first
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_CASE_PARTY_TRACKER_H_
