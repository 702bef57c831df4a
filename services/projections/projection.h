// A projection: evolve(view, event) → view, over the event store's view
// store (DESIGN.md "Projections"). The runner (projection_runner.h) feeds
// it the global log from its checkpoint.
#ifndef RELOG_SERVICES_PROJECTIONS_PROJECTION_H_
#define RELOG_SERVICES_PROJECTIONS_PROJECTION_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/event_store.h"
#include "storage/view_store.h"

namespace relog::projections {

// The reads and writes of one batch of events on one view. Reads see the
// view as committed plus the batch's own writes; the writes commit with the
// batch's checkpoint in one atomic ViewStore::Write, or not at all. Within
// the batch, each event's writes are staged until the runner commits the
// event (it applied without error), so a failing event leaves nothing
// behind to be applied twice.
class ViewTransaction {
 public:
  // `views` must outlive the transaction.
  ViewTransaction(const ViewStore* views, std::string view)
      : views_(views), view_(std::move(view)) {}

  // The value at `key`. A failed read is also remembered (read_error()), so
  // that the runner can tell a store failure, which it retries, from an
  // event the projection cannot apply.
  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key);
  const absl::Status& read_error() const { return read_error_; }
  void Put(absl::string_view key, std::string value);
  void Delete(absl::string_view key);

  // For the runner: keeps the current event's writes, or drops them.
  void CommitEvent();
  void AbortEvent();

  // The committed events' writes as one ViewWrite moving the checkpoint to
  // `checkpoint`; the transaction is empty afterwards.
  ViewWrite Take(uint64_t checkpoint);

 private:
  using Writes = std::map<std::string, std::optional<std::string>, std::less<>>;

  const ViewStore* const views_;
  const std::string view_;
  absl::Status read_error_;
  // key → new value, or nullopt for a deletion: of the committed events,
  // and of the event being applied.
  Writes batch_;
  Writes event_;
};

class Projection {
 public:
  virtual ~Projection() = default;

  // The live view's name (a rebuild writes beside it, then swaps).
  virtual std::string name() const = 0;

  // Applies one event. Must be deterministic: rebuilding from position 0
  // must reach exactly the view the incremental path reached. Must not
  // validate (a recorded event is a fact); an error means the event cannot
  // be read, and stops the projection at that position. May be called from
  // two threads at once for two views (the live one and a rebuild): keep no
  // mutable state outside the view.
  virtual absl::Status Apply(const RecordedEvent& event,
                             ViewTransaction& view) = 0;
};

}  // namespace relog::projections

#endif  // RELOG_SERVICES_PROJECTIONS_PROJECTION_H_
