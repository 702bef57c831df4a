// The audit export: the log, or one stream (a case), as stored, in a text
// format that a verifier outside relogd recomputes every hash of
// (docs/AUDIT.md, "The export format", is the reference; relog-verify and
// clients/python/verify_export.py implement it without relog code).
//
// ASCII, one record a line, fields separated by one TAB, lines ending with
// "\n"; integers in decimal, bytes in lowercase hex:
//
//   relog-export-v1
//   scope        log                     | scope  stream  hex(stream_id)
//   first_position         F
//   last_position          L             (= the embedded checkpoint's)
//   previous_global_hash   hex(global hash stored at F-1; zeros if F = 1)
//   then one row per log record stored at a position in [F, L], in
//   position order (a missing record has no row):
//   e  P  hex(canonical_event)  hex(stream_hash)  hex(global_hash)
//        an event of the scope: the stored record's three parts
//        (storage/event_record.h), P the position of its key
//   l  P  hex(stream_hash)  hex(global_hash)
//        a link of the global chain: another stream's event, of which
//        only the two stored hashes are given (stream exports only)
//   end  <number of e rows>  <number of l rows>
//   then the checkpoint file (checkpoint.h) signed over L, byte for byte.
//
// Records are exported as stored, not decoded nor checked: judging them is
// the verifier's job. In a stream export a record whose stream cannot be
// read (too short, unknown format tag) is given as an `e` row, so that it
// is seen rather than hidden in a link.
#ifndef RELOG_SERVICES_AUDIT_EXPORT_WRITER_H_
#define RELOG_SERVICES_AUDIT_EXPORT_WRITER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/event_store.h"

namespace relog::audit {

inline constexpr char kExportFormatLine[] = "relog-export-v1";
inline constexpr char kReasonStreamNotFound[] = "STREAM_NOT_FOUND";

// Where the export of `stream_id` starts: the position of its first event,
// or `from` if that is lower and not 0 (to reach an older checkpoint).
// NOT_FOUND STREAM_NOT_FOUND if the stream has no event.
absl::StatusOr<uint64_t> StreamExportStart(const EventStore& store,
                                           absl::string_view stream_id,
                                           uint64_t from);

// Produces one export, part by part. Not thread-safe; `store` must outlive
// it.
class ExportWriter {
 public:
  // The whole log (empty `stream_id`, `first_position` 1) or the stream
  // `stream_id` from `first_position` (StreamExportStart), up to the
  // position of `checkpoint_text` (`last_position`), which ends the export.
  ExportWriter(const EventStore* store, std::string stream_id,
               uint64_t first_position, uint64_t last_position,
               std::string checkpoint_text);

  // Appends the next part of the export to *out — whole lines, about
  // `max_bytes` (one row may go beyond) — and returns true; false, with
  // nothing appended, once the whole export was given. Errors of the store
  // (DATA_LOSS if a log key does not decode).
  absl::StatusOr<bool> Next(size_t max_bytes, std::string* out);

  uint64_t events() const { return events_; }
  uint64_t links() const { return links_; }

 private:
  void AppendRow(uint64_t position, absl::string_view record, std::string* out);

  const EventStore* const store_;
  const std::string stream_id_;
  const uint64_t first_;
  const uint64_t last_;
  const std::string checkpoint_text_;
  enum class Stage { kHeader, kRows, kDone } stage_ = Stage::kHeader;
  uint64_t next_ = 0;  // the next position to scan from
  uint64_t events_ = 0;
  uint64_t links_ = 0;
};

}  // namespace relog::audit

#endif  // RELOG_SERVICES_AUDIT_EXPORT_WRITER_H_
