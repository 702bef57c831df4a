// Who a case concerns after each step (DOMAIN.md, "A landlord is party to
// a case from the event that names it"): the demolishing landlord and the
// commune of origin from the identification; a receiving landlord and its
// commune while its offer stands; none of them once the offer ends without
// a lease or is cancelled; a corrected identification names the new
// landlord only.
#include "services/cases/case_parties.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cases/case_given_when_then.h"

namespace relog::cases::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

CaseParties After(const std::vector<CaseEvent>& events) {
  CaseState state;
  for (const CaseEvent& event : events) state = Evolve(std::move(state), event);
  return PartiesOf(state.facts);
}

TEST(CasePartiesTest, NoOneBeforeTheIdentification) {
  const CaseParties parties = After({});
  EXPECT_EQ(parties.operation_id, "");
  EXPECT_THAT(parties.landlords, IsEmpty());
  EXPECT_THAT(parties.communes, IsEmpty());
}

TEST(CasePartiesTest, TheIdentificationNamesOperationLandlordAndCommune) {
  const CaseParties parties = After(ReadyForOffersHistory());
  EXPECT_EQ(parties.operation_id, kOperation);
  EXPECT_THAT(parties.landlords, ElementsAre(kLandlord1));
  EXPECT_THAT(parties.communes, ElementsAre(kCommuneA));
}

TEST(CasePartiesTest, AnOfferAddsItsLandlordAndCommuneWhileItStands) {
  std::vector<CaseEvent> history =
      Concat(ReadyForOffersHistory(),
             {Event(kOfferOn, Offer("1", kNotifiedOn, kDeadline, kCommuneC))});
  EXPECT_THAT(After(history).landlords, ElementsAre(kLandlord1, kLandlord2));
  EXPECT_THAT(After(history).communes, ElementsAre(kCommuneA, kCommuneC));

  history.push_back(Event(kAcceptedOn, Accept("1")));
  history.push_back(Event(kCalOn, Cal("1")));
  history.push_back(
      Event(kLeaseOn,
            LeaseAsRecorded("1", relog::v1::LEASE_KIND_DEFINITIVE, kCommuneC)));
  history.push_back(Event(kMoveOn, Move()));
  // Leased: the receiving landlord stays a party for the follow-up.
  EXPECT_THAT(After(history).landlords, ElementsAre(kLandlord1, kLandlord2));
  EXPECT_THAT(After(history).communes, ElementsAre(kCommuneA, kCommuneC));
}

TEST(CasePartiesTest, AnOfferEndedWithoutLeaseNoLongerNamesItsLandlord) {
  for (const CaseStep& end :
       {Refuse("1"), Withdraw("1"),
        Cal("1", relog::v1::CalDecisionRecorded::DECISION_REFUSED)}) {
    std::vector<CaseEvent> history =
        Concat(ReadyForOffersHistory(),
               {Event(kOfferOn, Offer("1", kNotifiedOn, kDeadline))});
    if (end.has_cal_decision_recorded()) {
      history.push_back(Event(kAcceptedOn, Accept("1")));
    }
    history.push_back(Event(kCalOn, end));
    EXPECT_THAT(After(history).landlords, ElementsAre(kLandlord1))
        << end.DebugString();
    EXPECT_THAT(After(history).communes, ElementsAre(kCommuneA))
        << end.DebugString();
  }
}

TEST(CasePartiesTest, ACancelledOfferNoLongerNamesItsLandlord) {
  std::vector<CaseEvent> history =
      Concat(ReadyForOffersHistory(),
             {Event(kOfferOn, Offer("1", kNotifiedOn, kDeadline))});
  const uint64_t offer_version = history.size() - 1;
  history.push_back(
      CancellationEvent(kAcceptedOn, Cancellation(offer_version)));
  EXPECT_THAT(After(history).landlords, ElementsAre(kLandlord1));
}

TEST(CasePartiesTest, ALeaseWithoutOfferNamesItsDwellingsLandlord) {
  const std::vector<CaseEvent> history =
      Concat(IdentifiedHistory(), {Event(kLeaseOn, LeaseWithoutOffer())});
  EXPECT_THAT(After(history).landlords, ElementsAre(kLandlord1, kLandlord2));
}

TEST(CasePartiesTest, ACorrectedIdentificationNamesTheNewLandlordOnly) {
  std::vector<CaseEvent> history = IdentifiedHistory();
  CaseStep corrected = Identification();
  corrected.mutable_household_identified()
      ->mutable_origin()
      ->mutable_facts()
      ->set_landlord_id(kLandlord2);
  history.push_back(CorrectionEvent(kWishesOn, Correction(0, corrected)));
  EXPECT_THAT(After(history).landlords, ElementsAre(kLandlord2));
}

}  // namespace
}  // namespace relog::cases::testing
