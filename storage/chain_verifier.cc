#include "storage/chain_verifier.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/byte_codec.h"
#include "storage/event_record.h"
#include "storage/key_layout.h"
#include "storage/sha256.h"

namespace relog {

using Problem = VerifyReport::Problem;

bool ChainVerifier::Fail(Problem problem, uint64_t position,
                         std::string detail) {
  if (report_.ok()) {
    report_.problem = problem;
    report_.position = position;
    report_.detail = std::move(detail);
  }
  return false;
}

bool ChainVerifier::AddLogRecord(absl::string_view key,
                                 absl::string_view record) {
  if (!report_.ok()) return false;
  const uint64_t expected = report_.head.position + 1;
  absl::StatusOr<uint64_t> position = layout::DecodeLogKey(key);
  if (!position.ok()) {
    return Fail(Problem::kAltered, expected, "a log key does not decode");
  }
  if (*position != expected) {
    return Fail(Problem::kMissing, expected,
                absl::StrCat("position ", expected,
                             " is absent; the next stored is ", *position));
  }
  absl::StatusOr<RecordedEvent> event = DecodeStoredRecord(record);
  if (!event.ok()) {
    return Fail(Problem::kAltered, expected,
                std::string(event.status().message()));
  }
  if (event->position != expected) {
    return Fail(Problem::kReordered, expected,
                absl::StrCat("the record stored at position ", expected,
                             " is the event of position ", event->position));
  }
  StreamState& stream = streams_[event->stream_id];
  const uint64_t next_version = stream.positions.size();
  if (event->version != next_version) {
    return Fail(
        event->version > next_version ? Problem::kMissing : Problem::kReordered,
        expected,
        absl::StrCat("stream \"", event->stream_id, "\" has version ",
                     event->version, " where version ", next_version,
                     " was due"));
  }
  if (event->recorded_at < last_recorded_at_) {
    return Fail(Problem::kReordered, expected, "recorded_at goes back in time");
  }
  absl::StatusOr<StoredRecordParts> parts = SplitStoredRecord(record);
  const std::string stream_hash =
      NextStreamHash(stream.positions.empty() ? ZeroHash() : stream.last_hash,
                     parts->canonical);
  if (stream_hash != event->stream_hash) {
    return Fail(Problem::kAltered, expected,
                "the event's bytes do not match its stream hash");
  }
  const std::string global_hash =
      NextGlobalHash(global_hash_, expected, stream_hash);
  if (global_hash != event->global_hash) {
    return Fail(Problem::kAltered, expected,
                "the stored global hash does not chain from the previous one");
  }
  stream.last_hash = stream_hash;
  stream.positions.push_back(expected);
  ids_.push_back(event->id);
  global_hash_ = global_hash;
  last_recorded_at_ = event->recorded_at;
  report_.head.position = expected;
  report_.head.global_hash = global_hash;
  report_.head.recorded_at = event->recorded_at;
  ++report_.events_checked;
  return true;
}

bool ChainVerifier::CheckStreamIndexEntry(absl::string_view key,
                                          absl::string_view value) {
  if (!report_.ok()) return false;
  bytes::Reader in(key);
  absl::string_view stream_id;
  uint64_t version;
  absl::StatusOr<uint64_t> position = layout::DecodePosition(value);
  if (!in.String(&stream_id) || !in.U64(&version) || !in.empty() ||
      !position.ok()) {
    return Fail(Problem::kIndexBroken, 0,
                "a stream index entry does not decode");
  }
  auto it = streams_.find(stream_id);
  if (it == streams_.end() || version >= it->second.positions.size() ||
      it->second.positions[version] != *position) {
    return Fail(Problem::kIndexBroken, *position,
                absl::StrCat("the stream index maps \"", stream_id,
                             "\" version ", version, " to position ", *position,
                             ", which the log does not hold"));
  }
  ++it->second.index_entries;
  return true;
}

bool ChainVerifier::CheckHead(absl::string_view stream_id,
                              absl::string_view value) {
  if (!report_.ok()) return false;
  absl::StatusOr<StreamHead> head = layout::DecodeHead(stream_id, value);
  auto it = streams_.find(stream_id);
  if (!head.ok() || it == streams_.end() ||
      head->version + 1 != it->second.positions.size() ||
      head->position != it->second.positions.back() ||
      head->stream_hash != it->second.last_hash) {
    return Fail(Problem::kIndexBroken, head.ok() ? head->position : 0,
                absl::StrCat("the head of stream \"", stream_id,
                             "\" does not match its last event in the log"));
  }
  it->second.head_seen = true;
  return true;
}

bool ChainVerifier::CheckEventIdEntry(absl::string_view key,
                                      absl::string_view value) {
  if (!report_.ok()) return false;
  absl::StatusOr<uint64_t> position = layout::DecodePosition(value);
  EventId id;
  if (key.size() != id.size() || !position.ok()) {
    return Fail(Problem::kIndexBroken, 0, "an event id entry does not decode");
  }
  std::memcpy(id.data(), key.data(), id.size());
  if (*position == 0 || *position > ids_.size() || ids_[*position - 1] != id) {
    return Fail(Problem::kIndexBroken, *position,
                absl::StrCat("event id ", EventIdToHex(id),
                             " is indexed at a position that holds another "
                             "event"));
  }
  ++id_entries_;
  return true;
}

VerifyReport ChainVerifier::Finish() {
  report_.streams_checked = streams_.size();
  if (!report_.ok()) return report_;
  for (const auto& [stream_id, state] : streams_) {
    if (state.index_entries != state.positions.size() || !state.head_seen) {
      Fail(Problem::kIndexBroken, state.positions.back(),
           absl::StrCat("stream \"", stream_id,
                        "\" lacks index entries or its head"));
      return report_;
    }
  }
  if (id_entries_ != ids_.size()) {
    Fail(Problem::kIndexBroken, 0,
         absl::StrCat(ids_.size() - id_entries_,
                      " events lack their event id index entry"));
  }
  if (report_.head.global_hash.empty()) report_.head.global_hash = global_hash_;
  return report_;
}

}  // namespace relog
