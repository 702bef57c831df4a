// Named views of opaque keys and values for projections (DESIGN.md invariant
// 9). Each view has a checkpoint: the log position its contents reflect.
// A view's puts, deletes and new checkpoint commit in one atomic batch, so a
// crash never leaves contents and checkpoint out of step. Writes are not
// synced: after a crash a view may be behind, never torn, and its projection
// catches up from its checkpoint.
#ifndef RELOG_STORAGE_VIEW_STORE_H_
#define RELOG_STORAGE_VIEW_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace relog {

// One atomic change to a view.
struct ViewWrite {
  std::vector<std::pair<std::string, std::string>> puts;
  std::vector<std::string> deletes;  // applied before the puts
  uint64_t checkpoint = 0;           // the new checkpoint
};

struct ViewEntry {
  std::string key;
  std::string value;
};

struct ViewInfo {
  std::string name;
  uint64_t checkpoint = 0;
};

// Thread-safe. A view is created by its first Write. Names are 1–200 bytes.
class ViewStore {
 public:
  virtual ~ViewStore() = default;

  // The view's checkpoint; 0 for a view that does not exist.
  virtual absl::StatusOr<uint64_t> Checkpoint(absl::string_view view) const = 0;

  // The value at `key`, or nullopt.
  virtual absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view view, absl::string_view key) const = 0;

  // Entries with start <= key < end (end "" = no bound), in key order, at
  // most `limit`. Sees one consistent state of the view.
  virtual absl::StatusOr<std::vector<ViewEntry>> Scan(absl::string_view view,
                                                      absl::string_view start,
                                                      absl::string_view end,
                                                      size_t limit) const = 0;

  // Applies `write` atomically if the view's checkpoint is still
  // `expected_checkpoint`; otherwise FAILED_PRECONDITION
  // VIEW_CHECKPOINT_MISMATCH and nothing changes (two runners on one view, or
  // a runner that lost track).
  virtual absl::Status Write(absl::string_view view,
                             uint64_t expected_checkpoint,
                             const ViewWrite& write) = 0;

  // Makes `live` hold exactly what `replacement` holds (contents and
  // checkpoint), drops the old contents of `live` and the name
  // `replacement`, in one atomic step. Readers see the old view or the new
  // one, never a mix. NOT_FOUND VIEW_NOT_FOUND if `replacement` does not
  // exist. This is how a projection is rebuilt beside its live view.
  virtual absl::Status Swap(absl::string_view live,
                            absl::string_view replacement) = 0;

  // Removes the view and its contents (a no-op for an unknown view).
  virtual absl::Status Drop(absl::string_view view) = 0;

  // Every view, by name.
  virtual absl::StatusOr<std::vector<ViewInfo>> List() const = 0;
};

}  // namespace relog

#endif  // RELOG_STORAGE_VIEW_STORE_H_
