// Report 5 against docs/REPORTS.md "New-build ratio (2023)" (known now and
// at T2; by landlord, commune, operation), the IML tables, and part (b)
// with and without programmes.csv declared complete.
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/reference/reference_files.h"
#include "services/reference/reference_stream.h"
#include "tests/reports/fixture_report_test.h"
#include "tests/reports/report_fixture.h"
#include "tests/reports/report_test_util.h"
#include "tests/testing/status_matchers.h"

namespace relog::reports::testing {
namespace {

constexpr char kV[] = "999000011";
constexpr char kL[] = "999000029";
constexpr char kP[] = "999000037";

class NewBuildReportTest : public FixtureReportTest {
 protected:
  ReportTables Run(int year = 2023, std::optional<absl::Time> known_at = {},
                   relog::v1::ReportFilters filters = {}) {
    relog::v1::GetReportRequest request =
        Request(relog::v1::REPORT_KIND_NEW_BUILD, year, filters);
    return RunOrFail(request, known_at);
  }

  // Loads the MEL sample again with programmes.csv declared complete over
  // [2016-01-01, 2025-01-01) (known from now on).
  void DeclareProgrammesComplete() {
    ASSERT_OK(fixture_->DeclareComplete("programmes.csv",
                                        absl::CivilDay(2016, 1, 1),
                                        absl::CivilDay(2025, 1, 1)));
  }
};

// "n/d pct unknown" of a ratio row.
std::string RatioOf(const relog::v1::ReportTable* table,
                    const std::string& key) {
  if (table == nullptr) return "<no table>";
  const relog::v1::ReportRow* row = FindRow(*table, {key});
  if (row == nullptr) return "<no row>";
  return Cell(*table, *row, "new_build_n") + "/" +
         Cell(*table, *row, "new_build_d") + " " +
         Cell(*table, *row, "new_build_pct") + " " +
         Cell(*table, *row, "age_unknown");
}

TEST_F(NewBuildReportTest, RatioKnownNow) {
  const ReportTables tables = Run();
  const relog::v1::ReportTable* landlord =
      FindTable(tables, "ratio_by_landlord");
  const relog::v1::ReportTable* commune = FindTable(tables, "ratio_by_commune");
  const relog::v1::ReportTable* operation =
      FindTable(tables, "ratio_by_operation");
  // Overall 4 / 6 = 66.7 % (K1, K3, K3b, K4).
  EXPECT_EQ(RatioOf(landlord, "TOTAL"), "4/6 66.7 0");
  EXPECT_EQ(RatioOf(commune, "TOTAL"), "4/6 66.7 0");
  EXPECT_EQ(RatioOf(operation, "TOTAL"), "4/6 66.7 0");
  // By receiving landlord: V 1/3 (K3), L 1/1 (K4), P 2/2.
  EXPECT_EQ(RatioOf(landlord, kV), "1/3 33.3 0");
  EXPECT_EQ(RatioOf(landlord, kL), "1/1 100.0 0");
  EXPECT_EQ(RatioOf(landlord, kP), "2/2 100.0 0");
  ASSERT_NE(landlord, nullptr);
  EXPECT_EQ(landlord->rows_size(), 4);
  EXPECT_EQ(CellText(landlord->rows(3).cells(0)), "TOTAL");
  // By arrival commune: Tourcoing 2/3, Lille 2/2, Roubaix 0/1.
  EXPECT_EQ(RatioOf(commune, "59599"), "2/3 66.7 0");
  EXPECT_EQ(RatioOf(commune, "59350"), "2/2 100.0 0");
  EXPECT_EQ(RatioOf(commune, "59512"), "0/1 0.0 0");
  // By operation: OP-ROU-ALMA 1/3, OP-LIL-CONCORDE-1 2/2,
  // OP-MON-NOUVEAUMONS 1/1.
  EXPECT_EQ(RatioOf(operation, "OP-ROU-ALMA"), "1/3 33.3 0");
  EXPECT_EQ(RatioOf(operation, "OP-LIL-CONCORDE-1"), "2/2 100.0 0");
  EXPECT_EQ(RatioOf(operation, "OP-MON-NOUVEAUMONS"), "1/1 100.0 0");
  ASSERT_NE(commune, nullptr);
  const relog::v1::ReportRow* lille = FindRow(*commune, {"59350"});
  ASSERT_NE(lille, nullptr);
  EXPECT_EQ(Cell(*commune, *lille, "name"), "Lille");
  EXPECT_EQ(Cell(*commune, *lille, "older"), "0");
}

TEST_F(NewBuildReportTest, RatioKnownAtT2) {
  const ReportTables tables = Run(2023, ReportFixture::T2());
  // K5 (older) absent: 4 / 5 = 80.0 %; V 1/2; Tourcoing 2/2; ALMA 1/2.
  EXPECT_EQ(RatioOf(FindTable(tables, "ratio_by_landlord"), "TOTAL"),
            "4/5 80.0 0");
  EXPECT_EQ(RatioOf(FindTable(tables, "ratio_by_landlord"), kV), "1/2 50.0 0");
  EXPECT_EQ(RatioOf(FindTable(tables, "ratio_by_commune"), "59599"),
            "2/2 100.0 0");
  EXPECT_EQ(RatioOf(FindTable(tables, "ratio_by_operation"), "OP-ROU-ALMA"),
            "1/2 50.0 0");
}

TEST_F(NewBuildReportTest, OperationAndLandlordFilters) {
  relog::v1::ReportFilters filters;
  filters.set_operation_id("OP-ROU-ALMA");
  ReportTables tables = Run(2023, {}, filters);
  // K1 (new), K2, K5 (older).
  EXPECT_EQ(RatioOf(FindTable(tables, "ratio_by_landlord"), "TOTAL"),
            "1/3 33.3 0");
  filters.Clear();
  filters.set_landlord_id(kL);
  tables = Run(2023, {}, filters);
  // From or to L: K3 (L→V, new), K3b (L→P, new), K4 (P→L, new), K5 (L→V).
  EXPECT_EQ(RatioOf(FindTable(tables, "ratio_by_landlord"), "TOTAL"),
            "3/4 75.0 0");
  EXPECT_EQ(RatioOf(FindTable(tables, "ratio_by_landlord"), kV), "1/2 50.0 0");
}

TEST_F(NewBuildReportTest, ImlEligibility) {
  const ReportTables tables = Run();
  const relog::v1::ReportTable* table = FindTable(tables, "iml_eligible");
  ASSERT_NE(table, nullptr);
  // New or under 5: K1, K3, K3b, K4, all in APL zone 2 (ceilings
  // 2022-10-01 … 2023-10-01): K1 WITH_DEPENDANTS (2) 37200 + 5400 = 42600
  // < rent 48000; K3 same 42600 < 50000; K3b SINGLE 27000 < 32000; K4
  // WITH_DEPENDANTS (1) 37200 < 45000: none eligible.
  const relog::v1::ReportRow* total = FindRow(*table, {"TOTAL"});
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(Cell(*table, *total, "new_build"), "4");
  EXPECT_EQ(Cell(*table, *total, "iml_eligible"), "0");
  EXPECT_EQ(Cell(*table, *total, "eligibility_unknown"), "0");
  EXPECT_EQ(Cell(*table, *total, "iml_amount"), "0.00");
  const relog::v1::ReportRow* p = FindRow(*table, {kP});
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Cell(*table, *p, "new_build"), "2");

  const relog::v1::ReportTable* claims = FindTable(tables, "iml_claims");
  ASSERT_NE(claims, nullptr);
  ASSERT_EQ(claims->rows_size(), 1);  // no claim recorded: TOTAL only
  EXPECT_EQ(Cell(*claims, claims->rows(0), "claimed"), "0");
}

TEST_F(NewBuildReportTest, NewOfferNotCovered) {
  const ReportTables tables = Run();
  for (const char* id : {"new_offer", "plai_share"}) {
    const relog::v1::ReportTable* table = FindTable(tables, id);
    ASSERT_NE(table, nullptr) << id;
    EXPECT_EQ(table->rows_size(), 0) << id;
    ASSERT_EQ(table->notes_size(), 1) << id;
    EXPECT_NE(table->notes(0).find("programmes.csv is not declared complete"),
              std::string::npos);
  }
}

TEST_F(NewBuildReportTest, NewOfferCovered2022) {
  DeclareProgrammesComplete();
  const ReportTables tables = Run(2022);
  const relog::v1::ReportTable* offer = FindTable(tables, "new_offer");
  ASSERT_NE(offer, nullptr);
  // Delivered in 2022: PRG-003 (2022-11-15, 26 dwellings, P, Tourcoing)
  // and PRG-020 (2022-12-15, 45). Rehousings into them new at the move,
  // moved at any date: K1 and K3b into PRG-003 (2023) → 2/26 = 7.7 %;
  // total 2/71 = 2.8 %.
  ASSERT_EQ(offer->rows_size(), 3);
  const relog::v1::ReportRow* prg3 = FindRow(*offer, {"PRG-003"});
  ASSERT_NE(prg3, nullptr);
  EXPECT_EQ(Cell(*offer, *prg3, "mobilised_n"), "2");
  EXPECT_EQ(Cell(*offer, *prg3, "mobilised_d"), "26");
  EXPECT_EQ(Cell(*offer, *prg3, "mobilised_pct"), "7.7");
  EXPECT_EQ(Cell(*offer, *prg3, "delivered_on"), "2022-11-15");
  const relog::v1::ReportRow* total = FindRow(*offer, {"TOTAL"});
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(Cell(*offer, *total, "mobilised_n"), "2");
  EXPECT_EQ(Cell(*offer, *total, "mobilised_d"), "71");
  EXPECT_EQ(Cell(*offer, *total, "mobilised_pct"), "2.8");

  const relog::v1::ReportTable* plai = FindTable(tables, "plai_share");
  ASSERT_NE(plai, nullptr);
  // PRG-003 mixed 8 PLAI of 26 = 30.8 %; PRG-020 PLAI 45/45; total
  // 53/71 = 74.6 %, above the 25–30 % range.
  const relog::v1::ReportRow* p3 = FindRow(*plai, {"PRG-003"});
  ASSERT_NE(p3, nullptr);
  EXPECT_EQ(Cell(*plai, *p3, "plai_pct"), "30.8");
  const relog::v1::ReportRow* plai_total = FindRow(*plai, {"TOTAL"});
  ASSERT_NE(plai_total, nullptr);
  EXPECT_EQ(Cell(*plai, *plai_total, "plai_n"), "53");
  EXPECT_EQ(Cell(*plai, *plai_total, "plai_d"), "71");
  EXPECT_EQ(Cell(*plai, *plai_total, "plai_pct"), "74.6");
  EXPECT_EQ(Cell(*plai, *plai_total, "split_unknown"), "0");
  EXPECT_EQ(Cell(*plai, *plai_total, "target_min_pct"), "25.0");
  EXPECT_EQ(Cell(*plai, *plai_total, "target_max_pct"), "30.0");
  EXPECT_EQ(Cell(*plai, *plai_total, "within_target"), "no");
}

TEST_F(NewBuildReportTest, NewOfferCovered2023) {
  DeclareProgrammesComplete();
  const ReportTables tables = Run(2023);
  const relog::v1::ReportTable* offer = FindTable(tables, "new_offer");
  ASSERT_NE(offer, nullptr);
  // Delivered in 2023: PRG-011 only (32, PLUS; PRG-006 has no delivery
  // date): no rehousing into it → 0/32.
  ASSERT_EQ(offer->rows_size(), 2);
  const relog::v1::ReportRow* total = FindRow(*offer, {"TOTAL"});
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(Cell(*offer, *total, "mobilised_n"), "0");
  EXPECT_EQ(Cell(*offer, *total, "mobilised_d"), "32");
  const relog::v1::ReportTable* plai = FindTable(tables, "plai_share");
  ASSERT_NE(plai, nullptr);
  const relog::v1::ReportRow* plai_total = FindRow(*plai, {"TOTAL"});
  ASSERT_NE(plai_total, nullptr);
  EXPECT_EQ(Cell(*plai, *plai_total, "plai_pct"), "0.0");
  EXPECT_EQ(Cell(*plai, *plai_total, "within_target"), "no");
}

}  // namespace
}  // namespace relog::reports::testing
