// relogd's checkpoint folder: signs the log head and writes it as one file
// per checkpoint (checkpoint.h), on demand, periodically when the head
// moved, and at shutdown. docs/AUDIT.md, "Checkpoints".
//
// Files are named checkpoint-<position, 20 digits>-<signed_at as
// YYYYMMDDTHHMMSS.ffffffZ>.txt, so that name order is position order, and
// written atomically (temporary file, fsync, rename, fsync of the folder):
// a crash leaves either the whole file or none.
#ifndef RELOG_SERVICES_AUDIT_CHECKPOINT_WRITER_H_
#define RELOG_SERVICES_AUDIT_CHECKPOINT_WRITER_H_

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/audit/checkpoint.h"
#include "services/audit/signing_key.h"
#include "storage/clock.h"
#include "storage/event_store.h"

namespace relog::audit {

inline constexpr char kReasonCheckpointWriteFailed[] =
    "CHECKPOINT_WRITE_FAILED";

struct CheckpointWriterOptions {
  // The folder of the files; created (mode 0755) if missing.
  std::string dir;
  // A periodic checkpoint is written when this much time (by the clock)
  // has passed since the last checkpoint (the newest in `dir`, across
  // restarts; at once when there is none) and the head moved since.
  // Zero: none (on demand and at shutdown only).
  absl::Duration interval = absl::Minutes(10);
  // How often (in real time) the periodic thread looks at the clock.
  absl::Duration poll = absl::Seconds(10);
};

struct WrittenCheckpoint {
  Checkpoint checkpoint;
  std::string text;  // the file's bytes
  std::string path;
};

// Thread-safe: writes are serialised.
class CheckpointWriter {
 public:
  // Every pointer must outlive the writer. Reads the folder's newest
  // checkpoint position (so that a restart does not sign the same head
  // again). Start() starts the periodic thread.
  CheckpointWriter(const EventStore* store, const SigningKey* key,
                   const Clock* clock, CheckpointWriterOptions options);
  // Stops the periodic thread.
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Signs the current head and writes its file.
  // Errors: FAILED_PRECONDITION LOG_EMPTY (nothing to sign yet), INTERNAL
  // CHECKPOINT_WRITE_FAILED (the file could not be written).
  absl::StatusOr<WrittenCheckpoint> WriteNow() ABSL_LOCKS_EXCLUDED(mu_);

  // The periodic step: writes a checkpoint if the interval has passed since
  // the last one (by the clock) and the head moved since; returns whether
  // it wrote. The periodic thread calls it; tests call it with a manual
  // clock.
  absl::StatusOr<bool> WriteIfDue() ABSL_LOCKS_EXCLUDED(mu_);

  // At shutdown, once nothing can append any more: stops the periodic
  // thread, then writes a checkpoint if the head moved since the last one.
  // Returns whether it wrote.
  absl::StatusOr<bool> WriteAtShutdown() ABSL_LOCKS_EXCLUDED(mu_);

  // Starts / stops the periodic thread (no-op when the interval is zero, or
  // when already started / stopped).
  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  // The position of the last checkpoint written (or found in the folder at
  // construction), 0 if none.
  uint64_t last_position() const ABSL_LOCKS_EXCLUDED(mu_);

  const std::string& dir() const { return options_.dir; }

 private:
  absl::StatusOr<WrittenCheckpoint> WriteLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run() ABSL_LOCKS_EXCLUDED(mu_);

  // Constant after construction.
  const EventStore* const store_;
  const SigningKey* const key_;
  const Clock* const clock_;
  const CheckpointWriterOptions options_;

  mutable absl::Mutex mu_;
  uint64_t last_position_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_written_at_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // touched by Start() and Stop() only
};

// The checkpoint files of `dir`, oldest position first (names as above).
std::vector<std::string> ListCheckpointFiles(const std::string& dir);

}  // namespace relog::audit

#endif  // RELOG_SERVICES_AUDIT_CHECKPOINT_WRITER_H_
