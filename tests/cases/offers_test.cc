// Offers and the three-offer rule (DOMAIN.md "Legal rules": an offer
// counts when it was notified and then refused by the household, or left
// unanswered past its recorded deadline; a CAL refusal or a withdrawal
// never counts; the third counted puts the case in the legal procedure,
// ending six months after that offer's notification; offers beyond three
// remain possible), the location attestation, lapses.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/cases/domain_errors.h"
#include "tests/cases/case_given_when_then.h"

namespace relog::cases::testing {
namespace {

using absl::StatusCode;
using relog::v1::CalDecisionRecorded;

// Offer n (1-based) is made on the 1st of month 3+n of 2025, notified on
// the 2nd, with a deadline on the 16th.
std::string Made(int n) {
  return absl::FormatCivilTime(absl::CivilDay(2025, 3 + n, 1));
}
std::string Notified(int n) {
  return absl::FormatCivilTime(absl::CivilDay(2025, 3 + n, 2));
}
std::string Deadline(int n) {
  return absl::FormatCivilTime(absl::CivilDay(2025, 3 + n, 16));
}
std::string Answered(int n) {
  return absl::FormatCivilTime(absl::CivilDay(2025, 3 + n, 10));
}

class OffersTest : public CaseTest {
 protected:
  void SetUp() override { Given(ReadyForOffersHistory()); }

  // Offer n, notified (or not), decided by relog.
  void MakeOffer(int n, bool notified = true) {
    When(Cmd(Made(n), Offer("", notified ? Notified(n) : "",
                            notified ? Deadline(n) : "")));
    ThenEvent(
        Event(Made(n), Offer(std::to_string(n), notified ? Notified(n) : "",
                             notified ? Deadline(n) : "")));
    ThenAccepted();
  }
  void RefuseOffer(int n) { GivenDecided(Cmd(Answered(n), Refuse(Id(n)))); }
  void LapseOffer(int n) {
    // The day after the deadline.
    GivenDecided(
        Cmd(absl::FormatCivilTime(Day(Deadline(n)) + 1), Lapse(Id(n))));
  }
  static std::string Id(int n) { return std::to_string(n); }
};

TEST_F(OffersTest, ThreeNotifiedRefusalsStartTheLegalProcedure) {
  MakeOffer(1);
  RefuseOffer(1);
  MakeOffer(2);
  RefuseOffer(2);
  EXPECT_EQ(facts().CountedOffers(), 2);
  EXPECT_FALSE(facts().legal_procedure_since.has_value());
  MakeOffer(3);
  EXPECT_FALSE(facts().legal_procedure_since.has_value());
  RefuseOffer(3);
  EXPECT_EQ(facts().CountedOffers(), 3);
  EXPECT_EQ(facts().legal_procedure_since, Day(Notified(3)));  // 2025-06-02
  EXPECT_EQ(facts().legal_procedure_offer_id, "3");
  EXPECT_EQ(LegalProcedureEnd(*facts().legal_procedure_since),
            Day("2025-12-02"));
  EXPECT_EQ(facts().phase, Phase::kReadyForOffers);
  // Offers beyond three remain possible, and do not move the procedure.
  MakeOffer(4);
  RefuseOffer(4);
  EXPECT_EQ(facts().CountedOffers(), 4);
  EXPECT_EQ(facts().legal_procedure_since, Day(Notified(3)));
  MakeOffer(5);
  GivenDecided(Cmd(Answered(5), Accept("5")));
  EXPECT_EQ(facts().phase, Phase::kOfferAccepted);
}

// "Three offers meeting the legal criteria": an offer attested
// non-compliant on any criterion never counts, even notified and refused.
TEST_F(OffersTest, AnOfferNotMeetingEveryCriterionDoesNotCount) {
  MakeOffer(1);
  RefuseOffer(1);
  MakeOffer(2);
  RefuseOffer(2);
  CaseStep unsuitable = Offer("", Notified(3), Deadline(3));
  unsuitable.mutable_offer_made()->mutable_compliance()->set_means(
      relog::v1::COMPLIANCE_NOT_COMPLIANT);
  GivenDecided(Cmd(Made(3), unsuitable));
  RefuseOffer(3);
  EXPECT_EQ(facts().CountedOffers(), 2);
  EXPECT_FALSE(facts().legal_procedure_since.has_value());
  MakeOffer(4);
  RefuseOffer(4);
  EXPECT_EQ(facts().legal_procedure_offer_id, "4");
}

TEST_F(OffersTest, AnUnnotifiedRefusedOfferDoesNotCount) {
  MakeOffer(1);
  RefuseOffer(1);
  MakeOffer(2, /*notified=*/false);
  RefuseOffer(2);
  MakeOffer(3);
  RefuseOffer(3);
  EXPECT_EQ(facts().CountedOffers(), 2);
  EXPECT_FALSE(facts().legal_procedure_since.has_value());
  MakeOffer(4);
  RefuseOffer(4);
  EXPECT_EQ(facts().legal_procedure_since, Day(Notified(4)));
  EXPECT_EQ(facts().legal_procedure_offer_id, "4");
}

TEST_F(OffersTest, ALapsedOfferPastItsDeadlineCounts) {
  MakeOffer(1);
  RefuseOffer(1);
  MakeOffer(2);
  LapseOffer(2);
  EXPECT_EQ(facts().FindOffer("2")->status, OfferState::Status::kLapsed);
  MakeOffer(3);
  LapseOffer(3);
  EXPECT_EQ(facts().CountedOffers(), 3);
  EXPECT_EQ(facts().legal_procedure_since, Day(Notified(3)));
}

TEST_F(OffersTest, CalRefusalNeverCounts) {
  MakeOffer(1);
  RefuseOffer(1);
  MakeOffer(2);
  RefuseOffer(2);
  MakeOffer(3);
  GivenDecided(Cmd(Answered(3), Accept("3")));
  GivenDecided(
      Cmd(Deadline(3), Cal("3", CalDecisionRecorded::DECISION_REFUSED)));
  EXPECT_EQ(facts().FindOffer("3")->status, OfferState::Status::kCalRefused);
  EXPECT_EQ(facts().phase, Phase::kReadyForOffers);
  EXPECT_EQ(facts().CountedOffers(), 2);
  EXPECT_FALSE(facts().legal_procedure_since.has_value());
  // The third counted is the next refused one.
  MakeOffer(4);
  RefuseOffer(4);
  EXPECT_EQ(facts().legal_procedure_since, Day(Notified(4)));
}

TEST_F(OffersTest, WithdrawalNeverCounts) {
  MakeOffer(1);
  RefuseOffer(1);
  MakeOffer(2);
  RefuseOffer(2);
  MakeOffer(3);
  GivenDecided(Cmd(Answered(3), Withdraw("3")));
  EXPECT_EQ(facts().FindOffer("3")->status, OfferState::Status::kWithdrawn);
  // Withdrawn after acceptance and allocation too.
  MakeOffer(4);
  GivenDecided(Cmd(Answered(4), Accept("4")));
  GivenDecided(Cmd(Deadline(4), Cal("4")));
  EXPECT_EQ(facts().phase, Phase::kAllocated);
  GivenDecided(Cmd(Deadline(4), Withdraw("4")));
  EXPECT_EQ(facts().phase, Phase::kReadyForOffers);
  EXPECT_EQ(facts().CountedOffers(), 2);
  EXPECT_FALSE(facts().legal_procedure_since.has_value());
}

TEST_F(OffersTest, LegalProcedureEndIsClampedAtMonthEnd) {
  EXPECT_EQ(LegalProcedureEnd(Day("2025-08-31")), Day("2026-02-28"));
  EXPECT_EQ(LegalProcedureEnd(Day("2023-08-31")), Day("2024-02-29"));
  EXPECT_EQ(LegalProcedureEnd(Day("2025-03-31")), Day("2025-09-30"));
  EXPECT_EQ(LegalProcedureEnd(Day("2025-12-31")), Day("2026-06-30"));
  EXPECT_EQ(LegalProcedureEnd(Day("2025-01-15")), Day("2025-07-15"));
  EXPECT_EQ(LegalProcedureEnd(Day("2025-02-28")), Day("2025-08-28"));
}

TEST_F(OffersTest, ThirdOfferNotifiedOn31August) {
  MakeOffer(1);
  RefuseOffer(1);
  MakeOffer(2);
  RefuseOffer(2);
  GivenDecided(Cmd("2025-08-29", Offer("", "2025-08-31", "2025-09-14")));
  GivenDecided(Cmd("2025-09-01", Refuse("3")));
  ASSERT_EQ(facts().legal_procedure_since, Day("2025-08-31"));
  EXPECT_EQ(LegalProcedureEnd(*facts().legal_procedure_since),
            Day("2026-02-28"));
}

// ---- Location (art. 13 bis: same or adjacent commune). ----

TEST_F(OffersTest, LocationCompliantInTheOriginCommune) {
  When(Cmd(kOfferOn, Offer("", kNotifiedOn, kDeadline, kCommuneA)));
  ThenEvent(Event(kOfferOn, Offer("1", kNotifiedOn, kDeadline, kCommuneA)));
}

TEST_F(OffersTest, LocationCompliantInAnAdjacentCommune) {
  When(Cmd(kOfferOn, Offer("", kNotifiedOn, kDeadline, kCommuneB)));
  ThenEvent(Event(kOfferOn, Offer("1", kNotifiedOn, kDeadline, kCommuneB)));
}

TEST_F(OffersTest, LocationNotCompliantInANonAdjacentCommune) {
  When(Cmd(kOfferOn, Offer("", kNotifiedOn, kDeadline, kCommuneC)));
  ThenError(StatusCode::kFailedPrecondition, reason::kLocationNotCompliant,
            "offer.compliance.location");
}

TEST_F(OffersTest, NotCompliantLocationAnywhere) {
  for (const char* commune : {kCommuneA, kCommuneB, kCommuneC}) {
    SCOPED_TRACE(commune);
    CaseStep offer = Offer("", kNotifiedOn, kDeadline, commune);
    offer.mutable_offer_made()->mutable_compliance()->set_location(
        relog::v1::COMPLIANCE_NOT_COMPLIANT);
    When(Cmd(kOfferOn, offer));
    offer.mutable_offer_made()->set_offer_id("1");
    ThenEvent(Event(kOfferOn, offer));
  }
}

// ---- Lapses. ----

TEST_F(OffersTest, LapseBeforeOrOnTheDeadline) {
  MakeOffer(1);
  When(Cmd(Answered(1), Lapse("1")));
  ThenError(StatusCode::kFailedPrecondition, reason::kDeadlineNotPassed);
  When(Cmd(Deadline(1), Lapse("1")));
  ThenError(StatusCode::kFailedPrecondition, reason::kDeadlineNotPassed);
  When(Cmd("2025-04-17", Lapse("1")));
  ThenEvent(Event("2025-04-17", Lapse("1")));
}

TEST_F(OffersTest, LapseOfAnUnnotifiedOffer) {
  MakeOffer(1, /*notified=*/false);
  When(Cmd(kToday, Lapse("1")));
  ThenError(StatusCode::kFailedPrecondition, reason::kOfferNotNotified);
}

TEST_F(OffersTest, LapseOfAnOfferNotifiedWithoutDeadline) {
  GivenDecided(Cmd(Made(1), Offer("", Notified(1), "")));
  When(Cmd(kToday, Lapse("1")));
  ThenError(StatusCode::kFailedPrecondition, reason::kOfferNotNotified);
}

// ---- Answers. ----

TEST_F(OffersTest, AnswersNameThePendingOffer) {
  MakeOffer(1);
  RefuseOffer(1);
  MakeOffer(2);
  When(Cmd(kToday, Refuse("1")));
  ThenError(StatusCode::kFailedPrecondition, reason::kOfferNotInProgress,
            "refusal.offer_id");
  When(Cmd(kToday, Accept("3")));
  ThenError(StatusCode::kFailedPrecondition, reason::kOfferNotFound,
            "acceptance.offer_id");
  When(Cmd(kToday, Visit("")));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "visit.offer_id");
  CaseStep refusal = Refuse("2");
  refusal.mutable_offer_refused()->clear_reasons();
  When(Cmd(kToday, refusal));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "refusal.reasons");
  CaseStep withdrawal = Withdraw("2");
  withdrawal.mutable_offer_withdrawn()->clear_reason();
  When(Cmd(kToday, withdrawal));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "withdrawal.reason");
}

TEST_F(OffersTest, AnUnnotifiedOfferMayBeAnsweredFromTheDayItIsMade) {
  MakeOffer(1, /*notified=*/false);
  When(Cmd(Made(1), Accept("1")));
  ThenEvent(Event(Made(1), Accept("1")));
}

}  // namespace
}  // namespace relog::cases::testing
