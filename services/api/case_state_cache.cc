#include "services/api/case_state_cache.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

std::string EntryKey(absl::string_view case_id,
                     absl::Span<const relog::v1::DataClass> readable) {
  std::string key(case_id);
  for (relog::v1::DataClass data_class : readable) {
    absl::StrAppend(&key, "/", static_cast<int>(data_class));
  }
  return key;
}

}  // namespace

absl::StatusOr<LoadedCase> CaseStateCache::Load(
    absl::string_view case_id, std::optional<uint64_t> up_to_version,
    absl::Span<const relog::v1::DataClass> readable) {
  const std::string key = EntryKey(case_id, readable);
  LoadedCase loaded;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    // A state past the version asked for cannot be folded back: fold
    // afresh (a replayed request's answer, say).
    if (it != entries_.end() &&
        (!up_to_version.has_value() ||
         it->second.state.event_count <= *up_to_version + 1)) {
      loaded = it->second;
    }
  }
  if (loaded.state.case_id.empty()) loaded.state.case_id = std::string(case_id);
  const uint64_t cached_events = loaded.state.event_count;
  RETURN_IF_ERROR(ContinueLoadingCase(*store_, up_to_version, readable,
                                      /*keep_events=*/false, loaded));
  // An empty state (no such case yet) is not kept: most are one-offs.
  if (loaded.state.event_count > cached_events) {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      // Evicts one entry, whichever the table yields first: not the
      // least recently used, but O(1) and no pause to empty the table.
      if (entries_.size() >= max_entries_) entries_.erase(entries_.begin());
      entries_.emplace(key, loaded);
    } else if (it->second.state.event_count < loaded.state.event_count) {
      // Commands on one case run one at a time, but an answer may still
      // be folding an older version: keep the furthest state.
      it->second = loaded;
    }
  }
  return loaded;
}

size_t CaseStateCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace relog::api
