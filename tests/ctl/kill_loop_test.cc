// The kill loop (issue 6): a real relogd child under load from the load
// generator (clients/loadgen) is SIGKILLed at random moments and restarted
// on the same data dir and port, again and again. The load generator's
// journal records every call with its request id, its exact bytes and its
// outcome: acknowledged, refused, or unknown (connection lost, deadline,
// UNAVAILABLE). After each restart the unknown calls are sent again, byte
// for byte, with their request ids; the answer must be the original
// outcome (a replay when the first attempt had committed). At the end the
// log must hold every acknowledged command's events exactly once and
// nothing of the refused ones, case versions and log positions without
// gaps, both hash chains intact (VerifyLog, and relog-verify on an export
// against every checkpoint signed between kills), projections equal to a
// rebuild from position 0, and a subscriber that resumed from its saved
// position after every kill must have seen every case event once, in order.
//
// Each cycle prints one line (seed, kill delay, what the journal saw).
// RELOG_KILL_LOOP_CYCLES=N runs N cycles (default 10), RELOG_KILL_LOOP_SEED
// fixes the base seed (default: the clock; printed). docs/TESTING.md.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/loadgen/load_generator.h"
#include "clients/relogctl/demo_scenarios.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/audit.grpc.pb.h"
#include "tests/testing/journal_checks.h"
#include "tests/testing/relogd_process.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

namespace v1 = ::relog::v1;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(KillLoopTest, EveryAcknowledgedCommandSurvivesRepeatedSigkills) {
  const int cycles =
      static_cast<int>(testing::IntFromEnv("RELOG_KILL_LOOP_CYCLES", 10));
  const uint64_t base_seed = static_cast<uint64_t>(testing::IntFromEnv(
      "RELOG_KILL_LOOP_SEED", absl::ToUnixMicros(absl::Now()) % 1000000));
  ASSERT_GE(cycles, 1);
  std::printf(
      "kill loop: %d cycles, base seed %llu "
      "(RELOG_KILL_LOOP_SEED=%llu reruns these stories and delays)\n",
      cycles, static_cast<unsigned long long>(base_seed),
      static_cast<unsigned long long>(base_seed));

  const ctl::DemoWorld& world = testing::SampleDemoWorld(RELOG_SOURCE_DIR);

  testing::TempDir dir;
  const std::string data = dir.Sub("data");
  std::vector<std::string> flags = {"--access_log=false"};
  auto relogd = std::make_unique<testing::RelogdProcess>(
      RELOGD_PATH, RELOG_SOURCE_DIR, data, dir, flags);
  ASSERT_FALSE(relogd->address().empty());
  const std::string address = relogd->address();
  // Restarts listen on the same port (relogd's last --listen wins), so that
  // the subscriber's channel finds the new server where the old one was.
  flags.push_back("--listen=" + address);

  testing::ResumingSubscriber subscriber(address);
  testing::JournalChecker checker;
  int cycles_in_flight = 0;
  int resumptions_needed = 1;  // the first subscription
  const absl::Time started = absl::Now();

  for (int cycle = 1; cycle <= cycles; ++cycle) {
    const uint64_t seed = base_seed + static_cast<uint64_t>(cycle);
    std::mt19937_64 rng(seed);
    const absl::Duration kill_after =
        absl::Milliseconds(std::uniform_int_distribution<int>(50, 1500)(rng));

    loadgen::LoadOptions options;
    options.clients = 12;
    options.duration = absl::Seconds(60);  // the kill ends it long before
    options.conflict_share = 0.05;
    options.seed = seed;  // distinct request ids and references per cycle
    options.timeout = absl::Seconds(2);
    testing::JournaledLoad load(address, world, options);
    // Kill only once commands are flowing, then after the seeded delay.
    ASSERT_TRUE(load.WaitForAcks(20, absl::Seconds(30)))
        << "the load never flowed";
    absl::SleepFor(kill_after);
    const absl::Time kill_start = absl::Now();
    relogd->process().Signal(SIGKILL);
    load.RequestStop();
    std::optional<int> wait = relogd->process().WaitForExit(absl::Seconds(30));
    ASSERT_TRUE(wait.has_value() && WIFSIGNALED(*wait) &&
                WTERMSIG(*wait) == SIGKILL)
        << "relogd did not die of the SIGKILL";
    relogd.reset();
    relogd = std::make_unique<testing::RelogdProcess>(
        RELOGD_PATH, RELOG_SOURCE_DIR, data, dir, flags);
    ASSERT_EQ(relogd->address(), address) << "relogd did not restart";
    load.Stop();
    ++resumptions_needed;
    const std::shared_ptr<grpc::Channel> channel =
        testing::FastChannel(address);
    const uint64_t head_at_restart = testing::LogHead(channel);

    // What the journal saw; the unknown calls sent again.
    const testing::CycleTally tally =
        checker.Settle(channel, load.Take(), kill_start, head_at_restart);
    if (tally.cut > 0) ++cycles_in_flight;
    // A checkpoint signed between kills: relog-verify checks at the end
    // that the log still extends each of them (nothing acknowledged lost).
    {
      auto audit = v1::Audit::NewStub(channel);
      v1::Checkpoint checkpoint;
      EXPECT_TRUE(
          audit->CreateCheckpoint(testing::WaitingCall().get(), {}, &checkpoint)
              .ok());
    }
    const uint64_t head = testing::LogHead(channel);
    const std::string problem = testing::VerifyProblem(channel, head);
    EXPECT_EQ(problem, "") << "cycle " << cycle;
    std::printf(
        "cycle %2d seed %llu: killed %4lld ms after load flowed, %s; %s; "
        "head %llu, chains %s\n",
        cycle, static_cast<unsigned long long>(seed),
        static_cast<long long>(absl::ToInt64Milliseconds(kill_after)),
        tally.cut > 0
            ? absl::StrCat(tally.in_flight, " commands in flight at the kill (",
                           tally.cut, " cut, unknown)")
                  .c_str()
            : absl::StrCat("NO command cut by the kill (", tally.in_flight,
                           " in flight, all answered)")
                  .c_str(),
        tally.Summary().c_str(), static_cast<unsigned long long>(head),
        problem.empty() ? "verify" : "BROKEN");
    std::fflush(stdout);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GE(cycles_in_flight * 10, cycles * 8)
      << "too few kills hit commands in flight: " << cycles_in_flight << " of "
      << cycles;

  // The final state, against the journal.
  const std::shared_ptr<grpc::Channel> channel = testing::FastChannel(address);
  const testing::JournalChecker::Verdict verdict =
      checker.Check(channel, &subscriber);
  EXPECT_THAT(verdict.problems, IsEmpty());
  EXPECT_EQ(verdict.acknowledged_lost, 0);
  EXPECT_GE(subscriber.calls(), resumptions_needed)
      << "the subscriber did not resume after every kill";

  // The independent verifier: an export of the whole log checked against
  // every checkpoint relogd signed between the kills.
  int checkpoints = 0;
  const std::string verified = testing::VerifyExportAgainstCheckpoints(
      RELOGCTL_PATH, RELOG_VERIFY_PATH, address, data + "/checkpoints",
      dir.path(), &checkpoints);
  EXPECT_THAT(verified, HasSubstr("exit=0")) << verified;
  EXPECT_GE(checkpoints, cycles);

  std::printf(
      "kill loop: %d cycles (%d with commands in flight at the kill), %zu "
      "commands (%d acknowledged), %zu case events, %zu cases, head %llu, "
      "subscriber (re)subscribed %d times, %d checkpoints verified by "
      "relog-verify, %.1f s\n",
      cycles, cycles_in_flight, checker.commands(), verdict.acknowledged,
      verdict.case_events, verdict.cases,
      static_cast<unsigned long long>(verdict.head), subscriber.calls(),
      checkpoints, absl::ToDoubleSeconds(absl::Now() - started));
}

}  // namespace
}  // namespace relog
