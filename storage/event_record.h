// The canonical bytes of an event, which its hashes cover, and the record
// stored in the log. A standalone verifier recomputes every hash from these
// bytes alone; docs/STORAGE.md shows it done in a few lines of Python.
//
// Grammar (u32/u64/i64 big-endian; string(s) := u32(len(s)) s):
//
//   canonical_event :=
//       "RLE1"                       format tag, 4 bytes
//       string(stream_id)
//       u64(version)                 0 for the stream's first event
//       u64(position)                1 for the log's first event
//       i64(recorded_at)             microseconds since 1970-01-01T00:00:00Z
//       event_id                     16 bytes
//       string(type)
//       string(actor)
//       string(correlation_id)
//       string(causation_id)
//       string(occurred_at)          "YYYY-MM-DD", or "" when none
//       string(payload)
//
//   stream_hash  := SHA-256(previous stream_hash ‖ canonical_event)
//                   previous = 32 zero bytes at version 0
//   global_hash  := SHA-256(previous global_hash ‖ u64(position) ‖ stream_hash)
//                   previous = 32 zero bytes at position 1
//
//   stored_record := canonical_event stream_hash global_hash
//                    (the hashes are the last 64 bytes)
#ifndef RELOG_STORAGE_EVENT_RECORD_H_
#define RELOG_STORAGE_EVENT_RECORD_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/event_store.h"

namespace relog {

// Appends the canonical bytes of `event` (all fields but the hashes) to *out.
void AppendCanonicalEvent(const RecordedEvent& event, std::string* out);

// The stored record of `event`, whose hashes must be set.
std::string EncodeStoredRecord(const RecordedEvent& event);

// Splits a stored record into its canonical bytes and its two hashes.
// DATA_LOSS CORRUPT_RECORD if it is too short to hold them.
struct StoredRecordParts {
  absl::string_view canonical;
  absl::string_view stream_hash;
  absl::string_view global_hash;
};
absl::StatusOr<StoredRecordParts> SplitStoredRecord(absl::string_view record);

// Decodes a stored record. DATA_LOSS CORRUPT_RECORD if it does not parse.
// Does not check the hashes: Verify() does.
absl::StatusOr<RecordedEvent> DecodeStoredRecord(absl::string_view record);

// DecodeStoredRecord into an existing event, reusing its strings' capacity
// (scans decode millions of events into one). On error *event is
// unspecified.
absl::Status DecodeStoredRecordInto(absl::string_view record,
                                    RecordedEvent* event);

// "YYYY-MM-DD" ⇄ civil day, as in the canonical bytes.
std::string FormatCivilDay(absl::CivilDay day);
bool ParseCivilDay(absl::string_view text, absl::CivilDay* day);

}  // namespace relog

#endif  // RELOG_STORAGE_EVENT_RECORD_H_
