// Report 4 over the fixture and deploy/reference/mel (commitments.csv,
// allocations.csv, targets.csv, coverage.csv). REPORTS.md gives no
// hand-computed figure for it: the expected figures are computed by hand
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

class CommitmentsReportTest : public FixtureReportTest {
 protected:
  ReportTables Run(std::optional<absl::Time> known_at = {},
                   relog::v1::ReportFilters filters = {}) {
    relog::v1::GetReportRequest request =
        Request(relog::v1::REPORT_KIND_COMMITMENTS, 2023, filters);
    return RunOrFail(request, known_at);
  }

  // Loads the MEL sample again with allocations.csv declared complete over
  // 2023 (known from now on).
  void DeclareAllocationsComplete() {
    ASSERT_OK(fixture_->DeclareComplete("allocations.csv",
                                        absl::CivilDay(2023, 1, 1),
                                        absl::CivilDay(2024, 1, 1)));
  }
};

// target achieved from_elsewhere gap achievement_pct min_new_build_pct
// new_build_n/new_build_d new_build_pct met.
std::string Commitment(const relog::v1::ReportTable& table, const char* kind,
                       const char* party) {
  const relog::v1::ReportRow* row = FindRow(table, {kind, party});
  if (row == nullptr) return "<no row>";
  std::string out;
  for (const char* column :
       {"amendment_ref", "target_households", "achieved",
        "achieved_from_elsewhere", "gap", "achievement_pct",
        "min_new_build_pct", "new_build_n", "new_build_d", "new_build_pct",
        "new_build_target_met"}) {
    out += Cell(table, *row, column) + "|";
  }
  return out;
}

TEST_F(CommitmentsReportTest, CommitmentsKnownNow) {
  const ReportTables tables = Run();
  const relog::v1::ReportTable* table = FindTable(tables, "commitments");
  ASSERT_NE(table, nullptr);
  // Communes then landlords, by id: 59009, 59350, 59512, 59599; V, L, P.
  ASSERT_EQ(table->rows_size(), 7);
  EXPECT_EQ(CellText(table->rows(0).cells(1)), "59009");
  EXPECT_EQ(CellText(table->rows(4).cells(1)), kV);
  // Lille: AV-2022-02 (adopted 2022-12-09) replaces AV-2019-01: 140, 30 %.
  // Arrivals in Lille in [2023-01-01, 2024-01-01): K3 (from Lille), K4
  // (from Mons) = 2, 1 from elsewhere; gap 140 − 2 = 138; 2/140 = 1.4 %;
  // new-build K3, K4 = 2/2 = 100 % ≥ 30 %.
  EXPECT_EQ(Commitment(*table, "COMMUNE", "59350"),
            "AV-2022-02|140|2|1|138|1.4|30.0|2|2|100.0|yes|");
  // Roubaix: AV-2022-02, 130, no new-build minimum; K2 (from Roubaix) = 1,
  // 0 from elsewhere; 1/130 = 0.8 %; new-build 0/1.
  EXPECT_EQ(Commitment(*table, "COMMUNE", "59512"),
            "AV-2022-02|130|1|0|129|0.8||0|1|0.0||");
  // Tourcoing: AV-2019-01 [2019-01-01, 2025-01-01), 100: counted over
  // [2019-01-01, 2024-01-01): K1, K3b, K5 = 3, all from elsewhere; 3 %;
  // new-build K1, K3b = 2/3 = 66.7 %.
  EXPECT_EQ(Commitment(*table, "COMMUNE", "59599"),
            "AV-2019-01|100|3|3|97|3.0||2|3|66.7||");
  // Villeneuve-d'Ascq: 60, 25 %, nothing achieved.
  EXPECT_EQ(Commitment(*table, "COMMUNE", "59009"),
            "AV-2019-01|60|0|0|60|0.0|25.0|0|0|||");
  // V: AV-2022-02, 220, 30 %: K2 (from V), K3, K5 (from L) = 3, 2 from
  // elsewhere; 3/220 = 1.4 %; new-build K3 = 1/3 = 33.3 % ≥ 30 %.
  EXPECT_EQ(Commitment(*table, "LANDLORD", kV),
            "AV-2022-02|220|3|2|217|1.4|30.0|1|3|33.3|yes|");
  // L: AV-2019-01, 180, 20 %: K4 (from P) = 1; 1/180 = 0.6 %; new 1/1.
  EXPECT_EQ(Commitment(*table, "LANDLORD", kL),
            "AV-2019-01|180|1|1|179|0.6|20.0|1|1|100.0|yes|");
  // P: AV-2019-01, 90, no minimum: K1 (V), K3b (L) = 2; 2/90 = 2.2 %.
  EXPECT_EQ(Commitment(*table, "LANDLORD", kP),
            "AV-2019-01|90|2|2|88|2.2||2|2|100.0||");
  const relog::v1::ReportRow* lille = FindRow(*table, {"COMMUNE", "59350"});
  ASSERT_NE(lille, nullptr);
  EXPECT_EQ(Cell(*table, *lille, "party_name"), "Lille");
  EXPECT_EQ(Cell(*table, *lille, "period_from"), "2023-01-01");
  EXPECT_EQ(Cell(*table, *lille, "period_to"), "2027-01-01");
  EXPECT_EQ(Cell(*table, *lille, "counted_to"), "2024-01-01");
  EXPECT_EQ(Cell(*table, *lille, "adopted_on"), "2022-12-09");
}

TEST_F(CommitmentsReportTest, CommitmentsKnownAtT1) {
  const ReportTables tables = Run(ReportFixture::T1());
  const relog::v1::ReportTable* table = FindTable(tables, "commitments");
  ASSERT_NE(table, nullptr);
  // K4's lease still typed with P (P→P, diagonal), K5 not moved: L 0/180;
  // P K1, K3b, K4 = 3, 2 from elsewhere, new 3/3; V K2, K3 = 2, new 1/2.
  EXPECT_EQ(Commitment(*table, "LANDLORD", kL),
            "AV-2019-01|180|0|0|180|0.0|20.0|0|0|||");
  EXPECT_EQ(Commitment(*table, "LANDLORD", kP),
            "AV-2019-01|90|3|2|87|3.3||3|3|100.0||");
  EXPECT_EQ(Commitment(*table, "LANDLORD", kV),
            "AV-2022-02|220|2|1|218|0.9|30.0|1|2|50.0|yes|");
  // Lille: K3 and K4 (K4 arrives in Lille whatever its typed landlord).
  EXPECT_EQ(Commitment(*table, "COMMUNE", "59350"),
            "AV-2022-02|140|2|1|138|1.4|30.0|2|2|100.0|yes|");
  // Tourcoing: K1, K3b (K5 not moved yet).
  EXPECT_EQ(Commitment(*table, "COMMUNE", "59599"),
            "AV-2019-01|100|2|2|98|2.0||2|2|100.0||");
}

TEST_F(CommitmentsReportTest, LandlordFilterNarrowsTheRehousingsCounted) {
  relog::v1::ReportFilters filters;
  filters.set_landlord_id(kV);
  const ReportTables tables = Run({}, filters);
  const relog::v1::ReportTable* table = FindTable(tables, "commitments");
  ASSERT_NE(table, nullptr);
  // Landlord rows: V only; commune rows stay, counting V's arrivals:
  // Lille K3 (K4 is L's), Tourcoing K5, Roubaix K2.
  EXPECT_EQ(FindRow(*table, {"LANDLORD", kL}), nullptr);
  EXPECT_EQ(Commitment(*table, "LANDLORD", kV),
            "AV-2022-02|220|3|2|217|1.4|30.0|1|3|33.3|yes|");
  EXPECT_EQ(Commitment(*table, "COMMUNE", "59350"),
            "AV-2022-02|140|1|0|139|0.7|30.0|1|1|100.0|yes|");
  EXPECT_EQ(Commitment(*table, "COMMUNE", "59599"),
            "AV-2019-01|100|1|1|99|1.0||0|1|0.0||");
}

// weight_n weight_d weight_pct target_max_pct within_target.
std::string Weight(const relog::v1::ReportTable& table, const char* scope,
                   const char* party) {
  const relog::v1::ReportRow* row = FindRow(table, {scope, party});
  if (row == nullptr) return "<no row>";
  std::string out;
  for (const char* column : {"year", "weight_n", "weight_d", "weight_pct",
                             "target_max_pct", "within_target"}) {
    out += Cell(table, *row, column) + "|";
  }
  return out;
}

TEST_F(CommitmentsReportTest, NpruWeightNotCoveredGivesNoRate) {
  const ReportTables tables = Run();
  const relog::v1::ReportTable* table = FindTable(tables, "npru_weight");
  ASSERT_NE(table, nullptr);
  // The sample declares no coverage: numerators only. D13 allocations of
  // 2023 (CAL dates): K1 P Tourcoing 04-20, K2 V Roubaix 02-10, K3 V Lille
  // 03-01, K3b P Tourcoing 04-05, K4 L Lille 02-15, K5 V Tourcoing 10-02.
  EXPECT_EQ(Weight(*table, "COMMUNE", "59350"), "2023|2|||5.0||");
  EXPECT_EQ(Weight(*table, "COMMUNE", "59599"), "2023|3|||5.0||");
  EXPECT_EQ(Weight(*table, "LANDLORD", kV), "2023|3|||5.0||");
  EXPECT_EQ(Weight(*table, "ALL", "TOTAL"), "2023|6|||||");
  bool noted = false;
  for (const std::string& note : table->notes()) {
    noted = noted || note.find("not declared complete") != std::string::npos;
  }
  EXPECT_TRUE(noted);
}

TEST_F(CommitmentsReportTest, NpruWeightCovered) {
  DeclareAllocationsComplete();
  const ReportTables tables = Run();
  const relog::v1::ReportTable* table = FindTable(tables, "npru_weight");
  ASSERT_NE(table, nullptr);
  // allocations.csv 2023: Lille V 395 + L 640 = 1035, NPRU K3, K4 = 2 →
  // 0.19 % → 0.2; Roubaix V 402, K2 → 0.25 % → 0.2; Tourcoing V 210 + P
  // 305 = 515, K1, K3b, K5 → 0.58 % → 0.6; Mons P 120, none → 0.0.
  EXPECT_EQ(Weight(*table, "COMMUNE", "59350"), "2023|2|1035|0.2|5.0|yes|");
  EXPECT_EQ(Weight(*table, "COMMUNE", "59512"), "2023|1|402|0.2|5.0|yes|");
  EXPECT_EQ(Weight(*table, "COMMUNE", "59599"), "2023|3|515|0.6|5.0|yes|");
  EXPECT_EQ(Weight(*table, "COMMUNE", "59410"), "2023|0|120|0.0|5.0|yes|");
  // V 395 + 402 + 210 = 1007, K2, K3, K5 → 0.30 %; L 640, K4 → 0.16 % →
  // 0.2; P 305 + 120 = 425, K1, K3b → 0.47 % → 0.5.
  EXPECT_EQ(Weight(*table, "LANDLORD", kV), "2023|3|1007|0.3|5.0|yes|");
  EXPECT_EQ(Weight(*table, "LANDLORD", kL), "2023|1|640|0.2|5.0|yes|");
  EXPECT_EQ(Weight(*table, "LANDLORD", kP), "2023|2|425|0.5|5.0|yes|");
  // All: 6 / 2072 = 0.29 % → 0.3.
  EXPECT_EQ(Weight(*table, "ALL", "TOTAL"), "2023|6|2072|0.3|||");
}

TEST_F(CommitmentsReportTest, NpruWeightCommuneFilter) {
  DeclareAllocationsComplete();
  relog::v1::ReportFilters filters;
  filters.set_commune_insee("59599");
  const ReportTables tables = Run({}, filters);
  const relog::v1::ReportTable* table = FindTable(tables, "npru_weight");
  ASSERT_NE(table, nullptr);
  // Tourcoing only, in numerator and denominator: V 210 (K5), P 305 (K1,
  // K3b).
  EXPECT_EQ(Weight(*table, "COMMUNE", "59350"), "<no row>");
  EXPECT_EQ(Weight(*table, "COMMUNE", "59599"), "2023|3|515|0.6|5.0|yes|");
  EXPECT_EQ(Weight(*table, "LANDLORD", kV), "2023|1|210|0.5|5.0|yes|");
  EXPECT_EQ(Weight(*table, "LANDLORD", kP), "2023|2|305|0.7|5.0|yes|");
}

}  // namespace
}  // namespace relog::reports::testing
