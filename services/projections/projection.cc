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

// The map nodes move from layer to layer and their keys into the write:
// a key is allocated once, when the projection writes it.
void ViewTransaction::CommitEvent() {
  while (!event_.empty()) {
    Writes::node_type node = event_.extract(event_.begin());
    auto it = batch_.find(node.key());
    if (it != batch_.end()) {
      it->second = std::move(node.mapped());
    } else {
      batch_.insert(std::move(node));
    }
  }
}

void ViewTransaction::AbortEvent() { event_.clear(); }

ViewWrite ViewTransaction::Take(uint64_t checkpoint) {
  ViewWrite write;
  write.checkpoint = checkpoint;
  write.puts.reserve(batch_.size());
  while (!batch_.empty()) {
    Writes::node_type node = batch_.extract(batch_.begin());
    if (node.mapped().has_value()) {
      write.puts.emplace_back(std::move(node.key()), std::move(*node.mapped()));
    } else {
      write.deletes.push_back(std::move(node.key()));
    }
  }
  return write;
}

}  // namespace relog::projections
