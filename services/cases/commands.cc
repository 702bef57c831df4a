#include "services/cases/commands.h"

#include "absl/strings/str_cat.h"

namespace relog::cases {
namespace {

using relog::v1::CaseStep;

struct KindInfo {
  CommandKind kind;
  const char* name;
  const char* body_field;
};

constexpr KindInfo kKinds[] = {
    {CommandKind::kIdentifyHousehold, "IdentifyHousehold", "household"},
    {CommandKind::kRecordNotice, "RecordNotice", "notice"},
    {CommandKind::kRecordDiagnosis, "RecordDiagnosis", "diagnosis"},
    {CommandKind::kRecordWishes, "RecordWishes", "wishes"},
    {CommandKind::kRecordCommitteeReview, "RecordCommitteeReview", "review"},
    {CommandKind::kMakeOffer, "MakeOffer", "offer"},
    {CommandKind::kRecordOfferVisit, "RecordOfferVisit", "visit"},
    {CommandKind::kAcceptOffer, "AcceptOffer", "acceptance"},
    {CommandKind::kRefuseOffer, "RefuseOffer", "refusal"},
    {CommandKind::kRecordOfferLapse, "RecordOfferLapse", "lapse"},
    {CommandKind::kWithdrawOffer, "WithdrawOffer", "withdrawal"},
    {CommandKind::kRecordCalDecision, "RecordCalDecision", "cal_decision"},
    {CommandKind::kSignLease, "SignLease", "lease"},
    {CommandKind::kRecordMove, "RecordMove", "move"},
    {CommandKind::kRecordKeysReturned, "RecordKeysReturned", "keys"},
    {CommandKind::kRecordFollowUp, "RecordFollowUp", "follow_up"},
    {CommandKind::kRecordFollowUpConsent, "RecordFollowUpConsent", "consent"},
    {CommandKind::kHandOverFollowUp, "HandOverFollowUp", "hand_over"},
    {CommandKind::kEndFollowUp, "EndFollowUp", "end"},
    {CommandKind::kRecordDeparture, "RecordDeparture", "departure"},
    {CommandKind::kRecordDeath, "RecordDeath", "death"},
    {CommandKind::kRecordEviction, "RecordEviction", "eviction"},
    {CommandKind::kRecordDecohabitation, "RecordDecohabitation",
     "new_household"},
    {CommandKind::kRecordRentReductionAllowance, "RecordRentReductionAllowance",
     "allowance"},
    {CommandKind::kCloseCase, "CloseCase", "closure"},
    {CommandKind::kReopenCase, "ReopenCase", "reopening"},
    {CommandKind::kCorrectStep, "CorrectStep", "correction"},
    {CommandKind::kCancelStep, "CancelStep", "cancellation"},
};
static_assert(sizeof(kKinds) / sizeof(kKinds[0]) == kCommandKindCount);

const KindInfo& Info(CommandKind kind) {
  return kKinds[static_cast<int>(kind)];
}

}  // namespace

const std::vector<CommandKind>& AllCommandKinds() {
  static const auto* const kAll = [] {
    auto* all = new std::vector<CommandKind>;
    for (const KindInfo& info : kKinds) all->push_back(info.kind);
    return all;
  }();
  return *kAll;
}

const char* CommandName(CommandKind kind) { return Info(kind).name; }
const char* CommandBodyField(CommandKind kind) { return Info(kind).body_field; }

CommandKind CommandForStep(CaseStep::StepCase step) {
  switch (step) {
    case CaseStep::kHouseholdIdentified:
      return CommandKind::kIdentifyHousehold;
    case CaseStep::kNoticeSent:
      return CommandKind::kRecordNotice;
    case CaseStep::kDiagnosisRecorded:
      return CommandKind::kRecordDiagnosis;
    case CaseStep::kWishesRecorded:
      return CommandKind::kRecordWishes;
    case CaseStep::kCommitteeReviewed:
      return CommandKind::kRecordCommitteeReview;
    case CaseStep::kOfferMade:
      return CommandKind::kMakeOffer;
    case CaseStep::kOfferVisited:
      return CommandKind::kRecordOfferVisit;
    case CaseStep::kOfferAccepted:
      return CommandKind::kAcceptOffer;
    case CaseStep::kOfferRefused:
      return CommandKind::kRefuseOffer;
    case CaseStep::kOfferLapsed:
      return CommandKind::kRecordOfferLapse;
    case CaseStep::kOfferWithdrawn:
      return CommandKind::kWithdrawOffer;
    case CaseStep::kCalDecisionRecorded:
      return CommandKind::kRecordCalDecision;
    case CaseStep::kLeaseSigned:
      return CommandKind::kSignLease;
    case CaseStep::kHouseholdMoved:
      return CommandKind::kRecordMove;
    case CaseStep::kKeysReturned:
      return CommandKind::kRecordKeysReturned;
    case CaseStep::kFollowUpRecorded:
      return CommandKind::kRecordFollowUp;
    case CaseStep::kFollowUpConsentRecorded:
      return CommandKind::kRecordFollowUpConsent;
    case CaseStep::kFollowUpHandedOver:
      return CommandKind::kHandOverFollowUp;
    case CaseStep::kFollowUpEnded:
      return CommandKind::kEndFollowUp;
    case CaseStep::kHouseholdLeft:
      return CommandKind::kRecordDeparture;
    case CaseStep::kHouseholdDeceased:
      return CommandKind::kRecordDeath;
    case CaseStep::kHouseholdEvicted:
      return CommandKind::kRecordEviction;
    case CaseStep::kDecohabitationRecorded:
      return CommandKind::kRecordDecohabitation;
    case CaseStep::kCaseClosed:
      return CommandKind::kCloseCase;
    case CaseStep::kRentReductionAllowanceRecorded:
      return CommandKind::kRecordRentReductionAllowance;
    case CaseStep::kCaseReopened:
    case CaseStep::STEP_NOT_SET:
      break;
  }
  return CommandKind::kReopenCase;
}

std::string StepEventType(CaseStep::StepCase step) {
  const google::protobuf::FieldDescriptor* field =
      CaseStep::descriptor()->FindFieldByNumber(static_cast<int>(step));
  if (field == nullptr) return "";
  return field->message_type()->full_name();
}

CommandKind Command::kind() const {
  if (correction.has_value()) return CommandKind::kCorrectStep;
  if (cancellation.has_value()) return CommandKind::kCancelStep;
  return CommandForStep(step.has_value() ? step->step_case()
                                         : CaseStep::STEP_NOT_SET);
}

}  // namespace relog::cases
