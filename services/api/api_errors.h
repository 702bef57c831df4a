// The refusals every relog.v1 service shares, with one wording each.
#ifndef RELOG_SERVICES_API_API_ERRORS_H_
#define RELOG_SERVICES_API_API_ERRORS_H_

#include "absl/status/status.h"

namespace relog::api {

// UNAUTHENTICATED UNAUTHENTICATED: the caller is no one relogd knows
// (caller.h: until authentication exists, only local callers are).
absl::Status UnauthenticatedError();

// UNAVAILABLE SERVER_SHUTTING_DOWN: relogd stops; the client retries (a
// command with the same request_id) once it is back.
absl::Status ShuttingDownError();

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_API_ERRORS_H_
