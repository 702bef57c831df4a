// The 27 mutation RPCs of relog.v1.CaseService as relogctl commands: their
// names, request types, and a generic call through the typed stub.
#ifndef RELOG_CLIENTS_RELOGCTL_MUTATIONS_H_
#define RELOG_CLIENTS_RELOGCTL_MUTATIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "clients/relogctl/common.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "relog/v1/case_service.grpc.pb.h"

namespace relog::ctl {

using CaseStub = relog::v1::CaseService::StubInterface;

struct Mutation {
  // The command words, e.g. "offer accept".
  const char* command;
  // The RPC, e.g. "AcceptOffer".
  const char* rpc;
  // One line of help.
  const char* summary;
  const google::protobuf::Message* request_prototype;
  grpc::Status (*call)(CaseStub& stub, grpc::ClientContext* context,
                       const google::protobuf::Message& request,
                       relog::v1::CaseCommandResponse* response);

  // The request's step field (number 5).
  const google::protobuf::FieldDescriptor* body_field() const;
  // IdentifyHousehold takes no case name.
  bool needs_case_name() const;
};

const std::vector<Mutation>& Mutations();
// The mutation for an RPC name ("MakeOffer") or nullptr.
const Mutation* FindMutationByRpc(absl::string_view rpc);

// Parses the arguments after the command words into a request: the case
// name (positional), --request_id (default: a new UUIDv4),
// --expected_version, --occurred_at (default: today in Europe/Paris),
// --body_json (the step as proto JSON, applied before the field flags) and
// the step's field flags (step_flags.h). INVALID_ARGUMENT naming the flag.
absl::Status BuildMutationRequest(const Mutation& mutation,
                                  const std::vector<std::string>& args,
                                  google::protobuf::Message* request);

// relogctl COMMAND ARGS...: builds, sends, prints. Exit code.
int RunMutation(const Context& ctx, const Mutation& mutation,
                const std::vector<std::string>& args);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_MUTATIONS_H_
