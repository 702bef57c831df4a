// The open RocksDB database shared by the event store and the view store,
// with its column families (key_layout.h). Internal to storage/.
//
// Users hold a Use for the duration of each database call; Reopen() (store
// recovery after a failed write) closes and reopens the database once no Use
// is held. Holding a Use never waits for a writer, only for a Reopen.
#ifndef RELOG_STORAGE_ROCKSDB_HANDLE_H_
#define RELOG_STORAGE_ROCKSDB_HANDLE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "storage/key_layout.h"

namespace relog {

// Debian's Abseil has its own string_view, distinct from std::string_view.
inline rocksdb::Slice ToSlice(absl::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}
inline absl::string_view ToView(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

// Maps a RocksDB status to an absl one (DATA_LOSS for corruption, else
// INTERNAL with reason STORAGE_ERROR). `what` says which operation failed.
absl::Status FromRocksDb(const rocksdb::Status& status, absl::string_view what);

// As FromRocksDb, for a write outside the append path (views): an I/O
// failure — a full disk, or the database refusing writes after a failed
// append until the store has recovered — is UNAVAILABLE STORE_READ_ONLY,
// which callers retry; corruption stays DATA_LOSS.
absl::Status FromRocksDbWrite(const rocksdb::Status& status,
                              absl::string_view what);

// The cause a failed write carries (metadata "cause"): NO_SPACE for a full
// disk, IO_ERROR otherwise.
const char* WriteFailureCause(const rocksdb::Status& status);

struct RocksDbHandleOptions {
  std::string path;
  rocksdb::Env* env = nullptr;  // nullptr: the default environment
  size_t block_cache_bytes = 64 << 20;
  // Each column family's memtable; 0: RocksDB's default (64 MiB).
  size_t write_buffer_bytes = 0;
};

class RocksDbHandle {
 public:
  // Opens (creating if missing) the database and every column family.
  static absl::StatusOr<std::unique_ptr<RocksDbHandle>> Open(
      const RocksDbHandleOptions& options);
  ~RocksDbHandle();
  RocksDbHandle(const RocksDbHandle&) = delete;
  RocksDbHandle& operator=(const RocksDbHandle&) = delete;

  // Closes and reopens the database, re-reading everything from disk.
  // Waits for every Use to end. On failure the handle stays closed and
  // every Use sees db() == nullptr until a later Reopen succeeds.
  absl::Status Reopen() ABSL_LOCKS_EXCLUDED(mu_);

  // The cause (e.g. NO_SPACE) of the failed write the store is recovering
  // from, set when it turns read-only and cleared ("") once it has
  // recovered: every refusal meanwhile carries it, whichever layer refuses.
  void SetFailureCause(std::string cause) ABSL_LOCKS_EXCLUDED(cause_mu_);
  // UNAVAILABLE STORE_READ_ONLY for `what` while the store recovers, with
  // the failure's cause.
  absl::Status RecoveringError(absl::string_view what) const
      ABSL_LOCKS_EXCLUDED(cause_mu_);

  // A shared hold on the open database.
  class ABSL_SCOPED_LOCKABLE Use {
   public:
    explicit Use(const RocksDbHandle* handle)
        ABSL_SHARED_LOCK_FUNCTION(handle->mu_);
    ~Use() ABSL_UNLOCK_FUNCTION();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

    // nullptr while the database is closed after a failed Reopen.
    rocksdb::DB* db() const { return db_; }
    rocksdb::ColumnFamilyHandle* cf(layout::ColumnFamily family) const {
      return (*cfs_)[family];
    }
    // UNAVAILABLE STORE_READ_ONLY when db() is nullptr.
    absl::Status CheckOpen() const;

   private:
    const RocksDbHandle* const handle_;
    rocksdb::DB* db_;
    const std::vector<rocksdb::ColumnFamilyHandle*>* cfs_;
  };

 private:
  explicit RocksDbHandle(RocksDbHandleOptions options);
  absl::Status OpenLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CloseLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  const RocksDbHandleOptions options_;
  rocksdb::Options db_options_;
  std::vector<rocksdb::ColumnFamilyDescriptor> families_;

  // Shared by Use, exclusive for Open/Close.
  mutable absl::Mutex mu_;
  rocksdb::DB* db_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_ ABSL_GUARDED_BY(mu_);

  // Apart from mu_: set by the store's writer whether or not a Use is held.
  mutable absl::Mutex cause_mu_;
  std::string failure_cause_ ABSL_GUARDED_BY(cause_mu_);
};

}  // namespace relog

#endif  // RELOG_STORAGE_ROCKSDB_HANDLE_H_
