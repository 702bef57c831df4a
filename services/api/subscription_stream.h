// One Subscribe call: a write reactor fed by a worker thread of its own,
// which scans the log from the consumer's position, keeps the matching
// case events, writes them one message at a time, then waits for commits
// (EventStore::WaitForPosition: woken by them, no polling).
//
// Back-pressure: one message is built and written at a time, and the next
// one is built only once the previous write completed, so a stream holds
// at most one batch; the worker only reads the store, so a consumer that
// stops reading never slows appends. A write still unacknowledged after
// `write_timeout` ends the stream with RESOURCE_EXHAUSTED
// SUBSCRIBER_TOO_SLOW: the status follows the stuck message (a consumer
// that reads again gets both), and if the call is still not done after
// `cancel_grace` (the consumer holds its connection without reading) it is
// cancelled, so a stalled consumer never keeps its slot.
#ifndef RELOG_SERVICES_API_SUBSCRIPTION_STREAM_H_
#define RELOG_SERVICES_API_SUBSCRIPTION_STREAM_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "relog/v1/subscriptions.pb.h"
#include "services/api/caller.h"
#include "services/api/subscription_filter.h"
#include "storage/event_store.h"

namespace relog::api {

struct StreamSettings {
  uint64_t after_position = 0;
  int max_batch_events = 100;
  absl::Duration checkpoint_interval = absl::Seconds(1);
  absl::Duration write_timeout = absl::Seconds(30);
  // How long the status of a stream ended with a message unread may wait
  // behind it before the call is cancelled.
  absl::Duration cancel_grace = absl::Seconds(30);
  // Case states the party tracker holds (case_party_tracker.h).
  size_t tracked_cases = 20000;
};

class SubscriptionStream final
    : public grpc::ServerWriteReactor<relog::v1::SubscribeResponse> {
 public:
  // `store` must outlive the stream; `on_done` runs once, when the call is
  // done, just before the stream deletes itself.
  SubscriptionStream(grpc::CallbackServerContext* context, EventStore* store,
                     Caller caller, SubscriptionFilter filter,
                     StreamSettings settings,
                     std::function<void(SubscriptionStream*)> on_done);

  // Starts the worker. Call once, after the stream is registered.
  void Start();
  // Ends the stream with UNAVAILABLE SERVER_SHUTTING_DOWN (the consumer
  // resumes from its last position). Thread-safe; returns at once.
  void Stop();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // The worker: Pump(), then Finish() with its outcome; then, if a write
  // was left in flight, waits for the call to be done and cancels it
  // past the grace. OnDone joins the worker before deleting the stream,
  // unless gRPC ran OnDone on the worker itself (inside Finish): the
  // worker then deletes the stream as its last act.
  void Run();
  // Streams until the consumer leaves, the server stops, or an error.
  absl::Status Pump();
  // Writes response_ and waits for its completion.
  absl::Status WriteAndWait();
  bool stopping() const { return cancelled_.load() || shutting_down_.load(); }

  grpc::CallbackServerContext* const context_;
  EventStore* const store_;
  const Caller caller_;
  const SubscriptionFilter filter_;
  const StreamSettings settings_;
  const std::function<void(SubscriptionStream*)> on_done_;

  // Set by OnCancel (the consumer went away) or Stop(); `stop_` is what
  // WaitForPosition watches.
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> stop_{false};

  // The message being written: only the worker touches it, and only while
  // no write is in flight.
  relog::v1::SubscribeResponse response_;

  absl::Mutex mu_;
  bool write_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool write_ok_ ABSL_GUARDED_BY(mu_) = true;
  bool done_ ABSL_GUARDED_BY(mu_) = false;  // OnDone ran
  // OnDone ran on the worker thread (only the worker reads or writes it).
  bool done_on_worker_ = false;

  std::thread worker_;
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_SUBSCRIPTION_STREAM_H_
