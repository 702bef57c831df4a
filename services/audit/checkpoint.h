// Signed checkpoints of the global log (DESIGN.md invariant 7;
// docs/AUDIT.md, "Checkpoints"): relogd's signature over a position and the
// global hash stored there, kept outside relogd, so that a later log can be
// shown to extend that history — or not (the newest events deleted, the
// chain rewritten).
//
// A checkpoint file is ASCII text, every line ending with "\n", exactly
// these seven lines in this order, nothing before or after:
//
//   relog-checkpoint-v1
//   position=<decimal, no leading zero, >= 1>
//   global_hash=<64 lowercase hex digits>     stored global hash at position
//   recorded_at=<YYYY-MM-DDTHH:MM:SS.ffffffZ> of the event at position, UTC
//   signed_at=<YYYY-MM-DDTHH:MM:SS.ffffffZ>   when relogd signed it, UTC
//   key_id=<16 lowercase hex digits>          first 8 bytes of SHA-256 of
//                                             the raw 32-byte public key
//   signature=<128 lowercase hex digits>      Ed25519 signature of every
//                                             byte of the six lines above
//                                             (their "\n" included)
//
// Verifiers check the signature over those bytes as they are in the file,
// never over a re-formatting of the fields.
#ifndef RELOG_SERVICES_AUDIT_CHECKPOINT_H_
#define RELOG_SERVICES_AUDIT_CHECKPOINT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/audit/signing_key.h"
#include "storage/event_store.h"

namespace relog::audit {

// Reasons of the errors below.
inline constexpr char kReasonCheckpointMalformed[] = "CHECKPOINT_MALFORMED";
inline constexpr char kReasonCheckpointWrongKey[] = "CHECKPOINT_WRONG_KEY";
inline constexpr char kReasonCheckpointBadSignature[] =
    "CHECKPOINT_BAD_SIGNATURE";
inline constexpr char kReasonLogEmpty[] = "LOG_EMPTY";

inline constexpr char kCheckpointFormatLine[] = "relog-checkpoint-v1";

struct Checkpoint {
  uint64_t position = 0;
  std::string global_hash;  // 32 bytes
  absl::Time recorded_at;   // whole microseconds
  absl::Time signed_at;     // whole microseconds
  std::string key_id;       // 16 hex digits
  std::string signature;    // 64 bytes
};

// "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC, always six fraction digits), as in the
// checkpoint file.
std::string FormatCheckpointTime(absl::Time time);

// The six signed lines of `checkpoint` (all but the signature line).
std::string SignedCheckpointText(const Checkpoint& checkpoint);

// The whole file: the signed lines, then the signature line.
std::string FormatCheckpointFile(const Checkpoint& checkpoint);

// Signs `head` (position >= 1) at `signed_at` (truncated to microseconds).
// FAILED_PRECONDITION LOG_EMPTY for an empty log: there is nothing to sign.
absl::StatusOr<Checkpoint> SignCheckpoint(const LogHead& head,
                                          absl::Time signed_at,
                                          const SigningKey& key);

// Parses a checkpoint file strictly (the grammar above, byte for byte).
// DATA_LOSS CHECKPOINT_MALFORMED naming the line that breaks it: a damaged
// or edited file is evidence, not a usage error.
absl::StatusOr<Checkpoint> ParseCheckpointFile(absl::string_view text);

// Checks that `checkpoint` names `key` and carries its valid signature.
// DATA_LOSS CHECKPOINT_WRONG_KEY (another key id), DATA_LOSS
// CHECKPOINT_BAD_SIGNATURE (forged, or a signed line edited).
absl::Status VerifyCheckpointSignature(const Checkpoint& checkpoint,
                                       const PublicKey& key);

}  // namespace relog::audit

#endif  // RELOG_SERVICES_AUDIT_CHECKPOINT_H_
