#include "services/projections/projection.h"

#include <utility>

namespace relog::projections {

absl::StatusOr<std::optional<std::string>> ViewTransaction::Get(
    absl::string_view key) {
  auto it = pending_.find(key);
  if (it != pending_.end()) return it->second;
  absl::StatusOr<std::optional<std::string>> value = views_->Get(view_, key);
  if (!value.ok() && read_error_.ok()) read_error_ = value.status();
  return value;
}

void ViewTransaction::Put(absl::string_view key, std::string value) {
  pending_.insert_or_assign(std::string(key), std::move(value));
}

void ViewTransaction::Delete(absl::string_view key) {
  pending_.insert_or_assign(std::string(key), std::nullopt);
}

ViewWrite ViewTransaction::Take(uint64_t checkpoint) {
  ViewWrite write;
  write.checkpoint = checkpoint;
  for (auto& [key, value] : pending_) {
    if (value.has_value()) {
      write.puts.emplace_back(key, std::move(*value));
    } else {
      write.deletes.push_back(key);
    }
  }
  pending_.clear();
  return write;
}

}  // namespace relog::projections
