// relogctl import end to end: the real binary on the shipped example file
// against a real relogd child process. Importing twice changes nothing (the
// log head does not move), a corrected file records corrections on the
// same cases, a bad row is rejected with its line while the rest imports.
#include <stdio.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "tests/testing/relogd_process.h"
#include "tests/testing/shell.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    relogd_ = std::make_unique<testing::RelogdProcess>(
        RELOGD_PATH, RELOG_SOURCE_DIR, dir_.Sub("data"), dir_);
    ASSERT_FALSE(relogd_->address().empty()) << "relogd did not start";
    stub_ = relog::v1::CaseService::NewStub(relogd_->channel());
  }

  // relogctl's stdout and stderr, then "exit=N".
  std::string Run(const std::string& args) {
    return testing::RunShell(absl::StrCat(
        RELOGCTL_PATH, " --server=", relogd_->address(), " ", args));
  }

  std::string Import(const std::string& file, const std::string& flags = "") {
    return Run(absl::StrCat("import ", RELOG_SOURCE_DIR, "/deploy/import/",
                            file, " --id_secret_file=", dir_.Sub("id.secret"),
                            " ", flags));
  }

  // The figure of a summary line ("imported           14").
  static int64_t Count(const std::string& out, const std::string& label) {
    for (absl::string_view line : absl::StrSplit(out, '\n')) {
      if (absl::ConsumePrefix(&line, label)) {
        line = absl::StripLeadingAsciiWhitespace(line);
        int64_t n = -1;
        if (absl::SimpleAtoi(line.substr(0, line.find(' ')), &n)) return n;
      }
    }
    return -1;
  }

  uint64_t HeadPosition() {
    const std::string out = Run("log head");
    uint64_t position = 0;
    EXPECT_TRUE(absl::SimpleAtoi(
        absl::StripAsciiWhitespace(Between(out, "position", "\n")), &position))
        << out;
    return position;
  }

  static std::string Between(const std::string& s, const std::string& a,
                             const std::string& b) {
    const size_t i = s.find(a);
    if (i == std::string::npos) return "";
    const size_t j = s.find(b, i + a.size());
    return s.substr(i + a.size(), j - i - a.size());
  }

  relog::v1::Case ByKey(const std::string& landlord,
                        const std::string& tenant) {
    relog::v1::GetCaseRequest request;
    request.mutable_household_key()->set_landlord_id(landlord);
    request.mutable_household_key()->set_tenant_reference(tenant);
    relog::v1::Case found;
    grpc::ClientContext context;
    grpc::Status status = stub_->GetCase(&context, request, &found);
    EXPECT_TRUE(status.ok()) << tenant << ": " << status.error_message();
    return found;
  }

  int64_t CaseCount() {
    relog::v1::ListCasesRequest request;
    request.set_page_size(1000);
    relog::v1::ListCasesResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->ListCases(&context, request, &response).ok());
    return response.cases_size();
  }

  TempDir dir_;
  std::unique_ptr<testing::RelogdProcess> relogd_;
  std::unique_ptr<relog::v1::CaseService::Stub> stub_;
};

TEST_F(ImportTest, ExampleImportsOnceThenCorrectionsOnTheSameCases) {
  // First import: 14 households (one of them a decohabitation), 6 rows
  // rejected, each with its line, column and reason; the others go on.
  std::string out = Import("example.csv", "--parallel=4");
  EXPECT_EQ(Count(out, "imported  "), 14) << out;
  EXPECT_EQ(Count(out, "already present"), 0) << out;
  EXPECT_EQ(Count(out, "corrected"), 0) << out;
  EXPECT_EQ(Count(out, "rejected"), 6) << out;
  EXPECT_EQ(Count(out, "imported history"), 4) << out;
  EXPECT_THAT(out, HasSubstr("exit=1"));
  // Row 15 is on line 17: row 13's quoted address spans two lines.
  EXPECT_THAT(out, HasSubstr("line 17, column surface_m2: \"soixante\" is not "
                             "a number"));
  EXPECT_THAT(out, HasSubstr("line 18, column diagnosed_on: 2099-02-01 is "
                             "after today"));
  EXPECT_THAT(out, HasSubstr("line 19, column moved_on: needs "
                             "lease_signed_on"));
  // Refused by relogd (the building is unknown): its field names the column.
  EXPECT_THAT(out, HasSubstr("line 20, column building_id: "
                             "IdentifyHousehold: "));
  EXPECT_THAT(out, HasSubstr("REFERENCE_NOT_FOUND"));
  EXPECT_THAT(out, HasSubstr("line 21, column tenant_reference: the same "
                             "household as line 2"));
  EXPECT_THAT(out, HasSubstr("line 22, column committee_validated_on: "));
  EXPECT_EQ(CaseCount(), 14);

  // The cases are those of the rows, through the same commands.
  relog::v1::Case rehoused = ByKey("999000011", "VIL-20004");
  EXPECT_EQ(rehoused.state(), relog::v1::Case::CLOSED);
  EXPECT_EQ(rehoused.rehoused_on(), "2019-06-15");
  EXPECT_TRUE(rehoused.imported_history());
  EXPECT_THAT(Run("case get " + rehoused.name()),
              HasSubstr("imported, with steps missing"));
  // The progress report counts the flagged cases apart (rows 4, 5, 6, 10).
  EXPECT_THAT(Run("report progress --year=2023 --table=summary --csv=" +
                  dir_.Sub("csv")),
              HasSubstr("exit=0"));
  {
    std::ifstream in(dir_.Sub("csv") + "/progress-summary.csv");
    std::string header, total;
    // The CSV annex starts with comment lines stating what it reflects.
    while (std::getline(in, header) && header.rfind("scope", 0) != 0) {
    }
    std::getline(in, total);
    // CSV annexes end their lines with CRLF.
    header = std::string(absl::StripAsciiWhitespace(header));
    total = std::string(absl::StripAsciiWhitespace(total));
    const std::vector<std::string> names = absl::StrSplit(header, ',');
    const std::vector<std::string> cells = absl::StrSplit(total, ',');
    const auto it = std::find(names.begin(), names.end(), "imported_history");
    ASSERT_NE(it, names.end()) << header;
    ASSERT_EQ(cells.size(), names.size()) << total;
    EXPECT_EQ(cells[it - names.begin()], "4") << header << "\n" << total;
  }
  relog::v1::Case in_progress = ByKey("999000029", "LMH-10003");
  EXPECT_EQ(in_progress.state(), relog::v1::Case::READY_FOR_OFFERS);
  EXPECT_FALSE(in_progress.imported_history());
  ASSERT_EQ(in_progress.decohabitation_cases_size(), 1);
  relog::v1::Case child = ByKey("999000029", "LMH-10003-B");
  EXPECT_EQ(child.parent_case(), in_progress.name());
  EXPECT_EQ(child.state(), relog::v1::Case::DIAGNOSED);
  relog::v1::Case quoted = ByKey("999000029", "LMH-10013");
  EXPECT_EQ(quoted.identification().origin().location().address(),
            "Bâtiment A; escalier 3\nappartement \"32\"");
  EXPECT_EQ(quoted.identification().origin().facts().rent_cents(), 120400);
  EXPECT_EQ(quoted.identification().origin().facts().surface_m2(), 32.75);

  // The same file again: all already present, not one event written.
  const uint64_t head = HeadPosition();
  ASSERT_GT(head, 0u);
  out = Import("example.csv");
  EXPECT_EQ(Count(out, "imported  "), 0) << out;
  EXPECT_EQ(Count(out, "already present"), 14) << out;
  EXPECT_EQ(Count(out, "corrected"), 0) << out;
  EXPECT_EQ(Count(out, "rejected"), 5 + 1) << out;
  EXPECT_EQ(HeadPosition(), head);
  EXPECT_EQ(CaseCount(), 14);

  // The corrected file: row 2's surface, row 4's move date and row 14's
  // committee (an added step) on the same cases; row 15 fixed, imported.
  out = Import("example-corrected.csv");
  EXPECT_EQ(Count(out, "imported  "), 1) << out;
  EXPECT_EQ(Count(out, "already present"), 11) << out;
  EXPECT_EQ(Count(out, "corrected"), 3) << out;
  EXPECT_EQ(Count(out, "rejected"), 5) << out;
  EXPECT_THAT(out, Not(HasSubstr("line 17,")));
  EXPECT_EQ(CaseCount(), 15);  // no duplicate
  relog::v1::Case surface = ByKey("999000029", "LMH-10002");
  EXPECT_EQ(surface.identification().origin().facts().surface_m2(), 87.2);
  EXPECT_EQ(ByKey("999000011", "VIL-20004").rehoused_on(), "2019-06-17");
  EXPECT_EQ(ByKey("999000011", "VIL-20004").name(), rehoused.name());
  EXPECT_EQ(ByKey("999000011", "VIL-20014").state(),
            relog::v1::Case::READY_FOR_OFFERS);
  const uint64_t corrected_head = HeadPosition();
  EXPECT_GT(corrected_head, head);

  // And the corrected file twice: nothing more.
  out = Import("example-corrected.csv");
  EXPECT_EQ(Count(out, "already present"), 15) << out;
  EXPECT_EQ(HeadPosition(), corrected_head);
}

TEST_F(ImportTest, DryRunSendsNothingAndBadHeadersStopTheFile) {
  std::string out = Import("example.csv", "--dry_run");
  EXPECT_THAT(out, HasSubstr("dry run: 15 households valid, 5 rejected"))
      << out;
  EXPECT_EQ(CaseCount(), 0);
  const std::string bad = dir_.Sub("bad.csv");
  FILE* f = fopen(bad.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("reference;landlord_id;tenant_ref;occupancy;identified_on\n", f);
  fclose(f);
  out = Run(absl::StrCat("import ", bad));
  EXPECT_THAT(out, HasSubstr("line 1, column tenant_ref: unknown column"));
  EXPECT_THAT(out, HasSubstr("exit=2"));
}

}  // namespace
}  // namespace relog
