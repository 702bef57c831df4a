#include "services/cases/phase_rules.h"

#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "services/cases/domain_errors.h"
#include "storage/errors.h"

namespace relog::cases {
namespace {

// Phases before the definitive rehousing in which the household still
// lives in (or is temporarily out of) its origin dwelling.
constexpr Phase kBeforeMove[] = {Phase::kIdentified,     Phase::kDiagnosed,
                                 Phase::kReadyForOffers, Phase::kOfferPending,
                                 Phase::kOfferAccepted,  Phase::kAllocated,
                                 Phase::kLeaseSigned};

bool In(Phase phase, std::initializer_list<Phase> phases) {
  for (Phase p : phases) {
    if (p == phase) return true;
  }
  return false;
}

bool BeforeMove(Phase phase) {
  for (Phase p : kBeforeMove) {
    if (p == phase) return true;
  }
  return false;
}

// Whether the phase allows the command, before any other rule.
bool Allows(CommandKind kind, Phase phase) {
  using P = Phase;
  switch (kind) {
    case CommandKind::kIdentifyHousehold:
      return phase == P::kNone;
    case CommandKind::kRecordNotice:
    case CommandKind::kRecordDiagnosis:
    case CommandKind::kRecordWishes:
    case CommandKind::kRecordFollowUpConsent:
    case CommandKind::kRecordDeparture:
    case CommandKind::kRecordDeath:
    case CommandKind::kRecordEviction:
    case CommandKind::kRecordDecohabitation:
      return BeforeMove(phase) ||
             (kind == CommandKind::kRecordFollowUpConsent &&
              phase == P::kRehoused);
    case CommandKind::kRecordCommitteeReview:
      return In(phase, {P::kDiagnosed, P::kReadyForOffers});
    case CommandKind::kMakeOffer:
      return phase == P::kReadyForOffers;
    case CommandKind::kRecordOfferVisit:
    case CommandKind::kAcceptOffer:
    case CommandKind::kRecordOfferLapse:
      return phase == P::kOfferPending;
    case CommandKind::kRefuseOffer:
    case CommandKind::kWithdrawOffer:
      return In(phase, {P::kOfferPending, P::kOfferAccepted, P::kAllocated});
    case CommandKind::kRecordCalDecision:
      return phase == P::kOfferAccepted;
    case CommandKind::kSignLease:
      // kAllocated: the lease of the allocated offer. Earlier phases: the
      // import path, with the dwelling given in full.
      return In(phase, {P::kIdentified, P::kDiagnosed, P::kReadyForOffers,
                        P::kAllocated});
    case CommandKind::kRecordMove:
      return phase == P::kLeaseSigned;
    case CommandKind::kRecordKeysReturned:
      return In(phase, {P::kRehoused, P::kExited});
    case CommandKind::kRecordFollowUp:
    case CommandKind::kHandOverFollowUp:
    case CommandKind::kEndFollowUp:
    case CommandKind::kRecordRentReductionAllowance:
      return phase == P::kRehoused;
    case CommandKind::kCloseCase:
      return In(phase, {P::kIdentified, P::kDiagnosed, P::kReadyForOffers,
                        P::kRehoused, P::kExited});
    case CommandKind::kReopenCase:
      return phase == P::kClosed;
    case CommandKind::kCorrectStep:
    case CommandKind::kCancelStep:
      return phase != P::kNone;
  }
  return false;
}

}  // namespace

const char* PhaseRefusalReason(CommandKind kind, Phase phase) {
  if (Allows(kind, phase)) return "";
  if (phase == Phase::kNone) return reason::kCaseNotFound;
  if (kind == CommandKind::kIdentifyHousehold) {
    return reason::kCaseAlreadyExists;
  }
  if (phase == Phase::kClosed) return reason::kCaseClosed;
  if (kind == CommandKind::kMakeOffer &&
      In(phase,
         {Phase::kOfferPending, Phase::kOfferAccepted, Phase::kAllocated})) {
    return reason::kOfferInProgress;
  }
  if (phase == Phase::kExited) return reason::kCaseExited;
  return reason::kStepOutOfOrder;
}

std::vector<Phase> AllowedPhases(CommandKind kind) {
  std::vector<Phase> phases;
  for (Phase phase : kAllPhases) {
    if (Allows(kind, phase)) phases.push_back(phase);
  }
  return phases;
}

const char* CommandConditions(CommandKind kind) {
  switch (kind) {
    case CommandKind::kIdentifyHousehold:
      return "operation, building, landlord, commune and quartier valid in "
             "the reference data on the date";
    case CommandKind::kRecordNotice:
      return "once per case";
    case CommandKind::kRecordDiagnosis:
      return "a later diagnosis replaces the earlier one";
    case CommandKind::kRecordWishes:
      return "communes valid in the reference data";
    case CommandKind::kRecordCommitteeReview:
      return "not before the diagnosis";
    case CommandKind::kMakeOffer:
      return "committee validated, no other offer in progress; location "
             "attested compliant only in the origin commune or an adjacent "
             "one; not before the committee";
    case CommandKind::kRecordOfferVisit:
    case CommandKind::kAcceptOffer:
      return "names the pending offer; not before its notification";
    case CommandKind::kRefuseOffer:
      return "names the offer in progress (a household may go back on its "
             "acceptance until the lease); not before its notification";
    case CommandKind::kRecordOfferLapse:
      return "names the pending offer, notified with a deadline; after the "
             "deadline";
    case CommandKind::kWithdrawOffer:
      return "names the offer in progress";
    case CommandKind::kRecordCalDecision:
      return "names the accepted offer; not before the acceptance";
    case CommandKind::kSignLease:
      return "ALLOCATED: names the allocated offer (dwelling copied from "
             "it); earlier phases: import path, no offer, dwelling given in "
             "full";
    case CommandKind::kRecordMove:
      return "not before the lease; a temporary lease returns the case to "
             "the search for a definitive one";
    case CommandKind::kRecordKeysReturned:
      return "once; also after a temporary move";
    case CommandKind::kRecordFollowUp:
      return "one per milestone (3, 6, 12 months), not before the move";
    case CommandKind::kRecordFollowUpConsent:
      return "the latest answer stands";
    case CommandKind::kHandOverFollowUp:
      return "consent given; once";
    case CommandKind::kEndFollowUp:
      return "once";
    case CommandKind::kRecordDeparture:
    case CommandKind::kRecordDeath:
    case CommandKind::kRecordEviction:
      return "before the definitive move";
    case CommandKind::kRecordDecohabitation:
      return "opens the new household's case in the same commit";
    case CommandKind::kRecordRentReductionAllowance:
      return "after the definitive move; claimed before paid or rejected; "
             "the definitive lease's landlord";
    case CommandKind::kCloseCase:
      return "outcome matches the case: REHOUSED after the definitive move, "
             "the exit's outcome after an exit, OPENED_IN_ERROR before any "
             "offer";
    case CommandKind::kReopenCase:
      return "returns to the phase before closure";
    case CommandKind::kCorrectStep:
      return "same step type, offer ids unchanged; the corrected history "
             "must satisfy every rule";
    case CommandKind::kCancelStep:
      return "not the identification; the remaining history must satisfy "
             "every rule";
  }
  return "";
}

const char* CommandEmits(CommandKind kind) {
  switch (kind) {
    case CommandKind::kIdentifyHousehold:
      return "HouseholdIdentified";
    case CommandKind::kRecordNotice:
      return "NoticeSent";
    case CommandKind::kRecordDiagnosis:
      return "DiagnosisRecorded";
    case CommandKind::kRecordWishes:
      return "WishesRecorded";
    case CommandKind::kRecordCommitteeReview:
      return "CommitteeReviewed";
    case CommandKind::kMakeOffer:
      return "OfferMade";
    case CommandKind::kRecordOfferVisit:
      return "OfferVisited";
    case CommandKind::kAcceptOffer:
      return "OfferAccepted";
    case CommandKind::kRefuseOffer:
      return "OfferRefused";
    case CommandKind::kRecordOfferLapse:
      return "OfferLapsed";
    case CommandKind::kWithdrawOffer:
      return "OfferWithdrawn";
    case CommandKind::kRecordCalDecision:
      return "CalDecisionRecorded";
    case CommandKind::kSignLease:
      return "LeaseSigned";
    case CommandKind::kRecordMove:
      return "HouseholdMoved";
    case CommandKind::kRecordKeysReturned:
      return "KeysReturned";
    case CommandKind::kRecordFollowUp:
      return "FollowUpRecorded";
    case CommandKind::kRecordFollowUpConsent:
      return "FollowUpConsentRecorded";
    case CommandKind::kHandOverFollowUp:
      return "FollowUpHandedOver";
    case CommandKind::kEndFollowUp:
      return "FollowUpEnded";
    case CommandKind::kRecordDeparture:
      return "HouseholdLeft";
    case CommandKind::kRecordDeath:
      return "HouseholdDeceased";
    case CommandKind::kRecordEviction:
      return "HouseholdEvicted";
    case CommandKind::kRecordDecohabitation:
      return "DecohabitationRecorded; HouseholdIdentified on the new case";
    case CommandKind::kRecordRentReductionAllowance:
      return "RentReductionAllowanceRecorded";
    case CommandKind::kCloseCase:
      return "CaseClosed";
    case CommandKind::kReopenCase:
      return "CaseReopened";
    case CommandKind::kCorrectStep:
      return "StepCorrected";
    case CommandKind::kCancelStep:
      return "StepCancelled";
  }
  return "";
}

absl::Status CheckPhase(CommandKind kind, Phase phase) {
  const std::string reason = PhaseRefusalReason(kind, phase);
  if (reason.empty()) return absl::OkStatus();
  absl::StatusCode code = absl::StatusCode::kFailedPrecondition;
  if (reason == reason::kCaseNotFound) code = absl::StatusCode::kNotFound;
  if (reason == reason::kCaseAlreadyExists) {
    code = absl::StatusCode::kAlreadyExists;
  }
  return MakeError(code, reason,
                   absl::StrCat(CommandName(kind),
                                " is not allowed when the "
                                "case is ",
                                PhaseName(phase)),
                   {{meta::kPhase, PhaseName(phase)}});
}

}  // namespace relog::cases
