// Recomputes both hash chains (event_record.h) over log records fed in
// position order, and cross-checks the indexes against them. Knows nothing of
// RocksDB: the store feeds it its column families, and a standalone verifier
// can feed it an export.
#ifndef RELOG_STORAGE_CHAIN_VERIFIER_H_
#define RELOG_STORAGE_CHAIN_VERIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "storage/event_store.h"

namespace relog {

class ChainVerifier {
 public:
  // Feeds the log record stored under `key` (key_layout.h: u64(position)).
  // Returns false once a problem was found; later calls are ignored.
  bool AddLogRecord(absl::string_view key, absl::string_view record);

  // Index checks, after every log record was fed. Each returns false once a
  // problem was found.
  bool CheckStreamIndexEntry(absl::string_view key, absl::string_view value);
  bool CheckHead(absl::string_view stream_id, absl::string_view value);
  bool CheckEventIdEntry(absl::string_view key, absl::string_view value);

  // The verdict. Also checks that every stream version, head and event id
  // that the log holds was found in the indexes fed.
  VerifyReport Finish();

 private:
  struct StreamState {
    std::string last_hash;
    std::vector<uint64_t> positions;  // positions[v] = position of version v
    uint64_t index_entries = 0;
    bool head_seen = false;
  };

  bool Fail(VerifyReport::Problem problem, uint64_t position,
            std::string detail);

  VerifyReport report_;
  std::string global_hash_ = std::string(32, '\0');
  absl::Time last_recorded_at_ = absl::InfinitePast();
  absl::flat_hash_map<std::string, StreamState> streams_;
  std::vector<EventId> ids_;  // ids_[p - 1] = id of the event at position p
  uint64_t id_entries_ = 0;
};

}  // namespace relog

#endif  // RELOG_STORAGE_CHAIN_VERIFIER_H_
