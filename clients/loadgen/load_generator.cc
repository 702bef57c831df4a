#include "clients/loadgen/load_generator.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clients/relogctl/common.h"
#include "clients/relogctl/mutations.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "relog/v1/log_service.grpc.pb.h"
#include "services/api/status_conversion.h"
#include "storage/errors.h"

namespace relog::loadgen {
namespace {

namespace v1 = ::relog::v1;
using google::protobuf::Message;

// Stories of one client never collide with another's: household indexes
// are client * kStoriesPerClient + k.
constexpr int kStoriesPerClient = 1000000;
// Connections: clients share them round-robin (HTTP/2 multiplexes calls).
constexpr int kMaxChannels = 8;

std::string StatusKey(const grpc::Status& status) {
  std::string key = api::StatusCodeName(status.error_code());
  const std::string reason = api::ReadErrorDetails(status).reason;
  if (!reason.empty()) absl::StrAppend(&key, " ", reason);
  return key;
}

// What one client measured.
struct ClientTally {
  int64_t commands = 0;
  int64_t households = 0;
  int64_t conflicts = 0;
  std::vector<double> latencies;
  std::map<std::string, int64_t> by_status;
};

class Client {
 public:
  Client(int id, v1::CaseService::Stub* stub, v1::CaseService::Stub* rival,
         const ctl::DemoWorld& world, const LoadOptions& options,
         absl::Time end)
      : id_(id),
        stub_(stub),
        rival_(rival),
        world_(world),
        options_(options),
        end_(end),
        rng_(options.seed * 7919 + static_cast<uint64_t>(id)) {}

  void Run() {
    for (int k = 0; Running() && k < kStoriesPerClient; ++k) {
      std::deque<std::pair<std::unique_ptr<ctl::HouseholdPlan>, std::string>>
          stories;
      stories.emplace_back(
          std::make_unique<ctl::HouseholdPlan>(ctl::PlanHousehold(
              world_, options_.seed, id_ * kStoriesPerClient + k)),
          "");
      while (!stories.empty() && Running()) {
        auto [plan, name] = std::move(stories.front());
        stories.pop_front();
        ++tally_.households;
        RunStory(*plan, name, stories);
      }
    }
  }

  ClientTally& tally() { return tally_; }

 private:
  grpc::Status Call(v1::CaseService::Stub* stub, const ctl::PlannedStep& step,
                    const Message& request, v1::CaseCommandResponse* response,
                    ClientTally& tally) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
    const absl::Time start = absl::Now();
    grpc::Status status =
        step.mutation->call(*stub, &context, request, response);
    const absl::Time end = absl::Now();
    tally.latencies.push_back(absl::ToDoubleSeconds(end - start));
    ++tally.commands;
    ++tally.by_status[StatusKey(status)];
    if (options_.journal) {
      Journal(step, request, status, *response, start, end);
    }
    return status;
  }

  void Journal(const ctl::PlannedStep& step, const Message& request,
               const grpc::Status& status,
               const v1::CaseCommandResponse& response, absl::Time start,
               absl::Time end) {
    JournalEntry entry;
    entry.method = absl::StrCat("/relog.v1.CaseService/", step.mutation->rpc);
    const auto* d = request.GetDescriptor();
    const auto* r = request.GetReflection();
    entry.request_id = r->GetString(request, d->FindFieldByName("request_id"));
    if (const auto* name = d->FindFieldByName("name"); name != nullptr) {
      entry.case_name = r->GetString(request, name);
    }
    entry.request_bytes = request.SerializeAsString();
    entry.sent_at = start;
    entry.answered_at = end;
    entry.code = status.error_code();
    if (status.ok()) {
      entry.outcome = JournalEntry::Outcome::kOk;
      entry.version = response.case_version();
      entry.position = response.position();
      entry.result_case = response.case_().name();
    } else {
      entry.outcome = IsOutcomeUnknown(status.error_code())
                          ? JournalEntry::Outcome::kUnknown
                          : JournalEntry::Outcome::kFailed;
      const api::ErrorDetails details = api::ReadErrorDetails(status);
      entry.reason = details.reason;
      auto cause = details.metadata.find(meta::kCause);
      if (cause != details.metadata.end()) entry.cause = cause->second;
    }
    options_.journal(entry);
  }

  bool Running() const {
    return absl::Now() < end_ &&
           (options_.stop == nullptr || !options_.stop->load());
  }

  // The story's steps in order, each with the expected version the case
  // had; a conflicting pair races a twin (another request id, the same
  // expected version) on the rival stub. Stops at the first failure.
  void RunStory(
      ctl::HouseholdPlan& plan, std::string name,
      std::deque<std::pair<std::unique_ptr<ctl::HouseholdPlan>, std::string>>&
          stories) {
    std::vector<uint64_t> versions(plan.steps.size(), 0);
    std::optional<uint64_t> case_version;
    std::uniform_real_distribution<double> coin(0, 1);
    for (size_t i = 0; i < plan.steps.size() && Running(); ++i) {
      ctl::PlannedStep& step = plan.steps[i];
      Message& request = *step.request;
      const auto* d = request.GetDescriptor();
      const auto* r = request.GetReflection();
      if (step.mutation->needs_case_name()) {
        r->SetString(&request, d->FindFieldByName("name"), name);
      }
      if (case_version.has_value()) {
        r->SetUInt64(&request, d->FindFieldByName("expected_version"),
                     *case_version);
      }
      if (step.names_step >= 0) {
        Message* body =
            r->MutableMessage(&request, step.mutation->body_field());
        const auto* bd = body->GetDescriptor();
        const auto* field = bd->FindFieldByName("corrected_version");
        if (field == nullptr) field = bd->FindFieldByName("cancelled_version");
        body->GetReflection()->SetUInt64(body, field,
                                         versions[step.names_step]);
      }
      const bool conflict =
          case_version.has_value() && step.expected_reason.empty() &&
          step.child == nullptr && coin(rng_) < options_.conflict_share;
      v1::CaseCommandResponse response;
      grpc::Status status;
      if (!conflict) {
        status = Call(stub_, step, request, &response, tally_);
      } else {
        ++tally_.conflicts;
        std::unique_ptr<Message> twin(request.New());
        twin->CopyFrom(request);
        r->SetString(twin.get(), d->FindFieldByName("request_id"),
                     ctl::UuidFromBits(rng_(), rng_()));
        v1::CaseCommandResponse twin_response;
        grpc::Status twin_status;
        ClientTally twin_tally;
        std::thread rival([&] {
          twin_status = Call(rival_, step, *twin, &twin_response, twin_tally);
        });
        status = Call(stub_, step, request, &response, tally_);
        rival.join();
        Merge(twin_tally);
        if (!status.ok() && twin_status.ok()) {
          status = twin_status;
          response = std::move(twin_response);
        }
      }
      if (!status.ok()) {
        // A refusal the story expects is part of it; anything else ends
        // the story (the next steps depend on this one).
        if (!step.expected_reason.empty() &&
            api::ReadErrorDetails(status).reason == step.expected_reason) {
          continue;
        }
        return;
      }
      versions[i] = response.case_version();
      case_version = response.case_version();
      if (name.empty()) name = response.case_().name();
      if (step.child != nullptr && !response.opened_case().empty()) {
        stories.emplace_back(std::move(step.child), response.opened_case());
      }
    }
  }

  void Merge(const ClientTally& other) {
    tally_.commands += other.commands;
    tally_.latencies.insert(tally_.latencies.end(), other.latencies.begin(),
                            other.latencies.end());
    for (const auto& [key, n] : other.by_status) tally_.by_status[key] += n;
  }

  const int id_;
  v1::CaseService::Stub* const stub_;
  v1::CaseService::Stub* const rival_;
  const ctl::DemoWorld& world_;
  const LoadOptions& options_;
  const absl::Time end_;
  std::mt19937_64 rng_;
  ClientTally tally_;
};

absl::StatusOr<uint64_t> HeadPosition(grpc::Channel& channel) {
  auto stub = v1::LogService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  context.set_wait_for_ready(true);
  v1::LogHead head;
  grpc::Status status =
      stub->GetLogHead(&context, v1::GetLogHeadRequest(), &head);
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("GetLogHead: ", status.error_message()));
  }
  return head.position();
}

}  // namespace

bool IsOutcomeUnknown(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE ||
         code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::CANCELLED ||
         code == grpc::StatusCode::UNKNOWN;
}

double LoadResult::Percentile(double p) const {
  if (latencies.empty()) return 0;
  const size_t i = std::min(latencies.size() - 1,
                            static_cast<size_t>(std::ceil(
                                p * static_cast<double>(latencies.size()))) -
                                (p > 0 ? 1 : 0));
  return latencies[i];
}

std::string LoadResult::Render(const LoadOptions& options) const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  auto rate = [&](double n) { return seconds > 0 ? n / seconds : 0.0; };
  std::string out = absl::StrFormat(
      "relog-loadgen: %d clients, %.1f s, conflicts %.1f %%, seed %d\n",
      options.clients, seconds, options.conflict_share * 100, options.seed);
  absl::StrAppendFormat(&out, "commands          %10d  %10.1f/s\n", commands,
                        rate(static_cast<double>(commands)));
  absl::StrAppendFormat(&out, "events            %10d  %10.1f/s\n", events,
                        rate(static_cast<double>(events)));
  absl::StrAppendFormat(&out, "households        %10d\n", households);
  absl::StrAppendFormat(&out, "conflicting pairs %10d\n", conflicts);
  absl::StrAppendFormat(
      &out, "latency ms        p50 %.2f  p99 %.2f  p999 %.2f  max %.2f\n",
      Percentile(0.5) * 1e3, Percentile(0.99) * 1e3, Percentile(0.999) * 1e3,
      (latencies.empty() ? 0 : latencies.back()) * 1e3);
  absl::StrAppend(&out, "by status\n");
  for (const auto& [key, n] : by_status) {
    absl::StrAppendFormat(&out, "  %-44s %10d\n", key, n);
  }
  return out;
}

absl::StatusOr<LoadResult> RunLoad(const std::string& target,
                                   const ctl::DemoWorld& world,
                                   const LoadOptions& options) {
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  absl::StatusOr<uint64_t> before = HeadPosition(*channel);
  if (!before.ok()) return before.status();
  // Separate connections (distinct channel arguments), so that 64 clients
  // are not all behind one HTTP/2 connection.
  std::vector<std::unique_ptr<v1::CaseService::Stub>> stubs;
  for (int i = 0; i < std::min(options.clients, kMaxChannels); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("relog.loadgen.connection", i);
    stubs.push_back(v1::CaseService::NewStub(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args)));
  }
  const absl::Time start = absl::Now();
  const absl::Time end = start + options.duration;
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < options.clients; ++i) {
    clients.push_back(std::make_unique<Client>(
        i, stubs[i % stubs.size()].get(), stubs[(i + 1) % stubs.size()].get(),
        world, options, end));
  }
  std::vector<std::thread> threads;
  for (auto& client : clients) {
    threads.emplace_back([&client] { client->Run(); });
  }
  for (std::thread& t : threads) t.join();
  LoadResult result;
  result.elapsed = absl::Now() - start;
  for (auto& client : clients) {
    ClientTally& t = client->tally();
    result.commands += t.commands;
    result.households += t.households;
    result.conflicts += t.conflicts;
    result.latencies.insert(result.latencies.end(), t.latencies.begin(),
                            t.latencies.end());
    for (const auto& [key, n] : t.by_status) result.by_status[key] += n;
  }
  std::sort(result.latencies.begin(), result.latencies.end());
  absl::StatusOr<uint64_t> after = HeadPosition(*channel);
  if (!after.ok()) return after.status();
  result.events = *after - *before;
  return result;
}

}  // namespace relog::loadgen
