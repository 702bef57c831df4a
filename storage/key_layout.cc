#include "storage/key_layout.h"

#include "absl/strings/str_cat.h"
#include "storage/byte_codec.h"
#include "storage/errors.h"
#include "storage/sha256.h"

namespace relog::layout {
namespace {

absl::Status Corrupt(absl::string_view what) {
  return MakeError(absl::StatusCode::kDataLoss, reason::kCorruptRecord,
                   absl::StrCat("stored ", what, " does not decode"));
}

}  // namespace

std::string LogKey(uint64_t position) { return bytes::U64Key(position); }

absl::StatusOr<uint64_t> DecodeLogKey(absl::string_view key) {
  bytes::Reader in(key);
  uint64_t position;
  if (!in.U64(&position) || !in.empty()) return Corrupt("log key");
  return position;
}

std::string StreamIndexKey(absl::string_view stream_id, uint64_t version) {
  std::string key;
  key.reserve(12 + stream_id.size());
  bytes::PutString(&key, stream_id);
  bytes::PutU64(&key, version);
  return key;
}

std::string StreamIndexEnd(absl::string_view stream_id) {
  // u32(len) stream_id followed by 8 bytes sorts below u32(len) stream_id
  // followed by 9 bytes, which no key has; 0xff… ×9 bounds every version.
  std::string key;
  bytes::PutString(&key, stream_id);
  key.append(9, '\xff');
  return key;
}

std::string EncodeHead(const StreamHead& head) {
  std::string value;
  bytes::PutU64(&value, head.version);
  bytes::PutU64(&value, head.position);
  value.append(head.stream_hash);
  return value;
}

absl::StatusOr<StreamHead> DecodeHead(absl::string_view stream_id,
                                      absl::string_view value) {
  bytes::Reader in(value);
  StreamHead head;
  absl::string_view hash;
  if (!in.U64(&head.version) || !in.U64(&head.position) ||
      !in.Fixed(kHashSize, &hash) || !in.empty()) {
    return Corrupt("stream head");
  }
  head.stream_id = std::string(stream_id);
  head.stream_hash = std::string(hash);
  return head;
}

std::string EventIdKey(const EventId& id) {
  return std::string(reinterpret_cast<const char*>(id.data()), id.size());
}

std::string EncodePosition(uint64_t position) {
  return bytes::U64Key(position);
}

absl::StatusOr<uint64_t> DecodePosition(absl::string_view value) {
  bytes::Reader in(value);
  uint64_t position;
  if (!in.U64(&position) || !in.empty()) return Corrupt("position");
  return position;
}

std::string EncodeRequestRecord(absl::string_view request_hash,
                                const AppendResult& result) {
  std::string value;
  bytes::PutString(&value, request_hash);
  bytes::PutString(&value, result.response);
  bytes::PutU64(&value, result.first_position);
  bytes::PutU64(&value, result.last_position);
  bytes::PutI64(&value, absl::ToUnixMicros(result.recorded_at));
  value.append(result.global_hash);
  bytes::PutU32(&value, static_cast<uint32_t>(result.streams.size()));
  for (const AppendResult::Stream& stream : result.streams) {
    bytes::PutString(&value, stream.stream_id);
    bytes::PutU64(&value, stream.first_version);
    bytes::PutU64(&value, stream.last_version);
  }
  return value;
}

absl::StatusOr<StoredRequest> DecodeRequestRecord(absl::string_view value) {
  bytes::Reader in(value);
  StoredRequest out;
  absl::string_view hash, response, global_hash;
  int64_t recorded_micros;
  uint32_t n;
  if (!in.String(&hash) || !in.String(&response) ||
      !in.U64(&out.result.first_position) ||
      !in.U64(&out.result.last_position) || !in.I64(&recorded_micros) ||
      !in.Fixed(kHashSize, &global_hash) || !in.U32(&n)) {
    return Corrupt("request record");
  }
  out.request_hash = std::string(hash);
  out.result.response = std::string(response);
  out.result.recorded_at = absl::FromUnixMicros(recorded_micros);
  out.result.global_hash = std::string(global_hash);
  for (uint32_t i = 0; i < n; ++i) {
    absl::string_view stream_id;
    AppendResult::Stream stream;
    if (!in.String(&stream_id) || !in.U64(&stream.first_version) ||
        !in.U64(&stream.last_version)) {
      return Corrupt("request record");
    }
    stream.stream_id = std::string(stream_id);
    out.result.streams.push_back(std::move(stream));
  }
  if (!in.empty()) return Corrupt("request record");
  return out;
}

std::string ViewDataPrefix(uint64_t generation) {
  return bytes::U64Key(generation);
}

std::string ViewNameKey(absl::string_view name) {
  return absl::StrCat(kViewNamePrefix, name);
}

std::string EncodeViewRef(const ViewRef& ref) {
  std::string value;
  bytes::PutU64(&value, ref.generation);
  bytes::PutU64(&value, ref.checkpoint);
  return value;
}

absl::StatusOr<ViewRef> DecodeViewRef(absl::string_view value) {
  bytes::Reader in(value);
  ViewRef ref;
  if (!in.U64(&ref.generation) || !in.U64(&ref.checkpoint) || !in.empty()) {
    return Corrupt("view reference");
  }
  return ref;
}

}  // namespace relog::layout
