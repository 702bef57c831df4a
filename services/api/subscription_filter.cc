#include "services/api/subscription_filter.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/cases/domain_errors.h"
#include "services/cases/event_codec.h"

namespace relog::api {
namespace {

// Copies `values` into `out`; INVALID_ARGUMENT naming `field` for an empty
// one.
template <typename Set>
absl::Status Collect(
    const google::protobuf::RepeatedPtrField<std::string>& values,
    absl::string_view field, Set& out) {
  for (int i = 0; i < values.size(); ++i) {
    if (values[i].empty()) {
      return cases::InvalidField(absl::StrCat(field, "[", i, "]"),
                                 reason::kFieldRequired, "must not be empty");
    }
    out.insert(values[i]);
  }
  return absl::OkStatus();
}

bool Intersects(const std::set<std::string>& wanted,
                const std::set<std::string>& named) {
  return std::any_of(named.begin(), named.end(),
                     [&](const std::string& v) { return wanted.count(v) > 0; });
}

bool NamesOperation(const std::set<std::string>& wanted,
                    const cases::CaseParties& parties) {
  return !parties.operation_id.empty() &&
         wanted.count(parties.operation_id) > 0;
}

}  // namespace

absl::StatusOr<SubscriptionFilter> SubscriptionFilter::FromRequest(
    const relog::v1::SubscribeRequest& request) {
  SubscriptionFilter filter;
  const std::vector<std::string> known = cases::AllCaseEventTypes();
  for (int i = 0; i < request.event_types_size(); ++i) {
    const std::string& type = request.event_types(i);
    if (std::find(known.begin(), known.end(), type) == known.end()) {
      return cases::InvalidField(
          absl::StrCat("event_types[", i, "]"), reason::kValueOutOfRange,
          absl::StrCat("\"", type,
                       "\" is not a case event type (docs/EVENTS.md lists "
                       "them, e.g. relog.v1.OfferMade)"));
    }
    filter.types_.insert(type);
  }
  if (absl::Status s =
          Collect(request.operation_ids(), "operation_ids", filter.operations_);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          Collect(request.commune_insees(), "commune_insees", filter.communes_);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          Collect(request.landlord_ids(), "landlord_ids", filter.landlords_);
      !s.ok()) {
    return s;
  }
  return filter;
}

bool SubscriptionFilter::MatchesType(absl::string_view type) const {
  return types_.empty() || types_.find(type) != types_.end();
}

bool SubscriptionFilter::MatchesParties(const cases::CaseParties& before,
                                        const cases::CaseParties& after) const {
  if (!operations_.empty() && !NamesOperation(operations_, before) &&
      !NamesOperation(operations_, after)) {
    return false;
  }
  if (!communes_.empty() && !Intersects(communes_, before.communes) &&
      !Intersects(communes_, after.communes)) {
    return false;
  }
  if (!landlords_.empty() && !Intersects(landlords_, before.landlords) &&
      !Intersects(landlords_, after.landlords)) {
    return false;
  }
  return true;
}

}  // namespace relog::api
