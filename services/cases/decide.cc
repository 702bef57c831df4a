#include "services/cases/decide.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/cases/domain_errors.h"
#include "services/cases/phase_rules.h"
#include "services/cases/step_rules.h"
#include "storage/status_macros.h"

namespace relog::cases {
namespace {

using relog::v1::CaseStep;

// Complete() runs before the amounts are range-checked: out-of-range
// amounts (refused right after, this value dropped) must not overflow.
int64_t ResteACharge(int64_t rent, int64_t charges, int64_t allowance) {
  int64_t total = 0;
  if (__builtin_add_overflow(rent, charges, &total) ||
      __builtin_sub_overflow(total, allowance, &total)) {
    return 0;
  }
  return total;
}

// What relog fills in itself before the rules are checked.
void Complete(CaseStep& step, absl::CivilDay day, const CaseFacts& facts,
              const DecideContext& context) {
  switch (step.step_case()) {
    case CaseStep::kHouseholdIdentified: {
      auto* id = step.mutable_household_identified();
      const reference::Building* building = context.reference->FindBuilding(
          id->operation_id(), id->building_id());
      const reference::Operation* operation =
          context.reference->FindOperation(id->operation_id(), day);
      auto* origin = id->mutable_origin()->mutable_facts();
      // The dwelling's landlord and commune are the building's, its QPV the
      // operation's in force on the date (codes change with the QPV lists):
      // the operator may leave them out.
      if (building != nullptr) {
        if (origin->landlord_id().empty()) {
          origin->set_landlord_id(building->landlord_id);
        }
        if (origin->commune_insee().empty()) {
          origin->set_commune_insee(building->insee);
        }
      }
      if (operation != nullptr && origin->quartier_code().empty()) {
        origin->set_quartier_code(operation->quartier_code);
      }
      break;
    }
    case CaseStep::kDiagnosisRecorded: {
      auto* d = step.mutable_diagnosis_recorded();
      d->set_reste_a_charge_cents(ResteACharge(
          d->rent_cents(), d->charges_cents(), d->housing_allowance_cents()));
      break;
    }
    case CaseStep::kOfferMade:
      // Numbered by Decide (new offers) or kept (corrections).
      break;
    case CaseStep::kHouseholdMoved: {
      // The arrival's QPV on the move date: the lease's code while the list
      // that defines it is in force.
      auto* move = step.mutable_household_moved();
      if (!facts.leases.empty() && move->quartier_code().empty() &&
          !move->outside_qpv()) {
        const std::string& code =
            facts.leases.back().lease.dwelling().facts().quartier_code();
        if (!code.empty() &&
            context.reference->FindQuartier(code, day) != nullptr) {
          move->set_quartier_code(code);
        }
      }
      break;
    }
    case CaseStep::kRentReductionAllowanceRecorded: {
      auto* iml = step.mutable_rent_reduction_allowance_recorded();
      if (iml->landlord_id().empty() && !facts.leases.empty()) {
        iml->set_landlord_id(
            facts.leases.back().lease.dwelling().facts().landlord_id());
      }
      break;
    }
    case CaseStep::kLeaseSigned: {
      auto* lease = step.mutable_lease_signed();
      if (const OfferState* offer = facts.FindOffer(lease->offer_id())) {
        if (!lease->has_dwelling()) {
          *lease->mutable_dwelling() = offer->offer.dwelling();
        }
        if (lease->reservataire_id().empty()) {
          lease->set_reservataire_id(offer->offer.reservataire_id());
        }
      }
      lease->set_reste_a_charge_cents(
          ResteACharge(lease->rent_cents(), lease->charges_cents(),
                       lease->housing_allowance_cents()));
      break;
    }
    default:
      break;
  }
}

CaseEvent StepEvent(absl::CivilDay day, CaseStep step) {
  CaseEvent event;
  event.occurred_on = day;
  event.step = std::move(step);
  return event;
}

// The versions of `steps` that fail their rules against the facts of the
// steps before them (checked in order, each folded whether or not it
// passes), with the first error of each.
std::map<uint64_t, absl::Status> FailingSteps(
    const std::map<uint64_t, EffectiveStep>& steps,
    const DecideContext& context, absl::string_view body_field) {
  std::map<uint64_t, absl::Status> failing;
  CaseFacts facts;
  for (const auto& [version, step] : steps) {
    if (step.cancelled) continue;
    absl::Status status = CheckStep(facts, step, context, body_field);
    if (!status.ok()) failing.emplace(version, std::move(status));
    ApplyStep(facts, step);
  }
  return failing;
}

// A correction or cancellation at `changed` may not make a step fail that
// passed before it: the steps are checked again in order on the changed
// history, against today's rules and reference data, and a step that
// already failed on the recorded history (a rule or a list that changed
// since) is not held against the change. The changed step's own errors are
// the command's; an error at a later step says the change breaks it.
absl::Status CheckHistory(const std::map<uint64_t, EffectiveStep>& recorded,
                          const std::map<uint64_t, EffectiveStep>& steps,
                          uint64_t changed, const DecideContext& context,
                          absl::string_view body_field) {
  const std::map<uint64_t, absl::Status> before =
      FailingSteps(recorded, context, body_field);
  for (const auto& [version, status] :
       FailingSteps(steps, context, body_field)) {
    if (version == changed) return status;
    if (version < changed || before.count(version) > 0) continue;
    const EffectiveStep& step = steps.at(version);
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     reason::kCorrectionBreaksHistory,
                     absl::StrCat("after this change, step ", version, " (",
                                  StepEventType(step.step.step_case()),
                                  ") would break a rule: ", status.message()),
                     {{meta::kVersion, absl::StrCat(version)},
                      {meta::kRule, ErrorReason(status)}});
  }
  return absl::OkStatus();
}

// The step a correction or cancellation names, if it may be changed.
absl::StatusOr<const EffectiveStep*> TargetStep(const CaseState& state,
                                                uint64_t version,
                                                absl::string_view field) {
  auto it = state.steps.find(version);
  if (it == state.steps.end() || it->second.cancelled) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     reason::kStepNotFound,
                     absl::StrCat("version ", version,
                                  " is not a step of the case that stands "
                                  "(corrections and cancelled steps cannot "
                                  "be corrected)"),
                     {{meta::kField, std::string(field)}});
  }
  return &it->second;
}

// Ids that tie other events to a step: a correction may not change them.
std::string StepKey(const CaseStep& step) {
  switch (step.step_case()) {
    case CaseStep::kOfferMade:
      return step.offer_made().offer_id();
    case CaseStep::kDecohabitationRecorded:
      return step.decohabitation_recorded().new_case_id();
    case CaseStep::kHouseholdIdentified:
      return step.household_identified().parent_case_id();
    default:
      return "";
  }
}

absl::StatusOr<Decision> DecideCorrection(const Command& command,
                                          const CaseState& state,
                                          const DecideContext& context) {
  const relog::v1::StepCorrected& c = *command.correction;
  RETURN_IF_ERROR(CheckPhase(CommandKind::kCorrectStep, state.facts.phase));
  ASSIGN_OR_RETURN(
      const EffectiveStep* target,
      TargetStep(state, c.corrected_version(), "correction.corrected_version"));
  if (!c.has_replacement() && c.occurred_on().empty()) {
    return InvalidField("correction.replacement", reason::kFieldRequired,
                        "give new values, a new date (occurred_on), or both");
  }
  if (c.reason() == relog::v1::CORRECTION_REASON_UNSPECIFIED) {
    return InvalidField("correction.reason", reason::kFieldRequired,
                        "is required");
  }
  EffectiveStep corrected = *target;
  if (!c.occurred_on().empty()) {
    absl::CivilDay day;
    if (c.occurred_on().size() != 10 ||
        !absl::ParseCivilTime(c.occurred_on(), &day)) {
      return InvalidField(
          "correction.occurred_on", reason::kInvalidDate,
          absl::StrCat("\"", c.occurred_on(), "\" is not a YYYY-MM-DD date"));
    }
    corrected.occurred_on = day;
  }
  if (c.has_replacement()) {
    if (c.replacement().step_case() != target->step.step_case()) {
      return MakeError(
          absl::StatusCode::kInvalidArgument, reason::kCorrectionMismatch,
          absl::StrCat("step ", c.corrected_version(), " is a ",
                       StepEventType(target->step.step_case()),
                       "; the replacement must be of the same type"),
          {{meta::kField, "correction.replacement"}});
    }
    corrected.step = c.replacement();
    // Ids other steps refer to are kept when the replacement leaves them
    // out, and may not change.
    if (corrected.step.has_offer_made() &&
        corrected.step.offer_made().offer_id().empty()) {
      corrected.step.mutable_offer_made()->set_offer_id(StepKey(target->step));
    }
    if (corrected.step.has_decohabitation_recorded() &&
        corrected.step.decohabitation_recorded().new_case_id().empty()) {
      corrected.step.mutable_decohabitation_recorded()->set_new_case_id(
          StepKey(target->step));
    }
    if (corrected.step.has_household_identified() &&
        corrected.step.household_identified().parent_case_id().empty()) {
      corrected.step.mutable_household_identified()->set_parent_case_id(
          StepKey(target->step));
    }
    if (StepKey(corrected.step) != StepKey(target->step)) {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       reason::kCorrectionMismatch,
                       "a correction cannot change the ids that tie steps "
                       "and cases together (offer_id, new_case_id, "
                       "parent_case_id)",
                       {{meta::kField, "correction.replacement"}});
    }
    // What relog computes (reste à charge, the building's landlord, the
    // offer's dwelling) is computed again from the corrected values, as of
    // the steps before the corrected one.
    const std::map<uint64_t, EffectiveStep> before(
        state.steps.begin(), state.steps.lower_bound(c.corrected_version()));
    Complete(corrected.step, corrected.occurred_on, FoldSteps(before), context);
  }
  // The step is checked as it would have been recorded: against the facts
  // of the steps before it, in the phase they give.
  std::map<uint64_t, EffectiveStep> steps = state.steps;
  steps[c.corrected_version()] = corrected;
  // Field paths name the step inside the replacement, as the request does.
  const std::string body = absl::StrCat(
      "correction.replacement.",
      CaseStep::descriptor()
          ->FindFieldByNumber(static_cast<int>(corrected.step.step_case()))
          ->name());
  RETURN_IF_ERROR(
      CheckHistory(state.steps, steps, c.corrected_version(), context, body));
  Decision decision;
  CaseEvent event;
  event.occurred_on = command.occurred_on;
  event.correction = c;
  // The event records the replacement as relog completed it.
  if (c.has_replacement()) {
    *event.correction->mutable_replacement() = corrected.step;
  }
  decision.events.push_back(std::move(event));
  return decision;
}

absl::StatusOr<Decision> DecideCancellation(const Command& command,
                                            const CaseState& state,
                                            const DecideContext& context) {
  const relog::v1::StepCancelled& c = *command.cancellation;
  RETURN_IF_ERROR(CheckPhase(CommandKind::kCancelStep, state.facts.phase));
  ASSIGN_OR_RETURN(const EffectiveStep* target,
                   TargetStep(state, c.cancelled_version(),
                              "cancellation.cancelled_version"));
  if (c.reason() == relog::v1::CORRECTION_REASON_UNSPECIFIED) {
    return InvalidField("cancellation.reason", reason::kFieldRequired,
                        "is required");
  }
  const auto type = target->step.step_case();
  if (type == CaseStep::kHouseholdIdentified ||
      type == CaseStep::kDecohabitationRecorded) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     reason::kCorrectionMismatch,
                     type == CaseStep::kHouseholdIdentified
                         ? "the identification cannot be cancelled: close "
                           "the case as CASE_OUTCOME_OPENED_IN_ERROR"
                         : "a decohabitation opened a case: close that case "
                           "as opened in error instead",
                     {{meta::kField, "cancellation.cancelled_version"}});
  }
  std::map<uint64_t, EffectiveStep> steps = state.steps;
  steps[c.cancelled_version()].cancelled = true;
  RETURN_IF_ERROR(CheckHistory(state.steps, steps, c.cancelled_version(),
                               context, "cancellation"));
  Decision decision;
  CaseEvent event;
  event.occurred_on = command.occurred_on;
  event.cancellation = c;
  decision.events.push_back(std::move(event));
  return decision;
}

}  // namespace

absl::StatusOr<Decision> Decide(const Command& command, const CaseState& state,
                                const DecideContext& context) {
  if (command.occurred_on > context.today) {
    return InvalidField(
        "occurred_at", reason::kDateInFuture,
        absl::StrCat(absl::FormatCivilTime(command.occurred_on),
                     " is after today (", absl::FormatCivilTime(context.today),
                     ", Europe/Paris)"));
  }
  if (command.correction.has_value()) {
    return DecideCorrection(command, state, context);
  }
  if (command.cancellation.has_value()) {
    return DecideCancellation(command, state, context);
  }
  if (!command.step.has_value() ||
      command.step->step_case() == CaseStep::STEP_NOT_SET) {
    return InvalidField("step", reason::kFieldRequired, "no step given");
  }
  const CommandKind kind = command.kind();
  const std::string body = CommandBodyField(kind);
  EffectiveStep step;
  step.version = state.event_count;
  step.occurred_on = command.occurred_on;
  step.step = *command.step;
  if (kind == CommandKind::kIdentifyHousehold &&
      !step.step.household_identified().parent_case_id().empty()) {
    return InvalidField(body + ".parent_case_id", reason::kFieldNotAllowed,
                        "is set by relog on a decohabitation's case");
  }
  if (kind == CommandKind::kRecordDecohabitation) {
    if (command.new_case_id.empty()) {
      return InvalidField("new_case_id", reason::kFieldRequired,
                          "the new case needs an id");
    }
    step.step.mutable_decohabitation_recorded()->set_new_case_id(
        command.new_case_id);
  }
  if (kind == CommandKind::kMakeOffer) {
    // Offers are numbered in the order made, cancelled ones included, so
    // that an id is never given to two offers.
    int made = 0;
    for (const auto& [version, recorded] : state.steps) {
      made += recorded.step.has_offer_made() ? 1 : 0;
    }
    step.step.mutable_offer_made()->set_offer_id(absl::StrCat(made + 1));
  }
  Complete(step.step, command.occurred_on, state.facts, context);
  // The offer step's body is "offer"; the decohabitation's own step has no
  // fields of the caller's, so errors name the new household.
  RETURN_IF_ERROR(CheckStep(state.facts, step, context, body));

  Decision decision;
  decision.events.push_back(StepEvent(command.occurred_on, step.step));
  if (kind == CommandKind::kRecordDecohabitation) {
    // The new household lives in the same dwelling of the same operation.
    const relog::v1::HouseholdIdentified& parent = state.facts.identification;
    CaseStep opened;
    auto* id = opened.mutable_household_identified();
    *id = command.new_household;
    id->set_operation_id(parent.operation_id());
    id->set_building_id(parent.building_id());
    *id->mutable_origin()->mutable_facts() = parent.origin().facts();
    if (!id->origin().has_location()) {
      *id->mutable_origin()->mutable_location() = parent.origin().location();
    }
    id->set_parent_case_id(state.case_id);
    // The QPV code is the one in force on the decohabitation's date (the
    // list may have been revised since the parent's identification).
    id->mutable_origin()->mutable_facts()->clear_quartier_code();
    Complete(opened, command.occurred_on, CaseFacts(), context);
    EffectiveStep first;
    first.occurred_on = command.occurred_on;
    first.step = opened;
    RETURN_IF_ERROR(CheckStep(CaseFacts(), first, context, body));
    decision.opened = Decision::OpenedCase{
        command.new_case_id, {StepEvent(command.occurred_on, opened)}};
  }
  return decision;
}

}  // namespace relog::cases
