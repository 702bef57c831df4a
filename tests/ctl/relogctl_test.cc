// relogctl end to end: the real binary against a real relogd child process.
#include <signal.h>
#include <stdio.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
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

class RelogctlCaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    relogd_ = std::make_unique<testing::RelogdProcess>(
        RELOGD_PATH, RELOG_SOURCE_DIR, dir_.Sub("data"), dir_);
    ASSERT_FALSE(relogd_->address().empty()) << "relogd did not start";
    server_ = "--server=" + relogd_->address();
  }

  // relogctl's stdout and stderr (or stdout only), then "exit=N".
  std::string Run(const std::string& args, bool with_stderr = true) {
    return testing::RunShell(
        absl::StrCat(RELOGCTL_PATH, " ", server_, " ", args), with_stderr);
  }

  TempDir dir_;
  std::unique_ptr<testing::RelogdProcess> relogd_;
  std::string server_;
};

constexpr char kIdentify[] =
    "identify --occurred_at=2020-03-02 --reference=CTL-TEST-1 "
    "--operation_id=OP-LIL-CONCORDE-1 --building_id=BAT-A "
    "--origin.facts.landlord_id=999000029 --commune_insee=59350 "
    "--quartier_code=QP059001 --typology=t3 --surface_m2=64 --floor=2 "
    "--financing=plus --rent=380.50 --charges=60 --occupancy=titular_tenant "
    "--register_id=RPLS-CTL-1";

TEST_F(RelogctlCaseTest, IdentifiesThenGetsTheCase) {
  std::string out = Run(absl::StrCat("--json ", kIdentify), false);
  ASSERT_THAT(out, HasSubstr("exit=0")) << out;
  relog::v1::CaseCommandResponse response;
  const std::string json = out.substr(0, out.find("\nexit="));
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &response).ok())
      << json;
  const std::string name = response.case_().name();
  ASSERT_THAT(name, ::testing::StartsWith("cases/"));
  EXPECT_EQ(response.case_().identification().origin().facts().rent_cents(),
            38050);

  std::string get = Run("case get " + name);
  EXPECT_THAT(get, HasSubstr("CTL-TEST-1"));
  EXPECT_THAT(get, HasSubstr("IDENTIFIED"));
  EXPECT_THAT(get, HasSubstr("next steps:"));
  EXPECT_THAT(get, HasSubstr("exit=0"));
  EXPECT_THAT(Run("--json case get --reference=CTL-TEST-1"),
              HasSubstr("\"name\":\"" + name + "\""));
  EXPECT_THAT(Run("case list --operation=OP-LIL-CONCORDE-1"), HasSubstr(name));
  std::string history = Run("case history " + name);
  EXPECT_THAT(history, HasSubstr("HouseholdIdentified"));
  EXPECT_THAT(history, HasSubstr("exit=0"));

  // A step, then its correction.
  ASSERT_THAT(Run("notice " + name +
                  " --occurred_at=2020-03-10 --method=registered_letter"),
              HasSubstr("exit=0"));
  std::string corrected = Run("correct " + name +
                              " --occurred_at=2020-03-20 --corrected_version=1 "
                              "--occurred_on=2020-03-11 --reason=typing_error");
  EXPECT_THAT(corrected, HasSubstr("exit=0"));
  EXPECT_THAT(Run("case get " + name), HasSubstr("2020-03-11"));
}

TEST_F(RelogctlCaseTest, ErrorsExitOneWithTheReasonAndUsageErrorsTwo) {
  std::string missing =
      Run("notice cases/does-not-exist --method=registered_letter");
  EXPECT_THAT(missing, HasSubstr("NOT_FOUND"));
  EXPECT_THAT(missing, HasSubstr("reason CASE_NOT_FOUND"));
  EXPECT_THAT(missing, HasSubstr("request_id "));
  EXPECT_THAT(missing, HasSubstr("exit=1"));

  std::string bad = Run(
      "identify --occurred_at=2020-03-02 --reference=X "
      "--operation_id=OP-NOWHERE --building_id=BAT-A --occupancy=sheltered");
  EXPECT_THAT(bad, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(bad, HasSubstr("exit=1"));

  std::string usage = Run("notice cases/x --colour=blue");
  EXPECT_THAT(usage, HasSubstr("--colour"));
  EXPECT_THAT(usage, HasSubstr("exit=2"));
  EXPECT_THAT(Run("offer make cases/x --typology=t9"), HasSubstr("exit=2"));
  EXPECT_THAT(Run("case list --state=nonsense"), HasSubstr("exit=2"));
}

// 40 households cannot keep 64 commands in flight (one command at a time
// per case): 100 can.
TEST_F(RelogctlCaseTest, DemoBuildsADatasetWithoutUnexpectedErrors) {
  std::string out = Run(absl::StrCat(
      "demo --households=100 --seed=3 --in_flight=64 --reference_dir=",
      RELOG_SOURCE_DIR, "/deploy/reference/mel"));
  EXPECT_THAT(out, HasSubstr("unexpected errors     0\n")) << out;
  EXPECT_THAT(out, HasSubstr("max in flight         64 ")) << out;
  EXPECT_THAT(out, HasSubstr("exit=0")) << out;
  EXPECT_THAT(Run("case list --all"), HasSubstr("exit=0"));
}

std::string ReadFile(const std::string& path) {
  return testing::ReadFileOrEmpty(path);
}

TEST_F(RelogctlCaseTest, ReportsPrintTablesWriteCsvAnnexesAndRebuild) {
  ASSERT_THAT(Run(kIdentify), HasSubstr("exit=0"));
  std::string progress = Run("report progress --year=2020");
  EXPECT_THAT(progress, HasSubstr("exit=0")) << progress;
  EXPECT_THAT(progress, HasSubstr("OP-LIL-CONCORDE-1")) << progress;

  const std::string annexes = dir_.Sub("annexes");
  std::string csv =
      Run("report progress --year=2020 --separator=';' --decimal_comma "
          "--csv=" +
          annexes);
  ASSERT_THAT(csv, HasSubstr("exit=0")) << csv;
  // The files it lists are there, each a UTF-8 BOM, then the preamble that
  // ties the figures to the log, with the French separator.
  size_t files = 0;
  for (absl::string_view line : absl::StrSplit(csv, '\n')) {
    const size_t at = line.find(annexes);
    if (at == absl::string_view::npos) continue;
    // "<path>\t<n> row(s)"
    absl::string_view rest = line.substr(at);
    const std::string path(rest.substr(0, rest.find_first_of("\t ")));
    const std::string bytes = ReadFile(path);
    ASSERT_FALSE(bytes.empty()) << path;
    EXPECT_TRUE(absl::StartsWith(bytes,
                                 "\xEF\xBB\xBF"
                                 "report;progress\r\n"))
        << path;
    EXPECT_THAT(bytes, HasSubstr("\r\ndefinitions_version;v2\r\n"));
    EXPECT_THAT(bytes, HasSubstr("\r\nperiod_from;2020-01-01\r\n"));
    ++files;
  }
  EXPECT_GT(files, 0u) << csv;

  EXPECT_THAT(
      Run("report progress --year=2020 --decimal_comma --csv=" + annexes),
      HasSubstr("exit=2"));
  EXPECT_THAT(Run("report nonsense"), HasSubstr("exit=2"));
  std::string list = Run("projections list");
  EXPECT_THAT(list, HasSubstr("report-facts"));
  EXPECT_THAT(list, HasSubstr("exit=0"));
  EXPECT_THAT(Run("projections rebuild report-facts"), HasSubstr("exit=0"));
  EXPECT_THAT(Run("projections rebuild nothing-of-the-kind"),
              HasSubstr("exit=1"));
}

// The JSON lines of `out` (before "exit="), one event each.
std::vector<std::string> EventLines(const std::string& out) {
  std::vector<std::string> lines;
  for (absl::string_view line :
       absl::StrSplit(out.substr(0, out.find("exit=")), '\n')) {
    if (absl::StartsWith(line, "{")) lines.emplace_back(line);
  }
  return lines;
}

// A back-office feed through `relogctl subscribe`: it saves its position,
// relogd is killed (SIGKILL) and restarted on the same data, more steps
// are recorded, and the resumed feed prints exactly the events it had not
// printed — together, what one uninterrupted feed prints.
TEST_F(RelogctlCaseTest, SubscribeResumesFromItsPositionFileAcrossAKill) {
  ASSERT_THAT(Run(kIdentify), HasSubstr("exit=0"));
  const std::string position_file = dir_.Sub("feed.position");
  const std::string feed = absl::StrCat(
      "--json subscribe --landlord=999000029 --until_caught_up "
      "--position_file=",
      position_file);
  const std::string first = Run(feed, false);
  ASSERT_THAT(first, HasSubstr("exit=0")) << first;
  ASSERT_EQ(EventLines(first).size(), 1u) << first;
  EXPECT_THAT(first, HasSubstr("\"type\":\"relog.v1.HouseholdIdentified\""));
  EXPECT_THAT(ReadFile(position_file), ::testing::MatchesRegex("[0-9]+\n"));

  relogd_->process().Signal(SIGKILL);
  relogd_->process().WaitForExit(absl::Seconds(30));
  relogd_ = std::make_unique<testing::RelogdProcess>(
      RELOGD_PATH, RELOG_SOURCE_DIR, dir_.Sub("data"), dir_);
  ASSERT_FALSE(relogd_->address().empty()) << "relogd did not restart";
  server_ = "--server=" + relogd_->address();
  std::string kIdentify2 = kIdentify;
  absl::StrReplaceAll(
      {{"CTL-TEST-1", "CTL-TEST-2"}, {"RPLS-CTL-1", "RPLS-CTL-2"}},
      &kIdentify2);
  ASSERT_THAT(Run(kIdentify2), HasSubstr("exit=0"));
  // Another landlord's case: not for this feed.
  std::string other = kIdentify;
  absl::StrReplaceAll({{"CTL-TEST-1", "CTL-TEST-3"},
                       {"RPLS-CTL-1", "RPLS-CTL-3"},
                       {"OP-LIL-CONCORDE-1", "OP-ROU-ALMA"},
                       {"999000029", "999000011"},
                       {"59350", "59512"},
                       {"QP059001", "QP059002"},
                       {"BAT-A", "BAT-B"}},
                      &other);
  ASSERT_THAT(Run(other), HasSubstr("exit=0"));

  const std::string second = Run(feed, false);
  ASSERT_THAT(second, HasSubstr("exit=0")) << second;
  ASSERT_EQ(EventLines(second).size(), 1u) << second;
  EXPECT_THAT(second, HasSubstr("CTL-TEST-2"));

  const std::string whole =
      Run("--json subscribe --landlord=999000029 --until_caught_up --after=0",
          false);
  std::vector<std::string> resumed = EventLines(first);
  for (const std::string& line : EventLines(second)) resumed.push_back(line);
  EXPECT_EQ(resumed, EventLines(whole));

  // The auditor's timeline of that case, now and before it existed.
  const std::string first_line = EventLines(first)[0];
  const size_t at = first_line.find("\"case\":\"") + 8;
  const std::string name = first_line.substr(at, first_line.find('"', at) - at);
  const std::string replay = Run("audit replay " + name);
  EXPECT_THAT(replay, HasSubstr("HouseholdIdentified"));
  EXPECT_THAT(replay, HasSubstr("-> IDENTIFIED"));
  EXPECT_THAT(replay, HasSubstr("exit=0"));
  const std::string before =
      Run("audit replay " + name + " --known_at=2001-01-01");
  EXPECT_THAT(before, HasSubstr("CASE_NOT_FOUND"));
  EXPECT_THAT(before, HasSubstr("exit=1"));

  // A text feed of everything, and a usage error.
  const std::string text = Run("subscribe --until_caught_up");
  EXPECT_THAT(text, HasSubstr("relog.v1.HouseholdIdentified"));
  EXPECT_THAT(text, HasSubstr("exit=0"));
  EXPECT_THAT(Run("subscribe --after=x"), HasSubstr("exit=2"));
  const std::string bad = Run("subscribe --type=Nope --until_caught_up");
  EXPECT_THAT(bad, HasSubstr("event_types[0]"));
  EXPECT_THAT(bad, HasSubstr("exit=1"));
}

}  // namespace
}  // namespace relog
