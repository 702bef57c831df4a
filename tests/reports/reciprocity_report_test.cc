// Reports 2 and 3 against docs/REPORTS.md "Inter-landlord reciprocity
// (2023)" (known now, at T2, at T1) and the inter-commune figures, cell by
// cell, and the commitments of communes (as in report 4).
#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/reports/fixture_report_test.h"
#include "tests/reports/report_fixture.h"
#include "tests/reports/report_test_util.h"
#include "tests/testing/status_matchers.h"

namespace relog::reports::testing {
namespace {

constexpr char kV[] = "999000011";
constexpr char kL[] = "999000029";
constexpr char kP[] = "999000037";

class ReciprocityReportTest : public FixtureReportTest {
 protected:
  ReportTables Run(relog::v1::ReportKind kind,
                   std::optional<absl::Time> known_at = {},
                   relog::v1::ReportFilters filters = {}) {
    relog::v1::GetReportRequest request = Request(kind, 2023, filters);
    return RunOrFail(request, known_at);
  }
};

// The cell (origin, arrival) of a matrix ("<no row>" if absent).
std::string MatrixCell(const relog::v1::ReportTable& matrix,
                       const std::string& origin, const std::string& arrival) {
  // Keys are in columns 0 (origin id) and 2 (arrival id): find by scanning.
  for (const relog::v1::ReportRow& row : matrix.rows()) {
    if (CellText(row.cells(0)) == origin && CellText(row.cells(2)) == arrival) {
      return Cell(matrix, row, "rehousings");
    }
  }
  return "<no row>";
}

// sent, received, net, diagonal of a party in the balances table.
std::string Balance(const relog::v1::ReportTable& balances,
                    const std::string& party) {
  const relog::v1::ReportRow* row = FindRow(balances, {party});
  if (row == nullptr) return "<no row>";
  return Cell(balances, *row, "sent") + " " + Cell(balances, *row, "received") +
         " " + Cell(balances, *row, "net") + " " +
         Cell(balances, *row, "diagonal");
}

TEST_F(ReciprocityReportTest, LandlordMatrixKnownNow) {
  const ReportTables tables = Run(relog::v1::REPORT_KIND_LANDLORD_RECIPROCITY);
  const relog::v1::ReportTable* matrix = FindTable(tables, "matrix");
  ASSERT_NE(matrix, nullptr);
  EXPECT_EQ(matrix->matrix().row_column(), "origin_landlord_id");
  EXPECT_EQ(matrix->matrix().column_column(), "arrival_landlord_id");
  EXPECT_EQ(matrix->matrix().value_column(), "rehousings");
  // REPORTS.md: V [1] 0 1; L 2 [0] 1; P 0 1 [0]. 3 × 3 cells, no private.
  EXPECT_EQ(matrix->rows_size(), 9);
  EXPECT_EQ(MatrixCell(*matrix, kV, kV), "1");
  EXPECT_EQ(MatrixCell(*matrix, kV, kL), "0");
  EXPECT_EQ(MatrixCell(*matrix, kV, kP), "1");
  EXPECT_EQ(MatrixCell(*matrix, kL, kV), "2");
  EXPECT_EQ(MatrixCell(*matrix, kL, kL), "0");
  EXPECT_EQ(MatrixCell(*matrix, kL, kP), "1");
  EXPECT_EQ(MatrixCell(*matrix, kP, kV), "0");
  EXPECT_EQ(MatrixCell(*matrix, kP, kL), "1");
  EXPECT_EQ(MatrixCell(*matrix, kP, kP), "0");
  const relog::v1::ReportRow* vv = FindRow(*matrix, {kV, "Vilogia", kV});
  ASSERT_NE(vv, nullptr);
  EXPECT_EQ(Cell(*matrix, *vv, "diagonal"), "1");
  EXPECT_EQ(Cell(*matrix, *vv, "arrival_landlord_name"), "Vilogia");

  const relog::v1::ReportTable* balances = FindTable(tables, "balances");
  ASSERT_NE(balances, nullptr);
  // sent received net diagonal.
  EXPECT_EQ(Balance(*balances, kV), "1 2 1 1");
  EXPECT_EQ(Balance(*balances, kL), "3 1 -2 0");
  EXPECT_EQ(Balance(*balances, kP), "1 2 1 0");
  EXPECT_EQ(Balance(*balances, "TOTAL"), "5 5 0 1");
  EXPECT_EQ(balances->rows(balances->rows_size() - 1).cells(0).text(), "TOTAL");
}

TEST_F(ReciprocityReportTest, LandlordMatrixKnownAtT2) {
  const ReportTables tables =
      Run(relog::v1::REPORT_KIND_LANDLORD_RECIPROCITY, ReportFixture::T2());
  const relog::v1::ReportTable* matrix = FindTable(tables, "matrix");
  const relog::v1::ReportTable* balances = FindTable(tables, "balances");
  ASSERT_NE(matrix, nullptr);
  ASSERT_NE(balances, nullptr);
  // K5 absent: L→V = 1; sent L 2; received V 1; net V 0, L −1, P +1.
  EXPECT_EQ(MatrixCell(*matrix, kL, kV), "1");
  EXPECT_EQ(MatrixCell(*matrix, kV, kV), "1");
  EXPECT_EQ(MatrixCell(*matrix, kP, kL), "1");
  EXPECT_EQ(Balance(*balances, kV), "1 1 0 1");
  EXPECT_EQ(Balance(*balances, kL), "2 1 -1 0");
  EXPECT_EQ(Balance(*balances, kP), "1 2 1 0");
  EXPECT_EQ(Balance(*balances, "TOTAL"), "4 4 0 1");
}

TEST_F(ReciprocityReportTest, LandlordMatrixKnownAtT1) {
  const ReportTables tables =
      Run(relog::v1::REPORT_KIND_LANDLORD_RECIPROCITY, ReportFixture::T1());
  const relog::v1::ReportTable* matrix = FindTable(tables, "matrix");
  const relog::v1::ReportTable* balances = FindTable(tables, "balances");
  ASSERT_NE(matrix, nullptr);
  ASSERT_NE(balances, nullptr);
  // K4 still typed P→P (diagonal), K5 not moved yet.
  EXPECT_EQ(MatrixCell(*matrix, kV, kV), "1");
  EXPECT_EQ(MatrixCell(*matrix, kV, kP), "1");
  EXPECT_EQ(MatrixCell(*matrix, kL, kV), "1");
  EXPECT_EQ(MatrixCell(*matrix, kL, kP), "1");
  EXPECT_EQ(MatrixCell(*matrix, kP, kP), "1");
  EXPECT_EQ(MatrixCell(*matrix, kP, kL), "0");
  EXPECT_EQ(Balance(*balances, kV), "1 1 0 1");
  EXPECT_EQ(Balance(*balances, kL), "2 0 -2 0");
  EXPECT_EQ(Balance(*balances, kP), "0 2 2 1");
  EXPECT_EQ(Balance(*balances, "TOTAL"), "3 3 0 2");
}

TEST_F(ReciprocityReportTest, ReservataireFlows) {
  const ReportTables tables = Run(relog::v1::REPORT_KIND_LANDLORD_RECIPROCITY);
  const relog::v1::ReportTable* flows = FindTable(tables, "reservataire_flows");
  ASSERT_NE(flows, nullptr);
  // K1 RES-ETAT-59 → P; K2 RES-C-59512 → V; K3 RES-MEL → V; K3b RES-ALS →
  // P; K4 RES-ETAT-59 → L; K5 RES-B-VILOGIA → V.
  auto count = [&](const char* landlord, const char* kind, const char* id) {
    const relog::v1::ReportRow* row = FindRow(*flows, {landlord, "", kind, id});
    if (row == nullptr) {
      for (const relog::v1::ReportRow& r : flows->rows()) {
        if (CellText(r.cells(0)) == landlord && CellText(r.cells(2)) == kind &&
            CellText(r.cells(3)) == id) {
          return Cell(*flows, r, "rehousings");
        }
      }
      return std::string("<no row>");
    }
    return Cell(*flows, *row, "rehousings");
  };
  EXPECT_EQ(count(kP, "STATE", "RES-ETAT-59"), "1");
  EXPECT_EQ(count(kP, "ACTION_LOGEMENT", "RES-ALS"), "1");
  EXPECT_EQ(count(kV, "COMMUNE", "RES-C-59512"), "1");
  EXPECT_EQ(count(kV, "EPCI", "RES-MEL"), "1");
  EXPECT_EQ(count(kV, "LANDLORD", "RES-B-VILOGIA"), "1");
  EXPECT_EQ(count(kL, "STATE", "RES-ETAT-59"), "1");
  EXPECT_EQ(flows->rows_size(), 7);  // six flows and TOTAL
  const relog::v1::ReportRow* total = FindRow(*flows, {"TOTAL"});
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(Cell(*flows, *total, "rehousings"), "6");
  const relog::v1::ReportRow* ets = FindRow(*flows, {kP});
  ASSERT_NE(ets, nullptr);
  EXPECT_EQ(Cell(*flows, *ets, "reservataire_name"),
            "Action Logement Services");
}

TEST_F(ReciprocityReportTest, LandlordFilterKeepsOriginOrArrival) {
  relog::v1::ReportFilters filters;
  filters.set_landlord_id(kP);
  const ReportTables tables =
      Run(relog::v1::REPORT_KIND_LANDLORD_RECIPROCITY, {}, filters);
  const relog::v1::ReportTable* matrix = FindTable(tables, "matrix");
  ASSERT_NE(matrix, nullptr);
  // K1 V→P, K3b L→P, K4 P→L; K2, K3, K5 neither from nor to P.
  EXPECT_EQ(MatrixCell(*matrix, kV, kP), "1");
  EXPECT_EQ(MatrixCell(*matrix, kL, kP), "1");
  EXPECT_EQ(MatrixCell(*matrix, kP, kL), "1");
  EXPECT_EQ(MatrixCell(*matrix, kV, kV), "0");
  EXPECT_EQ(MatrixCell(*matrix, kL, kV), "0");
}

TEST_F(ReciprocityReportTest, OperationFilter) {
  relog::v1::ReportFilters filters;
  filters.set_operation_id("OP-ROU-ALMA");
  const ReportTables tables =
      Run(relog::v1::REPORT_KIND_LANDLORD_RECIPROCITY, {}, filters);
  const relog::v1::ReportTable* balances = FindTable(tables, "balances");
  ASSERT_NE(balances, nullptr);
  // K1 V→P, K2 V→V, K5 L→V.
  EXPECT_EQ(Balance(*balances, kV), "1 1 0 1");
  EXPECT_EQ(Balance(*balances, kL), "1 0 -1 0");
  EXPECT_EQ(Balance(*balances, kP), "0 1 1 0");
}

constexpr char kLille[] = "59350";
constexpr char kRoubaix[] = "59512";
constexpr char kTourcoing[] = "59599";
constexpr char kMons[] = "59410";

TEST_F(ReciprocityReportTest, CommuneMatrixKnownNow) {
  const ReportTables tables = Run(relog::v1::REPORT_KIND_COMMUNE_RECIPROCITY);
  const relog::v1::ReportTable* matrix = FindTable(tables, "matrix");
  ASSERT_NE(matrix, nullptr);
  EXPECT_EQ(matrix->matrix().row_column(), "origin_commune_insee");
  EXPECT_EQ(matrix->rows_size(), 16);  // 4 communes × 4
  EXPECT_EQ(MatrixCell(*matrix, kRoubaix, kTourcoing), "2");
  EXPECT_EQ(MatrixCell(*matrix, kRoubaix, kRoubaix), "1");
  EXPECT_EQ(MatrixCell(*matrix, kLille, kLille), "1");
  EXPECT_EQ(MatrixCell(*matrix, kLille, kTourcoing), "1");
  EXPECT_EQ(MatrixCell(*matrix, kMons, kLille), "1");
  EXPECT_EQ(MatrixCell(*matrix, kTourcoing, kLille), "0");
  const relog::v1::ReportTable* balances = FindTable(tables, "balances");
  ASSERT_NE(balances, nullptr);
  EXPECT_EQ(Balance(*balances, kRoubaix), "2 0 -2 1");
  EXPECT_EQ(Balance(*balances, kLille), "1 1 0 1");
  EXPECT_EQ(Balance(*balances, kMons), "1 0 -1 0");
  EXPECT_EQ(Balance(*balances, kTourcoing), "0 3 3 0");
  EXPECT_EQ(Balance(*balances, "TOTAL"), "4 4 0 2");
  const relog::v1::ReportRow* lille = FindRow(*balances, {kLille});
  ASSERT_NE(lille, nullptr);
  EXPECT_EQ(Cell(*balances, *lille, "commune_name"), "Lille");
}

TEST_F(ReciprocityReportTest, CommuneCoordinationBodyFilter) {
  relog::v1::ReportFilters filters;
  filters.set_coordination_body_id("COORD-LILLE");  // Lille, Loos, Mons
  const ReportTables tables =
      Run(relog::v1::REPORT_KIND_COMMUNE_RECIPROCITY, {}, filters);
  const relog::v1::ReportTable* balances = FindTable(tables, "balances");
  ASSERT_NE(balances, nullptr);
  // K3 Lille→Lille, K3b Lille→Tourcoing, K4 Mons→Lille.
  EXPECT_EQ(Balance(*balances, kLille), "1 1 0 1");
  EXPECT_EQ(Balance(*balances, kMons), "1 0 -1 0");
  EXPECT_EQ(Balance(*balances, kTourcoing), "0 1 1 0");
  EXPECT_EQ(FindRow(*balances, {kRoubaix}), nullptr);
  // Commitments: only the body's communes with a commitment (Lille).
  const relog::v1::ReportTable* commitments = FindTable(tables, "commitments");
  ASSERT_NE(commitments, nullptr);
  ASSERT_EQ(commitments->rows_size(), 1);
  const relog::v1::ReportRow& lille = commitments->rows(0);
  EXPECT_EQ(Cell(*commitments, lille, "party_id"), kLille);
  EXPECT_EQ(Cell(*commitments, lille, "achieved"), "2");
}

TEST_F(ReciprocityReportTest, CommuneCommitments) {
  const ReportTables tables = Run(relog::v1::REPORT_KIND_COMMUNE_RECIPROCITY);
  const relog::v1::ReportTable* commitments = FindTable(tables, "commitments");
  ASSERT_NE(commitments, nullptr);
  // Communes only (Lille, Roubaix, Tourcoing, Villeneuve-d'Ascq; Mons has
  // none), the same figures as report 4 (commitments_report_test.cc).
  ASSERT_EQ(commitments->rows_size(), 4);
  for (const relog::v1::ReportRow& row : commitments->rows()) {
    EXPECT_EQ(Cell(*commitments, row, "party_kind"), "COMMUNE");
  }
  const relog::v1::ReportRow* tourcoing =
      FindRow(*commitments, {"COMMUNE", kTourcoing});
  ASSERT_NE(tourcoing, nullptr);
  EXPECT_EQ(Cell(*commitments, *tourcoing, "amendment_ref"), "AV-2019-01");
  EXPECT_EQ(Cell(*commitments, *tourcoing, "achieved"), "3");
  EXPECT_EQ(Cell(*commitments, *tourcoing, "achieved_from_elsewhere"), "3");
  EXPECT_EQ(Cell(*commitments, *tourcoing, "gap"), "97");
  EXPECT_EQ(Cell(*commitments, *tourcoing, "achievement_pct"), "3.0");
}

}  // namespace
}  // namespace relog::reports::testing
