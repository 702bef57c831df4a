// What every report builder receives: the validated request, the cases as
// known at the report's position, and the reference data known there; and
// the filters of docs/REPORTS.md D18.
#ifndef RELOG_SERVICES_REPORTS_REPORT_CONTEXT_H_
#define RELOG_SERVICES_REPORTS_REPORT_CONTEXT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "relog/v1/reports.pb.h"
#include "services/reference/reference_data.h"
#include "services/reports/fact_table.h"

namespace relog::reports {

// A GetReportRequest once validated.
struct ReportQuery {
  relog::v1::ReportKind kind = relog::v1::REPORT_KIND_UNSPECIFIED;
  // The period [from, to); last_day = to − 1 (the day stocks are taken).
  absl::CivilDay from, to, last_day;
  relog::v1::ReportFilters filters;
  int64_t rent_increase_threshold_cents = 0;
};

// Checks the request's report, period (`year`, or `period.from` <
// `period.to`, both YYYY-MM-DD) and threshold. INVALID_ARGUMENT with a
// field violation naming the field and the rule.
absl::StatusOr<ReportQuery> ValidateReportRequest(
    const relog::v1::GetReportRequest& request);

class ReportContext {
 public:
  // Every reference must outlive the context. `cases` are every case known
  // at the report's position (excluded ones, D2, already removed).
  ReportContext(const ReportQuery& query,
                const reference::ReferenceData& reference,
                std::vector<const CaseSnapshot*> cases)
      : query_(query), reference_(reference), cases_(std::move(cases)) {}

  const ReportQuery& query() const { return query_; }
  const reference::ReferenceData& reference() const { return reference_; }
  const std::vector<const CaseSnapshot*>& cases() const { return cases_; }

  bool InPeriod(absl::CivilDay day) const {
    return day >= query_.from && day < query_.to;
  }

  // D18's filters on the origin alone, operation and site, over the
  // identification among `steps` (a snapshot's `steps`, or `all_steps`
  // for a figure placed at any date). False without an identification.
  bool OperationAndSiteMatch(
      const std::vector<const cases::EffectiveStep*>& steps) const;
  // The same over a snapshot's `steps` (its derived identification).
  bool OperationAndSiteMatch(const CaseSnapshot& snapshot) const;
  // D18 on the origin only (Progress, Delays, Offers): operation, site,
  // origin landlord, origin commune, and the origin commune a member of
  // the coordination body on `on`. A case with no identification (cut
  // off) never matches.
  bool OriginMatches(const CaseSnapshot& snapshot, absl::CivilDay on) const;
  // D18 on origin or arrival (Reciprocity, New-build, Quality): operation
  // and site of the origin; landlord, commune and body matched by the
  // origin or by the arrival's `arrival_landlord` / `arrival_commune`.
  bool OriginOrArrivalMatches(const CaseSnapshot& snapshot,
                              const std::string& arrival_landlord,
                              const std::string& arrival_commune,
                              absl::CivilDay on) const;
  // The cases whose definitive rehousing (D3, on `steps`) moved in the
  // period and passes OriginOrArrivalMatches on its arrival, in case
  // order: the population of Reciprocity, New-build (a) and Quality.
  std::vector<const CaseSnapshot*> RehousedInPeriod() const;
  // The arrival-side filters alone (no origin), for figures keyed by the
  // receiving party (commitments, allocations): landlord, commune, body.
  bool PartyMatches(const std::string& landlord, const std::string& commune,
                    absl::CivilDay on) const;

 private:
  bool InBody(const std::string& commune, absl::CivilDay on) const;
  bool OperationAndSiteMatch(const relog::v1::HouseholdIdentified* id,
                             std::optional<absl::CivilDay> identified_on) const;

  const ReportQuery& query_;
  const reference::ReferenceData& reference_;
  const std::vector<const CaseSnapshot*> cases_;
};

}  // namespace relog::reports

#endif  // RELOG_SERVICES_REPORTS_REPORT_CONTEXT_H_
