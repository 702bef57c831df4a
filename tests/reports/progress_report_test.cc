// Progress (docs/REPORTS.md "### 1. Progress"), compared cell by cell with
// "### Progress (2023, stock on 2023-12-31)" known now, at T2 and at T1,
// and the groupings, states, exits and buildings of the same fixture.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/reports/report_builders.h"
#include "tests/reports/fixture_report_test.h"
#include "tests/reports/report_fixture.h"
#include "tests/reports/report_test_util.h"
#include "tests/testing/status_matchers.h"

namespace relog::reports::testing {
namespace {

using relog::v1::REPORT_KIND_PROGRESS;

class ProgressReportTest : public FixtureReportTest {
 protected:
  ReportTables Year2023(std::optional<absl::Time> known_at = {}) {
    return RunOrFail(Request(REPORT_KIND_PROGRESS, 2023), known_at);
  }

  ReportTables Filtered(const relog::v1::ReportFilters& filters) {
    relog::v1::GetReportRequest request =
        Request(REPORT_KIND_PROGRESS, 2023, filters);
    return RunOrFail(request);
  }
};

// The figure columns, in table order.
const std::vector<std::string>& FigureColumns() {
  static const auto* const kColumns =
      new std::vector<std::string>{"to_rehouse",
                                   "identified_in_period",
                                   "decohabitations",
                                   "decohabitations_in_period",
                                   "rehoused_definitive",
                                   "rehoused_definitive_in_period",
                                   "in_progress",
                                   "temporarily_rehoused",
                                   "temporary_moves_in_period",
                                   "exited_otherwise",
                                   "exited_otherwise_in_period"};
  return *kColumns;
}

// Compares the figures of the row keyed `keys` of `table_id`.
void ExpectFigures(const ReportTables& tables, const std::string& table_id,
                   const std::vector<std::string>& keys,
                   const std::vector<std::string>& expected) {
  const relog::v1::ReportTable* table = FindTable(tables, table_id);
  ASSERT_NE(table, nullptr) << table_id;
  const relog::v1::ReportRow* row = FindRow(*table, keys);
  ASSERT_NE(row, nullptr) << table_id << " " << keys.front();
  ASSERT_EQ(expected.size(), FigureColumns().size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(Cell(*table, *row, FigureColumns()[i]), expected[i])
        << table_id << " " << keys.front() << " " << FigureColumns()[i];
  }
}

// "to rehouse | rehoused definitive | in progress | exited otherwise":
// now 7 | 6 | 0 | 1. Identified in 2023: K1 (2023-01-10) and K3b
// (2023-01-05, the decohabitation). Every definitive move is in 2023; K2's
// temporary move (2022-07-01) is not a 2023 figure; K6 left 2023-04-01.
TEST_F(ProgressReportTest, SummaryKnownNow) {
  const ReportTables tables = Year2023();
  ExpectFigures(tables, "summary", {"TOTAL"},
                {"7", "2", "1", "1", "6", "6", "0", "0", "0", "1", "1"});
}

// T2: K5's move (recorded 2024-02-05) is absent: 5 rehoused, K5 in progress
// in LEASE_SIGNED.
TEST_F(ProgressReportTest, SummaryKnownAtT2) {
  const ReportTables tables = Year2023(ReportFixture::T2());
  ExpectFigures(tables, "summary", {"TOTAL"},
                {"7", "2", "1", "1", "5", "5", "1", "0", "0", "1", "1"});
  const relog::v1::ReportTable* states =
      FindTable(tables, "in_progress_by_state");
  ASSERT_NE(states, nullptr);
  const relog::v1::ReportRow* lease = FindRow(*states, {"LEASE_SIGNED"});
  ASSERT_NE(lease, nullptr);
  EXPECT_EQ(Cell(*states, *lease, "cases"), "1");
  const relog::v1::ReportRow* total = FindRow(*states, {"TOTAL"});
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(Cell(*states, *total, "cases"), "1");
}

// T1: K5's offer (2023-09-01) is not recorded yet: READY_FOR_OFFERS. K4 is
// closed then (reopened after T1) and still counts once, rehoused.
TEST_F(ProgressReportTest, SummaryKnownAtT1) {
  const ReportTables tables = Year2023(ReportFixture::T1());
  ExpectFigures(tables, "summary", {"TOTAL"},
                {"7", "2", "1", "1", "5", "5", "1", "0", "0", "1", "1"});
  const relog::v1::ReportTable* states =
      FindTable(tables, "in_progress_by_state");
  ASSERT_NE(states, nullptr);
  const relog::v1::ReportRow* ready = FindRow(*states, {"READY_FOR_OFFERS"});
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(Cell(*states, *ready, "cases"), "1");
  const relog::v1::ReportRow* lease = FindRow(*states, {"LEASE_SIGNED"});
  ASSERT_NE(lease, nullptr);
  EXPECT_EQ(Cell(*states, *lease, "cases"), "0");
}

TEST_F(ProgressReportTest, StatesKnownNowAreEmptyButListed) {
  const ReportTables tables = Year2023();
  const relog::v1::ReportTable* states =
      FindTable(tables, "in_progress_by_state");
  ASSERT_NE(states, nullptr);
  std::vector<std::string> rows;
  for (const relog::v1::ReportRow& row : states->rows()) {
    rows.push_back(CellText(row.cells(0)));
    EXPECT_EQ(Cell(*states, row, "cases"), "0") << rows.back();
  }
  EXPECT_EQ(rows,
            (std::vector<std::string>{
                "IDENTIFIED", "DIAGNOSED", "READY_FOR_OFFERS", "OFFER_PENDING",
                "OFFER_ACCEPTED", "ALLOCATED", "LEASE_SIGNED", "TOTAL"}));
}

// By operation: OP-LIL-CONCORDE-1 = K3, K3b (decohabitation identified in
// 2023); OP-MON-NOUVEAUMONS = K4; OP-ROU-ALMA = K1, K2, K5 (K1 identified
// in 2023); OP-TRC-BOURGOGNE = K6 (exited).
TEST_F(ProgressReportTest, ByOperationKnownNow) {
  const ReportTables tables = Year2023();
  ExpectFigures(tables, "by_operation", {"OP-LIL-CONCORDE-1"},
                {"2", "1", "1", "1", "2", "2", "0", "0", "0", "0", "0"});
  ExpectFigures(tables, "by_operation", {"OP-MON-NOUVEAUMONS"},
                {"1", "0", "0", "0", "1", "1", "0", "0", "0", "0", "0"});
  ExpectFigures(tables, "by_operation", {"OP-ROU-ALMA"},
                {"3", "1", "0", "0", "3", "3", "0", "0", "0", "0", "0"});
  ExpectFigures(tables, "by_operation", {"OP-TRC-BOURGOGNE"},
                {"1", "0", "0", "0", "0", "0", "0", "0", "0", "1", "1"});
  ExpectFigures(tables, "by_operation", {"TOTAL"},
                {"7", "2", "1", "1", "6", "6", "0", "0", "0", "1", "1"});
  const relog::v1::ReportTable* table = FindTable(tables, "by_operation");
  ASSERT_NE(table, nullptr);
  ASSERT_EQ(table->rows_size(), 5);
  EXPECT_EQ(Cell(*table, table->rows(2), "operation_id"), "OP-ROU-ALMA");
  EXPECT_EQ(Cell(*table, table->rows(2), "operation_name"),
            "Alma - démolitions");
  EXPECT_EQ(Cell(*table, table->rows(2), "site"), "Roubaix - Alma");
  EXPECT_EQ(Cell(*table, table->rows(4), "operation_id"), "TOTAL");
}

TEST_F(ProgressReportTest, ByOperationKnownAtT2) {
  const ReportTables tables = Year2023(ReportFixture::T2());
  ExpectFigures(tables, "by_operation", {"OP-ROU-ALMA"},
                {"3", "1", "0", "0", "2", "2", "1", "0", "0", "0", "0"});
}

// Site, origin landlord (V: K1, K2, K6; L: K3, K3b, K5; P: K4), origin
// commune (Lille: K3, K3b; Mons: K4; Roubaix: K1, K2, K5; Tourcoing: K6)
// and occupancy (K3b sheltered).
TEST_F(ProgressReportTest, OtherGroupingsKnownNow) {
  const ReportTables tables = Year2023();
  ExpectFigures(tables, "by_site", {"Lille - Concorde"},
                {"2", "1", "1", "1", "2", "2", "0", "0", "0", "0", "0"});
  ExpectFigures(tables, "by_site", {"Roubaix - Alma"},
                {"3", "1", "0", "0", "3", "3", "0", "0", "0", "0", "0"});
  ExpectFigures(tables, "by_origin_landlord", {kLandlordV, "Vilogia"},
                {"3", "1", "0", "0", "2", "2", "0", "0", "0", "1", "1"});
  ExpectFigures(tables, "by_origin_landlord",
                {kLandlordL, "Lille Métropole Habitat (LMH)"},
                {"3", "1", "1", "1", "3", "3", "0", "0", "0", "0", "0"});
  ExpectFigures(tables, "by_origin_landlord", {kLandlordP, "Partenord Habitat"},
                {"1", "0", "0", "0", "1", "1", "0", "0", "0", "0", "0"});
  ExpectFigures(tables, "by_origin_commune", {kLille, "Lille"},
                {"2", "1", "1", "1", "2", "2", "0", "0", "0", "0", "0"});
  ExpectFigures(tables, "by_origin_commune", {kMons, "Mons-en-Barœul"},
                {"1", "0", "0", "0", "1", "1", "0", "0", "0", "0", "0"});
  ExpectFigures(tables, "by_origin_commune", {kRoubaix, "Roubaix"},
                {"3", "1", "0", "0", "3", "3", "0", "0", "0", "0", "0"});
  ExpectFigures(tables, "by_origin_commune", {kTourcoing, "Tourcoing"},
                {"1", "0", "0", "0", "0", "0", "0", "0", "0", "1", "1"});
  ExpectFigures(tables, "by_occupancy", {"SHELTERED"},
                {"1", "1", "1", "1", "1", "1", "0", "0", "0", "0", "0"});
  ExpectFigures(tables, "by_occupancy", {"TITULAR_TENANT"},
                {"6", "1", "0", "0", "5", "5", "0", "0", "0", "1", "1"});
}

// K6 left for a private rental on 2023-04-01, no destination commune.
TEST_F(ProgressReportTest, ExitsByOutcome) {
  const ReportTables tables = Year2023();
  const relog::v1::ReportTable* exits = FindTable(tables, "exits_by_outcome");
  ASSERT_NE(exits, nullptr);
  const relog::v1::ReportRow* row =
      FindRow(*exits, {"LEFT_ON_OWN", "PRIVATE_RENTAL"});
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(Cell(*exits, *row, "exited_otherwise"), "1");
  EXPECT_EQ(Cell(*exits, *row, "exited_otherwise_in_period"), "1");
  for (const char* other : {"DECEASED", "EVICTED"}) {
    const relog::v1::ReportRow* r = FindRow(*exits, {other});
    ASSERT_NE(r, nullptr) << other;
    EXPECT_EQ(Cell(*exits, *r, "exited_otherwise"), "0") << other;
  }
  const relog::v1::ReportRow* total = FindRow(*exits, {"TOTAL"});
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(Cell(*exits, *total, "exited_otherwise"), "1");

  const relog::v1::ReportTable* communes =
      FindTable(tables, "left_by_destination_commune");
  ASSERT_NE(communes, nullptr);
  ASSERT_EQ(communes->rows_size(), 2);
  EXPECT_EQ(Cell(*communes, communes->rows(0), "commune_insee"), "");
  EXPECT_EQ(Cell(*communes, communes->rows(0), "left"), "1");
  EXPECT_EQ(Cell(*communes, communes->rows(1), "commune_insee"), "TOTAL");
}

// No household of the fixture returned its keys: every one still blocks
// its building. Known now every rehoused household has moved; at T2 K5
// (OP-ROU-ALMA BAT-A) still lives there. K6 exited and is closed.
TEST_F(ProgressReportTest, Buildings) {
  struct Expected {
    std::string operation, building, dwellings, planned, households, not_out,
        in_place, moved, exited, closed;
  };
  const std::vector<Expected> now = {
      {"OP-LIL-CONCORDE-1", "BAT-A", "48", "2021-01-01", "2", "2", "0", "2",
       "0", "0"},
      {"OP-MON-NOUVEAUMONS", "BAT-A", "30", "2025-05-01", "1", "1", "0", "1",
       "0", "0"},
      {"OP-ROU-ALMA", "BAT-A", "40", "2023-03-01", "1", "1", "0", "1", "0",
       "0"},
      {"OP-ROU-ALMA", "BAT-B", "32", "2024-06-01", "2", "2", "0", "2", "0",
       "0"},
      {"OP-TRC-BOURGOGNE", "BAT-A", "28", "2024-04-01", "1", "1", "0", "0", "1",
       "1"},
      {"TOTAL", "", "", "", "7", "7", "0", "6", "1", "1"},
  };
  const ReportTables tables = Year2023();
  const relog::v1::ReportTable* buildings = FindTable(tables, "buildings");
  ASSERT_NE(buildings, nullptr);
  ASSERT_EQ(buildings->rows_size(), static_cast<int>(now.size()));
  for (size_t i = 0; i < now.size(); ++i) {
    const relog::v1::ReportRow& row = buildings->rows(static_cast<int>(i));
    const Expected& e = now[i];
    EXPECT_EQ(Cell(*buildings, row, "operation_id"), e.operation);
    EXPECT_EQ(Cell(*buildings, row, "building_id"), e.building);
    EXPECT_EQ(Cell(*buildings, row, "dwellings"), e.dwellings);
    EXPECT_EQ(Cell(*buildings, row, "demolition_planned"), e.planned);
    EXPECT_EQ(Cell(*buildings, row, "households"), e.households);
    EXPECT_EQ(Cell(*buildings, row, "keys_returned"), "0");
    EXPECT_EQ(Cell(*buildings, row, "not_out"), e.not_out);
    EXPECT_EQ(Cell(*buildings, row, "still_in_place"), e.in_place);
    EXPECT_EQ(Cell(*buildings, row, "moved_keys_not_returned"), e.moved);
    EXPECT_EQ(Cell(*buildings, row, "exited_keys_not_returned"), e.exited);
    EXPECT_EQ(Cell(*buildings, row, "closed_keys_not_returned"), e.closed);
  }

  const ReportTables at_t2 = Year2023(ReportFixture::T2());
  const relog::v1::ReportTable* t2 = FindTable(at_t2, "buildings");
  ASSERT_NE(t2, nullptr);
  const relog::v1::ReportRow* alma_a = FindRow(*t2, {"OP-ROU-ALMA"});
  ASSERT_NE(alma_a, nullptr);
  EXPECT_EQ(Cell(*t2, *alma_a, "building_id"), "BAT-A");
  EXPECT_EQ(Cell(*t2, *alma_a, "still_in_place"), "1");
  EXPECT_EQ(Cell(*t2, *alma_a, "moved_keys_not_returned"), "0");
}

// K1 returns its keys on 2023-06-01 (recorded later): BAT-B keeps K2 only;
// a 2024 KeysReturned would not count on 2023-12-31.
TEST_F(ProgressReportTest, KeysReturnedFreeTheBuilding) {
  cases::Command keys;
  keys.step.emplace().mutable_keys_returned();
  ASSERT_OK(fixture_
                ->Record("K1", keys, absl::CivilDay(2023, 6, 1),
                         ReportFixture::Noon(absl::CivilDay(2024, 3, 1)))
                .status());
  ASSERT_OK(fixture_
                ->Record("K2", keys, absl::CivilDay(2024, 1, 10),
                         ReportFixture::Noon(absl::CivilDay(2024, 3, 1)))
                .status());
  const ReportTables tables = Year2023();
  const relog::v1::ReportTable* buildings = FindTable(tables, "buildings");
  ASSERT_NE(buildings, nullptr);
  const relog::v1::ReportRow* row = nullptr;
  for (const relog::v1::ReportRow& r : buildings->rows()) {
    if (Cell(*buildings, r, "building_id") == "BAT-B") row = &r;
  }
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(Cell(*buildings, *row, "households"), "2");
  EXPECT_EQ(Cell(*buildings, *row, "keys_returned"), "1");
  EXPECT_EQ(Cell(*buildings, *row, "not_out"), "1");
  EXPECT_EQ(Cell(*buildings, *row, "moved_keys_not_returned"), "1");
}

// D18 on the origin: an operation, a landlord, a commune, a coordination
// body (COORD-ROUBAIX = Roubaix and Hem; COORD-LILLE = Lille, Loos, Mons).
TEST_F(ProgressReportTest, Filters) {
  relog::v1::ReportFilters operation;
  operation.set_operation_id("OP-ROU-ALMA");
  ExpectFigures(Filtered(operation), "summary", {"TOTAL"},
                {"3", "1", "0", "0", "3", "3", "0", "0", "0", "0", "0"});

  relog::v1::ReportFilters landlord;
  landlord.set_landlord_id(kLandlordV);  // K1, K2, K6
  const ReportTables by_landlord = Filtered(landlord);
  ExpectFigures(by_landlord, "summary", {"TOTAL"},
                {"3", "1", "0", "0", "2", "2", "0", "0", "0", "1", "1"});
  const relog::v1::ReportTable* ops = FindTable(by_landlord, "by_operation");
  ASSERT_NE(ops, nullptr);
  EXPECT_EQ(ops->rows_size(), 3);  // OP-ROU-ALMA, OP-TRC-BOURGOGNE, TOTAL

  relog::v1::ReportFilters commune;
  commune.set_commune_insee(kLille);  // K3, K3b
  ExpectFigures(Filtered(commune), "summary", {"TOTAL"},
                {"2", "1", "1", "1", "2", "2", "0", "0", "0", "0", "0"});

  relog::v1::ReportFilters roubaix;
  roubaix.set_coordination_body_id("COORD-ROUBAIX");  // K1, K2, K5
  const ReportTables by_body = Filtered(roubaix);
  ExpectFigures(by_body, "summary", {"TOTAL"},
                {"3", "1", "0", "0", "3", "3", "0", "0", "0", "0", "0"});
  const relog::v1::ReportTable* buildings = FindTable(by_body, "buildings");
  ASSERT_NE(buildings, nullptr);
  EXPECT_EQ(buildings->rows_size(), 3);  // ALMA BAT-A, BAT-B, TOTAL

  relog::v1::ReportFilters lille;
  lille.set_coordination_body_id("COORD-LILLE");  // K3, K3b, K4
  ExpectFigures(Filtered(lille), "summary", {"TOTAL"},
                {"3", "1", "1", "1", "3", "3", "0", "0", "0", "0", "0"});
}

}  // namespace
}  // namespace relog::reports::testing
