// A case from identification to closure, steps out of order, dates, values,
// references, closure and reopening, temporary rehousing, decohabitation,
// exits and follow-up (DOMAIN.md "A case, step by step").
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/cases/domain_errors.h"
#include "tests/cases/case_given_when_then.h"

namespace relog::cases::testing {
namespace {

using absl::StatusCode;
using relog::v1::CalDecisionRecorded;
using relog::v1::CommitteeReviewed;

class LifecycleTest : public CaseTest {
 protected:
  // When `command`, then exactly `expected`, recorded; the case is then in
  // `phase`.
  void Step(const Command& command, const CaseEvent& expected, Phase phase) {
    When(command);
    ThenEvent(expected);
    ThenAccepted();
    EXPECT_EQ(PhaseName(facts().phase), std::string(PhaseName(phase)))
        << "after " << Describe(expected);
  }
};

TEST_F(LifecycleTest, HappyPathToClosureRehoused) {
  Step(Cmd(kIdentifiedOn, Identification()),
       Event(kIdentifiedOn, Identification()), Phase::kIdentified);
  Step(Cmd("2025-01-12", Notice()), Event("2025-01-12", Notice()),
       Phase::kIdentified);
  Step(Cmd(kWishesOn, Wishes()), Event(kWishesOn, Wishes()),
       Phase::kIdentified);
  CaseStep diagnosis = Diagnosis();
  diagnosis.mutable_diagnosis_recorded()->clear_reste_a_charge_cents();
  Step(Cmd(kDiagnosedOn, diagnosis), Event(kDiagnosedOn, Diagnosis()),
       Phase::kDiagnosed);
  Step(Cmd(kCommitteeOn, Committee()), Event(kCommitteeOn, Committee()),
       Phase::kReadyForOffers);
  // relog numbers the offers.
  Step(Cmd(kOfferOn, Offer("", kNotifiedOn, kDeadline)),
       Event(kOfferOn, Offer("1", kNotifiedOn, kDeadline)),
       Phase::kOfferPending);
  Step(Cmd("2025-03-20", Visit("1")), Event("2025-03-20", Visit("1")),
       Phase::kOfferPending);
  EXPECT_TRUE(facts().FindOffer("1")->visited);
  Step(Cmd(kAcceptedOn, Accept("1")), Event(kAcceptedOn, Accept("1")),
       Phase::kOfferAccepted);
  Step(Cmd(kCalOn, Cal("1")), Event(kCalOn, Cal("1")), Phase::kAllocated);
  Step(Cmd(kLeaseOn, Lease("1")), Event(kLeaseOn, LeaseAsRecorded("1")),
       Phase::kLeaseSigned);
  Step(Cmd(kMoveOn, Move()), Event(kMoveOn, Move()), Phase::kRehoused);
  Step(Cmd("2025-06-05", Keys()), Event("2025-06-05", Keys()),
       Phase::kRehoused);
  Step(Cmd("2025-06-10", Consent(true)), Event("2025-06-10", Consent(true)),
       Phase::kRehoused);
  Step(Cmd("2025-07-01", HandOver()), Event("2025-07-01", HandOver()),
       Phase::kRehoused);
  for (const auto& [day, milestone] :
       {std::pair<const char*, relog::v1::FollowUpMilestone>{
            "2025-09-01", relog::v1::FOLLOW_UP_MILESTONE_3_MONTHS},
        {"2025-12-01", relog::v1::FOLLOW_UP_MILESTONE_6_MONTHS},
        {"2026-06-01", relog::v1::FOLLOW_UP_MILESTONE_12_MONTHS}}) {
    Step(Cmd(day, FollowUp(milestone)), Event(day, FollowUp(milestone)),
         Phase::kRehoused);
  }
  Step(Cmd("2026-06-10", EndFollowUp()), Event("2026-06-10", EndFollowUp()),
       Phase::kRehoused);
  Step(Cmd(kToday, Close(relog::v1::CASE_OUTCOME_REHOUSED)),
       Event(kToday, Close(relog::v1::CASE_OUTCOME_REHOUSED)), Phase::kClosed);

  EXPECT_EQ(facts().outcome, relog::v1::CASE_OUTCOME_REHOUSED);
  EXPECT_EQ(facts().definitive_move_on, Day(kMoveOn));
  EXPECT_EQ(facts().keys_returned_on, Day("2025-06-05"));
  EXPECT_EQ(facts().follow_ups.size(), 3u);
  EXPECT_EQ(facts().follow_up_consent, true);
  EXPECT_EQ(facts().follow_up_handed_over_on, Day("2025-07-01"));
  EXPECT_EQ(facts().follow_up_ended_on, Day("2026-06-10"));
  EXPECT_EQ(facts().phase_before_closure, Phase::kRehoused);
  EXPECT_EQ(state().event_count, history().size());
  EXPECT_EQ(facts().FindOffer("1")->status, OfferState::Status::kLeased);
  EXPECT_EQ(facts().CountedOffers(), 0);
}

TEST_F(LifecycleTest, ResteACharge_ComputedOnDiagnosis) {
  Given(IdentifiedHistory());
  CaseStep diagnosis = Diagnosis();
  // Whatever the caller sends, relog computes it: 450 + 80 − 200 €.
  diagnosis.mutable_diagnosis_recorded()->set_reste_a_charge_cents(1);
  When(Cmd(kDiagnosedOn, diagnosis));
  ThenEvent(Event(kDiagnosedOn, Diagnosis()));
  EXPECT_EQ(Diagnosis().diagnosis_recorded().reste_a_charge_cents(), 33000);
}

// Found by request_fuzzer: the reste à charge was computed (signed
// overflow) before the amounts were range-checked.
TEST_F(LifecycleTest, ResteACharge_HugeAmountsAreRefusedNotOverflowed) {
  Given(IdentifiedHistory());
  CaseStep diagnosis = Diagnosis();
  diagnosis.mutable_diagnosis_recorded()->set_rent_cents(
      std::numeric_limits<int64_t>::max());
  When(Cmd(kDiagnosedOn, diagnosis));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "diagnosis.rent_cents");
  diagnosis = Diagnosis();
  diagnosis.mutable_diagnosis_recorded()->set_housing_allowance_cents(
      std::numeric_limits<int64_t>::min());
  When(Cmd(kDiagnosedOn, diagnosis));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "diagnosis.housing_allowance_cents");
}

TEST_F(LifecycleTest, ResteACharge_ComputedOnLease_DwellingCopiedFromOffer) {
  Given(AllocatedHistory());
  When(Cmd(kLeaseOn, Lease("1")));
  ThenEvent(Event(kLeaseOn, LeaseAsRecorded("1")));
  const auto& lease = (*result()).events[0].step->lease_signed();
  EXPECT_EQ(lease.reste_a_charge_cents(), 42000 + 8000 - 15000);
  EXPECT_EQ(lease.dwelling().facts().commune_insee(), kCommuneB);
  EXPECT_EQ(lease.dwelling().location().address(), "5 allée Neuve, apt 3");
  EXPECT_EQ(lease.reservataire_id(), kReservataire);
}

TEST_F(LifecycleTest, Identification_FillsLandlordCommuneQuartierFromBuilding) {
  CaseStep bare = Identification();
  auto* facts =
      bare.mutable_household_identified()->mutable_origin()->mutable_facts();
  facts->clear_landlord_id();
  facts->clear_commune_insee();
  facts->clear_quartier_code();
  When(Cmd(kIdentifiedOn, bare));
  ThenEvent(Event(kIdentifiedOn, Identification()));
}

TEST_F(LifecycleTest, Identification_OriginMustBeTheBuildings) {
  CaseStep step = Identification();
  step.mutable_household_identified()
      ->mutable_origin()
      ->mutable_facts()
      ->set_landlord_id(kLandlord2);
  When(Cmd(kIdentifiedOn, step));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "household.origin.facts");
}

TEST_F(LifecycleTest, Identification_OfAnExistingCase) {
  Given(IdentifiedHistory());
  When(Cmd(kToday, Identification()));
  ThenError(StatusCode::kAlreadyExists, reason::kCaseAlreadyExists);
}

TEST_F(LifecycleTest, StepOnACaseThatDoesNotExist) {
  When(Cmd(kToday, Notice()));
  ThenError(StatusCode::kNotFound, reason::kCaseNotFound);
}

// ---- Steps out of order. ----

TEST_F(LifecycleTest, MoveBeforeLease) {
  Given(AllocatedHistory());
  When(Cmd(kToday, Move()));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

TEST_F(LifecycleTest, OfferBeforeDiagnosis) {
  Given(IdentifiedHistory());
  When(Cmd(kToday, Offer("")));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

TEST_F(LifecycleTest, OfferBeforeCommittee) {
  Given(DiagnosedHistory());
  When(Cmd(kToday, Offer("")));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

TEST_F(LifecycleTest, OfferAfterAnAdjournedCommittee) {
  Given(DiagnosedHistory());
  GivenDecided(
      Cmd(kCommitteeOn, Committee(CommitteeReviewed::DECISION_ADJOURNED)));
  EXPECT_EQ(facts().phase, Phase::kDiagnosed);
  When(Cmd(kToday, Offer("")));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

TEST_F(LifecycleTest, CommitteeBeforeDiagnosis) {
  Given(IdentifiedHistory());
  When(Cmd(kToday, Committee()));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

TEST_F(LifecycleTest, SecondOfferWhileOneIsInProgress) {
  Given(OfferPendingHistory());
  When(Cmd(kToday, Offer("")));
  ThenError(StatusCode::kFailedPrecondition, reason::kOfferInProgress);
}

TEST_F(LifecycleTest, SecondOfferWhileTheFirstIsAccepted) {
  Given(OfferAcceptedHistory());
  When(Cmd(kToday, Offer("")));
  ThenError(StatusCode::kFailedPrecondition, reason::kOfferInProgress);
}

TEST_F(LifecycleTest, SecondOfferWhileTheFirstIsAllocated) {
  Given(AllocatedHistory());
  When(Cmd(kToday, Offer("")));
  ThenError(StatusCode::kFailedPrecondition, reason::kOfferInProgress);
}

TEST_F(LifecycleTest, CalBeforeAcceptance) {
  Given(OfferPendingHistory());
  When(Cmd(kToday, Cal("1")));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

TEST_F(LifecycleTest, CalOnANonAcceptedOffer) {
  Given(Concat(ReadyForOffersHistory(),
               {Event(kOfferOn, Offer("1", kNotifiedOn, kDeadline)),
                Event("2025-03-20", Refuse("1")),
                Event("2025-04-01", Offer("2", "2025-04-02", "2025-04-20")),
                Event("2025-04-10", Accept("2"))}));
  When(Cmd(kToday, Cal("1")));
  ThenError(StatusCode::kFailedPrecondition, reason::kOfferNotInProgress,
            "cal_decision.offer_id");
  When(Cmd(kToday, Cal("7")));
  ThenError(StatusCode::kFailedPrecondition, reason::kOfferNotFound,
            "cal_decision.offer_id");
  When(Cmd(kToday, Cal("2")));
  ThenEvent(Event(kToday, Cal("2")));
}

TEST_F(LifecycleTest, CalPostponedThenAllocated) {
  Given(OfferAcceptedHistory());
  GivenDecided(Cmd(kCalOn, Cal("1", CalDecisionRecorded::DECISION_POSTPONED)));
  EXPECT_EQ(facts().phase, Phase::kOfferAccepted);
  When(Cmd("2025-04-09", Cal("1")));
  ThenError(StatusCode::kFailedPrecondition, reason::kDateBeforePrerequisite,
            "occurred_at");
  GivenDecided(
      Cmd("2025-05-10", Cal("1", CalDecisionRecorded::DECISION_INFORMED)));
  EXPECT_EQ(facts().phase, Phase::kAllocated);
}

TEST_F(LifecycleTest, LeaseOnANonAllocatedOffer) {
  Given(OfferAcceptedHistory());
  When(Cmd(kToday, Lease("1")));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

TEST_F(LifecycleTest, LeaseNamingARefusedOffer) {
  Given(Concat(ReadyForOffersHistory(),
               {Event(kOfferOn, Offer("1", kNotifiedOn, kDeadline)),
                Event("2025-03-20", Refuse("1"))}));
  When(Cmd(kToday, Lease("1")));
  ThenError(StatusCode::kFailedPrecondition, reason::kOfferNotInProgress,
            "lease.offer_id");
}

TEST_F(LifecycleTest, LeaseNamingAnotherOfferThanTheAllocatedOne) {
  Given(AllocatedHistory());
  When(Cmd(kToday, Lease("2")));
  ThenError(StatusCode::kFailedPrecondition, reason::kOfferNotFound,
            "lease.offer_id");
  When(Cmd(kToday, Lease("")));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "lease.offer_id");
}

TEST_F(LifecycleTest, LeaseWithoutOffer_ImportPath) {
  Given(ReadyForOffersHistory());
  When(Cmd(kToday, LeaseWithoutOffer()));
  CaseStep expected = LeaseWithoutOffer();
  expected.mutable_lease_signed()->set_reste_a_charge_cents(35000);
  ThenEvent(Event(kToday, expected));
}

TEST_F(LifecycleTest, FollowUpBeforeTheMove) {
  Given(LeaseSignedHistory());
  When(Cmd(kToday, FollowUp(relog::v1::FOLLOW_UP_MILESTONE_3_MONTHS)));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

// ---- Dates. ----

TEST_F(LifecycleTest, DateInTheFuture) {
  Given(IdentifiedHistory());
  When(Cmd("2026-06-16", Notice()));
  ThenError(StatusCode::kInvalidArgument, reason::kDateInFuture, "occurred_at");
  When(Cmd(kToday, Notice()));
  ThenAccepted();
}

TEST_F(LifecycleTest, NotificationDateInTheFuture) {
  Given(ReadyForOffersHistory());
  When(Cmd(kToday, Offer("", "2026-06-16", "2026-07-01")));
  ThenError(StatusCode::kInvalidArgument, reason::kDateInFuture,
            "offer.notified_on");
}

TEST_F(LifecycleTest, OfferNotificationAndDeadlineDates) {
  Given(ReadyForOffersHistory());
  When(Cmd(kOfferOn, Offer("", "2025-03-09", kDeadline)));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "offer.notified_on");
  When(Cmd(kOfferOn, Offer("", kNotifiedOn, kNotifiedOn)));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "offer.response_deadline");
  When(Cmd(kOfferOn, Offer("", "", kDeadline)));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldNotAllowed,
            "offer.response_deadline");
  When(Cmd(kOfferOn, Offer("", "2025-3-12", "")));
  ThenError(StatusCode::kInvalidArgument, reason::kInvalidDate,
            "offer.notified_on");
}

TEST_F(LifecycleTest, DateBeforePrerequisite) {
  struct Case {
    std::vector<CaseEvent> given;
    Command command;
  };
  const std::vector<Case> cases = {
      {IdentifiedHistory(), Cmd("2025-01-09", Diagnosis())},
      {DiagnosedHistory(), Cmd("2025-01-31", Committee())},
      {ReadyForOffersHistory(), Cmd("2025-02-28", Offer(""))},
      {OfferPendingHistory(), Cmd("2025-03-11", Accept("1"))},
      {OfferPendingHistory(), Cmd("2025-03-09", Withdraw("1"))},
      {OfferAcceptedHistory(), Cmd("2025-03-24", Cal("1"))},
      {AllocatedHistory(), Cmd("2025-04-09", Lease("1"))},
      {LeaseSignedHistory(), Cmd("2025-04-30", Move())},
      {RehousedHistory(), Cmd("2025-05-31", Keys())},
      {RehousedHistory(),
       Cmd("2025-05-31", FollowUp(relog::v1::FOLLOW_UP_MILESTONE_3_MONTHS))},
      {RehousedHistory(),
       Cmd("2025-05-31", Close(relog::v1::CASE_OUTCOME_REHOUSED))},
      {ClosedHistory(), Cmd("2025-06-19", Reopen())},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(CommandName(c.command.kind()));
    CaseState state = Fold(c.given);
    absl::StatusOr<Decision> decision = Decide(c.command, state, TestContext());
    ASSERT_FALSE(decision.ok());
    EXPECT_EQ(decision.status().code(), StatusCode::kFailedPrecondition)
        << decision.status();
    EXPECT_EQ(ErrorReason(decision.status()), reason::kDateBeforePrerequisite)
        << decision.status();
    EXPECT_EQ(GetErrorMetadata(decision.status())[meta::kField], "occurred_at");
  }
}

// ---- Values in range. ----

TEST_F(LifecycleTest, OfferValuesOutOfRange) {
  Given(ReadyForOffersHistory());
  struct Case {
    void (*mutate)(relog::v1::DwellingFacts&);
    const char* field;
  };
  const Case cases[] = {
      {[](relog::v1::DwellingFacts& f) { f.set_surface_m2(8.5); },
       "offer.dwelling.facts.surface_m2"},
      {[](relog::v1::DwellingFacts& f) { f.set_surface_m2(301); },
       "offer.dwelling.facts.surface_m2"},
      {[](relog::v1::DwellingFacts& f) { f.set_floor(-2); },
       "offer.dwelling.facts.floor"},
      {[](relog::v1::DwellingFacts& f) { f.set_floor(61); },
       "offer.dwelling.facts.floor"},
      {[](relog::v1::DwellingFacts& f) { f.set_rent_cents(-1); },
       "offer.dwelling.facts.rent_cents"},
      {[](relog::v1::DwellingFacts& f) { f.set_rent_cents(500001); },
       "offer.dwelling.facts.rent_cents"},
      {[](relog::v1::DwellingFacts& f) { f.set_charges_cents(200001); },
       "offer.dwelling.facts.charges_cents"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    CaseStep offer = Offer("", kNotifiedOn, kDeadline);
    c.mutate(*offer.mutable_offer_made()->mutable_dwelling()->mutable_facts());
    When(Cmd(kOfferOn, offer));
    ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange, c.field);
  }
  CaseStep offer = Offer("");
  offer.mutable_offer_made()->set_estimated_reste_a_charge_cents(800000);
  When(Cmd(kOfferOn, offer));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "offer.estimated_reste_a_charge_cents");
  offer = Offer("");
  offer.mutable_offer_made()->mutable_compliance()->clear_needs();
  When(Cmd(kOfferOn, offer));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "offer.compliance.needs");
  offer = Offer("");
  offer.mutable_offer_made()
      ->mutable_dwelling()
      ->mutable_facts()
      ->clear_typology();
  When(Cmd(kOfferOn, offer));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "offer.dwelling.facts.typology");
  // The bounds themselves are in range.
  offer = Offer("");
  offer.mutable_offer_made()
      ->mutable_dwelling()
      ->mutable_facts()
      ->set_surface_m2(9);
  offer.mutable_offer_made()->mutable_dwelling()->mutable_facts()->set_floor(
      -1);
  When(Cmd(kOfferOn, offer));
  ThenAccepted();
}

TEST_F(LifecycleTest, DiagnosisValuesOutOfRange) {
  Given(IdentifiedHistory());
  struct Case {
    void (*mutate)(relog::v1::DiagnosisRecorded&);
    const char* field;
  };
  const Case cases[] = {
      {[](relog::v1::DiagnosisRecorded& d) { d.set_adults(0); },
       "diagnosis.adults"},
      {[](relog::v1::DiagnosisRecorded& d) { d.set_adults(21); },
       "diagnosis.adults"},
      {[](relog::v1::DiagnosisRecorded& d) { d.set_children(-1); },
       "diagnosis.children"},
      {[](relog::v1::DiagnosisRecorded& d) { d.set_rent_cents(500001); },
       "diagnosis.rent_cents"},
      {[](relog::v1::DiagnosisRecorded& d) { d.set_charges_cents(-5); },
       "diagnosis.charges_cents"},
      {[](relog::v1::DiagnosisRecorded& d) {
         d.set_housing_allowance_cents(200001);
       },
       "diagnosis.housing_allowance_cents"},
      {[](relog::v1::DiagnosisRecorded& d) { d.set_monthly_income_cents(-1); },
       "diagnosis.monthly_income_cents"},
      {[](relog::v1::DiagnosisRecorded& d) {
         d.mutable_needs()->set_max_floor(61);
       },
       "diagnosis.needs.max_floor"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    CaseStep diagnosis = Diagnosis();
    c.mutate(*diagnosis.mutable_diagnosis_recorded());
    When(Cmd(kDiagnosedOn, diagnosis));
    ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange, c.field);
  }
  CaseStep diagnosis = Diagnosis();
  diagnosis.mutable_diagnosis_recorded()->clear_resource_band();
  When(Cmd(kDiagnosedOn, diagnosis));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "diagnosis.resource_band");
}

TEST_F(LifecycleTest, LeaseValuesOutOfRange) {
  Given(AllocatedHistory());
  CaseStep lease = Lease("1");
  lease.mutable_lease_signed()->set_housing_allowance_cents(-1);
  When(Cmd(kLeaseOn, lease));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "lease.housing_allowance_cents");
  lease = Lease("1");
  lease.mutable_lease_signed()->set_kind(relog::v1::LEASE_KIND_UNSPECIFIED);
  When(Cmd(kLeaseOn, lease));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired, "lease.kind");
}

TEST_F(LifecycleTest, IdentificationRequiredFields) {
  CaseStep step = Identification("");
  When(Cmd(kIdentifiedOn, step));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "household.reference");
  step = Identification(std::string(65, 'x'));
  When(Cmd(kIdentifiedOn, step));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "household.reference");
  step = Identification();
  step.mutable_household_identified()->clear_occupancy();
  When(Cmd(kIdentifiedOn, step));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "household.occupancy");
}

// ---- Unknown references. ----

TEST_F(LifecycleTest, UnknownReferences_Identification) {
  CaseStep step = Identification();
  step.mutable_household_identified()->set_operation_id("NPRU-NOWHERE");
  When(Cmd(kIdentifiedOn, step));
  ThenError(StatusCode::kInvalidArgument, reason::kReferenceNotFound,
            "household.operation_id");
  step = Identification();
  step.mutable_household_identified()->set_building_id("BAT-Z");
  When(Cmd(kIdentifiedOn, step));
  ThenError(StatusCode::kInvalidArgument, reason::kReferenceNotFound,
            "household.building_id");
  // The operation is valid from 2016.
  When(Cmd("2015-12-31", Identification()));
  ThenError(StatusCode::kInvalidArgument, reason::kReferenceNotFound,
            "household.operation_id");
}

TEST_F(LifecycleTest, UnknownReferences_Offer) {
  Given(ReadyForOffersHistory());
  struct Case {
    void (*mutate)(relog::v1::OfferMade&);
    const char* field;
  };
  const Case cases[] = {
      {[](relog::v1::OfferMade& o) {
         o.mutable_dwelling()->mutable_facts()->set_commune_insee("59999");
       },
       "offer.dwelling.facts.commune_insee"},
      {[](relog::v1::OfferMade& o) {
         o.mutable_dwelling()->mutable_facts()->set_landlord_id("999999999");
       },
       "offer.dwelling.facts.landlord_id"},
      {[](relog::v1::OfferMade& o) {
         o.mutable_dwelling()->mutable_facts()->set_quartier_code("QP059999");
       },
       "offer.dwelling.facts.quartier_code"},
      {[](relog::v1::OfferMade& o) {
         o.mutable_dwelling()->mutable_facts()->set_programme_id("PRG-X");
       },
       "offer.dwelling.facts.programme_id"},
      {[](relog::v1::OfferMade& o) { o.set_reservataire_id("RES-X"); },
       "offer.reservataire_id"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    CaseStep offer = Offer("");
    c.mutate(*offer.mutable_offer_made());
    When(Cmd(kOfferOn, offer));
    ThenError(StatusCode::kInvalidArgument, reason::kReferenceNotFound,
              c.field);
  }
  // A QPV of another commune than the dwelling's.
  CaseStep offer = Offer("");
  offer.mutable_offer_made()
      ->mutable_dwelling()
      ->mutable_facts()
      ->set_quartier_code(kQpv);
  When(Cmd(kOfferOn, offer));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "offer.dwelling.facts.quartier_code");
}

TEST_F(LifecycleTest, UnknownReferences_WishesAndHandOver) {
  Given(IdentifiedHistory());
  CaseStep wishes = Wishes();
  wishes.mutable_wishes_recorded()->add_communes_insee("59999");
  When(Cmd(kToday, wishes));
  ThenError(StatusCode::kInvalidArgument, reason::kReferenceNotFound,
            "wishes.communes_insee[2]");
}

TEST_F(LifecycleTest, UnknownReferences_HandOverCommune) {
  Given(RehousedHistory());
  CaseStep hand_over = HandOver();
  hand_over.mutable_follow_up_handed_over()->set_commune_insee("59999");
  When(Cmd(kToday, hand_over));
  ThenError(StatusCode::kInvalidArgument, reason::kReferenceNotFound,
            "hand_over.commune_insee");
}

TEST_F(LifecycleTest, PrivateSectorOffer_NoLandlordNorReservataire) {
  Given(ReadyForOffersHistory());
  CaseStep offer = Offer("", kNotifiedOn, kDeadline);
  auto* o = offer.mutable_offer_made();
  o->clear_reservataire_id();
  o->mutable_dwelling()->mutable_facts()->clear_landlord_id();
  o->mutable_dwelling()->mutable_facts()->clear_programme_id();
  o->mutable_dwelling()->mutable_facts()->set_financing(
      relog::v1::FINANCING_PRIVATE);
  When(Cmd(kOfferOn, offer));
  ThenAccepted();
  // A social one needs both.
  CaseStep social = Offer("");
  social.mutable_offer_made()->clear_reservataire_id();
  Given(Event("2025-03-20", Withdraw("1")));
  When(Cmd(kToday, social));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "offer.reservataire_id");
}

// ---- Closed cases and reopening. ----

TEST_F(LifecycleTest, ClosedCaseAcceptsOnlyReopenCorrectCancel) {
  Given(ClosedHistory());
  for (const Command& command :
       {Cmd(kToday, Notice()), Cmd(kToday, Offer("")),
        Cmd(kToday, FollowUp(relog::v1::FOLLOW_UP_MILESTONE_3_MONTHS)),
        Cmd(kToday, Keys()), Cmd(kToday, Departure()),
        Cmd(kToday, Close(relog::v1::CASE_OUTCOME_REHOUSED))}) {
    SCOPED_TRACE(CommandName(command.kind()));
    When(command);
    ThenError(StatusCode::kFailedPrecondition, reason::kCaseClosed);
  }
  When(CorrectCmd(kToday, Correction(0, std::nullopt, "2025-01-09")));
  EXPECT_TRUE(result().ok()) << result().status();
  When(CancelCmd(kToday, Cancellation(1)));
  EXPECT_TRUE(result().ok()) << result().status();
  When(Cmd(kToday, Reopen()));
  ThenEvent(Event(kToday, Reopen()));
}

TEST_F(LifecycleTest, ReopeningReturnsToThePhaseBeforeClosure) {
  struct Case {
    std::vector<CaseEvent> given;
    Phase before;
  };
  const std::vector<Case> cases = {
      {ClosedHistory(), Phase::kRehoused},
      {Concat(
           ExitedHistory(),
           {Event("2025-04-02", Close(relog::v1::CASE_OUTCOME_LEFT_ON_OWN))}),
       Phase::kExited},
      {Concat(DiagnosedHistory(),
              {Event("2025-02-02",
                     Close(relog::v1::CASE_OUTCOME_OPENED_IN_ERROR))}),
       Phase::kDiagnosed},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(PhaseName(c.before));
    CaseState state = Fold(c.given);
    ASSERT_EQ(state.facts.phase, Phase::kClosed);
    absl::StatusOr<Decision> decision =
        Decide(Cmd(kToday, Reopen()), state, TestContext());
    ASSERT_TRUE(decision.ok()) << decision.status();
    for (const CaseEvent& event : decision->events) {
      state = Evolve(state, event);
    }
    EXPECT_EQ(state.facts.phase, c.before);
    EXPECT_EQ(state.facts.outcome, relog::v1::CASE_OUTCOME_UNSPECIFIED);
    EXPECT_FALSE(state.facts.closed_on.has_value());
  }
}

TEST_F(LifecycleTest, ReopenedRehousedCaseGetsFollowUpAndClosesAgain) {
  Given(ClosedHistory());
  GivenDecided(Cmd("2025-09-01", Reopen()));
  GivenDecided(
      Cmd("2025-09-02", FollowUp(relog::v1::FOLLOW_UP_MILESTONE_3_MONTHS)));
  When(Cmd(kToday, Close(relog::v1::CASE_OUTCOME_REHOUSED)));
  ThenAccepted();
  EXPECT_EQ(facts().phase, Phase::kClosed);
}

TEST_F(LifecycleTest, ReopenRequiresAReason) {
  Given(ClosedHistory());
  CaseStep reopen = Reopen();
  reopen.mutable_case_reopened()->clear_reason();
  When(Cmd(kToday, reopen));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "reopening.reason");
}

// ---- Temporary, then definitive rehousing. ----

TEST_F(LifecycleTest, TemporaryThenDefinitiveRehousing) {
  Given(AllocatedHistory());
  GivenDecided(Cmd(kLeaseOn, Lease("1", relog::v1::LEASE_KIND_TEMPORARY)));
  EXPECT_EQ(facts().phase, Phase::kLeaseSigned);
  GivenDecided(Cmd(kMoveOn, Move()));
  EXPECT_EQ(facts().phase, Phase::kReadyForOffers);
  EXPECT_TRUE(facts().temporarily_rehoused());
  EXPECT_FALSE(facts().definitive_move_on.has_value());
  // The keys of the demolished dwelling go back after the temporary move.
  When(Cmd("2025-05-31", Keys()));
  ThenError(StatusCode::kFailedPrecondition, reason::kDateBeforePrerequisite);
  GivenDecided(Cmd("2025-06-03", Keys()));
  // A temporarily rehoused case is not closed as opened in error.
  When(Cmd(kToday, Close(relog::v1::CASE_OUTCOME_OPENED_IN_ERROR)));
  ThenError(StatusCode::kFailedPrecondition, reason::kOutcomeMismatch);
  When(Cmd(kToday, Close(relog::v1::CASE_OUTCOME_REHOUSED)));
  ThenError(StatusCode::kFailedPrecondition, reason::kOutcomeMismatch);

  When(Cmd("2025-09-01", Offer("", "2025-09-02", "2025-09-16")));
  ThenEvent(Event("2025-09-01", Offer("2", "2025-09-02", "2025-09-16")));
  ThenAccepted();
  GivenDecided(Cmd("2025-09-10", Accept("2")));
  GivenDecided(Cmd("2025-09-20", Cal("2")));
  When(Cmd("2025-10-01", Lease("2")));
  ThenEvent(Event("2025-10-01", LeaseAsRecorded("2")));
  ThenAccepted();
  GivenDecided(Cmd("2025-10-15", Move()));
  EXPECT_EQ(facts().phase, Phase::kRehoused);
  EXPECT_EQ(facts().definitive_move_on, Day("2025-10-15"));
  ASSERT_EQ(facts().leases.size(), 2u);
  EXPECT_EQ(facts().leases[0].lease.kind(), relog::v1::LEASE_KIND_TEMPORARY);
  EXPECT_EQ(facts().leases[1].lease.kind(), relog::v1::LEASE_KIND_DEFINITIVE);
  // Counted once: one definitive move; the keys once.
  int definitive_moves = 0;
  for (const auto& lease : facts().leases) {
    definitive_moves += lease.moved_on.has_value() &&
                        lease.lease.kind() == relog::v1::LEASE_KIND_DEFINITIVE;
  }
  EXPECT_EQ(definitive_moves, 1);
  When(Cmd(kToday, Keys()));
  ThenError(StatusCode::kFailedPrecondition, reason::kAlreadyRecorded);
  GivenDecided(Cmd(kToday, Close(relog::v1::CASE_OUTCOME_REHOUSED)));
  EXPECT_EQ(facts().outcome, relog::v1::CASE_OUTCOME_REHOUSED);
}

// The keys of the origin dwelling may go back at any time after the
// household moved out, also once its definitive lease is signed.
TEST_F(LifecycleTest, KeysAfterATemporaryMoveWhileTheDefinitiveLeaseWaits) {
  Given(AllocatedHistory());
  GivenDecided(Cmd(kLeaseOn, Lease("1", relog::v1::LEASE_KIND_TEMPORARY)));
  GivenDecided(Cmd(kMoveOn, Move()));
  GivenDecided(Cmd("2025-09-01", Offer("", "2025-09-02", "2025-09-16")));
  GivenDecided(Cmd("2025-09-10", Accept("2")));
  GivenDecided(Cmd("2025-09-20", Cal("2")));
  GivenDecided(Cmd("2025-10-01", Lease("2")));
  EXPECT_EQ(facts().phase, Phase::kLeaseSigned);
  When(Cmd("2025-10-02", Keys()));
  ThenAccepted();
}

// ---- The rent-reduction allowance (IML). ----

CaseStep ImlStep(relog::v1::RentReductionAllowanceRecorded::Status status) {
  CaseStep step;
  auto* iml = step.mutable_rent_reduction_allowance_recorded();
  iml->set_status(status);
  iml->set_amount_cents(400000);
  return step;
}

TEST_F(LifecycleTest, RentReductionAllowanceIsClaimedThenSettled) {
  using Iml = relog::v1::RentReductionAllowanceRecorded;
  Given(LeaseSignedHistory());
  When(Cmd(kToday, ImlStep(Iml::STATUS_CLAIMED)));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
  Given(RehousedHistory());
  When(Cmd(kToday, ImlStep(Iml::STATUS_PAID)));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
  When(Cmd(kToday, ImlStep(Iml::STATUS_CLAIMED)));
  ASSERT_TRUE(result().ok()) << result().status();
  // The claiming landlord is the definitive lease's.
  EXPECT_EQ(result()
                ->events[0]
                .step->rent_reduction_allowance_recorded()
                .landlord_id(),
            facts().leases.back().lease.dwelling().facts().landlord_id());
  GivenDecided(Cmd(kToday, ImlStep(Iml::STATUS_CLAIMED)));
  When(Cmd(kToday, ImlStep(Iml::STATUS_CLAIMED)));
  ThenError(StatusCode::kFailedPrecondition, reason::kAlreadyRecorded);
  CaseStep other_landlord = ImlStep(Iml::STATUS_PAID);
  other_landlord.mutable_rent_reduction_allowance_recorded()->set_landlord_id(
      "000000000");
  When(Cmd(kToday, other_landlord));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "allowance.landlord_id");
  GivenDecided(Cmd(kToday, ImlStep(Iml::STATUS_PAID)));
  EXPECT_EQ(facts().iml_status, Iml::STATUS_PAID);
  When(Cmd(kToday, ImlStep(Iml::STATUS_REJECTED)));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

// ---- Decohabitation. ----

TEST_F(LifecycleTest, DecohabitationOpensALinkedCase) {
  Given(DiagnosedHistory());
  When(DecohabitationCmd("2025-02-15", "case-2"));
  ThenEvent(Event("2025-02-15", Decohabitation("case-2")));
  ASSERT_TRUE(result().ok());
  ASSERT_TRUE(result()->opened.has_value());
  EXPECT_EQ(result()->opened->case_id, "case-2");
  CaseStep opened;
  auto* id = opened.mutable_household_identified();
  *id = NewHousehold();
  id->set_operation_id(kOperation);
  id->set_building_id(kBuilding);
  *id->mutable_origin() = OriginDwelling();
  id->set_parent_case_id(kCaseId);
  ASSERT_EQ(result()->opened->events.size(), 1u);
  EXPECT_EQ(EventDiff(Event("2025-02-15", opened), result()->opened->events[0]),
            "");
  ThenAccepted();
  EXPECT_EQ(facts().decohabitation_case_ids,
            std::vector<std::string>{"case-2"});
  EXPECT_EQ(facts().phase, Phase::kDiagnosed);
  // The new case folds to an identified household of its own.
  CaseState child = Fold(result()->opened->events);
  EXPECT_EQ(child.facts.phase, Phase::kIdentified);
  EXPECT_EQ(child.facts.identification.parent_case_id(), kCaseId);
}

TEST_F(LifecycleTest, DecohabitationNeedsIdAndNewHousehold) {
  Given(DiagnosedHistory());
  When(DecohabitationCmd(kToday, ""));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "new_case_id");
  Command command = DecohabitationCmd(kToday, "case-2");
  command.new_household.clear_reference();
  When(command);
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "new_household.reference");
  command = DecohabitationCmd(kToday, "case-2");
  command.new_household.clear_occupancy();
  When(command);
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "new_household.occupancy");
}

TEST_F(LifecycleTest, ParentCaseIdIsSetByRelogOnly) {
  CaseStep step = Identification();
  step.mutable_household_identified()->set_parent_case_id("case-0");
  When(Cmd(kIdentifiedOn, step));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldNotAllowed,
            "household.parent_case_id");
}

TEST_F(LifecycleTest, DecohabitationAfterTheMove) {
  Given(RehousedHistory());
  When(DecohabitationCmd(kToday, "case-2"));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

// ---- Exits. ----

TEST_F(LifecycleTest, ExitsCloseWithTheMatchingOutcomeOnly) {
  using relog::v1::CaseOutcome;
  struct Case {
    CaseStep exit;
    CaseOutcome outcome;
  };
  const Case cases[] = {
      {Departure(), relog::v1::CASE_OUTCOME_LEFT_ON_OWN},
      {Death(), relog::v1::CASE_OUTCOME_DECEASED},
      {Eviction(), relog::v1::CASE_OUTCOME_EVICTED},
  };
  const CaseOutcome all[] = {
      relog::v1::CASE_OUTCOME_REHOUSED, relog::v1::CASE_OUTCOME_LEFT_ON_OWN,
      relog::v1::CASE_OUTCOME_DECEASED, relog::v1::CASE_OUTCOME_EVICTED,
      relog::v1::CASE_OUTCOME_OPENED_IN_ERROR};
  for (const Case& c : cases) {
    for (const auto& given :
         {IdentifiedHistory(), OfferPendingHistory(), LeaseSignedHistory()}) {
      CaseState state = Fold(given);
      SCOPED_TRACE(absl::StrCat(PhaseName(state.facts.phase), " then ",
                                relog::v1::CaseOutcome_Name(c.outcome)));
      absl::StatusOr<Decision> exit =
          Decide(Cmd("2025-06-15", c.exit), state, TestContext());
      ASSERT_TRUE(exit.ok()) << exit.status();
      state = Evolve(state, exit->events[0]);
      EXPECT_EQ(state.facts.phase, Phase::kExited);
      EXPECT_EQ(state.facts.exited_on, Day("2025-06-15"));
      for (CaseOutcome outcome : all) {
        absl::StatusOr<Decision> close =
            Decide(Cmd(kToday, Close(outcome)), state, TestContext());
        if (outcome == c.outcome) {
          EXPECT_TRUE(close.ok()) << close.status();
        } else {
          ASSERT_FALSE(close.ok()) << relog::v1::CaseOutcome_Name(outcome);
          EXPECT_EQ(ErrorReason(close.status()), reason::kOutcomeMismatch);
          EXPECT_EQ(GetErrorMetadata(close.status())[meta::kField],
                    "closure.outcome");
        }
      }
    }
  }
}

TEST_F(LifecycleTest, ExitedCaseAcceptsOnlyKeysClosureAndCorrections) {
  Given(ExitedHistory());
  When(Cmd(kToday, Death()));
  ThenError(StatusCode::kFailedPrecondition, reason::kCaseExited);
  When(Cmd(kToday, Offer("")));
  ThenError(StatusCode::kFailedPrecondition, reason::kCaseExited);
  When(Cmd("2025-03-31", Keys()));
  ThenError(StatusCode::kFailedPrecondition, reason::kDateBeforePrerequisite);
  When(Cmd(kDepartureOn, Keys()));
  ThenAccepted();
}

TEST_F(LifecycleTest, NoExitAfterTheDefinitiveMove) {
  Given(RehousedHistory());
  When(Cmd(kToday, Death()));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

TEST_F(LifecycleTest, DepartureValues) {
  Given(IdentifiedHistory());
  CaseStep departure = Departure();
  departure.mutable_household_left()->clear_destination();
  When(Cmd(kToday, departure));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "departure.destination");
  departure = Departure();
  departure.mutable_household_left()->set_commune_insee("620");
  When(Cmd(kToday, departure));
  ThenError(StatusCode::kInvalidArgument, reason::kValueOutOfRange,
            "departure.commune_insee");
}

TEST_F(LifecycleTest, OpenedInErrorOnlyBeforeAnyOffer) {
  for (const auto& given :
       {IdentifiedHistory(), DiagnosedHistory(), ReadyForOffersHistory()}) {
    CaseState state = Fold(given);
    SCOPED_TRACE(PhaseName(state.facts.phase));
    EXPECT_TRUE(
        Decide(Cmd(kToday, Close(relog::v1::CASE_OUTCOME_OPENED_IN_ERROR)),
               state, TestContext())
            .ok());
    absl::StatusOr<Decision> wrong =
        Decide(Cmd(kToday, Close(relog::v1::CASE_OUTCOME_REHOUSED)), state,
               TestContext());
    EXPECT_EQ(ErrorReason(wrong.status()), reason::kOutcomeMismatch);
  }
  // Back to READY_FOR_OFFERS after a refused offer: the case had an offer.
  Given(Concat(OfferPendingHistory(), {Event("2025-03-20", Refuse("1"))}));
  ASSERT_EQ(facts().phase, Phase::kReadyForOffers);
  When(Cmd(kToday, Close(relog::v1::CASE_OUTCOME_OPENED_IN_ERROR)));
  ThenError(StatusCode::kFailedPrecondition, reason::kOutcomeMismatch);
}

TEST_F(LifecycleTest, RehousedClosesAsRehousedOnly) {
  Given(RehousedHistory());
  When(Cmd(kToday, Close(relog::v1::CASE_OUTCOME_OPENED_IN_ERROR)));
  ThenError(StatusCode::kFailedPrecondition, reason::kOutcomeMismatch,
            "closure.outcome");
  When(Cmd(kToday, Close(relog::v1::CASE_OUTCOME_UNSPECIFIED)));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "closure.outcome");
}

TEST_F(LifecycleTest, NoClosureWhileAnOfferIsInProgress) {
  Given(OfferPendingHistory());
  When(Cmd(kToday, Close(relog::v1::CASE_OUTCOME_OPENED_IN_ERROR)));
  ThenError(StatusCode::kFailedPrecondition, reason::kStepOutOfOrder);
}

// ---- Once-only steps, consent. ----

TEST_F(LifecycleTest, NoticeTwice) {
  Given(IdentifiedHistory());
  GivenDecided(Cmd("2025-01-12", Notice()));
  When(Cmd(kToday, Notice()));
  ThenError(StatusCode::kFailedPrecondition, reason::kAlreadyRecorded);
}

TEST_F(LifecycleTest, FollowUpMilestoneTwice) {
  Given(RehousedHistory());
  GivenDecided(
      Cmd("2025-09-01", FollowUp(relog::v1::FOLLOW_UP_MILESTONE_3_MONTHS)));
  When(Cmd(kToday, FollowUp(relog::v1::FOLLOW_UP_MILESTONE_3_MONTHS)));
  ThenError(StatusCode::kFailedPrecondition, reason::kAlreadyRecorded);
  When(Cmd(kToday, FollowUp(relog::v1::FOLLOW_UP_MILESTONE_6_MONTHS)));
  ThenAccepted();
  When(Cmd(kToday, FollowUp(relog::v1::FOLLOW_UP_MILESTONE_UNSPECIFIED)));
  ThenError(StatusCode::kInvalidArgument, reason::kFieldRequired,
            "follow_up.milestone");
}

TEST_F(LifecycleTest, HandOverWithoutConsent) {
  Given(Concat(AllocatedHistory(), {Event(kLeaseOn, LeaseAsRecorded("1")),
                                    Event(kMoveOn, Move())}));
  When(Cmd(kToday, HandOver()));
  ThenError(StatusCode::kFailedPrecondition, reason::kConsentRequired);
  GivenDecided(Cmd("2025-06-10", Consent(false)));
  When(Cmd(kToday, HandOver()));
  ThenError(StatusCode::kFailedPrecondition, reason::kConsentRequired);
  // The latest answer stands.
  GivenDecided(Cmd("2025-06-11", Consent(true)));
  GivenDecided(Cmd("2025-06-12", HandOver()));
  When(Cmd(kToday, HandOver()));
  ThenError(StatusCode::kFailedPrecondition, reason::kAlreadyRecorded);
}

TEST_F(LifecycleTest, EndFollowUpTwice_VisitTwice) {
  Given(RehousedHistory());
  GivenDecided(Cmd("2026-06-01", EndFollowUp()));
  When(Cmd(kToday, EndFollowUp()));
  ThenError(StatusCode::kFailedPrecondition, reason::kAlreadyRecorded);

  CaseState pending =
      Fold(Concat(OfferPendingHistory(), {Event("2025-03-20", Visit("1"))}));
  absl::StatusOr<Decision> again =
      Decide(Cmd(kToday, Visit("1")), pending, TestContext());
  EXPECT_EQ(ErrorReason(again.status()), reason::kAlreadyRecorded);
}

}  // namespace
}  // namespace relog::cases::testing
