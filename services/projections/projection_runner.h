// Feeds one projection the global log from its checkpoint, in batches: each
// batch's view writes and its new checkpoint commit in one atomic
// ViewStore::Write, so a crash never counts an event twice or skips one.
// At Start() it catches up from the checkpoint, then follows new commits
// (woken by them through EventStore::WaitForPosition, no polling).
#ifndef RELOG_SERVICES_PROJECTIONS_PROJECTION_RUNNER_H_
#define RELOG_SERVICES_PROJECTIONS_PROJECTION_RUNNER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/projections/projection.h"
#include "storage/event_store.h"

namespace relog::projections {

// Keeps a mirror of the live view (e.g. an in-memory index that queries
// read) in step with it. Called on the runner's thread, or on a
// rebuilder's, one call at a time.
class LiveViewListener {
 public:
  virtual ~LiveViewListener() = default;
  // Each committed write of the live view, in commit order, before the
  // runner publishes its checkpoint: once WaitFor(p) is OK, the mirror
  // reflects p. `from` is the checkpoint the write was applied on: a
  // mirror that is not there must read the view again.
  virtual void OnWrite(uint64_t from, const ViewWrite& write) = 0;
  // The live view changed otherwise (a rebuild swapped in, or a write
  // reported as failed turned out to have committed): read it again.
  // Called before the new checkpoint is published.
  virtual void OnReplaced() = 0;
  // The checkpoint the mirror reflects.
  virtual uint64_t checkpoint() const = 0;
};

struct RunnerOptions {
  // Events per view batch (one atomic view write).
  size_t max_batch_events = 1000;
  // Wait between retries while the store is unavailable (recovering).
  absl::Duration retry_delay = absl::Milliseconds(200);
  // Fail point, for tests: called after each committed batch of the live
  // view with the new checkpoint; returning false stops the runner there,
  // as a crash between two batches would.
  std::function<bool(uint64_t checkpoint)> after_batch;
  // Told of every change of the live view; must outlive the runner.
  LiveViewListener* listener = nullptr;
  // Called once when the projection stops for good, with its failure (how
  // relogd's health learns of it without polling).
  std::function<void(const absl::Status& failure)> on_failure;
};

// Where a projection stands.
struct ProjectionHealth {
  uint64_t checkpoint = 0;
  bool running = false;
  // Not OK once the projection stopped for good: DATA_LOSS
  // PROJECTION_FAILED (an event it cannot apply, with its position), or the
  // store's own error when it is not a transient UNAVAILABLE (DATA_LOSS
  // CORRUPT_RECORD, FAILED_PRECONDITION VIEW_CHECKPOINT_MISMATCH, INTERNAL).
  absl::Status failure;
};

// Thread-safe.
class ProjectionRunner {
 public:
  // `store` must outlive the runner.
  ProjectionRunner(EventStore* store, std::unique_ptr<Projection> projection,
                   RunnerOptions options = {});
  // Stops the runner.
  ~ProjectionRunner();
  ProjectionRunner(const ProjectionRunner&) = delete;
  ProjectionRunner& operator=(const ProjectionRunner&) = delete;

  // Starts following the log on a thread of its own: a no-op while it runs,
  // a restart after Stop() or the fail point, nothing after a failure.
  void Start() ABSL_LOCKS_EXCLUDED(lifecycle_mu_, mu_, apply_mu_);
  // Stops after the batch in progress; what was committed stays.
  void Stop() ABSL_LOCKS_EXCLUDED(lifecycle_mu_, mu_);

  ProjectionHealth health() const ABSL_LOCKS_EXCLUDED(mu_);

  // Read-your-writes: OK once the view reflects `position`; the
  // projection's failure if it stopped for good before; DEADLINE_EXCEEDED
  // (POSITION_NOT_REACHED) at `deadline`.
  absl::Status WaitFor(uint64_t position, absl::Time deadline) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Applies every event committed so far, on the calling thread (tests and
  // tools; not while the runner runs).
  absl::Status CatchUp() ABSL_LOCKS_EXCLUDED(mu_, apply_mu_);

  // Rebuilds the view from position 0 under the name `<name>~rebuild`
  // beside the live view, which keeps serving (and, if the runner runs,
  // following), then swaps the rebuilt view in atomically. One rebuild at a
  // time; a second caller waits for the first.
  absl::Status Rebuild() ABSL_LOCKS_EXCLUDED(rebuild_mu_, mu_, apply_mu_);

  const std::string& name() const { return name_; }

 private:
  // What one batch on the live view did.
  enum class BatchResult { kApplied, kAtHead, kFailPoint };

  // Applies one batch of events to `view` from its checkpoint; returns the
  // checkpoint reached (the same one when the view is at the log head).
  // Touches no runner state, so a rebuild runs it beside the live runner;
  // `live` tells the listener of the write.
  absl::StatusOr<uint64_t> ApplyBatch(const std::string& view, bool live) const;
  absl::StatusOr<BatchResult> ApplyLiveBatch()
      ABSL_LOCKS_EXCLUDED(mu_, apply_mu_);
  void Run() ABSL_LOCKS_EXCLUDED(mu_, apply_mu_);
  void Publish(uint64_t checkpoint) ABSL_LOCKS_EXCLUDED(mu_);
  void Fail(absl::Status failure) ABSL_LOCKS_EXCLUDED(mu_);

  // Constant after construction.
  EventStore* const store_;
  const std::unique_ptr<Projection> projection_;
  const RunnerOptions options_;
  const std::string name_;

  // Serialises Start and Stop (and owns the thread).
  absl::Mutex lifecycle_mu_;
  std::thread thread_ ABSL_GUARDED_BY(lifecycle_mu_);

  // Serialises rebuilds.
  absl::Mutex rebuild_mu_;

  // Held while a batch is applied to the live view: Rebuild takes it to
  // catch its view up and swap with no live batch in between.
  absl::Mutex apply_mu_;
  bool fail_point_hit_ ABSL_GUARDED_BY(apply_mu_) = false;

  // Set to stop the thread; also cancels its waits for commits.
  std::atomic<bool> stop_{false};

  mutable absl::Mutex mu_;
  uint64_t checkpoint_ ABSL_GUARDED_BY(mu_) = 0;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace relog::projections

#endif  // RELOG_SERVICES_PROJECTIONS_PROJECTION_RUNNER_H_
