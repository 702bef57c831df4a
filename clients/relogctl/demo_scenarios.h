// The demo's households: for a seed and a household index, the list of
// requests that tell its story, with dates from the operation's start up
// to today (never later; a story that reaches today stops there, the case
// in progress). Deterministic: the same (seed, index) gives the same
// requests, request ids included.
#ifndef RELOG_CLIENTS_RELOGCTL_DEMO_SCENARIOS_H_
#define RELOG_CLIENTS_RELOGCTL_DEMO_SCENARIOS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "clients/relogctl/mutations.h"
#include "google/protobuf/message.h"
#include "services/reference/reference_data.h"

namespace relog::ctl {

struct HouseholdPlan;

struct PlannedStep {
  const Mutation* mutation = nullptr;
  // The request; the runner fills `name` (the case, once identified).
  std::unique_ptr<google::protobuf::Message> request;
  // For a correction or cancellation: the index (in this plan) of the step
  // it names; the runner sets corrected/cancelled_version from the version
  // that step wrote.
  int names_step = -1;
  // Non-empty: the server must refuse the request with this reason (the
  // demo shows the rule), and the story goes on.
  std::string expected_reason;
  // RecordDecohabitation: the new household's story, run on the case the
  // response opens.
  std::unique_ptr<HouseholdPlan> child;
};

// Figures of the definitive rehousing, counted when its move succeeds.
struct RehousingFacts {
  bool away_from_site = false;  // other commune, or outside any QPV
  bool new_or_recent = false;   // programme delivered < 5 years before
  bool cross_landlord = false;  // receiving landlord ≠ demolishing one
};

struct HouseholdPlan {
  std::string label;  // "household 12", "household 12 / decohabitation"
  std::vector<PlannedStep> steps;
  // The definitive move's step, or -1.
  int definitive_move = -1;
  RehousingFacts facts;
  // The step whose success puts the case in the legal procedure, or -1.
  int legal_procedure = -1;
};

// The reference sample as the generator uses it (lists valid on `today`).
class DemoWorld {
 public:
  DemoWorld(std::shared_ptr<const reference::ReferenceData> ref,
            absl::CivilDay today);
  const reference::ReferenceData& ref() const { return *ref_; }
  absl::CivilDay today() const { return today_; }
  // (operation, building) pairs, with weights = dwellings.
  struct Site {
    const reference::Operation* operation;
    const reference::Building* building;
  };
  const std::vector<Site>& sites() const { return sites_; }
  int total_dwellings() const { return total_dwellings_; }

 private:
  std::shared_ptr<const reference::ReferenceData> ref_;
  absl::CivilDay today_;
  std::vector<Site> sites_;
  int total_dwellings_ = 0;
};

// The world of the reference files in `dir` (deploy/reference/mel's
// layout), today in Paris: what `relogctl demo`, relog-loadgen and the
// crash tests drive. Errors: the files do not parse or do not hold
// together.
absl::StatusOr<std::unique_ptr<DemoWorld>> LoadDemoWorld(
    const std::string& dir);

HouseholdPlan PlanHousehold(const DemoWorld& world, uint64_t seed, int index);

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_DEMO_SCENARIOS_H_
