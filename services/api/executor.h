// relog's own threads for work that may block (store reads, Verify, later
// decide()): gRPC callback handlers hand such work to an Executor and return
// at once (gRFC L67: callback handlers must not block).
#ifndef RELOG_SERVICES_API_EXECUTOR_H_
#define RELOG_SERVICES_API_EXECUTOR_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace relog::api {

// A fixed pool of threads running submitted tasks in submission order (a
// task may start before an earlier one ends). Thread-safe.
class Executor {
 public:
  explicit Executor(int threads);
  // Runs every task already submitted, then joins the threads.
  ~Executor() ABSL_LOCKS_EXCLUDED(mu_);
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `task`. After the destructor has started, tasks are refused
  // (returns false, `task` not run).
  bool Submit(std::function<void()> task) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !tasks_.empty();
  }

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_EXECUTOR_H_
