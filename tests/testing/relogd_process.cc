#include "tests/testing/relogd_process.h"

#include <atomic>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"

namespace relog::testing {
namespace {

std::vector<std::string> Flags(const std::string& source_dir,
                               const std::string& data_dir,
                               const std::string& port_file,
                               std::vector<std::string> extra) {
  std::vector<std::string> flags = {
      "--listen=127.0.0.1:0", "--data_dir=" + data_dir,
      "--port_file=" + port_file, "--shutdown_grace_seconds=5",
      "--reference_dir=" + source_dir + "/deploy/reference/mel"};
  for (std::string& flag : extra) flags.push_back(std::move(flag));
  return flags;
}

std::string NextPortFile(const TempDir& scratch) {
  static std::atomic<int> instances{0};
  return scratch.Sub(absl::StrCat("port-", ++instances));
}

}  // namespace

RelogdProcess::RelogdProcess(const std::string& binary,
                             const std::string& source_dir,
                             const std::string& data_dir,
                             const TempDir& scratch,
                             std::vector<std::string> extra_flags)
    : port_file_(NextPortFile(scratch)),
      process_(binary, Flags(source_dir, data_dir, port_file_,
                             std::move(extra_flags))) {
  std::optional<std::string> port = WaitForFile(port_file_, absl::Seconds(60));
  EXPECT_TRUE(port.has_value()) << "relogd did not start";
  if (port.has_value()) {
    address_ = absl::StrCat("127.0.0.1:", absl::StripAsciiWhitespace(*port));
  }
  channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
}

std::string HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& service) {
  grpc::GenericStub stub(channel);
  // HealthCheckRequest{service = 1}: tag 0x0a, length, bytes.
  std::string encoded;
  if (!service.empty()) {
    encoded = absl::StrCat(
        "\x0a", std::string(1, static_cast<char>(service.size())), service);
  }
  grpc::Slice slice(encoded);
  grpc::ByteBuffer request(&slice, 1), response;
  absl::Notification done;
  grpc::Status status;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) return "error: " + status.error_message();
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

}  // namespace relog::testing
