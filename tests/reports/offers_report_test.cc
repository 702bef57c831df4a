// Offers and refusals (docs/REPORTS.md "### 8. Offers and refusals").
// REPORTS.md gives no hand-computed figures for it: the expected figures
// are computed by hand below (the arithmetic in the comments), over the
// shared fixture (known now, at T2 and at T1), and over two more cases
// built step by step (K7: three counted offers, a withdrawal, a CAL
// refusal; K8: a counted refusal, then rehoused). The fixture cannot open
// a new case through Record() (every one of its cases is rehoused or
// closed, so no decohabitation can open one): K7 and K8 are folded here
// and given to the builder directly, with the fixture's reference data.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "relog/v1/case_events.pb.h"
#include "services/cases/case_state.h"
#include "services/reports/definitions.h"
#include "services/reports/report_builders.h"
#include "services/reports/report_context.h"
#include "tests/reports/fixture_report_test.h"
#include "tests/reports/report_fixture.h"
#include "tests/reports/report_test_util.h"
#include "tests/testing/status_matchers.h"

namespace relog::reports::testing {
namespace {

using relog::v1::CaseStep;
using relog::v1::REPORT_KIND_OFFERS;

absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }

// Expects the row keyed `keys` of `table_id` to have `cells` (column id →
// text).
void ExpectRow(const ReportTables& tables, const std::string& table_id,
               const std::vector<std::string>& keys,
               const std::vector<std::pair<std::string, std::string>>& cells) {
  const relog::v1::ReportTable* table = FindTable(tables, table_id);
  ASSERT_NE(table, nullptr) << table_id;
  const relog::v1::ReportRow* row = FindRow(*table, keys);
  ASSERT_NE(row, nullptr) << table_id << " " << keys.front();
  for (const auto& [column, text] : cells) {
    EXPECT_EQ(Cell(*table, *row, column), text)
        << table_id << " " << keys.front() << " " << column;
  }
}

// offers_per_household row: households, offer_count, mean, with_0 … 4+.
void ExpectDistribution(const ReportTables& tables, const std::string& kind,
                        const std::vector<std::string>& expected) {
  ExpectRow(tables, "offers_per_household", {kind},
            {{"households", expected[0]},
             {"offer_count", expected[1]},
             {"mean", expected[2]},
             {"with_0", expected[3]},
             {"with_1", expected[4]},
             {"with_2", expected[5]},
             {"with_3", expected[6]},
             {"with_4_plus", expected[7]}});
}

class OffersReportTest : public FixtureReportTest {
 protected:
  ReportTables Run(std::optional<absl::Time> known_at = {},
                   const relog::v1::ReportFilters& filters = {}) {
    relog::v1::GetReportRequest request =
        Request(REPORT_KIND_OFFERS, 2023, filters);
    return RunOrFail(request, known_at);
  }
};

// Rehoused in 2023 (known now): K1, K2, K3, K3b, K4, K5. Offers made on or
// before the move: K2 2 (the temporary offer of 2022-05-02 and the
// definitive one), every other case 1: 7 offers / 6 households = 1.1667 →
// 1.17; 5 with one, 1 with two. No offer of the fixture is refused or
// lapsed: 0 counted, 0 / 6 = 0.00, all 6 with none. No refusal, withdrawal,
// CAL refusal or legal procedure.
TEST_F(OffersReportTest, KnownNow) {
  const ReportTables tables = Run();
  ExpectDistribution(tables, "ALL",
                     {"6", "7", "1.17", "0", "5", "1", "0", "0"});
  ExpectDistribution(tables, "COUNTED",
                     {"6", "0", "0.00", "6", "0", "0", "0", "0"});
  ExpectRow(tables, "refusal_reasons", {"TOTAL"},
            {{"refusals_n", "0"}, {"refusals_d", "0"}, {"refusals_pct", ""}});
  ExpectRow(tables, "refusal_reasons", {"LOCATION"},
            {{"refusals_n", "0"}, {"refusals_d", "0"}});
  ExpectRow(tables, "withdrawals_and_cal_refusals", {"WITHDRAWN", "TOTAL"},
            {{"count", "0"}});
  ExpectRow(tables, "withdrawals_and_cal_refusals", {"CAL_REFUSED"},
            {{"count", "0"}});
  ExpectRow(tables, "legal_procedure_summary", {"TOTAL"},
            {{"entered_in_period", "0"},
             {"in_procedure", "0"},
             {"six_months_ended", "0"}});
  const relog::v1::ReportTable* listed =
      FindTable(tables, "legal_procedure_on_last_day");
  ASSERT_NE(listed, nullptr);
  EXPECT_EQ(listed->rows_size(), 0);
}

// T2 and T1: K5 is not rehoused yet (its move is recorded 2024-02-05):
// 5 households, 6 offers, 6 / 5 = 1.20; 4 with one, 1 (K2) with two.
TEST_F(OffersReportTest, KnownAtT2AndT1) {
  for (absl::Time known_at : {ReportFixture::T2(), ReportFixture::T1()}) {
    SCOPED_TRACE(absl::FormatTime(known_at));
    const ReportTables tables = Run(known_at);
    ExpectDistribution(tables, "ALL",
                       {"5", "6", "1.20", "0", "4", "1", "0", "0"});
    ExpectDistribution(tables, "COUNTED",
                       {"5", "0", "0.00", "5", "0", "0", "0", "0"});
  }
}

// D18 on the origin: OP-LIL-CONCORDE-1 = K3, K3b (2 offers / 2 = 1.00);
// landlord V = K1, K2 (3 / 2 = 1.50; K6 is not rehoused); commune Lille =
// K3, K3b; COORD-ROUBAIX = K1, K2, K5 (4 / 3 = 1.33).
TEST_F(OffersReportTest, Filters) {
  relog::v1::ReportFilters operation;
  operation.set_operation_id("OP-LIL-CONCORDE-1");
  ExpectDistribution(Run({}, operation), "ALL",
                     {"2", "2", "1.00", "0", "2", "0", "0", "0"});
  relog::v1::ReportFilters landlord;
  landlord.set_landlord_id(kLandlordV);
  ExpectDistribution(Run({}, landlord), "ALL",
                     {"2", "3", "1.50", "0", "1", "1", "0", "0"});
  relog::v1::ReportFilters commune;
  commune.set_commune_insee(kLille);
  ExpectDistribution(Run({}, commune), "ALL",
                     {"2", "2", "1.00", "0", "2", "0", "0", "0"});
  relog::v1::ReportFilters body;
  body.set_coordination_body_id("COORD-ROUBAIX");
  ExpectDistribution(Run({}, body), "ALL",
                     {"3", "4", "1.33", "0", "2", "1", "0", "0"});
}

// ---- K7 and K8, folded by hand ----

// One case: its effective steps, and its snapshot cut at a day.
class BuiltCase {
 public:
  explicit BuiltCase(std::string id) : id_(std::move(id)) {}

  void Add(absl::CivilDay on, CaseStep step) {
    cases::EffectiveStep effective;
    effective.version = steps_.size();
    effective.occurred_on = on;
    effective.step = std::move(step);
    steps_.push_back(std::move(effective));
  }

  // The snapshot as FactTable::Read builds it (every step known).
  CaseSnapshot Snapshot(absl::CivilDay last_day) const {
    CaseSnapshot snapshot;
    snapshot.case_id = &id_;
    for (const cases::EffectiveStep& step : steps_) {
      snapshot.all_steps.push_back(&step);
      if (step.occurred_on <= last_day) {
        snapshot.steps.push_back(&step);
        cases::ApplyStep(snapshot.facts, step);
      }
    }
    DeriveSnapshot(snapshot);
    return snapshot;
  }

 private:
  std::string id_;
  std::vector<cases::EffectiveStep> steps_;
};

CaseStep Identified(const std::string& reference) {
  CaseStep step;
  auto* id = step.mutable_household_identified();
  id->set_reference(reference);
  id->set_operation_id("OP-ROU-ALMA");
  id->set_building_id("BAT-C");
  auto* f = id->mutable_origin()->mutable_facts();
  f->set_landlord_id(kLandlordV);
  f->set_commune_insee(kRoubaix);
  f->set_quartier_code("QP059002");
  f->set_typology(relog::v1::TYPOLOGY_T3);
  id->set_occupancy(relog::v1::OCCUPANCY_STATUS_TITULAR_TENANT);
  return step;
}

CaseStep Diagnosed() {
  CaseStep step;
  step.mutable_diagnosis_recorded()->set_adults(1);
  return step;
}

CaseStep Validated() {
  CaseStep step;
  step.mutable_committee_reviewed()->set_decision(
      relog::v1::CommitteeReviewed::DECISION_VALIDATED);
  return step;
}

// A compliant offer in Roubaix, notified the day it is made, 14 days to
// answer.
CaseStep Offer(const std::string& id, absl::CivilDay on) {
  CaseStep step;
  auto* o = step.mutable_offer_made();
  o->set_offer_id(id);
  auto* d = o->mutable_dwelling()->mutable_facts();
  d->set_landlord_id(kLandlordV);
  d->set_commune_insee(kRoubaix);
  d->set_typology(relog::v1::TYPOLOGY_T3);
  d->set_financing(relog::v1::FINANCING_PLUS);
  o->set_reservataire_id("RES-C-59512");
  o->set_notified_on(absl::FormatCivilTime(on));
  o->set_response_deadline(absl::FormatCivilTime(on + 14));
  o->mutable_compliance()->set_needs(relog::v1::COMPLIANCE_COMPLIANT);
  o->mutable_compliance()->set_means(relog::v1::COMPLIANCE_COMPLIANT);
  o->mutable_compliance()->set_location(relog::v1::COMPLIANCE_COMPLIANT);
  return step;
}

CaseStep Refused(const std::string& id,
                 std::vector<relog::v1::RefusalReason> reasons) {
  CaseStep step;
  step.mutable_offer_refused()->set_offer_id(id);
  for (relog::v1::RefusalReason r : reasons) {
    step.mutable_offer_refused()->add_reasons(r);
  }
  return step;
}

CaseStep Lapsed(const std::string& id) {
  CaseStep step;
  step.mutable_offer_lapsed()->set_offer_id(id);
  return step;
}

CaseStep Withdrawn(const std::string& id) {
  CaseStep step;
  step.mutable_offer_withdrawn()->set_offer_id(id);
  step.mutable_offer_withdrawn()->set_reason(
      relog::v1::OfferWithdrawn::REASON_DWELLING_UNAVAILABLE);
  return step;
}

CaseStep Accepted(const std::string& id) {
  CaseStep step;
  step.mutable_offer_accepted()->set_offer_id(id);
  return step;
}

CaseStep Cal(const std::string& id,
             relog::v1::CalDecisionRecorded::Decision decision) {
  CaseStep step;
  step.mutable_cal_decision_recorded()->set_offer_id(id);
  step.mutable_cal_decision_recorded()->set_decision(decision);
  return step;
}

CaseStep Leased(const std::string& id) {
  CaseStep step;
  auto* l = step.mutable_lease_signed();
  l->set_offer_id(id);
  l->set_kind(relog::v1::LEASE_KIND_DEFINITIVE);
  l->mutable_dwelling()->mutable_facts()->set_landlord_id(kLandlordV);
  l->mutable_dwelling()->mutable_facts()->set_commune_insee(kRoubaix);
  return step;
}

CaseStep Moved() {
  CaseStep step;
  step.mutable_household_moved();
  return step;
}

// K7 (OP-ROU-ALMA BAT-C, V, Roubaix), never rehoused:
//   offer 1 2023-03-01, refused 2023-03-10 (LOCATION, RENT_TOO_HIGH,
//     LOCATION again: one count per code);
//   offer 2 2023-04-03, deadline 2023-04-17, lapsed 2023-04-20;
//   offer 3 2023-05-02, refused 2023-05-12 (RENT_TOO_HIGH): third counted
//     offer → legal procedure since 2023-05-02, entered 2023-05-12, end
//     LegalProcedureEnd(2023-05-02) = 2023-11-02;
//   offer 4 2023-06-01, withdrawn 2023-06-05 (DWELLING_UNAVAILABLE);
//   offer 5 2023-07-03, accepted 2023-07-10, refused by the CAL 2023-07-20
//     → READY_FOR_OFFERS on 2023-12-31.
// K8 (same building), rehoused: offer 1 2023-03-15 refused 2023-03-20
//   (FAMILY_OR_SCHOOL), offer 2 2023-04-03 accepted, CAL 2023-05-02, lease
//   2023-05-15, move 2023-06-01.
class OffersBuiltCasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = ReportFixture::Create();
    ASSERT_NE(fixture_, nullptr);
    using relog::v1::CalDecisionRecorded;
    k7_.Add(D(2023, 1, 16), Identified("MEL-FIX-K7"));
    k7_.Add(D(2023, 2, 1), Diagnosed());
    k7_.Add(D(2023, 2, 10), Validated());
    k7_.Add(D(2023, 3, 1), Offer("1", D(2023, 3, 1)));
    k7_.Add(D(2023, 3, 10),
            Refused("1", {relog::v1::REFUSAL_REASON_LOCATION,
                          relog::v1::REFUSAL_REASON_RENT_TOO_HIGH,
                          relog::v1::REFUSAL_REASON_LOCATION}));
    k7_.Add(D(2023, 4, 3), Offer("2", D(2023, 4, 3)));
    k7_.Add(D(2023, 4, 20), Lapsed("2"));
    k7_.Add(D(2023, 5, 2), Offer("3", D(2023, 5, 2)));
    k7_.Add(D(2023, 5, 12),
            Refused("3", {relog::v1::REFUSAL_REASON_RENT_TOO_HIGH}));
    k7_.Add(D(2023, 6, 1), Offer("4", D(2023, 6, 1)));
    k7_.Add(D(2023, 6, 5), Withdrawn("4"));
    k7_.Add(D(2023, 7, 3), Offer("5", D(2023, 7, 3)));
    k7_.Add(D(2023, 7, 10), Accepted("5"));
    k7_.Add(D(2023, 7, 20), Cal("5", CalDecisionRecorded::DECISION_REFUSED));

    k8_.Add(D(2023, 2, 1), Identified("MEL-FIX-K8"));
    k8_.Add(D(2023, 2, 15), Diagnosed());
    k8_.Add(D(2023, 3, 1), Validated());
    k8_.Add(D(2023, 3, 15), Offer("1", D(2023, 3, 15)));
    k8_.Add(D(2023, 3, 20),
            Refused("1", {relog::v1::REFUSAL_REASON_FAMILY_OR_SCHOOL}));
    k8_.Add(D(2023, 4, 3), Offer("2", D(2023, 4, 3)));
    k8_.Add(D(2023, 4, 10), Accepted("2"));
    k8_.Add(D(2023, 5, 2), Cal("2", CalDecisionRecorded::DECISION_ALLOCATED));
    k8_.Add(D(2023, 5, 15), Leased("2"));
    k8_.Add(D(2023, 6, 1), Moved());
  }

  ReportTables Year(int year, const relog::v1::ReportFilters& filters = {}) {
    relog::v1::GetReportRequest request;
    request.set_report(REPORT_KIND_OFFERS);
    request.set_year(year);
    *request.mutable_filters() = filters;
    absl::StatusOr<ReportQuery> query = ValidateReportRequest(request);
    EXPECT_OK(query.status());
    if (!query.ok()) return {};
    const CaseSnapshot k7 = k7_.Snapshot(query->last_day);
    const CaseSnapshot k8 = k8_.Snapshot(query->last_day);
    const ReportContext context(*query, fixture_->reference(), {&k7, &k8});
    return OffersReport(context);
  }

  std::unique_ptr<ReportFixture> fixture_;
  BuiltCase k7_{"k7"}, k8_{"k8"};
};

// The state the hand computation assumes.
TEST_F(OffersBuiltCasesTest, FoldedAsExpected) {
  const CaseSnapshot k7 = k7_.Snapshot(D(2023, 12, 31));
  EXPECT_EQ(k7.facts.phase, cases::Phase::kReadyForOffers);
  EXPECT_EQ(k7.facts.CountedOffers(), 3);
  ASSERT_TRUE(k7.facts.legal_procedure_since.has_value());
  EXPECT_EQ(*k7.facts.legal_procedure_since, D(2023, 5, 2));
  EXPECT_EQ(cases::LegalProcedureEnd(D(2023, 5, 2)), D(2023, 11, 2));
  const CaseSnapshot k8 = k8_.Snapshot(D(2023, 12, 31));
  EXPECT_EQ(k8.facts.phase, cases::Phase::kRehoused);
  EXPECT_EQ(k8.facts.CountedOffers(), 1);
}

// 2023. Rehoused: K8 only, 2 offers (1 counted): ALL 1 / 2 / 2.00 / one
// with two; COUNTED 1 / 1 / 1.00 / one with one. Refusals: K7 2, K8 1 = 3;
// reasons LOCATION 1 (K7's first, once although given twice) = 1/3 =
// 33.3 %, RENT_TOO_HIGH 2 (K7's first and third) = 2/3 = 66.7 %,
// FAMILY_OR_SCHOOL 1 (K8) = 33.3 %, others 0/3 = 0.0 %; TOTAL 3/3 = 100.0.
// Withdrawals 1 (DWELLING_UNAVAILABLE), CAL refusals 1. Legal procedure:
// K7 entered on 2023-05-12 and is in it on 2023-12-31, its six months
// ended on 2023-11-02.
TEST_F(OffersBuiltCasesTest, Year2023) {
  const ReportTables tables = Year(2023);
  ExpectDistribution(tables, "ALL",
                     {"1", "2", "2.00", "0", "0", "1", "0", "0"});
  ExpectDistribution(tables, "COUNTED",
                     {"1", "1", "1.00", "0", "1", "0", "0", "0"});
  ExpectRow(
      tables, "refusal_reasons", {"LOCATION"},
      {{"refusals_n", "1"}, {"refusals_d", "3"}, {"refusals_pct", "33.3"}});
  ExpectRow(
      tables, "refusal_reasons", {"RENT_TOO_HIGH"},
      {{"refusals_n", "2"}, {"refusals_d", "3"}, {"refusals_pct", "66.7"}});
  ExpectRow(tables, "refusal_reasons", {"FAMILY_OR_SCHOOL"},
            {{"refusals_n", "1"}, {"refusals_pct", "33.3"}});
  ExpectRow(tables, "refusal_reasons", {"TOO_SMALL"},
            {{"refusals_n", "0"}, {"refusals_pct", "0.0"}});
  ExpectRow(
      tables, "refusal_reasons", {"TOTAL"},
      {{"refusals_n", "3"}, {"refusals_d", "3"}, {"refusals_pct", "100.0"}});
  const relog::v1::ReportTable* reasons = FindTable(tables, "refusal_reasons");
  ASSERT_NE(reasons, nullptr);
  EXPECT_EQ(reasons->rows_size(), 11);  // the ten codes and TOTAL

  ExpectRow(tables, "withdrawals_and_cal_refusals",
            {"WITHDRAWN", "DWELLING_UNAVAILABLE"}, {{"count", "1"}});
  ExpectRow(tables, "withdrawals_and_cal_refusals",
            {"WITHDRAWN", "ALLOCATED_TO_ANOTHER"}, {{"count", "0"}});
  ExpectRow(tables, "withdrawals_and_cal_refusals", {"WITHDRAWN", "TOTAL"},
            {{"count", "1"}});
  ExpectRow(tables, "withdrawals_and_cal_refusals", {"CAL_REFUSED"},
            {{"count", "1"}});

  ExpectRow(tables, "legal_procedure_summary", {"TOTAL"},
            {{"entered_in_period", "1"},
             {"in_procedure", "1"},
             {"six_months_ended", "1"}});
  const std::vector<std::pair<std::string, std::string>> k7 = {
      {"operation_id", "OP-ROU-ALMA"},    {"origin_landlord_id", kLandlordV},
      {"origin_commune_insee", kRoubaix}, {"procedure_since", "2023-05-02"},
      {"entered_on", "2023-05-12"},       {"procedure_ends", "2023-11-02"},
      {"state", "READY_FOR_OFFERS"}};
  ExpectRow(tables, "legal_procedure_entered", {"MEL-FIX-K7"}, k7);
  ExpectRow(tables, "legal_procedure_on_last_day", {"MEL-FIX-K7"}, k7);
  for (const char* id :
       {"legal_procedure_entered", "legal_procedure_on_last_day"}) {
    const relog::v1::ReportTable* table = FindTable(tables, id);
    ASSERT_NE(table, nullptr);
    EXPECT_EQ(table->rows_size(), 1) << id;
  }
}

// 2024: nothing happens; K7 is still in the procedure on 2024-12-31 but did
// not enter it in 2024. No refusal in 2024: every share empty (0 / 0).
TEST_F(OffersBuiltCasesTest, Year2024) {
  const ReportTables tables = Year(2024);
  ExpectDistribution(tables, "ALL", {"0", "0", "", "0", "0", "0", "0", "0"});
  ExpectRow(tables, "refusal_reasons", {"TOTAL"},
            {{"refusals_n", "0"}, {"refusals_pct", ""}});
  ExpectRow(tables, "legal_procedure_summary", {"TOTAL"},
            {{"entered_in_period", "0"},
             {"in_procedure", "1"},
             {"six_months_ended", "1"}});
  const relog::v1::ReportTable* entered =
      FindTable(tables, "legal_procedure_entered");
  ASSERT_NE(entered, nullptr);
  EXPECT_EQ(entered->rows_size(), 0);
  ExpectRow(tables, "legal_procedure_on_last_day", {"MEL-FIX-K7"},
            {{"procedure_ends", "2023-11-02"}});
}

// Over [2023-01-01, 2023-05-01) K7 has two counted offers only (its first
// refusal and the lapse): no procedure. Refusals: K7's first and K8's = 2.
TEST_F(OffersBuiltCasesTest, BeforeTheThirdOffer) {
  relog::v1::GetReportRequest request;
  request.set_report(REPORT_KIND_OFFERS);
  request.mutable_period()->set_from("2023-01-01");
  request.mutable_period()->set_to("2023-05-01");
  absl::StatusOr<ReportQuery> query = ValidateReportRequest(request);
  ASSERT_OK(query.status());
  const CaseSnapshot k7 = k7_.Snapshot(query->last_day);
  const CaseSnapshot k8 = k8_.Snapshot(query->last_day);
  const ReportTables tables =
      OffersReport(ReportContext(*query, fixture_->reference(), {&k7, &k8}));
  ExpectRow(tables, "refusal_reasons", {"TOTAL"}, {{"refusals_n", "2"}});
  ExpectRow(tables, "legal_procedure_summary", {"TOTAL"},
            {{"entered_in_period", "0"}, {"in_procedure", "0"}});
}

// The origin filters apply to these cases too: landlord L has none of them.
TEST_F(OffersBuiltCasesTest, FilteredOut) {
  relog::v1::ReportFilters landlord;
  landlord.set_landlord_id(kLandlordL);
  const ReportTables tables = Year(2023, landlord);
  ExpectRow(tables, "refusal_reasons", {"TOTAL"}, {{"refusals_n", "0"}});
  ExpectRow(tables, "legal_procedure_summary", {"TOTAL"},
            {{"entered_in_period", "0"}, {"in_procedure", "0"}});
  relog::v1::ReportFilters body;
  body.set_coordination_body_id("COORD-ROUBAIX");
  ExpectRow(Year(2023, body), "refusal_reasons", {"TOTAL"},
            {{"refusals_n", "3"}});
}

}  // namespace
}  // namespace relog::reports::testing
