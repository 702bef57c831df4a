// The RocksDB EventStore's class, for the store's own translation units and
// for tests (which reach its testing hooks). Others use
// rocksdb_event_store.h.
//
// Append path (the shape of LevelDB's DBImpl::Write, with a dedicated
// thread): Append() validates and queues; one writer thread takes every
// queued append (up to the group caps), plans them in queue order into one
// WriteBatch, writes it with one WAL sync, publishes the new head, then runs
// the callbacks. gRPC threads never wait on the disk, and concurrent appends
// share one sync.
#ifndef RELOG_STORAGE_ROCKSDB_EVENT_STORE_IMPL_H_
#define RELOG_STORAGE_ROCKSDB_EVENT_STORE_IMPL_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/env.h"
#include "storage/append_planner.h"
#include "storage/event_store.h"
#include "storage/rocksdb_event_store.h"
#include "storage/rocksdb_handle.h"
#include "storage/rocksdb_view_store.h"

namespace relog {

// Hooks that only tests set.
struct RocksDbTestingOptions {
  // The environment (file system) RocksDB runs on; nullptr for the default.
  rocksdb::Env* env = nullptr;
  // false turns the WAL sync off. Exists only so that the durability test
  // can prove it detects lost appends; never false in relogd.
  bool sync_writes = true;
  // Called on the writer thread as each recovery attempt begins; a non-OK
  // answer fails the attempt. Lets a test hold an attempt in progress.
  std::function<absl::Status()> before_recovery_attempt;
  // Each memtable's size; 0: the default. Small memtables make flushes (new
  // tables, MANIFEST and CURRENT updates) happen within a short test.
  size_t write_buffer_bytes = 0;
};

class RocksDbEventStore final : public EventStore {
 public:
  static absl::StatusOr<std::unique_ptr<RocksDbEventStore>> Open(
      const RocksDbEventStoreOptions& options,
      const RocksDbTestingOptions& testing = {});
  ~RocksDbEventStore() override ABSL_LOCKS_EXCLUDED(mu_);

  void Append(AppendRequest request, AppendCallback done) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::vector<RecordedEvent>> ReadStreamForward(
      absl::string_view stream_id, uint64_t from, size_t limit) const override;
  absl::StatusOr<std::vector<RecordedEvent>> ReadStreamBackward(
      absl::string_view stream_id, uint64_t from, size_t limit) const override;
  absl::StatusOr<std::vector<RecordedEvent>> ReadAllForward(
      uint64_t from, size_t limit) const override;
  absl::StatusOr<uint64_t> ScanAll(
      uint64_t from, uint64_t limit,
      const std::function<bool(const RecordedEvent&)>& visit) const override;
  absl::StatusOr<uint64_t> ScanLogRecords(
      uint64_t from, uint64_t limit,
      const std::function<bool(uint64_t, absl::string_view)>& visit)
      const override;
  absl::StatusOr<std::vector<RecordedEvent>> ReadAllBackward(
      uint64_t from, size_t limit) const override;
  absl::StatusOr<std::optional<StreamHead>> GetStreamHead(
      absl::string_view stream_id) const override;
  absl::StatusOr<StreamPage> ListStreams(
      absl::string_view prefix, size_t page_size,
      absl::string_view page_token) const override;
  LogHead GetLogHead() const override ABSL_LOCKS_EXCLUDED(mu_);
  using EventStore::WaitForPosition;
  absl::Status WaitForPosition(uint64_t position, absl::Time deadline,
                               const std::atomic<bool>* cancelled)
      const override ABSL_LOCKS_EXCLUDED(mu_);
  void WakeWaiters() const override ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<uint64_t> PositionKnownAt(absl::Time t) const override;
  absl::StatusOr<std::optional<AppendResult>> LookupRequest(
      absl::string_view request_id) const override;
  absl::StatusOr<VerifyReport> Verify() const override;
  ViewStore& views() override { return *views_; }
  absl::StatusOr<LogHead> CreateBackup(const std::string& dir) const override;

  // True between a failed write or sync and the recovery that follows.
  bool read_only() const ABSL_LOCKS_EXCLUDED(mu_);

  // Asks the writer thread to attempt recovery now and waits for an attempt
  // that began after this call. OK if the store is writable afterwards (or
  // was already). Not from an AppendCallback (the writer runs those).
  absl::Status Recover() ABSL_LOCKS_EXCLUDED(mu_);

  // Testing hooks: a paused writer takes no group, so appends queue up.
  void PauseWriterForTesting() ABSL_LOCKS_EXCLUDED(mu_);
  void ResumeWriterForTesting() ABSL_LOCKS_EXCLUDED(mu_);
  size_t QueuedAppendsForTesting() const ABSL_LOCKS_EXCLUDED(mu_);
  uint64_t RecoveryTicketsForTesting() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // The log's records from `from`, at most `limit`, as stored: copied chunk
  // by chunk into one reused buffer under the database hold, then visited
  // without it (no allocation per record once the buffers have grown, no
  // lock held while the visitor works). The way ScanAll and ScanLogRecords
  // both read; `fill_cache` false for whole-log reads that would evict
  // the blocks the writer needs.
  absl::StatusOr<uint64_t> ScanRecords(
      uint64_t from, uint64_t limit, bool fill_cache,
      const std::function<bool(uint64_t, absl::string_view)>& visit) const;
  struct Pending {
    AppendRequest request;
    AppendCallback done;
    size_t bytes = 0;
  };
  class WriterSource;

  RocksDbEventStore(const RocksDbEventStoreOptions& options,
                    const RocksDbTestingOptions& testing);

  void WriterLoop() ABSL_LOCKS_EXCLUDED(mu_);
  // Plans, writes and completes one group. Writer thread only.
  void CommitGroup(std::vector<Pending> group) ABSL_LOCKS_EXCLUDED(mu_);
  // Reopens the database and re-reads the heads. Writer thread only.
  absl::Status TryRecover() ABSL_LOCKS_EXCLUDED(mu_);
  bool WriterHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool RecoveryDue() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ReadOnlyError() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  const RocksDbEventStoreOptions options_;
  const RocksDbTestingOptions testing_;
  std::unique_ptr<RocksDbHandle> handle_;
  std::unique_ptr<RocksDbViewStore> views_;

  // Owned by the writer thread (and by Open before it starts): the heads of
  // streams it wrote or read, and the log head it last wrote. Both reflect
  // only synced batches; recovery clears and re-reads them.
  absl::flat_hash_map<std::string, StreamHead> head_cache_;
  LogHead writer_head_;

  mutable absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  LogHead committed_ ABSL_GUARDED_BY(mu_);
  bool read_only_ ABSL_GUARDED_BY(mu_) = false;
  std::string read_only_cause_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool paused_ ABSL_GUARDED_BY(mu_) = false;
  // Recover() takes a ticket; a recovery attempt serves every ticket taken
  // before it began.
  uint64_t recovery_tickets_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t recovery_served_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status last_recovery_ ABSL_GUARDED_BY(mu_);

  std::thread writer_;
};

}  // namespace relog

#endif  // RELOG_STORAGE_ROCKSDB_EVENT_STORE_IMPL_H_
