// relogctl help [COMMAND]: the commands, and each command's flags derived
// from its request descriptor, with the proto's field comments (embedded
// at build time from a descriptor set with source info).
#ifndef RELOG_CLIENTS_RELOGCTL_HELP_H_
#define RELOG_CLIENTS_RELOGCTL_HELP_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace relog::ctl {

// The usage of relogctl: global flags, every command, exit codes.
std::string Usage();

// The help of one command ("offer make", "case list", "demo"), or "" when
// there is no such command.
std::string CommandHelp(absl::string_view command);

// The comment of a field in the .proto (leading, else trailing), on one
// line; "" when none.
std::string FieldComment(const google::protobuf::FieldDescriptor* field);
// The same for a message and an enum value.
std::string MessageComment(const google::protobuf::Descriptor* message);
std::string EnumValueComment(
    const google::protobuf::EnumValueDescriptor* value);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_HELP_H_
