#include "tests/testing/journal_checks.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "grpcpp/generic/generic_stub.h"
#include "relog/v1/audit.grpc.pb.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "relog/v1/log_service.grpc.pb.h"
#include "relog/v1/reports.grpc.pb.h"
#include "relog/v1/subscriptions.grpc.pb.h"
#include "services/api/status_conversion.h"
#include "tests/testing/shell.h"

namespace relog::testing {
namespace {

namespace v1 = ::relog::v1;
using loadgen::JournalEntry;
using Outcome = loadgen::JournalEntry::Outcome;

// Sends a journaled request again, byte for byte, through a generic stub,
// until the answer is no longer "unknown" (the service just restarted: its
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
    std::unique_ptr<grpc::ClientContext> context =
        WaitingCall(absl::Seconds(10));
    stub.UnaryCall(context.get(), entry.method, grpc::StubOptions(), &request,
                   &response, [&](grpc::Status s) {
                     out.status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    if (out.status.ok()) {
      std::vector<grpc::Slice> slices;
      std::string bytes;
      if (response.Dump(&slices).ok()) {
        for (const grpc::Slice& s : slices) {
          bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
        }
      }
      if (!out.response.ParseFromString(bytes)) {
        out.status = grpc::Status(grpc::StatusCode::INTERNAL,
                                  "the answer does not parse");
      }
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

// One case event as a scan of the log saw it.
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
  std::unique_ptr<grpc::ClientContext> context =
      WaitingCall(absl::Seconds(120));
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

// Every case as ListCases gives it (all pages), serialized.
std::vector<std::string> AllCases(v1::CaseService::Stub& stub,
                                  uint64_t* position,
                                  std::vector<std::string>* problems) {
  std::vector<std::string> out;
  v1::ListCasesRequest request;
  request.set_page_size(1000);
  for (;;) {
    v1::ListCasesResponse page;
    grpc::Status status = stub.ListCases(WaitingCall().get(), request, &page);
    if (!status.ok()) {
      problems->push_back("ListCases: " + status.error_message());
      break;
    }
    *position = page.position();
    for (const v1::CaseListEntry& c : page.cases()) {
      out.push_back(c.SerializeAsString());
    }
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  return out;
}

// What GetCase finds by the reference of each case of `cases` (serialized
// ListCases entries): the case index's lookup keys, which ListCases does
// not show. A reference nobody points at shows as "NOT FOUND <reference>".
std::vector<std::string> LookupsByReference(
    v1::CaseService::Stub& stub, const std::vector<std::string>& cases) {
  std::vector<std::string> found;
  for (const std::string& bytes : cases) {
    v1::CaseListEntry entry;
    entry.ParseFromString(bytes);
    if (entry.reference().empty()) continue;
    v1::GetCaseRequest request;
    request.set_reference(entry.reference());
    v1::Case got;
    grpc::Status status = stub.GetCase(WaitingCall().get(), request, &got);
    found.push_back(status.ok() ? got.name()
                                : "NOT FOUND " + entry.reference());
  }
  return found;
}

// Every report over this year and the last, serialized; retried while the
// report mirror says it is not running yet (just after a rebuild).
std::vector<std::string> AllReports(v1::Reports::Stub& stub, uint64_t head,
                                    std::vector<std::string>* problems) {
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
        status = stub.GetReport(WaitingCall().get(), request, &report);
        if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
        absl::SleepFor(absl::Milliseconds(100));
      }
      if (!status.ok()) {
        problems->push_back(absl::StrCat("report ", v1::ReportKind_Name(kind),
                                         " ", y, ": ", status.error_message()));
      }
      out.push_back(report.SerializeAsString());
    }
  }
  return out;
}

}  // namespace

int64_t IntFromEnv(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  int64_t n = 0;
  if (value != nullptr && absl::SimpleAtoi(value, &n)) return n;
  return fallback;
}

const ctl::DemoWorld& SampleDemoWorld(const std::string& source_dir) {
  static const ctl::DemoWorld* world = [&source_dir] {
    absl::StatusOr<std::unique_ptr<ctl::DemoWorld>> loaded =
        ctl::LoadDemoWorld(source_dir + "/deploy/reference/mel");
    CHECK(loaded.ok()) << loaded.status();
    return loaded->release();
  }();
  return *world;
}

std::shared_ptr<grpc::Channel> FastChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

std::unique_ptr<grpc::ClientContext> WaitingCall(absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  context->set_wait_for_ready(true);
  return context;
}

void Journal::Add(const JournalEntry& entry) {
  absl::MutexLock lock(&mu_);
  if (entry.outcome == Outcome::kOk) ++ok_;
  entries_.push_back(entry);
}

int64_t Journal::ok() {
  absl::MutexLock lock(&mu_);
  return ok_;
}

std::vector<JournalEntry> Journal::Take() {
  absl::MutexLock lock(&mu_);
  ok_ = 0;
  return std::move(entries_);
}

JournaledLoad::JournaledLoad(std::string address, const ctl::DemoWorld& world,
                             loadgen::LoadOptions options) {
  options.journal = [this](const JournalEntry& e) { journal_.Add(e); };
  options.stop = &stop_;
  thread_ = std::thread(
      [address = std::move(address), &world, options = std::move(options)] {
        // Errors change nothing here: the journal has every call.
        (void)loadgen::RunLoad(address, world, options);
      });
}

bool JournaledLoad::WaitForAcks(int64_t acks, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (journal_.ok() < acks) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

void JournaledLoad::Stop() {
  RequestStop();
  if (thread_.joinable()) thread_.join();
}

ResumingSubscriber::ResumingSubscriber(const std::string& address)
    : channel_(FastChannel(address)), thread_([this] { Run(); }) {}

void ResumingSubscriber::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool ResumingSubscriber::WaitCaughtUp(uint64_t position,
                                      absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return caught_up_ && after_ >= position;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

std::vector<uint64_t> ResumingSubscriber::positions() {
  absl::MutexLock lock(&mu_);
  return positions_;
}

int ResumingSubscriber::calls() {
  absl::MutexLock lock(&mu_);
  return calls_;
}

void ResumingSubscriber::Run() {
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
    reader->Finish().ok();  // ends with UNAVAILABLE at a crash
    {
      absl::MutexLock lock(&mu_);
      context_ = nullptr;
      caught_up_ = false;
      if (stop_) return;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

std::string CycleTally::Summary() const {
  std::vector<std::string> lines;
  for (const auto& [key, n] : refusals) {
    lines.push_back(absl::StrCat(key, " ", n));
  }
  return absl::StrCat("acked ", acked, ", failed ", failed, ", unknown ",
                      unknown, " (retried: ", replayed, " replayed, ",
                      applied_now, " applied now, ", refused_now, " refused, ",
                      still_unknown, " still unknown); refusals [",
                      absl::StrJoin(lines, ", "), "]");
}

CycleTally JournalChecker::Settle(const std::shared_ptr<grpc::Channel>& channel,
                                  std::vector<JournalEntry> entries,
                                  absl::Time crash_at,
                                  uint64_t head_at_restart) {
  CycleTally tally;
  grpc::GenericStub generic(channel);
  for (JournalEntry& e : entries) {
    if (!request_ids_.insert(e.request_id).second) {
      problems_.push_back("the load generator reused request id " +
                          e.request_id);
    }
    const bool in_flight = e.sent_at < crash_at && e.answered_at > crash_at;
    if (in_flight) ++tally.in_flight;
    if (in_flight && e.outcome == Outcome::kUnknown) ++tally.cut;
    Command c;
    if (e.outcome == Outcome::kOk) {
      ++tally.acked;
      c.ok = true;
      c.version = e.version;
      c.position = e.position;
      c.result_case = e.result_case;
    } else if (e.outcome == Outcome::kFailed) {
      ++tally.failed;
      ++tally
            .refusals[absl::StrCat(api::StatusCodeName(e.code), " ", e.reason)];
      if (!ExpectedRefusal(e.code)) {
        problems_.push_back(absl::StrCat(e.method, " ", e.request_id, ": ",
                                         api::StatusCodeName(e.code), " ",
                                         e.reason));
      }
    } else {
      ++tally.unknown;
      Resent r = Resend(generic, e);
      if (r.status.ok()) {
        c.ok = true;
        c.version = r.response.case_version();
        c.position = r.response.position();
        c.result_case = r.response.case_().name();
        // The original outcome: a replay answers what was committed
        // before the crash; a first application commits after it.
        if (r.response.replayed()) {
          ++tally.replayed;
          if (c.position > head_at_restart) {
            problems_.push_back(absl::StrCat(
                "retry ", e.request_id, " replayed position ", c.position,
                " above the head at the restart, ", head_at_restart));
          }
        } else {
          ++tally.applied_now;
          if (c.position <= head_at_restart) {
            problems_.push_back(absl::StrCat(
                "retry ", e.request_id, " applied now at position ", c.position,
                ", not above the head at the restart, ", head_at_restart));
          }
        }
      } else if (loadgen::IsOutcomeUnknown(r.status.error_code())) {
        ++tally.still_unknown;
        problems_.push_back(
            absl::StrCat(e.method, " ", e.request_id, " still unknown after ",
                         r.attempts, " attempts: ", r.status.error_message()));
      } else {
        ++tally.refused_now;
        // Never REQUEST_ID_REUSED: the bytes are those first sent.
        const std::string refusal =
            absl::StrCat(api::StatusCodeName(r.status.error_code()), " ",
                         api::ReadErrorDetails(r.status).reason);
        ++tally.refusals["retry " + refusal];
        if (!ExpectedRefusal(r.status.error_code())) {
          problems_.push_back(absl::StrCat("retry ", e.method, " ",
                                           e.request_id, ": ", refusal, " ",
                                           r.status.error_message()));
        }
      }
    }
    c.entry = std::move(e);
    c.entry.request_bytes.clear();  // no longer needed
    commands_.push_back(std::move(c));
  }
  return tally;
}

JournalChecker::Verdict JournalChecker::Check(
    const std::shared_ptr<grpc::Channel>& channel,
    ResumingSubscriber* subscriber) {
  Verdict verdict;
  std::vector<std::string>& problems = verdict.problems;
  problems = problems_;
  const uint64_t head = LogHead(channel);
  verdict.head = head;
  if (head == 0) {
    problems.push_back("the log is empty");
    return verdict;
  }
  if (std::string problem = VerifyProblem(channel, head); !problem.empty()) {
    problems.push_back(problem);
  }

  // Log positions 1..head without a gap (the chain links of every event).
  {
    auto audit = v1::Audit::NewStub(channel);
    std::unique_ptr<grpc::ClientContext> context = WaitingCall();
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
    grpc::Status status = reader->Finish();
    if (!status.ok())
      problems.push_back("ReadChainLinks: " + status.error_message());
    if (gaps > 0 || expected != head + 1) {
      problems.push_back(absl::StrCat(gaps, " gaps in the log positions, ",
                                      "last ", expected - 1, " of ", head));
    }
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
  verdict.case_events = scanned.size();
  verdict.cases = case_versions.size();
  if (order_errors + version_gaps + duplicate_events > 0) {
    problems.push_back(absl::StrCat(order_errors, " events out of order, ",
                                    duplicate_events, " event ids twice, ",
                                    version_gaps, " case version gaps"));
  }

  // Every command against the log: an acknowledged one (first answer or
  // retry) wrote its events exactly once, as one commit (consecutive
  // positions) ending at the position and version it answered; a refused
  // one wrote nothing; nothing in the log comes from elsewhere.
  int bad_refused = 0;
  for (const Command& c : commands_) {
    auto it = by_request.find(c.entry.request_id);
    if (!c.ok) {
      if (it != by_request.end() && ++bad_refused <= 5) {
        problems.push_back(absl::StrCat("refused ", c.entry.method, " ",
                                        c.entry.request_id, " wrote ",
                                        it->second.size(), " events"));
      }
      continue;
    }
    ++verdict.acknowledged;
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
    if (!why.empty() && ++verdict.acknowledged_lost <= 5) {
      problems.push_back(absl::StrCat("acknowledged ", c.entry.method, " ",
                                      c.entry.request_id, ": ", why));
    }
  }
  if (verdict.acknowledged_lost > 5) {
    problems.push_back(absl::StrCat(verdict.acknowledged_lost,
                                    " acknowledged commands in all"));
  }
  int foreign = 0;
  for (const auto& [id, events] : by_request) {
    if (request_ids_.count(id) == 0) ++foreign;
  }
  if (foreign > 0) {
    problems.push_back(absl::StrCat(
        foreign, " requests in the log that the journal never sent"));
  }

  // The subscriber that resumed after each crash saw every case event
  // exactly once, in order.
  if (subscriber != nullptr) {
    if (!subscriber->WaitCaughtUp(head, absl::Seconds(60))) {
      problems.push_back("the resuming subscriber did not catch up");
    }
    subscriber->Stop();
    std::vector<uint64_t> expected;
    for (const ScannedEvent& e : scanned) expected.push_back(e.position);
    const std::vector<uint64_t> seen = subscriber->positions();
    if (seen != expected) {
      problems.push_back(absl::StrCat(
          "the resumed subscription missed, repeated or reordered events: ",
          seen.size(), " seen, ", expected.size(), " in the log"));
    }
  }

  // Projections as the service left them (incremental, resumed from their
  // checkpoints) must equal a rebuild from position 0; the list must agree
  // with the log on every case's version.
  auto cases = v1::CaseService::NewStub(channel);
  auto reports = v1::Reports::NewStub(channel);
  uint64_t list_position = 0;
  const std::vector<std::string> live_cases =
      AllCases(*cases, &list_position, &problems);
  if (list_position != head) {
    problems.push_back(absl::StrCat("ListCases at position ", list_position,
                                    ", not the head ", head));
  }
  const std::vector<std::string> live_reports =
      AllReports(*reports, head, &problems);
  const std::vector<std::string> live_lookups =
      LookupsByReference(*cases, live_cases);
  for (const std::string& found : live_lookups) {
    if (absl::StartsWith(found, "NOT FOUND")) {
      problems.push_back("GetCase by reference: " + found);
      break;
    }
  }
  int version_mismatches = 0;
  for (const std::string& bytes : live_cases) {
    v1::CaseListEntry c;
    c.ParseFromString(bytes);
    auto it = case_versions.find(c.name());
    if (it == case_versions.end() || it->second != c.version() + 1) {
      ++version_mismatches;
    }
  }
  if (live_cases.size() != case_versions.size() || version_mismatches > 0) {
    problems.push_back(absl::StrCat(
        "ListCases shows ", live_cases.size(), " cases, the log ",
        case_versions.size(), "; ", version_mismatches, " versions differ"));
  }
  v1::RebuildProjectionResponse rebuilt;
  grpc::Status status = reports->RebuildProjection(
      WaitingCall(absl::Seconds(120)).get(), {}, &rebuilt);
  if (!status.ok()) {
    problems.push_back("RebuildProjection: " + status.error_message());
  }
  for (const v1::ProjectionStatus& projection : rebuilt.projections()) {
    if (!projection.failure().empty()) {
      problems.push_back(absl::StrCat("projection ", projection.name(),
                                      " failed: ", projection.failure()));
    }
  }
  uint64_t rebuilt_position = 0;
  if (AllCases(*cases, &rebuilt_position, &problems) != live_cases) {
    problems.push_back("the case index differs from its rebuild");
  }
  if (LookupsByReference(*cases, live_cases) != live_lookups) {
    problems.push_back("the case index's lookups differ after its rebuild");
  }
  if (AllReports(*reports, head, &problems) != live_reports) {
    problems.push_back("a report differs after rebuilding the projections");
  }
  return verdict;
}

uint64_t LogHead(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::LogService::NewStub(channel);
  v1::LogHead head;
  if (!stub->GetLogHead(WaitingCall().get(), {}, &head).ok()) return 0;
  return head.position();
}

std::string VerifyProblem(const std::shared_ptr<grpc::Channel>& channel,
                          uint64_t head) {
  auto stub = v1::LogService::NewStub(channel);
  v1::VerifyLogResponse verified;
  grpc::Status status = stub->VerifyLog(WaitingCall().get(), {}, &verified);
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

std::string VerifyExportAgainstCheckpoints(const std::string& relogctl,
                                           const std::string& relog_verify,
                                           const std::string& address,
                                           const std::string& checkpoint_dir,
                                           const std::string& scratch_dir,
                                           int* checkpoints) {
  const std::string ctl = absl::StrCat(relogctl, " --server=", address);
  const std::string key = scratch_dir + "/checkpoint-key.pem";
  const std::string log_export = scratch_dir + "/log.export";
  *checkpoints = 0;
  for (const std::string& step : {ctl + " audit public-key --out=" + key,
                                  ctl + " audit export --out=" + log_export}) {
    const std::string out = RunShell(step);
    if (out.find("exit=0") == std::string::npos) return out;
  }
  std::string verify = absl::StrCat(relog_verify, " --public-key=", key);
  for (const auto& file : std::filesystem::directory_iterator(checkpoint_dir)) {
    absl::StrAppend(&verify, " --checkpoint=", file.path().string());
    ++*checkpoints;
  }
  absl::StrAppend(&verify, " ", log_export);
  return RunShell(verify);
}

}  // namespace relog::testing
