#include "tests/storage/fault_injection_fs.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace relog::testing {
namespace {

using rocksdb::FileOptions;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

bool IsWal(const std::string& fname) { return absl::EndsWith(fname, ".log"); }

// The folder holding `fname`, spelled as RocksDB spells the folders it opens
// with NewDirectory (no trailing slash).
std::string ParentDir(const std::string& fname) {
  const size_t slash = fname.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return fname.substr(0, slash);
}

std::string NormalizeDir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

IOStatus PowerOut() {
  return IOStatus::IOError("FaultInjectionFs", "the power is out (Crash())");
}

}  // namespace

// A writer of a tracked file: reports appends, truncations, syncs and the
// close to the file system, and applies its faults.
class FaultInjectionFs::File final
    : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  File(std::unique_ptr<rocksdb::FSWritableFile> target, FaultInjectionFs* fs,
       uint64_t id, bool wal)
      : FSWritableFileOwnerWrapper(std::move(target)),
        fs_(fs),
        id_(id),
        wal_(wal) {}
  ~File() override { fs_->AfterClose(id_); }

  IOStatus Append(const Slice& data, const IOOptions& options,
                  IODebugContext* dbg) override {
    IOStatus status = fs_->BeforeAppend(wal_);
    if (status.ok()) status = target()->Append(data, options, dbg);
    if (status.ok()) fs_->AfterAppend(id_, data.size());
    return status;
  }
  IOStatus Append(const Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo& info,
                  IODebugContext* dbg) override {
    IOStatus status = fs_->BeforeAppend(wal_);
    if (status.ok()) status = target()->Append(data, options, info, dbg);
    if (status.ok()) fs_->AfterAppend(id_, data.size());
    return status;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& options,
                            IODebugContext* dbg) override {
    IOStatus status = fs_->BeforeAppend(wal_);
    if (status.ok()) {
      status = target()->PositionedAppend(data, offset, options, dbg);
    }
    if (status.ok()) fs_->AfterWriteAt(id_, offset + data.size());
    return status;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& options,
                            const rocksdb::DataVerificationInfo& info,
                            IODebugContext* dbg) override {
    IOStatus status = fs_->BeforeAppend(wal_);
    if (status.ok()) {
      status = target()->PositionedAppend(data, offset, options, info, dbg);
    }
    if (status.ok()) fs_->AfterWriteAt(id_, offset + data.size());
    return status;
  }
  IOStatus Truncate(uint64_t size, const IOOptions& options,
                    IODebugContext* dbg) override {
    IOStatus status = fs_->CheckAlive();
    if (status.ok()) status = target()->Truncate(size, options, dbg);
    if (status.ok()) fs_->AfterTruncate(id_, size);
    return status;
  }
  IOStatus Flush(const IOOptions& options, IODebugContext* dbg) override {
    IOStatus status = fs_->CheckAlive();
    return status.ok() ? target()->Flush(options, dbg) : status;
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override {
    return SyncWith(&rocksdb::FSWritableFile::Sync, options, dbg);
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    return SyncWith(&rocksdb::FSWritableFile::Fsync, options, dbg);
  }
  // Not a sync: it makes nothing durable in the model.
  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const IOOptions& options,
                     IODebugContext* dbg) override {
    IOStatus status = fs_->CheckAlive();
    return status.ok() ? target()->RangeSync(offset, nbytes, options, dbg)
                       : status;
  }
  IOStatus Allocate(uint64_t offset, uint64_t len, const IOOptions& options,
                    IODebugContext* dbg) override {
    IOStatus status = fs_->CheckAlive();
    return status.ok() ? target()->Allocate(offset, len, options, dbg) : status;
  }
  // Closing does not sync. After a crash the descriptor is left to the
  // target's destructor.
  IOStatus Close(const IOOptions& options, IODebugContext* dbg) override {
    fs_->AfterClose(id_);
    IOStatus status = fs_->CheckAlive();
    return status.ok() ? target()->Close(options, dbg) : status;
  }

 private:
  using SyncMethod = IOStatus (rocksdb::FSWritableFile::*)(const IOOptions&,
                                                           IODebugContext*);

  IOStatus SyncWith(SyncMethod sync, const IOOptions& options,
                    IODebugContext* dbg) {
    uint64_t length = 0;
    IOStatus status = fs_->BeforeSync(id_, wal_, &length);
    if (status.ok()) status = (target()->*sync)(options, dbg);
    if (status.ok()) fs_->AfterSync(id_, length);
    return status;
  }

  FaultInjectionFs* const fs_;
  const uint64_t id_;
  const bool wal_;
};

// A directory: its fsync makes the entries created before it durable.
class FaultInjectionFs::Directory final : public rocksdb::FSDirectoryWrapper {
 public:
  Directory(std::unique_ptr<rocksdb::FSDirectory> target, FaultInjectionFs* fs,
            std::string name)
      : FSDirectoryWrapper(std::move(target)),
        fs_(fs),
        name_(std::move(name)) {}

  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    uint64_t upto = 0;
    IOStatus status = fs_->BeforeDirSync(name_, &upto);
    if (status.ok()) status = FSDirectoryWrapper::Fsync(options, dbg);
    if (status.ok()) fs_->AfterDirSync(name_, upto);
    return status;
  }
  IOStatus FsyncWithDirOptions(
      const IOOptions& options, IODebugContext* dbg,
      const rocksdb::DirFsyncOptions& dir_options) override {
    uint64_t upto = 0;
    IOStatus status = fs_->BeforeDirSync(name_, &upto);
    if (status.ok()) {
      status =
          FSDirectoryWrapper::FsyncWithDirOptions(options, dbg, dir_options);
    }
    if (status.ok()) fs_->AfterDirSync(name_, upto);
    return status;
  }
  IOStatus Close(const IOOptions& options, IODebugContext* dbg) override {
    IOStatus status = fs_->CheckAlive();
    return status.ok() ? FSDirectoryWrapper::Close(options, dbg) : status;
  }

 private:
  FaultInjectionFs* const fs_;
  const std::string name_;
};

FaultInjectionFs::FaultInjectionFs(std::shared_ptr<rocksdb::FileSystem> target)
    : FileSystemWrapper(target) {}

FaultInjectionFs::~FaultInjectionFs() = default;

void FaultInjectionFs::FailWalAppends(int count, WriteFault fault) {
  absl::MutexLock lock(&mu_);
  wal_append_failures_left_ = count;
  wal_append_fault_ = fault;
}

void FaultInjectionFs::FailWalSyncs(bool fail) {
  absl::MutexLock lock(&mu_);
  fail_wal_syncs_ = fail;
}

void FaultInjectionFs::FailWritesFrom(int n, WriteFault fault) {
  absl::MutexLock lock(&mu_);
  writes_until_fault_ = std::max(n, 1);
  write_fault_ = fault;
}

void FaultInjectionFs::FailSyncsFrom(int n) {
  absl::MutexLock lock(&mu_);
  syncs_until_fault_ = std::max(n, 1);
}

void FaultInjectionFs::ClearFaults() {
  absl::MutexLock lock(&mu_);
  wal_append_failures_left_ = 0;
  fail_wal_syncs_ = false;
  writes_until_fault_ = 0;
  syncs_until_fault_ = 0;
}

uint64_t FaultInjectionFs::wal_syncs() const {
  absl::MutexLock lock(&mu_);
  return wal_syncs_;
}

uint64_t FaultInjectionFs::failed_wal_appends() const {
  absl::MutexLock lock(&mu_);
  return failed_wal_appends_;
}

std::vector<TrackedFile> FaultInjectionFs::Files() const {
  absl::MutexLock lock(&mu_);
  std::vector<TrackedFile> files;
  for (const auto& [name, id] : ids_) files.push_back(states_.at(id).file);
  std::sort(files.begin(), files.end(),
            [](const TrackedFile& a, const TrackedFile& b) {
              return a.name < b.name;
            });
  return files;
}

uint64_t FaultInjectionFs::UnsyncedOpenWalBytes() const {
  absl::MutexLock lock(&mu_);
  uint64_t unsynced = 0;
  for (const auto& [name, id] : ids_) {
    const TrackedFile& file = states_.at(id).file;
    if (file.wal && file.open) unsynced += file.appended - file.synced;
  }
  return unsynced;
}

void FaultInjectionFs::Crash() {
  absl::MutexLock lock(&mu_);
  crashed_ = true;
}

void FaultInjectionFs::CrashAtNextWalSync() {
  absl::MutexLock lock(&mu_);
  crash_at_wal_sync_ = true;
}

void FaultInjectionFs::CrashAtSync(int n, SyncKind kind) {
  absl::MutexLock lock(&mu_);
  syncs_until_crash_ = std::max(n, 1);
  crash_sync_kind_ = kind;
}

bool FaultInjectionFs::crashed() const {
  absl::MutexLock lock(&mu_);
  return crashed_;
}

std::string FaultInjectionFs::crash_point() const {
  absl::MutexLock lock(&mu_);
  return crash_point_;
}

void FaultInjectionFs::CountSync(const std::string& what, bool wal) {
  if (crashed_ || syncs_until_crash_ == 0) return;
  if (wal && crash_sync_kind_ == SyncKind::kNotWal) return;
  if (--syncs_until_crash_ > 0) return;
  crashed_ = true;
  crash_point_ = what;
}

absl::StatusOr<FaultInjectionFs::PowerLoss>
FaultInjectionFs::ApplyCrashToDisk() {
  absl::MutexLock lock(&mu_);
  if (!crashed_) {
    return absl::FailedPreconditionError("ApplyCrashToDisk before Crash()");
  }
  for (const auto& [name, id] : ids_) {
    if (states_.at(id).file.open) {
      return absl::FailedPreconditionError(
          absl::StrCat(name, " is still open: close the database first"));
    }
  }
  const IOOptions io;
  PowerLoss loss;
  for (const auto& [name, id] : ids_) {
    const TrackedFile& file = states_.at(id).file;
    if (!file.dir_synced) {
      IOStatus deleted = target()->DeleteFile(name, io, nullptr);
      if (!deleted.ok() && !deleted.IsNotFound()) {
        return absl::InternalError(
            absl::StrCat("deleting ", name, ": ", deleted.ToString()));
      }
      LOG(INFO) << "FaultInjectionFs: power loss removed " << name
                << " (directory entry never synced)";
      ++loss.files_removed;
      continue;
    }
    uint64_t size = 0;
    IOStatus got = target()->GetFileSize(name, io, &size, nullptr);
    if (got.IsNotFound()) continue;
    if (!got.ok()) {
      return absl::InternalError(
          absl::StrCat("sizing ", name, ": ", got.ToString()));
    }
    if (size > file.synced) {
      // The POSIX file system does not implement FileSystem::Truncate.
      std::error_code error;
      std::filesystem::resize_file(name, file.synced, error);
      if (error) {
        return absl::InternalError(
            absl::StrCat("truncating ", name, ": ", error.message()));
      }
      LOG(INFO) << "FaultInjectionFs: power loss cut " << name << " from "
                << size << " to " << file.synced << " bytes";
      ++loss.files_cut;
      loss.bytes_dropped += size - file.synced;
    }
  }
  ids_.clear();
  states_.clear();
  return loss;
}

IOStatus FaultInjectionFs::CheckAlive() const {
  absl::MutexLock lock(&mu_);
  return crashed_ ? PowerOut() : IOStatus::OK();
}

uint64_t FaultInjectionFs::Track(const std::string& fname, uint64_t length,
                                 bool dir_synced) {
  Untrack(fname);
  const uint64_t id = next_id_++;
  State& state = states_[id];
  state.file.name = fname;
  state.file.appended = length;
  state.file.synced = length;
  state.file.dir_synced = dir_synced;
  state.file.open = true;
  state.file.wal = IsWal(fname);
  state.entry_time = ++entry_clock_;
  ids_[fname] = id;
  return id;
}

void FaultInjectionFs::Untrack(const std::string& fname) {
  auto it = ids_.find(fname);
  if (it == ids_.end()) return;
  const uint64_t id = it->second;
  ids_.erase(it);
  State& state = states_.at(id);
  state.linked = false;
  // A closed, unlinked file will never be heard of again; an open one is
  // kept until its writer closes.
  if (!state.file.open) states_.erase(id);
}

std::unique_ptr<rocksdb::FSWritableFile> FaultInjectionFs::Wrap(
    std::unique_ptr<rocksdb::FSWritableFile> file, uint64_t id, bool wal) {
  return std::make_unique<File>(std::move(file), this, id, wal);
}

IOStatus FaultInjectionFs::BeforeAppend(bool wal) {
  absl::MutexLock lock(&mu_);
  if (crashed_) return PowerOut();
  if (writes_until_fault_ > 1) {
    --writes_until_fault_;
  } else if (writes_until_fault_ == 1) {
    return write_fault_ == WriteFault::kNoSpace
               ? IOStatus::NoSpace("FaultInjectionFs", "injected full disk")
               : IOStatus::IOError("FaultInjectionFs",
                                   "injected write failure");
  }
  if (!wal || wal_append_failures_left_ == 0) return IOStatus::OK();
  if (wal_append_failures_left_ > 0) --wal_append_failures_left_;
  ++failed_wal_appends_;
  return wal_append_fault_ == WriteFault::kNoSpace
             ? IOStatus::NoSpace("FaultInjectionFs", "injected full disk")
             : IOStatus::IOError("FaultInjectionFs",
                                 "injected WAL append failure");
}

void FaultInjectionFs::AfterAppend(uint64_t id, uint64_t size) {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(id);
  if (it != states_.end()) it->second.file.appended += size;
}

void FaultInjectionFs::AfterWriteAt(uint64_t id, uint64_t end) {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(id);
  if (it != states_.end()) {
    it->second.file.appended = std::max(it->second.file.appended, end);
  }
}

void FaultInjectionFs::AfterTruncate(uint64_t id, uint64_t size) {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(id);
  if (it == states_.end()) return;
  it->second.file.appended = size;
  it->second.file.synced = std::min(it->second.file.synced, size);
}

IOStatus FaultInjectionFs::BeforeSync(uint64_t id, bool wal, uint64_t* length) {
  absl::MutexLock lock(&mu_);
  if (wal) ++wal_syncs_;
  auto it = states_.find(id);
  const std::string name = it != states_.end() ? it->second.file.name : "?";
  if (wal && crash_at_wal_sync_ && !crashed_) {
    crashed_ = true;
    crash_point_ = "sync of " + name;
  }
  CountSync("sync of " + name, wal);
  if (crashed_) return PowerOut();
  if (syncs_until_fault_ > 1) {
    --syncs_until_fault_;
  } else if (syncs_until_fault_ == 1) {
    return IOStatus::IOError("FaultInjectionFs", "injected sync failure");
  }
  if (wal && fail_wal_syncs_) {
    return IOStatus::IOError("FaultInjectionFs", "injected WAL sync failure");
  }
  // Bytes appended while the sync runs may or may not be durable: count
  // only those written before it started.
  *length = it != states_.end() ? it->second.file.appended : 0;
  return IOStatus::OK();
}

void FaultInjectionFs::AfterSync(uint64_t id, uint64_t length) {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(id);
  if (it == states_.end()) return;
  TrackedFile& file = it->second.file;
  file.synced = std::max(file.synced, std::min(length, file.appended));
}

void FaultInjectionFs::AfterClose(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(id);
  if (it == states_.end()) return;
  it->second.file.open = false;
  if (!it->second.linked) states_.erase(it);
}

IOStatus FaultInjectionFs::BeforeDirSync(const std::string& dir,
                                         uint64_t* now) {
  absl::MutexLock lock(&mu_);
  CountSync("fsync of directory " + dir, /*wal=*/false);
  if (crashed_) return PowerOut();
  *now = entry_clock_;
  return IOStatus::OK();
}

void FaultInjectionFs::AfterDirSync(const std::string& dir, uint64_t upto) {
  absl::MutexLock lock(&mu_);
  for (const auto& [name, id] : ids_) {
    State& state = states_.at(id);
    if (state.entry_time <= upto && ParentDir(name) == dir) {
      state.file.dir_synced = true;
    }
  }
}

// rocksdb::FileSystem. Each operation first checks for a crash; those that
// create, move or remove files update the tracking after the target agreed.

IOStatus FaultInjectionFs::NewSequentialFile(
    const std::string& fname, const FileOptions& options,
    std::unique_ptr<rocksdb::FSSequentialFile>* result, IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->NewSequentialFile(fname, options, result, dbg);
}

IOStatus FaultInjectionFs::NewRandomAccessFile(
    const std::string& fname, const FileOptions& options,
    std::unique_ptr<rocksdb::FSRandomAccessFile>* result, IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->NewRandomAccessFile(fname, options, result, dbg);
}

IOStatus FaultInjectionFs::NewWritableFile(
    const std::string& fname, const FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  // Overwriting a file keeps its directory entry as durable as it was.
  const bool existed = target()->FileExists(fname, IOOptions(), dbg).ok();
  status = target()->NewWritableFile(fname, options, result, dbg);
  if (!status.ok()) return status;
  uint64_t id = 0;
  {
    absl::MutexLock lock(&mu_);
    bool entry_durable = false;
    if (existed) {
      auto it = ids_.find(fname);
      entry_durable =
          it == ids_.end() || states_.at(it->second).file.dir_synced;
    }
    id = Track(fname, 0, entry_durable);
  }
  *result = Wrap(std::move(*result), id, IsWal(fname));
  return status;
}

IOStatus FaultInjectionFs::ReopenWritableFile(
    const std::string& fname, const FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  const bool existed = target()->FileExists(fname, IOOptions(), dbg).ok();
  uint64_t size = 0;
  if (existed) {
    status = target()->GetFileSize(fname, IOOptions(), &size, dbg);
    if (!status.ok()) return status;
  }
  status = target()->ReopenWritableFile(fname, options, result, dbg);
  if (!status.ok()) return status;
  uint64_t id = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = ids_.find(fname);
    if (it != ids_.end()) {
      id = it->second;
      states_.at(id).file.open = true;
    } else {
      // An untracked file's bytes predate the tracking: take them as durable.
      id = Track(fname, size, existed);
    }
  }
  *result = Wrap(std::move(*result), id, IsWal(fname));
  return status;
}

IOStatus FaultInjectionFs::ReuseWritableFile(
    const std::string& fname, const std::string& old_fname,
    const FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  status = target()->ReuseWritableFile(fname, old_fname, options, result, dbg);
  if (!status.ok()) return status;
  uint64_t id = 0;
  {
    // A rename, then a rewrite from offset 0.
    absl::MutexLock lock(&mu_);
    Untrack(old_fname);
    id = Track(fname, 0, /*dir_synced=*/false);
  }
  *result = Wrap(std::move(*result), id, IsWal(fname));
  return status;
}

IOStatus FaultInjectionFs::NewRandomRWFile(
    const std::string& fname, const FileOptions& options,
    std::unique_ptr<rocksdb::FSRandomRWFile>* result, IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->NewRandomRWFile(fname, options, result, dbg);
}

IOStatus FaultInjectionFs::NewDirectory(
    const std::string& name, const IOOptions& options,
    std::unique_ptr<rocksdb::FSDirectory>* result, IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  status = target()->NewDirectory(name, options, result, dbg);
  if (!status.ok()) return status;
  *result =
      std::make_unique<Directory>(std::move(*result), this, NormalizeDir(name));
  return status;
}

IOStatus FaultInjectionFs::FileExists(const std::string& fname,
                                      const IOOptions& options,
                                      IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->FileExists(fname, options, dbg);
}

IOStatus FaultInjectionFs::GetChildren(const std::string& dir,
                                       const IOOptions& options,
                                       std::vector<std::string>* result,
                                       IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->GetChildren(dir, options, result, dbg);
}

IOStatus FaultInjectionFs::GetChildrenFileAttributes(
    const std::string& dir, const IOOptions& options,
    std::vector<rocksdb::FileAttributes>* result, IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->GetChildrenFileAttributes(dir, options, result, dbg);
}

IOStatus FaultInjectionFs::DeleteFile(const std::string& fname,
                                      const IOOptions& options,
                                      IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  status = target()->DeleteFile(fname, options, dbg);
  if (status.ok()) {
    absl::MutexLock lock(&mu_);
    Untrack(fname);
  }
  return status;
}

IOStatus FaultInjectionFs::Truncate(const std::string& fname, size_t size,
                                    const IOOptions& options,
                                    IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  status = target()->Truncate(fname, size, options, dbg);
  if (status.ok()) {
    absl::MutexLock lock(&mu_);
    auto it = ids_.find(fname);
    if (it != ids_.end()) {
      TrackedFile& file = states_.at(it->second).file;
      file.appended = size;
      file.synced = std::min<uint64_t>(file.synced, size);
    }
  }
  return status;
}

IOStatus FaultInjectionFs::CreateDir(const std::string& dirname,
                                     const IOOptions& options,
                                     IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->CreateDir(dirname, options, dbg);
}

IOStatus FaultInjectionFs::CreateDirIfMissing(const std::string& dirname,
                                              const IOOptions& options,
                                              IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->CreateDirIfMissing(dirname, options, dbg);
}

IOStatus FaultInjectionFs::DeleteDir(const std::string& dirname,
                                     const IOOptions& options,
                                     IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->DeleteDir(dirname, options, dbg);
}

IOStatus FaultInjectionFs::GetFileSize(const std::string& fname,
                                       const IOOptions& options, uint64_t* size,
                                       IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->GetFileSize(fname, options, size, dbg);
}

IOStatus FaultInjectionFs::GetFileModificationTime(const std::string& fname,
                                                   const IOOptions& options,
                                                   uint64_t* file_mtime,
                                                   IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->GetFileModificationTime(fname, options, file_mtime, dbg);
}

IOStatus FaultInjectionFs::RenameFile(const std::string& src,
                                      const std::string& target_name,
                                      const IOOptions& options,
                                      IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  status = target()->RenameFile(src, target_name, options, dbg);
  if (!status.ok() || src == target_name) return status;
  absl::MutexLock lock(&mu_);
  // Whatever was at the target is gone. The record, if any, follows the file
  // to its new entry, which is not durable until its directory is fsynced.
  Untrack(target_name);
  auto it = ids_.find(src);
  if (it != ids_.end()) {
    const uint64_t id = it->second;
    ids_.erase(it);
    ids_[target_name] = id;
    State& state = states_.at(id);
    state.file.name = target_name;
    state.file.dir_synced = false;
    state.entry_time = ++entry_clock_;
  }
  return status;
}

IOStatus FaultInjectionFs::LinkFile(const std::string& src,
                                    const std::string& target_name,
                                    const IOOptions& options,
                                    IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->LinkFile(src, target_name, options, dbg);
}

IOStatus FaultInjectionFs::LockFile(const std::string& fname,
                                    const IOOptions& options,
                                    rocksdb::FileLock** lock,
                                    IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->LockFile(fname, options, lock, dbg);
}

IOStatus FaultInjectionFs::NewLogger(const std::string& fname,
                                     const IOOptions& options,
                                     std::shared_ptr<rocksdb::Logger>* result,
                                     IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->NewLogger(fname, options, result, dbg);
}

IOStatus FaultInjectionFs::GetFreeSpace(const std::string& path,
                                        const IOOptions& options,
                                        uint64_t* diskfree,
                                        IODebugContext* dbg) {
  IOStatus status = CheckAlive();
  if (!status.ok()) return status;
  return target()->GetFreeSpace(path, options, diskfree, dbg);
}

}  // namespace relog::testing
