// Who is calling: given to every handler by one interceptor
// (caller_interceptor.h). Until authentication exists (a later issue), a
// caller on loopback is a local administrator and anyone else is refused.
#ifndef RELOG_SERVICES_API_CALLER_H_
#define RELOG_SERVICES_API_CALLER_H_

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "relog/v1/data_class.pb.h"

namespace relog::api {

enum class Role {
  kNone,           // unauthenticated
  kAdministrator,  // everything, every data class
};

struct Caller {
  // Recorded as the events' actor, e.g. "local-admin".
  std::string identity;
  Role role = Role::kNone;
  // Operations (or landlords) the caller may act on; empty = all.
  std::vector<std::string> scopes;

  bool authenticated() const { return role != Role::kNone; }
  // The data classes whose sealed fields the caller may read.
  absl::Span<const relog::v1::DataClass> readable_classes() const;
};

// The caller a peer address stands for ("ipv4:127.0.0.1:5123",
// "ipv6:[::1]:5123", "unix:…"): a local administrator on loopback or a
// Unix socket, unauthenticated otherwise.
Caller CallerForPeer(const std::string& peer);

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_CALLER_H_
