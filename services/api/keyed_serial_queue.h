// Runs tasks one at a time per key (a case), on an Executor, in arrival
// order; tasks of different keys run in parallel. A task ends when it calls
// its `done` callback, which may happen later on another thread (after an
// append's callback): only then does the key's next task start. This is
// what makes a command without an expected version never meet a version
// conflict (DESIGN.md "Domain").
#ifndef RELOG_SERVICES_API_KEYED_SERIAL_QUEUE_H_
#define RELOG_SERVICES_API_KEYED_SERIAL_QUEUE_H_

#include <deque>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "services/api/executor.h"

namespace relog::api {

class KeyedSerialQueue {
 public:
  using Done = std::function<void()>;
  using Task = std::function<void(Done done)>;

  // `executor` must outlive the queue.
  explicit KeyedSerialQueue(Executor* executor) : executor_(executor) {}
  KeyedSerialQueue(const KeyedSerialQueue&) = delete;
  KeyedSerialQueue& operator=(const KeyedSerialQueue&) = delete;

  // Queues `task` behind the key's earlier tasks. Returns false (task not
  // run) when the executor refuses work (shutting down); tasks already
  // queued behind a running one are then run inline by the finishing one,
  // so every accepted task runs exactly once.
  bool Submit(const std::string& key, Task task) ABSL_LOCKS_EXCLUDED(mu_);

  // Keys with a task running or waiting (for tests and health).
  size_t active_keys() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Start(const std::string& key, Task task);
  void Finish(const std::string& key) ABSL_LOCKS_EXCLUDED(mu_);

  Executor* const executor_;
  mutable absl::Mutex mu_;
  // Keys with a running task → the tasks waiting behind it.
  absl::flat_hash_map<std::string, std::deque<Task>> waiting_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_KEYED_SERIAL_QUEUE_H_
