#include "services/api/caller_interceptor.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "grpcpp/server_context.h"
#include "services/api/status_conversion.h"

namespace relog::api {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CallerInterceptor : public grpc::experimental::Interceptor {
 public:
  CallerInterceptor(grpc::experimental::ServerRpcInfo* info,
                    CallerRegistry* registry, bool access_log)
      : context_(info->server_context()),
        method_(info->method()),
        registry_(registry),
        access_log_(access_log),
        start_(absl::Now()) {
    caller_ = CallerForPeer(context_->peer());
    registry_->Add(context_, caller_);
  }
  ~CallerInterceptor() override { registry_->Remove(context_); }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (access_log_ && methods->QueryInterceptionHookPoint(
                           InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      LOG(INFO) << "access " << method_ << " caller=" << caller_.identity
                << " peer=" << context_->peer()
                << " status=" << StatusCodeName(status.error_code()) << " "
                << absl::ToInt64Milliseconds(absl::Now() - start_) << "ms"
                << (status.ok() ? "" : " \"" + status.error_message() + "\"");
    }
    methods->Proceed();
  }

 private:
  grpc::ServerContextBase* const context_;
  const std::string method_;
  CallerRegistry* const registry_;
  const bool access_log_;
  const absl::Time start_;
  Caller caller_;
};

}  // namespace

void CallerRegistry::Add(const grpc::ServerContextBase* context,
                         Caller caller) {
  absl::MutexLock lock(&mu_);
  callers_[context] = std::move(caller);
}

void CallerRegistry::Remove(const grpc::ServerContextBase* context) {
  absl::MutexLock lock(&mu_);
  callers_.erase(context);
}

Caller CallerRegistry::Get(const grpc::ServerContextBase* context) const {
  absl::MutexLock lock(&mu_);
  auto it = callers_.find(context);
  return it == callers_.end() ? Caller() : it->second;
}

grpc::experimental::Interceptor*
CallerInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallerInterceptor(info, registry_, access_log_);
}

}  // namespace relog::api
