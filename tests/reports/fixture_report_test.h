// The base of the report tests over the hand-computed fixture of
// docs/REPORTS.md: the fixture's store with a ReportRunner on it, and one
// way to ask for a report.
#ifndef RELOG_TESTS_REPORTS_FIXTURE_REPORT_TEST_H_
#define RELOG_TESTS_REPORTS_FIXTURE_REPORT_TEST_H_

#include <memory>
#include <optional>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "relog/v1/reports.pb.h"
#include "tests/reports/report_fixture.h"
#include "tests/reports/report_test_util.h"
#include "tests/testing/status_matchers.h"

namespace relog::reports::testing {

class FixtureReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = ReportFixture::Create();
    ASSERT_NE(fixture_, nullptr);
    runner_ = std::make_unique<ReportRunner>(&fixture_->store());
  }

  // `kind` over the calendar `year` with `filters`.
  static relog::v1::GetReportRequest Request(
      relog::v1::ReportKind kind, int year,
      const relog::v1::ReportFilters& filters = {}) {
    relog::v1::GetReportRequest request;
    request.set_report(kind);
    request.set_year(year);
    *request.mutable_filters() = filters;
    return request;
  }

  // The tables of `request` as known at `known_at` (nullopt: now); a test
  // failure, and no tables, if it fails.
  ReportTables RunOrFail(const relog::v1::GetReportRequest& request,
                         std::optional<absl::Time> known_at = {}) {
    absl::StatusOr<ReportTables> tables = runner_->Run(request, known_at);
    EXPECT_OK(tables.status());
    return tables.ok() ? *std::move(tables) : ReportTables();
  }

  std::unique_ptr<ReportFixture> fixture_;
  std::unique_ptr<ReportRunner> runner_;
};

}  // namespace relog::reports::testing

#endif  // RELOG_TESTS_REPORTS_FIXTURE_REPORT_TEST_H_
