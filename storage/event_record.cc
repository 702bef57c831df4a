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
  // absl::ParseCivilTime accepts forms we do not want (e.g. years > 9999);
  // the canonical form is exactly ten characters.
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  absl::CivilDay parsed;
  if (!absl::ParseCivilTime(text, &parsed)) return false;
  if (FormatCivilDay(parsed) != text) return false;  // rejects 2023-02-30
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

absl::StatusOr<RecordedEvent> DecodeStoredRecord(absl::string_view record) {
  absl::StatusOr<StoredRecordParts> parts = SplitStoredRecord(record);
  if (!parts.ok()) return parts.status();
  bytes::Reader in(parts->canonical);
  absl::string_view tag, stream_id, id, type, actor, correlation, causation,
      occurred, payload;
  RecordedEvent event;
  int64_t recorded_micros = 0;
  if (!in.Fixed(kFormatTag.size(), &tag) || tag != kFormatTag) {
    return Corrupt("unknown format tag");
  }
  if (!in.String(&stream_id) || !in.U64(&event.version) ||
      !in.U64(&event.position) || !in.I64(&recorded_micros) ||
      !in.Fixed(event.id.size(), &id) || !in.String(&type) ||
      !in.String(&actor) || !in.String(&correlation) ||
      !in.String(&causation) || !in.String(&occurred) || !in.String(&payload)) {
    return Corrupt("truncated field");
  }
  if (!in.empty()) return Corrupt("trailing bytes");
  event.stream_id = std::string(stream_id);
  event.recorded_at = absl::FromUnixMicros(recorded_micros);
  std::memcpy(event.id.data(), id.data(), id.size());
  event.type = std::string(type);
  event.metadata.actor = std::string(actor);
  event.metadata.correlation_id = std::string(correlation);
  event.metadata.causation_id = std::string(causation);
  if (!occurred.empty()) {
    absl::CivilDay day;
    if (!ParseCivilDay(occurred, &day)) return Corrupt("occurred_at");
    event.metadata.occurred_at = day;
  }
  event.payload = std::string(payload);
  event.stream_hash = std::string(parts->stream_hash);
  event.global_hash = std::string(parts->global_hash);
  return event;
}

}  // namespace relog
