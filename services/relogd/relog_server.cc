#include "services/relogd/relog_server.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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
#include "services/audit/checkpoint_writer.h"
#include "services/audit/signing_key.h"
#include "services/projections/projection_runner.h"
#include "services/reference/reference_files.h"
#include "services/reference/reference_stream.h"
#include "services/reports/fact_table.h"
#include "services/reports/report_facts_projection.h"
#include "storage/clock.h"

namespace relog {
namespace {

constexpr char kCaseService[] = "relog.v1.CaseService";
constexpr char kReports[] = "relog.v1.Reports";

absl::StatusOr<absl::TimeZone> BusinessTimeZone() {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone("Europe/Paris", &zone)) {
    return absl::FailedPreconditionError(
        "time zone Europe/Paris not found: install tzdata");
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

absl::Status Context(const absl::Status& status, absl::string_view what) {
  return absl::Status(status.code(),
                      absl::StrCat(what, ": ", status.message()));
}

}  // namespace

// Everything the server runs, declared in the order it is built, so that
// the default destruction order (the reverse) is also a safe one once
// Shutdown() has run.
struct RelogServer::Parts {
  ServerOptions options;

  // What the health service shows, kept here because the store, the
  // projections and the server report it from their own threads. Set
  // once serving, cleared at shutdown: a report before or after finds
  // nobody to tell.
  absl::Mutex health_mu;
  grpc::HealthCheckServiceInterface* health ABSL_GUARDED_BY(health_mu) =
      nullptr;
  bool store_writable ABSL_GUARDED_BY(health_mu) = true;
  bool case_index_ok ABSL_GUARDED_BY(health_mu) = true;
  bool reports_ok ABSL_GUARDED_BY(health_mu) = true;

  std::unique_ptr<EventStore> store;
  std::unique_ptr<audit::SigningKey> checkpoint_key;
  std::unique_ptr<audit::CheckpointWriter> checkpoints;
  std::shared_ptr<const reference::ReferenceData> reference;
  std::string secret_path;
  std::unique_ptr<api::NaturalKeyHasher> natural_keys;
  std::unique_ptr<projections::ProjectionRunner> case_index;
  std::unique_ptr<reports::FactTable> report_table;
  std::unique_ptr<projections::ProjectionRunner> report_facts;
  std::unique_ptr<api::Executor> executor;
  std::unique_ptr<api::Executor> queries;
  std::unique_ptr<api::LogService> log_service;
  std::unique_ptr<api::CaseCommandRunner> commands;
  api::CallerRegistry callers;
  std::unique_ptr<api::AuditService> audit_service;
  std::unique_ptr<api::CaseService> case_service;
  std::unique_ptr<api::ReportsService> reports_service;
  std::unique_ptr<api::SubscriptionService> subscription_service;
  std::unique_ptr<api::AdminService> admin_service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  bool stopped = false;

  // The health service shows the store's and the projections' states:
  // the server as a whole ("") is SERVING while the store takes appends;
  // the case service also needs its index, the reports their facts.
  void PublishHealth() ABSL_EXCLUSIVE_LOCKS_REQUIRED(health_mu) {
    if (health == nullptr) return;
    health->SetServingStatus("", store_writable);
    health->SetServingStatus(kCaseService, store_writable && case_index_ok);
    health->SetServingStatus(kReports, reports_ok);
  }
  void OnStoreState(const absl::Status& state) {
    absl::MutexLock lock(&health_mu);
    store_writable = state.ok();
    PublishHealth();
  }
  std::function<void(const absl::Status&)> ProjectionFailed(bool* flag) {
    return [this, flag](const absl::Status&) {
      absl::MutexLock lock(&health_mu);
      *flag = false;
      PublishHealth();
    };
  }
};

RelogServer::RelogServer(std::unique_ptr<Parts> parts)
    : parts_(std::move(parts)) {}

RelogServer::~RelogServer() { Shutdown(); }

int RelogServer::port() const { return parts_->port; }

absl::StatusOr<std::unique_ptr<RelogServer>> RelogServer::Start(
    ServerOptions options) {
  if (options.checkpoint_key.empty()) {
    options.checkpoint_key = options.data_dir + "/keys/checkpoint-ed25519.pem";
  }
  if (options.checkpoint_dir.empty()) {
    options.checkpoint_dir = options.data_dir + "/checkpoints";
  }
  auto parts = std::make_unique<Parts>();
  parts->options = options;
  Parts* p = parts.get();
  // A failure below destroys the parts built so far in reverse order,
  // which stops them.
  std::unique_ptr<RelogServer> server(new RelogServer(std::move(parts)));
  p->stopped = true;  // nothing to shut down until serving

  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  RocksDbEventStoreOptions store_options;
  store_options.path = options.data_dir;
  store_options.on_write_state_change = [p](const absl::Status& state) {
    p->OnStoreState(state);
  };
  absl::StatusOr<std::unique_ptr<RocksDbEventStore>> store =
      RocksDbEventStore::Open(store_options, options.store_testing);
  if (!store.ok()) {
    return Context(store.status(),
                   absl::StrCat("cannot open the store in ", options.data_dir));
  }
  p->store = *std::move(store);
  LOG(INFO) << "store " << options.data_dir << " open at position "
            << p->store->GetLogHead().position;

  // Before anything is served: a key that others may read is refused here.
  absl::StatusOr<std::unique_ptr<audit::SigningKey>> key =
      audit::SigningKey::LoadOrCreate(options.checkpoint_key);
  if (!key.ok()) return Context(key.status(), "checkpoint key");
  p->checkpoint_key = *std::move(key);
  audit::CheckpointWriterOptions checkpoint_options;
  checkpoint_options.dir = options.checkpoint_dir;
  checkpoint_options.interval = options.checkpoint_interval;
  p->checkpoints = std::make_unique<audit::CheckpointWriter>(
      p->store.get(), p->checkpoint_key.get(), RealClock::Get(),
      checkpoint_options);
  LOG(INFO) << "checkpoint key " << p->checkpoint_key->public_key().key_id()
            << " (" << options.checkpoint_key << "), checkpoints in "
            << options.checkpoint_dir;

  absl::StatusOr<absl::TimeZone> paris = BusinessTimeZone();
  if (!paris.ok()) return paris.status();
  absl::StatusOr<std::shared_ptr<const reference::ReferenceData>> reference =
      LoadReference(options.reference_dir, *p->store, *paris);
  if (!reference.ok()) return Context(reference.status(), "reference data");
  p->reference = *std::move(reference);

  p->secret_path =
      options.natural_key_secret.empty()
          ? (std::filesystem::path(options.data_dir) / "natural-key.secret")
                .string()
          : options.natural_key_secret;
  absl::StatusOr<std::string> secret =
      api::LoadOrCreateNaturalKeySecret(p->secret_path);
  if (!secret.ok()) return Context(secret.status(), "natural-key secret");
  p->natural_keys = std::make_unique<api::NaturalKeyHasher>(*std::move(secret));

  projections::RunnerOptions case_index_options;
  {
    absl::MutexLock lock(&p->health_mu);
    case_index_options.on_failure = p->ProjectionFailed(&p->case_index_ok);
  }
  p->case_index = std::make_unique<projections::ProjectionRunner>(
      p->store.get(),
      std::make_unique<api::CaseIndexProjection>(p->store.get(),
                                                 p->natural_keys.get()),
      case_index_options);
  p->case_index->Start();

  std::function<void(const absl::Status&)> reports_failed;
  {
    absl::MutexLock lock(&p->health_mu);
    reports_failed = p->ProjectionFailed(&p->reports_ok);
  }
  p->report_table = std::make_unique<reports::FactTable>(
      &p->store->views(), reports::kReportFactsView, reports_failed);
  if (absl::Status loaded = p->report_table->Load(); !loaded.ok()) {
    // Served as a failure by every report, and in the health.
    LOG(ERROR) << "report facts: " << loaded;
  }
  projections::RunnerOptions report_options;
  report_options.listener = p->report_table.get();
  report_options.on_failure = reports_failed;
  p->report_facts = std::make_unique<projections::ProjectionRunner>(
      p->store.get(), std::make_unique<reports::ReportFactsProjection>(),
      report_options);
  p->report_facts->Start();

  p->executor = std::make_unique<api::Executor>(options.executor_threads);
  p->queries = std::make_unique<api::Executor>(options.query_threads);
  p->log_service =
      std::make_unique<api::LogService>(p->store.get(), p->executor.get());
  p->commands = std::make_unique<api::CaseCommandRunner>(
      p->store.get(), p->executor.get(), RealClock::Get(), p->reference,
      *paris);
  p->audit_service = std::make_unique<api::AuditService>(
      p->store.get(), p->queries.get(), p->checkpoints.get(),
      p->checkpoint_key.get(), &p->callers, RealClock::Get());
  p->case_service = std::make_unique<api::CaseService>(
      p->store.get(), p->queries.get(), p->commands.get(), p->case_index.get(),
      &p->callers, p->natural_keys.get());
  p->reports_service = std::make_unique<api::ReportsService>(
      p->store.get(), p->queries.get(), p->report_facts.get(),
      p->report_table.get(),
      std::vector<projections::ProjectionRunner*>{p->case_index.get(),
                                                  p->report_facts.get()},
      &p->callers, RealClock::Get());
  p->subscription_service = std::make_unique<api::SubscriptionService>(
      p->store.get(), &p->callers, options.subscriptions);
  // Backups are long disk work: on the query threads, not the commands'.
  // Backups carry the secrets a restore needs, where a data folder keeps
  // them by default.
  p->admin_service = std::make_unique<api::AdminService>(
      p->store.get(), p->queries.get(), &p->callers,
      std::vector<api::BackupFile>{
          {p->secret_path, "natural-key.secret"},
          {options.checkpoint_key, "keys/checkpoint-ed25519.pem"}});

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // TLS arrives with the access-control issue; until then plain text.
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
                           &p->port);
  builder.RegisterService(p->log_service.get());
  builder.RegisterService(p->case_service.get());
  builder.RegisterService(p->reports_service.get());
  builder.RegisterService(p->audit_service.get());
  builder.RegisterService(p->subscription_service.get());
  builder.RegisterService(p->admin_service.get());
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<api::CallerInterceptorFactory>(
      &p->callers, options.access_log));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  p->server = builder.BuildAndStart();
  if (p->server == nullptr || p->port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  p->stopped = false;
  {
    absl::MutexLock lock(&p->health_mu);
    p->health = p->server->GetHealthCheckService();
    // Failures reported before serving were recorded but told nobody.
    if (!p->case_index->health().failure.ok()) p->case_index_ok = false;
    if (!p->report_facts->health().failure.ok() ||
        !p->report_table->health().ok()) {
      p->reports_ok = false;
    }
    p->PublishHealth();
  }
  LOG(INFO) << "relogd serving on port " << p->port << " (" << options.listen
            << ")";
  p->checkpoints->Start();
  return server;
}

void RelogServer::Shutdown() {
  Parts& p = *parts_;
  if (p.stopped) return;
  p.stopped = true;
  const absl::Duration grace = p.options.shutdown_grace;
  LOG(INFO) << "stopping (grace " << grace << ")";
  {
    absl::MutexLock lock(&p.health_mu);
    p.health->SetServingStatus(false);
    p.health = nullptr;
  }
  // Streams never end on their own: end them first, with UNAVAILABLE, so
  // that the consumers know to resume (the server would cancel them only
  // at the end of the grace period).
  if (const size_t left = p.subscription_service->Shutdown(
          absl::Now() + std::min(grace, absl::Seconds(5)));
      left > 0) {
    LOG(WARNING) << left << " subscription(s) still sending at shutdown";
  }
  p.server->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  // Shutdown returned once every call finished, and a command's call
  // finishes only after its append was answered; drain anyway, so that no
  // append callback can reach a destroyed executor.
  if (!p.commands->Drain(absl::Seconds(30))) {
    LOG(WARNING) << "commands still running after 30 s; stopping anyway";
  }
  p.executor.reset();  // runs what was queued; no call is left to answer
  p.queries.reset();
  // Before the server (and its health service) goes.
  p.case_index->Stop();
  p.report_facts->Stop();
  p.server.reset();
  // Every call and command is over, so nothing appends any more: the last
  // checkpoint signs the final head, before the store closes.
  if (absl::StatusOr<bool> wrote = p.checkpoints->WriteAtShutdown();
      !wrote.ok()) {
    LOG(ERROR) << "shutdown checkpoint: " << wrote.status();
  } else if (*wrote) {
    LOG(INFO) << "shutdown checkpoint at position "
              << p.checkpoints->last_position();
  }
  p.store.reset();  // completes queued appends, closes the database
  LOG(INFO) << "relogd stopped";
}

}  // namespace relog
