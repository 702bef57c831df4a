// Runs one command on one case: replays a known request id, loads the
// case, decides, appends the events with a request record, and answers.
// Commands on one case run one at a time (KeyedSerialQueue); store reads
// and decide() run on relog's executor, never on the caller's thread.
#ifndef RELOG_SERVICES_API_CASE_COMMAND_RUNNER_H_
#define RELOG_SERVICES_API_CASE_COMMAND_RUNNER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "relog/v1/case_service.pb.h"
#include "services/api/caller.h"
#include "services/api/case_state_cache.h"
#include "services/api/executor.h"
#include "services/api/keyed_serial_queue.h"
#include "services/cases/commands.h"
#include "services/reference/reference_data.h"
#include "storage/clock.h"
#include "storage/event_store.h"

namespace relog::api {

struct CaseCommandRequest {
  std::string case_id;
  std::string request_id;
  // A digest of the whole request: a retry must carry the same.
  std::string request_hash;
  std::optional<uint64_t> expected_version;
  cases::Command command;
  Caller caller;
};

using CaseCommandDone =
    std::function<void(absl::StatusOr<relog::v1::CaseCommandResponse>)>;

class CaseCommandRunner {
 public:
  // Every pointer must outlive the runner. `zone` is the zone of business
  // dates (Europe/Paris): "today" is taken there.
  CaseCommandRunner(EventStore* store, Executor* executor, const Clock* clock,
                    std::shared_ptr<const reference::ReferenceData> reference,
                    absl::TimeZone zone);
  CaseCommandRunner(const CaseCommandRunner&) = delete;
  CaseCommandRunner& operator=(const CaseCommandRunner&) = delete;

  // Runs `request`; `done` is called exactly once, on one of relog's
  // threads. Errors: those of Decide(), ABORTED (WRONG_EXPECTED_VERSION),
  // ALREADY_EXISTS (REQUEST_ID_REUSED), the store's (UNAVAILABLE
  // OUTCOME_UNKNOWN / STORE_READ_ONLY, DATA_LOSS), UNAVAILABLE
  // SERVER_SHUTTING_DOWN when the executor stops.
  void Execute(CaseCommandRequest request, CaseCommandDone done);

  // Reference data for the commands that start after the call.
  void SetReference(std::shared_ptr<const reference::ReferenceData> reference)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Waits until no command is queued or running (their appends done and
  // answered), up to `timeout`; false if some still are. For shutdown:
  // after the server stopped taking calls, before the executor goes.
  bool Drain(absl::Duration timeout) const;

  // Today in the business time zone.
  absl::CivilDay Today() const;

 private:
  // On the executor, in the case's turn; calls `finished` when the case's
  // next command may start.
  void Run(const CaseCommandRequest& request, const CaseCommandDone& done,
           const KeyedSerialQueue::Done& finished);
  // The answer to `request` once `result` is written (or was, for a retry
  // found by its request id: `check_hash` then tells a retry from a reuse
  // of the id): the case as the command left it, read back with what the
  // caller may see.
  absl::StatusOr<relog::v1::CaseCommandResponse> Answer(
      const CaseCommandRequest& request, const AppendResult& result,
      bool check_hash) const;
  std::shared_ptr<const reference::ReferenceData> reference() const
      ABSL_LOCKS_EXCLUDED(mu_);

  EventStore* const store_;
  Executor* const executor_;
  const Clock* const clock_;
  const absl::TimeZone zone_;
  KeyedSerialQueue queue_;
  // Decide and Answer fold through it (Answer is const: the cache is
  // internally synchronised and changes no answer).
  mutable CaseStateCache states_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const reference::ReferenceData> reference_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_CASE_COMMAND_RUNNER_H_
