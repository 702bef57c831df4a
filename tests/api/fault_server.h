// relogd's server (RelogServer, what relogd's main() runs) in-process for
// the fault tests, its store on a fault-injecting file system.
#ifndef RELOG_TESTS_API_FAULT_SERVER_H_
#define RELOG_TESTS_API_FAULT_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "services/relogd/relog_server.h"

namespace relog::testing {

// Memtables this small flush every few hundred events, so that faults and
// crashes fall in flushes and MANIFEST updates too.
inline constexpr size_t kSmallMemtable = 64 << 10;

struct FaultServerOptions {
  std::string listen = "127.0.0.1:0";
  rocksdb::Env* env = nullptr;  // nullptr: the real disk
  bool sync_writes = true;
  size_t write_buffer_bytes = 0;  // 0: RocksDB's default
};

// The server on `data_dir` with the shipped reference sample, no access
// log, no periodic checkpoints, a 2 s shutdown grace; nullptr (and a test
// failure) if it cannot start.
inline std::unique_ptr<RelogServer> StartFaultServer(
    const std::string& data_dir, const FaultServerOptions& fault = {}) {
  ServerOptions options;
  options.listen = fault.listen;
  options.data_dir = data_dir;
  options.reference_dir = RELOG_SOURCE_DIR "/deploy/reference/mel";
  options.access_log = false;
  options.checkpoint_interval = absl::ZeroDuration();
  options.shutdown_grace = absl::Seconds(2);
  options.store_testing.env = fault.env;
  options.store_testing.sync_writes = fault.sync_writes;
  options.store_testing.write_buffer_bytes = fault.write_buffer_bytes;
  absl::StatusOr<std::unique_ptr<RelogServer>> server =
      RelogServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

}  // namespace relog::testing

#endif  // RELOG_TESTS_API_FAULT_SERVER_H_
