#include "storage/append_validation.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "storage/errors.h"

namespace relog {
namespace {

absl::Status Invalid(std::string field, absl::string_view rule) {
  std::string message = absl::StrCat(field, ": ", rule);
  return MakeError(absl::StatusCode::kInvalidArgument, reason::kInvalidAppend,
                   message, {{meta::kField, std::move(field)}});
}

absl::Status CheckLength(const std::string& field, absl::string_view value,
                         size_t min, size_t max) {
  if (value.size() < min || value.size() > max) {
    return Invalid(field, absl::StrCat("must be ", min, " to ", max,
                                       " bytes long, is ", value.size()));
  }
  return absl::OkStatus();
}

bool IsZero(const EventId& id) {
  for (uint8_t b : id) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateAppendRequest(const AppendRequest& request) {
  if (request.streams.empty()) {
    return Invalid("streams", "at least one stream is required");
  }
  if (request.streams.size() > kMaxStreamsPerAppend) {
    return Invalid("streams", absl::StrCat("at most ", kMaxStreamsPerAppend,
                                           " streams per append"));
  }
  absl::flat_hash_set<absl::string_view> stream_ids;
  absl::flat_hash_set<std::string> event_ids;
  size_t total_events = 0;
  for (size_t s = 0; s < request.streams.size(); ++s) {
    const StreamAppend& stream = request.streams[s];
    const std::string prefix = absl::StrCat("streams[", s, "]");
    absl::Status status = CheckLength(absl::StrCat(prefix, ".stream_id"),
                                      stream.stream_id, 1, kMaxStreamIdBytes);
    if (!status.ok()) return status;
    if (!stream_ids.insert(stream.stream_id).second) {
      return Invalid(absl::StrCat(prefix, ".stream_id"),
                     absl::StrCat("stream \"", stream.stream_id,
                                  "\" appears twice in one append"));
    }
    if (stream.events.empty()) {
      return Invalid(absl::StrCat(prefix, ".events"),
                     "at least one event is required");
    }
    total_events += stream.events.size();
    if (total_events > kMaxEventsPerAppend) {
      return Invalid(
          absl::StrCat(prefix, ".events"),
          absl::StrCat("at most ", kMaxEventsPerAppend, " events per append"));
    }
    for (size_t e = 0; e < stream.events.size(); ++e) {
      const NewEvent& event = stream.events[e];
      const std::string field = absl::StrCat(prefix, ".events[", e, "]");
      if (IsZero(event.id)) {
        return Invalid(absl::StrCat(field, ".id"), "must not be all zero");
      }
      std::string id(reinterpret_cast<const char*>(event.id.data()),
                     event.id.size());
      if (!event_ids.insert(id).second) {
        return Invalid(absl::StrCat(field, ".id"),
                       absl::StrCat("event id ", EventIdToHex(event.id),
                                    " appears twice in one append"));
      }
      status = CheckLength(absl::StrCat(field, ".type"), event.type, 1,
                           kMaxTypeBytes);
      if (!status.ok()) return status;
      status = CheckLength(absl::StrCat(field, ".payload"), event.payload, 0,
                           kMaxPayloadBytes);
      if (!status.ok()) return status;
      for (const auto& [name, value] :
           {std::pair<const char*, const std::string*>{"actor",
                                                       &event.metadata.actor},
            {"correlation_id", &event.metadata.correlation_id},
            {"causation_id", &event.metadata.causation_id}}) {
        status = CheckLength(absl::StrCat(field, ".metadata.", name), *value, 0,
                             kMaxMetadataBytes);
        if (!status.ok()) return status;
      }
      if (event.metadata.occurred_at.has_value() &&
          (event.metadata.occurred_at->year() < 1 ||
           event.metadata.occurred_at->year() > 9999)) {
        return Invalid(absl::StrCat(field, ".metadata.occurred_at"),
                       "year must be between 1 and 9999");
      }
    }
  }
  if (request.request.has_value()) {
    const RequestRecord& record = *request.request;
    absl::Status status = CheckLength("request.request_id", record.request_id,
                                      1, kMaxRequestIdBytes);
    if (!status.ok()) return status;
    status = CheckLength("request.request_hash", record.request_hash, 1,
                         kMaxRequestHashBytes);
    if (!status.ok()) return status;
    status =
        CheckLength("request.response", record.response, 0, kMaxResponseBytes);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace relog
