#include "services/cases/domain_errors.h"

#include "absl/strings/str_cat.h"

namespace relog::cases {

absl::Status InvalidField(absl::string_view field, absl::string_view reason,
                          absl::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, reason,
                   absl::StrCat(field, ": ", message),
                   {{meta::kField, std::string(field)}});
}

absl::Status RuleViolated(absl::string_view reason, absl::string_view message) {
  return MakeError(absl::StatusCode::kFailedPrecondition, reason, message);
}

}  // namespace relog::cases
