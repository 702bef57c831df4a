// The folded states of the cases being worked on, kept between their
// commands, so that a command reads and decodes only the events appended
// since its case was last folded instead of the whole stream — twice: to
// decide, and for the answer (with the caller's classes).
//
// Correct because case streams are append-only and an event's decoding
// depends only on its bytes and the classes read: a cached prefix, folded
// on with the events after it, equals the whole fold. (When personal data
// can be erased, erasing a case's class must drop its entries.)
#ifndef RELOG_SERVICES_API_CASE_STATE_CACHE_H_
#define RELOG_SERVICES_API_CASE_STATE_CACHE_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "relog/v1/data_class.pb.h"
#include "services/api/case_repository.h"
#include "storage/event_store.h"

namespace relog::api {

// Thread-safe.
class CaseStateCache {
 public:
  // Holds at most `max_entries` (case, classes) states; when full, a new
  // one replaces an arbitrary one (the cases in progress at once are far
  // fewer).
  explicit CaseStateCache(const EventStore* store, size_t max_entries = 4096)
      : store_(store), max_entries_(max_entries) {}

  // LoadCase's answer (loaded.events left empty): the case folded up to
  // `up_to_version` (all of it when unset) with `readable` classes.
  // Errors: as LoadCase.
  absl::StatusOr<LoadedCase> Load(
      absl::string_view case_id, std::optional<uint64_t> up_to_version,
      absl::Span<const relog::v1::DataClass> readable) ABSL_LOCKS_EXCLUDED(mu_);

  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const EventStore* const store_;
  const size_t max_entries_;
  mutable absl::Mutex mu_;
  // Keyed by case id and the classes read; states without their events.
  absl::flat_hash_map<std::string, LoadedCase> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_CASE_STATE_CACHE_H_
