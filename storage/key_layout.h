// The RocksDB layout of the event store. One column family per kind of key;
// one WriteBatch per group commit writes to several of them atomically.
//
// Grammar (u32/u64/i64 big-endian, so byte order is numeric order;
// string(s) := u32(len(s)) s):
//
//   column family   key                                value
//   -------------   ---------------------------------  ----------------------
//   default         "format"                           "relog-store-1"
//   log             u64(position)                      stored_record
//                                                      (event_record.h)
//   stream_index    string(stream_id) u64(version)     u64(position)
//   heads           stream_id                          u64(version)
//                                                      u64(position)
//                                                      stream_hash[32]
//   event_ids       event_id[16]                       u64(position)
//   requests        request_id                         request_record
//   views           u64(generation) key                value
//   view_meta       "n" name                           u64(generation)
//                                                      u64(checkpoint)
//                   "g"                                u64(last generation)
//
//   request_record := string(request_hash) string(response) append_result
//   append_result  := u64(first_position) u64(last_position)
//                     i64(recorded_at µs) global_hash[32] u32(n)
//                     n × (string(stream_id) u64(first_version)
//                          u64(last_version))
//
// The log is keyed by position alone and holds whole events, so reading $all
// from a position is one sequential scan. Stream reads follow stream_index;
// streams are short (tens of events per household case).
#ifndef RELOG_STORAGE_KEY_LAYOUT_H_
#define RELOG_STORAGE_KEY_LAYOUT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/event_store.h"

namespace relog::layout {

inline constexpr char kFormatKey[] = "format";
inline constexpr char kFormatValue[] = "relog-store-1";

// Column family names, in the order the store opens them (default first).
inline constexpr const char* kColumnFamilies[] = {
    "default",   "log",      "stream_index", "heads",
    "event_ids", "requests", "views",        "view_meta"};
enum ColumnFamily {
  kDefault = 0,
  kLog,
  kStreamIndex,
  kHeads,
  kEventIds,
  kRequests,
  kViews,
  kViewMeta,
  kColumnFamilyCount
};

std::string LogKey(uint64_t position);
absl::StatusOr<uint64_t> DecodeLogKey(absl::string_view key);

std::string StreamIndexKey(absl::string_view stream_id, uint64_t version);
// The first key after every version of `stream_id`.
std::string StreamIndexEnd(absl::string_view stream_id);

std::string EncodeHead(const StreamHead& head);
absl::StatusOr<StreamHead> DecodeHead(absl::string_view stream_id,
                                      absl::string_view value);

std::string EventIdKey(const EventId& id);

std::string EncodePosition(uint64_t position);
absl::StatusOr<uint64_t> DecodePosition(absl::string_view value);

// A stored request record: the request's hash and the answer given.
struct StoredRequest {
  std::string request_hash;
  AppendResult result;  // with `response` set, `replayed` false
};
std::string EncodeRequestRecord(absl::string_view request_hash,
                                const AppendResult& result);
absl::StatusOr<StoredRequest> DecodeRequestRecord(absl::string_view value);

std::string ViewDataPrefix(uint64_t generation);
std::string ViewNameKey(absl::string_view name);
inline constexpr char kViewGenerationKey[] = "g";
inline constexpr char kViewNamePrefix[] = "n";

struct ViewRef {
  uint64_t generation = 0;
  uint64_t checkpoint = 0;
};
std::string EncodeViewRef(const ViewRef& ref);
absl::StatusOr<ViewRef> DecodeViewRef(absl::string_view value);

}  // namespace relog::layout

#endif  // RELOG_STORAGE_KEY_LAYOUT_H_
