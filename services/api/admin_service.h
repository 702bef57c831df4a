// relog.v1.Admin: operating relogd — online backups of its database. A thin
// adapter: the copy itself is EventStore::CreateBackup.
#ifndef RELOG_SERVICES_API_ADMIN_SERVICE_H_
#define RELOG_SERVICES_API_ADMIN_SERVICE_H_

#include <string>
#include <utility>
#include <vector>

#include "relog/v1/admin.grpc.pb.h"
#include "services/api/caller_interceptor.h"
#include "services/api/executor.h"
#include "storage/event_store.h"

namespace relog::api {

// A file of relogd's outside the database that a restore needs (the
// natural-key secret the case index is keyed with, the checkpoint key):
// copied into each backup, mode 0600, at `name` (relative to the backup
// folder: where relogd looks for it by default in its data folder).
struct BackupFile {
  std::string path;
  std::string name;
};

class AdminService final : public relog::v1::Admin::CallbackService {
 public:
  // Every pointer must outlive the service. `files` are copied into every
  // backup after the database (those missing are skipped).
  AdminService(const EventStore* store, Executor* executor,
               const CallerRegistry* callers,
               std::vector<BackupFile> files = {})
      : store_(store),
        executor_(executor),
        callers_(callers),
        files_(std::move(files)) {}

  // Local administrators only. The folder checks and the copy (disk work)
  // run on relog's executor, never on gRPC's threads.
  grpc::ServerUnaryReactor* Backup(
      grpc::CallbackServerContext* context,
      const relog::v1::BackupRequest* request,
      relog::v1::BackupResponse* response) override;

 private:
  const EventStore* const store_;
  Executor* const executor_;
  const CallerRegistry* const callers_;
  const std::vector<BackupFile> files_;
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_ADMIN_SERVICE_H_
