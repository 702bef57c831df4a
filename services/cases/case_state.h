// The state of one household's case, folded from its events (evolve), and
// what decide() reads. Pure: no I/O.
#ifndef RELOG_SERVICES_CASES_CASE_STATE_H_
#define RELOG_SERVICES_CASES_CASE_STATE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "relog/v1/case_events.pb.h"
#include "services/cases/event_codec.h"

namespace relog::cases {

// Where a case stands in the process. Derived from its effective steps
// (after corrections); docs/STATES.md lists what each one allows.
enum class Phase {
  kNone,            // no event yet
  kIdentified,      // identification recorded, no diagnosis yet
  kDiagnosed,       // diagnosis recorded, not validated by the committee
  kReadyForOffers,  // validated by the committee, no offer in progress
  kOfferPending,    // an offer awaits the household's answer
  kOfferAccepted,   // accepted, awaiting the CAL
  kAllocated,       // the CAL allocated the dwelling, awaiting the lease
  kLeaseSigned,     // a lease is signed, awaiting the move
  kRehoused,        // moved under a definitive lease
  kExited,          // left on its own, deceased or evicted
  kClosed,
};
inline constexpr Phase kAllPhases[] = {
    Phase::kNone,           Phase::kIdentified,   Phase::kDiagnosed,
    Phase::kReadyForOffers, Phase::kOfferPending, Phase::kOfferAccepted,
    Phase::kAllocated,      Phase::kLeaseSigned,  Phase::kRehoused,
    Phase::kExited,         Phase::kClosed};

// "IDENTIFIED", "OFFER_PENDING", … (the API's Case.State names).
const char* PhaseName(Phase phase);

// One offer and what became of it.
struct OfferState {
  enum class Status {
    kPending,
    kAccepted,
    kRefused,     // by the household
    kLapsed,      // no answer by the deadline
    kWithdrawn,   // by the landlord
    kCalRefused,  // accepted, then refused by the CAL
    kAllocated,   // accepted and allocated by the CAL
    kLeased,      // a lease was signed on it
  };
  std::string id;
  uint64_t version = 0;  // of the OfferMade event
  absl::CivilDay made_on;
  relog::v1::OfferMade offer;
  // offer.notified_on parsed once when the offer is folded (nullopt: not
  // notified, or not a date), since Counted() runs after every step.
  std::optional<absl::CivilDay> notified_on;
  Status status = Status::kPending;
  bool visited = false;
  std::optional<absl::CivilDay> answered_on;     // accepted/refused/lapsed
  std::optional<absl::CivilDay> cal_decided_on;  // last CAL decision
  relog::v1::CalDecisionRecorded::Decision last_cal_decision =
      relog::v1::CalDecisionRecorded::DECISION_UNSPECIFIED;

  // Counts towards the three offers: attested compliant on every legal
  // criterion (needs, means, location), notified, then refused or
  // unanswered past its deadline (DOMAIN.md "Three offers": "three offers
  // meeting the legal criteria").
  bool Counted() const;
};
const char* OfferStatusName(OfferState::Status status);

// One step as it stands after corrections.
struct EffectiveStep {
  uint64_t version = 0;
  absl::CivilDay occurred_on;
  relog::v1::CaseStep step;
  bool cancelled = false;
  int corrections = 0;
};

// What the case's effective steps add up to.
struct CaseFacts {
  Phase phase = Phase::kNone;
  // Set while the case is closed: the phase it had before closure, to
  // which a reopening returns.
  Phase phase_before_closure = Phase::kNone;

  relog::v1::HouseholdIdentified identification;
  absl::CivilDay identified_on;
  std::optional<absl::CivilDay> notice_sent_on;
  std::optional<relog::v1::DiagnosisRecorded> diagnosis;
  std::optional<absl::CivilDay> diagnosed_on;
  std::optional<absl::CivilDay> wishes_on;
  std::optional<absl::CivilDay> committee_validated_on;
  std::optional<absl::CivilDay> committee_last_on;

  std::vector<OfferState> offers;  // in the order made
  // The legal procedure (three counted offers): set from the third counted
  // offer's notification date. Its end (+6 months) is derived, not stored.
  std::optional<absl::CivilDay> legal_procedure_since;
  std::string legal_procedure_offer_id;

  struct Lease {
    relog::v1::LeaseSigned lease;
    absl::CivilDay signed_on;
    std::optional<absl::CivilDay> moved_on;
  };
  std::vector<Lease> leases;  // temporary ones first, then the definitive
  std::optional<absl::CivilDay> keys_returned_on;
  std::optional<absl::CivilDay> definitive_move_on;

  std::map<relog::v1::FollowUpMilestone, absl::CivilDay> follow_ups;
  std::optional<bool> follow_up_consent;
  std::optional<absl::CivilDay> follow_up_handed_over_on;
  std::optional<absl::CivilDay> follow_up_ended_on;
  // The IML's latest status, if claimed.
  std::optional<relog::v1::RentReductionAllowanceRecorded::Status> iml_status;

  // Left on its own, deceased, evicted: the exit step's case and date.
  relog::v1::CaseStep::StepCase exit = relog::v1::CaseStep::STEP_NOT_SET;
  std::optional<absl::CivilDay> exited_on;
  std::vector<std::string> decohabitation_case_ids;
  relog::v1::CaseOutcome outcome = relog::v1::CASE_OUTCOME_UNSPECIFIED;
  std::optional<absl::CivilDay> closed_on;
  // The latest business date of any effective step.
  std::optional<absl::CivilDay> last_step_on;

  const OfferState* FindOffer(const std::string& id) const;
  OfferState* FindOffer(const std::string& id);
  // The offer in progress (pending, accepted, allocated), if any.
  const OfferState* CurrentOffer() const;
  int CountedOffers() const;
  bool temporarily_rehoused() const;
  // Moved out of the origin dwelling (under any lease).
  bool moved_out() const;
  bool closed() const { return phase == Phase::kClosed; }
};

struct CaseState {
  std::string case_id;
  // Number of events in the stream (the next event's version).
  uint64_t event_count = 0;
  // Every step by version, after corrections and cancellations.
  std::map<uint64_t, EffectiveStep> steps;
  CaseFacts facts;

  bool exists() const { return event_count > 0; }
  // The stream version of the last event (event_count - 1); 0 if none.
  uint64_t version() const { return event_count == 0 ? 0 : event_count - 1; }
};

// The end of any right to occupy: six months after the third counted
// offer was notified (CCH L.353-15), on the same day of the month or the
// month's last day. Derived, never stored (DOMAIN.md "Three offers").
absl::CivilDay LegalProcedureEnd(absl::CivilDay third_offer_notified);

// Folds one step into `facts` (evolve for a step). Never fails: a recorded
// step is a fact.
void ApplyStep(CaseFacts& facts, const EffectiveStep& step);

// Folds every non-cancelled step in version order from empty facts.
CaseFacts FoldSteps(const std::map<uint64_t, EffectiveStep>& steps);

// evolve(state, event): the event is the stream's next one.
CaseState Evolve(CaseState state, const CaseEvent& event);

}  // namespace relog::cases

#endif  // RELOG_SERVICES_CASES_CASE_STATE_H_
