// Checks shared by the fuzzers: a failed invariant prints what broke and
// traps, so that libFuzzer saves the input as a crash.
#ifndef RELOG_TESTS_FUZZ_FUZZ_CHECKS_H_
#define RELOG_TESTS_FUZZ_FUZZ_CHECKS_H_

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/api/status_conversion.h"
#include "storage/errors.h"

namespace relog::fuzz {

[[noreturn]] inline void Fail(absl::string_view what,
                              const absl::Status& status = absl::OkStatus()) {
  std::fprintf(stderr, "fuzz invariant broken: %.*s (status: %s, reason %s)\n",
               static_cast<int>(what.size()), what.data(),
               status.ToString().c_str(), ErrorReason(status).c_str());
  __builtin_trap();
}

inline void Check(bool ok, absl::string_view what,
                  const absl::Status& status = absl::OkStatus()) {
  if (!ok) Fail(what, status);
}

// What a client would read: INVALID_ARGUMENT with a reason and a BadRequest
// field violation naming `field` (any field when empty).
inline void CheckFieldViolation(const absl::Status& status,
                                absl::string_view field = "") {
  Check(status.code() == absl::StatusCode::kInvalidArgument,
        "not INVALID_ARGUMENT", status);
  const api::ErrorDetails details =
      api::ReadErrorDetails(api::ToGrpcStatus(status));
  Check(!details.reason.empty(), "INVALID_ARGUMENT without a reason", status);
  Check(!details.field.empty(), "INVALID_ARGUMENT without a field violation",
        status);
  Check(field.empty() || details.field == field,
        "INVALID_ARGUMENT naming another field", status);
}

}  // namespace relog::fuzz

#endif  // RELOG_TESTS_FUZZ_FUZZ_CHECKS_H_
