#include "services/audit/export_writer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "storage/byte_codec.h"
#include "storage/errors.h"
#include "storage/sha256.h"

namespace relog::audit {
namespace {

constexpr size_t kHashesSize = 2 * kHashSize;

// The stream a stored record belongs to, read from its first fields only;
// false if they do not parse.
bool RecordStream(absl::string_view record, absl::string_view* stream_id) {
  if (record.size() < kHashesSize) return false;
  bytes::Reader in(record.substr(0, record.size() - kHashesSize));
  absl::string_view tag;
  return in.Fixed(4, &tag) && tag == "RLE1" && in.String(stream_id);
}

}  // namespace

absl::StatusOr<uint64_t> StreamExportStart(const EventStore& store,
                                           absl::string_view stream_id,
                                           uint64_t from) {
  absl::StatusOr<std::vector<RecordedEvent>> first =
      store.ReadStreamForward(stream_id, 0, 1);
  if (!first.ok()) return first.status();
  if (first->empty()) {
    return MakeError(absl::StatusCode::kNotFound, kReasonStreamNotFound,
                     absl::StrCat("no stream \"", stream_id, "\""),
                     {{meta::kStream, std::string(stream_id)}});
  }
  const uint64_t position = first->front().position;
  return from > 0 ? std::min(from, position) : position;
}

ExportWriter::ExportWriter(const EventStore* store, std::string stream_id,
                           uint64_t first_position, uint64_t last_position,
                           std::string checkpoint_text)
    : store_(store),
      stream_id_(std::move(stream_id)),
      first_(std::max<uint64_t>(first_position, 1)),
      last_(last_position),
      checkpoint_text_(std::move(checkpoint_text)),
      next_(first_) {}

void ExportWriter::AppendRow(uint64_t position, absl::string_view record,
                             std::string* out) {
  // A record too short for its hashes is given whole as the canonical
  // part, with empty hashes: the verifier reports it altered.
  const bool splits = record.size() >= kHashesSize;
  const absl::string_view canonical =
      splits ? record.substr(0, record.size() - kHashesSize) : record;
  const absl::string_view stream_hash =
      splits ? record.substr(canonical.size(), kHashSize) : "";
  const absl::string_view global_hash =
      splits ? record.substr(canonical.size() + kHashSize) : "";
  absl::string_view stream;
  const bool ours = stream_id_.empty() || !RecordStream(record, &stream) ||
                    stream == stream_id_;
  if (ours) {
    absl::StrAppend(out, "e\t", position, "\t",
                    absl::BytesToHexString(canonical), "\t",
                    absl::BytesToHexString(stream_hash), "\t",
                    absl::BytesToHexString(global_hash), "\n");
    ++events_;
  } else {
    absl::StrAppend(out, "l\t", position, "\t",
                    absl::BytesToHexString(stream_hash), "\t",
                    absl::BytesToHexString(global_hash), "\n");
    ++links_;
  }
}

absl::StatusOr<bool> ExportWriter::Next(size_t max_bytes, std::string* out) {
  const size_t start = out->size();
  if (stage_ == Stage::kDone) return false;
  if (stage_ == Stage::kHeader) {
    std::string previous = ZeroHash();
    if (first_ > 1) {
      // The stored global hash just before the export, which its chain
      // continues. Absent (deleted): zeros, so that the first row breaks.
      absl::StatusOr<uint64_t> scanned = store_->ScanLogRecords(
          first_ - 1, 1, [&](uint64_t position, absl::string_view record) {
            if (position == first_ - 1 && record.size() >= kHashSize) {
              previous = std::string(record.substr(record.size() - kHashSize));
            }
            return false;
          });
      if (!scanned.ok()) return scanned.status();
    }
    absl::StrAppend(
        out, kExportFormatLine, "\n",
        stream_id_.empty()
            ? std::string("scope\tlog\n")
            : absl::StrCat("scope\tstream\t",
                           absl::BytesToHexString(stream_id_), "\n"),
        "first_position\t", first_, "\n", "last_position\t", last_, "\n",
        "previous_global_hash\t", absl::BytesToHexString(previous), "\n");
    stage_ = Stage::kRows;
  }
  while (stage_ == Stage::kRows && out->size() - start < max_bytes) {
    if (next_ > last_) {
      absl::StrAppend(out, "end\t", events_, "\t", links_, "\n",
                      checkpoint_text_);
      stage_ = Stage::kDone;
      break;
    }
    bool beyond = false;
    absl::StatusOr<uint64_t> scanned = store_->ScanLogRecords(
        next_, last_ - next_ + 1,
        [&](uint64_t position, absl::string_view record) {
          if (position > last_) {
            beyond = true;
            return false;
          }
          AppendRow(position, record, out);
          next_ = position + 1;
          return out->size() - start < max_bytes;
        });
    if (!scanned.ok()) return scanned.status();
    // Nothing more in range (the newest records deleted, or missing ones
    // let the scan run past the end).
    if (*scanned == 0 || beyond) next_ = last_ + 1;
  }
  return true;
}

}  // namespace relog::audit
