// The QPV list revised on 2024-01-01 in the shipped MEL sample: dwellings
// keep the code in force on the date each step chose them.
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "services/cases/decide.h"
#include "services/reference/reference_files.h"
#include "tests/testing/status_matchers.h"

namespace relog::cases {
namespace {

using relog::v1::CaseStep;

class QpvRevisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<relog::v1::ReferenceDataLoaded> files =
        reference::ParseReferenceDir(std::string(RELOG_SOURCE_DIR) +
                                     "/deploy/reference/mel");
    ASSERT_OK(files);
    absl::StatusOr<std::shared_ptr<const reference::ReferenceData>> data =
        reference::ReferenceData::Build(*files);
    ASSERT_OK(data);
    reference_ = *data;
    context_.today = absl::CivilDay(2026, 6, 15);
    context_.reference = reference_.get();
  }

  // Decides `command` and folds its events into state_.
  void Record(const Command& command) {
    absl::StatusOr<Decision> decision = Decide(command, state_, context_);
    ASSERT_OK(decision);
    for (const CaseEvent& event : decision->events) {
      state_ = Evolve(std::move(state_), event);
    }
    last_ = *std::move(decision);
  }

  static Command Identify(absl::CivilDay day) {
    Command c;
    c.occurred_on = day;
    auto* h = c.step.emplace().mutable_household_identified();
    h->set_reference("QPV-1");
    h->set_operation_id("OP-LIL-CONCORDE-1");
    h->set_building_id("BAT-A");
    h->set_occupancy(relog::v1::OCCUPANCY_STATUS_TITULAR_TENANT);
    auto* f = h->mutable_origin()->mutable_facts();
    f->set_typology(relog::v1::TYPOLOGY_T3);
    f->set_surface_m2(60);
    f->set_financing(relog::v1::FINANCING_PLUS);
    return c;
  }

  std::shared_ptr<const reference::ReferenceData> reference_;
  DecideContext context_;
  CaseState state_;
  Decision last_;
};

TEST_F(QpvRevisionTest, IdentificationTakesTheCodeInForceOnItsDate) {
  Record(Identify(absl::CivilDay(2023, 6, 1)));
  EXPECT_EQ(state_.facts.identification.origin().facts().quartier_code(),
            "QP059001");
  CaseState later;
  state_ = later;
  Record(Identify(absl::CivilDay(2024, 6, 1)));
  EXPECT_EQ(state_.facts.identification.origin().facts().quartier_code(),
            "QN05901M");
}

TEST_F(QpvRevisionTest, ADecohabitationAfterTheRevisionGetsTheNewCode) {
  state_.case_id = "parent";
  Record(Identify(absl::CivilDay(2023, 6, 1)));
  Command split;
  split.occurred_on = absl::CivilDay(2024, 6, 3);
  split.step.emplace().mutable_decohabitation_recorded();
  split.new_case_id = "child";
  split.new_household.set_reference("QPV-1-B");
  split.new_household.set_occupancy(relog::v1::OCCUPANCY_STATUS_SHELTERED);
  Record(split);
  ASSERT_TRUE(last_.opened.has_value());
  const auto& opened =
      last_.opened->events.front().step->household_identified();
  EXPECT_EQ(opened.origin().facts().quartier_code(), "QN05901M");
  EXPECT_EQ(opened.parent_case_id(), "parent");
}

}  // namespace
}  // namespace relog::cases
