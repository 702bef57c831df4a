// The one place that decides who calls (DESIGN.md: "Every handler receives
// a Caller from one interceptor"), and the access log: one line per call
// with method, caller, status and duration.
#ifndef RELOG_SERVICES_API_CALLER_INTERCEPTOR_H_
#define RELOG_SERVICES_API_CALLER_INTERCEPTOR_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_interceptor.h"
#include "services/api/caller.h"

namespace relog::api {

// The callers of the calls in flight, by server context. Thread-safe.
class CallerRegistry {
 public:
  void Add(const grpc::ServerContextBase* context, Caller caller)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Remove(const grpc::ServerContextBase* context) ABSL_LOCKS_EXCLUDED(mu_);
  // The call's caller; an unauthenticated one if the interceptor did not
  // see the call (which would be a wiring bug: handlers then refuse).
  Caller Get(const grpc::ServerContextBase* context) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<const grpc::ServerContextBase*, Caller> callers_
      ABSL_GUARDED_BY(mu_);
};

class CallerInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `registry` must outlive the server. `access_log`: one INFO line per
  // finished call.
  CallerInterceptorFactory(CallerRegistry* registry, bool access_log)
      : registry_(registry), access_log_(access_log) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  CallerRegistry* const registry_;
  const bool access_log_;
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_CALLER_INTERCEPTOR_H_
