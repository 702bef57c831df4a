// relog.v1.Audit: signed checkpoints, the public key, the chain's links and
// exports (docs/AUDIT.md). A thin adapter over services/audit: the formats
// live there. Every read and file write runs on relog's executor, never on
// gRPC's threads; streams keep one write in flight.
#ifndef RELOG_SERVICES_API_AUDIT_SERVICE_H_
#define RELOG_SERVICES_API_AUDIT_SERVICE_H_

#include "relog/v1/audit.grpc.pb.h"
#include "services/api/caller_interceptor.h"
#include "services/api/executor.h"
#include "services/audit/checkpoint_writer.h"
#include "services/audit/signing_key.h"
#include "storage/clock.h"
#include "storage/event_store.h"

namespace relog::api {

class AuditService final : public relog::v1::Audit::CallbackService {
 public:
  // Every pointer must outlive the service; `checkpoints` signs with `key`;
  // `clock` refuses a known_at still to come.
  AuditService(const EventStore* store, Executor* executor,
               audit::CheckpointWriter* checkpoints,
               const audit::SigningKey* key, const CallerRegistry* callers,
               const Clock* clock)
      : store_(store),
        executor_(executor),
        checkpoints_(checkpoints),
        key_(key),
        callers_(callers),
        clock_(clock) {}

  using Context = grpc::CallbackServerContext;

  grpc::ServerUnaryReactor* CreateCheckpoint(
      Context* context, const relog::v1::CreateCheckpointRequest* request,
      relog::v1::Checkpoint* response) override;
  grpc::ServerUnaryReactor* GetPublicKey(
      Context* context, const relog::v1::GetPublicKeyRequest* request,
      relog::v1::PublicKey* response) override;
  grpc::ServerWriteReactor<relog::v1::ChainLinks>* ReadChainLinks(
      Context* context,
      const relog::v1::ReadChainLinksRequest* request) override;
  grpc::ServerWriteReactor<relog::v1::ExportChunk>* ExportLog(
      Context* context, const relog::v1::ExportLogRequest* request) override;
  grpc::ServerWriteReactor<relog::v1::ExportChunk>* ExportCase(
      Context* context, const relog::v1::ExportCaseRequest* request) override;
  grpc::ServerUnaryReactor* ReplayCase(
      Context* context, const relog::v1::ReplayCaseRequest* request,
      relog::v1::ReplayCaseResponse* response) override;

 private:
  grpc::ServerWriteReactor<relog::v1::ExportChunk>* Export(
      Context* context, std::string stream_id, uint64_t from_position);

  const EventStore* const store_;
  Executor* const executor_;
  audit::CheckpointWriter* const checkpoints_;
  const audit::SigningKey* const key_;
  const CallerRegistry* const callers_;
  const Clock* const clock_;
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_AUDIT_SERVICE_H_
