// Tamper evidence: Verify() names the position where the log was altered,
// shortened or reordered behind the store's back, directly in RocksDB.
#include <memory>

#include "gtest/gtest.h"
#include "storage/key_layout.h"
#include "storage/rocksdb_handle.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::OneStream;
using ::relog::testing::OpenStoreOrDie;
using ::relog::testing::TempDir;
using Problem = VerifyReport::Problem;

class VerifyTest : public ::testing::Test {
 protected:
  // Ten events over three streams, then the store is closed.
  void SetUp() override {
    auto store = OpenStoreOrDie(dir_.path());
    for (int i = 0; i < 10; ++i) {
      ASSERT_OK(store->AppendBlocking(OneStream(absl::StrCat("s", i % 3),
                                                ExpectedVersion::Any(),
                                                absl::StrCat("r", i))));
    }
    head_ = store->GetLogHead();
  }

  // Runs `tamper` on the raw database, then reopens the store and verifies.
  VerifyReport TamperAndVerify(
      const std::function<void(rocksdb::DB*, const RocksDbHandle::Use&)>&
          tamper) {
    {
      auto handle = RocksDbHandle::Open({dir_.path()});
      EXPECT_OK(handle);
      RocksDbHandle::Use use(handle->get());
      tamper(use.db(), use);
    }
    auto store = OpenStoreOrDie(dir_.path());
    absl::StatusOr<VerifyReport> report = store->Verify();
    EXPECT_OK(report);
    return report.ok() ? *report : VerifyReport{};
  }

  std::string Get(rocksdb::DB* db, const RocksDbHandle::Use& use,
                  uint64_t position) {
    std::string value;
    EXPECT_TRUE(db->Get(rocksdb::ReadOptions(), use.cf(layout::kLog),
                        ToSlice(layout::LogKey(position)), &value)
                    .ok());
    return value;
  }

  void Put(rocksdb::DB* db, const RocksDbHandle::Use& use, uint64_t position,
           const std::string& value) {
    EXPECT_TRUE(db->Put(rocksdb::WriteOptions(), use.cf(layout::kLog),
                        ToSlice(layout::LogKey(position)), ToSlice(value))
                    .ok());
  }

  TempDir dir_;
  LogHead head_;
};

TEST_F(VerifyTest, AnUntouchedLogVerifiesWithItsHeadHash) {
  auto store = OpenStoreOrDie(dir_.path());
  absl::StatusOr<VerifyReport> report = store->Verify();
  ASSERT_OK(report);
  EXPECT_TRUE(report->ok()) << report->detail;
  EXPECT_OK(report->ToStatus());
  EXPECT_EQ(report->events_checked, 10u);
  EXPECT_EQ(report->streams_checked, 3u);
  EXPECT_EQ(report->head.position, 10u);
  EXPECT_EQ(report->head.global_hash, head_.global_hash);
}

TEST_F(VerifyTest, OneAlteredByteIsFoundAtItsPosition) {
  VerifyReport report = TamperAndVerify([&](rocksdb::DB* db, const auto& use) {
    std::string value = Get(db, use, 5);
    value[value.size() - 70] ^= 0x01;  // a payload byte
    Put(db, use, 5, value);
  });
  EXPECT_EQ(report.problem, Problem::kAltered);
  EXPECT_EQ(report.position, 5u);
  EXPECT_THAT(report.ToStatus(),
              testing::StatusIs(absl::StatusCode::kDataLoss, "CHAIN_ALTERED"));
  EXPECT_THAT(std::string(report.ToStatus().message()),
              ::testing::HasSubstr("position 5"));
}

TEST_F(VerifyTest, AlteredHashIsFound) {
  VerifyReport report = TamperAndVerify([&](rocksdb::DB* db, const auto& use) {
    std::string value = Get(db, use, 7);
    value[value.size() - 1] ^= 0x80;  // the stored global hash
    Put(db, use, 7, value);
  });
  EXPECT_EQ(report.problem, Problem::kAltered);
  EXPECT_EQ(report.position, 7u);
}

TEST_F(VerifyTest, ADeletedEventIsFoundAtItsPosition) {
  VerifyReport report = TamperAndVerify([&](rocksdb::DB* db, const auto& use) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), use.cf(layout::kLog),
                           ToSlice(layout::LogKey(6)))
                    .ok());
  });
  EXPECT_EQ(report.problem, Problem::kMissing);
  EXPECT_EQ(report.position, 6u);
}

TEST_F(VerifyTest, TwoSwappedEventsAreFoundAtTheFirst) {
  VerifyReport report = TamperAndVerify([&](rocksdb::DB* db, const auto& use) {
    std::string four = Get(db, use, 4), eight = Get(db, use, 8);
    Put(db, use, 4, eight);
    Put(db, use, 8, four);
  });
  EXPECT_EQ(report.problem, Problem::kReordered);
  EXPECT_EQ(report.position, 4u);
}

TEST_F(VerifyTest, ScansStopAtAMovedRecordInsteadOfGoingBack) {
  TamperAndVerify([&](rocksdb::DB* db, const auto& use) {
    std::string four = Get(db, use, 4), eight = Get(db, use, 8);
    Put(db, use, 4, eight);
    Put(db, use, 8, four);
  });
  auto store = OpenStoreOrDie(dir_.path());
  uint64_t visited = 0;
  absl::StatusOr<uint64_t> scanned =
      store->ScanAll(1, UINT64_MAX, [&](const RecordedEvent&) {
        ++visited;
        return true;
      });
  EXPECT_THAT(scanned, testing::StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(visited, 3u);
}

TEST_F(VerifyTest, ABrokenIndexIsFound) {
  VerifyReport report = TamperAndVerify([&](rocksdb::DB* db, const auto& use) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), use.cf(layout::kStreamIndex),
                        ToSlice(layout::StreamIndexKey("s1", 1)),
                        ToSlice(layout::EncodePosition(3)))
                    .ok());
  });
  EXPECT_EQ(report.problem, Problem::kIndexBroken);
}

}  // namespace
}  // namespace relog
