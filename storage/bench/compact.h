// For the benchmarks: settles a store's files before a scan is timed.
#ifndef RELOG_STORAGE_BENCH_COMPACT_H_
#define RELOG_STORAGE_BENCH_COMPACT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "rocksdb/db.h"
#include "storage/key_layout.h"
#include "storage/rocksdb_handle.h"

namespace relog::bench {

// Flushes and compacts every column family of the store at `path` (not
// open elsewhere), so that the scans read settled files and no background
// compaction competes with them; how long it took.
inline absl::Duration Compact(const std::string& path) {
  const absl::Time begin = absl::Now();
  absl::StatusOr<std::unique_ptr<RocksDbHandle>> handle =
      RocksDbHandle::Open({path});
  CHECK(handle.ok()) << handle.status();
  RocksDbHandle::Use use(handle->get());
  for (int cf = 0; cf < layout::kColumnFamilyCount; ++cf) {
    rocksdb::ColumnFamilyHandle* family =
        use.cf(static_cast<layout::ColumnFamily>(cf));
    rocksdb::Status status = use.db()->Flush(rocksdb::FlushOptions(), family);
    CHECK(status.ok()) << status.ToString();
    status = use.db()->CompactRange(rocksdb::CompactRangeOptions(), family,
                                    nullptr, nullptr);
    CHECK(status.ok()) << status.ToString();
  }
  return absl::Now() - begin;
}

}  // namespace relog::bench

#endif  // RELOG_STORAGE_BENCH_COMPACT_H_
