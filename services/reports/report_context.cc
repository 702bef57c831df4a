#include "services/reports/report_context.h"

#include "absl/strings/str_cat.h"
#include "services/cases/domain_errors.h"
#include "services/reports/definitions.h"
#include "storage/errors.h"

namespace relog::reports {
namespace {

absl::Status Invalid(const std::string& field, const std::string& rule) {
  return cases::InvalidField(field, reason::kValueOutOfRange, rule);
}

}  // namespace

absl::StatusOr<ReportQuery> ValidateReportRequest(
    const relog::v1::GetReportRequest& request) {
  ReportQuery query;
  if (request.report() == relog::v1::REPORT_KIND_UNSPECIFIED ||
      !relog::v1::ReportKind_IsValid(request.report())) {
    return cases::InvalidField("report", reason::kFieldRequired,
                               "name one of the reports (progress, …)");
  }
  query.kind = request.report();
  const bool has_period =
      !request.period().from().empty() || !request.period().to().empty();
  if ((request.year() != 0) == has_period) {
    return cases::InvalidField("year", reason::kFieldRequired,
                               "give exactly one of year and period");
  }
  if (request.year() != 0) {
    if (request.year() < 2000 || request.year() > 2100) {
      return Invalid("year", "must be between 2000 and 2100");
    }
    query.from = absl::CivilDay(request.year(), 1, 1);
    query.to = absl::CivilDay(request.year() + 1, 1, 1);
  } else {
    if (!absl::ParseCivilTime(request.period().from(), &query.from) ||
        absl::FormatCivilTime(query.from) != request.period().from()) {
      return Invalid("period.from", "must be a date YYYY-MM-DD");
    }
    if (!absl::ParseCivilTime(request.period().to(), &query.to) ||
        absl::FormatCivilTime(query.to) != request.period().to()) {
      return Invalid("period.to", "must be a date YYYY-MM-DD");
    }
    if (query.to <= query.from) {
      return Invalid("period.to", "must be after period.from ([from, to))");
    }
  }
  query.last_day = query.to - 1;
  if (request.rent_increase_threshold_cents() < 0) {
    return Invalid("rent_increase_threshold_cents", "must not be negative");
  }
  query.rent_increase_threshold_cents = request.rent_increase_threshold_cents();
  query.filters = request.filters();
  return query;
}

bool ReportContext::InBody(const std::string& commune,
                           absl::CivilDay on) const {
  for (const reference::CoordinationBodyMember* member :
       reference_.CoordinationBodyMembers(query_.filters.coordination_body_id(),
                                          on)) {
    if (member->insee == commune) return true;
  }
  return false;
}

bool ReportContext::PartyMatches(const std::string& landlord,
                                 const std::string& commune,
                                 absl::CivilDay on) const {
  const relog::v1::ReportFilters& f = query_.filters;
  if (!f.landlord_id().empty() && landlord != f.landlord_id()) return false;
  if (!f.commune_insee().empty() && commune != f.commune_insee()) return false;
  if (!f.coordination_body_id().empty() && !InBody(commune, on)) return false;
  return true;
}

bool ReportContext::OperationAndSiteMatch(
    const std::vector<const cases::EffectiveStep*>& steps) const {
  return OperationAndSiteMatch(Identification(steps), IdentifiedOn(steps));
}

bool ReportContext::OperationAndSiteMatch(const CaseSnapshot& snapshot) const {
  return OperationAndSiteMatch(snapshot.identification, snapshot.identified_on);
}

bool ReportContext::OperationAndSiteMatch(
    const relog::v1::HouseholdIdentified* id,
    std::optional<absl::CivilDay> identified_on) const {
  if (id == nullptr || !identified_on.has_value()) return false;
  const relog::v1::ReportFilters& f = query_.filters;
  if (!f.operation_id().empty() && id->operation_id() != f.operation_id()) {
    return false;
  }
  return f.site().empty() ||
         SiteOf(reference_, *id, *identified_on) == f.site();
}

std::vector<const CaseSnapshot*> ReportContext::RehousedInPeriod() const {
  std::vector<const CaseSnapshot*> rehoused;
  for (const CaseSnapshot* snapshot : cases_) {
    const std::optional<Rehousing>& rehousing = snapshot->rehousing;
    if (!rehousing.has_value() || !InPeriod(rehousing->moved_on)) continue;
    const relog::v1::DwellingFacts& arrival =
        rehousing->lease->dwelling().facts();
    if (OriginOrArrivalMatches(*snapshot, arrival.landlord_id(),
                               arrival.commune_insee(), rehousing->moved_on)) {
      rehoused.push_back(snapshot);
    }
  }
  return rehoused;
}

bool ReportContext::OriginMatches(const CaseSnapshot& snapshot,
                                  absl::CivilDay on) const {
  if (!OperationAndSiteMatch(snapshot)) return false;
  const relog::v1::DwellingFacts& origin =
      snapshot.identification->origin().facts();
  return PartyMatches(origin.landlord_id(), origin.commune_insee(), on);
}

bool ReportContext::OriginOrArrivalMatches(const CaseSnapshot& snapshot,
                                           const std::string& arrival_landlord,
                                           const std::string& arrival_commune,
                                           absl::CivilDay on) const {
  if (!OperationAndSiteMatch(snapshot)) return false;
  const relog::v1::ReportFilters& f = query_.filters;
  const relog::v1::DwellingFacts& origin =
      snapshot.identification->origin().facts();
  if (!f.landlord_id().empty() && origin.landlord_id() != f.landlord_id() &&
      arrival_landlord != f.landlord_id()) {
    return false;
  }
  if (!f.commune_insee().empty() &&
      origin.commune_insee() != f.commune_insee() &&
      arrival_commune != f.commune_insee()) {
    return false;
  }
  if (!f.coordination_body_id().empty() &&
      !InBody(origin.commune_insee(), on) && !InBody(arrival_commune, on)) {
    return false;
  }
  return true;
}

}  // namespace relog::reports
