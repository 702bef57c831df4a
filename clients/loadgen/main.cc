// relog-loadgen: load against a running relogd (load_generator.h).
//
//   relog-loadgen [--server=127.0.0.1:50051] [--clients=16]
//       [--duration_seconds=10] [--conflict_share=0.05] [--seed=1]
//       [--reference_dir=deploy/reference/mel]
//
// Prints commands/s, events/s, latency percentiles and counts by status.
// Exit 0 once the run completed (whatever the statuses), 1 if relogd could
// not be reached, 2 on a usage error.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "clients/loadgen/load_generator.h"
#include "clients/relogctl/common.h"
#include "clients/relogctl/demo_scenarios.h"
#include "services/reference/reference_files.h"

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
  auto files = relog::reference::ParseReferenceDir(dir);
  if (!files.ok()) {
    std::fprintf(stderr, "relog-loadgen: %s\n",
                 std::string(files.status().message()).c_str());
    return 2;
  }
  auto ref = relog::reference::ReferenceData::Build(*files);
  if (!ref.ok()) {
    std::fprintf(stderr, "relog-loadgen: %s\n",
                 std::string(ref.status().message()).c_str());
    return 2;
  }
  const relog::ctl::DemoWorld world(*ref, relog::ctl::TodayInParis());
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
