#include "services/api/case_requests.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/api/case_repository.h"
#include "services/cases/domain_errors.h"
#include "storage/sha256.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

// SHA-256 of the request's type and deterministic bytes: a retry carries
// the same digest, another request under the same id does not.
std::string RequestHash(const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return Sha256({request.GetDescriptor()->full_name(), "\n", bytes});
}

bool IsUuid(absl::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<absl::CivilDay> ParseDay(const std::string& value,
                                        absl::string_view field) {
  absl::CivilDay day;
  if (value.empty()) {
    return cases::InvalidField(field, reason::kFieldRequired,
                               "is required (YYYY-MM-DD, Europe/Paris)");
  }
  if (value.size() != 10 || !absl::ParseCivilTime(value, &day)) {
    return cases::InvalidField(
        field, reason::kInvalidDate,
        absl::StrCat("\"", value, "\" is not a YYYY-MM-DD date"));
  }
  return day;
}

}  // namespace

absl::StatusOr<CaseCommandRequest> BuildCaseCommand(
    const google::protobuf::Message& request, const MutationCommon& common,
    const std::function<void(cases::Command&)>& fill) {
  CaseCommandRequest out;
  if (common.request_id.empty()) {
    return cases::InvalidField("request_id", reason::kFieldRequired,
                               "is required: a UUID generated once per "
                               "intended change, reused on retries");
  }
  // Request ids are kept unsealed (request records, event metadata): a
  // UUID cannot carry personal data, a free text could.
  if (!IsUuid(common.request_id)) {
    return cases::InvalidField(
        "request_id", reason::kValueOutOfRange,
        "must be a UUID (8-4-4-4-12 hexadecimal digits)");
  }
  out.request_id = common.request_id;
  out.request_hash = RequestHash(request);
  out.expected_version = common.expected_version;
  ASSIGN_OR_RETURN(out.command.occurred_on,
                   ParseDay(common.occurred_at, "occurred_at"));
  fill(out.command);
  if (out.command.kind() == cases::CommandKind::kIdentifyHousehold) {
    out.case_id = DeriveCaseId(common.request_id, "case");
  } else {
    ASSIGN_OR_RETURN(out.case_id, CaseIdFromName(common.name, "name"));
  }
  if (out.command.kind() == cases::CommandKind::kRecordDecohabitation) {
    out.command.new_case_id = DeriveCaseId(common.request_id, "decohabitation");
  }
  return out;
}

}  // namespace relog::api
