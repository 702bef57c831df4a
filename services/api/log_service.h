// relog.v1.LogService: the log head and Verify() over gRPC. A thin adapter:
// no rule lives here.
#ifndef RELOG_SERVICES_API_LOG_SERVICE_H_
#define RELOG_SERVICES_API_LOG_SERVICE_H_

#include "relog/v1/log_service.grpc.pb.h"
#include "services/api/executor.h"
#include "storage/event_store.h"

namespace relog::api {

class LogService final : public relog::v1::LogService::CallbackService {
 public:
  // `store` and `executor` must outlive the service.
  LogService(EventStore* store, Executor* executor)
      : store_(store), executor_(executor) {}

  grpc::ServerUnaryReactor* GetLogHead(
      grpc::CallbackServerContext* context,
      const relog::v1::GetLogHeadRequest* request,
      relog::v1::LogHead* response) override;

  grpc::ServerUnaryReactor* VerifyLog(
      grpc::CallbackServerContext* context,
      const relog::v1::VerifyLogRequest* request,
      relog::v1::VerifyLogResponse* response) override;

 private:
  EventStore* const store_;
  Executor* const executor_;
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_LOG_SERVICE_H_
