// The demo's stories without a server: deterministic, dated up to today
// and in order, attesting location compliance only where the rule allows.
#include "clients/relogctl/demo_scenarios.h"

#include "clients/relogctl/common.h"
#include "gtest/gtest.h"
#include "relog/v1/case_service.pb.h"
#include "services/reference/reference_files.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;

class DemoScenariosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = reference::ParseReferenceDir(std::string(RELOG_SOURCE_DIR) +
                                               "/deploy/reference/mel");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    auto ref = reference::ReferenceData::Build(*loaded);
    ASSERT_TRUE(ref.ok()) << ref.status();
    ref_ = *ref;
    world_ = std::make_unique<DemoWorld>(ref_, today_);
  }

  absl::CivilDay today_ = absl::CivilDay(2025, 6, 30);
  std::shared_ptr<const reference::ReferenceData> ref_;
  std::unique_ptr<DemoWorld> world_;
};

void CheckPlan(const HouseholdPlan& plan, absl::CivilDay today,
               const reference::ReferenceData& ref, std::string origin,
               int* offers, int* not_compliant) {
  std::string previous = "0000-00-00";
  for (const PlannedStep& step : plan.steps) {
    ASSERT_NE(step.mutation, nullptr);
    const auto* d = step.request->GetDescriptor();
    const auto* r = step.request->GetReflection();
    const std::string day =
        r->GetString(*step.request, d->FindFieldByName("occurred_at"));
    EXPECT_LE(day, FormatDay(today)) << plan.label;
    EXPECT_GE(day, previous) << plan.label << " " << step.mutation->rpc;
    previous = day;
    if (const auto* id = dynamic_cast<const v1::IdentifyHouseholdRequest*>(
            step.request.get())) {
      origin = id->household().origin().facts().commune_insee();
    }
    if (const auto* offer =
            dynamic_cast<const v1::MakeOfferRequest*>(step.request.get())) {
      ++*offers;
      const std::string& insee =
          offer->offer().dwelling().facts().commune_insee();
      absl::CivilDay on = *reference::ParseIsoDay(day);
      const bool allowed =
          insee == origin || ref.AreAdjacent(origin, insee, on);
      if (step.expected_reason.empty()) {
        EXPECT_EQ(
            offer->offer().compliance().location() == v1::COMPLIANCE_COMPLIANT,
            allowed)
            << plan.label << " " << insee << " from " << origin;
      } else {
        EXPECT_EQ(step.expected_reason, "LOCATION_NOT_COMPLIANT");
        EXPECT_FALSE(allowed);
      }
      if (!allowed) ++*not_compliant;
    }
    if (step.child != nullptr) {
      CheckPlan(*step.child, today, ref, origin, offers, not_compliant);
    }
  }
}

TEST_F(DemoScenariosTest, StoriesAreDatedInOrderAndFollowTheLocationRule) {
  ASSERT_FALSE(world_->sites().empty());
  int offers = 0, not_compliant = 0, rehoused = 0, recent = 0;
  for (int i = 0; i < 300; ++i) {
    HouseholdPlan plan = PlanHousehold(*world_, 7, i);
    ASSERT_FALSE(plan.steps.empty());
    EXPECT_EQ(plan.steps[0].mutation->rpc, std::string("IdentifyHousehold"));
    CheckPlan(plan, today_, *ref_, "", &offers, &not_compliant);
    if (plan.definitive_move >= 0) {
      ++rehoused;
      if (plan.facts.new_or_recent) ++recent;
    }
  }
  EXPECT_GT(offers, 300);
  EXPECT_GT(not_compliant, 0);
  EXPECT_GT(rehoused, 100);
  EXPECT_GT(recent * 100, rehoused * 15);
  EXPECT_LT(recent * 100, rehoused * 40);
}

TEST_F(DemoScenariosTest, DeterministicForASeed) {
  for (int i = 0; i < 20; ++i) {
    HouseholdPlan a = PlanHousehold(*world_, 42, i);
    HouseholdPlan b = PlanHousehold(*world_, 42, i);
    HouseholdPlan c = PlanHousehold(*world_, 43, i);
    ASSERT_EQ(a.steps.size(), b.steps.size());
    for (size_t s = 0; s < a.steps.size(); ++s) {
      EXPECT_EQ(a.steps[s].request->SerializeAsString(),
                b.steps[s].request->SerializeAsString());
    }
    EXPECT_NE(a.steps[0].request->SerializeAsString(),
              c.steps[0].request->SerializeAsString());
  }
}

}  // namespace
}  // namespace relog::ctl
