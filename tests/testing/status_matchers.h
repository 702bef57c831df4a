// IsOk() / StatusIs(code[, reason]) matchers for absl::Status and StatusOr,
// which Debian's Abseil 20220623 does not ship.
#ifndef RELOG_TESTS_TESTING_STATUS_MATCHERS_H_
#define RELOG_TESTS_TESTING_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "storage/errors.h"

namespace relog::testing {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status: " << status;
  return status.ok();
}

MATCHER_P(StatusIs, code,
          std::string("has code ") + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status: " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, reason,
           std::string("has code ") + absl::StatusCodeToString(code) +
               " and reason " + reason) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status: " << status
                   << ", reason: " << ErrorReason(status);
  return status.code() == code && ErrorReason(status) == reason;
}

}  // namespace relog::testing

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::relog::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::relog::testing::IsOk())

#endif  // RELOG_TESTS_TESTING_STATUS_MATCHERS_H_
