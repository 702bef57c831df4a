#include "services/api/keyed_serial_queue.h"

#include <utility>

namespace relog::api {

bool KeyedSerialQueue::Submit(const std::string& key, Task task) {
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = waiting_.try_emplace(key);
    if (!inserted) {
      it->second.push_back(std::move(task));
      return true;
    }
  }
  // First task of the key: it starts now.
  auto shared = std::make_shared<Task>(std::move(task));
  if (executor_->Submit([this, key, shared] { Start(key, *shared); })) {
    return true;
  }
  // Refused: tasks other threads queued behind this one meanwhile still
  // run (Finish runs them inline once the executor refuses).
  Finish(key);
  return false;
}

void KeyedSerialQueue::Start(const std::string& key, Task task) {
  task([this, key] { Finish(key); });
}

void KeyedSerialQueue::Finish(const std::string& key) {
  Task next;
  {
    absl::MutexLock lock(&mu_);
    auto it = waiting_.find(key);
    if (it == waiting_.end()) return;
    if (it->second.empty()) {
      waiting_.erase(it);
      return;
    }
    next = std::move(it->second.front());
    it->second.pop_front();
  }
  auto shared = std::make_shared<Task>(std::move(next));
  if (!executor_->Submit([this, key, shared] { Start(key, *shared); })) {
    // The executor is stopping: run the accepted task here rather than
    // drop it (it will answer its caller, typically with an error).
    Start(key, std::move(*shared));
  }
}

size_t KeyedSerialQueue::active_keys() const {
  absl::MutexLock lock(&mu_);
  return waiting_.size();
}

}  // namespace relog::api
