// relog-loadgen: N concurrent gRPC clients, each driving realistic case
// lifecycles (the demo's stories, clients/relogctl/demo_scenarios.h)
// against a running relogd, one command at a time per client, for a
// duration. A share of the steps is sent twice at once by two clients with
// the same expected version — a deliberate conflict: one wins, the other
// gets ABORTED WRONG_EXPECTED_VERSION.
//
// It measures what a client sees: commands/s, events/s (the log head's
// progress over the run), latency percentiles of every command, and counts
// by status code and reason. Nothing is retried: an UNAVAILABLE or
// DEADLINE_EXCEEDED command is counted and its story abandoned.
#ifndef RELOG_CLIENTS_LOADGEN_LOAD_GENERATOR_H_
#define RELOG_CLIENTS_LOADGEN_LOAD_GENERATOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/relogctl/demo_scenarios.h"
#include "grpcpp/grpcpp.h"

namespace relog::loadgen {

struct LoadOptions {
  int clients = 16;
  absl::Duration duration = absl::Seconds(10);
  // The share (0..1) of steps sent as a conflicting pair.
  double conflict_share = 0;
  uint64_t seed = 1;
  // Each command's deadline.
  absl::Duration timeout = absl::Seconds(10);
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
