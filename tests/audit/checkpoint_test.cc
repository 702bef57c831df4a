// Signed checkpoints: their bytes, their signature, the key file and the
// checkpoint folder (services/audit).
#include "services/audit/checkpoint.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/audit/atomic_file.h"
#include "services/audit/checkpoint_writer.h"
#include "services/audit/signing_key.h"
#include "storage/sha256.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/manual_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog::audit {
namespace {

using ::relog::testing::ManualClock;
using ::relog::testing::StatusIs;
using ::relog::testing::TempDir;
using ::testing::HasSubstr;

const absl::Time kRecorded =
    absl::FromUnixMicros(1710496800123456);  // 2024-03-15T10:00:00.123456Z
const absl::Time kSigned = absl::FromUnixMicros(1710497100000001);

LogHead Head(uint64_t position) {
  LogHead head;
  head.position = position;
  head.global_hash = std::string(32, '\xab');
  head.recorded_at = kRecorded;
  return head;
}

int Mode(const std::string& path) {
  struct stat info;
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return static_cast<int>(info.st_mode & 07777);
}

TEST(CheckpointTest, TheSignedLinesAreTheDocumentedBytes) {
  Checkpoint checkpoint;
  checkpoint.position = 42;
  checkpoint.global_hash = std::string(32, '\xab');
  checkpoint.recorded_at = kRecorded;
  checkpoint.signed_at = kSigned;
  checkpoint.key_id = "0123456789abcdef";
  checkpoint.signature = std::string(64, '\x01');
  std::string ab, one;
  for (int i = 0; i < 32; ++i) ab += "ab";
  for (int i = 0; i < 64; ++i) one += "01";
  EXPECT_EQ(SignedCheckpointText(checkpoint),
            "relog-checkpoint-v1\n"
            "position=42\n"
            "global_hash=" +
                ab +
                "\n"
                "recorded_at=2024-03-15T10:00:00.123456Z\n"
                "signed_at=2024-03-15T10:05:00.000001Z\n"
                "key_id=0123456789abcdef\n");
  EXPECT_EQ(FormatCheckpointFile(checkpoint),
            SignedCheckpointText(checkpoint) + "signature=" + one + "\n");
}

TEST(CheckpointTest, ASignedCheckpointParsesBackAndVerifies) {
  auto key = SigningKey::GenerateForTesting();
  absl::StatusOr<Checkpoint> signed_checkpoint =
      SignCheckpoint(Head(7), kSigned, *key);
  ASSERT_OK(signed_checkpoint);
  const std::string file = FormatCheckpointFile(*signed_checkpoint);
  absl::StatusOr<Checkpoint> parsed = ParseCheckpointFile(file);
  ASSERT_OK(parsed);
  EXPECT_EQ(parsed->position, 7u);
  EXPECT_EQ(parsed->global_hash, std::string(32, '\xab'));
  EXPECT_EQ(parsed->recorded_at, kRecorded);
  EXPECT_EQ(parsed->signed_at, kSigned);
  EXPECT_EQ(parsed->key_id, key->public_key().key_id());
  EXPECT_EQ(FormatCheckpointFile(*parsed), file);
  EXPECT_OK(VerifyCheckpointSignature(*parsed, key->public_key()));
  // The key id is the documented digest of the raw key.
  EXPECT_EQ(key->public_key().key_id(),
            ToHex(Sha256({key->public_key().raw()})).substr(0, 16));
  // The PEM that GetPublicKey gives loads back as the same key.
  absl::StatusOr<PublicKey> from_pem =
      PublicKey::FromPem(key->public_key().pem());
  ASSERT_OK(from_pem);
  EXPECT_EQ(from_pem->raw(), key->public_key().raw());
  EXPECT_THAT(SignCheckpoint(Head(0), kSigned, *key),
              StatusIs(absl::StatusCode::kFailedPrecondition, "LOG_EMPTY"));
}

TEST(CheckpointTest, AnEditedOrForgedCheckpointIsRejected) {
  auto key = SigningKey::GenerateForTesting();
  absl::StatusOr<Checkpoint> checkpoint =
      SignCheckpoint(Head(7), kSigned, *key);
  ASSERT_OK(checkpoint);
  const std::string file = FormatCheckpointFile(*checkpoint);
  auto verify = [&](const std::string& text) {
    absl::StatusOr<Checkpoint> parsed = ParseCheckpointFile(text);
    if (!parsed.ok()) return parsed.status();
    return VerifyCheckpointSignature(*parsed, key->public_key());
  };
  // A later position claimed, the hash or a date changed: the signature
  // no longer covers the bytes.
  EXPECT_THAT(
      verify(absl::StrReplaceAll(file, {{"position=7", "position=8"}})),
      StatusIs(absl::StatusCode::kDataLoss, "CHECKPOINT_BAD_SIGNATURE"));
  EXPECT_THAT(
      verify(absl::StrReplaceAll(file, {{"=abab", "=abac"}})),
      StatusIs(absl::StatusCode::kDataLoss, "CHECKPOINT_BAD_SIGNATURE"));
  EXPECT_THAT(
      verify(absl::StrReplaceAll(file, {{"10:05:00", "10:05:01"}})),
      StatusIs(absl::StatusCode::kDataLoss, "CHECKPOINT_BAD_SIGNATURE"));
  // A forged signature.
  Checkpoint forged = *checkpoint;
  forged.signature[10] ^= 0x01;
  EXPECT_THAT(
      verify(FormatCheckpointFile(forged)),
      StatusIs(absl::StatusCode::kDataLoss, "CHECKPOINT_BAD_SIGNATURE"));
  // Signed by another key, whether it names itself or the real one.
  auto other = SigningKey::GenerateForTesting();
  absl::StatusOr<Checkpoint> by_other =
      SignCheckpoint(Head(7), kSigned, *other);
  ASSERT_OK(by_other);
  EXPECT_THAT(verify(FormatCheckpointFile(*by_other)),
              StatusIs(absl::StatusCode::kDataLoss, "CHECKPOINT_WRONG_KEY"));
  by_other->key_id = key->public_key().key_id();
  by_other->signature = other->Sign(SignedCheckpointText(*by_other));
  EXPECT_THAT(
      verify(FormatCheckpointFile(*by_other)),
      StatusIs(absl::StatusCode::kDataLoss, "CHECKPOINT_BAD_SIGNATURE"));
  // Damaged files do not parse.
  for (const std::string& damaged :
       {file.substr(0, file.size() - 1), file + "\n", "x" + file,
        absl::StrReplaceAll(file, {{"position=7", "position=07"}}),
        absl::StrReplaceAll(file, {{"global_hash=ab", "global_hash=AB"}}),
        absl::StrReplaceAll(file, {{"position=7\n", ""}})}) {
    EXPECT_THAT(ParseCheckpointFile(damaged),
                StatusIs(absl::StatusCode::kDataLoss, "CHECKPOINT_MALFORMED"))
        << damaged;
  }
}

TEST(SigningKeyTest, IsCreatedPrivateOnceThenLoadedAgain) {
  TempDir dir;
  const std::string path = dir.Sub("data/keys/checkpoint-ed25519.pem");
  absl::StatusOr<std::unique_ptr<SigningKey>> created =
      SigningKey::LoadOrCreate(path);
  ASSERT_OK(created);
  EXPECT_EQ(Mode(path), 0600);
  EXPECT_EQ(Mode(dir.Sub("data/keys")), 0700);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  absl::StatusOr<std::unique_ptr<SigningKey>> loaded =
      SigningKey::LoadOrCreate(path);
  ASSERT_OK(loaded);
  EXPECT_EQ((*loaded)->public_key().key_id(),
            (*created)->public_key().key_id());
  const std::string signature = (*loaded)->Sign("message");
  EXPECT_TRUE((*created)->public_key().Verify("message", signature));
  EXPECT_FALSE((*created)->public_key().Verify("messagE", signature));
}

TEST(SigningKeyTest, AKeyFileOthersMayReadIsRefused) {
  TempDir dir;
  const std::string path = dir.Sub("key.pem");
  ASSERT_OK(SigningKey::LoadOrCreate(path));
  for (int mode : {0640, 0604, 0660, 0606}) {
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
    absl::StatusOr<std::unique_ptr<SigningKey>> key =
        SigningKey::LoadOrCreate(path);
    EXPECT_THAT(key, StatusIs(absl::StatusCode::kFailedPrecondition,
                              "KEY_FILE_PERMISSIONS"))
        << std::oct << mode;
    if (mode == 0640) {
      EXPECT_THAT(std::string(key.status().message()),
                  HasSubstr("chmod 600 " + path));
    }
  }
  ASSERT_EQ(chmod(path.c_str(), 0400), 0);
  EXPECT_OK(SigningKey::LoadOrCreate(path));

  ASSERT_OK(WriteFileAtomically(dir.Sub("junk.pem"), "not a key", 0600, "X"));
  EXPECT_THAT(
      SigningKey::LoadOrCreate(dir.Sub("junk.pem")),
      StatusIs(absl::StatusCode::kFailedPrecondition, "KEY_FILE_INVALID"));
}

// The value of a periodic or shutdown write, which must not fail.
bool Wrote(const absl::StatusOr<bool>& wrote) {
  EXPECT_OK(wrote);
  return wrote.ok() && *wrote;
}

class CheckpointWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStoreOrDie(dir_.Sub("store"));
    key_ = SigningKey::GenerateForTesting();
  }
  void Append(const std::string& request_id) {
    ASSERT_OK(store_->AppendBlocking(
        testing::OneStream("s", ExpectedVersion::Any(), request_id)));
  }
  std::unique_ptr<CheckpointWriter> Writer() {
    CheckpointWriterOptions options;
    options.dir = dir_.Sub("checkpoints");
    options.interval = absl::Minutes(10);
    return std::make_unique<CheckpointWriter>(store_.get(), key_.get(), &clock_,
                                              options);
  }

  TempDir dir_;
  ManualClock clock_{absl::FromUnixSeconds(1710496800)};
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<SigningKey> key_;
};

TEST_F(CheckpointWriterTest, WritesTheSignedHeadIntoOneFileEach) {
  auto writer = Writer();
  EXPECT_THAT(writer->WriteNow(),
              StatusIs(absl::StatusCode::kFailedPrecondition, "LOG_EMPTY"));
  Append("r1");
  Append("r2");
  absl::StatusOr<WrittenCheckpoint> written = writer->WriteNow();
  ASSERT_OK(written);
  EXPECT_EQ(written->path,
            dir_.Sub("checkpoints/checkpoint-00000000000000000002-"
                     "20240315T100000.000000Z.txt"));
  std::ifstream in(written->path);
  const std::string text((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  EXPECT_EQ(text, written->text);
  absl::StatusOr<Checkpoint> parsed = ParseCheckpointFile(text);
  ASSERT_OK(parsed);
  EXPECT_OK(VerifyCheckpointSignature(*parsed, key_->public_key()));
  EXPECT_EQ(parsed->position, 2u);
  EXPECT_EQ(parsed->global_hash, store_->GetLogHead().global_hash);
  EXPECT_EQ(parsed->recorded_at, store_->GetLogHead().recorded_at);
  EXPECT_EQ(parsed->signed_at, clock_.Now());
  EXPECT_EQ(Mode(written->path), 0644);
  EXPECT_EQ(ListCheckpointFiles(dir_.Sub("checkpoints")).size(), 1u);
}

TEST_F(CheckpointWriterTest, PeriodicCheckpointsOnlyWhenDueAndTheHeadMoved) {
  Append("r1");
  auto writer = Writer();
  // No checkpoint kept yet: the first is due at once.
  EXPECT_EQ(Wrote(writer->WriteIfDue()), true);
  Append("r2");
  EXPECT_EQ(Wrote(writer->WriteIfDue()), false);  // not due
  clock_.Advance(absl::Minutes(10));
  EXPECT_EQ(Wrote(writer->WriteIfDue()), true);
  EXPECT_EQ(writer->last_position(), 2u);
  clock_.Advance(absl::Minutes(10));
  EXPECT_EQ(Wrote(writer->WriteIfDue()), false);  // no move
  Append("r3");
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(Wrote(writer->WriteIfDue()), true);
  Append("r4");
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(Wrote(writer->WriteIfDue()), false);  // 5 min
  EXPECT_EQ(ListCheckpointFiles(dir_.Sub("checkpoints")).size(), 3u);

  // At shutdown, only if the head moved since the last one.
  EXPECT_EQ(Wrote(writer->WriteAtShutdown()), true);
  EXPECT_EQ(Wrote(writer->WriteAtShutdown()), false);
  // A restarted writer knows the folder's last position.
  EXPECT_EQ(Writer()->last_position(), 4u);
  EXPECT_EQ(Wrote(Writer()->WriteAtShutdown()), false);
}

// The period runs from the newest checkpoint kept, not from the start: a
// relogd restarted more often than the interval still signs its history.
TEST_F(CheckpointWriterTest,
       ThePeriodRunsFromTheNewestCheckpointAcrossRestarts) {
  Append("r1");
  ASSERT_OK(Writer()->WriteNow());
  Append("r2");
  clock_.Advance(absl::Minutes(6));
  auto restarted = Writer();
  EXPECT_EQ(Wrote(restarted->WriteIfDue()), false);  // 6 min since
  clock_.Advance(absl::Minutes(4));
  EXPECT_EQ(Wrote(restarted->WriteIfDue()), true);  // 10 min since, not 4
}

TEST_F(CheckpointWriterTest, ThePeriodicThreadWritesWhenTheClockSaysSo) {
  Append("r1");
  CheckpointWriterOptions options;
  options.dir = dir_.Sub("checkpoints");
  options.interval = absl::Minutes(10);
  options.poll = absl::Milliseconds(5);
  CheckpointWriter writer(store_.get(), key_.get(), &clock_, options);
  writer.Start();
  clock_.Advance(absl::Minutes(10));
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (writer.last_position() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  writer.Stop();
  EXPECT_EQ(writer.last_position(), 1u);
}

}  // namespace
}  // namespace relog::audit
