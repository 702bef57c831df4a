#include "storage/event_store.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "storage/errors.h"
#include "storage/sha256.h"

namespace relog {

std::string EventIdToHex(const EventId& id) {
  return ToHex(
      absl::string_view(reinterpret_cast<const char*>(id.data()), id.size()));
}

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny:
      return "any";
    case Kind::kNoStream:
      return "no stream";
    case Kind::kStreamExists:
      return "stream exists";
    case Kind::kExact:
      return absl::StrCat(version_);
  }
  return "?";
}

absl::StatusOr<uint64_t> EventStore::ScanLogRecords(
    uint64_t, uint64_t,
    const std::function<bool(uint64_t, absl::string_view)>&) const {
  return absl::UnimplementedError("this store keeps no raw log records");
}

absl::StatusOr<LogHead> EventStore::CreateBackup(const std::string&) const {
  return absl::UnimplementedError("this store cannot be backed up");
}

const char* ProblemName(VerifyReport::Problem problem) {
  switch (problem) {
    case VerifyReport::Problem::kNone:
      return "ok";
    case VerifyReport::Problem::kAltered:
      return "altered";
    case VerifyReport::Problem::kMissing:
      return "missing";
    case VerifyReport::Problem::kReordered:
      return "reordered";
    case VerifyReport::Problem::kIndexBroken:
      return "index broken";
  }
  return "?";
}

namespace {

const char* ProblemReason(VerifyReport::Problem problem) {
  switch (problem) {
    case VerifyReport::Problem::kNone:
      return "";
    case VerifyReport::Problem::kAltered:
      return "CHAIN_ALTERED";
    case VerifyReport::Problem::kMissing:
      return "CHAIN_MISSING";
    case VerifyReport::Problem::kReordered:
      return "CHAIN_REORDERED";
    case VerifyReport::Problem::kIndexBroken:
      return "CHAIN_INDEX_BROKEN";
  }
  return "";
}

}  // namespace

absl::Status VerifyReport::ToStatus() const {
  if (ok()) return absl::OkStatus();
  return MakeError(
      absl::StatusCode::kDataLoss, ProblemReason(problem),
      absl::StrCat("log verification failed at position ", position, " (",
                   ProblemName(problem), "): ", detail),
      {{meta::kPosition, absl::StrCat(position)}});
}

absl::StatusOr<AppendResult> EventStore::AppendBlocking(AppendRequest request) {
  absl::Notification done;
  absl::StatusOr<AppendResult> out;
  Append(std::move(request), [&](absl::StatusOr<AppendResult> result) {
    out = std::move(result);
    done.Notify();
  });
  done.WaitForNotification();
  return out;
}

}  // namespace relog
