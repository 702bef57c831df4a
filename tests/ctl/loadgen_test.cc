// relog-loadgen end to end: the real binary against a real relogd child,
// with deliberate conflicts; what it prints adds up.
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/relogd_process.h"
#include "tests/testing/shell.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The first number after `label` at the start of a line of `out`; -1 if
// there is none.
int64_t Figure(const std::string& out, const std::string& label) {
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    line = absl::StripLeadingAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, label)) continue;
    std::vector<absl::string_view> words =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    int64_t n = 0;
    if (!words.empty() && absl::SimpleAtoi(words[0], &n)) return n;
  }
  return -1;
}

TEST(LoadgenTest, DrivesStoriesWithConflictsAndPrintsWhatItSaw) {
  testing::TempDir dir;
  testing::RelogdProcess relogd(RELOGD_PATH, RELOG_SOURCE_DIR, dir.Sub("data"),
                                dir, {"--access_log=false"});
  ASSERT_FALSE(relogd.address().empty());
  const std::string out = testing::RunShell(absl::StrCat(
      RELOG_LOADGEN_PATH, " --server=", relogd.address(),
      " --clients=8 --duration_seconds=3 --conflict_share=0.2 --seed=4"
      " --journal=",
      dir.Sub("journal.tsv"), " --reference_dir=", RELOG_SOURCE_DIR,
      "/deploy/reference/mel"));
  ASSERT_THAT(out, HasSubstr("exit=0")) << out;
  const int64_t commands = Figure(out, "commands");
  const int64_t ok = Figure(out, "OK");
  const int64_t aborted = Figure(out, "ABORTED WRONG_EXPECTED_VERSION");
  EXPECT_GT(commands, 50) << out;
  EXPECT_GT(Figure(out, "events"), 0) << out;
  EXPECT_GT(Figure(out, "conflicting pairs"), 0) << out;
  // Each conflicting pair has a loser; a pair where neither won may add
  // more.
  EXPECT_GE(aborted, 1) << out;
  EXPECT_GT(ok, commands / 2) << out;
  // --journal: one line per call, acknowledged ones with their position.
  const std::string journal = testing::ReadFileOrEmpty(dir.Sub("journal.tsv"));
  std::vector<absl::string_view> lines =
      absl::StrSplit(journal, '\n', absl::SkipEmpty());
  EXPECT_EQ(static_cast<int64_t>(lines.size()), commands);
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(journal,
              HasSubstr("\t/relog.v1.CaseService/IdentifyHousehold\t"));
  EXPECT_THAT(journal, HasSubstr("\tOK\tOK\t\t"));
  EXPECT_THAT(journal,
              HasSubstr("\tFAILED\tABORTED\tWRONG_EXPECTED_VERSION\t"));
  EXPECT_THAT(out, HasSubstr("latency ms        p50 "));
  EXPECT_THAT(out, Not(HasSubstr("INTERNAL")));
  EXPECT_THAT(out, Not(HasSubstr("DATA_LOSS")));
  EXPECT_THAT(out, Not(HasSubstr("UNAVAILABLE")));
  EXPECT_THAT(
      testing::RunShell(absl::StrCat(RELOG_LOADGEN_PATH, " --clients=0")),
      HasSubstr("exit=2"));
}

}  // namespace
}  // namespace relog
