#include "storage/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace relog {
namespace {

// Payload type URLs. Not google.rpc types: these are relog-internal and are
// converted at the API boundary.
constexpr absl::string_view kReasonUrl = "relog.internal/reason";
constexpr absl::string_view kMetadataUrlPrefix = "relog.internal/metadata/";

}  // namespace

absl::Status MakeError(
    absl::StatusCode code, absl::string_view reason, absl::string_view message,
    std::initializer_list<std::pair<absl::string_view, std::string>> metadata) {
  absl::Status status(code, message);
  status.SetPayload(kReasonUrl, absl::Cord(reason));
  for (const auto& [key, value] : metadata) {
    status.SetPayload(absl::StrCat(kMetadataUrlPrefix, key), absl::Cord(value));
  }
  return status;
}

std::string ErrorReason(const absl::Status& status) {
  absl::optional<absl::Cord> reason = status.GetPayload(kReasonUrl);
  return reason.has_value() ? std::string(*reason) : std::string();
}

ErrorMetadata GetErrorMetadata(const absl::Status& status) {
  ErrorMetadata out;
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& value) {
    if (absl::StartsWith(url, kMetadataUrlPrefix)) {
      out.emplace(std::string(url.substr(kMetadataUrlPrefix.size())),
                  std::string(value));
    }
  });
  return out;
}

}  // namespace relog
