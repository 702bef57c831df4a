// Tampering with a closed store directly in RocksDB, behind relog's back:
// what an attacker with access to the data folder could do. Each helper
// opens the database, changes it, and closes it again.
#ifndef RELOG_TESTS_AUDIT_TAMPER_H_
#define RELOG_TESTS_AUDIT_TAMPER_H_

#include <cstdint>
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "storage/event_record.h"
#include "storage/key_layout.h"
#include "storage/rocksdb_handle.h"

namespace relog::testing {

class Tamper {
 public:
  explicit Tamper(const std::string& path) {
    auto handle = RocksDbHandle::Open({path});
    EXPECT_TRUE(handle.ok()) << handle.status();
    if (handle.ok()) handle_ = *std::move(handle);
  }

  std::string Get(uint64_t position) {
    RocksDbHandle::Use use(handle_.get());
    std::string value;
    EXPECT_TRUE(use.db()
                    ->Get(rocksdb::ReadOptions(), use.cf(layout::kLog),
                          ToSlice(layout::LogKey(position)), &value)
                    .ok())
        << "no record at " << position;
    return value;
  }
  void Put(uint64_t position, const std::string& record) {
    RocksDbHandle::Use use(handle_.get());
    EXPECT_TRUE(use.db()
                    ->Put(rocksdb::WriteOptions(), use.cf(layout::kLog),
                          ToSlice(layout::LogKey(position)), ToSlice(record))
                    .ok());
  }

  // Flips one payload byte of the event at `position` (its hashes stay).
  void AlterPayload(uint64_t position) {
    std::string record = Get(position);
    record[record.size() - 70] ^= 0x01;
    Put(position, record);
  }
  // Deletes the record at `position` (the indexes stay).
  void Delete(uint64_t position) {
    RocksDbHandle::Use use(handle_.get());
    EXPECT_TRUE(use.db()
                    ->Delete(rocksdb::WriteOptions(), use.cf(layout::kLog),
                             ToSlice(layout::LogKey(position)))
                    .ok());
  }
  void Swap(uint64_t a, uint64_t b) {
    std::string at_a = Get(a), at_b = Get(b);
    Put(a, at_b);
    Put(b, at_a);
  }

  // Deletes every event after `keep`, consistently: the log records, their
  // stream index and event-id entries, and the heads of the streams
  // concerned are set back — so that Verify() finds nothing wrong, and only
  // a checkpoint kept elsewhere shows what is gone.
  void TruncateAfter(uint64_t keep) {
    RocksDbHandle::Use use(handle_.get());
    rocksdb::DB* db = use.db();
    std::map<std::string, uint64_t> first_removed;  // stream → version
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), use.cf(layout::kLog)));
    rocksdb::WriteBatch batch;
    for (it->Seek(ToSlice(layout::LogKey(keep + 1))); it->Valid(); it->Next()) {
      absl::StatusOr<RecordedEvent> event =
          DecodeStoredRecord(ToView(it->value()));
      ASSERT_TRUE(event.ok()) << event.status();
      batch.Delete(use.cf(layout::kLog), it->key());
      batch.Delete(
          use.cf(layout::kStreamIndex),
          ToSlice(layout::StreamIndexKey(event->stream_id, event->version)));
      batch.Delete(use.cf(layout::kEventIds),
                   ToSlice(layout::EventIdKey(event->id)));
      auto [at, inserted] =
          first_removed.emplace(event->stream_id, event->version);
      if (!inserted) at->second = std::min(at->second, event->version);
    }
    for (const auto& [stream, version] : first_removed) {
      if (version == 0) {
        batch.Delete(use.cf(layout::kHeads), ToSlice(stream));
        continue;
      }
      std::string position;
      ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), use.cf(layout::kStreamIndex),
                          ToSlice(layout::StreamIndexKey(stream, version - 1)),
                          &position)
                      .ok());
      std::string record;
      ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), use.cf(layout::kLog),
                          ToSlice(position), &record)
                      .ok());
      absl::StatusOr<RecordedEvent> last = DecodeStoredRecord(record);
      ASSERT_TRUE(last.ok());
      StreamHead head{stream, last->version, last->position, last->stream_hash};
      batch.Put(use.cf(layout::kHeads), ToSlice(stream),
                ToSlice(layout::EncodeHead(head)));
    }
    ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
  }

 private:
  std::unique_ptr<RocksDbHandle> handle_;
};

}  // namespace relog::testing

#endif  // RELOG_TESTS_AUDIT_TAMPER_H_
