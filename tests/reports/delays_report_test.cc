// Delays (docs/REPORTS.md "### 7. Delays", D14, D16), compared cell by cell
// with "### Delays (2023)" known now and at T2; at T1 and by operation the
// figures are computed by hand below from the same fixture.
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

using relog::v1::REPORT_KIND_DELAYS;

// interval, n, median, p90.
struct Stat {
  std::string interval, n, median, p90;
};

class DelaysReportTest : public FixtureReportTest {
 protected:
  ReportTables Run(std::optional<absl::Time> known_at = {},
                   const relog::v1::ReportFilters& filters = {}) {
    relog::v1::GetReportRequest request =
        Request(REPORT_KIND_DELAYS, 2023, filters);
    return RunOrFail(request, known_at);
  }
};

// The overall table holds exactly `expected`, in order.
void ExpectIntervals(const ReportTables& tables,
                     const std::vector<Stat>& expected) {
  const relog::v1::ReportTable* table = FindTable(tables, "intervals");
  ASSERT_NE(table, nullptr);
  ASSERT_EQ(table->rows_size(), static_cast<int>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    const relog::v1::ReportRow& row = table->rows(static_cast<int>(i));
    const Stat& e = expected[i];
    EXPECT_EQ(Cell(*table, row, "interval"), e.interval);
    EXPECT_EQ(Cell(*table, row, "n"), e.n) << e.interval;
    EXPECT_EQ(Cell(*table, row, "median_days"), e.median) << e.interval;
    EXPECT_EQ(Cell(*table, row, "p90_days"), e.p90) << e.interval;
  }
}

// REPORTS.md "### Delays (2023)", known now:
// I→Dg K1 30, K3b 27; Dg→O K1 30, K3 121, K3b 28, K4 40, K5 457;
// O→A K1 10, K2 269, K3 7, K3b 7, K4 10, K5 10; A→C 30, 15, 21, 28, 26, 21;
// C→L 15, 19, 19, 15, 14, 31; L→M 15, 14, 14, 12, 121, 18;
// I→M 130, 379, 214, 117, 240, 567. p90 with n ≤ 9 is the maximum.
TEST_F(DelaysReportTest, KnownNow) {
  ExpectIntervals(Run(), {{"I_DG", "2", "28.5", "30"},
                          {"DG_O", "5", "40.0", "457"},
                          {"O_A", "6", "10.0", "269"},
                          {"A_C", "6", "23.5", "30"},
                          {"C_L", "6", "17.0", "31"},
                          {"L_M", "6", "14.5", "121"},
                          {"I_M", "6", "227.0", "567"}});
  const ReportTables tables = Run();
  const relog::v1::ReportTable* table = FindTable(tables, "intervals");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(Cell(*table, table->rows(0), "label"), "I→Dg");
}

// T2: K5's move is absent: L→M n 5, median 14, p90 121; I→M n 5, median
// 214, p90 379; the other rows are unchanged (K5's lease was on time).
TEST_F(DelaysReportTest, KnownAtT2) {
  ExpectIntervals(Run(ReportFixture::T2()), {{"I_DG", "2", "28.5", "30"},
                                             {"DG_O", "5", "40.0", "457"},
                                             {"O_A", "6", "10.0", "269"},
                                             {"A_C", "6", "23.5", "30"},
                                             {"C_L", "6", "17.0", "31"},
                                             {"L_M", "5", "14.0", "121"},
                                             {"I_M", "5", "214.0", "379"}});
}

// T1 (2023-08-31): nothing of K5 after its committee is known (offer
// 2023-09-01). By hand, sorted:
// Dg→O 28, 30, 40, 121 → median (30 + 40) / 2 = 35, p90 ⌈3.6⌉ = 4th = 121;
// O→A 7, 7, 10, 10, 269 → 10, 269; A→C 15, 21, 26, 28, 30 → 26, 30;
// C→L 14, 15, 15, 19, 19 → 15, 19; L→M 12, 14, 14, 15, 121 → 14, 121;
// I→M 117, 130, 214, 240, 379 → 214, 379.
TEST_F(DelaysReportTest, KnownAtT1) {
  ExpectIntervals(Run(ReportFixture::T1()), {{"I_DG", "2", "28.5", "30"},
                                             {"DG_O", "4", "35.0", "121"},
                                             {"O_A", "5", "10.0", "269"},
                                             {"A_C", "5", "26.0", "30"},
                                             {"C_L", "5", "15.0", "19"},
                                             {"L_M", "5", "14.0", "121"},
                                             {"I_M", "5", "214.0", "379"}});
}

// By operation, known now (from the values of REPORTS.md):
// OP-LIL-CONCORDE-1 = K3, K3b; OP-MON-NOUVEAUMONS = K4; OP-ROU-ALMA = K1,
// K2, K5. OP-TRC-BOURGOGNE (K6, exited, no diagnosis) has no row.
TEST_F(DelaysReportTest, ByOperationKnownNow) {
  const ReportTables tables = Run();
  const relog::v1::ReportTable* table = FindTable(tables, "by_operation");
  ASSERT_NE(table, nullptr);
  const std::vector<std::pair<std::string, Stat>> expected = {
      // K3b 27.
      {"OP-LIL-CONCORDE-1", {"I_DG", "1", "27.0", "27"}},
      // K3 121, K3b 28 → (28 + 121) / 2 = 74.5.
      {"OP-LIL-CONCORDE-1", {"DG_O", "2", "74.5", "121"}},
      {"OP-LIL-CONCORDE-1", {"O_A", "2", "7.0", "7"}},
      // 21, 28 → 24.5.
      {"OP-LIL-CONCORDE-1", {"A_C", "2", "24.5", "28"}},
      {"OP-LIL-CONCORDE-1", {"C_L", "2", "17.0", "19"}},
      {"OP-LIL-CONCORDE-1", {"L_M", "2", "13.0", "14"}},
      // 214, 117 → 165.5.
      {"OP-LIL-CONCORDE-1", {"I_M", "2", "165.5", "214"}},
      // K4's diagnosis is 2022: no I→Dg in 2023.
      {"OP-MON-NOUVEAUMONS", {"I_DG", "0", "", ""}},
      {"OP-MON-NOUVEAUMONS", {"DG_O", "1", "40.0", "40"}},
      {"OP-MON-NOUVEAUMONS", {"O_A", "1", "10.0", "10"}},
      {"OP-MON-NOUVEAUMONS", {"A_C", "1", "26.0", "26"}},
      {"OP-MON-NOUVEAUMONS", {"C_L", "1", "14.0", "14"}},
      {"OP-MON-NOUVEAUMONS", {"L_M", "1", "121.0", "121"}},
      {"OP-MON-NOUVEAUMONS", {"I_M", "1", "240.0", "240"}},
      {"OP-ROU-ALMA", {"I_DG", "1", "30.0", "30"}},
      // K1 30, K5 457 → 243.5.
      {"OP-ROU-ALMA", {"DG_O", "2", "243.5", "457"}},
      // 10, 269, 10.
      {"OP-ROU-ALMA", {"O_A", "3", "10.0", "269"}},
      {"OP-ROU-ALMA", {"A_C", "3", "21.0", "30"}},    // 30, 15, 21
      {"OP-ROU-ALMA", {"C_L", "3", "19.0", "31"}},    // 15, 19, 31
      {"OP-ROU-ALMA", {"L_M", "3", "15.0", "18"}},    // 15, 14, 18
      {"OP-ROU-ALMA", {"I_M", "3", "379.0", "567"}},  // 130, 379, 567
  };
  ASSERT_EQ(table->rows_size(), static_cast<int>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    const relog::v1::ReportRow& row = table->rows(static_cast<int>(i));
    const auto& [operation, e] = expected[i];
    EXPECT_EQ(Cell(*table, row, "operation_id"), operation);
    EXPECT_EQ(Cell(*table, row, "interval"), e.interval);
    EXPECT_EQ(Cell(*table, row, "n"), e.n) << operation << " " << e.interval;
    EXPECT_EQ(Cell(*table, row, "median_days"), e.median)
        << operation << " " << e.interval;
    EXPECT_EQ(Cell(*table, row, "p90_days"), e.p90)
        << operation << " " << e.interval;
  }
  EXPECT_EQ(Cell(*table, table->rows(0), "operation_name"),
            "Concorde - démolitions phase 1");
}

// D18 on the origin: an operation, a landlord, a commune, a coordination
// body.
TEST_F(DelaysReportTest, Filters) {
  relog::v1::ReportFilters operation;
  operation.set_operation_id("OP-LIL-CONCORDE-1");
  const std::vector<Stat> concorde = {
      {"I_DG", "1", "27.0", "27"}, {"DG_O", "2", "74.5", "121"},
      {"O_A", "2", "7.0", "7"},    {"A_C", "2", "24.5", "28"},
      {"C_L", "2", "17.0", "19"},  {"L_M", "2", "13.0", "14"},
      {"I_M", "2", "165.5", "214"}};
  ExpectIntervals(Run({}, operation), concorde);

  relog::v1::ReportFilters commune;
  commune.set_commune_insee(kLille);  // K3, K3b
  ExpectIntervals(Run({}, commune), concorde);

  relog::v1::ReportFilters landlord;
  landlord.set_landlord_id(kLandlordP);  // K4
  ExpectIntervals(Run({}, landlord), {{"I_DG", "0", "", ""},
                                      {"DG_O", "1", "40.0", "40"},
                                      {"O_A", "1", "10.0", "10"},
                                      {"A_C", "1", "26.0", "26"},
                                      {"C_L", "1", "14.0", "14"},
                                      {"L_M", "1", "121.0", "121"},
                                      {"I_M", "1", "240.0", "240"}});

  relog::v1::ReportFilters body;
  body.set_coordination_body_id("COORD-ROUBAIX");  // K1, K2, K5
  ExpectIntervals(Run({}, body), {{"I_DG", "1", "30.0", "30"},
                                  {"DG_O", "2", "243.5", "457"},
                                  {"O_A", "3", "10.0", "269"},
                                  {"A_C", "3", "21.0", "30"},
                                  {"C_L", "3", "19.0", "31"},
                                  {"L_M", "3", "15.0", "18"},
                                  {"I_M", "3", "379.0", "567"}});
}

}  // namespace
}  // namespace relog::reports::testing
