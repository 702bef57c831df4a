// Point reads of the event store's column families (key_layout.h), shared by
// the writer thread (which plans appends on them) and the public reads.
// Internal to storage/. Each runs under the caller's hold on the database.
#ifndef RELOG_STORAGE_STORE_LOOKUPS_H_
#define RELOG_STORAGE_STORE_LOOKUPS_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/event_store.h"
#include "storage/key_layout.h"
#include "storage/rocksdb_handle.h"

namespace relog {

// The head of `stream_id`, or nullopt for an unknown stream.
absl::StatusOr<std::optional<StreamHead>> LookupHead(
    const RocksDbHandle::Use& use, absl::string_view stream_id);

// The request record of `request_id`, or nullopt.
absl::StatusOr<std::optional<layout::StoredRequest>> LookupRequestRecord(
    const RocksDbHandle::Use& use, absl::string_view request_id);

// The event stored with `id`, or nullopt.
absl::StatusOr<std::optional<RecordedEvent>> LookupEventById(
    const RocksDbHandle::Use& use, const EventId& id);

// The event at `position`, which an index says exists: DATA_LOSS if absent.
absl::StatusOr<RecordedEvent> ReadLogAt(const RocksDbHandle::Use& use,
                                        uint64_t position);

// The last event's position, global hash and recorded_at (position 0 and the
// zero hash for an empty log).
absl::StatusOr<LogHead> ReadLogHead(const RocksDbHandle::Use& use);

}  // namespace relog

#endif  // RELOG_STORAGE_STORE_LOOKUPS_H_
