// Reads of the RocksDB event store: streams, the global log, heads, request
// records, and Verify(). None of them takes the writer's lock, so a slow
// reader never slows appends.
#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/byte_codec.h"
#include "storage/chain_verifier.h"
#include "storage/errors.h"
#include "storage/event_record.h"
#include "storage/rocksdb_event_store_impl.h"
#include "storage/status_macros.h"
#include "storage/store_lookups.h"

namespace relog {
namespace {

constexpr size_t kDefaultPageSize = 100;
constexpr size_t kMaxPageSize = 1000;

// Reads the events whose positions the stream index iterator yields.
absl::StatusOr<std::vector<RecordedEvent>> ReadIndexed(
    const RocksDbHandle::Use& use, rocksdb::Iterator* it,
    absl::string_view stream_prefix, size_t limit, bool forward) {
  std::vector<RecordedEvent> out;
  while (it->Valid() && out.size() < limit &&
         it->key().starts_with(
             rocksdb::Slice(stream_prefix.data(), stream_prefix.size())) &&
         it->key().size() == stream_prefix.size() + 8) {
    absl::StatusOr<uint64_t> position =
        layout::DecodePosition(ToView(it->value()));
    if (!position.ok()) return position.status();
    absl::StatusOr<RecordedEvent> event = ReadLogAt(use, *position);
    if (!event.ok()) return event.status();
    out.push_back(*std::move(event));
    if (forward) {
      it->Next();
    } else {
      it->Prev();
    }
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading a stream"));
  return out;
}

// Decodes up to `limit` log records from the positioned iterator, moving
// forward or backward.
absl::StatusOr<std::vector<RecordedEvent>> CollectLog(rocksdb::Iterator* it,
                                                      size_t limit,
                                                      bool forward) {
  std::vector<RecordedEvent> out;
  out.reserve(std::min<size_t>(limit, 4096));
  for (; it->Valid() && out.size() < limit; forward ? it->Next() : it->Prev()) {
    absl::StatusOr<RecordedEvent> event =
        DecodeStoredRecord(ToView(it->value()));
    if (!event.ok()) return event.status();
    out.push_back(*std::move(event));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the log"));
  return out;
}

std::string StreamPrefix(absl::string_view stream_id) {
  std::string prefix;
  bytes::PutString(&prefix, stream_id);
  return prefix;
}

}  // namespace

absl::StatusOr<std::vector<RecordedEvent>> RocksDbEventStore::ReadStreamForward(
    absl::string_view stream_id, uint64_t from, size_t limit) const {
  RocksDbHandle::Use use(handle_.get());
  RETURN_IF_ERROR(use.CheckOpen());
  std::unique_ptr<rocksdb::Iterator> it(use.db()->NewIterator(
      rocksdb::ReadOptions(), use.cf(layout::kStreamIndex)));
  it->Seek(layout::StreamIndexKey(stream_id, from));
  return ReadIndexed(use, it.get(), StreamPrefix(stream_id), limit, true);
}

absl::StatusOr<std::vector<RecordedEvent>>
RocksDbEventStore::ReadStreamBackward(absl::string_view stream_id,
                                      uint64_t from, size_t limit) const {
  RocksDbHandle::Use use(handle_.get());
  RETURN_IF_ERROR(use.CheckOpen());
  std::unique_ptr<rocksdb::Iterator> it(use.db()->NewIterator(
      rocksdb::ReadOptions(), use.cf(layout::kStreamIndex)));
  it->SeekForPrev(layout::StreamIndexKey(stream_id, from));
  return ReadIndexed(use, it.get(), StreamPrefix(stream_id), limit, false);
}

absl::StatusOr<std::vector<RecordedEvent>> RocksDbEventStore::ReadAllForward(
    uint64_t from, size_t limit) const {
  RocksDbHandle::Use use(handle_.get());
  RETURN_IF_ERROR(use.CheckOpen());
  rocksdb::ReadOptions read;
  // Scans of the whole log (rebuilds, audits) would otherwise evict the
  // point-lookup blocks the writer needs.
  read.fill_cache = limit < 10000;
  std::unique_ptr<rocksdb::Iterator> it(
      use.db()->NewIterator(read, use.cf(layout::kLog)));
  it->Seek(layout::LogKey(std::max<uint64_t>(from, 1)));
  return CollectLog(it.get(), limit, /*forward=*/true);
}

absl::StatusOr<uint64_t> RocksDbEventStore::ScanAll(
    uint64_t from, uint64_t limit,
    const std::function<bool(const RecordedEvent&)>& visit) const {
  // Records decoded into one reused event.
  RecordedEvent event;
  absl::Status failure;
  absl::StatusOr<uint64_t> visited = ScanRecords(
      from, limit, /*fill_cache=*/true,
      [&](uint64_t key, absl::string_view record) {
        failure = DecodeStoredRecordInto(record, &event);
        if (!failure.ok()) return false;
        // The scan moves on by key; a record that names another position
        // was moved (Verify() says "reordered") and must not be taken for
        // the event of this one.
        if (event.position != key) {
          failure = MakeError(
              absl::StatusCode::kDataLoss, reason::kCorruptRecord,
              absl::StrCat("the record stored at position ", key,
                           " is the event of position ", event.position),
              {{meta::kPosition, absl::StrCat(key)}});
          return false;
        }
        return visit(event);
      });
  RETURN_IF_ERROR(failure);
  return visited;
}

absl::StatusOr<uint64_t> RocksDbEventStore::ScanLogRecords(
    uint64_t from, uint64_t limit,
    const std::function<bool(uint64_t, absl::string_view)>& visit) const {
  // Nothing is decoded: a moved record reaches the visitor as stored.
  return ScanRecords(from, limit, /*fill_cache=*/false, visit);
}

absl::StatusOr<uint64_t> RocksDbEventStore::ScanRecords(
    uint64_t from, uint64_t limit, bool fill_cache,
    const std::function<bool(uint64_t, absl::string_view)>& visit) const {
  constexpr size_t kChunkRecords = 1024;
  constexpr size_t kChunkBytes = 8 << 20;
  std::string buffer;
  std::vector<size_t> ends;
  std::vector<uint64_t> keys;
  uint64_t next = std::max<uint64_t>(from, 1);
  uint64_t visited = 0;
  while (visited < limit) {
    buffer.clear();
    ends.clear();
    keys.clear();
    {
      RocksDbHandle::Use use(handle_.get());
      RETURN_IF_ERROR(use.CheckOpen());
      rocksdb::ReadOptions read;
      read.fill_cache = fill_cache;
      std::unique_ptr<rocksdb::Iterator> it(
          use.db()->NewIterator(read, use.cf(layout::kLog)));
      for (it->Seek(ToSlice(layout::LogKey(next)));
           it->Valid() && ends.size() < kChunkRecords &&
           buffer.size() < kChunkBytes && visited + ends.size() < limit;
           it->Next()) {
        absl::StatusOr<uint64_t> key = layout::DecodeLogKey(ToView(it->key()));
        if (!key.ok()) return key.status();
        keys.push_back(*key);
        buffer.append(it->value().data(), it->value().size());
        ends.push_back(buffer.size());
      }
      RETURN_IF_ERROR(FromRocksDb(it->status(), "reading the log"));
    }
    if (ends.empty()) break;
    size_t begin = 0;
    for (size_t i = 0; i < ends.size(); ++i) {
      ++visited;
      if (!visit(keys[i],
                 absl::string_view(buffer).substr(begin, ends[i] - begin))) {
        return visited;
      }
      begin = ends[i];
    }
    if (keys.back() == UINT64_MAX) break;
    next = keys.back() + 1;
  }
  return visited;
}

absl::StatusOr<std::vector<RecordedEvent>> RocksDbEventStore::ReadAllBackward(
    uint64_t from, size_t limit) const {
  if (from == 0) return std::vector<RecordedEvent>();
  RocksDbHandle::Use use(handle_.get());
  RETURN_IF_ERROR(use.CheckOpen());
  std::unique_ptr<rocksdb::Iterator> it(
      use.db()->NewIterator(rocksdb::ReadOptions(), use.cf(layout::kLog)));
  it->SeekForPrev(layout::LogKey(from));
  return CollectLog(it.get(), limit, /*forward=*/false);
}

absl::StatusOr<std::optional<StreamHead>> RocksDbEventStore::GetStreamHead(
    absl::string_view stream_id) const {
  RocksDbHandle::Use use(handle_.get());
  RETURN_IF_ERROR(use.CheckOpen());
  return LookupHead(use, stream_id);
}

absl::StatusOr<StreamPage> RocksDbEventStore::ListStreams(
    absl::string_view prefix, size_t page_size,
    absl::string_view page_token) const {
  if (!page_token.empty() && !absl::StartsWith(page_token, prefix)) {
    return MakeError(absl::StatusCode::kInvalidArgument, "INVALID_PAGE_TOKEN",
                     "page_token: does not belong to this listing",
                     {{meta::kField, "page_token"}});
  }
  if (page_size == 0) page_size = kDefaultPageSize;
  page_size = std::min(page_size, kMaxPageSize);
  StreamPage page;
  RocksDbHandle::Use use(handle_.get());
  RETURN_IF_ERROR(use.CheckOpen());
  std::unique_ptr<rocksdb::Iterator> it(
      use.db()->NewIterator(rocksdb::ReadOptions(), use.cf(layout::kHeads)));
  // The token is the last stream id of the previous page; the next key after
  // it is the token followed by a zero byte.
  std::string start = page_token.empty()
                          ? std::string(prefix)
                          : absl::StrCat(page_token, std::string(1, '\0'));
  for (it->Seek(start); it->Valid() && it->key().starts_with(rocksdb::Slice(
                                           prefix.data(), prefix.size()));
       it->Next()) {
    if (page.streams.size() == page_size) {
      page.next_page_token = page.streams.back().stream_id;
      break;
    }
    absl::StatusOr<StreamHead> head =
        layout::DecodeHead(ToView(it->key()), ToView(it->value()));
    if (!head.ok()) return head.status();
    page.streams.push_back(*std::move(head));
  }
  RETURN_IF_ERROR(FromRocksDb(it->status(), "listing streams"));
  return page;
}

absl::StatusOr<uint64_t> RocksDbEventStore::PositionKnownAt(
    absl::Time t) const {
  // Invariant: every position <= low was recorded at or before t, every
  // position > high after it.
  uint64_t low = 0, high = GetLogHead().position;
  RocksDbHandle::Use use(handle_.get());
  RETURN_IF_ERROR(use.CheckOpen());
  while (low < high) {
    const uint64_t mid = low + (high - low + 1) / 2;
    absl::StatusOr<RecordedEvent> event = ReadLogAt(use, mid);
    if (!event.ok()) return event.status();
    if (event->recorded_at <= t) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return low;
}

absl::StatusOr<std::optional<AppendResult>> RocksDbEventStore::LookupRequest(
    absl::string_view request_id) const {
  RocksDbHandle::Use use(handle_.get());
  RETURN_IF_ERROR(use.CheckOpen());
  absl::StatusOr<std::optional<layout::StoredRequest>> stored =
      LookupRequestRecord(use, request_id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::optional<AppendResult>();
  AppendResult result = std::move((*stored)->result);
  result.replayed = true;
  result.request_hash = (*stored)->request_hash;
  return std::optional<AppendResult>(std::move(result));
}

absl::StatusOr<VerifyReport> RocksDbEventStore::Verify() const {
  RocksDbHandle::Use use(handle_.get());
  RETURN_IF_ERROR(use.CheckOpen());
  // One snapshot for the log and its indexes, so that appends made during
  // the walk are not half seen.
  const rocksdb::Snapshot* snapshot = use.db()->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  read.fill_cache = false;
  ChainVerifier verifier;
  absl::Status status;
  auto walk = [&](layout::ColumnFamily cf, auto&& feed) {
    if (!status.ok()) return;
    std::unique_ptr<rocksdb::Iterator> it(
        use.db()->NewIterator(read, use.cf(cf)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!feed(ToView(it->key()), ToView(it->value()))) break;
    }
    status = FromRocksDb(it->status(), "verifying the log");
  };
  walk(layout::kLog, [&](absl::string_view k, absl::string_view v) {
    return verifier.AddLogRecord(k, v);
  });
  walk(layout::kStreamIndex, [&](absl::string_view k, absl::string_view v) {
    return verifier.CheckStreamIndexEntry(k, v);
  });
  walk(layout::kHeads, [&](absl::string_view k, absl::string_view v) {
    return verifier.CheckHead(k, v);
  });
  walk(layout::kEventIds, [&](absl::string_view k, absl::string_view v) {
    return verifier.CheckEventIdEntry(k, v);
  });
  use.db()->ReleaseSnapshot(snapshot);
  if (!status.ok()) return status;
  return verifier.Finish();
}

}  // namespace relog
