// Rules that look at a case's whole history: corrections over steps that
// today's rules would refuse, offer numbering after a cancellation, exits
// dated before recorded steps, refusals after an acceptance, closure.
#include <string>

#include "gtest/gtest.h"
#include "services/cases/domain_errors.h"
#include "tests/cases/case_given_when_then.h"

namespace relog::cases::testing {
namespace {

using absl::StatusCode;

class HistoryRulesTest : public CaseTest {};

// The log keeps steps recorded under earlier rules or reference data; a
// correction elsewhere must not be refused because of them.
TEST_F(HistoryRulesTest, AStepThatTodaysRulesRefuseDoesNotBlockCorrections) {
  std::vector<CaseEvent> history = ReadyForOffersHistory();
  // The diagnosis (version 2) as recorded then: no adult, which today's
  // range check refuses.
  history[2].step->mutable_diagnosis_recorded()->set_adults(0);
  Given(history);
  When(CorrectCmd(kToday, Correction(3, std::nullopt, "2025-03-02")));
  ThenAccepted();
  // The step itself, corrected, must pass today's rules.
  CaseStep replacement = Diagnosis();
  replacement.mutable_diagnosis_recorded()->set_adults(0);
  When(CorrectCmd(kToday, Correction(2, replacement)));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "correction.replacement.diagnosis_recorded.adults");
}

TEST_F(HistoryRulesTest, OfferIdsAreNeverReusedAfterACancellation) {
  Given(OfferPendingHistory());  // offer 1 at version 4
  GivenDecided(CancelCmd(kToday, Cancellation(4)));
  When(Cmd(kToday, Offer("", kToday, "")));
  ASSERT_TRUE(result().ok()) << result().status();
  EXPECT_EQ(result()->events[0].step->offer_made().offer_id(), "2");
}

TEST_F(HistoryRulesTest, AnExitIsNotDatedBeforeTheLastRecordedStep) {
  Given(OfferPendingHistory());
  When(Cmd("2025-03-01", Departure()));  // before the offer (2025-03-10)
  ThenError(StatusCode::kFailedPrecondition, reason::kDateBeforePrerequisite);
  When(Cmd(kToday, Departure()));
  ThenAccepted();
}

// A household may go back on its acceptance before the lease: the refusal
// counts like any other.
TEST_F(HistoryRulesTest, AnAcceptedOfferCanStillBeRefusedAndCounts) {
  Given(AllocatedHistory());
  GivenDecided(Cmd(kToday, Refuse("1")));
  EXPECT_EQ(facts().phase, Phase::kReadyForOffers);
  EXPECT_EQ(facts().CountedOffers(), 1);
}

TEST_F(HistoryRulesTest, ClosingARehousedCaseEndsItsFollowUp) {
  Given(RehousedHistory());
  EXPECT_FALSE(facts().follow_up_ended_on.has_value());
  GivenDecided(Cmd(kClosedOn, Close(relog::v1::CASE_OUTCOME_REHOUSED)));
  EXPECT_EQ(facts().follow_up_ended_on, Day(kClosedOn));
}

// Offers may follow from the committee's first validation: a later review
// does not make an offer recorded late, between the two, out of order.
TEST_F(HistoryRulesTest, OffersFollowTheFirstValidation) {
  Given(ReadyForOffersHistory());  // validated on kCommitteeOn
  GivenDecided(Cmd("2025-05-01", Committee()));
  When(Cmd("2025-04-01", Offer("", "", "")));
  ThenAccepted();
}

TEST_F(HistoryRulesTest, ACorrectionKeepsTheDecohabitationLink) {
  Given(Event(kIdentifiedOn, [] {
    CaseStep step = Identification();
    step.mutable_household_identified()->set_parent_case_id("parent");
    return step;
  }()));
  CaseStep replacement = Identification("MEL-2025-0002");
  When(CorrectCmd(kToday, Correction(0, replacement)));
  ThenAccepted();
  EXPECT_EQ(facts().identification.parent_case_id(), "parent");
  replacement.mutable_household_identified()->set_parent_case_id("other");
  When(CorrectCmd(kToday, Correction(0, replacement)));
  ThenError(StatusCode::kInvalidArgument, reason::kCorrectionMismatch);
}

}  // namespace
}  // namespace relog::cases::testing
