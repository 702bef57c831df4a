#include "services/api/api_errors.h"

#include "storage/errors.h"

namespace relog::api {

absl::Status UnauthenticatedError() {
  return MakeError(absl::StatusCode::kUnauthenticated, "UNAUTHENTICATED",
                   "only local callers are served until authentication "
                   "exists");
}

absl::Status ShuttingDownError() {
  return MakeError(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
                   "relogd is shutting down; retry (a command with the same "
                   "request_id)");
}

}  // namespace relog::api
