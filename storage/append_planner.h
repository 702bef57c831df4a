// Decides what each append of a group commit gets, and the key/value pairs
// the group writes. Knows the key layout, not RocksDB: the writer supplies
// the committed state (Source) and takes the pairs (Sink).
//
// Appends are planned in queue order, each on top of the committed state and
// of the appends planned before it in the same group, so that two appends of
// one group to one stream see each other. A planned append emits nothing
// unless every check passed: the group's batch never holds half an append.
#ifndef RELOG_STORAGE_APPEND_PLANNER_H_
#define RELOG_STORAGE_APPEND_PLANNER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/clock.h"
#include "storage/event_store.h"
#include "storage/key_layout.h"

namespace relog {

class AppendPlanner {
 public:
  // The committed state, as the writer thread sees it.
  class Source {
   public:
    virtual ~Source() = default;
    virtual absl::StatusOr<std::optional<StreamHead>> Head(
        absl::string_view stream_id) = 0;
    virtual absl::StatusOr<std::optional<layout::StoredRequest>> Request(
        absl::string_view request_id) = 0;
    virtual absl::StatusOr<std::optional<RecordedEvent>> EventById(
        const EventId& id) = 0;
  };

  // Receives the pairs to write, in order.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void Put(layout::ColumnFamily cf, absl::string_view key,
                     absl::string_view value) = 0;
  };

  // `committed` is the log head before the group. `source`, `clock` and
  // `sink` must outlive the planner.
  AppendPlanner(Source* source, const Clock* clock, LogHead committed,
                Sink* sink);

  // Plans one append (already validated). On success its pairs went to the
  // sink, unless the answer is a replay, which writes nothing.
  absl::StatusOr<AppendResult> Plan(const AppendRequest& request);

  // True once some append emitted pairs.
  bool wrote() const { return wrote_; }
  // The log head after the appends planned so far.
  const LogHead& head() const { return head_; }
  // Every stream head the group moved, for the writer's cache.
  const absl::flat_hash_map<std::string, StreamHead>& moved_heads() const {
    return heads_;
  }

 private:
  absl::StatusOr<std::optional<StreamHead>> CurrentHead(
      absl::string_view stream_id);
  absl::StatusOr<std::optional<AppendResult>> ReplayFromEventIds(
      const AppendRequest& request);

  Source* const source_;
  const Clock* const clock_;
  Sink* const sink_;
  LogHead head_;
  bool wrote_ = false;
  // What the group planned so far, on top of the committed state.
  absl::flat_hash_map<std::string, StreamHead> heads_;
  absl::flat_hash_map<std::string, layout::StoredRequest> requests_;
  absl::flat_hash_map<std::string, RecordedEvent> events_by_id_;
};

}  // namespace relog

#endif  // RELOG_STORAGE_APPEND_PLANNER_H_
