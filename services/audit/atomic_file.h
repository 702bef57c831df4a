// Writing a small file so that a reader, or a crash, never leaves half of
// it: the bytes go to a temporary file in the same folder, which is synced,
// renamed over the target, and the folder synced (so the rename itself is
// durable).
#ifndef RELOG_SERVICES_AUDIT_ATOMIC_FILE_H_
#define RELOG_SERVICES_AUDIT_ATOMIC_FILE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace relog::audit {

// Writes `contents` to `path` with permission bits `mode` (the temporary
// file is created with them, so the bytes are never readable more widely).
// Replaces an existing file. INTERNAL with `reason` and the path and errno
// text in the message on any failure; the temporary file is removed.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents, mode_t mode,
                                 absl::string_view reason);

// The whole content of `path`; INTERNAL with `reason` if it cannot be
// read (NOT_FOUND if it does not exist).
absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          absl::string_view reason);

}  // namespace relog::audit

#endif  // RELOG_SERVICES_AUDIT_ATOMIC_FILE_H_
