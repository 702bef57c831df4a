#include "services/reports/reference_cache.h"

#include "services/reference/reference_stream.h"
#include "storage/status_macros.h"

namespace relog::reports {

absl::StatusOr<uint64_t> ReferenceCache::LoadPositionAt(
    uint64_t position) const {
  ASSIGN_OR_RETURN(std::optional<StreamHead> head,
                   store_->GetStreamHead(reference::kReferenceStream));
  if (!head.has_value()) return 0;
  if (head->position <= position) return head->position;
  // Known before the latest load: walk the (short) stream back.
  constexpr size_t kPage = 16;
  uint64_t from = kEnd;
  for (;;) {
    ASSIGN_OR_RETURN(
        std::vector<RecordedEvent> page,
        store_->ReadStreamBackward(reference::kReferenceStream, from, kPage));
    for (const RecordedEvent& event : page) {
      if (event.position <= position) return event.position;
    }
    if (page.size() < kPage || page.back().version == 0) return 0;
    from = page.back().version - 1;
  }
}

absl::StatusOr<std::shared_ptr<const reference::ReferenceData>>
ReferenceCache::At(uint64_t position) const {
  ASSIGN_OR_RETURN(uint64_t load, LoadPositionAt(position));
  if (load == 0) return reference::ReferenceData::Empty();
  {
    absl::MutexLock lock(&mu_);
    auto it = sets_.find(load);
    if (it != sets_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const reference::ReferenceData> data,
                   reference::ReadReferenceData(*store_, load));
  absl::MutexLock lock(&mu_);
  sets_.emplace(load, data);
  return data;
}

}  // namespace relog::reports
