#include "services/api/status_conversion.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "storage/errors.h"

namespace relog::api {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  google::rpc::ErrorInfo info;
  std::string reason = ErrorReason(status);
  // Errors that carry no reason of ours (a library's) still get one, so
  // that clients can always switch on it.
  info.set_reason(reason.empty() ? absl::StatusCodeToString(status.code())
                                 : reason);
  info.set_domain(kErrorDomain);
  ErrorMetadata metadata = GetErrorMetadata(status);
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[key] = value;
  }
  details.add_details()->PackFrom(info);
  auto field = metadata.find(meta::kField);
  if (status.code() == absl::StatusCode::kInvalidArgument &&
      field != metadata.end()) {
    google::rpc::BadRequest bad_request;
    google::rpc::BadRequest::FieldViolation* violation =
        bad_request.add_field_violations();
    violation->set_field(field->second);
    violation->set_description(std::string(status.message()));
    details.add_details()->PackFrom(bad_request);
  } else if (status.code() == absl::StatusCode::kFailedPrecondition) {
    // A rule refused the request: which rule, about which field (AIP-193).
    google::rpc::PreconditionFailure failure;
    google::rpc::PreconditionFailure::Violation* violation =
        failure.add_violations();
    violation->set_type(info.reason());
    if (field != metadata.end()) violation->set_subject(field->second);
    violation->set_description(std::string(status.message()));
    details.add_details()->PackFrom(failure);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      details.SerializeAsString());
}

ErrorDetails ReadErrorDetails(const grpc::Status& status) {
  ErrorDetails out;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return out;
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad_request;
    google::rpc::PreconditionFailure failure;
    if (any.UnpackTo(&info)) {
      out.reason = info.reason();
      out.metadata.insert(info.metadata().begin(), info.metadata().end());
    } else if (any.UnpackTo(&failure) && failure.violations_size() > 0 &&
               out.field.empty()) {
      out.field = failure.violations(0).subject();
    } else if (any.UnpackTo(&bad_request) &&
               bad_request.field_violations_size() > 0 && out.field.empty()) {
      out.field = bad_request.field_violations(0).field();
    }
  }
  return out;
}

const char* StatusCodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  return index >= 0 && index < 17 ? kNames[index] : "?";
}

}  // namespace relog::api
