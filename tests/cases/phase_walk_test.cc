// Every (phase, command) pair: from a canonical history reaching the phase,
// a command that would be valid if the phase allows it is accepted exactly
// when PhaseRefusalReason(kind, phase) is empty, and is otherwise refused
// with that reason (the table of docs/STATES.md is the table decide()
// applies).
//
// The canonical histories (case_given_when_then.h) are chosen so that every
// allowed command has a valid form: IDENTIFIED has wishes after the
// identification (so that CancelStep has a step it may cancel), no history
// records the notice or the keys (RecordNotice and RecordKeysReturned are
// once per case), and LEASE_SIGNED records the follow-up consent (so that
// HandOverFollowUp is possible once REHOUSED).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/cases/domain_errors.h"
#include "services/cases/phase_rules.h"
#include "tests/cases/case_given_when_then.h"

namespace relog::cases::testing {
namespace {

// The latest step that may be cancelled (not the identification nor a
// decohabitation); 0 when there is none.
uint64_t LastCancellableVersion(const CaseState& state) {
  uint64_t last = 0;
  for (const auto& [version, step] : state.steps) {
    const auto type = step.step.step_case();
    if (step.cancelled || type == CaseStep::kHouseholdIdentified ||
        type == CaseStep::kDecohabitationRecorded) {
      continue;
    }
    last = version;
  }
  return last;
}

// A command of `kind` that the case in `state` accepts if its phase allows
// the command.
Command ValidCommand(CommandKind kind, const CaseState& state) {
  const Phase phase = state.facts.phase;
  switch (kind) {
    case CommandKind::kIdentifyHousehold:
      return Cmd(kToday, Identification());
    case CommandKind::kRecordNotice:
      return Cmd(kToday, Notice());
    case CommandKind::kRecordDiagnosis:
      return Cmd(kToday, Diagnosis());
    case CommandKind::kRecordWishes:
      return Cmd(kToday, Wishes());
    case CommandKind::kRecordCommitteeReview:
      return Cmd(kToday, Committee());
    case CommandKind::kMakeOffer:
      return Cmd(kToday, Offer("", kToday, ""));
    case CommandKind::kRecordOfferVisit:
      return Cmd(kToday, Visit("1"));
    case CommandKind::kAcceptOffer:
      return Cmd(kToday, Accept("1"));
    case CommandKind::kRefuseOffer:
      return Cmd(kToday, Refuse("1"));
    case CommandKind::kRecordOfferLapse:
      return Cmd(kToday, Lapse("1"));  // long after kDeadline
    case CommandKind::kWithdrawOffer:
      return Cmd(kToday, Withdraw("1"));
    case CommandKind::kRecordCalDecision:
      return Cmd(kToday, Cal("1"));
    case CommandKind::kSignLease:
      // The allocated offer's lease; before any offer, the import path.
      return Cmd(kToday,
                 phase == Phase::kAllocated ? Lease("1") : LeaseWithoutOffer());
    case CommandKind::kRecordMove:
      return Cmd(kToday, Move());
    case CommandKind::kRecordKeysReturned:
      return Cmd(kToday, Keys());
    case CommandKind::kRecordFollowUp:
      return Cmd(kToday, FollowUp(relog::v1::FOLLOW_UP_MILESTONE_3_MONTHS));
    case CommandKind::kRecordFollowUpConsent:
      return Cmd(kToday, Consent(true));
    case CommandKind::kHandOverFollowUp:
      return Cmd(kToday, HandOver());
    case CommandKind::kEndFollowUp:
      return Cmd(kToday, EndFollowUp());
    case CommandKind::kRecordDeparture:
      return Cmd(kToday, Departure());
    case CommandKind::kRecordDeath:
      return Cmd(kToday, Death());
    case CommandKind::kRecordEviction:
      return Cmd(kToday, Eviction());
    case CommandKind::kRecordDecohabitation:
      return DecohabitationCmd(kToday, "case-2");
    case CommandKind::kCloseCase:
      return Cmd(kToday, Close(phase == Phase::kRehoused
                                   ? relog::v1::CASE_OUTCOME_REHOUSED
                               : phase == Phase::kExited
                                   ? relog::v1::CASE_OUTCOME_LEFT_ON_OWN
                                   : relog::v1::CASE_OUTCOME_OPENED_IN_ERROR));
    case CommandKind::kRecordRentReductionAllowance: {
      CaseStep claim;
      auto* iml = claim.mutable_rent_reduction_allowance_recorded();
      iml->set_status(
          relog::v1::RentReductionAllowanceRecorded::STATUS_CLAIMED);
      iml->set_amount_cents(400000);
      return Cmd(kToday, claim);
    }
    case CommandKind::kReopenCase:
      return Cmd(kToday, Reopen());
    case CommandKind::kCorrectStep:
      // The identification, a few days earlier.
      return CorrectCmd(kToday, Correction(0, std::nullopt, "2025-01-05"));
    case CommandKind::kCancelStep:
      return CancelCmd(kToday, Cancellation(LastCancellableVersion(state)));
  }
  return Command();
}

TEST(PhaseWalkTest, CanonicalHistoriesReachTheirPhase) {
  for (Phase phase : kAllPhases) {
    EXPECT_EQ(PhaseName(Fold(HistoryFor(phase)).facts.phase),
              std::string(PhaseName(phase)));
  }
}

TEST(PhaseWalkTest, EveryPhaseAndCommand) {
  int allowed = 0;
  for (Phase phase : kAllPhases) {
    const CaseState state = Fold(HistoryFor(phase));
    ASSERT_EQ(state.facts.phase, phase) << PhaseName(phase);
    for (CommandKind kind : AllCommandKinds()) {
      SCOPED_TRACE(absl::StrCat(CommandName(kind), " in ", PhaseName(phase)));
      const Command command = ValidCommand(kind, state);
      ASSERT_EQ(command.kind(), kind);
      const absl::StatusOr<Decision> decision =
          Decide(command, state, TestContext());
      const std::string expected = PhaseRefusalReason(kind, phase);
      if (expected.empty()) {
        ++allowed;
        EXPECT_TRUE(decision.ok()) << decision.status();
        if (decision.ok()) {
          EXPECT_FALSE(decision->events.empty());
          // The command's events fold without surprise.
          CaseState next = state;
          for (const CaseEvent& event : decision->events) {
            next = Evolve(next, event);
          }
          EXPECT_EQ(next.event_count,
                    state.event_count + decision->events.size());
        }
        continue;
      }
      ASSERT_FALSE(decision.ok()) << "accepted";
      EXPECT_EQ(ErrorReason(decision.status()), expected) << decision.status();
      const absl::StatusCode code = expected == reason::kCaseNotFound
                                        ? absl::StatusCode::kNotFound
                                    : expected == reason::kCaseAlreadyExists
                                        ? absl::StatusCode::kAlreadyExists
                                        : absl::StatusCode::kFailedPrecondition;
      EXPECT_EQ(decision.status().code(), code) << decision.status();
      EXPECT_EQ(GetErrorMetadata(decision.status())[meta::kPhase],
                PhaseName(phase));
    }
  }
  // Not a vacuous walk.
  EXPECT_GT(allowed, 60);
}

}  // namespace
}  // namespace relog::cases::testing
