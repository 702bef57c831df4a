// Event ids derived from request ids (DESIGN.md invariant 6b): a retried
// command produces the same ids, so the store can recognise its events.
#ifndef RELOG_STORAGE_EVENT_ID_H_
#define RELOG_STORAGE_EVENT_ID_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "storage/event_store.h"

namespace relog {

// UUIDv5 (RFC 4122, SHA-1 name-based) in relog's namespace, of the name
// "<request_id>/<index>".
EventId DeriveEventId(absl::string_view request_id, uint32_t index);

}  // namespace relog

#endif  // RELOG_STORAGE_EVENT_ID_H_
