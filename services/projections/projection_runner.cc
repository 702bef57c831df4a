#include "services/projections/projection_runner.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "storage/errors.h"

namespace relog::projections {
namespace {

constexpr char kProjectionFailed[] = "PROJECTION_FAILED";

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
  Stop();  // reaps a thread that ended on its own (failure, fail point)
  absl::MutexLock lock(&mu_);
  if (!failure_.ok()) return;
  stop_ = false;
  running_ = true;
  exited_ = std::make_unique<absl::Notification>();
  thread_ = std::thread([this] { Run(); });
}

void ProjectionRunner::Stop() {
  absl::Notification* exited;
  {
    absl::MutexLock lock(&mu_);
    if (!thread_.joinable()) return;
    stop_ = true;
    exited = exited_.get();
  }
  // The thread may be about to wait for a commit: interrupt until it has
  // left its loop (an interrupt sent before its wait began is not seen).
  while (!exited->WaitForNotificationWithTimeout(absl::Milliseconds(20))) {
    store_->InterruptWaits();
  }
  thread_.join();
}

bool ProjectionRunner::stopping() const {
  absl::MutexLock lock(&mu_);
  return stop_;
}

void ProjectionRunner::Publish(uint64_t checkpoint) {
  absl::MutexLock lock(&mu_);
  checkpoint_ = checkpoint;
}

void ProjectionRunner::Fail(absl::Status failure) {
  LOG(ERROR) << "projection " << name_ << " stopped: " << failure;
  absl::MutexLock lock(&mu_);
  failure_ = std::move(failure);
}

ProjectionHealth ProjectionRunner::health() const {
  absl::MutexLock lock(&mu_);
  return ProjectionHealth{checkpoint_, running_, failure_};
}

absl::StatusOr<uint64_t> ProjectionRunner::ApplyBatch(
    const std::string& view) const {
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
        if (!applied.ok()) {
          applied =
              MakeError(absl::StatusCode::kDataLoss, kProjectionFailed,
                        absl::StrCat("projection ", name_,
                                     " cannot apply the event at "
                                     "position ",
                                     event.position, ": ", applied.message()),
                        {{meta::kPosition, absl::StrCat(event.position)},
                         {meta::kView, name_}});
          return false;
        }
        reached = event.position;
        return true;
      });
  if (!visited.ok()) return visited.status();
  if (reached > *checkpoint) {
    // The events before a failing one are committed: the failure is then
    // reported at the exact position where the view stopped.
    absl::Status written =
        views.Write(view, *checkpoint, transaction.Take(reached));
    if (!written.ok()) return written;
  }
  if (!applied.ok()) return applied;
  return reached;
}

absl::StatusOr<bool> ProjectionRunner::ApplyLiveBatch() {
  absl::MutexLock lock(&apply_mu_);
  const uint64_t before = health().checkpoint;
  absl::StatusOr<uint64_t> reached = ApplyBatch(name_);
  if (!reached.ok()) {
    // The events before a failing one may have committed.
    absl::StatusOr<uint64_t> committed = store_->views().Checkpoint(name_);
    if (committed.ok()) Publish(*committed);
    return reached.status();
  }
  if (*reached == before) return false;
  Publish(*reached);
  if (options_.after_batch && !options_.after_batch(*reached)) {
    fail_point_hit_ = true;
    return false;
  }
  return true;
}

void ProjectionRunner::Run() {
  for (;;) {
    if (stopping()) break;
    absl::StatusOr<bool> progressed = ApplyLiveBatch();
    {
      absl::MutexLock lock(&apply_mu_);
      if (fail_point_hit_) break;
    }
    if (!progressed.ok()) {
      if (!Retryable(progressed.status())) {
        Fail(progressed.status());
        break;
      }
      // The store is recovering: wait a little (or until told to stop).
      (void)store_->WaitForPosition(UINT64_MAX,
                                    absl::Now() + options_.retry_delay);
      continue;
    }
    if (*progressed) continue;
    // At the head: sleep until a commit moves it (or until told to stop).
    (void)store_->WaitForPosition(health().checkpoint + 1,
                                  absl::InfiniteFuture());
  }
  absl::MutexLock lock(&mu_);
  running_ = false;
  exited_->Notify();
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
    absl::StatusOr<bool> progressed = ApplyLiveBatch();
    if (!progressed.ok()) {
      if (!Retryable(progressed.status())) Fail(progressed.status());
      return progressed.status();
    }
    if (!*progressed) return absl::OkStatus();
  }
}

absl::Status ProjectionRunner::Rebuild() {
  const std::string aside = absl::StrCat(name_, "~rebuild");
  ViewStore& views = store_->views();
  // A rebuild interrupted earlier starts over.
  if (absl::Status dropped = views.Drop(aside); !dropped.ok()) return dropped;
  // The bulk of the log, beside the live view, which keeps serving and
  // following.
  uint64_t reached = 0;
  for (;;) {
    absl::StatusOr<uint64_t> next = ApplyBatch(aside);
    if (!next.ok()) return next.status();
    if (*next == reached) break;
    reached = *next;
  }
  // The few events committed meanwhile, then the swap, with no live batch
  // in between.
  absl::MutexLock lock(&apply_mu_);
  for (;;) {
    absl::StatusOr<uint64_t> next = ApplyBatch(aside);
    if (!next.ok()) return next.status();
    if (*next == reached) break;
    reached = *next;
  }
  if (absl::Status swapped = views.Swap(name_, aside); !swapped.ok()) {
    return swapped;
  }
  Publish(reached);
  LOG(INFO) << "projection " << name_ << " rebuilt up to position " << reached;
  return absl::OkStatus();
}

}  // namespace relog::projections
