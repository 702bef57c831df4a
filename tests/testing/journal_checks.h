// The crash tests' bookkeeping and verdict (issue 6): the load generator's
// journal of every call, the retries of the calls whose outcome a crash
// left unknown, and the checks of the restarted service against that
// journal — every acknowledged command's events in the log exactly once as
// one commit, nothing of a refused one, nothing from elsewhere, versions
// and positions without gaps, both chains verified, a subscriber resumed
// across the crashes that saw every event once, projections equal to a
// rebuild. Shared by the SIGKILL loop (tests/ctl/kill_loop_test.cc) and the
// power-loss cycles (tests/api/power_loss_test.cc), so that both crashes
// are judged by one rule.
//
// Findings are returned as lines rather than asserted, so that a control
// run (the WAL sync off) can require them to fail.
#ifndef RELOG_TESTS_TESTING_JOURNAL_CHECKS_H_
#define RELOG_TESTS_TESTING_JOURNAL_CHECKS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "clients/loadgen/load_generator.h"
#include "clients/relogctl/demo_scenarios.h"
#include "grpcpp/grpcpp.h"

namespace relog::testing {

// The integer in environment variable `name` (a test's cycle count or
// seed), or `fallback`.
int64_t IntFromEnv(const char* name, int64_t fallback);

// The demo's world over the shipped reference sample
// (`source_dir`/deploy/reference/mel), built once: what the load generator
// drives.
const ctl::DemoWorld& SampleDemoWorld(const std::string& source_dir);

// A channel that reconnects within 100–500 ms of a restart: gRPC's default
// backoff (1 s growing to 120 s) would make a restarted relogd look down.
std::shared_ptr<grpc::Channel> FastChannel(const std::string& address);

// A call context that waits for the server (wait_for_ready) up to `timeout`.
std::unique_ptr<grpc::ClientContext> WaitingCall(
    absl::Duration timeout = absl::Seconds(60));

// The load generator's journal of the current cycle (LoadOptions::journal).
class Journal {
 public:
  void Add(const loadgen::JournalEntry& entry) ABSL_LOCKS_EXCLUDED(mu_);
  // Calls acknowledged since the last Take().
  int64_t ok() ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<loadgen::JournalEntry> Take() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Mutex mu_;
  int64_t ok_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<loadgen::JournalEntry> entries_ ABSL_GUARDED_BY(mu_);
};

// The load generator in the background against `address`, every call
// journaled: `options` as given, but for its journal and stop flag, which
// are this object's.
class JournaledLoad {
 public:
  JournaledLoad(std::string address, const ctl::DemoWorld& world,
                loadgen::LoadOptions options);
  ~JournaledLoad() { Stop(); }

  // True once this load's calls were acknowledged `acks` times (counted
  // since the last Take()); false at `timeout`.
  bool WaitForAcks(int64_t acks, absl::Duration timeout);
  // The clients stop before their next command (the server is gone).
  void RequestStop() { stop_ = true; }
  // RequestStop(), then waits for the clients: RunLoad's closing look at
  // the log head waits for the server to answer.
  void Stop();
  // Every call so far.
  std::vector<loadgen::JournalEntry> Take() { return journal_.Take(); }

 private:
  Journal journal_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts once the members above exist
};

// A subscriber that follows the whole log across crashes: whenever its
// stream ends (the server gone, not yet back) it subscribes again after the
// position of the last message it processed, as docs/SUBSCRIPTIONS.md tells
// consumers to. A message is processed atomically (in memory), so the
// contract makes it see every case event exactly once, in order.
class ResumingSubscriber {
 public:
  explicit ResumingSubscriber(const std::string& address);
  ~ResumingSubscriber() { Stop(); }

  void Stop() ABSL_LOCKS_EXCLUDED(mu_);
  // True once a message said caught_up at `position` or later.
  bool WaitCaughtUp(uint64_t position, absl::Duration timeout)
      ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<uint64_t> positions() ABSL_LOCKS_EXCLUDED(mu_);
  // Subscribe calls made: 1 + the resumptions.
  int calls() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);

  std::shared_ptr<grpc::Channel> channel_;
  absl::Mutex mu_;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t after_ ABSL_GUARDED_BY(mu_) = 0;
  bool caught_up_ ABSL_GUARDED_BY(mu_) = false;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<uint64_t> positions_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once the members above exist
};

// What one crash cycle's journal held, once its unknown calls were sent
// again.
struct CycleTally {
  int acked = 0, failed = 0, unknown = 0;
  // Sent before the crash and answered after it; `cut`: of those, the
  // ones the crash left unknown.
  int in_flight = 0, cut = 0;
  // The unknown calls sent again: a replay of what had committed before
  // the crash, a first application now, a refusal, still no answer.
  int replayed = 0, applied_now = 0, refused_now = 0, still_unknown = 0;
  // "ABORTED WRONG_EXPECTED_VERSION" → count, refusals and retried ones.
  std::map<std::string, int> refusals;

  // One line: "acked …, failed …, unknown … (retried: …); refusals […]".
  std::string Summary() const;
};

// Every command sent across the cycles and its final outcome, and the
// verdict on the restarted service.
class JournalChecker {
 public:
  // Takes one cycle's journal: the crash came at `crash_at` and the
  // restarted service's log head was `head_at_restart`. Every
  // unknown call is sent again, byte for byte, with its request id (until
  // it gets an answer that is not "unknown", or 60 s); its answer is its
  // final outcome. A replay must lie at or below `head_at_restart`, a first
  // application above it; a refusal must be one the stories expect.
  CycleTally Settle(const std::shared_ptr<grpc::Channel>& channel,
                    std::vector<loadgen::JournalEntry> entries,
                    absl::Time crash_at, uint64_t head_at_restart);

  // What Check() found.
  struct Verdict {
    std::vector<std::string> problems;  // empty: everything holds
    // Acknowledged commands whose events are not in the log as answered.
    int acknowledged_lost = 0;
    int acknowledged = 0;
    size_t case_events = 0;
    size_t cases = 0;
    uint64_t head = 0;
  };
  // The service at `channel`, with every command settled: the log against
  // the journal, gap-free positions and versions, VerifyLog, `subscriber`
  // (when given) against the log, and every projection against its rebuild
  // from position 0 (ListCases, GetCase by each case's reference, and
  // every report over this year and the last). Call once no more commands
  // are sent.
  Verdict Check(const std::shared_ptr<grpc::Channel>& channel,
                ResumingSubscriber* subscriber);

  size_t commands() const { return commands_.size(); }

 private:
  // A command's final outcome: the journal's answer, or the retry's.
  struct Command {
    loadgen::JournalEntry entry;
    bool ok = false;
    uint64_t version = 0;
    uint64_t position = 0;
    std::string result_case;
  };

  std::vector<Command> commands_;
  std::set<std::string> request_ids_;
  std::vector<std::string> problems_;  // found while settling
};

// The log head, waiting for the server to answer.
uint64_t LogHead(const std::shared_ptr<grpc::Channel>& channel);

// VerifyLog's answer in one line: "" when both chains and the indexes
// verify up to `head`.
std::string VerifyProblem(const std::shared_ptr<grpc::Channel>& channel,
                          uint64_t head);

// The independent verifier: `relogctl audit export` of the whole log and
// `relog-verify` of it against every checkpoint file in `checkpoint_dir`.
// Returns relog-verify's output ending in "exit=N" (testing::RunShell) and
// sets `*checkpoints` to the files checked.
std::string VerifyExportAgainstCheckpoints(const std::string& relogctl,
                                           const std::string& relog_verify,
                                           const std::string& address,
                                           const std::string& checkpoint_dir,
                                           const std::string& scratch_dir,
                                           int* checkpoints);

}  // namespace relog::testing

#endif  // RELOG_TESTS_TESTING_JOURNAL_CHECKS_H_
