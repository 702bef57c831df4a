// A RocksDB file system for tests that fail writes on demand and simulate a
// power loss, in the manner of LevelDB's db/fault_injection_test.cc.
//
// FaultInjectionFs forwards to a real file system and remembers, for every
// file written through it, how many bytes were written, how many of them were
// synced (Sync or Fsync; RangeSync and Close do not count), and whether the
// file's directory entry is durable (its directory was fsynced, through an
// FSDirectory from NewDirectory, after the entry was created). A power loss
// keeps exactly the synced bytes of the files whose entry is durable:
// Crash() stops all I/O, then ApplyCrashToDisk() (once the database is
// closed) truncates and deletes files on disk to match.
//
// Files that existed before and were never written through this file system
// are not tracked and are never touched: create the database with the default
// environment, close it, then reopen it on this one. Renaming onto an
// untracked file, and files read but not written, are not modelled.
//
// Typical use:
//   auto fs = std::make_shared<FaultInjectionFs>();
//   std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
//   store = OpenStoreOrDie(path, OnEnv(env.get()));  // store_test_util.h
//
// Thread-safe.
#ifndef RELOG_TESTS_STORAGE_FAULT_INJECTION_FS_H_
#define RELOG_TESTS_STORAGE_FAULT_INJECTION_FS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/file_system.h"

namespace relog::testing {

// What FaultInjectionFs knows of one file written through it.
struct TrackedFile {
  std::string name;
  uint64_t appended = 0;    // the file's length as written through the FS
  uint64_t synced = 0;      // the prefix that a power loss keeps
  bool dir_synced = false;  // the directory entry survives a power loss
  bool open = false;        // a writer on it is not closed yet
  bool wal = false;         // a RocksDB WAL (the name ends in ".log")
};

class FaultInjectionFs final : public rocksdb::FileSystemWrapper {
 public:
  // How injected write failures fail.
  enum class WriteFault {
    kIoError,  // IOStatus::IOError
    kNoSpace,  // IOStatus::NoSpace(), a full disk
  };
  // A count for FailWalAppends: every append until ClearFaults().
  static constexpr int kEveryAppend = -1;

  explicit FaultInjectionFs(std::shared_ptr<rocksdb::FileSystem> target =
                                rocksdb::FileSystem::Default());
  ~FaultInjectionFs() override;

  static const char* kClassName() { return "RelogFaultInjectionFs"; }
  const char* Name() const override { return kClassName(); }

  // Fault injection. The next `count` appends to WAL files (or every one, for
  // kEveryAppend) fail with `fault` and write nothing.
  void FailWalAppends(int count, WriteFault fault = WriteFault::kIoError)
      ABSL_LOCKS_EXCLUDED(mu_);
  // While `fail` holds, Sync and Fsync of WAL files fail with IOError (the
  // bytes stay written, unsynced).
  void FailWalSyncs(bool fail) ABSL_LOCKS_EXCLUDED(mu_);
  // The n-th append from now (n >= 1) to any file — WAL, table, MANIFEST —
  // and every one after it fail with `fault` and write nothing: a disk that
  // fills up (or breaks) in the middle of whatever RocksDB was writing.
  void FailWritesFrom(int n, WriteFault fault) ABSL_LOCKS_EXCLUDED(mu_);
  // The n-th Sync or Fsync from now of any file (directories are not
  // counted), and every one after it, fail with IOError (the bytes stay
  // written, unsynced).
  void FailSyncsFrom(int n) ABSL_LOCKS_EXCLUDED(mu_);
  // Ends the faults above (not a crash).
  void ClearFaults() ABSL_LOCKS_EXCLUDED(mu_);

  // Sync and Fsync calls on WAL files so far, whatever their outcome.
  uint64_t wal_syncs() const ABSL_LOCKS_EXCLUDED(mu_);
  // WAL appends failed by injection so far.
  uint64_t failed_wal_appends() const ABSL_LOCKS_EXCLUDED(mu_);

  // The files written through this FS that exist under their name now.
  std::vector<TrackedFile> Files() const ABSL_LOCKS_EXCLUDED(mu_);
  // Bytes written but not synced to WAL files still open for writing. Zero
  // whenever a synced write has just been acknowledged.
  uint64_t UnsyncedOpenWalBytes() const ABSL_LOCKS_EXCLUDED(mu_);

  // The power goes out: from now on every operation through this FS that
  // touches files, and every one on the writable files and directories it
  // returned, fails with IOError and changes nothing. (UnlockFile still
  // releases the lock, so that the same process can reopen the database;
  // readers already open keep reading.) Operations already past their check
  // complete, as if they had finished just before the power went out.
  void Crash() ABSL_LOCKS_EXCLUDED(mu_);
  // The power goes out when the next Sync or Fsync of a WAL file starts: the
  // bytes appended since the last sync are written but never synced.
  void CrashAtNextWalSync() ABSL_LOCKS_EXCLUDED(mu_);
  // Which syncs CrashAtSync counts.
  enum class SyncKind {
    kAny,     // the Sync and Fsync of every file, and directory fsyncs
    kNotWal,  // those of tables, MANIFEST, … and directories: flushes,
              // compactions and MANIFEST updates (and the WAL directory's
              // fsync when a group commit starts a new WAL file)
  };
  // The power goes out when the n-th sync of `kind` from now starts (n >= 1):
  // a crash in the middle of a flush or of a MANIFEST update as well as of a
  // group commit.
  void CrashAtSync(int n, SyncKind kind = SyncKind::kAny)
      ABSL_LOCKS_EXCLUDED(mu_);
  bool crashed() const ABSL_LOCKS_EXCLUDED(mu_);
  // What was being synced when the power went out ("" before a crash, or
  // after Crash()): e.g. "sync of /…/000012.log", "fsync of directory /…".
  std::string crash_point() const ABSL_LOCKS_EXCLUDED(mu_);

  // What ApplyCrashToDisk() did.
  struct PowerLoss {
    int files_removed = 0;       // their directory entry was never synced
    int files_cut = 0;           // to their synced length
    uint64_t bytes_dropped = 0;  // by the cuts (removed files not counted)
  };
  // Makes the disk look as after the power loss: every tracked file is cut
  // to its synced length, every file whose entry was never synced is
  // deleted, and tracking starts afresh. The FS stays crashed: reopen the
  // database on the default environment. Works on the local disk (cuts with
  // std::filesystem, which the POSIX FileSystem::Truncate lacks).
  // FAILED_PRECONDITION unless the power is out and no file written through
  // this FS is still open (the database is closed).
  absl::StatusOr<PowerLoss> ApplyCrashToDisk() ABSL_LOCKS_EXCLUDED(mu_);

  // rocksdb::FileSystem.
  rocksdb::IOStatus NewSequentialFile(
      const std::string& fname, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSSequentialFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomAccessFile(
      const std::string& fname, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewWritableFile(
      const std::string& fname, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& fname, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& fname, const std::string& old_fname,
      const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(
      const std::string& fname, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSRandomRWFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name,
                                 const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus FileExists(const std::string& fname,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus GetChildren(const std::string& dir,
                                const rocksdb::IOOptions& options,
                                std::vector<std::string>* result,
                                rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus GetChildrenFileAttributes(
      const std::string& dir, const rocksdb::IOOptions& options,
      std::vector<rocksdb::FileAttributes>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& dirname,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& dirname,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& dirname,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus GetFileSize(const std::string& fname,
                                const rocksdb::IOOptions& options,
                                uint64_t* size,
                                rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus GetFileModificationTime(
      const std::string& fname, const rocksdb::IOOptions& options,
      uint64_t* file_mtime, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src,
                               const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LockFile(const std::string& fname,
                             const rocksdb::IOOptions& options,
                             rocksdb::FileLock** lock,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewLogger(const std::string& fname,
                              const rocksdb::IOOptions& options,
                              std::shared_ptr<rocksdb::Logger>* result,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus GetFreeSpace(const std::string& path,
                                 const rocksdb::IOOptions& options,
                                 uint64_t* diskfree,
                                 rocksdb::IODebugContext* dbg) override;

 private:
  class File;
  class Directory;

  // One file as written through this FS. Kept after it is unlinked while a
  // writer may still report to it.
  struct State {
    TrackedFile file;
    bool linked = true;  // reachable under file.name
    // When its current directory entry appeared (see entry_clock_).
    uint64_t entry_time = 0;
  };

  // IOError if crashed.
  rocksdb::IOStatus CheckAlive() const ABSL_LOCKS_EXCLUDED(mu_);
  // Starts tracking `fname` (replacing any record of it) and returns its id.
  uint64_t Track(const std::string& fname, uint64_t length, bool dir_synced)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Untrack(const std::string& fname) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Wraps a writer of the tracked file `id`.
  std::unique_ptr<rocksdb::FSWritableFile> Wrap(
      std::unique_ptr<rocksdb::FSWritableFile> file, uint64_t id, bool wal);

  // Hooks of File and Directory.
  rocksdb::IOStatus BeforeAppend(bool wal) ABSL_LOCKS_EXCLUDED(mu_);
  // `size` bytes were appended at the end.
  void AfterAppend(uint64_t id, uint64_t size) ABSL_LOCKS_EXCLUDED(mu_);
  // Bytes were written up to offset `end`.
  void AfterWriteAt(uint64_t id, uint64_t end) ABSL_LOCKS_EXCLUDED(mu_);
  void AfterTruncate(uint64_t id, uint64_t size) ABSL_LOCKS_EXCLUDED(mu_);
  // On success, the length that the sync about to start will make durable.
  rocksdb::IOStatus BeforeSync(uint64_t id, bool wal, uint64_t* length)
      ABSL_LOCKS_EXCLUDED(mu_);
  void AfterSync(uint64_t id, uint64_t length) ABSL_LOCKS_EXCLUDED(mu_);
  void AfterClose(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);
  // On success, the entry time up to which the fsync makes entries durable.
  rocksdb::IOStatus BeforeDirSync(const std::string& dir, uint64_t* now)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Counts a sync of `what` towards CrashAtSync, and crashes at the planned
  // one.
  void CountSync(const std::string& what, bool wal)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AfterDirSync(const std::string& dir, uint64_t upto)
      ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  bool crashed_ ABSL_GUARDED_BY(mu_) = false;
  int wal_append_failures_left_ ABSL_GUARDED_BY(mu_) = 0;
  WriteFault wal_append_fault_ ABSL_GUARDED_BY(mu_) = WriteFault::kIoError;
  bool fail_wal_syncs_ ABSL_GUARDED_BY(mu_) = false;
  // Appends (syncs) left before FailWritesFrom (FailSyncsFrom) starts
  // failing them: 0 off, 1 failing now.
  int writes_until_fault_ ABSL_GUARDED_BY(mu_) = 0;
  WriteFault write_fault_ ABSL_GUARDED_BY(mu_) = WriteFault::kIoError;
  int syncs_until_fault_ ABSL_GUARDED_BY(mu_) = 0;
  bool crash_at_wal_sync_ ABSL_GUARDED_BY(mu_) = false;
  // Syncs until the crash of CrashAtSync; 0: none planned.
  int syncs_until_crash_ ABSL_GUARDED_BY(mu_) = 0;
  SyncKind crash_sync_kind_ ABSL_GUARDED_BY(mu_) = SyncKind::kAny;
  std::string crash_point_ ABSL_GUARDED_BY(mu_);
  uint64_t wal_syncs_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t failed_wal_appends_ ABSL_GUARDED_BY(mu_) = 0;
  // Ticks at every new directory entry; a directory fsync makes durable the
  // entries that appeared before it started.
  uint64_t entry_clock_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, State> states_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace relog::testing

#endif  // RELOG_TESTS_STORAGE_FAULT_INJECTION_FS_H_
