#include "storage/store_lookups.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/errors.h"
#include "storage/event_record.h"
#include "storage/sha256.h"

namespace relog {
namespace {

// Reads `key` of `cf` into *value: true if found, false if absent.
absl::StatusOr<bool> Get(const RocksDbHandle::Use& use, layout::ColumnFamily cf,
                         absl::string_view key, std::string* value,
                         absl::string_view what) {
  rocksdb::Status got =
      use.db()->Get(rocksdb::ReadOptions(), use.cf(cf), ToSlice(key), value);
  if (got.IsNotFound()) return false;
  if (!got.ok()) return FromRocksDb(got, what);
  return true;
}

}  // namespace

absl::StatusOr<std::optional<StreamHead>> LookupHead(
    const RocksDbHandle::Use& use, absl::string_view stream_id) {
  std::string value;
  absl::StatusOr<bool> found =
      Get(use, layout::kHeads, stream_id, &value, "reading a stream head");
  if (!found.ok()) return found.status();
  if (!*found) return std::optional<StreamHead>();
  absl::StatusOr<StreamHead> head = layout::DecodeHead(stream_id, value);
  if (!head.ok()) return head.status();
  return std::optional<StreamHead>(*std::move(head));
}

absl::StatusOr<std::optional<layout::StoredRequest>> LookupRequestRecord(
    const RocksDbHandle::Use& use, absl::string_view request_id) {
  std::string value;
  absl::StatusOr<bool> found = Get(use, layout::kRequests, request_id, &value,
                                   "reading a request record");
  if (!found.ok()) return found.status();
  if (!*found) return std::optional<layout::StoredRequest>();
  absl::StatusOr<layout::StoredRequest> stored =
      layout::DecodeRequestRecord(value);
  if (!stored.ok()) return stored.status();
  return std::optional<layout::StoredRequest>(*std::move(stored));
}

absl::StatusOr<std::optional<RecordedEvent>> LookupEventById(
    const RocksDbHandle::Use& use, const EventId& id) {
  std::string value;
  absl::StatusOr<bool> found =
      Get(use, layout::kEventIds, layout::EventIdKey(id), &value,
          "reading an event id");
  if (!found.ok()) return found.status();
  if (!*found) return std::optional<RecordedEvent>();
  absl::StatusOr<uint64_t> position = layout::DecodePosition(value);
  if (!position.ok()) return position.status();
  absl::StatusOr<RecordedEvent> event = ReadLogAt(use, *position);
  if (!event.ok()) return event.status();
  return std::optional<RecordedEvent>(*std::move(event));
}

absl::StatusOr<RecordedEvent> ReadLogAt(const RocksDbHandle::Use& use,
                                        uint64_t position) {
  std::string record;
  absl::StatusOr<bool> found = Get(use, layout::kLog, layout::LogKey(position),
                                   &record, "reading the log");
  if (!found.ok()) return found.status();
  if (!*found) {
    return MakeError(absl::StatusCode::kDataLoss, reason::kCorruptRecord,
                     absl::StrCat("an index points at position ", position,
                                  ", which the log lacks"),
                     {{meta::kPosition, absl::StrCat(position)}});
  }
  return DecodeStoredRecord(record);
}

absl::StatusOr<LogHead> ReadLogHead(const RocksDbHandle::Use& use) {
  LogHead head;
  head.global_hash = ZeroHash();
  std::unique_ptr<rocksdb::Iterator> it(
      use.db()->NewIterator(rocksdb::ReadOptions(), use.cf(layout::kLog)));
  it->SeekToLast();
  if (!it->Valid()) {
    absl::Status status = FromRocksDb(it->status(), "reading the log head");
    if (!status.ok()) return status;
    return head;
  }
  absl::StatusOr<RecordedEvent> last = DecodeStoredRecord(ToView(it->value()));
  if (!last.ok()) return last.status();
  head.position = last->position;
  head.global_hash = last->global_hash;
  head.recorded_at = last->recorded_at;
  return head;
}

}  // namespace relog
