// The reference data set known at a log position (docs/REPORTS.md D0),
// indexed once per loaded set rather than once per report: a set is
// identified by the position of its ReferenceDataLoaded event.
#ifndef RELOG_SERVICES_REPORTS_REFERENCE_CACHE_H_
#define RELOG_SERVICES_REPORTS_REFERENCE_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/reference/reference_data.h"
#include "storage/event_store.h"

namespace relog::reports {

// Thread-safe.
class ReferenceCache {
 public:
  // `store` must outlive the cache.
  explicit ReferenceCache(const EventStore* store) : store_(store) {}

  // The latest set loaded at a position <= `position` (an empty set if
  // none). The store's errors; DATA_LOSS for a set that does not decode.
  absl::StatusOr<std::shared_ptr<const reference::ReferenceData>> At(
      uint64_t position) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // The position of the reference event known at `position`; 0 if none.
  absl::StatusOr<uint64_t> LoadPositionAt(uint64_t position) const;

  const EventStore* const store_;
  mutable absl::Mutex mu_;
  // By the position of its ReferenceDataLoaded event; a handful of sets.
  mutable std::map<uint64_t, std::shared_ptr<const reference::ReferenceData>>
      sets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace relog::reports

#endif  // RELOG_SERVICES_REPORTS_REFERENCE_CACHE_H_
