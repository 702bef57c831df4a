// The shape rules of an AppendRequest, checked before it is queued.
#ifndef RELOG_STORAGE_APPEND_VALIDATION_H_
#define RELOG_STORAGE_APPEND_VALIDATION_H_

#include <cstddef>

#include "absl/status/status.h"
#include "storage/event_store.h"

namespace relog {

inline constexpr size_t kMaxStreamIdBytes = 256;
inline constexpr size_t kMaxStreamsPerAppend = 64;
inline constexpr size_t kMaxEventsPerAppend = 10000;
inline constexpr size_t kMaxTypeBytes = 200;
inline constexpr size_t kMaxPayloadBytes = 4 << 20;
inline constexpr size_t kMaxMetadataBytes = 1024;
inline constexpr size_t kMaxRequestIdBytes = 128;
inline constexpr size_t kMaxRequestHashBytes = 64;
inline constexpr size_t kMaxResponseBytes = 64 << 10;

// OK, or INVALID_ARGUMENT INVALID_APPEND naming the field (e.g.
// "streams[1].events[0].id") and the rule it breaks.
absl::Status ValidateAppendRequest(const AppendRequest& request);

}  // namespace relog

#endif  // RELOG_STORAGE_APPEND_VALIDATION_H_
