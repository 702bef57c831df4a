#include "services/cases/case_state.h"

#include <algorithm>
#include <utility>

namespace relog::cases {
namespace {

using relog::v1::CalDecisionRecorded;
using relog::v1::CaseStep;

// Phase after an offer ends without a lease: back to looking for another.
Phase PhaseWithoutOffer(const CaseFacts& facts) {
  if (facts.committee_validated_on.has_value()) return Phase::kReadyForOffers;
  if (facts.diagnosis.has_value()) return Phase::kDiagnosed;
  return Phase::kIdentified;
}

void UpdateLegalProcedure(CaseFacts& facts) {
  facts.legal_procedure_since.reset();
  facts.legal_procedure_offer_id.clear();
  int counted = 0;
  for (const OfferState& offer : facts.offers) {
    if (!offer.Counted()) continue;
    if (++counted == 3) {
      // Counted() guarantees a notification date.
      facts.legal_procedure_since = offer.notified_on;
      facts.legal_procedure_offer_id = offer.id;
      return;
    }
  }
}

}  // namespace

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kNone:
      return "NONE";
    case Phase::kIdentified:
      return "IDENTIFIED";
    case Phase::kDiagnosed:
      return "DIAGNOSED";
    case Phase::kReadyForOffers:
      return "READY_FOR_OFFERS";
    case Phase::kOfferPending:
      return "OFFER_PENDING";
    case Phase::kOfferAccepted:
      return "OFFER_ACCEPTED";
    case Phase::kAllocated:
      return "ALLOCATED";
    case Phase::kLeaseSigned:
      return "LEASE_SIGNED";
    case Phase::kRehoused:
      return "REHOUSED";
    case Phase::kExited:
      return "EXITED";
    case Phase::kClosed:
      return "CLOSED";
  }
  return "UNKNOWN";
}

const char* OfferStatusName(OfferState::Status status) {
  switch (status) {
    case OfferState::Status::kPending:
      return "PENDING";
    case OfferState::Status::kAccepted:
      return "ACCEPTED";
    case OfferState::Status::kRefused:
      return "REFUSED";
    case OfferState::Status::kLapsed:
      return "LAPSED";
    case OfferState::Status::kWithdrawn:
      return "WITHDRAWN";
    case OfferState::Status::kCalRefused:
      return "CAL_REFUSED";
    case OfferState::Status::kAllocated:
      return "ALLOCATED";
    case OfferState::Status::kLeased:
      return "LEASED";
  }
  return "UNKNOWN";
}

bool OfferState::Counted() const {
  if (!notified_on.has_value()) return false;
  const auto& c = offer.compliance();
  const bool meets_criteria = c.needs() == relog::v1::COMPLIANCE_COMPLIANT &&
                              c.means() == relog::v1::COMPLIANCE_COMPLIANT &&
                              c.location() == relog::v1::COMPLIANCE_COMPLIANT;
  return meets_criteria &&
         (status == Status::kRefused || status == Status::kLapsed);
}

const OfferState* CaseFacts::FindOffer(const std::string& id) const {
  for (const OfferState& offer : offers) {
    if (offer.id == id) return &offer;
  }
  return nullptr;
}

OfferState* CaseFacts::FindOffer(const std::string& id) {
  for (OfferState& offer : offers) {
    if (offer.id == id) return &offer;
  }
  return nullptr;
}

const OfferState* CaseFacts::CurrentOffer() const {
  for (const OfferState& offer : offers) {
    if (offer.status == OfferState::Status::kPending ||
        offer.status == OfferState::Status::kAccepted ||
        offer.status == OfferState::Status::kAllocated) {
      return &offer;
    }
  }
  return nullptr;
}

int CaseFacts::CountedOffers() const {
  return static_cast<int>(
      std::count_if(offers.begin(), offers.end(),
                    [](const OfferState& o) { return o.Counted(); }));
}

bool CaseFacts::temporarily_rehoused() const {
  return !leases.empty() && leases.back().moved_on.has_value() &&
         leases.back().lease.kind() == relog::v1::LEASE_KIND_TEMPORARY;
}

bool CaseFacts::moved_out() const {
  for (const Lease& lease : leases) {
    if (lease.moved_on.has_value()) return true;
  }
  return false;
}

void ApplyStep(CaseFacts& facts, const EffectiveStep& effective) {
  if (effective.cancelled) return;
  const CaseStep& step = effective.step;
  const absl::CivilDay day = effective.occurred_on;
  if (!facts.last_step_on.has_value() || *facts.last_step_on < day) {
    facts.last_step_on = day;
  }
  switch (step.step_case()) {
    case CaseStep::kHouseholdIdentified:
      facts.identification = step.household_identified();
      facts.identified_on = day;
      facts.phase = Phase::kIdentified;
      break;
    case CaseStep::kNoticeSent:
      facts.notice_sent_on = day;
      break;
    case CaseStep::kDiagnosisRecorded:
      facts.diagnosis = step.diagnosis_recorded();
      facts.diagnosed_on = day;
      if (facts.phase == Phase::kIdentified) facts.phase = Phase::kDiagnosed;
      break;
    case CaseStep::kWishesRecorded:
      facts.wishes_on = day;
      break;
    case CaseStep::kCommitteeReviewed:
      facts.committee_last_on = day;
      if (step.committee_reviewed().decision() ==
          relog::v1::CommitteeReviewed::DECISION_VALIDATED) {
        // Offers may follow from the first validation on.
        if (!facts.committee_validated_on.has_value()) {
          facts.committee_validated_on = day;
        }
        if (facts.phase == Phase::kDiagnosed) {
          facts.phase = Phase::kReadyForOffers;
        }
      }
      break;
    case CaseStep::kOfferMade: {
      OfferState offer;
      offer.id = step.offer_made().offer_id();
      offer.version = effective.version;
      offer.made_on = day;
      offer.offer = step.offer_made();
      absl::CivilDay notified;
      if (!offer.offer.notified_on().empty() &&
          absl::ParseCivilTime(offer.offer.notified_on(), &notified)) {
        offer.notified_on = notified;
      }
      facts.offers.push_back(std::move(offer));
      facts.phase = Phase::kOfferPending;
      break;
    }
    case CaseStep::kOfferVisited:
      if (OfferState* o = facts.FindOffer(step.offer_visited().offer_id())) {
        o->visited = true;
      }
      break;
    case CaseStep::kOfferAccepted:
      if (OfferState* o = facts.FindOffer(step.offer_accepted().offer_id())) {
        o->status = OfferState::Status::kAccepted;
        o->answered_on = day;
        facts.phase = Phase::kOfferAccepted;
      }
      break;
    case CaseStep::kOfferRefused:
      if (OfferState* o = facts.FindOffer(step.offer_refused().offer_id())) {
        o->status = OfferState::Status::kRefused;
        o->answered_on = day;
        facts.phase = PhaseWithoutOffer(facts);
      }
      break;
    case CaseStep::kOfferLapsed:
      if (OfferState* o = facts.FindOffer(step.offer_lapsed().offer_id())) {
        o->status = OfferState::Status::kLapsed;
        o->answered_on = day;
        facts.phase = PhaseWithoutOffer(facts);
      }
      break;
    case CaseStep::kOfferWithdrawn:
      if (OfferState* o = facts.FindOffer(step.offer_withdrawn().offer_id())) {
        o->status = OfferState::Status::kWithdrawn;
        facts.phase = PhaseWithoutOffer(facts);
      }
      break;
    case CaseStep::kCalDecisionRecorded: {
      const auto& cal = step.cal_decision_recorded();
      OfferState* o = facts.FindOffer(cal.offer_id());
      if (o == nullptr) break;
      o->cal_decided_on = day;
      o->last_cal_decision = cal.decision();
      switch (cal.decision()) {
        case CalDecisionRecorded::DECISION_ALLOCATED:
        case CalDecisionRecorded::DECISION_ALLOCATED_UNDER_CONDITION:
        case CalDecisionRecorded::DECISION_INFORMED:
          o->status = OfferState::Status::kAllocated;
          facts.phase = Phase::kAllocated;
          break;
        case CalDecisionRecorded::DECISION_REFUSED:
          o->status = OfferState::Status::kCalRefused;
          facts.phase = PhaseWithoutOffer(facts);
          break;
        default:  // postponed: still awaiting a decision
          break;
      }
      break;
    }
    case CaseStep::kLeaseSigned: {
      const auto& lease = step.lease_signed();
      if (OfferState* o = facts.FindOffer(lease.offer_id())) {
        o->status = OfferState::Status::kLeased;
      }
      CaseFacts::Lease signed_lease;
      signed_lease.lease = lease;
      signed_lease.signed_on = day;
      facts.leases.push_back(std::move(signed_lease));
      facts.phase = Phase::kLeaseSigned;
      break;
    }
    case CaseStep::kHouseholdMoved:
      if (!facts.leases.empty()) {
        CaseFacts::Lease& lease = facts.leases.back();
        lease.moved_on = day;
        if (lease.lease.kind() == relog::v1::LEASE_KIND_DEFINITIVE) {
          facts.definitive_move_on = day;
          facts.phase = Phase::kRehoused;
        } else {
          // A temporary rehousing: the search for a definitive one goes on.
          facts.phase = PhaseWithoutOffer(facts);
        }
      }
      break;
    case CaseStep::kKeysReturned:
      facts.keys_returned_on = day;
      break;
    case CaseStep::kFollowUpRecorded:
      facts.follow_ups[step.follow_up_recorded().milestone()] = day;
      break;
    case CaseStep::kFollowUpConsentRecorded:
      facts.follow_up_consent = step.follow_up_consent_recorded().given();
      break;
    case CaseStep::kFollowUpHandedOver:
      facts.follow_up_handed_over_on = day;
      break;
    case CaseStep::kFollowUpEnded:
      facts.follow_up_ended_on = day;
      break;
    case CaseStep::kHouseholdLeft:
    case CaseStep::kHouseholdDeceased:
    case CaseStep::kHouseholdEvicted:
      facts.exit = step.step_case();
      facts.exited_on = day;
      facts.phase = Phase::kExited;
      break;
    case CaseStep::kDecohabitationRecorded:
      facts.decohabitation_case_ids.push_back(
          step.decohabitation_recorded().new_case_id());
      break;
    case CaseStep::kRentReductionAllowanceRecorded:
      facts.iml_status = step.rent_reduction_allowance_recorded().status();
      break;
    case CaseStep::kCaseClosed:
      facts.phase_before_closure = facts.phase;
      facts.outcome = step.case_closed().outcome();
      // Closing a rehoused case ends its follow-up (docs/CASES.md).
      if (facts.phase == Phase::kRehoused &&
          !facts.follow_up_ended_on.has_value()) {
        facts.follow_up_ended_on = day;
      }
      facts.closed_on = day;
      facts.phase = Phase::kClosed;
      break;
    case CaseStep::kCaseReopened:
      facts.phase = facts.phase_before_closure;
      facts.phase_before_closure = Phase::kNone;
      facts.outcome = relog::v1::CASE_OUTCOME_UNSPECIFIED;
      facts.closed_on.reset();
      break;
    case CaseStep::STEP_NOT_SET:
      break;
  }
  UpdateLegalProcedure(facts);
}

absl::CivilDay LegalProcedureEnd(absl::CivilDay third_offer_notified) {
  const absl::CivilMonth month = absl::CivilMonth(third_offer_notified) + 6;
  const absl::CivilDay last_of_month = absl::CivilDay(month + 1) - 1;
  const absl::CivilDay same_day(month.year(), month.month(),
                                third_offer_notified.day());
  // CivilDay normalizes 31 August + 6 months to 3 March: clamp instead.
  return same_day > last_of_month ? last_of_month : same_day;
}

CaseFacts FoldSteps(const std::map<uint64_t, EffectiveStep>& steps) {
  CaseFacts facts;
  for (const auto& [version, step] : steps) ApplyStep(facts, step);
  return facts;
}

CaseState Evolve(CaseState state, const CaseEvent& event) {
  const uint64_t version = state.event_count++;
  if (event.step.has_value()) {
    EffectiveStep& effective = state.steps[version];
    effective.version = version;
    effective.occurred_on = event.occurred_on;
    effective.step = *event.step;
    ApplyStep(state.facts, effective);
    return state;
  }
  if (event.correction.has_value()) {
    auto it = state.steps.find(event.correction->corrected_version());
    if (it != state.steps.end()) {
      EffectiveStep& corrected = it->second;
      if (event.correction->has_replacement()) {
        corrected.step = event.correction->replacement();
      }
      absl::CivilDay day;
      if (!event.correction->occurred_on().empty() &&
          absl::ParseCivilTime(event.correction->occurred_on(), &day)) {
        corrected.occurred_on = day;
      }
      ++corrected.corrections;
    }
  } else if (event.cancellation.has_value()) {
    auto it = state.steps.find(event.cancellation->cancelled_version());
    if (it != state.steps.end()) it->second.cancelled = true;
  }
  // A correction may change anything that follows: fold again.
  state.facts = FoldSteps(state.steps);
  return state;
}

}  // namespace relog::cases
