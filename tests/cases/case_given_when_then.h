// Given / When / Then for the case domain: Given(events) folds events with
// Evolve, When(command) calls Decide on the folded state with a fixed today
// and a small hand-built reference data set, Then checks the events decided
// or the error (code, ErrorInfo reason, field).
//
// The reference data (TestReference()) is tiny on purpose:
//   communes A (Lille, 59350), B (Loos, 59360) adjacent to A, and C
//   (Roubaix, 59512) adjacent to neither; one QPV (QP059001) in A; two
//   landlords (L1 demolishes, L2 receives); one réservataire (the State);
//   one NPRU operation in A with one building in the QPV (landlord L1); one
//   new-build programme of L2 in B.
#ifndef RELOG_TESTS_CASES_CASE_GIVEN_WHEN_THEN_H_
#define RELOG_TESTS_CASES_CASE_GIVEN_WHEN_THEN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "relog/v1/case_events.pb.h"
#include "services/cases/case_state.h"
#include "services/cases/commands.h"
#include "services/cases/decide.h"
#include "services/cases/event_codec.h"
#include "services/reference/reference_data.h"

namespace relog::cases::testing {

using relog::v1::CaseStep;

// Today for every When: 2026-06-15 (Europe/Paris).
inline constexpr char kToday[] = "2026-06-15";

// Reference ids.
inline constexpr char kCommuneA[] = "59350";  // Lille: origin
inline constexpr char kCommuneB[] = "59360";  // Loos: adjacent to A
inline constexpr char kCommuneC[] = "59512";  // Roubaix: not adjacent to A
inline constexpr char kQpv[] = "QP059001";    // in A
inline constexpr char kLandlord1[] = "111111111";
inline constexpr char kLandlord2[] = "222222222";
inline constexpr char kReservataire[] = "RES-ETAT-59";
inline constexpr char kOperation[] = "NPRU-LILLE-01";
inline constexpr char kBuilding[] = "BAT-A";
inline constexpr char kProgramme[] = "PRG-LOOS-01";
inline constexpr char kCaseId[] = "case-1";

// The dates of the canonical history (every one before kToday).
inline constexpr char kIdentifiedOn[] = "2025-01-10";
inline constexpr char kWishesOn[] = "2025-01-20";
inline constexpr char kDiagnosedOn[] = "2025-02-01";
inline constexpr char kCommitteeOn[] = "2025-03-01";
inline constexpr char kOfferOn[] = "2025-03-10";
inline constexpr char kNotifiedOn[] = "2025-03-12";
inline constexpr char kDeadline[] = "2025-03-26";
inline constexpr char kAcceptedOn[] = "2025-03-25";
inline constexpr char kCalOn[] = "2025-04-10";
inline constexpr char kLeaseOn[] = "2025-05-01";
inline constexpr char kConsentOn[] = "2025-05-02";
inline constexpr char kMoveOn[] = "2025-06-01";
inline constexpr char kDepartureOn[] = "2025-04-01";
inline constexpr char kClosedOn[] = "2025-06-20";

// "YYYY-MM-DD" → CivilDay; a test failure (and 1970-01-01) when malformed.
absl::CivilDay Day(const std::string& ymd);

// The hand-built reference data described above.
const reference::ReferenceData& TestReference();
DecideContext TestContext();

// ---- Steps (the body of a command, or of an event). ----
// The origin dwelling (building BAT-A: L1, commune A, QPV).
relog::v1::Dwelling OriginDwelling();
// A new-build T3 of L2 in `commune` (no QPV), programme kProgramme when in
// B; rent 420 €, charges 80 €.
relog::v1::Dwelling OfferedDwelling(const std::string& commune = kCommuneB);

CaseStep Identification(const std::string& reference = "MEL-2025-0001");
CaseStep Notice();
// 2 adults, 2 children; rent 450 €, charges 80 €, allowance 200 € (reste à
// charge 330 €, filled in as relog computes it).
CaseStep Diagnosis();
CaseStep Wishes();
CaseStep Committee(relog::v1::CommitteeReviewed::Decision decision =
                       relog::v1::CommitteeReviewed::DECISION_VALIDATED);
// An offer of OfferedDwelling(commune), every criterion attested
// compliant; notified_on/response_deadline only when given. `id` is what
// relog assigns ("1" for the first offer); Decide overwrites it.
CaseStep Offer(const std::string& id, const std::string& notified_on = "",
               const std::string& deadline = "",
               const std::string& commune = kCommuneB);
CaseStep Visit(const std::string& offer_id);
CaseStep Accept(const std::string& offer_id);
CaseStep Refuse(const std::string& offer_id);
CaseStep Lapse(const std::string& offer_id);
CaseStep Withdraw(const std::string& offer_id);
CaseStep Cal(const std::string& offer_id,
             relog::v1::CalDecisionRecorded::Decision decision =
                 relog::v1::CalDecisionRecorded::DECISION_ALLOCATED);
// A lease on `offer_id`: rent 420 €, charges 80 €, allowance 150 €; the
// dwelling is left out (relog copies the offer's).
CaseStep Lease(const std::string& offer_id,
               relog::v1::LeaseKind kind = relog::v1::LEASE_KIND_DEFINITIVE);
// A lease recorded without an offer (the import path): dwelling in full.
CaseStep LeaseWithoutOffer(
    relog::v1::LeaseKind kind = relog::v1::LEASE_KIND_DEFINITIVE);
// What Decide makes of Lease(offer_id) when the offer is
// Offer(offer_id, …, commune): dwelling and réservataire copied, reste à
// charge computed.
CaseStep LeaseAsRecorded(
    const std::string& offer_id,
    relog::v1::LeaseKind kind = relog::v1::LEASE_KIND_DEFINITIVE,
    const std::string& commune = kCommuneB);
CaseStep Move();
CaseStep Keys();
CaseStep FollowUp(relog::v1::FollowUpMilestone milestone);
CaseStep Consent(bool given = true);
CaseStep HandOver();
CaseStep EndFollowUp();
CaseStep Departure();
CaseStep Death();
CaseStep Eviction();
CaseStep Decohabitation(const std::string& new_case_id);
CaseStep Close(relog::v1::CaseOutcome outcome);
CaseStep Reopen();

relog::v1::HouseholdIdentified NewHousehold();

// ---- Events and commands. ----
CaseEvent Event(const std::string& day, const CaseStep& step);
CaseEvent CorrectionEvent(const std::string& day,
                          const relog::v1::StepCorrected& correction);
CaseEvent CancellationEvent(const std::string& day,
                            const relog::v1::StepCancelled& cancellation);
Command Cmd(const std::string& day, const CaseStep& step);
// A correction of `version` with new values (unless null) and/or a new
// date (unless empty).
relog::v1::StepCorrected Correction(uint64_t version,
                                    const std::optional<CaseStep>& replacement,
                                    const std::string& new_date = "");
relog::v1::StepCancelled Cancellation(uint64_t version);
Command CorrectCmd(const std::string& day,
                   const relog::v1::StepCorrected& correction);
Command CancelCmd(const std::string& day,
                  const relog::v1::StepCancelled& cancellation);
Command DecohabitationCmd(const std::string& day,
                          const std::string& new_case_id);

// Decides `commands` one after the other from an empty case and returns
// the events (a test failure if one is refused). Histories built this way
// are exactly what relog would have recorded.
std::vector<CaseEvent> Record(const std::vector<Command>& commands);
std::vector<CaseEvent> Concat(std::vector<CaseEvent> a,
                              const std::vector<CaseEvent>& b);

// ---- Canonical histories, one per phase (see the dates above). ----
std::vector<CaseEvent> IdentifiedHistory();      // identification, wishes
std::vector<CaseEvent> DiagnosedHistory();       // + diagnosis
std::vector<CaseEvent> ReadyForOffersHistory();  // + committee validated
std::vector<CaseEvent> OfferPendingHistory();    // + offer 1 notified
std::vector<CaseEvent> OfferAcceptedHistory();   // + accepted
std::vector<CaseEvent> AllocatedHistory();       // + CAL allocated
std::vector<CaseEvent> LeaseSignedHistory();     // + definitive lease, consent
std::vector<CaseEvent> RehousedHistory();        // + move
std::vector<CaseEvent> ExitedHistory();          // ready, then departure
std::vector<CaseEvent> ClosedHistory();          // rehoused, then closed
std::vector<CaseEvent> HistoryFor(Phase phase);

// Folds `events` with Evolve from an empty case kCaseId.
CaseState Fold(const std::vector<CaseEvent>& events);

// "2025-03-12 OfferMade { … }" for messages.
std::string Describe(const CaseEvent& event);
// Empty when equal; otherwise what differs.
std::string EventDiff(const CaseEvent& expected, const CaseEvent& actual);

class CaseTest : public ::testing::Test {
 protected:
  // Appends `events` to the case's history and folds them.
  void Given(const std::vector<CaseEvent>& events);
  void Given(const CaseEvent& event) { Given(std::vector<CaseEvent>{event}); }
  void When(const Command& command);
  // Decides `command` and, when accepted, appends its events (a step that
  // must pass on the way to the state under test).
  void GivenDecided(const Command& command);

  // The decision's events are exactly `expected`.
  void ThenEvents(const std::vector<CaseEvent>& expected);
  void ThenEvent(const CaseEvent& expected) {
    ThenEvents(std::vector<CaseEvent>{expected});
  }
  // The command was refused with `code`, ErrorInfo `reason` and, when not
  // empty, the metadata field `field`.
  void ThenError(absl::StatusCode code, const std::string& reason,
                 const std::string& field = "");
  // The command was accepted; its events appended to the history.
  void ThenAccepted();

  const CaseState& state() const { return state_; }
  const CaseFacts& facts() const { return state_.facts; }
  const std::vector<CaseEvent>& history() const { return history_; }
  const absl::StatusOr<Decision>& result() const { return *result_; }

 private:
  std::vector<CaseEvent> history_;
  CaseState state_ = Fold({});
  std::optional<absl::StatusOr<Decision>> result_;
};

}  // namespace relog::cases::testing

#endif  // RELOG_TESTS_CASES_CASE_GIVEN_WHEN_THEN_H_
