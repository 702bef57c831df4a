// libFuzzer target for every decoder of stored bytes: a stored event
// record, a request record, a stream head, a view reference, and the chain
// verifier fed a sequence of records. These read what an auditor exports or
// an attacker alters; they must reject anything malformed with a status,
// never crash, read out of bounds or loop.
//
// Input: a sequence of u16be(length) chunks; each is decoded by every
// decoder, and fed to one ChainVerifier as the log record of the next
// position.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "storage/chain_verifier.h"
#include "storage/event_record.h"
#include "storage/key_layout.h"
#include "storage/sha256.h"

namespace {

// A well-formed event made of `chunk`'s bytes, chained after `previous`
// (stream and global hash) at `position`.
relog::RecordedEvent WellFormed(absl::string_view chunk, uint64_t position,
                                const std::string& previous_global) {
  relog::RecordedEvent event;
  // Each event in a stream of its own, at version 0.
  event.stream_id = absl::StrCat("stream-", position);
  event.version = 0;
  event.position = position;
  event.recorded_at = absl::FromUnixMicros(static_cast<int64_t>(position));
  for (size_t i = 0; i < event.id.size() && i < chunk.size(); ++i) {
    event.id[i] = static_cast<uint8_t>(chunk[i]);
  }
  event.type = std::string(chunk.substr(0, 3));
  event.payload = std::string(chunk);
  // (absl::string_view::substr throws past the end: stay within it.)
  event.metadata.actor = std::string(chunk.substr(chunk.empty() ? 0 : 1, 2));
  if (chunk.size() % 2 == 0) {
    event.metadata.occurred_at = absl::CivilDay(2000 + chunk.size() % 50, 1, 1);
  }
  std::string canonical;
  relog::AppendCanonicalEvent(event, &canonical);
  event.stream_hash = relog::NextStreamHash(relog::ZeroHash(), canonical);
  event.global_hash =
      relog::NextGlobalHash(previous_global, position, event.stream_hash);
  return event;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  relog::ChainVerifier verifier;
  // A second verifier gets well-formed records built from the same bytes:
  // it must accept every one, and each must decode to what was encoded.
  relog::ChainVerifier valid_chain;
  std::string global = relog::ZeroHash();
  uint64_t position = 0;
  while (input.size() >= 2) {
    const size_t length =
        (static_cast<uint8_t>(input[0]) << 8) | static_cast<uint8_t>(input[1]);
    input.remove_prefix(2);
    const absl::string_view chunk = input.substr(0, length);
    input.remove_prefix(chunk.size());

    (void)relog::DecodeStoredRecord(chunk);
    (void)relog::layout::DecodeRequestRecord(chunk);
    (void)relog::layout::DecodeHead("stream", chunk);
    (void)relog::layout::DecodeViewRef(chunk);
    (void)relog::layout::DecodePosition(chunk);
    absl::CivilDay day;
    (void)relog::ParseCivilDay(chunk, &day);

    ++position;
    verifier.AddLogRecord(relog::layout::LogKey(position), chunk);

    relog::RecordedEvent event = WellFormed(chunk, position, global);
    const std::string record = relog::EncodeStoredRecord(event);
    absl::StatusOr<relog::RecordedEvent> decoded =
        relog::DecodeStoredRecord(record);
    if (!decoded.ok() || decoded->payload != event.payload ||
        decoded->stream_id != event.stream_id ||
        decoded->metadata.occurred_at != event.metadata.occurred_at ||
        decoded->global_hash != event.global_hash) {
      __builtin_trap();
    }
    if (!valid_chain.AddLogRecord(relog::layout::LogKey(position), record)) {
      relog::VerifyReport report = valid_chain.Finish();
      fprintf(stderr, "valid chain rejected at %llu: %s\n",
              static_cast<unsigned long long>(report.position),
              report.detail.c_str());
      __builtin_trap();
    }
    global = event.global_hash;
    verifier.CheckStreamIndexEntry(chunk, chunk.substr(0, 8));
    verifier.CheckEventIdEntry(chunk.substr(0, 16), chunk.substr(0, 8));
  }
  (void)verifier.Finish();
  return 0;
}
