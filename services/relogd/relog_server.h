// The relog service assembled: the event store, the projections, every gRPC
// service, the health service and the checkpoint writer, serving on one
// port. relogd's main() reads its flags into ServerOptions and runs one;
// the fault tests run one in-process on a fault-injecting file system.
#ifndef RELOG_SERVICES_RELOGD_RELOG_SERVER_H_
#define RELOG_SERVICES_RELOGD_RELOG_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/api/subscription_service.h"
#include "storage/rocksdb_event_store_impl.h"

namespace relog {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";  // port 0: any free port
  std::string data_dir = "var/relog";
  // Loaded into the reference stream when changed; empty: the set already
  // in the store.
  std::string reference_dir;
  bool access_log = true;
  // Empty: <data_dir>/natural-key.secret.
  std::string natural_key_secret;
  absl::Duration shutdown_grace = absl::Seconds(10);
  int executor_threads = 4;
  int query_threads = 4;
  // Empty: <data_dir>/keys/checkpoint-ed25519.pem and <data_dir>/checkpoints.
  std::string checkpoint_key;
  std::string checkpoint_dir;
  absl::Duration checkpoint_interval = absl::Minutes(10);
  api::SubscriptionOptions subscriptions;
  // Tests only: the file system RocksDB runs on, and whether it syncs.
  RocksDbTestingOptions store_testing;
};

class RelogServer {
 public:
  // Opens the store, loads the reference data, starts the projections and
  // serves. Errors name what could not start (nothing keeps running then).
  static absl::StatusOr<std::unique_ptr<RelogServer>> Start(
      ServerOptions options);
  // Shutdown() if not done.
  ~RelogServer();
  RelogServer(const RelogServer&) = delete;
  RelogServer& operator=(const RelogServer&) = delete;

  // The port actually bound.
  int port() const;

  // The graceful stop: health NOT_SERVING, subscriptions ended with
  // UNAVAILABLE, calls in flight get the grace period, queued appends
  // complete, a last checkpoint signs the final head, the store closes.
  // Idempotent.
  void Shutdown();

 private:
  struct Parts;
  explicit RelogServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace relog

#endif  // RELOG_SERVICES_RELOGD_RELOG_SERVER_H_
