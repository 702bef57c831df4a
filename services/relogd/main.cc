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
// of their own; lists, lookups and reports wait (bounded) for them. A
// projection that stops for good marks its service NOT_SERVING in the
// health service.
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

#include <atomic>
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
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "services/api/admin_service.h"
#include "services/api/audit_service.h"
#include "services/api/caller_interceptor.h"
#include "services/api/case_command_runner.h"
#include "services/api/case_index.h"
#include "services/api/case_service.h"
#include "services/api/executor.h"
#include "services/api/log_service.h"
#include "services/api/reports_service.h"
#include "services/api/subscription_service.h"
#include "services/audit/checkpoint_writer.h"
#include "services/audit/signing_key.h"
#include "services/projections/projection_runner.h"
#include "services/reference/reference_files.h"
#include "services/reference/reference_stream.h"
#include "services/reports/fact_table.h"
#include "services/reports/report_facts_projection.h"
#include "storage/clock.h"
#include "storage/rocksdb_event_store.h"

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

struct Options {
  std::string listen;
  std::string data_dir;
  std::string reference_dir;
  bool access_log = true;
  std::string port_file;
  std::string natural_key_secret;
  absl::Duration shutdown_grace;
  int executor_threads = 4;
  int query_threads = 4;
  std::string checkpoint_key;
  std::string checkpoint_dir;
  absl::Duration checkpoint_interval;
  api::SubscriptionOptions subscriptions;
};

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

absl::TimeZone BusinessTimeZone() {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone("Europe/Paris", &zone)) {
    LOG(FATAL) << "time zone Europe/Paris not found: install tzdata";
  }
  return zone;
}

// Loads `dir` into the reference stream if its content changed, then
// returns the latest set in the store.
absl::StatusOr<std::shared_ptr<const reference::ReferenceData>> LoadReference(
    const std::string& dir, EventStore& store, absl::TimeZone zone) {
  if (!dir.empty()) {
    absl::StatusOr<relog::v1::ReferenceDataLoaded> files =
        reference::ParseReferenceDir(dir);
    if (!files.ok()) return files.status();
    absl::StatusOr<bool> appended = reference::LoadReferenceIntoStore(
        store, *files, absl::ToCivilDay(absl::Now(), zone));
    if (!appended.ok()) return appended.status();
    LOG(INFO) << "reference data " << dir << " ("
              << files->content_sha256().substr(0, 12)
              << "): " << (*appended ? "loaded into the store" : "unchanged");
  }
  absl::StatusOr<std::shared_ptr<const reference::ReferenceData>> data =
      reference::ReadReferenceData(store, kEnd);
  if (data.ok() && (*data)->Communes(absl::CivilDay(2016, 1, 1)).empty() &&
      (*data)->Communes(absl::ToCivilDay(absl::Now(), zone)).empty()) {
    return absl::FailedPreconditionError(
        "no reference data in the store: give --reference_dir");
  }
  return data;
}

int Serve(const Options& options, const sigset_t& stop_signals) {
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  RocksDbEventStoreOptions store_options;
  store_options.path = options.data_dir;
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      OpenRocksDbEventStore(store_options);
  if (!store.ok()) {
    LOG(ERROR) << "cannot open the store in " << options.data_dir << ": "
               << store.status();
    return 1;
  }
  const LogHead head = (*store)->GetLogHead();
  LOG(INFO) << "store " << options.data_dir << " open at position "
            << head.position;

  // Before anything is served: a key that others may read is refused here.
  absl::StatusOr<std::unique_ptr<audit::SigningKey>> checkpoint_key =
      audit::SigningKey::LoadOrCreate(options.checkpoint_key);
  if (!checkpoint_key.ok()) {
    LOG(ERROR) << "checkpoint key: " << checkpoint_key.status().message();
    return 1;
  }
  audit::CheckpointWriterOptions checkpoint_options;
  checkpoint_options.dir = options.checkpoint_dir;
  checkpoint_options.interval = options.checkpoint_interval;
  audit::CheckpointWriter checkpoints(store->get(), checkpoint_key->get(),
                                      RealClock::Get(), checkpoint_options);
  LOG(INFO) << "checkpoint key " << (*checkpoint_key)->public_key().key_id()
            << " (" << options.checkpoint_key << "), checkpoints in "
            << options.checkpoint_dir;

  const absl::TimeZone paris = BusinessTimeZone();
  absl::StatusOr<std::shared_ptr<const reference::ReferenceData>> reference =
      LoadReference(options.reference_dir, **store, paris);
  if (!reference.ok()) {
    LOG(ERROR) << "reference data: " << reference.status();
    return 1;
  }

  // Set once serving: a projection failing before that is caught by the
  // check after the server starts.
  std::atomic<grpc::HealthCheckServiceInterface*> health{nullptr};
  auto not_serving = [&health](const char* service) {
    return [&health, service](const absl::Status&) {
      if (grpc::HealthCheckServiceInterface* h = health.load()) {
        h->SetServingStatus(service, false);
      }
    };
  };
  const std::string secret_path =
      options.natural_key_secret.empty()
          ? (std::filesystem::path(options.data_dir) / "natural-key.secret")
                .string()
          : options.natural_key_secret;
  absl::StatusOr<std::string> secret =
      api::LoadOrCreateNaturalKeySecret(secret_path);
  if (!secret.ok()) {
    LOG(ERROR) << "natural-key secret: " << secret.status();
    return 1;
  }
  const api::NaturalKeyHasher natural_keys(*std::move(secret));
  projections::RunnerOptions case_index_options;
  case_index_options.on_failure = not_serving("relog.v1.CaseService");
  projections::ProjectionRunner case_index(
      store->get(),
      std::make_unique<api::CaseIndexProjection>(store->get(), &natural_keys),
      case_index_options);
  case_index.Start();

  reports::FactTable report_table(&(*store)->views(), reports::kReportFactsView,
                                  not_serving("relog.v1.Reports"));
  if (absl::Status loaded = report_table.Load(); !loaded.ok()) {
    // Served as a failure by every report, and in the health.
    LOG(ERROR) << "report facts: " << loaded;
  }
  projections::RunnerOptions report_options;
  report_options.listener = &report_table;
  report_options.on_failure = not_serving("relog.v1.Reports");
  projections::ProjectionRunner report_facts(
      store->get(), std::make_unique<reports::ReportFactsProjection>(),
      report_options);
  report_facts.Start();

  auto executor = std::make_unique<api::Executor>(options.executor_threads);
  auto queries = std::make_unique<api::Executor>(options.query_threads);
  api::LogService log_service(store->get(), executor.get());
  api::CaseCommandRunner commands(store->get(), executor.get(),
                                  RealClock::Get(), *reference, paris);
  api::CallerRegistry callers;
  api::AuditService audit_service(store->get(), queries.get(), &checkpoints,
                                  checkpoint_key->get(), &callers,
                                  RealClock::Get());
  api::CaseService case_service(store->get(), queries.get(), &commands,
                                &case_index, &callers, &natural_keys);
  api::ReportsService reports_service(
      store->get(), queries.get(), &report_facts, &report_table,
      {&case_index, &report_facts}, &callers, RealClock::Get());
  api::SubscriptionService subscription_service(store->get(), &callers,
                                                options.subscriptions);
  // Backups are long disk work: on the query threads, not the commands'.
  // Backups carry the secrets a restore needs, where a data folder keeps
  // them by default.
  api::AdminService admin_service(
      store->get(), queries.get(), &callers,
      {{secret_path, "natural-key.secret"},
       {options.checkpoint_key, "keys/checkpoint-ed25519.pem"}});

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  // TLS arrives with the access-control issue; until then plain text.
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&log_service);
  builder.RegisterService(&case_service);
  builder.RegisterService(&reports_service);
  builder.RegisterService(&audit_service);
  builder.RegisterService(&subscription_service);
  builder.RegisterService(&admin_service);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<api::CallerInterceptorFactory>(
      &callers, options.access_log));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    LOG(ERROR) << "cannot listen on " << options.listen;
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  health.store(server->GetHealthCheckService());
  if (!case_index.health().failure.ok()) {
    server->GetHealthCheckService()->SetServingStatus("relog.v1.CaseService",
                                                      false);
  }
  if (!report_facts.health().failure.ok() || !report_table.health().ok()) {
    server->GetHealthCheckService()->SetServingStatus("relog.v1.Reports",
                                                      false);
  }
  if (!options.port_file.empty() && !WritePortFile(options.port_file, port)) {
    LOG(ERROR) << "cannot write the port file " << options.port_file;
    server->Shutdown();
    return 1;
  }
  LOG(INFO) << "relogd serving on port " << port << " (" << options.listen
            << ")";
  checkpoints.Start();

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  // A second SIGINT or SIGTERM ends the process at once (their default
  // action), for an operator who will not wait for the grace period.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
  LOG(INFO) << "signal " << signal_number << ": stopping (grace "
            << options.shutdown_grace << ")";
  health.store(nullptr);
  server->GetHealthCheckService()->SetServingStatus(false);
  // Streams never end on their own: end them first, with UNAVAILABLE, so
  // that the consumers know to resume (the server would cancel them only
  // at the end of the grace period).
  if (const size_t left = subscription_service.Shutdown(
          absl::Now() + std::min(options.shutdown_grace, absl::Seconds(5)));
      left > 0) {
    LOG(WARNING) << left << " subscription(s) still sending at shutdown";
  }
  server->Shutdown(absl::ToChronoTime(absl::Now() + options.shutdown_grace));
  // Shutdown returned once every call finished, and a command's call
  // finishes only after its append was answered; drain anyway, so that no
  // append callback can reach a destroyed executor.
  if (!commands.Drain(absl::Seconds(30))) {
    LOG(WARNING) << "commands still running after 30 s; stopping anyway";
  }
  executor.reset();  // runs what was queued; no call is left to answer
  queries.reset();
  // Before the server (and its health service) goes: a projection failing
  // now must find no destroyed health service to tell.
  case_index.Stop();
  report_facts.Stop();
  server.reset();
  // Every call and command is over, so nothing appends any more: the last
  // checkpoint signs the final head, before the store closes.
  if (absl::StatusOr<bool> wrote = checkpoints.WriteAtShutdown(); !wrote.ok()) {
    LOG(ERROR) << "shutdown checkpoint: " << wrote.status();
  } else if (*wrote) {
    LOG(INFO) << "shutdown checkpoint at position "
              << checkpoints.last_position();
  }
  store->reset();  // completes queued appends, closes the database
  LOG(INFO) << "relogd stopped";
  return 0;
}

}  // namespace
}  // namespace relog

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "relogd [--listen=HOST:PORT] [--data_dir=DIR] [--port_file=FILE]");
  absl::ParseCommandLine(argc, argv);
  // Flags are read once, here, into options (libraries never read flags).
  relog::Options options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.reference_dir = absl::GetFlag(FLAGS_reference_dir);
  options.access_log = absl::GetFlag(FLAGS_access_log);
  options.port_file = absl::GetFlag(FLAGS_port_file);
  options.natural_key_secret = absl::GetFlag(FLAGS_natural_key_secret);
  options.shutdown_grace =
      absl::Seconds(std::max(0, absl::GetFlag(FLAGS_shutdown_grace_seconds)));
  options.executor_threads = std::max(1, absl::GetFlag(FLAGS_executor_threads));
  options.query_threads = std::max(1, absl::GetFlag(FLAGS_query_threads));
  options.checkpoint_key = absl::GetFlag(FLAGS_checkpoint_key);
  if (options.checkpoint_key.empty()) {
    options.checkpoint_key = options.data_dir + "/keys/checkpoint-ed25519.pem";
  }
  options.checkpoint_dir = absl::GetFlag(FLAGS_checkpoint_dir);
  if (options.checkpoint_dir.empty()) {
    options.checkpoint_dir = options.data_dir + "/checkpoints";
  }
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
  return relog::Serve(options, stop_signals);
}
