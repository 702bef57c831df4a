#include "services/api/caller.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace relog::api {

absl::Span<const relog::v1::DataClass> Caller::readable_classes() const {
  static constexpr relog::v1::DataClass kAll[] = {
      relog::v1::DATA_CLASS_PERSONAL_ALLOCATION,
      relog::v1::DATA_CLASS_PERSONAL_FOLLOW_UP,
      relog::v1::DATA_CLASS_SOCIAL_NOTES,
      relog::v1::DATA_CLASS_SPECIAL_CATEGORY};
  if (role == Role::kAdministrator) return kAll;
  return {};
}

Caller CallerForPeer(const std::string& peer) {
  Caller caller;
  const bool loopback = absl::StartsWith(peer, "ipv4:127.") ||
                        absl::StartsWith(peer, "ipv6:[::1]") ||
                        absl::StartsWith(peer, "unix:");
  if (loopback) {
    caller.identity = "local-admin";
    caller.role = Role::kAdministrator;
  } else {
    caller.identity = absl::StrCat("anonymous@", peer);
  }
  return caller;
}

}  // namespace relog::api
