// A mutation request of CaseService as the command the domain decides: the
// checks of the fields every such request shares (request_id, occurred_at,
// name) and the case it applies to. No gRPC: the service adds the caller.
#ifndef RELOG_SERVICES_API_CASE_REQUESTS_H_
#define RELOG_SERVICES_API_CASE_REQUESTS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "services/api/case_command_runner.h"
#include "services/cases/commands.h"

namespace relog::api {

// The fields every mutation request shares.
struct MutationCommon {
  std::string name;  // empty for IdentifyHousehold
  std::string request_id;
  std::optional<uint64_t> expected_version;
  std::string occurred_at;
};

// `request` (whose shared fields are `common`) as a command, its body set
// by `fill`; the caller is left unset. INVALID_ARGUMENT naming request_id,
// occurred_at or name when one is missing or malformed.
absl::StatusOr<CaseCommandRequest> BuildCaseCommand(
    const google::protobuf::Message& request, const MutationCommon& common,
    const std::function<void(cases::Command&)>& fill);

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_CASE_REQUESTS_H_
