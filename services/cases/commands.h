// Commands on a case: imperative requests that decide() accepts (turning
// them into events) or refuses with a precise error.
#ifndef RELOG_SERVICES_CASES_COMMANDS_H_
#define RELOG_SERVICES_CASES_COMMANDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "relog/v1/case_events.pb.h"

namespace relog::cases {

enum class CommandKind {
  kIdentifyHousehold,
  kRecordNotice,
  kRecordDiagnosis,
  kRecordWishes,
  kRecordCommitteeReview,
  kMakeOffer,
  kRecordOfferVisit,
  kAcceptOffer,
  kRefuseOffer,
  kRecordOfferLapse,
  kWithdrawOffer,
  kRecordCalDecision,
  kSignLease,
  kRecordMove,
  kRecordKeysReturned,
  kRecordFollowUp,
  kRecordFollowUpConsent,
  kHandOverFollowUp,
  kEndFollowUp,
  kRecordDeparture,
  kRecordDeath,
  kRecordEviction,
  kRecordDecohabitation,
  kRecordRentReductionAllowance,
  kCloseCase,
  kReopenCase,
  kCorrectStep,
  kCancelStep,
};
inline constexpr int kCommandKindCount = 28;

// Every kind, in declaration order.
const std::vector<CommandKind>& AllCommandKinds();
// "MakeOffer": the name of the command and of its RPC.
const char* CommandName(CommandKind kind);
// The field of the RPC's request that carries the command's body
// ("offer" for MakeOffer): error field paths start with it.
const char* CommandBodyField(CommandKind kind);
// The command that records a step of this type.
CommandKind CommandForStep(relog::v1::CaseStep::StepCase step);
// The event type a step command emits ("relog.v1.OfferMade").
std::string StepEventType(relog::v1::CaseStep::StepCase step);

struct Command {
  // The business date of the step (Europe/Paris).
  absl::CivilDay occurred_on;
  // Exactly one of step, correction and cancellation is set.
  std::optional<relog::v1::CaseStep> step;
  std::optional<relog::v1::StepCorrected> correction;
  std::optional<relog::v1::StepCancelled> cancellation;
  // With a DecohabitationRecorded step: the new household, and the id its
  // case gets (chosen by the caller, e.g. derived from the request id).
  relog::v1::HouseholdIdentified new_household;
  std::string new_case_id;

  CommandKind kind() const;
};

}  // namespace relog::cases

#endif  // RELOG_SERVICES_CASES_COMMANDS_H_
