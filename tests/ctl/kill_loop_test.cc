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

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/loadgen/load_generator.h"
#include "clients/relogctl/common.h"
#include "clients/relogctl/demo_scenarios.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/audit.grpc.pb.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "relog/v1/log_service.grpc.pb.h"
#include "relog/v1/reports.grpc.pb.h"
#include "relog/v1/subscriptions.grpc.pb.h"
#include "services/api/status_conversion.h"
#include "services/reference/reference_data.h"
#include "services/reference/reference_files.h"
#include "tests/testing/relogd_process.h"
#include "tests/testing/shell.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

namespace v1 = ::relog::v1;
using loadgen::JournalEntry;
using Outcome = loadgen::JournalEntry::Outcome;
using ::testing::HasSubstr;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  int64_t n = 0;
  if (value != nullptr && absl::SimpleAtoi(value, &n)) return n;
  return fallback;
}

// Channels that reconnect within 100–500 ms of a restart: gRPC's default
// backoff (1 s growing to 120 s) would make a restarted relogd look down.
std::shared_ptr<grpc::Channel> FastChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

std::unique_ptr<grpc::ClientContext> Call(
    absl::Duration timeout = absl::Seconds(60)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  context->set_wait_for_ready(true);
  return context;
}

// The load generator's journal: every call of the current cycle.
class Journal {
 public:
  void Add(const JournalEntry& entry) {
    absl::MutexLock lock(&mu_);
    if (entry.outcome == Outcome::kOk) ++ok_;
    entries_.push_back(entry);
  }
  int64_t ok() {
    absl::MutexLock lock(&mu_);
    return ok_;
  }
  std::vector<JournalEntry> Take() {
    absl::MutexLock lock(&mu_);
    ok_ = 0;
    return std::move(entries_);
  }

 private:
  absl::Mutex mu_;
  int64_t ok_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<JournalEntry> entries_ ABSL_GUARDED_BY(mu_);
};

// A subscriber that follows the whole log across kills: whenever its
// stream ends (relogd killed, not yet restarted) it subscribes again after
// the position of the last message it processed, as docs/SUBSCRIPTIONS.md
// tells consumers to. A message is processed atomically (in memory), so
// the contract makes it see every case event exactly once, in order.
class ResumingSubscriber {
 public:
  explicit ResumingSubscriber(const std::string& address)
      : channel_(FastChannel(address)), thread_([this] { Run(); }) {}
  ~ResumingSubscriber() { Stop(); }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
      if (context_ != nullptr) context_->TryCancel();
    }
    if (thread_.joinable()) thread_.join();
  }

  // True once a message said caught_up at `position` or later.
  bool WaitCaughtUp(uint64_t position, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return caught_up_ && after_ >= position;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }

  std::vector<uint64_t> positions() {
    absl::MutexLock lock(&mu_);
    return positions_;
  }
  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  void Run() {
    auto stub = v1::Subscriptions::NewStub(channel_);
    for (;;) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Hours(1)));
      v1::SubscribeRequest request;
      request.set_max_batch_events(1000);
      request.set_checkpoint_interval_ms(100);
      {
        absl::MutexLock lock(&mu_);
        if (stop_) return;
        request.set_after_position(after_);
        context_ = &context;
        ++calls_;
      }
      std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
          stub->Subscribe(&context, request);
      v1::SubscribeResponse message;
      while (reader->Read(&message)) {
        absl::MutexLock lock(&mu_);
        for (const v1::SubscribedEvent& e : message.events()) {
          positions_.push_back(e.event().position());
        }
        after_ = message.position();
        caught_up_ = message.caught_up();
      }
      reader->Finish().ok();  // ends with UNAVAILABLE at a kill
      {
        absl::MutexLock lock(&mu_);
        context_ = nullptr;
        caught_up_ = false;
        if (stop_) return;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  }

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

// Sends a journaled request again, byte for byte, through a generic stub,
// until the answer is no longer "unknown" (relogd just restarted: its
// store may still be opening) or 60 s have passed.
struct Resent {
  grpc::Status status;
  v1::CaseCommandResponse response;
  int attempts = 0;
};
Resent Resend(grpc::GenericStub& stub, const JournalEntry& entry) {
  Resent out;
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  do {
    ++out.attempts;
    grpc::Slice slice(entry.request_bytes);
    grpc::ByteBuffer request(&slice, 1), response;
    absl::Notification done;
    std::unique_ptr<grpc::ClientContext> context = Call(absl::Seconds(10));
    stub.UnaryCall(context.get(), entry.method, grpc::StubOptions(), &request,
                   &response, [&](grpc::Status s) {
                     out.status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    if (out.status.ok()) {
      std::vector<grpc::Slice> slices;
      EXPECT_TRUE(response.Dump(&slices).ok());
      std::string bytes;
      for (const grpc::Slice& s : slices) {
        bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
      EXPECT_TRUE(out.response.ParseFromString(bytes)) << entry.method;
      return out;
    }
    if (!loadgen::IsOutcomeUnknown(out.status.error_code())) return out;
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() < give_up);
  return out;
}

// What the stories may be refused with: the conflicting twin that lost
// (ABORTED) and the rules the demo shows (FAILED_PRECONDITION). Anything
// else (INTERNAL, DATA_LOSS, ALREADY_EXISTS REQUEST_ID_REUSED on a retry,
// INVALID_ARGUMENT, NOT_FOUND) is a bug.
bool ExpectedRefusal(grpc::StatusCode code) {
  return code == grpc::StatusCode::ABORTED ||
         code == grpc::StatusCode::FAILED_PRECONDITION;
}

// A command's final outcome: the journal's answer, or the retry's for an
// unknown one.
struct Command {
  JournalEntry entry;
  bool ok = false;
  uint64_t version = 0;
  uint64_t position = 0;
  std::string result_case;
};

// One case event as the log scan saw it.
struct ScannedEvent {
  std::string case_name;
  uint64_t version = 0;
  uint64_t position = 0;
  std::string event_id;
  std::string causation_id;
};

// The whole log's case events in position order, by a fresh subscription
// from position 0 (the catch-up path that reads the log) until it has
// caught up at `head`.
std::vector<ScannedEvent> ScanLog(const std::shared_ptr<grpc::Channel>& channel,
                                  uint64_t head) {
  auto stub = v1::Subscriptions::NewStub(channel);
  std::unique_ptr<grpc::ClientContext> context = Call(absl::Seconds(120));
  v1::SubscribeRequest request;
  request.set_max_batch_events(1000);
  request.set_checkpoint_interval_ms(100);
  auto reader = stub->Subscribe(context.get(), request);
  std::vector<ScannedEvent> out;
  v1::SubscribeResponse message;
  while (reader->Read(&message)) {
    for (const v1::SubscribedEvent& e : message.events()) {
      out.push_back({e.case_(), e.event().version(), e.event().position(),
                     e.event().event_id(), e.event().causation_id()});
    }
    if (message.caught_up() && message.position() >= head) break;
  }
  context->TryCancel();
  while (reader->Read(&message)) {
  }
  reader->Finish().ok();
  return out;
}

uint64_t Head(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::LogService::NewStub(channel);
  v1::LogHead head;
  EXPECT_TRUE(stub->GetLogHead(Call().get(), {}, &head).ok());
  return head.position();
}

// VerifyLog's answer in one line: "" when both chains and the indexes
// verify up to `head`.
std::string VerifyProblem(const std::shared_ptr<grpc::Channel>& channel,
                          uint64_t head) {
  auto stub = v1::LogService::NewStub(channel);
  v1::VerifyLogResponse verified;
  grpc::Status status = stub->VerifyLog(Call().get(), {}, &verified);
  if (!status.ok()) return "VerifyLog: " + status.error_message();
  if (verified.problem() != v1::VerifyLogResponse::PROBLEM_NONE ||
      verified.head().position() != head) {
    return absl::StrCat(v1::VerifyLogResponse::Problem_Name(verified.problem()),
                        " at ", verified.position(), ": ", verified.detail(),
                        " (head verified ", verified.head().position(),
                        ", expected ", head, ")");
  }
  return "";
}

// Every case as ListCases gives it (all pages), serialized.
std::vector<std::string> AllCases(v1::CaseService::Stub& stub,
                                  uint64_t* position) {
  std::vector<std::string> out;
  v1::ListCasesRequest request;
  request.set_page_size(1000);
  for (;;) {
    v1::ListCasesResponse page;
    grpc::Status status = stub.ListCases(Call().get(), request, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    *position = page.position();
    for (const v1::CaseListEntry& c : page.cases()) {
      out.push_back(c.SerializeAsString());
    }
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  return out;
}

// Every report over this year and the last, serialized; retried while the
// report mirror says it is not running yet (just after a rebuild).
std::vector<std::string> AllReports(v1::Reports::Stub& stub, uint64_t head) {
  std::vector<std::string> out;
  const int year = absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year();
  for (int y = year - 1; y <= year; ++y) {
    for (int kind = v1::REPORT_KIND_PROGRESS; kind <= v1::REPORT_KIND_OFFERS;
         ++kind) {
      v1::GetReportRequest request;
      request.set_report(static_cast<v1::ReportKind>(kind));
      request.set_year(y);
      request.set_min_position(head);
      v1::Report report;
      grpc::Status status;
      for (int attempt = 0; attempt < 100; ++attempt) {
        status = stub.GetReport(Call().get(), request, &report);
        if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
        absl::SleepFor(absl::Milliseconds(100));
      }
      EXPECT_TRUE(status.ok())
          << kind << " " << y << ": " << status.error_message();
      out.push_back(report.SerializeAsString());
    }
  }
  return out;
}

TEST(KillLoopTest, EveryAcknowledgedCommandSurvivesRepeatedSigkills) {
  const int cycles = static_cast<int>(EnvInt("RELOG_KILL_LOOP_CYCLES", 10));
  const uint64_t base_seed = static_cast<uint64_t>(EnvInt(
      "RELOG_KILL_LOOP_SEED", absl::ToUnixMicros(absl::Now()) % 1000000));
  ASSERT_GE(cycles, 1);
  std::printf(
      "kill loop: %d cycles, base seed %llu "
      "(RELOG_KILL_LOOP_SEED=%llu reruns these stories and delays)\n",
      cycles, static_cast<unsigned long long>(base_seed),
      static_cast<unsigned long long>(base_seed));

  auto files = reference::ParseReferenceDir(
      absl::StrCat(RELOG_SOURCE_DIR, "/deploy/reference/mel"));
  ASSERT_TRUE(files.ok()) << files.status();
  auto ref = reference::ReferenceData::Build(*files);
  ASSERT_TRUE(ref.ok()) << ref.status();
  const ctl::DemoWorld world(*ref, ctl::TodayInParis());

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

  ResumingSubscriber subscriber(address);
  std::vector<Command> commands;
  std::set<std::string> request_ids;
  int duplicate_ids = 0;
  int cycles_in_flight = 0;
  const absl::Time started = absl::Now();

  for (int cycle = 1; cycle <= cycles; ++cycle) {
    const uint64_t seed = base_seed + static_cast<uint64_t>(cycle);
    std::mt19937_64 rng(seed);
    const absl::Duration kill_after =
        absl::Milliseconds(std::uniform_int_distribution<int>(50, 1500)(rng));

    Journal journal;
    std::atomic<bool> stop{false};
    loadgen::LoadOptions options;
    options.clients = 12;
    options.duration = absl::Seconds(60);  // the kill ends it long before
    options.conflict_share = 0.05;
    options.seed = seed;  // distinct request ids and references per cycle
    options.timeout = absl::Seconds(2);
    options.journal = [&journal](const JournalEntry& e) { journal.Add(e); };
    options.stop = &stop;
    std::thread load([&] {
      // Its closing GetLogHead waits for the restarted relogd; an error
      // here changes nothing: the journal has every call.
      (void)loadgen::RunLoad(address, world, options);
    });
    // Kill only once commands are flowing, then after the seeded delay.
    const absl::Time flowing_by = absl::Now() + absl::Seconds(30);
    while (journal.ok() < 20 && absl::Now() < flowing_by) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    absl::SleepFor(kill_after);
    const absl::Time kill_start = absl::Now();
    relogd->process().Signal(SIGKILL);
    stop = true;
    std::optional<int> wait = relogd->process().WaitForExit(absl::Seconds(30));
    const absl::Time kill_end = absl::Now();
    ASSERT_TRUE(wait.has_value() && WIFSIGNALED(*wait) &&
                WTERMSIG(*wait) == SIGKILL)
        << "relogd did not die of the SIGKILL";
    relogd.reset();
    relogd = std::make_unique<testing::RelogdProcess>(
        RELOGD_PATH, RELOG_SOURCE_DIR, data, dir, flags);
    ASSERT_EQ(relogd->address(), address) << "relogd did not restart";
    load.join();
    const std::shared_ptr<grpc::Channel> channel = FastChannel(address);
    const uint64_t head_at_restart = Head(channel);

    // What the journal saw; the unknown calls sent again.
    int acked = 0, failed = 0, unknown = 0, in_flight = 0, cut = 0;
    int replayed = 0, applied_now = 0, refused_now = 0, still_unknown = 0;
    std::map<std::string, int> failures;
    grpc::GenericStub generic(channel);
    for (JournalEntry& e : journal.Take()) {
      if (!request_ids.insert(e.request_id).second) ++duplicate_ids;
      // In flight at the kill: sent before relogd was gone, not answered
      // before the signal. `cut` are those the kill left unknown.
      const bool in_flight_here =
          e.sent_at <= kill_end && e.answered_at >= kill_start;
      if (in_flight_here) ++in_flight;
      if (in_flight_here && e.outcome == Outcome::kUnknown) ++cut;
      Command c;
      if (e.outcome == Outcome::kOk) {
        ++acked;
        c.ok = true;
        c.version = e.version;
        c.position = e.position;
        c.result_case = e.result_case;
      } else if (e.outcome == Outcome::kFailed) {
        ++failed;
        ++failures[absl::StrCat(api::StatusCodeName(e.code), " ", e.reason)];
        EXPECT_TRUE(ExpectedRefusal(e.code))
            << e.method << " " << e.request_id << ": "
            << api::StatusCodeName(e.code) << " " << e.reason;
      } else {
        ++unknown;
        Resent r = Resend(generic, e);
        if (r.status.ok()) {
          c.ok = true;
          c.version = r.response.case_version();
          c.position = r.response.position();
          c.result_case = r.response.case_().name();
          // The original outcome: a replay answers what was committed
          // before the kill; a first application commits after it.
          if (r.response.replayed()) {
            ++replayed;
            EXPECT_LE(c.position, head_at_restart) << e.request_id;
          } else {
            ++applied_now;
            EXPECT_GT(c.position, head_at_restart) << e.request_id;
          }
        } else if (loadgen::IsOutcomeUnknown(r.status.error_code())) {
          ++still_unknown;
          ADD_FAILURE() << e.method << " " << e.request_id
                        << " still unknown after " << r.attempts
                        << " attempts: " << r.status.error_message();
        } else {
          ++refused_now;
          // Never REQUEST_ID_REUSED: the bytes are those first sent.
          EXPECT_TRUE(ExpectedRefusal(r.status.error_code()))
              << "retry " << e.method << " " << e.request_id << ": "
              << r.status.error_message();
          ++failures[absl::StrCat("retry ",
                                  api::StatusCodeName(r.status.error_code()),
                                  " ", api::ReadErrorDetails(r.status).reason)];
        }
      }
      c.entry = std::move(e);
      c.entry.request_bytes.clear();  // no longer needed
      commands.push_back(std::move(c));
    }
    if (cut > 0) ++cycles_in_flight;
    // A checkpoint signed between kills: relog-verify checks at the end
    // that the log still extends each of them (nothing acknowledged lost).
    {
      auto audit = v1::Audit::NewStub(channel);
      v1::Checkpoint checkpoint;
      EXPECT_TRUE(audit->CreateCheckpoint(Call().get(), {}, &checkpoint).ok());
    }
    const uint64_t head = Head(channel);
    const std::string problem = VerifyProblem(channel, head);
    EXPECT_EQ(problem, "") << "cycle " << cycle;
    std::vector<std::string> failure_lines;
    for (const auto& [key, n] : failures) {
      failure_lines.push_back(absl::StrCat(key, " ", n));
    }
    std::printf(
        "cycle %2d seed %llu: killed %4lld ms after load flowed, %s; "
        "acked %d, failed %d, unknown %d (retried: %d replayed, %d applied "
        "now, %d refused, %d still unknown); head %llu, chains %s; "
        "failures [%s]\n",
        cycle, static_cast<unsigned long long>(seed),
        static_cast<long long>(absl::ToInt64Milliseconds(kill_after)),
        cut > 0 ? absl::StrCat(in_flight, " commands in flight at the kill (",
                               cut, " cut, unknown)")
                      .c_str()
                : absl::StrCat("NO command cut by the kill (", in_flight,
                               " in flight, all answered)")
                      .c_str(),
        acked, failed, unknown, replayed, applied_now, refused_now,
        still_unknown, static_cast<unsigned long long>(head),
        problem.empty() ? "verify" : "BROKEN",
        absl::StrJoin(failure_lines, ", ").c_str());
    std::fflush(stdout);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_EQ(duplicate_ids, 0) << "the load generator reused request ids";
  EXPECT_GE(cycles_in_flight * 10, cycles * 8)
      << "too few kills hit commands in flight: " << cycles_in_flight << " of "
      << cycles;

  // --- The final state, against the journal.
  const std::shared_ptr<grpc::Channel> channel = FastChannel(address);
  const uint64_t head = Head(channel);
  ASSERT_GT(head, 0u);
  EXPECT_EQ(VerifyProblem(channel, head), "");

  // Log positions 1..head without a gap (the chain links of every event).
  {
    auto audit = v1::Audit::NewStub(channel);
    std::unique_ptr<grpc::ClientContext> context = Call();
    v1::ReadChainLinksRequest request;
    request.set_from_position(1);
    auto reader = audit->ReadChainLinks(context.get(), request);
    v1::ChainLinks links;
    uint64_t expected = 1;
    int gaps = 0;
    while (reader->Read(&links)) {
      for (const v1::ChainLink& link : links.links()) {
        if (link.position() != expected) ++gaps;
        expected = link.position() + 1;
      }
    }
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(gaps, 0);
    EXPECT_EQ(expected, head + 1);
  }

  // The case events: positions increasing, event ids unique, each case's
  // versions 0, 1, 2… in position order.
  const std::vector<ScannedEvent> scanned = ScanLog(channel, head);
  std::map<std::string, std::vector<const ScannedEvent*>> by_request;
  std::map<std::string, uint64_t> case_versions;  // next version expected
  std::set<std::string> event_ids;
  int order_errors = 0, version_gaps = 0, duplicate_events = 0;
  uint64_t previous = 0;
  for (const ScannedEvent& e : scanned) {
    if (e.position <= previous) ++order_errors;
    previous = e.position;
    if (!event_ids.insert(e.event_id).second) ++duplicate_events;
    uint64_t& next = case_versions[e.case_name];
    if (e.version != next) ++version_gaps;
    next = e.version + 1;
    by_request[std::string(absl::StripPrefix(e.causation_id, "request:"))]
        .push_back(&e);
  }
  EXPECT_EQ(order_errors, 0);
  EXPECT_EQ(duplicate_events, 0);
  EXPECT_EQ(version_gaps, 0);

  // Every command against the log: an acknowledged one (first answer or
  // retry) wrote its events exactly once, as one commit (consecutive
  // positions) ending at the position and version it answered; a refused
  // one wrote nothing; nothing in the log comes from elsewhere.
  int bad_ok = 0, bad_refused = 0, acked_total = 0;
  for (const Command& c : commands) {
    auto it = by_request.find(c.entry.request_id);
    if (!c.ok) {
      if (it != by_request.end()) {
        ++bad_refused;
        if (bad_refused <= 5) {
          ADD_FAILURE() << "refused " << c.entry.method << " "
                        << c.entry.request_id << " wrote " << it->second.size()
                        << " events";
        }
      }
      continue;
    }
    ++acked_total;
    std::string why;
    if (it == by_request.end()) {
      why = "no event in the log";
    } else {
      const auto& events = it->second;
      uint64_t version_in_case = 0;
      bool in_case = false;
      for (size_t i = 0; i < events.size(); ++i) {
        if (i > 0 && events[i]->position != events[i - 1]->position + 1) {
          why = "events not in one commit";
        }
        if (events[i]->case_name == c.result_case) {
          in_case = true;
          version_in_case = std::max(version_in_case, events[i]->version);
        }
      }
      if (events.back()->position != c.position) {
        why = absl::StrCat("last position ", events.back()->position,
                           ", answered ", c.position);
      } else if (!in_case || version_in_case != c.version) {
        why = absl::StrCat("version ", version_in_case, " in ", c.result_case,
                           ", answered ", c.version);
      }
    }
    if (!why.empty() && ++bad_ok <= 5) {
      ADD_FAILURE() << "acknowledged " << c.entry.method << " "
                    << c.entry.request_id << ": " << why;
    }
  }
  EXPECT_EQ(bad_ok, 0);
  EXPECT_EQ(bad_refused, 0);
  int foreign = 0;
  for (const auto& [id, events] : by_request) {
    if (request_ids.count(id) == 0) ++foreign;
  }
  EXPECT_EQ(foreign, 0) << "events from requests the journal never sent";

  // The subscriber that resumed after each kill saw every case event
  // exactly once, in order.
  ASSERT_TRUE(subscriber.WaitCaughtUp(head, absl::Seconds(60)))
      << "the resuming subscriber did not catch up";
  subscriber.Stop();
  std::vector<uint64_t> expected_positions;
  for (const ScannedEvent& e : scanned)
    expected_positions.push_back(e.position);
  const std::vector<uint64_t> seen = subscriber.positions();
  EXPECT_EQ(seen.size(), expected_positions.size());
  EXPECT_TRUE(seen == expected_positions)
      << "the resumed subscription missed, repeated or reordered events";

  // Projections: the case index and the report facts as relogd left them
  // after the last restart (incremental, resumed from their checkpoints)
  // must equal a rebuild from position 0. The list must also agree with
  // the log on every case's version.
  auto cases = v1::CaseService::NewStub(channel);
  auto reports = v1::Reports::NewStub(channel);
  uint64_t list_position = 0;
  const std::vector<std::string> live_cases = AllCases(*cases, &list_position);
  EXPECT_EQ(list_position, head);
  const std::vector<std::string> live_reports = AllReports(*reports, head);
  int version_mismatches = 0;
  for (const std::string& bytes : live_cases) {
    v1::CaseListEntry c;
    ASSERT_TRUE(c.ParseFromString(bytes));
    auto it = case_versions.find(c.name());
    if (it == case_versions.end() || it->second != c.version() + 1) {
      ++version_mismatches;
    }
  }
  EXPECT_EQ(live_cases.size(), case_versions.size());
  EXPECT_EQ(version_mismatches, 0) << "ListCases versions disagree with log";
  {
    v1::RebuildProjectionResponse rebuilt;
    grpc::Status status = reports->RebuildProjection(
        Call(absl::Seconds(120)).get(), {}, &rebuilt);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  uint64_t rebuilt_position = 0;
  EXPECT_TRUE(AllCases(*cases, &rebuilt_position) == live_cases)
      << "the case index differs from its rebuild";
  EXPECT_TRUE(AllReports(*reports, head) == live_reports)
      << "a report differs after rebuilding the projections";

  // The independent verifier: an export of the whole log checked against
  // every checkpoint relogd signed between the kills.
  const std::string ctl = absl::StrCat(RELOGCTL_PATH, " --server=", address);
  const std::string key = dir.Sub("key.pem");
  const std::string log_export = dir.Sub("log.export");
  ASSERT_THAT(testing::RunShell(ctl + " audit public-key --out=" + key),
              HasSubstr("exit=0"));
  ASSERT_THAT(testing::RunShell(ctl + " audit export --out=" + log_export),
              HasSubstr("exit=0"));
  std::string verify = absl::StrCat(RELOG_VERIFY_PATH, " --public-key=", key);
  int checkpoints = 0;
  for (const auto& file :
       std::filesystem::directory_iterator(data + "/checkpoints")) {
    absl::StrAppend(&verify, " --checkpoint=", file.path().string());
    ++checkpoints;
  }
  absl::StrAppend(&verify, " ", log_export);
  const std::string verified = testing::RunShell(verify);
  EXPECT_THAT(verified, HasSubstr("exit=0")) << verified;
  EXPECT_GE(checkpoints, cycles);

  std::printf(
      "kill loop: %d cycles (%d with commands in flight at the kill), %zu "
      "commands (%d acknowledged), %zu case events, %zu cases, head %llu, "
      "subscriber (re)subscribed %d times, %d checkpoints verified by "
      "relog-verify, "
      "%.1f s\n",
      cycles, cycles_in_flight, commands.size(), acked_total, scanned.size(),
      case_versions.size(), static_cast<unsigned long long>(head),
      subscriber.calls(), checkpoints,
      absl::ToDoubleSeconds(absl::Now() - started));
}

}  // namespace
}  // namespace relog
