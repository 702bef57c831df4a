// Helpers shared by the storage tests: building appends and opening stores.
#ifndef RELOG_TESTS_STORAGE_STORE_TEST_UTIL_H_
#define RELOG_TESTS_STORAGE_STORE_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/event_id.h"
#include "storage/event_store.h"
#include "storage/rocksdb_event_store_impl.h"

namespace relog::testing {

// An event whose id is derived from `request_id` and `index`.
inline NewEvent MakeEvent(absl::string_view request_id, uint32_t index,
                          std::string type = "test.Event",
                          std::string payload = "") {
  NewEvent event;
  event.id = DeriveEventId(request_id, index);
  event.type = std::move(type);
  event.payload = payload.empty()
                      ? absl::StrCat("payload of ", request_id, "/", index)
                      : std::move(payload);
  event.metadata.actor = "tester";
  event.metadata.correlation_id = "op-1";
  event.metadata.causation_id = std::string(request_id);
  event.metadata.occurred_at = absl::CivilDay(2024, 3, 15);
  return event;
}

// An append of `count` events to one stream; ids derived from `request_id`.
inline AppendRequest OneStream(absl::string_view stream_id,
                               ExpectedVersion expected,
                               absl::string_view request_id, int count = 1) {
  AppendRequest request;
  StreamAppend stream;
  stream.stream_id = std::string(stream_id);
  stream.expected = expected;
  for (int i = 0; i < count; ++i) {
    stream.events.push_back(MakeEvent(request_id, static_cast<uint32_t>(i)));
  }
  request.streams.push_back(std::move(stream));
  return request;
}

// Adds a request record to `request`.
inline AppendRequest WithRequestRecord(AppendRequest request,
                                       absl::string_view request_id,
                                       absl::string_view request_hash,
                                       absl::string_view response = "") {
  request.request =
      RequestRecord{std::string(request_id), std::string(request_hash),
                    std::string(response)};
  return request;
}

// Testing options that run RocksDB on `env` (a fault-injecting file
// system, say).
inline RocksDbTestingOptions OnEnv(rocksdb::Env* env, bool sync_writes = true) {
  RocksDbTestingOptions testing;
  testing.env = env;
  testing.sync_writes = sync_writes;
  return testing;
}

inline std::unique_ptr<RocksDbEventStore> OpenStoreOrDie(
    const std::string& path, const RocksDbTestingOptions& testing = {},
    const Clock* clock = nullptr) {
  RocksDbEventStoreOptions options;
  options.path = path;
  if (clock != nullptr) options.clock = clock;
  absl::StatusOr<std::unique_ptr<RocksDbEventStore>> store =
      RocksDbEventStore::Open(options, testing);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Every event of the log, in position order.
inline std::vector<RecordedEvent> ReadWholeLog(const EventStore& store) {
  std::vector<RecordedEvent> all;
  uint64_t from = 1;
  for (;;) {
    absl::StatusOr<std::vector<RecordedEvent>> page =
        store.ReadAllForward(from, 1000);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok() || page->empty()) break;
    from = page->back().position + 1;
    for (RecordedEvent& event : *page) all.push_back(std::move(event));
  }
  return all;
}

}  // namespace relog::testing

#endif  // RELOG_TESTS_STORAGE_STORE_TEST_UTIL_H_
