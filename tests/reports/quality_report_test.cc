// Report 6 against docs/REPORTS.md (the quality shares of "New-build ratio
// (2023)": outside QPV 5/6, outside the commune of origin 4/6), and the
// other figures computed by hand from the fixture and deploy/reference/mel
// below (see /tmp/reports_md_b.md, merged into REPORTS.md).
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
constexpr char kEpci[] = "200093201";

class QualityReportTest : public FixtureReportTest {
 protected:
  ReportTables Run(std::optional<absl::Time> known_at = {},
                   relog::v1::ReportFilters filters = {},
                   int64_t threshold_cents = 0) {
    relog::v1::GetReportRequest request =
        Request(relog::v1::REPORT_KIND_QUALITY, 2023, filters);
    request.set_rent_increase_threshold_cents(threshold_cents);
    return RunOrFail(request, known_at);
  }

  void DeclareAllocationsComplete() {
    ASSERT_OK(fixture_->DeclareComplete("allocations.csv",
                                        absl::CivilDay(2023, 1, 1),
                                        absl::CivilDay(2024, 1, 1)));
  }
};

// The cells `columns` of the row keyed `keys`, joined by "|".
std::string Cells(const relog::v1::ReportTable* table,
                  const std::vector<std::string>& keys,
                  const std::vector<std::string>& columns) {
  if (table == nullptr) return "<no table>";
  const relog::v1::ReportRow* row = FindRow(*table, keys);
  if (row == nullptr) return "<no row>";
  std::string out;
  for (const std::string& column : columns) {
    out += Cell(*table, *row, column) + "|";
  }
  return out;
}

TEST_F(QualityReportTest, OutsideQpvAndCommune) {
  const ReportTables tables = Run();
  const relog::v1::ReportTable* qpv = FindTable(tables, "qpv");
  // REPORTS.md: 5/6 = 83.3 % (K3 arrives in QP059009, valid 2023-04-03).
  // Every origin is in a QPV (QP059001 … QP059004, K3b's as K3's).
  EXPECT_EQ(Cells(qpv, {"TOTAL"},
                  {"outside_qpv_n", "outside_qpv_d", "outside_qpv_pct",
                   "in_qpv", "qpv_unknown"}),
            "5|6|83.3|1|0|");
  EXPECT_EQ(Cells(qpv, {"IN_QPV"}, {"outside_qpv_n", "outside_qpv_d"}), "5|6|");
  const relog::v1::ReportTable* commune = FindTable(tables, "commune_change");
  // 4/6 = 66.7 % (K1, K3b, K4, K5); Roubaix K1, K5 of K1, K2, K5; Lille
  // K3b of K3, K3b; Mons K4.
  const std::vector<std::string> rate = {"outside_origin_commune_n",
                                         "outside_origin_commune_d",
                                         "outside_origin_commune_pct"};
  EXPECT_EQ(Cells(commune, {"TOTAL"}, rate), "4|6|66.7|");
  EXPECT_EQ(Cells(commune, {"59512", "Roubaix"}, rate), "2|3|66.7|");
  EXPECT_EQ(Cells(commune, {"59350"}, rate), "1|2|50.0|");
  EXPECT_EQ(Cells(commune, {"59410"}, rate), "1|1|100.0|");
}

TEST_F(QualityReportTest, OutsideQpvKnownAtT2) {
  const ReportTables tables = Run(ReportFixture::T2());
  // K5 (outside QPV, outside Roubaix) absent: 4/5, 3/5.
  EXPECT_EQ(Cells(FindTable(tables, "qpv"), {"TOTAL"},
                  {"outside_qpv_n", "outside_qpv_d", "outside_qpv_pct"}),
            "4|5|80.0|");
  EXPECT_EQ(Cells(FindTable(tables, "commune_change"), {"TOTAL"},
                  {"outside_origin_commune_n", "outside_origin_commune_d"}),
            "3|5|");
}

TEST_F(QualityReportTest, CommuneFilter) {
  relog::v1::ReportFilters filters;
  filters.set_commune_insee("59599");  // Tourcoing: K1, K3b, K5 arrive there
  const ReportTables tables = Run({}, filters);
  EXPECT_EQ(Cells(FindTable(tables, "qpv"), {"TOTAL"},
                  {"outside_qpv_n", "outside_qpv_d", "outside_qpv_pct"}),
            "3|3|100.0|");
  EXPECT_EQ(Cells(FindTable(tables, "commune_change"), {"TOTAL"},
                  {"outside_origin_commune_n", "outside_origin_commune_d"}),
            "3|3|");
}

TEST_F(QualityReportTest, FragilityClasses) {
  const ReportTables tables = Run();
  const relog::v1::ReportTable* table = FindTable(tables, "fragility");
  // K1, K3b: PRG-003 IRIS 595990101, ATTRACTIVE from 2022-01-01; K3:
  // PRG-001 IRIS 593500101 FRAGILE; K2, K4, K5: no programme, no IRIS.
  const std::vector<std::string> share = {"share_n", "share_d", "share_pct"};
  EXPECT_EQ(Cells(table, {"ATTRACTIVE"}, share), "2|6|33.3|");
  EXPECT_EQ(Cells(table, {"FRAGILE"}, share), "1|6|16.7|");
  EXPECT_EQ(Cells(table, {"CLASS_UNKNOWN"}, share), "3|6|50.0|");
  EXPECT_EQ(Cells(table, {"TOTAL"}, share), "6|6|100.0|");
}

const std::vector<std::string> kRuleColumns = {
    "year",          "npru_allocations", "qpv_unknown",   "outside_qpv_n",
    "outside_qpv_d", "outside_qpv_pct",  "target_min_pct"};

TEST_F(QualityReportTest, OutsideQpvRuleNotCovered) {
  const ReportTables tables = Run();
  const relog::v1::ReportTable* table = FindTable(tables, "outside_qpv_rule");
  // D13 allocations 2023 (CAL dates), QPV on that date: V K2 (Roubaix, no
  // QPV), K3 (QP059009), K5 (no QPV); L K4; P K1, K3b. Not covered: counts
  // only.
  EXPECT_EQ(Cells(table, {"LANDLORD", kV}, kRuleColumns), "2023|3|0|2|||25.0|");
  EXPECT_EQ(Cells(table, {"LANDLORD", kL}, kRuleColumns), "2023|1|0|1|||25.0|");
  EXPECT_EQ(Cells(table, {"LANDLORD", kP}, kRuleColumns), "2023|2|0|2|||25.0|");
  EXPECT_EQ(Cells(table, {"EPCI", kEpci}, kRuleColumns), "2023|6|0|5|||25.0|");
}

TEST_F(QualityReportTest, OutsideQpvRuleCovered) {
  DeclareAllocationsComplete();
  const ReportTables tables = Run();
  const relog::v1::ReportTable* table = FindTable(tables, "outside_qpv_rule");
  // allocations_outside_qpv 2023: V 250 + 160 + 140 = 550 → 2/550 = 0.4 %;
  // L 310 → 1/310 = 0.3 %; P 180 + 60 = 240 → 2/240 = 0.8 %; EPCI (every
  // commune's epci_siren is the MEL's) 1100 → 5/1100 = 0.5 %.
  EXPECT_EQ(Cells(table, {"LANDLORD", kV}, kRuleColumns),
            "2023|3|0|2|550|0.4|25.0|");
  EXPECT_EQ(Cells(table, {"LANDLORD", kL}, kRuleColumns),
            "2023|1|0|1|310|0.3|25.0|");
  EXPECT_EQ(Cells(table, {"LANDLORD", kP}, kRuleColumns),
            "2023|2|0|2|240|0.8|25.0|");
  EXPECT_EQ(Cells(table, {"EPCI", kEpci}, kRuleColumns),
            "2023|6|0|5|1100|0.5|25.0|");
}

const std::vector<std::string> kResteColumns = {"rehousings",
                                                "no_diagnosis",
                                                "before_mean",
                                                "before_median",
                                                "after_mean",
                                                "after_median",
                                                "change_mean",
                                                "change_median",
                                                "rose_above_threshold_n",
                                                "rose_above_threshold_d",
                                                "rose_above_threshold_pct",
                                                "actual_3m_recorded"};

TEST_F(QualityReportTest, ResteACharge) {
  // Before (rent + charges − allowance of the diagnosis) → after (lease):
  // K1 320.00 → 370.00 (+50); K2 290.00 → 270.00 (−20); K3 350.00 →
  // 370.00 (+20); K3b 0.00 → 220.00 (+220); K4 335.00 → 355.00 (+20); K5
  // 260.00 → 310.00 (+50). Before mean 1555/6 = 259.17, median (290 +
  // 320)/2 = 305; after mean 1895/6 = 315.83, median (310 + 355)/2 =
  // 332.50; change mean 340/6 = 56.67, median (20 + 50)/2 = 35.
  ReportTables tables = Run();
  EXPECT_EQ(
      Cells(FindTable(tables, "reste_a_charge"), {"TOTAL"}, kResteColumns),
      "6|0|259.17|305.00|315.83|332.50|56.67|35.00|5|6|83.3|0|");
  // V: K2, K3, K5: before 300.00, after 950/3 = 316.67; rose K3, K5.
  EXPECT_EQ(Cells(FindTable(tables, "reste_a_charge"), {kV}, kResteColumns),
            "3|0|300.00|290.00|316.67|310.00|16.67|20.00|2|3|66.7|0|");
  // Threshold 20 EUR: strictly more than 2000 cents: K1, K3b, K5.
  tables = Run({}, {}, 2000);
  EXPECT_EQ(Cells(FindTable(tables, "reste_a_charge"), {"TOTAL"},
                  {"rose_above_threshold_n", "rose_above_threshold_d",
                   "rose_above_threshold_pct"}),
            "3|6|50.0|");
}

TEST_F(QualityReportTest, SurfaceAndTypology) {
  const ReportTables tables = Run();
  // Origin → arrival m²: K1 74 → 76, K2 63 → 65, K3 88 → 80, K3b 88 (K3's
  // dwelling) → 45, K4 66 → 67, K5 70 → 78. Origin mean 449/6 = 74.83,
  // arrival 411/6 = 68.50, change −38/6 = −6.33, median (1 + 2)/2 = 1.50.
  // Typologies: K3 T5 → T4 and K3b T5 → T2 smaller, the others the same.
  EXPECT_EQ(Cells(FindTable(tables, "surface_typology"), {"TOTAL"},
                  {"rehousings", "surface_known", "origin_surface_mean",
                   "arrival_surface_mean", "surface_change_mean",
                   "surface_change_median", "typology_larger", "typology_same",
                   "typology_smaller", "typology_unknown"}),
            "6|6|74.83|68.50|-6.33|1.50|0|4|2|0|");
  const relog::v1::ReportTable* matrix = FindTable(tables, "typology_matrix");
  ASSERT_NE(matrix, nullptr);
  EXPECT_EQ(matrix->matrix().row_column(), "origin_typology");
  EXPECT_EQ(matrix->rows_size(), 16);  // T2 … T5 × T2 … T5
  EXPECT_EQ(Cells(matrix, {"T4", "T4"}, {"rehousings"}), "2|");
  EXPECT_EQ(Cells(matrix, {"T3", "T3"}, {"rehousings"}), "2|");
  EXPECT_EQ(Cells(matrix, {"T5", "T4"}, {"rehousings"}), "1|");
  EXPECT_EQ(Cells(matrix, {"T5", "T2"}, {"rehousings"}), "1|");
  EXPECT_EQ(Cells(matrix, {"T2", "T5"}, {"rehousings"}), "0|");
}

TEST_F(QualityReportTest, OverOccupation) {
  const ReportTables tables = Run();
  // Every diagnosis found the dwelling adequate; under the norm (ref@move
  // date) neither the origin nor the arrival is below its minimum (e.g.
  // K3, 5 persons: 43 m², T3, origin 88 m² T5, arrival 80 m² T4).
  EXPECT_EQ(Cells(FindTable(tables, "over_occupation"), {"TOTAL"},
                  {"rehousings", "size_known", "over_occupied_before_finding",
                   "over_occupied_before_norm", "over_occupied_after_norm",
                   "resolved_finding_d", "resolved_norm_d"}),
            "6|6|0|0|0|0|0|");
}

}  // namespace
}  // namespace relog::reports::testing
