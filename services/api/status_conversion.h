// absl::Status (with relog's reason and metadata, storage/errors.h) ⇄ gRPC
// status with google.rpc details: every error leaves relogd with an
// ErrorInfo{reason, domain, metadata}, and INVALID_ARGUMENT errors that name
// a field also with a BadRequest field violation.
#ifndef RELOG_SERVICES_API_STATUS_CONVERSION_H_
#define RELOG_SERVICES_API_STATUS_CONVERSION_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace relog::api {

inline constexpr char kErrorDomain[] = "relog.v1";

grpc::Status ToGrpcStatus(const absl::Status& status);

// What a client reads back from a gRPC error.
struct ErrorDetails {
  std::string reason;  // ErrorInfo.reason, "" if none
  std::string field;   // the first BadRequest field violation, "" if none
};
ErrorDetails ReadErrorDetails(const grpc::Status& status);

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_STATUS_CONVERSION_H_
