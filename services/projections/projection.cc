#include "services/projections/projection.h"

#include <utility>

namespace relog::projections {

absl::StatusOr<std::optional<std::string>> ViewTransaction::Get(
    absl::string_view key) {
  for (const Writes* layer : {&event_, &batch_}) {
    auto it = layer->find(key);
    if (it != layer->end()) return it->second;
  }
  absl::StatusOr<std::optional<std::string>> value = views_->Get(view_, key);
  if (!value.ok() && read_error_.ok()) read_error_ = value.status();
  return value;
}

void ViewTransaction::Put(absl::string_view key, std::string value) {
  event_.insert_or_assign(std::string(key), std::move(value));
}

void ViewTransaction::Delete(absl::string_view key) {
  event_.insert_or_assign(std::string(key), std::nullopt);
}

void ViewTransaction::CommitEvent() {
  for (auto& [key, value] : event_) {
    batch_.insert_or_assign(key, std::move(value));
  }
  event_.clear();
}

void ViewTransaction::AbortEvent() { event_.clear(); }

ViewWrite ViewTransaction::Take(uint64_t checkpoint) {
  ViewWrite write;
  write.checkpoint = checkpoint;
  for (auto& [key, value] : batch_) {
    if (value.has_value()) {
      write.puts.emplace_back(key, std::move(*value));
    } else {
      write.deletes.push_back(key);
    }
  }
  batch_.clear();
  return write;
}

}  // namespace relog::projections
