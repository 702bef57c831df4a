// A relogd child process on a free loopback port, for end-to-end tests.
#ifndef RELOG_TESTS_TESTING_RELOGD_PROCESS_H_
#define RELOG_TESTS_TESTING_RELOGD_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "tests/testing/child_process.h"
#include "tests/testing/temp_dir.h"

namespace relog::testing {

class RelogdProcess {
 public:
  // Starts `binary` on 127.0.0.1:0 with `data_dir`, the shipped reference
  // sample (`source_dir`/deploy/reference/mel) and `extra_flags`, and waits
  // (up to 60 s) for it to serve; `scratch` holds the port file.
  RelogdProcess(const std::string& binary, const std::string& source_dir,
                const std::string& data_dir, const TempDir& scratch,
                std::vector<std::string> extra_flags = {});

  ChildProcess& process() { return process_; }
  // "127.0.0.1:PORT"; empty if it did not start.
  const std::string& address() const { return address_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  std::string port_file_;
  ChildProcess process_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
};

// grpc.health.v1.Health/Check through a generic stub (Debian ships no
// health.proto) for `service` ("" = the server as a whole): the answer's
// bytes, e.g. {status: SERVING} = "\x08\x01", NOT_SERVING = "\x08\x02";
// "error: …" when the call fails.
std::string HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& service = "");

}  // namespace relog::testing

#endif  // RELOG_TESTS_TESTING_RELOGD_PROCESS_H_
