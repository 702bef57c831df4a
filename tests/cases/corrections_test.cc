// Corrections and cancellations (DESIGN.md "Domain": a correction names the
// event it corrects and gives the new values, or cancels a step recorded by
// mistake; evolve applies it; "as known at" a moment before the correction
// shows the original values).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/cases/domain_errors.h"
#include "tests/cases/case_given_when_then.h"

namespace relog::cases::testing {
namespace {

using absl::StatusCode;

// Versions of the canonical history.
constexpr uint64_t kIdentificationVersion = 0;
constexpr uint64_t kWishesVersion = 1;
constexpr uint64_t kDiagnosisVersion = 2;
constexpr uint64_t kCommitteeVersion = 3;
constexpr uint64_t kOfferVersion = 4;

class CorrectionsTest : public CaseTest {
 protected:
  // The case as known before the last event: the fold of the events before
  // it.
  CaseState AsOfBeforeLastEvent() const {
    return Fold(std::vector<CaseEvent>(history().begin(), history().end() - 1));
  }
};

TEST_F(CorrectionsTest, NewValues) {
  Given(DiagnosedHistory());
  CaseStep replacement = Diagnosis();
  replacement.mutable_diagnosis_recorded()->set_adults(3);
  const auto correction = Correction(kDiagnosisVersion, replacement);
  When(CorrectCmd(kToday, correction));
  ThenEvent(CorrectionEvent(kToday, correction));
  ThenAccepted();
  EXPECT_EQ(facts().diagnosis->adults(), 3);
  EXPECT_EQ(facts().diagnosed_on, Day(kDiagnosedOn));
  EXPECT_EQ(state().steps.at(kDiagnosisVersion).corrections, 1);
  EXPECT_EQ(state().event_count, 4u);
  // As known before the correction: the original values.
  EXPECT_EQ(AsOfBeforeLastEvent().facts.diagnosis->adults(), 2);
}

TEST_F(CorrectionsTest, NewDateOnly) {
  Given(ReadyForOffersHistory());
  When(CorrectCmd(kToday,
                  Correction(kDiagnosisVersion, std::nullopt, "2025-02-05")));
  ThenAccepted();
  EXPECT_EQ(facts().diagnosed_on, Day("2025-02-05"));
  EXPECT_EQ(facts().diagnosis->adults(), 2);
  EXPECT_EQ(AsOfBeforeLastEvent().facts.diagnosed_on, Day(kDiagnosedOn));
}

TEST_F(CorrectionsTest, NewValuesAndDate) {
  Given(ReadyForOffersHistory());
  CaseStep replacement = Diagnosis();
  replacement.mutable_diagnosis_recorded()->set_children(3);
  When(CorrectCmd(kToday,
                  Correction(kDiagnosisVersion, replacement, "2025-01-30")));
  ThenAccepted();
  EXPECT_EQ(facts().diagnosed_on, Day("2025-01-30"));
  EXPECT_EQ(facts().diagnosis->children(), 3);
}

TEST_F(CorrectionsTest, ResteAChargeIsComputedAgainFromTheNewValues) {
  Given(DiagnosedHistory());
  CaseStep replacement = Diagnosis();  // reste à charge 330 € as recorded
  replacement.mutable_diagnosis_recorded()->set_rent_cents(50000);
  When(CorrectCmd(kToday, Correction(kDiagnosisVersion, replacement)));
  CaseStep expected = replacement;
  expected.mutable_diagnosis_recorded()->set_reste_a_charge_cents(50000 + 8000 -
                                                                  20000);
  ThenEvent(CorrectionEvent(kToday, Correction(kDiagnosisVersion, expected)));
  ThenAccepted();
  EXPECT_EQ(facts().diagnosis->reste_a_charge_cents(), 38000);
}

TEST_F(CorrectionsTest, LeaseCorrection_DwellingFromTheOfferAndResteACharge) {
  Given(LeaseSignedHistory());
  const uint64_t lease_version = 7;
  ASSERT_TRUE(state().steps.at(lease_version).step.has_lease_signed());
  CaseStep replacement = Lease("1");
  replacement.mutable_lease_signed()->set_housing_allowance_cents(10000);
  When(CorrectCmd(kToday, Correction(lease_version, replacement)));
  CaseStep expected = LeaseAsRecorded("1");
  expected.mutable_lease_signed()->set_housing_allowance_cents(10000);
  expected.mutable_lease_signed()->set_reste_a_charge_cents(42000 + 8000 -
                                                            10000);
  ThenEvent(CorrectionEvent(kToday, Correction(lease_version, expected)));
}

TEST_F(CorrectionsTest, SameTypeRequired) {
  Given(DiagnosedHistory());
  When(CorrectCmd(kToday, Correction(kDiagnosisVersion, Wishes())));
  ThenError(StatusCode::kInvalidArgument, reason::kCorrectionMismatch,
            "correction.replacement");
}

TEST_F(CorrectionsTest, OfferIdUnchanged) {
  Given(OfferPendingHistory());
  When(CorrectCmd(
      kToday, Correction(kOfferVersion, Offer("2", kNotifiedOn, kDeadline))));
  ThenError(StatusCode::kInvalidArgument, reason::kCorrectionMismatch,
            "correction.replacement");
  const CaseStep replacement = Offer("1", kNotifiedOn, kDeadline, kCommuneA);
  When(CorrectCmd(kToday, Correction(kOfferVersion, replacement)));
  ThenEvent(CorrectionEvent(kToday, Correction(kOfferVersion, replacement)));
  ThenAccepted();
  ASSERT_EQ(facts().offers.size(), 1u);
  EXPECT_EQ(facts().offers[0].id, "1");
  EXPECT_EQ(facts().offers[0].version, kOfferVersion);
  EXPECT_EQ(facts().offers[0].offer.dwelling().facts().commune_insee(),
            kCommuneA);
  EXPECT_EQ(AsOfBeforeLastEvent()
                .facts.offers[0]
                .offer.dwelling()
                .facts()
                .commune_insee(),
            kCommuneB);
}

TEST_F(CorrectionsTest, CorrectedOfferMustStillBeLawful) {
  Given(OfferPendingHistory());
  When(CorrectCmd(kToday,
                  Correction(kOfferVersion,
                             Offer("1", kNotifiedOn, kDeadline, kCommuneC))));
  ThenError(StatusCode::kFailedPrecondition, reason::kLocationNotCompliant);
}

TEST_F(CorrectionsTest, UnknownVersion) {
  Given(DiagnosedHistory());
  When(CorrectCmd(kToday, Correction(99, std::nullopt, kDiagnosedOn)));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepNotFound,
            "correction.corrected_version");
  When(CancelCmd(kToday, Cancellation(99)));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepNotFound,
            "cancellation.cancelled_version");
}

TEST_F(CorrectionsTest, CorrectionsAndCancelledStepsAreNotSteps) {
  Given(DiagnosedHistory());
  GivenDecided(CorrectCmd(
      kToday, Correction(kDiagnosisVersion, std::nullopt, "2025-02-02")));
  const uint64_t correction_version = 3;
  When(CorrectCmd(kToday,
                  Correction(correction_version, std::nullopt, "2025-02-03")));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepNotFound);
  GivenDecided(CancelCmd(kToday, Cancellation(kWishesVersion)));
  EXPECT_EQ(facts().wishes_on, std::nullopt);
  When(CancelCmd(kToday, Cancellation(kWishesVersion)));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepNotFound);
  When(CorrectCmd(kToday, Correction(kWishesVersion, Wishes())));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepNotFound);
}

TEST_F(CorrectionsTest, MalformedCorrections) {
  Given(DiagnosedHistory());
  When(CorrectCmd(kToday, Correction(kDiagnosisVersion, std::nullopt, "")));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "correction.replacement");
  auto no_reason = Correction(kDiagnosisVersion, std::nullopt, kDiagnosedOn);
  no_reason.clear_reason();
  When(CorrectCmd(kToday, no_reason));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "correction.reason");
  When(CorrectCmd(kToday,
                  Correction(kDiagnosisVersion, std::nullopt, "2025-2-1")));
  ThenError(StatusCode::kInvalidArgument, reason::kInvalidDate,
            "correction.occurred_on");
  When(CorrectCmd(kToday,
                  Correction(kDiagnosisVersion, std::nullopt, "2026-06-16")));
  ThenError(StatusCode::kInvalidArgument, reason::kDateInFuture,
            "correction.occurred_on");
  auto no_cancel_reason = Cancellation(kWishesVersion);
  no_cancel_reason.clear_reason();
  When(CancelCmd(kToday, no_cancel_reason));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "cancellation.reason");
  // The correction's own date is not in the future either.
  When(CorrectCmd("2026-06-16",
                  Correction(kDiagnosisVersion, std::nullopt, kDiagnosedOn)));
  ThenError(StatusCode::kInvalidArgument, reason::kDateInFuture, "occurred_at");
}

TEST_F(CorrectionsTest, NewValuesBreakingTheStepsOwnRule) {
  Given(DiagnosedHistory());
  CaseStep replacement = Diagnosis();
  replacement.mutable_diagnosis_recorded()->set_adults(0);
  When(CorrectCmd(kToday, Correction(kDiagnosisVersion, replacement)));
  // The path names the step inside the replacement, as the request does.
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "correction.replacement.diagnosis_recorded.adults");
}

TEST_F(CorrectionsTest, DiagnosisMovedAfterTheCommitteeBreaksHistory) {
  Given(ReadyForOffersHistory());
  When(CorrectCmd(kToday,
                  Correction(kDiagnosisVersion, std::nullopt, "2025-03-05")));
  ThenError(StatusCode::kFailedPrecondition, reason::kCorrectionBreaksHistory);
  const ErrorMetadata metadata = GetErrorMetadata(result().status());
  EXPECT_EQ(metadata.at(meta::kVersion), std::to_string(kCommitteeVersion));
  EXPECT_EQ(metadata.at(meta::kRule), reason::kDateBeforePrerequisite);
  EXPECT_NE(result().status().message().find("CommitteeReviewed"),
            std::string::npos)
      << result().status();
}

// Ready for offers, then three notified offers refused: the legal
// procedure since offer 3's notification (versions 4…9).
std::vector<CaseEvent> ThreeRefusals() {
  return Concat(ReadyForOffersHistory(),
                {Event("2025-04-01", Offer("1", "2025-04-02", "2025-04-16")),
                 Event("2025-04-10", Refuse("1")),
                 Event("2025-05-01", Offer("2", "2025-05-02", "2025-05-16")),
                 Event("2025-05-10", Refuse("2")),
                 Event("2025-06-01", Offer("3", "2025-06-02", "2025-06-16")),
                 Event("2025-06-10", Refuse("3"))});
}
constexpr uint64_t kThirdOfferVersion = 8;
constexpr uint64_t kThirdRefusalVersion = 9;

TEST_F(CorrectionsTest, UnnotifyingTheThirdOfferRemovesTheLegalProcedure) {
  Given(ThreeRefusals());
  ASSERT_EQ(facts().legal_procedure_since, Day("2025-06-02"));
  const CaseStep replacement = Offer("3", "", "");
  When(CorrectCmd(kToday, Correction(kThirdOfferVersion, replacement)));
  ThenEvent(
      CorrectionEvent(kToday, Correction(kThirdOfferVersion, replacement)));
  ThenAccepted();
  EXPECT_EQ(facts().CountedOffers(), 2);
  EXPECT_FALSE(facts().legal_procedure_since.has_value());
  EXPECT_EQ(facts().legal_procedure_offer_id, "");
  EXPECT_EQ(AsOfBeforeLastEvent().facts.legal_procedure_since,
            Day("2025-06-02"));
}

TEST_F(CorrectionsTest, ANewNotificationDateMovesTheLegalProcedure) {
  Given(ThreeRefusals());
  When(CorrectCmd(kToday, Correction(kThirdOfferVersion,
                                     Offer("3", "2025-06-05", "2025-06-19"))));
  ThenAccepted();
  EXPECT_EQ(facts().legal_procedure_since, Day("2025-06-05"));
  // The refusal (2025-06-10) may not precede the notification.
  When(CorrectCmd(kToday, Correction(kThirdOfferVersion,
                                     Offer("3", "2025-06-11", "2025-06-19"))));
  ThenError(StatusCode::kFailedPrecondition, reason::kCorrectionBreaksHistory);
  EXPECT_EQ(GetErrorMetadata(result().status())[meta::kVersion],
            std::to_string(kThirdRefusalVersion));
}

TEST_F(CorrectionsTest, CancellingTheThirdRefusalRemovesTheLegalProcedure) {
  Given(ThreeRefusals());
  When(CancelCmd(kToday, Cancellation(kThirdRefusalVersion)));
  ThenEvent(CancellationEvent(kToday, Cancellation(kThirdRefusalVersion)));
  ThenAccepted();
  EXPECT_EQ(facts().phase, Phase::kOfferPending);
  EXPECT_EQ(facts().FindOffer("3")->status, OfferState::Status::kPending);
  EXPECT_FALSE(facts().legal_procedure_since.has_value());
  EXPECT_TRUE(state().steps.at(kThirdRefusalVersion).cancelled);
  EXPECT_EQ(AsOfBeforeLastEvent().facts.phase, Phase::kReadyForOffers);
}

TEST_F(CorrectionsTest, CancellingARefusalFollowedByAnotherOfferBreaksHistory) {
  Given(ThreeRefusals());
  When(CancelCmd(kToday, Cancellation(5)));  // the refusal of offer 1
  ThenError(StatusCode::kFailedPrecondition, reason::kCorrectionBreaksHistory);
  const ErrorMetadata metadata = GetErrorMetadata(result().status());
  EXPECT_EQ(metadata.at(meta::kVersion), "6");
  EXPECT_EQ(metadata.at(meta::kRule), reason::kOfferInProgress);
}

TEST_F(CorrectionsTest, TheIdentificationCannotBeCancelled) {
  Given(IdentifiedHistory());
  When(CancelCmd(kToday, Cancellation(kIdentificationVersion)));
  ThenError(StatusCode::kFailedPrecondition, reason::kCorrectionMismatch,
            "cancellation.cancelled_version");
  // It can be corrected.
  CaseStep replacement = Identification("MEL-2025-0002");
  When(CorrectCmd(kToday, Correction(kIdentificationVersion, replacement)));
  ThenAccepted();
  EXPECT_EQ(facts().identification.reference(), "MEL-2025-0002");
}

TEST_F(CorrectionsTest, ADecohabitationCannotBeCancelled) {
  Given(DiagnosedHistory());
  GivenDecided(DecohabitationCmd(kToday, "case-2"));
  When(CancelCmd(kToday, Cancellation(3)));
  ThenError(StatusCode::kFailedPrecondition, reason::kCorrectionMismatch);
  // Nor its new case id changed.
  When(CorrectCmd(kToday, Correction(3, Decohabitation("case-3"))));
  ThenError(StatusCode::kInvalidArgument, reason::kCorrectionMismatch);
}

TEST_F(CorrectionsTest, NothingToCorrectOnACaseThatDoesNotExist) {
  When(CorrectCmd(kToday, Correction(0, std::nullopt, kIdentifiedOn)));
  ThenError(StatusCode::kNotFound, reason::kCaseNotFound);
  When(CancelCmd(kToday, Cancellation(0)));
  ThenError(StatusCode::kNotFound, reason::kCaseNotFound);
}

TEST_F(CorrectionsTest, CancellingTheMoveReturnsToLeaseSigned) {
  Given(RehousedHistory());
  const uint64_t move_version = history().size() - 1;
  When(CancelCmd(kToday, Cancellation(move_version)));
  ThenAccepted();
  EXPECT_EQ(facts().phase, Phase::kLeaseSigned);
  EXPECT_FALSE(facts().definitive_move_on.has_value());
}

}  // namespace
}  // namespace relog::cases::testing
