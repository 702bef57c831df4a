#include "services/api/subscription_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/api/api_errors.h"
#include "services/api/status_conversion.h"
#include "services/cases/domain_errors.h"
#include "storage/errors.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

constexpr int kDefaultBatch = 100;
constexpr int kMaxBatch = 1000;
constexpr int kDefaultCheckpointMs = 1000;
constexpr int kMinCheckpointMs = 100;
constexpr int kMaxCheckpointMs = 60000;

// A call refused before it streams anything.
class RefusedStream final
    : public grpc::ServerWriteReactor<relog::v1::SubscribeResponse> {
 public:
  explicit RefusedStream(const absl::Status& refusal) {
    Finish(ToGrpcStatus(refusal));
  }
  void OnDone() override { delete this; }
};

absl::StatusOr<StreamSettings> SettingsOf(
    const relog::v1::SubscribeRequest& request, const EventStore& store,
    const SubscriptionOptions& options) {
  StreamSettings settings;
  settings.write_timeout = options.write_timeout;
  settings.cancel_grace = options.cancel_grace;
  settings.tracked_cases = options.tracked_cases;
  if (request.from_now()) {
    if (request.after_position() != 0) {
      return cases::InvalidField("after_position", reason::kFieldNotAllowed,
                                 "must be 0 with from_now");
    }
    settings.after_position = store.GetLogHead().position;
  } else {
    settings.after_position = request.after_position();
  }
  if (request.max_batch_events() != 0 &&
      (request.max_batch_events() < 1 ||
       request.max_batch_events() > kMaxBatch)) {
    return cases::InvalidField(
        "max_batch_events", reason::kValueOutOfRange,
        absl::StrCat("must be 1..", kMaxBatch, " (0: ", kDefaultBatch, ")"));
  }
  settings.max_batch_events = request.max_batch_events() == 0
                                  ? kDefaultBatch
                                  : request.max_batch_events();
  const int interval = request.checkpoint_interval_ms();
  if (interval != 0 &&
      (interval < kMinCheckpointMs || interval > kMaxCheckpointMs)) {
    return cases::InvalidField(
        "checkpoint_interval_ms", reason::kValueOutOfRange,
        absl::StrCat("must be ", kMinCheckpointMs, "..", kMaxCheckpointMs,
                     " (0: ", kDefaultCheckpointMs, ")"));
  }
  settings.checkpoint_interval =
      absl::Milliseconds(interval == 0 ? kDefaultCheckpointMs : interval);
  return settings;
}

}  // namespace

grpc::ServerWriteReactor<relog::v1::SubscribeResponse>*
SubscriptionService::Subscribe(grpc::CallbackServerContext* context,
                               const relog::v1::SubscribeRequest* request) {
  Caller caller = callers_->Get(context);
  if (!caller.authenticated()) {
    return new RefusedStream(UnauthenticatedError());
  }
  absl::StatusOr<SubscriptionFilter> filter =
      SubscriptionFilter::FromRequest(*request);
  if (!filter.ok()) return new RefusedStream(filter.status());
  absl::StatusOr<StreamSettings> settings =
      SettingsOf(*request, *store_, options_);
  if (!settings.ok()) return new RefusedStream(settings.status());

  absl::MutexLock lock(&mu_);
  if (shutting_down_) {
    return new RefusedStream(ShuttingDownError());
  }
  if (streams_.size() >= options_.max_streams) {
    return new RefusedStream(MakeError(
        absl::StatusCode::kResourceExhausted, "TOO_MANY_SUBSCRIPTIONS",
        absl::StrCat("relogd serves at most ", options_.max_streams,
                     " subscriptions at once; retry later")));
  }
  auto* stream = new SubscriptionStream(
      context, store_, std::move(caller), *std::move(filter), *settings,
      [this](SubscriptionStream* done) { Forget(done); });
  streams_.insert(stream);
  stream->Start();
  return stream;
}

void SubscriptionService::Forget(SubscriptionStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
}

size_t SubscriptionService::Shutdown(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  for (SubscriptionStream* stream : streams_) stream->Stop();
  auto none = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return streams_.empty();
  };
  mu_.AwaitWithDeadline(absl::Condition(&none), deadline);
  return streams_.size();
}

size_t SubscriptionService::streams_in_flight() const {
  absl::MutexLock lock(&mu_);
  return streams_.size();
}

}  // namespace relog::api
