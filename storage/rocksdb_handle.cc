#include "storage/rocksdb_handle.h"

#include "absl/strings/str_cat.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "storage/errors.h"

namespace relog {

absl::Status FromRocksDb(const rocksdb::Status& status,
                         absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", status.ToString());
  if (status.IsCorruption()) {
    return MakeError(absl::StatusCode::kDataLoss, reason::kCorruptRecord,
                     message);
  }
  return MakeError(absl::StatusCode::kInternal, reason::kStorageError, message);
}

absl::Status FromRocksDbWrite(const rocksdb::Status& status,
                              absl::string_view what) {
  if (status.ok() || status.IsCorruption()) return FromRocksDb(status, what);
  if (status.IsIOError() || status.IsNoSpace() ||
      status.IsShutdownInProgress() || status.IsBusy() || status.IsTryAgain() ||
      status.IsIncomplete()) {
    return MakeError(absl::StatusCode::kUnavailable, reason::kStoreReadOnly,
                     absl::StrCat(what, ": ", status.ToString(),
                                  "; retry once the store has recovered"),
                     {{meta::kCause, WriteFailureCause(status)}});
  }
  return FromRocksDb(status, what);
}

RocksDbHandle::RocksDbHandle(RocksDbHandleOptions options)
    : options_(std::move(options)) {
  db_options_.create_if_missing = true;
  db_options_.create_missing_column_families = true;
  if (options_.env != nullptr) db_options_.env = options_.env;
  db_options_.max_background_jobs = 2;
  // A torn last WAL record (crash during a write) is expected: recover every
  // record before it. Records are synced before they are acknowledged.
  db_options_.wal_recovery_mode =
      rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // Records recovered from the WAL at open (those of a write whose sync
  // failed, among others) are flushed to synced tables before the store
  // answers from them: an append replayed from its request record is then
  // durable even though its own sync failed.
  db_options_.avoid_flush_during_recovery = false;
  // Column families written rarely (views, meta) must not pin old WAL files.
  db_options_.max_total_wal_size = 256 << 20;
  db_options_.db_write_buffer_size = 256 << 20;
  db_options_.keep_log_file_num = 5;
  db_options_.max_log_file_size = 16 << 20;

  std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(options_.block_cache_bytes);
  for (int i = 0; i < layout::kColumnFamilyCount; ++i) {
    rocksdb::ColumnFamilyOptions cf_options;
    if (options_.write_buffer_bytes > 0) {
      cf_options.write_buffer_size = options_.write_buffer_bytes;
    }
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    if (i != layout::kLog && i != layout::kViews) {
      // Point lookups, most of them for keys that do not exist yet (new
      // event ids, new request ids, new streams).
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    }
    cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    families_.emplace_back(layout::kColumnFamilies[i], cf_options);
  }
}

absl::StatusOr<std::unique_ptr<RocksDbHandle>> RocksDbHandle::Open(
    const RocksDbHandleOptions& options) {
  std::unique_ptr<RocksDbHandle> handle(new RocksDbHandle(options));
  absl::MutexLock lock(&handle->mu_);
  absl::Status status = handle->OpenLocked();
  if (!status.ok()) return status;
  return handle;
}

RocksDbHandle::~RocksDbHandle() {
  absl::MutexLock lock(&mu_);
  CloseLocked();
}

absl::Status RocksDbHandle::OpenLocked() {
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status status =
      rocksdb::DB::Open(db_options_, options_.path, families_, &handles, &db);
  if (!status.ok()) {
    return FromRocksDb(status, absl::StrCat("opening ", options_.path));
  }
  db_ = db;
  cfs_ = std::move(handles);
  return absl::OkStatus();
}

void RocksDbHandle::CloseLocked() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle* cf : cfs_) {
    db_->DestroyColumnFamilyHandle(cf).PermitUncheckedError();
  }
  cfs_.clear();
  // Close() reports background errors we already know of; the database is
  // closed either way.
  db_->Close().PermitUncheckedError();
  delete db_;
  db_ = nullptr;
}

absl::Status RocksDbHandle::Reopen() {
  absl::MutexLock lock(&mu_);
  CloseLocked();
  return OpenLocked();
}

RocksDbHandle::Use::Use(const RocksDbHandle* handle) : handle_(handle) {
  handle_->mu_.ReaderLock();
  db_ = handle_->db_;
  cfs_ = &handle_->cfs_;
}

RocksDbHandle::Use::~Use() { handle_->mu_.ReaderUnlock(); }

absl::Status RocksDbHandle::Use::CheckOpen() const {
  if (db_ != nullptr) return absl::OkStatus();
  return handle_->RecoveringError("the store");
}

const char* WriteFailureCause(const rocksdb::Status& status) {
  return status.IsNoSpace() ? cause::kNoSpace : cause::kIoError;
}

void RocksDbHandle::SetFailureCause(std::string cause) {
  absl::MutexLock lock(&cause_mu_);
  failure_cause_ = std::move(cause);
}

absl::Status RocksDbHandle::RecoveringError(absl::string_view what) const {
  std::string cause;
  {
    absl::MutexLock lock(&cause_mu_);
    cause = failure_cause_;
  }
  const std::string message =
      absl::StrCat(what, " is recovering from a storage failure; retry");
  if (cause.empty()) {
    return MakeError(absl::StatusCode::kUnavailable, reason::kStoreReadOnly,
                     message);
  }
  return MakeError(absl::StatusCode::kUnavailable, reason::kStoreReadOnly,
                   message, {{meta::kCause, cause}});
}

}  // namespace relog
