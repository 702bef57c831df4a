// ViewStore over the event store's RocksDB database (key_layout.h: the
// `views` and `view_meta` column families). A view name maps to a
// generation; a view's keys live under u64(generation), so that Swap is one
// name update plus a range deletion of the old generation.
#ifndef RELOG_STORAGE_ROCKSDB_VIEW_STORE_H_
#define RELOG_STORAGE_ROCKSDB_VIEW_STORE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "storage/key_layout.h"
#include "storage/rocksdb_handle.h"
#include "storage/view_store.h"

namespace relog {

class RocksDbViewStore final : public ViewStore {
 public:
  // `handle` must outlive the view store.
  static absl::StatusOr<std::unique_ptr<RocksDbViewStore>> Load(
      const RocksDbHandle* handle);

  // Re-reads the view names from the database.
  absl::Status Reload() ABSL_LOCKS_EXCLUDED(mu_);
  // Runs `reopen` (the database's Reopen) then re-reads the view names,
  // holding the view store's lock across both, so that no view read or
  // write sees the old names on the new database. On failure every call is
  // UNAVAILABLE until a later success.
  absl::Status ReloadAfter(const std::function<absl::Status()>& reopen)
      ABSL_LOCKS_EXCLUDED(mu_);

  absl::StatusOr<uint64_t> Checkpoint(absl::string_view view) const override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view view, absl::string_view key) const override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::vector<ViewEntry>> Scan(absl::string_view view,
                                              absl::string_view start,
                                              absl::string_view end,
                                              size_t limit) const override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Write(absl::string_view view, uint64_t expected_checkpoint,
                     const ViewWrite& write) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Swap(absl::string_view live,
                    absl::string_view replacement) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Drop(absl::string_view view) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::vector<ViewInfo>> List() const override
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  explicit RocksDbViewStore(const RocksDbHandle* handle) : handle_(handle) {}
  absl::Status ReloadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckLoaded() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  const RocksDbHandle* const handle_;

  // Shared for reads of a view, exclusive for changes, so that a reader
  // never sees a generation that a Swap or Drop is deleting.
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, layout::ViewRef> views_ ABSL_GUARDED_BY(mu_);
  uint64_t last_generation_ ABSL_GUARDED_BY(mu_) = 0;
  // False from a reopen until the names are read again: then every call is
  // UNAVAILABLE, so that no view is created over a generation in use.
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace relog

#endif  // RELOG_STORAGE_ROCKSDB_VIEW_STORE_H_
