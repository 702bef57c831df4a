// relog-loadgen: load against a running relogd (load_generator.h).
//
//   relog-loadgen [--server=127.0.0.1:50051] [--clients=16]
//       [--duration_seconds=10] [--conflict_share=0.05] [--seed=1]
//       [--reference_dir=deploy/reference/mel] [--journal=FILE]
//
// Prints commands/s, events/s, latency percentiles and counts by status.
// Exit 0 once the run completed (whatever the statuses), 1 if relogd could
// not be reached, 2 on a usage error.
//
// With --journal, also writes one line per call to FILE, tab-separated:
// request id, method, case, outcome (OK, FAILED, UNKNOWN: may have been
// applied, retry with the same request id), status code, reason, version,
// position, and the request's bytes in base64 — enough to send the unknown
// ones again unchanged.
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "clients/loadgen/load_generator.h"
#include "clients/relogctl/common.h"
#include "clients/relogctl/demo_scenarios.h"
#include "services/api/status_conversion.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "relogd's host:port");
ABSL_FLAG(int, clients, 16, "concurrent clients, one command at a time each");
ABSL_FLAG(double, duration_seconds, 10, "how long to load");
ABSL_FLAG(double, conflict_share, 0,
          "share (0..1) of steps sent twice at once with the same expected "
          "version");
ABSL_FLAG(uint64_t, seed, 1, "the stories' seed (request ids derive from it)");
ABSL_FLAG(std::string, reference_dir, "deploy/reference/mel",
          "the reference data the stories are written against (the one "
          "relogd loaded)");
ABSL_FLAG(int, timeout_seconds, 10, "each command's deadline");
ABSL_FLAG(std::string, journal, "",
          "if set, a file to write one line per call to (request id, "
          "method, case, outcome, code, reason, version, position, request "
          "bytes in base64)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "relog-loadgen [--server=H:P] [--clients=N] [--duration_seconds=S] "
      "[--conflict_share=F] [--seed=N]");
  absl::ParseCommandLine(argc, argv);
  relog::loadgen::LoadOptions options;
  options.clients = absl::GetFlag(FLAGS_clients);
  options.duration = absl::Seconds(absl::GetFlag(FLAGS_duration_seconds));
  options.conflict_share = absl::GetFlag(FLAGS_conflict_share);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout_seconds));
  if (options.clients < 1 || options.clients > 4096 ||
      options.duration <= absl::ZeroDuration() || options.conflict_share < 0 ||
      options.conflict_share > 1) {
    std::fprintf(stderr,
                 "relog-loadgen: --clients 1..4096, --duration_seconds > 0, "
                 "--conflict_share 0..1\n");
    return 2;
  }
  const std::string dir = absl::GetFlag(FLAGS_reference_dir);
  absl::StatusOr<std::unique_ptr<relog::ctl::DemoWorld>> loaded =
      relog::ctl::LoadDemoWorld(dir);
  if (!loaded.ok()) {
    std::fprintf(stderr, "relog-loadgen: %s\n",
                 std::string(loaded.status().message()).c_str());
    return 2;
  }
  const relog::ctl::DemoWorld& world = **loaded;
  std::ofstream journal;
  absl::Mutex journal_mu;
  if (const std::string path = absl::GetFlag(FLAGS_journal); !path.empty()) {
    journal.open(path, std::ios::trunc);
    if (!journal) {
      std::fprintf(stderr, "relog-loadgen: cannot write %s\n", path.c_str());
      return 2;
    }
    options.journal = [&](const relog::loadgen::JournalEntry& e) {
      using Outcome = relog::loadgen::JournalEntry::Outcome;
      const char* outcome = e.outcome == Outcome::kOk       ? "OK"
                            : e.outcome == Outcome::kFailed ? "FAILED"
                                                            : "UNKNOWN";
      const std::string line = absl::StrCat(
          e.request_id, "\t", e.method, "\t", e.case_name, "\t", outcome, "\t",
          relog::api::StatusCodeName(e.code), "\t", e.reason, "\t", e.version,
          "\t", e.position, "\t", absl::Base64Escape(e.request_bytes), "\n");
      absl::MutexLock lock(&journal_mu);
      journal << line;
    };
  }
  absl::StatusOr<relog::loadgen::LoadResult> result =
      relog::loadgen::RunLoad(absl::GetFlag(FLAGS_server), world, options);
  if (!result.ok()) {
    std::fprintf(stderr, "relog-loadgen: %s\n",
                 std::string(result.status().message()).c_str());
    return 1;
  }
  std::fputs(result->Render(options).c_str(), stdout);
  return 0;
}
