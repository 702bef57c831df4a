// What every relogctl command shares: the connection, output mode, deadline,
// error printing and the exit codes.
#ifndef RELOG_CLIENTS_RELOGCTL_COMMON_H_
#define RELOG_CLIENTS_RELOGCTL_COMMON_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/grpcpp.h"

namespace relog::ctl {

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitBrokenLog = 3;

struct Context {
  std::shared_ptr<grpc::Channel> channel;
  bool json = false;
  absl::Duration timeout = absl::Seconds(60);
};

// A client context with the command's deadline.
std::unique_ptr<grpc::ClientContext> NewCall(const Context& ctx);

// Prints the server's code, message, ErrorInfo reason and BadRequest field
// on stderr; returns kExitError.
int Fail(const grpc::Status& status);

// Prints "relogctl: <message>" on stderr; returns kExitUsage.
int UsageError(absl::string_view message);

// Proto JSON, every field printed; with the proto field names unless
// `proto_names` is false (the lowerCamel names `log head|verify` printed
// before the case commands existed).
std::string ToJson(const google::protobuf::Message& message,
                   bool proto_names = true);
void PrintJson(const google::protobuf::Message& message,
               bool proto_names = true);

std::string FormatTimestamp(const google::protobuf::Timestamp& t);

// Today in Europe/Paris (the business calendar of occurred_at).
absl::CivilDay TodayInParis();
std::string FormatDay(absl::CivilDay day);

// A random UUIDv4 from the OS's entropy.
std::string NewRequestId();
// A UUIDv4-shaped id from two 64-bit values (deterministic ids of the demo).
std::string UuidFromBits(uint64_t high, uint64_t low);

// "cases/ID" for "ID" or "cases/ID".
std::string CaseName(absl::string_view text);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_COMMON_H_
