#include "services/projections/projection_runner.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "storage/errors.h"
#include "storage/status_macros.h"

namespace relog::projections {
namespace {

constexpr char kProjectionFailed[] = "PROJECTION_FAILED";

// A store that is recovering answers UNAVAILABLE: wait and retry.
bool Retryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable;
}

}  // namespace

ProjectionRunner::ProjectionRunner(EventStore* store,
                                   std::unique_ptr<Projection> projection,
                                   RunnerOptions options)
    : store_(store),
      projection_(std::move(projection)),
      options_(std::move(options)),
      name_(projection_->name()) {
  absl::StatusOr<uint64_t> checkpoint = store_->views().Checkpoint(name_);
  if (checkpoint.ok()) Publish(*checkpoint);
}

ProjectionRunner::~ProjectionRunner() { Stop(); }

void ProjectionRunner::Start() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  bool leaving;  // the thread stopped at the fail point and is leaving
  {
    absl::MutexLock apply(&apply_mu_);
    leaving = fail_point_hit_;
  }
  {
    absl::MutexLock lock(&mu_);
    if ((running_ && !leaving) || !failure_.ok()) return;
    running_ = true;
  }
  // A thread that ended on its own (fail point, failure) is reaped here.
  if (thread_.joinable()) thread_.join();
  {
    absl::MutexLock apply(&apply_mu_);
    fail_point_hit_ = false;
  }
  stop_.store(false);
  thread_ = std::thread([this] { Run(); });
}

void ProjectionRunner::Stop() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  if (!thread_.joinable()) return;
  stop_.store(true);
  // A wait that begins after this still sees the flag first.
  store_->WakeWaiters();
  thread_.join();
}

void ProjectionRunner::Publish(uint64_t checkpoint) {
  absl::MutexLock lock(&mu_);
  checkpoint_ = checkpoint;
}

void ProjectionRunner::Fail(absl::Status failure) {
  LOG(ERROR) << "projection " << name_ << " stopped: " << failure;
  {
    absl::MutexLock lock(&mu_);
    failure_ = failure;
  }
  if (options_.on_failure) options_.on_failure(failure);
}

ProjectionHealth ProjectionRunner::health() const {
  absl::MutexLock lock(&mu_);
  return ProjectionHealth{checkpoint_, running_, failure_};
}

absl::StatusOr<uint64_t> ProjectionRunner::ApplyBatch(const std::string& view,
                                                      bool live) const {
  ViewStore& views = store_->views();
  absl::StatusOr<uint64_t> checkpoint = views.Checkpoint(view);
  if (!checkpoint.ok()) return checkpoint.status();
  ViewTransaction transaction(&views, view);
  uint64_t reached = *checkpoint;
  absl::Status applied;
  absl::StatusOr<uint64_t> visited = store_->ScanAll(
      *checkpoint + 1, options_.max_batch_events,
      [&](const RecordedEvent& event) {
        applied = projection_->Apply(event, transaction);
        // A failed read of the view is the store's failure, not the
        // event's, even if the projection carried on: returned as it is,
        // so that the runner retries it.
        if (!transaction.read_error().ok()) {
          transaction.AbortEvent();
          applied = transaction.read_error();
          return false;
        }
        if (!applied.ok()) {
          transaction.AbortEvent();
          applied =
              MakeError(absl::StatusCode::kDataLoss, kProjectionFailed,
                        absl::StrCat("projection ", name_,
                                     " cannot apply the event at position ",
                                     event.position, ": ", applied.message()),
                        {{meta::kPosition, absl::StrCat(event.position)},
                         {meta::kView, name_}});
          return false;
        }
        transaction.CommitEvent();
        reached = event.position;
        return true;
      });
  if (!visited.ok()) return visited.status();
  if (reached > *checkpoint) {
    // The events before a failing one commit: the failure is then reported
    // at the exact position where the view stopped.
    const ViewWrite write = transaction.Take(reached);
    absl::Status written = views.Write(view, *checkpoint, write);
    if (!written.ok()) return written;
    if (live && options_.listener != nullptr) {
      options_.listener->OnWrite(*checkpoint, write);
    }
  }
  if (!applied.ok()) return applied;
  return reached;
}

absl::StatusOr<ProjectionRunner::BatchResult>
ProjectionRunner::ApplyLiveBatch() {
  absl::MutexLock lock(&apply_mu_);
  const uint64_t before = health().checkpoint;
  absl::StatusOr<uint64_t> reached = ApplyBatch(name_, /*live=*/true);
  if (!reached.ok()) {
    // The events before a failing one may have committed, and so may a
    // write reported as failed (its outcome is unknown): the mirror reads
    // the view again if it did not see them.
    absl::StatusOr<uint64_t> committed = store_->views().Checkpoint(name_);
    if (committed.ok()) {
      if (options_.listener != nullptr &&
          options_.listener->checkpoint() != *committed) {
        options_.listener->OnReplaced();
      }
      Publish(*committed);
    }
    return reached.status();
  }
  if (*reached == before) return BatchResult::kAtHead;
  Publish(*reached);
  if (options_.after_batch && !options_.after_batch(*reached)) {
    fail_point_hit_ = true;
    return BatchResult::kFailPoint;
  }
  return BatchResult::kApplied;
}

void ProjectionRunner::Run() {
  while (!stop_.load()) {
    absl::StatusOr<BatchResult> batch = ApplyLiveBatch();
    if (!batch.ok()) {
      if (!Retryable(batch.status())) {
        Fail(batch.status());
        break;
      }
      // The store is recovering: wait a little, or until told to stop.
      absl::Status waited = store_->WaitForPosition(
          UINT64_MAX, absl::Now() + options_.retry_delay, &stop_);
      if (ErrorReason(waited) == reason::kStoreClosed) break;
      continue;
    }
    if (*batch == BatchResult::kFailPoint) break;
    if (*batch == BatchResult::kApplied) continue;
    // At the head: sleep until a commit moves it, or until told to stop.
    absl::Status waited = store_->WaitForPosition(
        health().checkpoint + 1, absl::InfiniteFuture(), &stop_);
    if (ErrorReason(waited) == reason::kStoreClosed) break;
  }
  absl::MutexLock lock(&mu_);
  running_ = false;
}

absl::Status ProjectionRunner::WaitFor(uint64_t position,
                                       absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  struct Arg {
    const ProjectionRunner* runner;
    uint64_t position;
  } arg{this, position};
  mu_.AwaitWithDeadline(absl::Condition(
                            +[](Arg* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                              return a->runner->checkpoint_ >= a->position ||
                                     !a->runner->failure_.ok();
                            },
                            &arg),
                        deadline);
  if (checkpoint_ >= position) return absl::OkStatus();
  if (!failure_.ok()) return failure_;
  return MakeError(
      absl::StatusCode::kDeadlineExceeded, reason::kPositionNotReached,
      absl::StrCat("projection ", name_, " reached position ", checkpoint_,
                   ", not ", position, ", before the deadline"),
      {{meta::kPosition, absl::StrCat(checkpoint_)}, {meta::kView, name_}});
}

absl::Status ProjectionRunner::CatchUp() {
  for (;;) {
    absl::StatusOr<BatchResult> batch = ApplyLiveBatch();
    if (!batch.ok()) {
      if (!Retryable(batch.status())) Fail(batch.status());
      return batch.status();
    }
    if (*batch != BatchResult::kApplied) return absl::OkStatus();
  }
}

absl::Status ProjectionRunner::Rebuild() {
  absl::MutexLock rebuilding(&rebuild_mu_);
  const std::string aside = absl::StrCat(name_, "~rebuild");
  ViewStore& views = store_->views();
  // A rebuild interrupted earlier (a crash) starts over.
  RETURN_IF_ERROR(views.Drop(aside));
  auto apply_to_head = [&]() -> absl::Status {
    for (;;) {
      absl::StatusOr<uint64_t> before = views.Checkpoint(aside);
      if (!before.ok()) return before.status();
      absl::StatusOr<uint64_t> reached = ApplyBatch(aside, /*live=*/false);
      if (!reached.ok()) return reached.status();
      if (*reached == *before) return absl::OkStatus();
    }
  };
  // The bulk of the log, beside the live view, which keeps serving and
  // following.
  RETURN_IF_ERROR(apply_to_head());
  // The few events committed meanwhile, then the swap, with no live batch
  // in between.
  absl::MutexLock apply(&apply_mu_);
  RETURN_IF_ERROR(apply_to_head());
  absl::StatusOr<uint64_t> rebuilt = views.Checkpoint(aside);
  if (!rebuilt.ok()) return rebuilt.status();
  if (*rebuilt == 0) {
    // An empty log: the true view is empty, and nothing was built beside.
    RETURN_IF_ERROR(views.Drop(name_));
    if (options_.listener != nullptr) options_.listener->OnReplaced();
    Publish(0);
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(views.Swap(name_, aside));
  if (options_.listener != nullptr) options_.listener->OnReplaced();
  Publish(*rebuilt);
  LOG(INFO) << "projection " << name_ << " rebuilt up to position " << *rebuilt;
  return absl::OkStatus();
}

}  // namespace relog::projections
