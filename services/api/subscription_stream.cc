#include "services/api/subscription_stream.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "services/api/case_party_tracker.h"
#include "services/api/case_repository.h"
#include "services/api/case_view.h"
#include "services/api/status_conversion.h"
#include "services/cases/event_codec.h"
#include "storage/errors.h"
#include "storage/sha256.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

// Events scanned between two looks at the clock and the stop flags, when
// few of them match.
constexpr uint64_t kScanChunk = 1024;

}  // namespace

SubscriptionStream::SubscriptionStream(
    grpc::CallbackServerContext* context, EventStore* store, Caller caller,
    SubscriptionFilter filter, StreamSettings settings,
    std::function<void(SubscriptionStream*)> on_done)
    : context_(context),
      store_(store),
      caller_(std::move(caller)),
      filter_(std::move(filter)),
      settings_(settings),
      on_done_(std::move(on_done)) {}

void SubscriptionStream::Start() {
  worker_ = std::thread([this] { Run(); });
}

void SubscriptionStream::Stop() {
  shutting_down_ = true;
  stop_ = true;
  store_->WakeWaiters();
  absl::MutexLock lock(&mu_);  // wakes WriteAndWait()
}

void SubscriptionStream::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  write_pending_ = false;
  write_ok_ = ok;
}

void SubscriptionStream::OnCancel() {
  cancelled_ = true;
  stop_ = true;
  store_->WakeWaiters();
  absl::MutexLock lock(&mu_);
}

void SubscriptionStream::OnDone() {
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
  }
  if (worker_.get_id() == std::this_thread::get_id()) {
    done_on_worker_ = true;  // Run() deletes the stream once Finish returns
    return;
  }
  if (worker_.joinable()) worker_.join();
  on_done_(this);
  delete this;
}

void SubscriptionStream::Run() {
  const absl::Status outcome = Pump();
  if (!outcome.ok() && !cancelled_.load()) {
    VLOG(1) << "subscription of " << caller_.identity << " ended: " << outcome;
  }
  bool write_in_flight;
  {
    absl::MutexLock lock(&mu_);
    write_in_flight = write_pending_;
  }
  Finish(ToGrpcStatus(outcome));
  if (write_in_flight && !done_on_worker_) {
    // The status waits behind a message the consumer does not read: give
    // it one more grace (a short one at shutdown), then cancel the call.
    const absl::Duration grace =
        shutting_down_.load() ? absl::Seconds(1) : settings_.cancel_grace;
    bool done;
    {
      absl::MutexLock lock(&mu_);
      done = mu_.AwaitWithTimeout(absl::Condition(&done_), grace);
    }
    // Without the lock: gRPC may run OnDone inline, which takes it.
    if (!done) context_->TryCancel();
  }
  if (done_on_worker_) {
    worker_.detach();
    on_done_(this);
    delete this;
  }
}

absl::Status SubscriptionStream::WriteAndWait() {
  {
    absl::MutexLock lock(&mu_);
    write_pending_ = true;
  }
  StartWrite(&response_);
  absl::MutexLock lock(&mu_);
  auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !write_pending_ || stopping();
  };
  mu_.AwaitWithTimeout(absl::Condition(&settled), settings_.write_timeout);
  if (write_pending_ && !stopping()) {
    return MakeError(
        absl::StatusCode::kResourceExhausted, "SUBSCRIBER_TOO_SLOW",
        absl::StrCat("a message stayed unread for more than ",
                     absl::FormatDuration(settings_.write_timeout),
                     "; resume from position ",
                     response_.events_size() > 0
                         ? response_.events(0).event().position() - 1
                         : response_.position()));
  }
  if (!write_pending_ && !write_ok_) {
    return MakeError(absl::StatusCode::kCancelled, "CONSUMER_GONE",
                     "the stream closed");
  }
  return absl::OkStatus();
}

absl::Status SubscriptionStream::Pump() {
  uint64_t position = settings_.after_position;
  std::string global_hash;
  if (position > 0) {
    ASSIGN_OR_RETURN(std::vector<RecordedEvent> at,
                     store_->ReadAllForward(position, 1));
    if (at.empty() || at.front().position != position) {
      return MakeError(absl::StatusCode::kOutOfRange, "POSITION_AFTER_HEAD",
                       absl::StrCat("after_position ", position,
                                    " is beyond the log's head ",
                                    store_->GetLogHead().position),
                       {{meta::kField, "after_position"}});
    }
    global_hash = at.front().global_hash;
  }
  CasePartyTracker parties(store_, settings_.tracked_cases);
  uint64_t sent_position = position;  // the consumer knows up to here
  absl::Time last_message = absl::Now();
  bool announced_caught_up = false;
  const size_t batch = static_cast<size_t>(settings_.max_batch_events);

  while (true) {
    if (shutting_down_.load()) {
      return MakeError(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
                       absl::StrCat("relogd is shutting down; resume after "
                                    "position ",
                                    sent_position));
    }
    if (cancelled_.load()) {
      return absl::CancelledError("the consumer cancelled");
    }
    response_.Clear();
    absl::Status failure;
    ASSIGN_OR_RETURN(
        const uint64_t scanned,
        store_->ScanAll(
            position + 1, kScanChunk, [&](const RecordedEvent& recorded) {
              position = recorded.position;
              global_hash = recorded.global_hash;
              if (!absl::StartsWith(recorded.stream_id,
                                    cases::kCaseStreamPrefix)) {
                return true;
              }
              bool match = filter_.MatchesType(recorded.type);
              if (filter_.needs_parties()) {
                absl::StatusOr<CasePartyTracker::Change> change =
                    parties.Advance(recorded);
                if (!change.ok()) {
                  failure = change.status();
                  return false;
                }
                match = match &&
                        filter_.MatchesParties(change->before, change->after);
              }
              if (!match) return true;
              absl::StatusOr<cases::CaseEvent> event =
                  cases::DecodeCaseEvent(recorded, caller_.readable_classes());
              if (!event.ok()) {
                failure = event.status();
                return false;
              }
              absl::string_view case_id = recorded.stream_id;
              absl::ConsumePrefix(&case_id, cases::kCaseStreamPrefix);
              relog::v1::SubscribedEvent* out = response_.add_events();
              out->set_case_(CaseName(case_id));
              ToHistoryEvent(recorded, *event, out->mutable_event());
              return static_cast<size_t>(response_.events_size()) < batch &&
                     !stopping();
            }));
    RETURN_IF_ERROR(failure);
    const bool caught_up = position >= store_->GetLogHead().position;
    const absl::Time now = absl::Now();
    const bool checkpoint_due =
        position > sent_position &&
        now - last_message >= settings_.checkpoint_interval;
    if (response_.events_size() > 0 || checkpoint_due ||
        (caught_up && !announced_caught_up)) {
      response_.set_position(position);
      response_.set_global_hash(global_hash.empty() ? "" : ToHex(global_hash));
      response_.set_caught_up(caught_up);
      RETURN_IF_ERROR(WriteAndWait());
      sent_position = position;
      last_message = absl::Now();
      announced_caught_up = announced_caught_up || caught_up;
      continue;
    }
    if (scanned > 0) continue;
    // At the head: wait for the next commit, or until a checkpoint of
    // events passed over falls due.
    const absl::Time deadline =
        position > sent_position ? last_message + settings_.checkpoint_interval
                                 : now + settings_.checkpoint_interval;
    absl::Status waited =
        store_->WaitForPosition(position + 1, deadline, &stop_);
    if (!waited.ok() && !absl::IsDeadlineExceeded(waited) &&
        !absl::IsCancelled(waited)) {
      return waited;
    }
  }
}

}  // namespace relog::api
