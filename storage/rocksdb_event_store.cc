// Opening the store, the append path (group commit) and recovery after a
// failed write. Reads are in rocksdb_event_store_reads.cc.
#include <pthread.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "rocksdb/write_batch.h"
#include "storage/append_validation.h"
#include "storage/errors.h"
#include "storage/event_record.h"
#include "storage/rocksdb_event_store_impl.h"
#include "storage/sha256.h"
#include "storage/status_macros.h"
#include "storage/store_lookups.h"

namespace relog {
namespace {

absl::Status CheckFormat(const RocksDbHandle::Use& use) {
  std::string format;
  rocksdb::Status got =
      use.db()->Get(rocksdb::ReadOptions(), use.cf(layout::kDefault),
                    layout::kFormatKey, &format);
  if (got.IsNotFound()) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    return FromRocksDb(use.db()->Put(sync, use.cf(layout::kDefault),
                                     layout::kFormatKey, layout::kFormatValue),
                       "writing the store format");
  }
  if (!got.ok()) return FromRocksDb(got, "reading the store format");
  if (format != layout::kFormatValue) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, "UNKNOWN_STORE_FORMAT",
        absl::StrCat("the store has format \"", format,
                     "\"; this relog reads \"", layout::kFormatValue, "\""));
  }
  return absl::OkStatus();
}

size_t ApproximateBytes(const AppendRequest& request) {
  size_t bytes = 0;
  for (const StreamAppend& stream : request.streams) {
    for (const NewEvent& event : stream.events) {
      bytes += 200 + event.payload.size() + stream.stream_id.size();
    }
  }
  return bytes;
}

class WriteBatchSink final : public AppendPlanner::Sink {
 public:
  WriteBatchSink(const RocksDbHandle::Use* use, rocksdb::WriteBatch* batch)
      : use_(use), batch_(batch) {}
  void Put(layout::ColumnFamily cf, absl::string_view key,
           absl::string_view value) override {
    // A WriteBatch only fails to grow past its configured maximum, which we
    // do not set.
    batch_->Put(use_->cf(cf), ToSlice(key), ToSlice(value))
        .PermitUncheckedError();
  }

 private:
  const RocksDbHandle::Use* const use_;
  rocksdb::WriteBatch* const batch_;
};

absl::Status OutcomeUnknown(const rocksdb::Status& status) {
  const char* cause = WriteFailureCause(status);
  return MakeError(
      absl::StatusCode::kUnavailable, reason::kOutcomeUnknown,
      absl::StrCat("the write to disk failed (", status.ToString(),
                   "); the append may or may not be stored: retry with the "
                   "same request id"),
      {{meta::kCause, cause}});
}

}  // namespace

// The committed state as the writer sees it: the head cache first, then the
// database, under the writer's hold on it.
class RocksDbEventStore::WriterSource final : public AppendPlanner::Source {
 public:
  WriterSource(RocksDbEventStore* store, const RocksDbHandle::Use* use)
      : store_(store), use_(use) {}

  absl::StatusOr<std::optional<StreamHead>> Head(
      absl::string_view stream_id) override {
    auto cached = store_->head_cache_.find(stream_id);
    if (cached != store_->head_cache_.end()) {
      return std::optional<StreamHead>(cached->second);
    }
    absl::StatusOr<std::optional<StreamHead>> head =
        LookupHead(*use_, stream_id);
    if (head.ok() && head->has_value()) {
      store_->head_cache_.emplace(std::string(stream_id), **head);
    }
    return head;
  }

  absl::StatusOr<std::optional<layout::StoredRequest>> Request(
      absl::string_view request_id) override {
    return LookupRequestRecord(*use_, request_id);
  }

  absl::StatusOr<std::optional<RecordedEvent>> EventById(
      const EventId& id) override {
    return LookupEventById(*use_, id);
  }

 private:
  RocksDbEventStore* const store_;
  const RocksDbHandle::Use* const use_;
};

absl::StatusOr<std::unique_ptr<EventStore>> OpenRocksDbEventStore(
    const RocksDbEventStoreOptions& options) {
  absl::StatusOr<std::unique_ptr<RocksDbEventStore>> store =
      RocksDbEventStore::Open(options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<EventStore>(*std::move(store));
}

RocksDbEventStore::RocksDbEventStore(const RocksDbEventStoreOptions& options,
                                     const RocksDbTestingOptions& testing)
    : options_(options), testing_(testing) {}

absl::StatusOr<std::unique_ptr<RocksDbEventStore>> RocksDbEventStore::Open(
    const RocksDbEventStoreOptions& options,
    const RocksDbTestingOptions& testing) {
  if (options.path.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument, "INVALID_OPTIONS",
                     "options.path: the store needs a folder");
  }
  std::unique_ptr<RocksDbEventStore> store(
      new RocksDbEventStore(options, testing));
  absl::StatusOr<std::unique_ptr<RocksDbHandle>> handle =
      RocksDbHandle::Open({options.path, testing.env, options.block_cache_bytes,
                           testing.write_buffer_bytes});
  if (!handle.ok()) return handle.status();
  store->handle_ = *std::move(handle);
  {
    RocksDbHandle::Use use(store->handle_.get());
    RETURN_IF_ERROR(CheckFormat(use));
    absl::StatusOr<LogHead> head = ReadLogHead(use);
    if (!head.ok()) return head.status();
    store->writer_head_ = *head;
  }
  absl::StatusOr<std::unique_ptr<RocksDbViewStore>> views =
      RocksDbViewStore::Load(store->handle_.get());
  if (!views.ok()) return views.status();
  store->views_ = *std::move(views);
  {
    absl::MutexLock lock(&store->mu_);
    store->committed_ = store->writer_head_;
  }
  store->writer_ = std::thread([s = store.get()] { s->WriterLoop(); });
  return store;
}

RocksDbEventStore::~RocksDbEventStore() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  views_.reset();
  handle_.reset();
}

void RocksDbEventStore::Append(AppendRequest request, AppendCallback done) {
  absl::Status refused = ValidateAppendRequest(request);
  if (refused.ok()) {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      refused = MakeError(absl::StatusCode::kUnavailable, reason::kStoreClosed,
                          "the store is closing");
    } else if (read_only_) {
      refused = ReadOnlyError();
    } else {
      const size_t bytes = ApproximateBytes(request);
      queue_.push_back(Pending{std::move(request), std::move(done), bytes});
      return;
    }
  }
  done(std::move(refused));
}

absl::Status RocksDbEventStore::ReadOnlyError() const {
  return MakeError(absl::StatusCode::kUnavailable, reason::kStoreReadOnly,
                   absl::StrCat("the store refuses appends until it has "
                                "recovered from a failed write (",
                                read_only_cause_, "); retry"),
                   {{meta::kCause, read_only_cause_}});
}

bool RocksDbEventStore::WriterHasWork() const {
  return stopping_ || (!paused_ && !queue_.empty());
}

bool RocksDbEventStore::RecoveryDue() const {
  return stopping_ || recovery_tickets_ > recovery_served_;
}

void RocksDbEventStore::WriterLoop() {
  // Named for top, perf and gdb.
  pthread_setname_np(pthread_self(), "relog-writer");
  absl::Duration backoff = options_.recovery_backoff_min;
  for (;;) {
    std::vector<Pending> group;
    bool recover = false;
    uint64_t serving = 0;
    {
      absl::MutexLock lock(&mu_);
      if (read_only_) {
        mu_.AwaitWithTimeout(
            absl::Condition(this, &RocksDbEventStore::RecoveryDue), backoff);
        // Appends are refused while read-only, so nothing is left queued.
        if (stopping_) return;
        // This attempt answers every Recover() that asked before it began;
        // later callers wait for the next one.
        serving = recovery_tickets_;
        recover = true;
      } else {
        mu_.Await(absl::Condition(this, &RocksDbEventStore::WriterHasWork));
        if (queue_.empty()) return;  // stopping, and everything completed
        size_t bytes = 0;
        while (!queue_.empty() && group.size() < options_.max_group_appends &&
               (group.empty() ||
                bytes + queue_.front().bytes <= options_.max_group_bytes)) {
          bytes += queue_.front().bytes;
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
    }
    if (recover) {
      absl::Status status = TryRecover();
      {
        absl::MutexLock lock(&mu_);
        // A success also answers tickets taken during the attempt: the
        // store is writable, which is all Recover() promises.
        recovery_served_ = status.ok() ? recovery_tickets_ : serving;
        last_recovery_ = status;
        if (status.ok()) {
          read_only_ = false;
          backoff = options_.recovery_backoff_min;
        } else {
          backoff = std::min(backoff * 2, options_.recovery_backoff_max);
        }
      }
      if (status.ok() && options_.on_write_state_change) {
        options_.on_write_state_change(absl::OkStatus());
      }
      continue;
    }
    CommitGroup(std::move(group));
  }
}

void RocksDbEventStore::CommitGroup(std::vector<Pending> group) {
  std::vector<absl::StatusOr<AppendResult>> outcomes;
  outcomes.reserve(group.size());
  absl::Status write_failure;
  bool wrote = false;
  {
    RocksDbHandle::Use use(handle_.get());
    if (absl::Status open = use.CheckOpen(); !open.ok()) {
      for (size_t i = 0; i < group.size(); ++i) outcomes.push_back(open);
    } else {
      WriterSource source(this, &use);
      rocksdb::WriteBatch batch;
      WriteBatchSink sink(&use, &batch);
      AppendPlanner planner(&source, options_.clock, writer_head_, &sink);
      for (const Pending& pending : group) {
        outcomes.push_back(planner.Plan(pending.request));
      }
      if (planner.wrote()) {
        rocksdb::WriteOptions write_options;
        write_options.sync = testing_.sync_writes;
        rocksdb::Status status = use.db()->Write(write_options, &batch);
        if (status.ok()) {
          wrote = true;
          for (const auto& [stream_id, head] : planner.moved_heads()) {
            head_cache_[stream_id] = head;
          }
          writer_head_ = planner.head();
        } else {
          write_failure = OutcomeUnknown(status);
        }
      }
    }
  }

  std::deque<Pending> refused;
  absl::Status refusal;
  if (!write_failure.ok()) {
    LOG(ERROR) << "event store: group commit of " << group.size()
               << " appends failed, store read-only until recovered: "
               << write_failure;
    // Every answer of the group is unknown: successes may or may not be
    // stored, and a refusal (wrong version, reused id) may rest on an
    // earlier append of the group that may not be. A retry with the same
    // request id gets the true answer.
    for (absl::StatusOr<AppendResult>& outcome : outcomes) {
      outcome = write_failure;
    }
    const std::string cause = GetErrorMetadata(write_failure)[meta::kCause];
    handle_->SetFailureCause(cause);
    absl::MutexLock lock(&mu_);
    read_only_ = true;
    read_only_cause_ = cause;
    refusal = ReadOnlyError();
    refused.swap(queue_);
  } else if (wrote) {
    absl::MutexLock lock(&mu_);
    committed_ = writer_head_;
  }
  // Before the answers: a client told OUTCOME_UNKNOWN finds the health
  // already NOT_SERVING.
  if (!refusal.ok() && options_.on_write_state_change) {
    options_.on_write_state_change(refusal);
  }
  for (size_t i = 0; i < group.size(); ++i) {
    group[i].done(std::move(outcomes[i]));
  }
  for (Pending& pending : refused) pending.done(refusal);
}

absl::Status RocksDbEventStore::TryRecover() {
  if (testing_.before_recovery_attempt) {
    absl::Status hook = testing_.before_recovery_attempt();
    if (!hook.ok()) return hook;
  }
  // The view store is reloaded under its own lock, held across the reopen,
  // so that no view write lands between the two on a stale view map.
  absl::Status status =
      views_->ReloadAfter([this] { return handle_->Reopen(); });
  if (status.ok()) {
    RocksDbHandle::Use use(handle_.get());
    absl::StatusOr<LogHead> head = ReadLogHead(use);
    if (!head.ok()) {
      status = head.status();
    } else {
      head_cache_.clear();
      writer_head_ = *head;
      absl::MutexLock lock(&mu_);
      committed_ = writer_head_;
    }
  }
  if (status.ok()) {
    handle_->SetFailureCause("");
    LOG(WARNING) << "event store: recovered; log head at position "
                 << writer_head_.position;
  } else {
    LOG(WARNING) << "event store: recovery failed, will retry: " << status;
  }
  return status;
}

bool RocksDbEventStore::read_only() const {
  absl::MutexLock lock(&mu_);
  return read_only_;
}

absl::Status RocksDbEventStore::Recover() {
  absl::MutexLock lock(&mu_);
  if (!read_only_) return absl::OkStatus();
  struct Arg {
    const RocksDbEventStore* store;
    uint64_t ticket;
  } arg{this, ++recovery_tickets_};
  mu_.Await(absl::Condition(
      +[](Arg* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return a->store->recovery_served_ >= a->ticket ||
               !a->store->read_only_ || a->store->stopping_;
      },
      &arg));
  if (!read_only_) return absl::OkStatus();
  if (stopping_) {
    return MakeError(absl::StatusCode::kUnavailable, reason::kStoreClosed,
                     "the store closed before it recovered");
  }
  return last_recovery_;
}

void RocksDbEventStore::PauseWriterForTesting() {
  absl::MutexLock lock(&mu_);
  paused_ = true;
}

void RocksDbEventStore::ResumeWriterForTesting() {
  absl::MutexLock lock(&mu_);
  paused_ = false;
}

uint64_t RocksDbEventStore::RecoveryTicketsForTesting() const {
  absl::MutexLock lock(&mu_);
  return recovery_tickets_;
}

size_t RocksDbEventStore::QueuedAppendsForTesting() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

LogHead RocksDbEventStore::GetLogHead() const {
  absl::MutexLock lock(&mu_);
  return committed_;
}

absl::Status RocksDbEventStore::WaitForPosition(
    uint64_t position, absl::Time deadline,
    const std::atomic<bool>* cancelled) const {
  absl::MutexLock lock(&mu_);
  struct Arg {
    const RocksDbEventStore* store;
    uint64_t position;
    const std::atomic<bool>* cancelled;
  } arg{this, position, cancelled};
  // `cancelled` is not guarded by mu_: whoever sets it calls WakeWaiters(),
  // whose unlock of mu_ makes every waiter re-evaluate this condition.
  mu_.AwaitWithDeadline(
      absl::Condition(
          +[](Arg* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return a->store->committed_.position >= a->position ||
                   a->store->stopping_ ||
                   (a->cancelled != nullptr && a->cancelled->load());
          },
          &arg),
      deadline);
  if (committed_.position >= position) return absl::OkStatus();
  if (cancelled != nullptr && cancelled->load()) {
    return MakeError(absl::StatusCode::kCancelled, reason::kWaitInterrupted,
                     "the wait for a position was cancelled");
  }
  if (stopping_) {
    return MakeError(absl::StatusCode::kUnavailable, reason::kStoreClosed,
                     "the store is closing");
  }
  return MakeError(
      absl::StatusCode::kDeadlineExceeded, reason::kPositionNotReached,
      absl::StrCat("the log reached position ", committed_.position, ", not ",
                   position, ", before the deadline"),
      {{meta::kPosition, absl::StrCat(committed_.position)}});
}

void RocksDbEventStore::WakeWaiters() const {
  // Taking and releasing mu_ makes absl::Mutex re-evaluate every waiter's
  // condition.
  absl::MutexLock lock(&mu_);
}

}  // namespace relog
