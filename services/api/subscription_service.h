// relog.v1.Subscriptions: validates a Subscribe request and hands it to a
// SubscriptionStream; keeps the streams in flight so that relogd's
// shutdown can end them with UNAVAILABLE before the server stops.
#ifndef RELOG_SERVICES_API_SUBSCRIPTION_SERVICE_H_
#define RELOG_SERVICES_API_SUBSCRIPTION_SERVICE_H_

#include <cstddef>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "relog/v1/subscriptions.grpc.pb.h"
#include "services/api/caller_interceptor.h"
#include "services/api/subscription_stream.h"
#include "storage/event_store.h"

namespace relog::api {

struct SubscriptionOptions {
  // Streams in flight at once; one more is RESOURCE_EXHAUSTED
  // TOO_MANY_SUBSCRIPTIONS. Each holds a thread.
  size_t max_streams = 64;
  // A message unread for longer ends its stream (SUBSCRIBER_TOO_SLOW).
  absl::Duration write_timeout = absl::Seconds(30);
  // Then, how long the call may stay open before it is cancelled.
  absl::Duration cancel_grace = absl::Seconds(30);
  size_t tracked_cases = 20000;
};

class SubscriptionService final
    : public relog::v1::Subscriptions::CallbackService {
 public:
  // `store` and `callers` must outlive the service.
  SubscriptionService(EventStore* store, const CallerRegistry* callers,
                      SubscriptionOptions options)
      : store_(store), callers_(callers), options_(options) {}
  // REQUIRES: Shutdown() returned with no stream left, or none started.
  ~SubscriptionService() override = default;

  grpc::ServerWriteReactor<relog::v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* context,
      const relog::v1::SubscribeRequest* request) override;

  // Refuses new streams and ends those in flight with UNAVAILABLE
  // SERVER_SHUTTING_DOWN; waits until they are done or `deadline`.
  // Returns how many are still in flight (0 unless a consumer's
  // connection holds its last message past the deadline).
  size_t Shutdown(absl::Time deadline) ABSL_LOCKS_EXCLUDED(mu_);

  size_t streams_in_flight() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Forget(SubscriptionStream* stream) ABSL_LOCKS_EXCLUDED(mu_);

  EventStore* const store_;
  const CallerRegistry* const callers_;
  const SubscriptionOptions options_;

  mutable absl::Mutex mu_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<SubscriptionStream*> streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_SUBSCRIPTION_SERVICE_H_
