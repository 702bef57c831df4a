// Report 4's commitment figures (docs/REPORTS.md "4. Commitments"), shared
// by the commitments report and the inter-commune reciprocity report (3:
// "each commune's achievement vs its commitment ... as in 4"), so that the
// two answers can never disagree. Defined in commitments_report.cc.
#ifndef RELOG_SERVICES_REPORTS_COMMITMENT_FIGURES_H_
#define RELOG_SERVICES_REPORTS_COMMITMENT_FIGURES_H_

#include <string>
#include <vector>

#include "relog/v1/reports.pb.h"
#include "services/reference/reference_data.h"
#include "services/reports/report_context.h"

namespace relog::reports {

// One row per party of `kinds` (communes then landlords, each in id order)
// that has a commitment on the period's last day (FindCommitment): target
// households, achieved over [period_from, min(period_to, to)) (D3, diagonal
// included, "of which from elsewhere"), gap, rate, minimum and achieved
// new-build share (D9). A party row is kept when the party passes the
// filters of its own kind (commune / coordination body for communes,
// landlord for landlords); the rehousings counted pass PartyMatches on
// their arrival and the operation / site filters on their origin.
relog::v1::ReportTable CommitmentsTable(
    const ReportContext& context,
    const std::vector<reference::PartyKind>& kinds, const std::string& id,
    const std::string& title);

}  // namespace relog::reports

#endif  // RELOG_SERVICES_REPORTS_COMMITMENT_FIGURES_H_
