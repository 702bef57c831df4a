#include "services/audit/checkpoint.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "storage/errors.h"
#include "storage/sha256.h"

namespace relog::audit {
namespace {

constexpr char kTimeFormat[] = "%Y-%m-%dT%H:%M:%E6SZ";

absl::Status Malformed(int line, absl::string_view what) {
  return MakeError(
      absl::StatusCode::kDataLoss, kReasonCheckpointMalformed,
      absl::StrCat("the checkpoint does not parse: line ", line, ": ", what));
}

bool IsLowerHex(absl::string_view text, size_t size) {
  if (text.size() != size) return false;
  for (char c : text) {
    if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

absl::Time TruncateToMicros(absl::Time time) {
  return absl::FromUnixMicros(absl::ToUnixMicros(time));
}

// Parses a time exactly as FormatCheckpointTime writes it.
bool ParseTime(absl::string_view text, absl::Time* time) {
  std::string error;
  if (!absl::ParseTime(kTimeFormat, std::string(text), absl::UTCTimeZone(),
                       time, &error)) {
    return false;
  }
  return FormatCheckpointTime(*time) == text;
}

}  // namespace

std::string FormatCheckpointTime(absl::Time time) {
  return absl::FormatTime(kTimeFormat, time, absl::UTCTimeZone());
}

std::string SignedCheckpointText(const Checkpoint& checkpoint) {
  return absl::StrCat(kCheckpointFormatLine, "\n",                    //
                      "position=", checkpoint.position, "\n",         //
                      "global_hash=", ToHex(checkpoint.global_hash),  //
                      "\n",                                           //
                      "recorded_at=",                                 //
                      FormatCheckpointTime(checkpoint.recorded_at),   //
                      "\n",                                           //
                      "signed_at=", FormatCheckpointTime(checkpoint.signed_at),
                      "\n",  //
                      "key_id=", checkpoint.key_id, "\n");
}

std::string FormatCheckpointFile(const Checkpoint& checkpoint) {
  return absl::StrCat(SignedCheckpointText(checkpoint),
                      "signature=", ToHex(checkpoint.signature), "\n");
}

absl::StatusOr<Checkpoint> SignCheckpoint(const LogHead& head,
                                          absl::Time signed_at,
                                          const SigningKey& key) {
  if (head.position == 0) {
    return MakeError(absl::StatusCode::kFailedPrecondition, kReasonLogEmpty,
                     "the log is empty: there is no history to sign yet");
  }
  Checkpoint checkpoint;
  checkpoint.position = head.position;
  checkpoint.global_hash = head.global_hash;
  checkpoint.recorded_at = TruncateToMicros(head.recorded_at);
  checkpoint.signed_at = TruncateToMicros(signed_at);
  checkpoint.key_id = key.public_key().key_id();
  checkpoint.signature = key.Sign(SignedCheckpointText(checkpoint));
  return checkpoint;
}

absl::StatusOr<Checkpoint> ParseCheckpointFile(absl::string_view text) {
  if (!absl::ConsumeSuffix(&text, "\n")) {
    return Malformed(0, "the file does not end with a newline");
  }
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  constexpr const char* kKeys[] = {"position",  "global_hash", "recorded_at",
                                   "signed_at", "key_id",      "signature"};
  if (lines.size() != 7) {
    return Malformed(0, absl::StrCat(lines.size(), " lines, not 7"));
  }
  if (lines[0] != kCheckpointFormatLine) {
    return Malformed(1, absl::StrCat("not \"", kCheckpointFormatLine, "\""));
  }
  std::string values[6];
  for (int i = 0; i < 6; ++i) {
    absl::string_view line = lines[i + 1];
    if (!absl::ConsumePrefix(&line, kKeys[i]) ||
        !absl::ConsumePrefix(&line, "=")) {
      return Malformed(i + 2, absl::StrCat("expected \"", kKeys[i], "=\""));
    }
    values[i] = std::string(line);
  }
  Checkpoint checkpoint;
  if (values[0].empty() || values[0][0] == '0' ||
      values[0].find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(values[0], &checkpoint.position)) {
    return Malformed(2, "position is not a positive decimal number");
  }
  if (!IsLowerHex(values[1], 64)) {
    return Malformed(3, "global_hash is not 64 lowercase hex digits");
  }
  checkpoint.global_hash = absl::HexStringToBytes(values[1]);
  if (!ParseTime(values[2], &checkpoint.recorded_at)) {
    return Malformed(4, "recorded_at is not YYYY-MM-DDTHH:MM:SS.ffffffZ");
  }
  if (!ParseTime(values[3], &checkpoint.signed_at)) {
    return Malformed(5, "signed_at is not YYYY-MM-DDTHH:MM:SS.ffffffZ");
  }
  if (!IsLowerHex(values[4], 16)) {
    return Malformed(6, "key_id is not 16 lowercase hex digits");
  }
  checkpoint.key_id = values[4];
  if (!IsLowerHex(values[5], 128)) {
    return Malformed(7, "signature is not 128 lowercase hex digits");
  }
  checkpoint.signature = absl::HexStringToBytes(values[5]);
  return checkpoint;
}

absl::Status VerifyCheckpointSignature(const Checkpoint& checkpoint,
                                       const PublicKey& key) {
  if (checkpoint.key_id != key.key_id()) {
    return MakeError(
        absl::StatusCode::kDataLoss, kReasonCheckpointWrongKey,
        absl::StrCat("the checkpoint at position ", checkpoint.position,
                     " names key ", checkpoint.key_id, ", not the key given (",
                     key.key_id(), ")"));
  }
  // Every field was parsed strictly, so re-formatting gives back exactly the
  // bytes of the file.
  if (!key.Verify(SignedCheckpointText(checkpoint), checkpoint.signature)) {
    return MakeError(
        absl::StatusCode::kDataLoss, kReasonCheckpointBadSignature,
        absl::StrCat("the signature of the checkpoint at position ",
                     checkpoint.position,
                     " does not verify: the checkpoint was edited or forged"));
  }
  return absl::OkStatus();
}

}  // namespace relog::audit
