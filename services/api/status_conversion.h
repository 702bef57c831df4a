// absl::Status (with relog's reason and metadata, storage/errors.h) ⇄ gRPC
// status with google.rpc details: every error leaves relogd with an
// ErrorInfo{reason, domain, metadata}; INVALID_ARGUMENT errors that name a
// field also with a BadRequest field violation, FAILED_PRECONDITION errors
// with a PreconditionFailure (type = reason, subject = field).
#ifndef RELOG_SERVICES_API_STATUS_CONVERSION_H_
#define RELOG_SERVICES_API_STATUS_CONVERSION_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace relog::api {

inline constexpr char kErrorDomain[] = "relog.v1";

grpc::Status ToGrpcStatus(const absl::Status& status);

// "OK", "INVALID_ARGUMENT", …; "?" for a code gRPC does not define.
const char* StatusCodeName(grpc::StatusCode code);

// What a client reads back from a gRPC error.
struct ErrorDetails {
  std::string reason;  // ErrorInfo.reason, "" if none
  // The first BadRequest field violation, or the subject of the first
  // PreconditionFailure violation; "" if none.
  std::string field;
  // ErrorInfo.metadata, e.g. {"cause": "NO_SPACE"}.
  std::map<std::string, std::string> metadata;
};
ErrorDetails ReadErrorDetails(const grpc::Status& status);

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_STATUS_CONVERSION_H_
