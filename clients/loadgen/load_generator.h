// relog-loadgen: N concurrent gRPC clients, each driving realistic case
// lifecycles (the demo's stories, clients/relogctl/demo_scenarios.h)
// against a running relogd, one command at a time per client, for a
// duration. A share of the steps is sent twice at once by two clients with
// the same expected version — a deliberate conflict: one wins, the other
// gets ABORTED WRONG_EXPECTED_VERSION.
//
// It measures what a client sees: commands/s, events/s (the log head's
// progress over the run), latency percentiles of every command, and counts
// by status code and reason; an optional journal receives every call with
// its outcome (a kill-loop test retries the unknown ones). Nothing is retried:
// an UNAVAILABLE or DEADLINE_EXCEEDED command is counted and its story
// abandoned.
#ifndef RELOG_CLIENTS_LOADGEN_LOAD_GENERATOR_H_
#define RELOG_CLIENTS_LOADGEN_LOAD_GENERATOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/relogctl/demo_scenarios.h"
#include "grpcpp/grpcpp.h"

namespace relog::loadgen {

// One call as a journal (LoadOptions::journal) sees it: enough to tell,
// from the log, what the call wrote, and to send it again unchanged.
struct JournalEntry {
  enum class Outcome {
    kOk,       // answered OK: `version`, `position`, `result_case` are set
    kFailed,   // answered with an error that says nothing was written
    kUnknown,  // may or may not have been applied (IsOutcomeUnknown)
  };
  // The full gRPC method, e.g. "/relog.v1.CaseService/MakeOffer".
  std::string method;
  std::string request_id;
  // The case the call names ("cases/…"); empty for IdentifyHousehold.
  std::string case_name;
  // The request exactly as sent (serialized), for a retry.
  std::string request_bytes;
  absl::Time sent_at;
  absl::Time answered_at;
  Outcome outcome = Outcome::kUnknown;
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;  // ErrorInfo's, when there is one
  std::string cause;   // ErrorInfo's metadata "cause", e.g. NO_SPACE
  // When OK: CaseCommandResponse's case_version, position, case name.
  uint64_t version = 0;
  uint64_t position = 0;
  std::string result_case;
};

// Whether a call that ended with `code` may have been applied: UNAVAILABLE
// (connection lost, server gone, OUTCOME_UNKNOWN, STORE_READ_ONLY),
// DEADLINE_EXCEEDED, CANCELLED and UNKNOWN. Such a call must be retried
// with the same request id to learn its outcome (docs/API.md); every other
// error means the command was refused and wrote nothing.
bool IsOutcomeUnknown(grpc::StatusCode code);

struct LoadOptions {
  int clients = 16;
  absl::Duration duration = absl::Seconds(10);
  // The share (0..1) of steps sent as a conflicting pair.
  double conflict_share = 0;
  uint64_t seed = 1;
  // Each command's deadline.
  absl::Duration timeout = absl::Seconds(10);
  // When set, called once per call (conflicting twins included) as it
  // completes, from the clients' threads concurrently: it must be
  // thread-safe and quick.
  std::function<void(const JournalEntry&)> journal;
  // When set, clients stop (before their next command) once it is true, as
  // they do at the end of `duration`.
  const std::atomic<bool>* stop = nullptr;
};

struct LoadResult {
  absl::Duration elapsed;
  int64_t commands = 0;  // every call made, conflicting twins included
  uint64_t events = 0;   // the log head's progress during the run
  int64_t households = 0;
  int64_t conflicts = 0;  // pairs sent
  // Seconds, sorted, of every call.
  std::vector<double> latencies;
  // "OK", "ABORTED WRONG_EXPECTED_VERSION", "UNAVAILABLE OUTCOME_UNKNOWN"…
  std::map<std::string, int64_t> by_status;

  double Percentile(double p) const;  // seconds; 0 without calls
  // The table relog-loadgen prints.
  std::string Render(const LoadOptions& options) const;
};

// Runs the load against relogd at `target` ("host:port"); errors only when
// relogd cannot be reached at all.
absl::StatusOr<LoadResult> RunLoad(const std::string& target,
                                   const ctl::DemoWorld& world,
                                   const LoadOptions& options);

}  // namespace relog::loadgen

#endif  // RELOG_CLIENTS_LOADGEN_LOAD_GENERATOR_H_
