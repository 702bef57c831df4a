// relogctl audit end to end: the real relogctl against a real relogd child
// process, the store tampered with between runs, exports checked by
// relog-verify and the Python verifier.
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/audit/checkpoint.h"
#include "services/audit/checkpoint_writer.h"
#include "tests/audit/tamper.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/relogd_process.h"
#include "tests/testing/shell.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog::audit {
namespace {

using ::relog::testing::RelogdProcess;
using ::relog::testing::TempDir;
using ::testing::HasSubstr;

std::string Shell(const std::string& command) {
  return ::relog::testing::RunShell(command);
}

std::string ReadFile(const std::string& path) {
  return ::relog::testing::ReadFileOrEmpty(path);
}

int Mode(const std::string& path) {
  struct stat info;
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return static_cast<int>(info.st_mode & 07777);
}

constexpr char kIdentify[] =
    "identify --occurred_at=2020-03-02 --reference=AUDIT-%d "
    "--operation_id=OP-LIL-CONCORDE-1 --building_id=BAT-A "
    "--origin.facts.landlord_id=999000029 --commune_insee=59350 "
    "--quartier_code=QP059001 --typology=t3 --surface_m2=64 --floor=2 "
    "--financing=plus --rent=380.50 --charges=60 --occupancy=titular_tenant "
    "--register_id=RPLS-AUDIT-%d";

class AuditE2eTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> flags = {}) {
    relogd_ = std::make_unique<RelogdProcess>(RELOGD_PATH, RELOG_SOURCE_DIR,
                                              data_, dir_, std::move(flags));
    ASSERT_FALSE(relogd_->address().empty()) << "relogd did not start";
  }
  // SIGTERM, and relogd exits 0.
  void Stop() {
    relogd_->process().Signal(SIGTERM);
    std::optional<int> status =
        relogd_->process().WaitForExit(absl::Seconds(60));
    ASSERT_TRUE(status.has_value()) << "relogd did not stop";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
    relogd_.reset();
  }
  std::string Ctl(const std::string& args) {
    return Shell(absl::StrCat(RELOGCTL_PATH, " --server=", relogd_->address(),
                              " ", args));
  }
  // Opens a case; returns its name.
  std::string Identify(int n) {
    std::string out = Ctl(absl::StrCat(
        "--json ", absl::StrReplaceAll(kIdentify, {{"%d", absl::StrCat(n)}})));
    EXPECT_THAT(out, HasSubstr("exit=0")) << out;
    const size_t at = out.find("\"name\":\"cases/");
    if (at == std::string::npos) return "";
    const size_t begin = at + 8;
    return out.substr(begin, out.find('"', begin) - begin);
  }
  std::string Verifiers(const std::string& args) {
    return absl::StrCat(
        Shell(absl::StrCat(RELOG_VERIFY_PATH, " ", args)), "\n",
        Shell(absl::StrCat("python3 ", RELOG_SOURCE_DIR,
                           "/clients/python/verify_export.py ", args)));
  }

  TempDir dir_;
  const std::string data_ = dir_.Sub("data");
  std::unique_ptr<RelogdProcess> relogd_;
};

TEST_F(AuditE2eTest, CheckpointsPublicKeyVerificationAndExports) {
  Start();
  // The key, generated at the first start, is private to relogd.
  EXPECT_EQ(Mode(data_ + "/keys/checkpoint-ed25519.pem"), 0600);
  EXPECT_EQ(Mode(data_ + "/keys"), 0700);
  const std::string name = Identify(1);
  ASSERT_FALSE(name.empty());

  const std::string checkpoint = dir_.Sub("checkpoint.txt");
  const std::string key = dir_.Sub("key.pem");
  std::string out = Ctl("audit checkpoint --out " + checkpoint);
  ASSERT_THAT(out, HasSubstr("exit=0")) << out;
  EXPECT_THAT(out, HasSubstr("relog-checkpoint-v1\nposition="));
  absl::StatusOr<Checkpoint> parsed = ParseCheckpointFile(ReadFile(checkpoint));
  ASSERT_OK(parsed);
  // relogd wrote the same file into its folder.
  std::vector<std::string> files = ListCheckpointFiles(data_ + "/checkpoints");
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(ReadFile(files.back()), ReadFile(checkpoint));
  ASSERT_THAT(Ctl("audit public-key --out=" + key), HasSubstr("exit=0"));
  EXPECT_THAT(ReadFile(key), HasSubstr("-----BEGIN PUBLIC KEY-----"));

  out = Ctl(absl::StrCat("audit verify-checkpoint ", checkpoint,
                         " --public-key=", key));
  EXPECT_THAT(out, HasSubstr("OK: the log extends the checkpoint at position " +
                             absl::StrCat(parsed->position)));
  EXPECT_THAT(out, HasSubstr("exit=0"));
  // The key fetched from relogd, with a warning.
  out = Ctl("audit verify-checkpoint " + checkpoint);
  EXPECT_THAT(out, HasSubstr("using the public key relogd gives"));
  EXPECT_THAT(out, HasSubstr("exit=0"));
  EXPECT_THAT(Ctl("audit verify"), HasSubstr("exit=0"));

  // A later head still extends the checkpoint.
  Identify(2);
  EXPECT_THAT(Ctl(absl::StrCat("audit verify-checkpoint ", checkpoint,
                               " --public-key=", key)),
              HasSubstr("exit=0"));

  const std::string log_export = dir_.Sub("log.export");
  out = Ctl("audit export --out " + log_export);
  ASSERT_THAT(out, HasSubstr("exit=0")) << out;
  out = Verifiers(absl::StrCat("--public-key=", key,
                               " --checkpoint=", checkpoint, " ", log_export));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("exit=3"))) << out;
  EXPECT_THAT(out, ::testing::ContainsRegex("OK: the whole log(.|\n)*exit=0"
                                            "(.|\n)*OK: the whole log(.|\n)*"
                                            "exit=0"))
      << out;

  const std::string case_export = dir_.Sub("case.export");
  out = Ctl(absl::StrCat("audit export --case=", name, " --out=", case_export));
  ASSERT_THAT(out, HasSubstr("exit=0")) << out;
  out = Verifiers(absl::StrCat("--public-key=", key, " ", case_export));
  EXPECT_THAT(out, HasSubstr("OK: stream \"case-")) << out;
  EXPECT_THAT(out, ::testing::Not(HasSubstr("exit=3"))) << out;
  // The other case's reference is not in this case's export.
  EXPECT_THAT(ReadFile(case_export),
              ::testing::Not(HasSubstr(absl::BytesToHexString("AUDIT-2"))));
  EXPECT_THAT(ReadFile(log_export),
              HasSubstr(absl::BytesToHexString("AUDIT-2")));

  out = Ctl("audit export --case=cases/nothing --out=" + case_export);
  EXPECT_THAT(out, HasSubstr("reason CASE_NOT_FOUND"));
  EXPECT_THAT(out, HasSubstr("exit=1"));
  EXPECT_THAT(Ctl("audit nonsense"), HasSubstr("exit=2"));
  EXPECT_THAT(Ctl("audit export"), HasSubstr("exit=2"));
}

TEST_F(AuditE2eTest, ShutdownCheckpointAndTheNewestEventsDeleted) {
  Start();
  Identify(1);
  const std::string checkpoint = dir_.Sub("checkpoint.txt");
  const std::string key = dir_.Sub("key.pem");
  ASSERT_THAT(Ctl("audit checkpoint --out=" + checkpoint), HasSubstr("exit=0"));
  ASSERT_THAT(Ctl("audit public-key --out=" + key), HasSubstr("exit=0"));
  absl::StatusOr<Checkpoint> signed_before =
      ParseCheckpointFile(ReadFile(checkpoint));
  ASSERT_OK(signed_before);
  Identify(2);
  Stop();

  // At shutdown relogd signed its final head.
  uint64_t head = 0;
  {
    auto store = testing::OpenStoreOrDie(data_);
    head = store->GetLogHead().position;
  }
  ASSERT_GT(head, signed_before->position);
  std::vector<std::string> files = ListCheckpointFiles(data_ + "/checkpoints");
  ASSERT_FALSE(files.empty());
  absl::StatusOr<Checkpoint> at_shutdown =
      ParseCheckpointFile(ReadFile(files.back()));
  ASSERT_OK(at_shutdown);
  EXPECT_EQ(at_shutdown->position, head);
  const std::string shutdown_copy = dir_.Sub("shutdown.txt");
  std::filesystem::copy_file(files.back(), shutdown_copy);

  // The newest events deleted behind relogd's back, indexes included.
  const uint64_t keep = signed_before->position - 1;
  testing::Tamper(data_).TruncateAfter(keep);
  Start();
  // VerifyLog finds a whole chain...
  std::string out = Ctl("audit verify");
  EXPECT_THAT(out, HasSubstr("exit=0")) << out;
  // ...that does not reach the checkpoints kept.
  out = Ctl(absl::StrCat("audit verify-checkpoint ", checkpoint,
                         " --public-key=", key));
  EXPECT_THAT(out, HasSubstr(absl::StrCat(
                       "BROKEN at position ", signed_before->position,
                       " (truncated): the log ends at position ", keep)))
      << out;
  EXPECT_THAT(out, HasSubstr("exit=3"));
  EXPECT_THAT(Ctl(absl::StrCat("audit verify-checkpoint ", shutdown_copy,
                               " --public-key=", key)),
              HasSubstr("exit=3"));
  // And an export of what is left, checked against them, says the same.
  const std::string log_export = dir_.Sub("log.export");
  ASSERT_THAT(Ctl("audit export --out=" + log_export), HasSubstr("exit=0"));
  out = Verifiers(absl::StrCat("--public-key=", key,
                               " --checkpoint=", checkpoint, " ", log_export));
  EXPECT_THAT(out, ::testing::ContainsRegex(
                       "\\(truncated\\)(.|\n)*exit=3(.|\n)*\\(truncated\\)"
                       "(.|\n)*exit=3"))
      << out;
}

TEST_F(AuditE2eTest, AlteredOrEditedHistoryFailsVerifyCheckpoint) {
  Start();
  Identify(1);
  const std::string checkpoint = dir_.Sub("checkpoint.txt");
  const std::string key = dir_.Sub("key.pem");
  ASSERT_THAT(Ctl("audit checkpoint --out=" + checkpoint), HasSubstr("exit=0"));
  ASSERT_THAT(Ctl("audit public-key --out=" + key), HasSubstr("exit=0"));
  // A checkpoint edited to claim a later position.
  const std::string edited = dir_.Sub("edited.txt");
  {
    std::string text = ReadFile(checkpoint);
    const size_t at = text.find("position=") + 9;
    text[at] = text[at] == '9' ? '8' : static_cast<char>(text[at] + 1);
    std::ofstream(edited) << text;
  }
  std::string out = Ctl(
      absl::StrCat("audit verify-checkpoint ", edited, " --public-key=", key));
  EXPECT_THAT(out, HasSubstr("(signature)")) << out;
  EXPECT_THAT(out, HasSubstr("exit=3"));
  Stop();

  // The case's last event's bytes altered (its stored hashes left as they
  // were): the links still chain, the bytes no longer match them.
  absl::StatusOr<Checkpoint> signed_before =
      ParseCheckpointFile(ReadFile(checkpoint));
  ASSERT_OK(signed_before);
  const uint64_t altered = signed_before->position;
  testing::Tamper(data_).AlterPayload(altered);
  Start();
  out = Ctl(absl::StrCat("audit verify-checkpoint ", checkpoint,
                         " --public-key=", key));
  EXPECT_THAT(out, HasSubstr(absl::StrCat("BROKEN at position ", altered,
                                          " (PROBLEM_ALTERED)")))
      << out;
  EXPECT_THAT(out, HasSubstr("exit=3"));
  EXPECT_THAT(Ctl("audit verify"), HasSubstr("exit=3"));
  const std::string log_export = dir_.Sub("log.export");
  ASSERT_THAT(Ctl("audit export --out=" + log_export), HasSubstr("exit=0"));
  out = Verifiers(absl::StrCat("--public-key=", key, " ", log_export));
  const std::string verdict =
      absl::StrCat("position ", altered, " \\(altered\\)");
  EXPECT_THAT(out,
              ::testing::ContainsRegex(absl::StrCat(
                  verdict, "(.|\n)*exit=3(.|\n)*", verdict, "(.|\n)*exit=3")))
      << out;
}

TEST_F(AuditE2eTest, PeriodicCheckpointsFollowTheHead) {
  Start({"--checkpoint_interval_seconds=1"});
  Identify(1);
  uint64_t head = 0;
  {
    std::string out = Ctl("log head");
    const size_t at = out.find("position");
    ASSERT_NE(at, std::string::npos) << out;
    head = std::stoull(out.substr(at + 8));
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  uint64_t signed_position = 0;
  while (signed_position < head && absl::Now() < deadline) {
    std::vector<std::string> files =
        ListCheckpointFiles(data_ + "/checkpoints");
    if (!files.empty()) {
      absl::StatusOr<Checkpoint> last =
          ParseCheckpointFile(ReadFile(files.back()));
      if (last.ok()) signed_position = last->position;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(signed_position, head);
}

TEST_F(AuditE2eTest, AKeyFileOthersMayReadStopsRelogd) {
  Start();
  Stop();
  const std::string key_file = data_ + "/keys/checkpoint-ed25519.pem";
  ASSERT_EQ(chmod(key_file.c_str(), 0644), 0);
  std::string out = Shell(absl::StrCat(
      RELOGD_PATH, " --listen=127.0.0.1:0 --data_dir=", data_,
      " --reference_dir=", RELOG_SOURCE_DIR, "/deploy/reference/mel"));
  EXPECT_THAT(out, HasSubstr("chmod 600 " + key_file)) << out;
  EXPECT_THAT(out, HasSubstr("exit=1"));
}

}  // namespace
}  // namespace relog::audit
