#include "storage/append_planner.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/errors.h"
#include "storage/event_record.h"
#include "storage/sha256.h"

namespace relog {
namespace {

std::string ActualVersionText(const std::optional<StreamHead>& head) {
  return head.has_value() ? absl::StrCat(head->version) : "no stream";
}

absl::Status CheckExpected(const StreamAppend& stream,
                           const std::optional<StreamHead>& head) {
  const ExpectedVersion& expected = stream.expected;
  bool ok = true;
  switch (expected.kind()) {
    case ExpectedVersion::Kind::kAny:
      break;
    case ExpectedVersion::Kind::kNoStream:
      ok = !head.has_value();
      break;
    case ExpectedVersion::Kind::kStreamExists:
      ok = head.has_value();
      break;
    case ExpectedVersion::Kind::kExact:
      ok = head.has_value() && head->version == expected.version();
      break;
  }
  if (ok) return absl::OkStatus();
  std::string actual = ActualVersionText(head);
  return MakeError(
      absl::StatusCode::kAborted, reason::kWrongExpectedVersion,
      absl::StrCat("stream \"", stream.stream_id, "\": expected version ",
                   expected.ToString(), ", actual version ", actual),
      {{meta::kStream, stream.stream_id},
       {meta::kExpectedVersion, expected.ToString()},
       {meta::kActualVersion, actual}});
}

std::string IdKey(const EventId& id) { return layout::EventIdKey(id); }

}  // namespace

AppendPlanner::AppendPlanner(Source* source, const Clock* clock,
                             LogHead committed, Sink* sink)
    : source_(source),
      clock_(clock),
      sink_(sink),
      head_(std::move(committed)) {}

absl::StatusOr<std::optional<StreamHead>> AppendPlanner::CurrentHead(
    absl::string_view stream_id) {
  auto it = heads_.find(stream_id);
  if (it != heads_.end()) return std::optional<StreamHead>(it->second);
  return source_->Head(stream_id);
}

absl::StatusOr<std::optional<AppendResult>> AppendPlanner::ReplayFromEventIds(
    const AppendRequest& request) {
  size_t found = 0, total = 0;
  std::string first_conflict;
  AppendResult replay;
  replay.replayed = true;
  replay.first_position = UINT64_MAX;
  for (const StreamAppend& stream : request.streams) {
    AppendResult::Stream versions{stream.stream_id, UINT64_MAX, 0};
    for (const NewEvent& event : stream.events) {
      ++total;
      std::optional<RecordedEvent> stored;
      auto it = events_by_id_.find(IdKey(event.id));
      if (it != events_by_id_.end()) {
        stored = it->second;
      } else {
        absl::StatusOr<std::optional<RecordedEvent>> looked_up =
            source_->EventById(event.id);
        if (!looked_up.ok()) return looked_up.status();
        stored = *std::move(looked_up);
      }
      if (!stored.has_value()) continue;
      ++found;
      bool same = stored->stream_id == stream.stream_id &&
                  stored->type == event.type &&
                  stored->payload == event.payload;
      if (!same && first_conflict.empty()) {
        first_conflict = absl::StrCat(
            "event id ", EventIdToHex(event.id), " is stored at position ",
            stored->position, " with another stream, type or payload");
      }
      versions.first_version =
          std::min(versions.first_version, stored->version);
      versions.last_version = std::max(versions.last_version, stored->version);
      replay.first_position = std::min(replay.first_position, stored->position);
      if (stored->position >= replay.last_position) {
        replay.last_position = stored->position;
        replay.recorded_at = stored->recorded_at;
        replay.global_hash = stored->global_hash;
      }
    }
    replay.streams.push_back(std::move(versions));
  }
  if (found == 0) return std::optional<AppendResult>();
  if (found == total && first_conflict.empty()) return {std::move(replay)};
  if (first_conflict.empty()) {
    first_conflict =
        absl::StrCat(found, " of the ", total, " event ids are stored already");
  }
  return MakeError(absl::StatusCode::kAlreadyExists, reason::kEventIdConflict,
                   first_conflict);
}

absl::StatusOr<AppendResult> AppendPlanner::Plan(const AppendRequest& request) {
  // 1. A known request id answers as it did the first time.
  if (request.request.has_value()) {
    const RequestRecord& record = *request.request;
    std::optional<layout::StoredRequest> stored;
    auto it = requests_.find(record.request_id);
    if (it != requests_.end()) {
      stored = it->second;
    } else {
      absl::StatusOr<std::optional<layout::StoredRequest>> looked_up =
          source_->Request(record.request_id);
      if (!looked_up.ok()) return looked_up.status();
      stored = *std::move(looked_up);
    }
    if (stored.has_value()) {
      if (stored->request_hash != record.request_hash) {
        return MakeError(
            absl::StatusCode::kAlreadyExists, reason::kRequestIdReused,
            absl::StrCat("request id \"", record.request_id,
                         "\" was already used for a different request"));
      }
      AppendResult replay = std::move(stored->result);
      replay.replayed = true;
      return replay;
    }
  }

  // 2. Event ids already stored: the same events again, or a conflict.
  absl::StatusOr<std::optional<AppendResult>> replay =
      ReplayFromEventIds(request);
  if (!replay.ok()) return replay.status();
  if (replay->has_value()) return **std::move(replay);

  // 3. Expected versions, all of them before anything is emitted.
  std::vector<std::optional<StreamHead>> heads;
  heads.reserve(request.streams.size());
  for (const StreamAppend& stream : request.streams) {
    absl::StatusOr<std::optional<StreamHead>> head =
        CurrentHead(stream.stream_id);
    if (!head.ok()) return head.status();
    absl::Status expected = CheckExpected(stream, *head);
    if (!expected.ok()) return expected;
    heads.push_back(*std::move(head));
  }

  // 4. Assign versions, positions, time and hashes; emit.
  AppendResult result;
  const absl::Time now =
      absl::FromUnixMicros(absl::ToUnixMicros(clock_->Now()));
  result.recorded_at = std::max(now, head_.recorded_at);
  result.first_position = head_.position + 1;
  RecordedEvent event;
  event.recorded_at = result.recorded_at;
  std::string record;
  for (size_t s = 0; s < request.streams.size(); ++s) {
    const StreamAppend& stream = request.streams[s];
    std::optional<StreamHead>& head = heads[s];
    AppendResult::Stream versions;
    versions.stream_id = stream.stream_id;
    versions.first_version = head.has_value() ? head->version + 1 : 0;
    std::string previous_stream_hash =
        head.has_value() ? head->stream_hash : ZeroHash();
    for (size_t e = 0; e < stream.events.size(); ++e) {
      const NewEvent& in = stream.events[e];
      event.stream_id = stream.stream_id;
      event.version = versions.first_version + e;
      event.position = head_.position + 1;
      event.id = in.id;
      event.type = in.type;
      event.payload = in.payload;
      event.metadata = in.metadata;
      record.clear();
      AppendCanonicalEvent(event, &record);
      event.stream_hash = NextStreamHash(previous_stream_hash, record);
      event.global_hash =
          NextGlobalHash(head_.global_hash, event.position, event.stream_hash);
      record.append(event.stream_hash);
      record.append(event.global_hash);

      sink_->Put(layout::kLog, layout::LogKey(event.position), record);
      sink_->Put(layout::kStreamIndex,
                 layout::StreamIndexKey(stream.stream_id, event.version),
                 layout::EncodePosition(event.position));
      sink_->Put(layout::kEventIds, layout::EventIdKey(in.id),
                 layout::EncodePosition(event.position));

      head_.position = event.position;
      head_.global_hash = event.global_hash;
      head_.recorded_at = event.recorded_at;
      previous_stream_hash = event.stream_hash;
      events_by_id_[IdKey(in.id)] = event;
    }
    versions.last_version = versions.first_version + stream.events.size() - 1;
    StreamHead moved{stream.stream_id, versions.last_version, head_.position,
                     previous_stream_hash};
    sink_->Put(layout::kHeads, stream.stream_id, layout::EncodeHead(moved));
    heads_[stream.stream_id] = std::move(moved);
    result.streams.push_back(std::move(versions));
  }
  result.last_position = head_.position;
  result.global_hash = head_.global_hash;
  if (request.request.has_value()) {
    result.response = request.request->response;
    sink_->Put(
        layout::kRequests, request.request->request_id,
        layout::EncodeRequestRecord(request.request->request_hash, result));
    requests_[request.request->request_id] =
        layout::StoredRequest{request.request->request_hash, result};
  }
  wrote_ = true;
  return result;
}

}  // namespace relog
