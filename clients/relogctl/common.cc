#include "clients/relogctl/common.h"

#include <cstdio>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "services/api/status_conversion.h"

namespace relog::ctl {

std::unique_ptr<grpc::ClientContext> NewCall(const Context& ctx) {
  auto call = std::make_unique<grpc::ClientContext>();
  call->set_deadline(absl::ToChronoTime(absl::Now() + ctx.timeout));
  return call;
}

int Fail(const grpc::Status& status) {
  api::ErrorDetails details = api::ReadErrorDetails(status);
  std::string extra;
  if (!details.reason.empty()) extra += " [reason " + details.reason;
  if (!details.field.empty()) extra += ", field " + details.field;
  if (!extra.empty()) extra += "]";
  std::fprintf(stderr, "relogctl: %s: %s%s\n",
               absl::StatusCodeToString(
                   static_cast<absl::StatusCode>(status.error_code()))
                   .c_str(),
               status.error_message().c_str(), extra.c_str());
  return kExitError;
}

int UsageError(absl::string_view message) {
  std::fprintf(stderr, "relogctl: %s\n", std::string(message).c_str());
  return kExitUsage;
}

std::string ToJson(const google::protobuf::Message& message, bool proto_names) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = proto_names;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

void PrintJson(const google::protobuf::Message& message, bool proto_names) {
  std::printf("%s\n", ToJson(message, proto_names).c_str());
}

std::string FormatTimestamp(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E6SZ",
      absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos()),
      absl::UTCTimeZone());
}

absl::CivilDay TodayInParis() {
  absl::TimeZone paris;
  if (!absl::LoadTimeZone("Europe/Paris", &paris)) {
    paris = absl::FixedTimeZone(3600);
  }
  return absl::ToCivilDay(absl::Now(), paris);
}

std::string FormatDay(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string UuidFromBits(uint64_t high, uint64_t low) {
  high = (high & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;
  low = (low & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32,
                         (high >> 16) & 0xFFFF, high & 0xFFFF, low >> 48,
                         low & 0xFFFFFFFFFFFFull);
}

std::string NewRequestId() {
  std::random_device device;
  auto next64 = [&device] {
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  };
  const uint64_t high = next64();
  return UuidFromBits(high, next64());
}

std::string CaseName(absl::string_view text) {
  if (absl::StartsWith(text, "cases/")) return std::string(text);
  return absl::StrCat("cases/", text);
}

}  // namespace relog::ctl
