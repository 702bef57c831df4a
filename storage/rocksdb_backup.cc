// RocksDbEventStore::CreateBackup: a RocksDB checkpoint of the live
// database, whose head is then read back from the copy itself.
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/utilities/checkpoint.h"
#include "storage/errors.h"
#include "storage/event_record.h"
#include "storage/key_layout.h"
#include "storage/rocksdb_event_store_impl.h"
#include "storage/rocksdb_handle.h"
#include "storage/sha256.h"
#include "storage/status_macros.h"

namespace relog {
namespace {

// The head of the database in `dir`, opened read-only (nothing in the copy
// is written, not even a new MANIFEST), with the WAL files the checkpoint
// copied replayed as an ordinary open would.
absl::StatusOr<LogHead> ReadBackupHead(const std::string& dir) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : layout::kColumnFamilies) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status opened = rocksdb::DB::OpenForReadOnly(
      rocksdb::DBOptions(), dir, families, &handles, &raw);
  RETURN_IF_ERROR(
      FromRocksDb(opened, absl::StrCat("opening the backup in ", dir)));
  std::unique_ptr<rocksdb::DB> db(raw);
  LogHead head;
  head.global_hash = ZeroHash();
  absl::Status status;
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), handles[layout::kLog]));
    it->SeekToLast();
    if (it->Valid()) {
      absl::StatusOr<RecordedEvent> last =
          DecodeStoredRecord(ToView(it->value()));
      if (last.ok()) {
        head.position = last->position;
        head.global_hash = last->global_hash;
        head.recorded_at = last->recorded_at;
      } else {
        status = last.status();
      }
    } else {
      status = FromRocksDb(it->status(), "reading the backup's head");
    }
  }
  for (rocksdb::ColumnFamilyHandle* cf : handles) {
    db->DestroyColumnFamilyHandle(cf).PermitUncheckedError();
  }
  db->Close().PermitUncheckedError();
  if (!status.ok()) return status;
  return head;
}

}  // namespace

absl::StatusOr<LogHead> RocksDbEventStore::CreateBackup(
    const std::string& dir) const {
  if (dir.empty() || dir[0] != '/') {
    return MakeError(absl::StatusCode::kInvalidArgument, "INVALID_BACKUP_DIR",
                     absl::StrCat("the backup folder must be an absolute "
                                  "path, not \"",
                                  dir, "\""));
  }
  absl::Status status;
  {
    // The hold keeps a recovery's reopen from closing the database under
    // the checkpoint (it waits for the copy to end).
    RocksDbHandle::Use use(handle_.get());
    RETURN_IF_ERROR(use.CheckOpen());
    rocksdb::Checkpoint* raw = nullptr;
    RETURN_IF_ERROR(FromRocksDb(rocksdb::Checkpoint::Create(use.db(), &raw),
                                "starting a backup"));
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // A point-in-time copy of every column family: table files are hard
    // linked (copied across file systems), the live WAL is copied up to
    // its size at that point, so the copy holds whole group commits only.
    // log_size_for_flush = 0 flushes the memtables first, so that the copy
    // relies on as little WAL as possible. RocksDB writes the copy under
    // DIR.tmp, syncs it and renames it to DIR: DIR exists only complete.
    status =
        FromRocksDb(checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0),
                    absl::StrCat("writing the backup into ", dir));
  }
  if (!status.ok()) {
    // Not DIR itself: a failure because DIR exists must not remove it.
    std::error_code ignored;
    std::filesystem::remove_all(dir + ".tmp", ignored);
    return status;
  }
  // What the copy holds, read from the copy: appends committed during the
  // checkpoint may or may not be in it, and the live head has moved on.
  return ReadBackupHead(dir);
}

}  // namespace relog
