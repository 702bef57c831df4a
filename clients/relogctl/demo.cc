#include "clients/relogctl/demo.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <map>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clients/relogctl/demo_scenarios.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "services/api/status_conversion.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;
using google::protobuf::Message;

struct Options {
  int households = 0;
  uint64_t seed = 1;
  int in_flight = 64;
  std::string reference_dir = "deploy/reference/mel";
  // Plan only: print what would be sent, send nothing.
  bool dry_run = false;
};

double Percent(int64_t part, int64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * part / whole;
}

// --dry_run: the stories' figures without a server.
int DryRun(const Options& options, const DemoWorld& world) {
  int64_t cases = 0, steps = 0, rehoused = 0, away = 0, recent = 0, cross = 0;
  int64_t legal = 0;
  std::vector<const HouseholdPlan*> stack;
  for (int i = 0; i < options.households; ++i) {
    HouseholdPlan plan = PlanHousehold(world, options.seed, i);
    stack = {&plan};
    while (!stack.empty()) {
      const HouseholdPlan* p = stack.back();
      stack.pop_back();
      ++cases;
      steps += p->steps.size();
      if (p->legal_procedure >= 0) ++legal;
      if (p->definitive_move >= 0) {
        ++rehoused;
        away += p->facts.away_from_site;
        recent += p->facts.new_or_recent;
        cross += p->facts.cross_landlord;
      }
      for (const auto& step : p->steps) {
        if (step.child != nullptr) stack.push_back(step.child.get());
      }
    }
  }
  absl::PrintF(
      "dry run: %d households, %d cases, %d commands planned\n"
      "rehoused %d (%.1f %%): away from site %.1f %%, new or < 5 years "
      "%.1f %%, across landlords %.1f %%; legal procedure %d\n",
      options.households, cases, steps, rehoused, Percent(rehoused, cases),
      Percent(away, rehoused), Percent(recent, rehoused),
      Percent(cross, rehoused), legal);
  return kExitOk;
}

struct Work {
  std::unique_ptr<HouseholdPlan> plan;
  std::string case_name;  // empty until identified
};

class Demo {
 public:
  Demo(const Context& ctx, const Options& options, const DemoWorld& world)
      : ctx_(ctx), options_(options), world_(world) {
    stubs_.push_back(v1::CaseService::NewStub(ctx.channel));
  }

  int Run();

 private:
  bool HasWorkOrDone() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !children_.empty() || next_household_ < options_.households ||
           active_ == 0 || finished_;
  }
  void Worker(int worker);
  void RunPlan(Work work, v1::CaseService::Stub& stub);
  grpc::Status Call(v1::CaseService::Stub& stub, const PlannedStep& step,
                    v1::CaseCommandResponse* response);
  void Progress();

  const Context& ctx_;
  const Options& options_;
  const DemoWorld& world_;
  std::vector<std::unique_ptr<v1::CaseService::Stub>> stubs_;

  absl::Mutex mu_;
  std::deque<Work> children_ ABSL_GUARDED_BY(mu_);
  int next_household_ ABSL_GUARDED_BY(mu_) = 0;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, int64_t> unexpected_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> expected_ ABSL_GUARDED_BY(mu_);
  int printed_errors_ ABSL_GUARDED_BY(mu_) = 0;

  std::atomic<int64_t> commands_{0}, retries_{0}, cases_{0}, done_cases_{0};
  std::atomic<int64_t> rehoused_{0}, away_{0}, recent_{0}, cross_{0};
  std::atomic<int64_t> legal_{0}, decohabitations_{0};
  std::atomic<int> in_flight_{0}, max_in_flight_{0};
};

grpc::Status Demo::Call(v1::CaseService::Stub& stub, const PlannedStep& step,
                        v1::CaseCommandResponse* response) {
  grpc::Status status;
  for (int attempt = 0; attempt < 30; ++attempt) {
    if (attempt > 0) {
      retries_.fetch_add(1);
      absl::SleepFor(
          absl::Milliseconds(std::min(1000, 20 * attempt * attempt)));
    }
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + ctx_.timeout));
    const int now = in_flight_.fetch_add(1) + 1;
    int seen = max_in_flight_.load();
    while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
    }
    commands_.fetch_add(1);
    status = step.mutation->call(stub, &context, *step.request, response);
    in_flight_.fetch_sub(1);
    // Retrying with the same request_id is safe: the server answers a
    // known request with its recorded answer.
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
        status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      break;
    }
  }
  return status;
}

void Demo::RunPlan(Work work, v1::CaseService::Stub& stub) {
  HouseholdPlan& plan = *work.plan;
  std::vector<uint64_t> versions(plan.steps.size(), 0);
  cases_.fetch_add(1);
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    PlannedStep& step = plan.steps[i];
    Message& request = *step.request;
    const auto* d = request.GetDescriptor();
    const auto* r = request.GetReflection();
    if (step.mutation->needs_case_name()) {
      r->SetString(&request, d->FindFieldByName("name"), work.case_name);
    }
    if (step.names_step >= 0) {
      Message* body = r->MutableMessage(&request, step.mutation->body_field());
      const auto* bd = body->GetDescriptor();
      const auto* field = bd->FindFieldByName("corrected_version");
      if (field == nullptr) field = bd->FindFieldByName("cancelled_version");
      body->GetReflection()->SetUInt64(body, field, versions[step.names_step]);
    }
    v1::CaseCommandResponse response;
    grpc::Status status = Call(stub, step, &response);
    if (!status.ok()) {
      const api::ErrorDetails details = api::ReadErrorDetails(status);
      absl::MutexLock lock(&mu_);
      if (!step.expected_reason.empty() &&
          details.reason == step.expected_reason) {
        ++expected_[details.reason];
        continue;
      }
      ++unexpected_[details.reason.empty() ? "(no reason)" : details.reason];
      if (printed_errors_++ < 10) {
        std::fprintf(stderr, "demo: %s, %s %s: %s [reason %s, field %s]\n",
                     plan.label.c_str(), step.mutation->rpc,
                     work.case_name.c_str(), status.error_message().c_str(),
                     details.reason.c_str(), details.field.c_str());
      }
      break;  // the rest of the story depends on this step
    }
    if (!step.expected_reason.empty()) {
      absl::MutexLock lock(&mu_);
      ++unexpected_[absl::StrCat("accepted despite ", step.expected_reason)];
    }
    versions[i] = response.case_version();
    if (work.case_name.empty()) work.case_name = response.case_().name();
    if (static_cast<int>(i) == plan.legal_procedure) legal_.fetch_add(1);
    if (static_cast<int>(i) == plan.definitive_move) {
      rehoused_.fetch_add(1);
      if (plan.facts.away_from_site) away_.fetch_add(1);
      if (plan.facts.new_or_recent) recent_.fetch_add(1);
      if (plan.facts.cross_landlord) cross_.fetch_add(1);
    }
    if (step.child != nullptr && !response.opened_case().empty()) {
      decohabitations_.fetch_add(1);
      absl::MutexLock lock(&mu_);
      children_.push_back(Work{std::move(step.child), response.opened_case()});
    }
  }
  done_cases_.fetch_add(1);
}

void Demo::Worker(int worker) {
  v1::CaseService::Stub& stub = *stubs_[worker % stubs_.size()];
  while (true) {
    Work work;
    int household = -1;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &Demo::HasWorkOrDone));
      if (!children_.empty()) {
        work = std::move(children_.front());
        children_.pop_front();
      } else if (next_household_ < options_.households) {
        household = next_household_++;
      } else {
        // Nothing queued: done once no story runs (a running one may still
        // open a decohabitation case).
        if (active_ == 0) finished_ = true;
        if (finished_) return;
        continue;
      }
      ++active_;
    }
    if (household >= 0) {
      work.plan = std::make_unique<HouseholdPlan>(
          PlanHousehold(world_, options_.seed, household));
    }
    RunPlan(std::move(work), stub);
    absl::MutexLock lock(&mu_);
    --active_;
  }
}

void Demo::Progress() {
  const absl::Time start = absl::Now();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&finished_), absl::Seconds(2))) {
        return;
      }
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    std::fprintf(stderr,
                 "demo: %lld/%d cases done, %lld commands (%.0f/s), %d in "
                 "flight\n",
                 static_cast<long long>(done_cases_.load()),
                 options_.households, static_cast<long long>(commands_.load()),
                 commands_.load() / std::max(seconds, 0.001),
                 in_flight_.load());
  }
}

int Demo::Run() {
  const absl::Time start = absl::Now();
  std::thread progress([this] { Progress(); });
  std::vector<std::thread> workers;
  for (int i = 0; i < options_.in_flight; ++i) {
    workers.emplace_back([this, i] { Worker(i); });
  }
  for (auto& t : workers) t.join();
  {
    absl::MutexLock lock(&mu_);
    finished_ = true;
  }
  progress.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);

  absl::MutexLock lock(&mu_);
  int64_t unexpected = 0;
  for (const auto& [reason, n] : unexpected_) unexpected += n;
  const int64_t rehoused = rehoused_.load();
  std::string out;
  absl::StrAppendFormat(
      &out, "households            %d (+%d decohabitation cases; %d cases)\n",
      options_.households, static_cast<int>(decohabitations_.load()),
      static_cast<int>(cases_.load()));
  absl::StrAppendFormat(&out, "commands sent         %d (%d retries)\n",
                        commands_.load(), retries_.load());
  for (const auto& [reason, n] : expected_) {
    absl::StrAppendFormat(
        &out, "expected errors       %s: %d (the rule shown)\n", reason, n);
  }
  absl::StrAppendFormat(&out, "unexpected errors     %d\n", unexpected);
  for (const auto& [reason, n] : unexpected_) {
    absl::StrAppendFormat(&out, "  %-20s %d\n", reason, n);
  }
  absl::StrAppendFormat(&out, "wall time             %.1f s\n", seconds);
  absl::StrAppendFormat(&out, "commands/s            %.0f\n",
                        commands_.load() / std::max(seconds, 0.001));
  absl::StrAppendFormat(&out, "max in flight         %d (of %d workers)\n",
                        max_in_flight_.load(), options_.in_flight);
  absl::StrAppendFormat(
      &out, "rehoused (definitive) %d of %d cases (%.1f %%)\n", rehoused,
      cases_.load(), Percent(rehoused, cases_.load()));
  absl::StrAppendFormat(
      &out, "  away from the site  %.1f %% (other commune or outside QPV)\n",
      Percent(away_.load(), rehoused));
  absl::StrAppendFormat(&out, "  new or < 5 years    %.1f %%\n",
                        Percent(recent_.load(), rehoused));
  absl::StrAppendFormat(&out, "  across landlords    %.1f %%\n",
                        Percent(cross_.load(), rehoused));
  absl::StrAppendFormat(&out,
                        "legal procedure       %d cases (3 counted refusals)\n",
                        legal_.load());
  std::fputs(out.c_str(), stdout);
  return unexpected == 0 ? kExitOk : kExitError;
}

}  // namespace

int RunDemo(const Context& ctx, const std::vector<std::string>& args) {
  Options options;
  for (const std::string& arg : args) {
    absl::string_view text = arg;
    if (!absl::ConsumePrefix(&text, "--")) {
      return UsageError(
          absl::StrCat("demo: unexpected argument \"", arg, "\""));
    }
    const size_t eq = text.find('=');
    const std::string key(text.substr(0, eq));
    const std::string value(
        eq == absl::string_view::npos ? "" : text.substr(eq + 1));
    bool ok = true;
    if (key == "households") {
      ok = absl::SimpleAtoi(value, &options.households) &&
           options.households > 0;
    } else if (key == "seed") {
      ok = absl::SimpleAtoi(value, &options.seed);
    } else if (key == "in_flight") {
      ok = absl::SimpleAtoi(value, &options.in_flight) &&
           options.in_flight > 0 && options.in_flight <= 1024;
    } else if (key == "dry_run") {
      options.dry_run = value.empty() || value == "true";
    } else if (key == "reference_dir") {
      options.reference_dir = value;
      ok = !value.empty();
    } else {
      return UsageError(absl::StrCat("--", key, ": unknown flag of demo"));
    }
    if (!ok) {
      return UsageError(absl::StrCat("--", key, ": bad value \"", value, "\""));
    }
  }
  if (options.households <= 0) {
    return UsageError("demo needs --households=N");
  }
  absl::StatusOr<std::unique_ptr<DemoWorld>> loaded =
      LoadDemoWorld(options.reference_dir);
  if (!loaded.ok()) {
    std::fprintf(stderr, "relogctl: demo: %s\n",
                 std::string(loaded.status().message()).c_str());
    return kExitError;
  }
  const DemoWorld& world = **loaded;
  if (world.sites().empty()) {
    std::fprintf(stderr, "relogctl: demo: no building to demolish in %s\n",
                 options.reference_dir.c_str());
    return kExitError;
  }
  if (options.dry_run) return DryRun(options, world);
  std::fprintf(
      stderr, "demo: %d households, seed %llu, %d in flight, reference %s\n",
      options.households, static_cast<unsigned long long>(options.seed),
      options.in_flight, options.reference_dir.c_str());
  Demo demo(ctx, options, world);
  return demo.Run();
}

}  // namespace relog::ctl
