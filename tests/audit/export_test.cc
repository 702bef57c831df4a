// The independent verifiers on exports: relog-verify (C++, no relog code)
// and clients/python/verify_export.py, run as child processes on exports of
// a real RocksDB store, clean and tampered with behind the store's back.
// Each tampering is also caught by Verify() (VerifyLog) or, for the newest
// events deleted, only by a checkpoint kept from before.
#include <stdio.h>

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/audit/atomic_file.h"
#include "services/audit/checkpoint.h"
#include "services/audit/export_writer.h"
#include "services/audit/signing_key.h"
#include "tests/audit/tamper.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/shell.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog::audit {
namespace {

using ::relog::testing::OpenStoreOrDie;
using ::relog::testing::TempDir;
using ::testing::HasSubstr;
using Problem = VerifyReport::Problem;

// Runs `command` through the shell: its stdout and stderr, then "exit=N".
std::string Shell(const std::string& command) {
  return ::relog::testing::RunShell(command);
}

// The two verifiers, the same arguments.
struct Verdicts {
  std::string cpp;
  std::string python;
};

class ExportTest : public ::testing::Test {
 protected:
  // Ten events over three streams; a checkpoint of position 10 kept aside
  // (what an auditor keeps); the store closed.
  void SetUp() override {
    key_ = SigningKey::GenerateForTesting();
    ASSERT_OK(WriteFileAtomically(dir_.Sub("key.pem"), key_->public_key().pem(),
                                  0644, "X"));
    auto store = OpenStoreOrDie(dir_.Sub("store"));
    for (int i = 0; i < 10; ++i) {
      ASSERT_OK(store->AppendBlocking(
          testing::OneStream(absl::StrCat("s", i % 3), ExpectedVersion::Any(),
                             absl::StrCat("r", i))));
    }
    absl::StatusOr<Checkpoint> kept =
        SignCheckpoint(store->GetLogHead(), absl::Now(), *key_);
    ASSERT_OK(kept);
    ASSERT_OK(
        WriteFileAtomically(kept_, FormatCheckpointFile(*kept), 0644, "X"));
  }

  // Exports the store as it is now (the whole log, or `stream`), ending
  // with a checkpoint signed now, into `path`.
  void Export(const std::string& path, const std::string& stream = "",
              const SigningKey* key = nullptr, uint64_t from = 0) {
    auto store = OpenStoreOrDie(dir_.Sub("store"));
    absl::StatusOr<Checkpoint> checkpoint = SignCheckpoint(
        store->GetLogHead(), absl::Now(), key != nullptr ? *key : *key_);
    ASSERT_OK(checkpoint);
    uint64_t first = 1;
    if (!stream.empty()) {
      absl::StatusOr<uint64_t> start = StreamExportStart(*store, stream, from);
      ASSERT_OK(start);
      first = *start;
    }
    ExportWriter writer(store.get(), stream, first, checkpoint->position,
                        FormatCheckpointFile(*checkpoint));
    std::string bytes;
    for (;;) {
      // Small parts, so that the part boundaries are exercised.
      absl::StatusOr<bool> more = writer.Next(300, &bytes);
      ASSERT_OK(more);
      if (!*more) break;
    }
    ASSERT_OK(WriteFileAtomically(path, bytes, 0644, "X"));
  }

  Verdicts Verify(const std::string& export_path,
                  const std::string& extra = "") {
    const std::string args = absl::StrCat(" --public-key=", dir_.Sub("key.pem"),
                                          " ", extra, " ", export_path);
    return {Shell(absl::StrCat(RELOG_VERIFY_PATH, args)),
            Shell(absl::StrCat("python3 ", RELOG_SOURCE_DIR,
                               "/clients/python/verify_export.py", args))};
  }

  // Both verifiers say `expected` (a substring) with exit code `code`.
  void ExpectBoth(const Verdicts& verdicts, const std::string& expected,
                  int code) {
    const std::string exit = absl::StrCat("exit=", code, "\n");
    EXPECT_THAT(verdicts.cpp, HasSubstr(expected)) << "relog-verify";
    EXPECT_THAT(verdicts.cpp, HasSubstr(exit)) << "relog-verify";
    EXPECT_THAT(verdicts.python, HasSubstr(expected)) << "verify_export.py";
    EXPECT_THAT(verdicts.python, HasSubstr(exit)) << "verify_export.py";
  }

  VerifyReport StoreVerify() {
    auto store = OpenStoreOrDie(dir_.Sub("store"));
    absl::StatusOr<VerifyReport> report = store->Verify();
    EXPECT_OK(report);
    return report.ok() ? *report : VerifyReport{};
  }

  TempDir dir_;
  std::unique_ptr<SigningKey> key_;
  const std::string kept_ = dir_.Sub("kept-checkpoint.txt");
  const std::string export_ = dir_.Sub("export.txt");
};

TEST_F(ExportTest, ACleanExportVerifiesAgainstItsOwnAndAKeptCheckpoint) {
  Export(export_);
  ExpectBoth(Verify(export_),
             "OK: the whole log, positions 1-10: 10 events, 0 links", 0);
  ExpectBoth(Verify(export_, "--checkpoint=" + kept_),
             "checkpoint at position 10", 0);
}

TEST_F(ExportTest, TheExportHasTheDocumentedLayout) {
  Export(export_);
  std::ifstream in(export_);
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  EXPECT_TRUE(absl::StartsWith(
      text, absl::StrCat("relog-export-v1\nscope\tlog\nfirst_position\t1\n"
                         "last_position\t10\nprevious_global_hash\t",
                         std::string(64, '0'), "\ne\t1\t524c4531")))
      << text.substr(0, 300);
  EXPECT_THAT(text, HasSubstr("\nend\t10\t0\nrelog-checkpoint-v1\n"
                              "position=10\n"));
}

TEST_F(ExportTest, ACaseExportCarriesOnlyItsEventsAndTheChainLinks) {
  Export(export_, "s1");
  std::ifstream in(export_);
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  // s1 holds r1, r4, r7 at positions 2, 5, 8; links from 2 to 10.
  EXPECT_THAT(text, HasSubstr(absl::BytesToHexString("payload of r4/0")));
  EXPECT_THAT(text, ::testing::Not(
                        HasSubstr(absl::BytesToHexString("payload of r3/0"))));
  EXPECT_THAT(text, HasSubstr("first_position\t2\n"));
  ExpectBoth(Verify(export_), "positions 2-10: 3 events, 6 links", 0);
  ExpectBoth(Verify(export_, "--checkpoint=" + kept_), "OK", 0);
}

TEST_F(ExportTest, ACaseExportReachesBackToAnOlderCheckpointWhenAsked) {
  // A checkpoint of position 1, before the first event of s2 (position 3).
  const std::string older = dir_.Sub("older.txt");
  {
    auto store = OpenStoreOrDie(dir_.Sub("store"));
    absl::StatusOr<std::vector<RecordedEvent>> first =
        store->ReadAllForward(1, 1);
    ASSERT_OK(first);
    LogHead head{1, first->front().global_hash, first->front().recorded_at};
    absl::StatusOr<Checkpoint> checkpoint =
        SignCheckpoint(head, absl::Now(), *key_);
    ASSERT_OK(checkpoint);
    ASSERT_OK(WriteFileAtomically(older, FormatCheckpointFile(*checkpoint),
                                  0644, "X"));
  }
  Export(export_, "s2");
  Verdicts before = Verify(export_, "--checkpoint=" + older);
  EXPECT_THAT(before.cpp, HasSubstr("precedes this export"));
  EXPECT_THAT(before.cpp, HasSubstr("exit=1\n"));
  EXPECT_THAT(before.python, HasSubstr("exit=1\n"));
  Export(export_, "s2", nullptr, /*from=*/1);
  ExpectBoth(Verify(export_, "--checkpoint=" + older),
             "positions 1-10: 3 events, 7 links", 0);
}

TEST_F(ExportTest, AnAlteredEventIsFoundAtItsPosition) {
  testing::Tamper(dir_.Sub("store")).AlterPayload(5);
  EXPECT_EQ(StoreVerify().problem, Problem::kAltered);
  Export(export_);
  ExpectBoth(Verify(export_), "BROKEN at position 5 (altered)", 3);
  // In the export of the case it belongs to, too.
  Export(export_, "s1");
  ExpectBoth(Verify(export_), "BROKEN at position 5 (altered)", 3);
}

TEST_F(ExportTest, ADeletedEventIsFoundAtItsPosition) {
  testing::Tamper(dir_.Sub("store")).Delete(6);
  EXPECT_EQ(StoreVerify().problem, Problem::kMissing);
  Export(export_);
  ExpectBoth(Verify(export_), "BROKEN at position 6 (missing)", 3);
  Export(export_, "s1");
  ExpectBoth(Verify(export_), "BROKEN at position 6 (missing)", 3);
}

TEST_F(ExportTest, ReorderedEventsAreFoundAtTheFirst) {
  testing::Tamper(dir_.Sub("store")).Swap(4, 8);
  EXPECT_EQ(StoreVerify().problem, Problem::kReordered);
  Export(export_);
  ExpectBoth(Verify(export_), "BROKEN at position 4 (reordered)", 3);
}

TEST_F(ExportTest, TheNewestEventsDeletedShowOnlyAgainstAKeptCheckpoint) {
  testing::Tamper(dir_.Sub("store")).TruncateAfter(7);
  // Consistently done, nothing in the store itself betrays it...
  VerifyReport report = StoreVerify();
  EXPECT_TRUE(report.ok()) << report.detail;
  EXPECT_EQ(report.head.position, 7u);
  Export(export_);
  ExpectBoth(Verify(export_), "OK", 0);
  // ... but the checkpoint kept from before does.
  ExpectBoth(Verify(export_, "--checkpoint=" + kept_),
             "BROKEN at position 10 (truncated)", 3);
}

TEST_F(ExportTest, AHistoryRewrittenAfterTheCheckpointIsFound) {
  // The newest events deleted, then others appended in their place: the
  // log is as long as before, its chain whole, but not the one signed.
  testing::Tamper(dir_.Sub("store")).TruncateAfter(7);
  {
    auto store = OpenStoreOrDie(dir_.Sub("store"));
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK(store->AppendBlocking(testing::OneStream(
          "s9", ExpectedVersion::Any(), absl::StrCat("forged", i))));
    }
  }
  EXPECT_TRUE(StoreVerify().ok());
  Export(export_);
  ExpectBoth(Verify(export_, "--checkpoint=" + kept_),
             "BROKEN at position 10 (rewritten)", 3);
}

TEST_F(ExportTest, EditedOrForgedCheckpointsAreRejected) {
  Export(export_);
  std::ifstream in(kept_);
  const std::string kept((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  // A kept checkpoint edited to claim an earlier position.
  const std::string edited = dir_.Sub("edited.txt");
  ASSERT_OK(WriteFileAtomically(
      edited, absl::StrReplaceAll(kept, {{"position=10", "position=9"}}), 0644,
      "X"));
  ExpectBoth(Verify(export_, "--checkpoint=" + edited), "(bad signature)", 3);
  // Its signature forged.
  std::string forged = kept;
  const size_t at = forged.find("signature=") + 20;
  forged[at] = forged[at] == '0' ? '1' : '0';
  ASSERT_OK(WriteFileAtomically(edited, forged, 0644, "X"));
  ExpectBoth(Verify(export_, "--checkpoint=" + edited), "(bad signature)", 3);
  // An export whose embedded checkpoint another key signed.
  auto other = SigningKey::GenerateForTesting();
  Export(export_, "", other.get());
  ExpectBoth(Verify(export_), "(wrong key)", 3);
  // An export whose rows were edited to hide a change: a row's global hash.
  Export(export_);
  std::ifstream again(export_);
  std::string text((std::istreambuf_iterator<char>(again)),
                   std::istreambuf_iterator<char>());
  const size_t row = text.find("\ne\t3\t");
  const size_t last_tab = text.find('\n', row + 1) - 1;
  text[last_tab] = text[last_tab] == '0' ? '1' : '0';
  ASSERT_OK(WriteFileAtomically(export_, text, 0644, "X"));
  ExpectBoth(Verify(export_), "BROKEN at position 3 (altered)", 3);
}

TEST_F(ExportTest, UsageAndUnreadableFilesAreNotVerdicts) {
  Export(export_);
  Verdicts missing = Verify(dir_.Sub("no-such-export"));
  EXPECT_THAT(missing.cpp, HasSubstr("exit=1\n"));
  EXPECT_THAT(missing.python, HasSubstr("exit=1\n"));
  EXPECT_THAT(Shell(absl::StrCat(RELOG_VERIFY_PATH, " ", export_)),
              HasSubstr("exit=2\n"));
}

}  // namespace
}  // namespace relog::audit
