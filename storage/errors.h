// Errors with a machine-readable reason.
//
// Inside relog errors are absl::Status values. Besides the canonical code and
// message, each carries an UPPER_SNAKE reason and string metadata, which the
// API layer turns into google.rpc.ErrorInfo{reason, domain, metadata}. They
// travel as Status payloads so that this layer needs no protobuf.
#ifndef RELOG_STORAGE_ERRORS_H_
#define RELOG_STORAGE_ERRORS_H_

#include <initializer_list>
#include <map>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace relog {

// Reasons produced by the event store.
namespace reason {
inline constexpr char kInvalidAppend[] = "INVALID_APPEND";
inline constexpr char kWrongExpectedVersion[] = "WRONG_EXPECTED_VERSION";
inline constexpr char kRequestIdReused[] = "REQUEST_ID_REUSED";
inline constexpr char kEventIdConflict[] = "EVENT_ID_CONFLICT";
inline constexpr char kOutcomeUnknown[] = "OUTCOME_UNKNOWN";
inline constexpr char kStoreReadOnly[] = "STORE_READ_ONLY";
inline constexpr char kStoreClosed[] = "STORE_CLOSED";
inline constexpr char kCorruptRecord[] = "CORRUPT_RECORD";
inline constexpr char kStorageError[] = "STORAGE_ERROR";
inline constexpr char kViewCheckpointMismatch[] = "VIEW_CHECKPOINT_MISMATCH";
inline constexpr char kViewNotFound[] = "VIEW_NOT_FOUND";
inline constexpr char kPositionNotReached[] = "POSITION_NOT_REACHED";
inline constexpr char kWaitInterrupted[] = "WAIT_INTERRUPTED";
}  // namespace reason

// Metadata keys of the errors above.
namespace meta {
inline constexpr char kField[] = "field";
inline constexpr char kStream[] = "stream";
inline constexpr char kExpectedVersion[] = "expected_version";
inline constexpr char kActualVersion[] = "actual_version";
inline constexpr char kEventId[] = "event_id";
inline constexpr char kPosition[] = "position";
inline constexpr char kCause[] = "cause";
inline constexpr char kView[] = "view";
}  // namespace meta

// Causes for OUTCOME_UNKNOWN / STORE_READ_ONLY.
namespace cause {
inline constexpr char kNoSpace[] = "NO_SPACE";
inline constexpr char kIoError[] = "IO_ERROR";
}  // namespace cause

using ErrorMetadata = std::map<std::string, std::string>;

// Builds a status with `code`, `message`, `reason` and `metadata`.
absl::Status MakeError(
    absl::StatusCode code, absl::string_view reason, absl::string_view message,
    std::initializer_list<std::pair<absl::string_view, std::string>> metadata =
        {});

// The reason attached by MakeError, or "" if none.
std::string ErrorReason(const absl::Status& status);

// The metadata attached by MakeError (empty if none).
ErrorMetadata GetErrorMetadata(const absl::Status& status);

}  // namespace relog

#endif  // RELOG_STORAGE_ERRORS_H_
