// relogd: the relog gRPC service over its embedded RocksDB event store.
//
//   relogd [--listen=127.0.0.1:50051] [--data_dir=var/relog]
//          [--reference_dir=deploy/reference/mel] [--port_file=FILE]
//          [--shutdown_grace_seconds=10] [--checkpoint_key=FILE]
//          [--checkpoint_dir=DIR] [--checkpoint_interval_seconds=600]
//
// At startup the reference data files are loaded into the store's
// reference stream when they changed (docs/REFERENCE.md); commands decide
// with the latest loaded set. The projections (the case index, the report
// facts) catch up from their checkpoints, then follow the log on threads
// of their own; lists, lookups and reports wait (bounded) for them. The
// health service: the server as a whole ("") is NOT_SERVING while the
// store is read-only after a failed write (until it recovers by itself,
// DESIGN.md invariant 5), relog.v1.CaseService also when the case index
// stopped for good, relog.v1.Reports when the report facts did
// (services/relogd/relog_server.h assembles all of it).
//
// --listen with port 0 picks a free port; --port_file then tells which (so
// parallel tests never collide). SIGTERM or SIGINT stops it gracefully: no
// new calls, calls in flight get the grace period to finish, then the store
// completes every queued append and closes.
//
// Signed checkpoints (docs/AUDIT.md): the Ed25519 key is
// <data_dir>/keys/checkpoint-ed25519.pem unless --checkpoint_key says
// otherwise, generated at the first start (mode 0600, folder 0700); relogd
// refuses to start if group or others may access it. A checkpoint of the
// head goes into <data_dir>/checkpoints (or --checkpoint_dir) every
// --checkpoint_interval_seconds when the head moved, on demand
// (Audit.CreateCheckpoint, exports), and at shutdown once nothing can
// append any more, before the store closes.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "services/relogd/relog_server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve on (port 0: any free port)");
ABSL_FLAG(std::string, data_dir, "var/relog", "the event store's folder");
ABSL_FLAG(std::string, reference_dir, "deploy/reference/mel",
          "the reference data files loaded at startup; empty: use the set "
          "already in the store");
ABSL_FLAG(bool, access_log, true, "log one line per call");
ABSL_FLAG(std::string, natural_key_secret, "",
          "the secret of the keyed hashes of natural keys in the case index "
          "(created, mode 0600, if missing; docs/IMPORT.md); empty: "
          "DATA_DIR/natural-key.secret");
ABSL_FLAG(std::string, port_file, "",
          "if set, the port actually bound is written there once serving");
ABSL_FLAG(int, shutdown_grace_seconds, 10,
          "how long calls in flight may run on after SIGTERM");
ABSL_FLAG(int, executor_threads, 4,
          "threads for commands and log verification (store reads, "
          "decide)");
ABSL_FLAG(int, query_threads, 4,
          "threads for case reads and lists (which may wait for the case "
          "index)");
ABSL_FLAG(int, log_verbosity, 0, "glog's verbose level (glog's -v)");
ABSL_FLAG(std::string, checkpoint_key, "",
          "the Ed25519 key file of signed checkpoints (mode 0600; generated "
          "if missing); empty: <data_dir>/keys/checkpoint-ed25519.pem");
ABSL_FLAG(std::string, checkpoint_dir, "",
          "where signed checkpoints are written; empty: "
          "<data_dir>/checkpoints");
ABSL_FLAG(int, checkpoint_interval_seconds, 600,
          "sign the head this often when it moved (0: only on demand and at "
          "shutdown)");
ABSL_FLAG(int, max_subscriptions, 64,
          "subscription streams served at once (each holds a thread)");
ABSL_FLAG(int, subscription_write_timeout_seconds, 30,
          "a subscription whose consumer leaves one message unread this "
          "long ends with RESOURCE_EXHAUSTED");

namespace relog {
namespace {

// Written to a temporary name, then renamed: a reader never sees half a
// number.
bool WritePortFile(const std::string& path, int port) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.good()) return false;
  }
  std::error_code error;
  std::filesystem::rename(tmp, path, error);
  return !error;
}

int Serve(const ServerOptions& options, const std::string& port_file,
          const sigset_t& stop_signals) {
  absl::StatusOr<std::unique_ptr<RelogServer>> server =
      RelogServer::Start(options);
  if (!server.ok()) {
    LOG(ERROR) << server.status().message();
    return 1;
  }
  if (!port_file.empty() && !WritePortFile(port_file, (*server)->port())) {
    LOG(ERROR) << "cannot write the port file " << port_file;
    return 1;
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  // A second SIGINT or SIGTERM ends the process at once (their default
  // action), for an operator who will not wait for the grace period.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
  LOG(INFO) << "signal " << signal_number;
  (*server)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace relog

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "relogd [--listen=HOST:PORT] [--data_dir=DIR] [--port_file=FILE]");
  absl::ParseCommandLine(argc, argv);
  // Flags are read once, here, into options (libraries never read flags).
  relog::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.reference_dir = absl::GetFlag(FLAGS_reference_dir);
  options.access_log = absl::GetFlag(FLAGS_access_log);
  options.natural_key_secret = absl::GetFlag(FLAGS_natural_key_secret);
  options.shutdown_grace =
      absl::Seconds(std::max(0, absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  options.executor_threads = std::max(1, absl::GetFlag(FLAGS_executor_threads));
  options.query_threads = std::max(1, absl::GetFlag(FLAGS_query_threads));
  options.checkpoint_key = absl::GetFlag(FLAGS_checkpoint_key);
  options.checkpoint_dir = absl::GetFlag(FLAGS_checkpoint_dir);
  options.checkpoint_interval = absl::Seconds(
      std::max(0, absl::GetFlag(FLAGS_checkpoint_interval_seconds)));
  options.subscriptions.max_streams =
      static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_max_subscriptions)));
  options.subscriptions.write_timeout = absl::Seconds(
      std::max(1, absl::GetFlag(FLAGS_subscription_write_timeout_seconds)));
  // A stalled consumer's status waits as long again, then the call is
  // cancelled (subscription_stream.h).
  options.subscriptions.cancel_grace = options.subscriptions.write_timeout;

#ifdef NDEBUG
  // Debian's Abseil is built with its debug deadlock detector on, which
  // tracks every lock taken; the Release server does without it (the test
  // build keeps it).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  FLAGS_v = absl::GetFlag(FLAGS_log_verbosity);

  // Blocked before any thread starts, so every thread inherits the mask and
  // only sigwait() in Serve receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  return relog::Serve(options, absl::GetFlag(FLAGS_port_file), stop_signals);
}
