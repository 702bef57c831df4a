// Which events a subscription sends: the filters of a SubscribeRequest,
// checked once, then matched against each event's type and the case's
// parties before and after it (relog.v1.Subscriptions, docs/SUBSCRIPTIONS.md).
#ifndef RELOG_SERVICES_API_SUBSCRIPTION_FILTER_H_
#define RELOG_SERVICES_API_SUBSCRIPTION_FILTER_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "relog/v1/subscriptions.pb.h"
#include "services/cases/case_parties.h"

namespace relog::api {

class SubscriptionFilter {
 public:
  // INVALID_ARGUMENT naming the field: an unknown event type, an empty
  // value.
  static absl::StatusOr<SubscriptionFilter> FromRequest(
      const relog::v1::SubscribeRequest& request);

  // Whether matching needs the case's parties (an operation, commune or
  // landlord filter): without one, the parties are not tracked.
  bool needs_parties() const {
    return !operations_.empty() || !communes_.empty() || !landlords_.empty();
  }
  bool MatchesType(absl::string_view type) const;
  // An event concerns a party named before it or after it: so a party
  // gets the event that names it, and the one that ends its part, and
  // nothing later.
  bool MatchesParties(const cases::CaseParties& before,
                      const cases::CaseParties& after) const;

 private:
  std::set<std::string, std::less<>> types_;
  std::set<std::string> operations_;
  std::set<std::string> communes_;
  std::set<std::string> landlords_;
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_SUBSCRIPTION_FILTER_H_
