#include "storage/event_record.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "storage/byte_codec.h"
#include "storage/errors.h"
#include "storage/sha256.h"

namespace relog {
namespace {

constexpr absl::string_view kFormatTag = "RLE1";

absl::Status Corrupt(absl::string_view what) {
  return MakeError(absl::StatusCode::kDataLoss, reason::kCorruptRecord,
                   absl::StrCat("stored event record does not decode: ", what));
}

}  // namespace

std::string FormatCivilDay(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

bool ParseCivilDay(absl::string_view text, absl::CivilDay* day) {
  // Exactly "YYYY-MM-DD", parsed by hand: this runs once per decoded event,
  // and absl::ParseCivilTime plus a round trip cost more than the rest of
  // the decoding together.
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  int fields[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (int i = starts[f]; i < starts[f] + lengths[f]; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      fields[f] = fields[f] * 10 + (text[i] - '0');
    }
  }
  const absl::CivilDay parsed(fields[0], fields[1], fields[2]);
  // CivilDay normalises out-of-range fields (2023-02-30 → 2023-03-02).
  if (parsed.year() != fields[0] || parsed.month() != fields[1] ||
      parsed.day() != fields[2]) {
    return false;
  }
  *day = parsed;
  return true;
}

void AppendCanonicalEvent(const RecordedEvent& event, std::string* out) {
  out->append(kFormatTag.data(), kFormatTag.size());
  bytes::PutString(out, event.stream_id);
  bytes::PutU64(out, event.version);
  bytes::PutU64(out, event.position);
  bytes::PutI64(out, absl::ToUnixMicros(event.recorded_at));
  out->append(reinterpret_cast<const char*>(event.id.data()), event.id.size());
  bytes::PutString(out, event.type);
  bytes::PutString(out, event.metadata.actor);
  bytes::PutString(out, event.metadata.correlation_id);
  bytes::PutString(out, event.metadata.causation_id);
  bytes::PutString(out, event.metadata.occurred_at.has_value()
                            ? FormatCivilDay(*event.metadata.occurred_at)
                            : std::string());
  bytes::PutString(out, event.payload);
}

std::string EncodeStoredRecord(const RecordedEvent& event) {
  std::string out;
  out.reserve(96 + event.stream_id.size() + event.type.size() +
              event.payload.size() + event.metadata.actor.size() +
              event.metadata.correlation_id.size() +
              event.metadata.causation_id.size() + 2 * kHashSize);
  AppendCanonicalEvent(event, &out);
  out.append(event.stream_hash);
  out.append(event.global_hash);
  return out;
}

absl::StatusOr<StoredRecordParts> SplitStoredRecord(absl::string_view record) {
  if (record.size() < kFormatTag.size() + 2 * kHashSize) {
    return Corrupt("shorter than its two hashes");
  }
  StoredRecordParts parts;
  size_t canonical_size = record.size() - 2 * kHashSize;
  parts.canonical = record.substr(0, canonical_size);
  parts.stream_hash = record.substr(canonical_size, kHashSize);
  parts.global_hash = record.substr(canonical_size + kHashSize, kHashSize);
  return parts;
}

absl::Status DecodeStoredRecordInto(absl::string_view record,
                                    RecordedEvent* event) {
  absl::StatusOr<StoredRecordParts> parts = SplitStoredRecord(record);
  if (!parts.ok()) return parts.status();
  bytes::Reader in(parts->canonical);
  absl::string_view tag, stream_id, id, type, actor, correlation, causation,
      occurred, payload;
  int64_t recorded_micros = 0;
  if (!in.Fixed(kFormatTag.size(), &tag) || tag != kFormatTag) {
    return Corrupt("unknown format tag");
  }
  if (!in.String(&stream_id) || !in.U64(&event->version) ||
      !in.U64(&event->position) || !in.I64(&recorded_micros) ||
      !in.Fixed(event->id.size(), &id) || !in.String(&type) ||
      !in.String(&actor) || !in.String(&correlation) ||
      !in.String(&causation) || !in.String(&occurred) || !in.String(&payload)) {
    return Corrupt("truncated field");
  }
  if (!in.empty()) return Corrupt("trailing bytes");
  // assign() rather than construction: a reused event keeps its capacity.
  event->stream_id.assign(stream_id.data(), stream_id.size());
  event->recorded_at = absl::FromUnixMicros(recorded_micros);
  std::memcpy(event->id.data(), id.data(), id.size());
  event->type.assign(type.data(), type.size());
  event->metadata.actor.assign(actor.data(), actor.size());
  event->metadata.correlation_id.assign(correlation.data(), correlation.size());
  event->metadata.causation_id.assign(causation.data(), causation.size());
  event->metadata.occurred_at.reset();
  if (!occurred.empty()) {
    absl::CivilDay day;
    if (!ParseCivilDay(occurred, &day)) return Corrupt("occurred_at");
    event->metadata.occurred_at = day;
  }
  event->payload.assign(payload.data(), payload.size());
  event->stream_hash.assign(parts->stream_hash.data(),
                            parts->stream_hash.size());
  event->global_hash.assign(parts->global_hash.data(),
                            parts->global_hash.size());
  return absl::OkStatus();
}

absl::StatusOr<RecordedEvent> DecodeStoredRecord(absl::string_view record) {
  RecordedEvent event;
  absl::Status status = DecodeStoredRecordInto(record, &event);
  if (!status.ok()) return status;
  return event;
}

}  // namespace relog
