// The RocksDB event store: the production EventStore (and its ViewStore).
#ifndef RELOG_STORAGE_ROCKSDB_EVENT_STORE_H_
#define RELOG_STORAGE_ROCKSDB_EVENT_STORE_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/clock.h"
#include "storage/event_store.h"

namespace relog {

struct RocksDbEventStoreOptions {
  // The folder of the database; created if missing.
  std::string path;
  // Stamps recorded_at. Must outlive the store.
  const Clock* clock = RealClock::Get();
  // Caps of one group commit (one WriteBatch, one WAL sync).
  size_t max_group_appends = 2048;
  size_t max_group_bytes = 32 << 20;
  // After a failed write or sync the store retries its recovery with this
  // backoff (doubling from min to max); Recover() forces an attempt.
  absl::Duration recovery_backoff_min = absl::Milliseconds(100);
  absl::Duration recovery_backoff_max = absl::Seconds(10);
  size_t block_cache_bytes = 64 << 20;
  // Told, on the writer thread and with no lock held, each time the store
  // turns read-only (with the STORE_READ_ONLY error appends now get) and
  // each time it recovers (OK): how relogd's health follows the store
  // without polling. Must not append, nor outlive the store's users.
  std::function<void(const absl::Status& write_state)> on_write_state_change;
};

// Opens the store at options.path (creating it if needed), reads its heads
// and starts its writer thread. Destroying the store completes every append
// already queued, then closes the database.
absl::StatusOr<std::unique_ptr<EventStore>> OpenRocksDbEventStore(
    const RocksDbEventStoreOptions& options);

}  // namespace relog

#endif  // RELOG_STORAGE_ROCKSDB_EVENT_STORE_H_
