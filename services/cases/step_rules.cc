#include "services/cases/step_rules.h"

#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/cases/domain_errors.h"
#include "services/cases/phase_rules.h"
#include "storage/status_macros.h"

namespace relog::cases {
namespace {

using reference::ReferenceData;
using relog::v1::CaseStep;
using relog::v1::Compliance;
using relog::v1::DwellingFacts;

// Upper bounds of amounts, in cents per month: beyond them a value is a
// typing error, not a fact.
constexpr int64_t kMaxRentCents = 500000;
constexpr int64_t kMaxChargesCents = 200000;
constexpr int64_t kMaxAllowanceCents = 200000;
constexpr int64_t kMaxIncomeCents = 2000000;

std::string Day(absl::CivilDay day) { return absl::FormatCivilTime(day); }

// Checks the fields of one step; `prefix` is the request path of the
// step's message ("offer").
class StepChecker {
 public:
  StepChecker(const CaseFacts& facts, const EffectiveStep& step,
              const DecideContext& context, absl::string_view prefix)
      : facts_(facts),
        step_(step),
        day_(step.occurred_on),
        ref_(*context.reference),
        today_(context.today),
        prefix_(prefix),
        // A corrected step's date is the correction's occurred_on.
        date_field_(absl::StartsWith(prefix, "correction")
                        ? "correction.occurred_on"
                        : "occurred_at") {}

  absl::Status Check();

 private:
  std::string Field(absl::string_view name) const {
    return absl::StrCat(prefix_, ".", name);
  }
  absl::Status Required(absl::string_view name, bool present) const {
    if (present) return absl::OkStatus();
    return InvalidField(Field(name), reason::kFieldRequired, "is required");
  }
  absl::Status Range(absl::string_view name, int64_t value, int64_t lo,
                     int64_t hi) const {
    if (value >= lo && value <= hi) return absl::OkStatus();
    return InvalidField(
        Field(name), reason::kValueOutOfRange,
        absl::StrCat(value, " is outside [", lo, ", ", hi, "]"));
  }
  // Parses an optional date field; unset stays nullopt.
  absl::StatusOr<std::optional<absl::CivilDay>> OptionalDate(
      absl::string_view name, const std::string& value) const;
  // The step may not occur before `prerequisite` (the step it depends on).
  absl::Status NotBefore(std::optional<absl::CivilDay> prerequisite,
                         absl::string_view what) const;
  // Checks a dwelling against the reference data in force on `on`.
  absl::Status CheckDwelling(absl::string_view name, const DwellingFacts& d,
                             bool landlord_required, absl::CivilDay on) const;
  // The offer named by `offer_id`, which must be in one of the statuses.
  absl::StatusOr<const OfferState*> Offer(
      absl::string_view name, const std::string& offer_id,
      std::initializer_list<OfferState::Status> statuses) const;

  absl::Status CheckIdentification() const;
  absl::Status CheckDiagnosis() const;
  absl::Status CheckWishes() const;
  absl::Status CheckOffer() const;
  absl::Status CheckOfferAnswer() const;
  absl::Status CheckCalDecision() const;
  absl::Status CheckLease() const;
  absl::Status CheckMove() const;
  absl::Status CheckRentReductionAllowance() const;
  absl::Status CheckFollowUpSteps() const;
  absl::Status CheckExit() const;
  absl::Status CheckClosure() const;

  const CaseFacts& facts_;
  const EffectiveStep& step_;
  const absl::CivilDay day_;
  const ReferenceData& ref_;
  const absl::CivilDay today_;
  const std::string prefix_;
  const std::string date_field_;
};

absl::StatusOr<std::optional<absl::CivilDay>> StepChecker::OptionalDate(
    absl::string_view name, const std::string& value) const {
  if (value.empty()) return std::optional<absl::CivilDay>();
  absl::CivilDay day;
  if (value.size() != 10 || !absl::ParseCivilTime(value, &day)) {
    return InvalidField(
        Field(name), reason::kInvalidDate,
        absl::StrCat("\"", value, "\" is not a YYYY-MM-DD date"));
  }
  if (day > today_) {
    return InvalidField(Field(name), reason::kDateInFuture,
                        absl::StrCat(value, " is after today (", Day(today_),
                                     ", Europe/Paris)"));
  }
  return std::optional<absl::CivilDay>(day);
}

absl::Status StepChecker::NotBefore(std::optional<absl::CivilDay> prerequisite,
                                    absl::string_view what) const {
  if (!prerequisite.has_value() || day_ >= *prerequisite) {
    return absl::OkStatus();
  }
  return MakeError(absl::StatusCode::kFailedPrecondition,
                   reason::kDateBeforePrerequisite,
                   absl::StrCat("occurred_at ", Day(day_), " is before ", what,
                                " (", Day(*prerequisite), ")"),
                   {{meta::kField, date_field_}});
}

absl::Status StepChecker::CheckDwelling(absl::string_view name,
                                        const DwellingFacts& d,
                                        bool landlord_required,
                                        absl::CivilDay on) const {
  const std::string p(name);
  if (d.landlord_id().empty()) {
    if (landlord_required) {
      return InvalidField(Field(p + ".landlord_id"), reason::kFieldRequired,
                          "is required for a social dwelling");
    }
  } else if (ref_.FindLandlord(d.landlord_id(), on) == nullptr) {
    return InvalidField(
        Field(p + ".landlord_id"), reason::kReferenceNotFound,
        absl::StrCat("no landlord \"", d.landlord_id(), "\" on ", Day(on)));
  }
  RETURN_IF_ERROR(Required(p + ".commune_insee", !d.commune_insee().empty()));
  if (ref_.FindCommune(d.commune_insee(), on) == nullptr) {
    return InvalidField(
        Field(p + ".commune_insee"), reason::kReferenceNotFound,
        absl::StrCat("no commune \"", d.commune_insee(), "\" on ", Day(on)));
  }
  if (!d.quartier_code().empty()) {
    const reference::Quartier* q = ref_.FindQuartier(d.quartier_code(), on);
    if (q == nullptr) {
      return InvalidField(Field(p + ".quartier_code"),
                          reason::kReferenceNotFound,
                          absl::StrCat("no QPV \"", d.quartier_code(),
                                       "\" in force on ", Day(on)));
    }
    bool in_commune = false;
    for (const std::string& insee : q->communes) {
      in_commune = in_commune || insee == d.commune_insee();
    }
    if (!in_commune) {
      return InvalidField(
          Field(p + ".quartier_code"), reason::kValueOutOfRange,
          absl::StrCat("QPV ", d.quartier_code(), " is not in commune ",
                       d.commune_insee()));
    }
  }
  RETURN_IF_ERROR(Required(p + ".typology",
                           d.typology() != relog::v1::TYPOLOGY_UNSPECIFIED));
  if (!(d.surface_m2() >= 9 && d.surface_m2() <= 300)) {
    return InvalidField(
        Field(p + ".surface_m2"), reason::kValueOutOfRange,
        absl::StrFormat("%g m² is outside [9, 300]", d.surface_m2()));
  }
  RETURN_IF_ERROR(Range(p + ".floor", d.floor(), -1, 60));
  RETURN_IF_ERROR(Required(p + ".financing",
                           d.financing() != relog::v1::FINANCING_UNSPECIFIED));
  RETURN_IF_ERROR(Range(p + ".rent_cents", d.rent_cents(), 0, kMaxRentCents));
  RETURN_IF_ERROR(
      Range(p + ".charges_cents", d.charges_cents(), 0, kMaxChargesCents));
  if (!d.iris_code().empty() &&
      (d.iris_code().size() != 9 ||
       d.iris_code().compare(0, 5, d.commune_insee()) != 0 ||
       d.iris_code().find_first_not_of("0123456789", 5) != std::string::npos)) {
    return InvalidField(Field(p + ".iris_code"), reason::kValueOutOfRange,
                        "must be the commune's INSEE code followed by 4 "
                        "digits");
  }
  if (!d.programme_id().empty() &&
      ref_.FindProgramme(d.programme_id()) == nullptr) {
    return InvalidField(
        Field(p + ".programme_id"), reason::kReferenceNotFound,
        absl::StrCat("no programme \"", d.programme_id(), "\""));
  }
  RETURN_IF_ERROR(OptionalDate(p + ".delivered_on", d.delivered_on()).status());
  RETURN_IF_ERROR(OptionalDate(p + ".first_conventionnement_on",
                               d.first_conventionnement_on())
                      .status());
  return absl::OkStatus();
}

absl::StatusOr<const OfferState*> StepChecker::Offer(
    absl::string_view name, const std::string& offer_id,
    std::initializer_list<OfferState::Status> statuses) const {
  RETURN_IF_ERROR(Required(name, !offer_id.empty()));
  const OfferState* offer = facts_.FindOffer(offer_id);
  if (offer == nullptr) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     reason::kOfferNotFound,
                     absl::StrCat("the case has no offer \"", offer_id, "\""),
                     {{meta::kField, Field(name)}, {meta::kOfferId, offer_id}});
  }
  for (OfferState::Status status : statuses) {
    if (offer->status == status) return offer;
  }
  return MakeError(
      absl::StatusCode::kFailedPrecondition, reason::kOfferNotInProgress,
      absl::StrCat("offer ", offer_id, " is ", OfferStatusName(offer->status)),
      {{meta::kField, Field(name)}, {meta::kOfferId, offer_id}});
}

absl::Status StepChecker::CheckIdentification() const {
  const auto& id = step_.step.household_identified();
  RETURN_IF_ERROR(Required("reference", !id.reference().empty()));
  if (id.reference().size() > 64) {
    return InvalidField(Field("reference"), reason::kValueOutOfRange,
                        "is longer than 64 characters");
  }
  RETURN_IF_ERROR(Required("operation_id", !id.operation_id().empty()));
  const reference::Operation* operation =
      ref_.FindOperation(id.operation_id(), day_);
  if (operation == nullptr) {
    return InvalidField(Field("operation_id"), reason::kReferenceNotFound,
                        absl::StrCat("no NPRU operation \"", id.operation_id(),
                                     "\" on ", Day(day_)));
  }
  RETURN_IF_ERROR(Required("building_id", !id.building_id().empty()));
  const reference::Building* building =
      ref_.FindBuilding(id.operation_id(), id.building_id());
  if (building == nullptr) {
    return InvalidField(
        Field("building_id"), reason::kReferenceNotFound,
        absl::StrCat("operation ", id.operation_id(), " has no building \"",
                     id.building_id(), "\""));
  }
  const DwellingFacts& origin = id.origin().facts();
  RETURN_IF_ERROR(CheckDwelling("origin.facts", origin, true, day_));
  // The dwelling is in the building (same landlord and commune), in the
  // operation's QPV as the list in force on the date codes it.
  if (origin.landlord_id() != building->landlord_id ||
      origin.commune_insee() != building->insee ||
      origin.quartier_code() != operation->quartier_code) {
    return InvalidField(
        Field("origin.facts"), reason::kValueOutOfRange,
        absl::StrCat("landlord, commune and quartier must be those of the "
                     "building and operation (",
                     building->landlord_id, ", ", building->insee, ", ",
                     operation->quartier_code, " on ", Day(day_), ")"));
  }
  RETURN_IF_ERROR(Required(
      "occupancy", id.occupancy() != relog::v1::OCCUPANCY_STATUS_UNSPECIFIED));
  return absl::OkStatus();
}

absl::Status StepChecker::CheckDiagnosis() const {
  const auto& d = step_.step.diagnosis_recorded();
  RETURN_IF_ERROR(Range("adults", d.adults(), 1, 20));
  RETURN_IF_ERROR(Range("children", d.children(), 0, 20));
  RETURN_IF_ERROR(
      Required("resource_band",
               d.resource_band() != relog::v1::RESOURCE_BAND_UNSPECIFIED));
  RETURN_IF_ERROR(Range("monthly_income_cents", d.monthly_income_cents(), 0,
                        kMaxIncomeCents));
  RETURN_IF_ERROR(Range("housing_allowance_cents", d.housing_allowance_cents(),
                        0, kMaxAllowanceCents));
  RETURN_IF_ERROR(Range("rent_cents", d.rent_cents(), 0, kMaxRentCents));
  RETURN_IF_ERROR(
      Range("charges_cents", d.charges_cents(), 0, kMaxChargesCents));
  RETURN_IF_ERROR(
      Required("occupancy_fit",
               d.occupancy_fit() != relog::v1::OCCUPANCY_FIT_UNSPECIFIED));
  RETURN_IF_ERROR(
      Required("support_level",
               d.support_level() != relog::v1::SUPPORT_LEVEL_UNSPECIFIED));
  RETURN_IF_ERROR(Range("dependants", d.dependants(), 0, 20));
  if (d.needs().has_max_floor()) {
    RETURN_IF_ERROR(Range("needs.max_floor", d.needs().max_floor(), 0, 60));
  }
  for (int i = 0; i < d.priority_criteria_size(); ++i) {
    RETURN_IF_ERROR(Required(
        absl::StrCat("priority_criteria[", i, "]"),
        d.priority_criteria(i) != relog::v1::PRIORITY_CRITERION_UNSPECIFIED));
  }
  if (d.members_size() > d.adults() + d.children()) {
    return InvalidField(Field("members"), reason::kValueOutOfRange,
                        "more members than adults + children");
  }
  return absl::OkStatus();
}

absl::Status StepChecker::CheckWishes() const {
  const auto& w = step_.step.wishes_recorded();
  for (int i = 0; i < w.communes_insee_size(); ++i) {
    if (ref_.FindCommune(w.communes_insee(i), day_) == nullptr) {
      return InvalidField(Field(absl::StrCat("communes_insee[", i, "]")),
                          reason::kReferenceNotFound,
                          absl::StrCat("no commune \"", w.communes_insee(i),
                                       "\" on ", Day(day_)));
    }
  }
  for (int i = 0; i < w.typologies_size(); ++i) {
    RETURN_IF_ERROR(
        Required(absl::StrCat("typologies[", i, "]"),
                 w.typologies(i) != relog::v1::TYPOLOGY_UNSPECIFIED));
  }
  if (w.has_max_floor()) {
    RETURN_IF_ERROR(Range("max_floor", w.max_floor(), 0, 60));
  }
  return absl::OkStatus();
}

absl::Status StepChecker::CheckOffer() const {
  const auto& o = step_.step.offer_made();
  RETURN_IF_ERROR(
      NotBefore(facts_.committee_validated_on, "the committee's validation"));
  const DwellingFacts& d = o.dwelling().facts();
  const bool social = d.financing() != relog::v1::FINANCING_PRIVATE;
  RETURN_IF_ERROR(CheckDwelling("dwelling.facts", d, social, day_));
  if (social) {
    RETURN_IF_ERROR(Required("reservataire_id", !o.reservataire_id().empty()));
  }
  if (!o.reservataire_id().empty() &&
      ref_.FindReservataire(o.reservataire_id(), day_) == nullptr) {
    return InvalidField(Field("reservataire_id"), reason::kReferenceNotFound,
                        absl::StrCat("no réservataire \"", o.reservataire_id(),
                                     "\" on ", Day(day_)));
  }
  RETURN_IF_ERROR(Range("estimated_reste_a_charge_cents",
                        o.estimated_reste_a_charge_cents(), -kMaxAllowanceCents,
                        kMaxRentCents + kMaxChargesCents));
  ASSIGN_OR_RETURN(std::optional<absl::CivilDay> notified,
                   OptionalDate("notified_on", o.notified_on()));
  absl::CivilDay deadline;
  if (!o.response_deadline().empty()) {
    if (!absl::ParseCivilTime(o.response_deadline(), &deadline) ||
        o.response_deadline().size() != 10) {
      return InvalidField(Field("response_deadline"), reason::kInvalidDate,
                          absl::StrCat("\"", o.response_deadline(),
                                       "\" is not a YYYY-MM-DD date"));
    }
    if (!notified.has_value()) {
      return InvalidField(Field("response_deadline"), reason::kFieldNotAllowed,
                          "a deadline needs the notification date");
    }
    if (deadline <= *notified) {
      return InvalidField(Field("response_deadline"), reason::kValueOutOfRange,
                          "must be after notified_on");
    }
  }
  if (notified.has_value() && *notified < day_) {
    return InvalidField(Field("notified_on"), reason::kValueOutOfRange,
                        "is before the offer was made (occurred_at)");
  }
  const auto& c = o.compliance();
  for (const auto& [name, value] :
       {std::pair<const char*, Compliance>{"compliance.needs", c.needs()},
        {"compliance.means", c.means()},
        {"compliance.location", c.location()}}) {
    RETURN_IF_ERROR(Required(name, value != relog::v1::COMPLIANCE_UNSPECIFIED));
  }
  // The location criterion of art. 13 bis: the same commune or an adjacent
  // one (the 5 km are the operator's attestation).
  // The origin commune as it is on the offer's date (communes merge).
  const std::string origin = ref_.SuccessorOf(
      facts_.identification.origin().facts().commune_insee(), day_);
  if (c.location() == relog::v1::COMPLIANCE_COMPLIANT &&
      d.commune_insee() != origin &&
      !ref_.AreAdjacent(origin, d.commune_insee(), day_)) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, reason::kLocationNotCompliant,
        absl::StrCat("commune ", d.commune_insee(),
                     " is neither the origin commune ", origin,
                     " nor adjacent to it on ", Day(day_),
                     ": the offer's location cannot be attested compliant"),
        {{meta::kField, Field("compliance.location")}});
  }
  return absl::OkStatus();
}

absl::Status StepChecker::CheckOfferAnswer() const {
  const CaseStep& s = step_.step;
  using S = OfferState::Status;
  std::string offer_id;
  switch (s.step_case()) {
    case CaseStep::kOfferVisited:
      offer_id = s.offer_visited().offer_id();
      break;
    case CaseStep::kOfferAccepted:
      offer_id = s.offer_accepted().offer_id();
      break;
    case CaseStep::kOfferRefused:
      offer_id = s.offer_refused().offer_id();
      break;
    case CaseStep::kOfferLapsed:
      offer_id = s.offer_lapsed().offer_id();
      break;
    default:
      offer_id = s.offer_withdrawn().offer_id();
      break;
  }
  const bool withdrawal = s.step_case() == CaseStep::kOfferWithdrawn;
  // A household may go back on its acceptance until the lease: its refusal
  // counts like any other.
  const bool any_in_progress =
      withdrawal || s.step_case() == CaseStep::kOfferRefused;
  ASSIGN_OR_RETURN(const OfferState* offer,
                   any_in_progress
                       ? Offer("offer_id", offer_id,
                               {S::kPending, S::kAccepted, S::kAllocated})
                       : Offer("offer_id", offer_id, {S::kPending}));
  RETURN_IF_ERROR(NotBefore(offer->made_on, "the offer"));
  absl::CivilDay notified;
  const bool has_notified =
      absl::ParseCivilTime(offer->offer.notified_on(), &notified);
  if (has_notified && !withdrawal) {
    RETURN_IF_ERROR(NotBefore(notified, "the offer's notification"));
  }
  switch (s.step_case()) {
    case CaseStep::kOfferVisited:
      if (offer->visited) {
        return RuleViolated(
            reason::kAlreadyRecorded,
            absl::StrCat("offer ", offer_id, " was already visited"));
      }
      break;
    case CaseStep::kOfferRefused:
      RETURN_IF_ERROR(
          Required("reasons", s.offer_refused().reasons_size() > 0));
      for (int i = 0; i < s.offer_refused().reasons_size(); ++i) {
        RETURN_IF_ERROR(Required(absl::StrCat("reasons[", i, "]"),
                                 s.offer_refused().reasons(i) !=
                                     relog::v1::REFUSAL_REASON_UNSPECIFIED));
      }
      break;
    case CaseStep::kOfferLapsed: {
      absl::CivilDay deadline;
      if (!has_notified ||
          !absl::ParseCivilTime(offer->offer.response_deadline(), &deadline)) {
        return RuleViolated(reason::kOfferNotNotified,
                            absl::StrCat("offer ", offer_id,
                                         " has no notification date and "
                                         "deadline: it cannot lapse"));
      }
      if (day_ <= deadline) {
        return RuleViolated(
            reason::kDeadlineNotPassed,
            absl::StrCat("offer ", offer_id, "'s deadline (", Day(deadline),
                         ") has not passed on ", Day(day_)));
      }
      break;
    }
    case CaseStep::kOfferWithdrawn:
      RETURN_IF_ERROR(Required(
          "reason", s.offer_withdrawn().reason() !=
                        relog::v1::OfferWithdrawn::REASON_UNSPECIFIED));
      break;
    default:
      break;
  }
  return absl::OkStatus();
}

absl::Status StepChecker::CheckCalDecision() const {
  const auto& cal = step_.step.cal_decision_recorded();
  ASSIGN_OR_RETURN(
      const OfferState* offer,
      Offer("offer_id", cal.offer_id(), {OfferState::Status::kAccepted}));
  RETURN_IF_ERROR(Required(
      "decision",
      cal.decision() != relog::v1::CalDecisionRecorded::DECISION_UNSPECIFIED));
  RETURN_IF_ERROR(NotBefore(offer->answered_on, "the acceptance"));
  return NotBefore(offer->cal_decided_on, "the previous CAL decision");
}

absl::Status StepChecker::CheckLease() const {
  const auto& lease = step_.step.lease_signed();
  RETURN_IF_ERROR(
      Required("kind", lease.kind() != relog::v1::LEASE_KIND_UNSPECIFIED));
  // The dwelling is checked on the date it was chosen: the offer's for the
  // lease of an offer (a QPV list revised meanwhile does not unmake it),
  // the lease's own on the import path.
  absl::CivilDay chosen_on = day_;
  if (facts_.phase == Phase::kAllocated) {
    ASSIGN_OR_RETURN(
        const OfferState* offer,
        Offer("offer_id", lease.offer_id(), {OfferState::Status::kAllocated}));
    RETURN_IF_ERROR(NotBefore(offer->cal_decided_on, "the CAL decision"));
    chosen_on = offer->made_on;
  } else if (!lease.offer_id().empty()) {
    // The import path records a lease without offers; an offer it names
    // would have to be allocated first.
    return MakeError(
        absl::StatusCode::kFailedPrecondition, reason::kOfferNotInProgress,
        absl::StrCat("offer ", lease.offer_id(), " is not allocated"),
        {{meta::kField, Field("offer_id")}});
  }
  RETURN_IF_ERROR(CheckDwelling(
      "dwelling.facts", lease.dwelling().facts(),
      lease.dwelling().facts().financing() != relog::v1::FINANCING_PRIVATE,
      chosen_on));
  RETURN_IF_ERROR(Range("rent_cents", lease.rent_cents(), 0, kMaxRentCents));
  RETURN_IF_ERROR(
      Range("charges_cents", lease.charges_cents(), 0, kMaxChargesCents));
  RETURN_IF_ERROR(Range("housing_allowance_cents",
                        lease.housing_allowance_cents(), 0,
                        kMaxAllowanceCents));
  if (!lease.reservataire_id().empty() &&
      ref_.FindReservataire(lease.reservataire_id(), day_) == nullptr) {
    return InvalidField(
        Field("reservataire_id"), reason::kReferenceNotFound,
        absl::StrCat("no réservataire \"", lease.reservataire_id(), "\" on ",
                     Day(day_)));
  }
  return absl::OkStatus();
}

absl::Status StepChecker::CheckMove() const {
  const auto& move = step_.step.household_moved();
  if (facts_.leases.empty()) return absl::OkStatus();  // phase refused it
  RETURN_IF_ERROR(NotBefore(facts_.leases.back().signed_on, "the lease"));
  const relog::v1::DwellingFacts& arrival =
      facts_.leases.back().lease.dwelling().facts();
  if (move.outside_qpv()) {
    if (!move.quartier_code().empty()) {
      return InvalidField(Field("quartier_code"), reason::kFieldNotAllowed,
                          "give a QPV code or outside_qpv, not both");
    }
    return absl::OkStatus();
  }
  if (move.quartier_code().empty()) {
    if (arrival.quartier_code().empty()) return absl::OkStatus();
    return InvalidField(
        Field("quartier_code"), reason::kFieldRequired,
        absl::StrCat("the lease's QPV code ", arrival.quartier_code(),
                     " is not in force on ", Day(day_),
                     ": give the code in force, or outside_qpv"));
  }
  const reference::Quartier* q = ref_.FindQuartier(move.quartier_code(), day_);
  if (q == nullptr) {
    return InvalidField(Field("quartier_code"), reason::kReferenceNotFound,
                        absl::StrCat("no QPV \"", move.quartier_code(),
                                     "\" in force on ", Day(day_)));
  }
  for (const std::string& insee : q->communes) {
    if (insee == arrival.commune_insee()) return absl::OkStatus();
  }
  return InvalidField(Field("quartier_code"), reason::kValueOutOfRange,
                      absl::StrCat("QPV ", move.quartier_code(),
                                   " is not in the dwelling's commune ",
                                   arrival.commune_insee()));
}

absl::Status StepChecker::CheckRentReductionAllowance() const {
  using Iml = relog::v1::RentReductionAllowanceRecorded;
  const Iml& iml = step_.step.rent_reduction_allowance_recorded();
  RETURN_IF_ERROR(NotBefore(facts_.definitive_move_on, "the move"));
  RETURN_IF_ERROR(Required("status", iml.status() != Iml::STATUS_UNSPECIFIED));
  RETURN_IF_ERROR(Range("amount_cents", iml.amount_cents(), 0, 2000000));
  // The definitive lease is the last one once the case is rehoused.
  const std::string& landlord =
      facts_.leases.back().lease.dwelling().facts().landlord_id();
  if (iml.landlord_id() != landlord) {
    return InvalidField(
        Field("landlord_id"), reason::kValueOutOfRange,
        absl::StrCat("the IML is the receiving landlord's (", landlord, ")"));
  }
  if (iml.status() == Iml::STATUS_CLAIMED) {
    if (facts_.iml_status.has_value()) {
      return RuleViolated(reason::kAlreadyRecorded,
                          "the IML was already claimed; correct the claim "
                          "instead");
    }
  } else if (facts_.iml_status != Iml::STATUS_CLAIMED) {
    return RuleViolated(reason::kStepOutOfOrder,
                        facts_.iml_status.has_value()
                            ? "the IML claim was already settled"
                            : "the IML must be claimed before it is paid "
                              "or rejected");
  }
  return absl::OkStatus();
}

absl::Status StepChecker::CheckFollowUpSteps() const {
  const CaseStep& s = step_.step;
  RETURN_IF_ERROR(NotBefore(facts_.definitive_move_on, "the move"));
  switch (s.step_case()) {
    case CaseStep::kFollowUpRecorded: {
      const auto& f = s.follow_up_recorded();
      RETURN_IF_ERROR(Required(
          "milestone",
          f.milestone() != relog::v1::FOLLOW_UP_MILESTONE_UNSPECIFIED));
      if (facts_.follow_ups.count(f.milestone()) > 0) {
        return RuleViolated(
            reason::kAlreadyRecorded,
            absl::StrCat("the ",
                         relog::v1::FollowUpMilestone_Name(f.milestone()),
                         " follow-up is already recorded; correct it "
                         "instead"));
      }
      RETURN_IF_ERROR(
          Required("satisfaction",
                   f.satisfaction() != relog::v1::SATISFACTION_UNSPECIFIED));
      if (f.has_actual_reste_a_charge_cents()) {
        RETURN_IF_ERROR(Range(
            "actual_reste_a_charge_cents", f.actual_reste_a_charge_cents(),
            -kMaxAllowanceCents, kMaxRentCents + kMaxChargesCents));
      }
      break;
    }
    case CaseStep::kFollowUpHandedOver:
      if (facts_.follow_up_consent != true) {
        return RuleViolated(reason::kConsentRequired,
                            "the household has not consented to social "
                            "follow-up");
      }
      if (facts_.follow_up_handed_over_on.has_value()) {
        return RuleViolated(reason::kAlreadyRecorded,
                            "the follow-up was already handed over");
      }
      RETURN_IF_ERROR(Required("body_name",
                               !s.follow_up_handed_over().body_name().empty()));
      RETURN_IF_ERROR(Required(
          "commune_insee", !s.follow_up_handed_over().commune_insee().empty()));
      if (ref_.FindCommune(s.follow_up_handed_over().commune_insee(), day_) ==
          nullptr) {
        return InvalidField(Field("commune_insee"), reason::kReferenceNotFound,
                            "no such commune on the date");
      }
      break;
    case CaseStep::kFollowUpEnded:
      if (facts_.follow_up_ended_on.has_value()) {
        return RuleViolated(reason::kAlreadyRecorded,
                            "the follow-up has already ended");
      }
      break;
    default:
      break;
  }
  return absl::OkStatus();
}

absl::Status StepChecker::CheckExit() const {
  const CaseStep& s = step_.step;
  RETURN_IF_ERROR(NotBefore(facts_.last_step_on, "the case's last step"));
  if (s.step_case() != CaseStep::kHouseholdLeft) return absl::OkStatus();
  RETURN_IF_ERROR(Required(
      "destination", s.household_left().destination() !=
                         relog::v1::HouseholdLeft::DESTINATION_UNSPECIFIED));
  const std::string& insee = s.household_left().commune_insee();
  if (!insee.empty() && ref_.FindCommune(insee, day_) == nullptr) {
    // Leaving the metropolis is common: a commune outside the reference
    // data is refused only if it is not an INSEE code at all.
    if (insee.size() != 5) {
      return InvalidField(Field("commune_insee"), reason::kValueOutOfRange,
                          "is not a 5-character INSEE code");
    }
  }
  return absl::OkStatus();
}

absl::Status StepChecker::CheckClosure() const {
  using relog::v1::CaseOutcome;
  const CaseOutcome outcome = step_.step.case_closed().outcome();
  RETURN_IF_ERROR(
      Required("outcome", outcome != relog::v1::CASE_OUTCOME_UNSPECIFIED));
  RETURN_IF_ERROR(NotBefore(facts_.last_step_on, "the case's last step"));
  CaseOutcome expected = relog::v1::CASE_OUTCOME_OPENED_IN_ERROR;
  if (facts_.phase == Phase::kRehoused) {
    expected = relog::v1::CASE_OUTCOME_REHOUSED;
  } else if (facts_.phase == Phase::kExited) {
    expected = facts_.exit == CaseStep::kHouseholdLeft
                   ? relog::v1::CASE_OUTCOME_LEFT_ON_OWN
               : facts_.exit == CaseStep::kHouseholdDeceased
                   ? relog::v1::CASE_OUTCOME_DECEASED
                   : relog::v1::CASE_OUTCOME_EVICTED;
  } else if (!facts_.offers.empty() || !facts_.leases.empty()) {
    return RuleViolated(reason::kOutcomeMismatch,
                        "a case with offers or leases cannot be closed as "
                        "opened in error; record its exit or rehousing");
  }
  if (outcome != expected) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, reason::kOutcomeMismatch,
        absl::StrCat("a ", PhaseName(facts_.phase), " case closes as ",
                     relog::v1::CaseOutcome_Name(expected), ", not ",
                     relog::v1::CaseOutcome_Name(outcome)),
        {{meta::kField, Field("outcome")}});
  }
  return absl::OkStatus();
}

absl::Status StepChecker::Check() {
  const CaseStep& s = step_.step;
  if (s.step_case() == CaseStep::STEP_NOT_SET) {
    return InvalidField(prefix_, reason::kFieldRequired, "is required");
  }
  const CommandKind kind = CommandForStep(s.step_case());
  if (day_ > today_) {
    return InvalidField(date_field_, reason::kDateInFuture,
                        absl::StrCat(Day(day_), " is after today (",
                                     Day(today_), ", Europe/Paris)"));
  }
  // Keys are handed back after any move, temporary ones included.
  const bool moved_out = kind == CommandKind::kRecordKeysReturned &&
                         facts_.moved_out() && facts_.phase != Phase::kClosed;
  if (!moved_out) RETURN_IF_ERROR(CheckPhase(kind, facts_.phase));
  if (kind != CommandKind::kIdentifyHousehold) {
    RETURN_IF_ERROR(NotBefore(facts_.identified_on, "the identification"));
  }
  switch (s.step_case()) {
    case CaseStep::kHouseholdIdentified:
      return CheckIdentification();
    case CaseStep::kNoticeSent:
      if (facts_.notice_sent_on.has_value()) {
        return RuleViolated(
            reason::kAlreadyRecorded,
            "the notice was already sent on " + Day(*facts_.notice_sent_on));
      }
      return Required("method", s.notice_sent().method() !=
                                    relog::v1::NoticeSent::METHOD_UNSPECIFIED);
    case CaseStep::kDiagnosisRecorded:
      return CheckDiagnosis();
    case CaseStep::kWishesRecorded:
      return CheckWishes();
    case CaseStep::kCommitteeReviewed:
      RETURN_IF_ERROR(NotBefore(facts_.diagnosed_on, "the diagnosis"));
      return Required("decision",
                      s.committee_reviewed().decision() !=
                          relog::v1::CommitteeReviewed::DECISION_UNSPECIFIED);
    case CaseStep::kOfferMade:
      return CheckOffer();
    case CaseStep::kOfferVisited:
    case CaseStep::kOfferAccepted:
    case CaseStep::kOfferRefused:
    case CaseStep::kOfferLapsed:
    case CaseStep::kOfferWithdrawn:
      return CheckOfferAnswer();
    case CaseStep::kCalDecisionRecorded:
      return CheckCalDecision();
    case CaseStep::kLeaseSigned:
      return CheckLease();
    case CaseStep::kHouseholdMoved:
      return CheckMove();
    case CaseStep::kKeysReturned: {
      if (facts_.keys_returned_on.has_value()) {
        return RuleViolated(reason::kAlreadyRecorded,
                            "the keys were already returned on " +
                                Day(*facts_.keys_returned_on));
      }
      std::optional<absl::CivilDay> left = facts_.exited_on;
      if (!facts_.leases.empty() && facts_.leases.front().moved_on) {
        left = facts_.leases.front().moved_on;
      }
      return NotBefore(left, "the move out");
    }
    case CaseStep::kFollowUpRecorded:
    case CaseStep::kFollowUpHandedOver:
    case CaseStep::kFollowUpEnded:
      return CheckFollowUpSteps();
    case CaseStep::kFollowUpConsentRecorded:
      return absl::OkStatus();
    case CaseStep::kHouseholdLeft:
    case CaseStep::kHouseholdDeceased:
    case CaseStep::kHouseholdEvicted:
      return CheckExit();
    case CaseStep::kDecohabitationRecorded:
      return Required("new_case_id",
                      !s.decohabitation_recorded().new_case_id().empty());
    case CaseStep::kCaseClosed:
      return CheckClosure();
    case CaseStep::kRentReductionAllowanceRecorded:
      return CheckRentReductionAllowance();
    case CaseStep::kCaseReopened:
      RETURN_IF_ERROR(NotBefore(facts_.closed_on, "the closure"));
      return Required("reason", !s.case_reopened().reason().empty());
    case CaseStep::STEP_NOT_SET:
      break;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckStep(const CaseFacts& facts, const EffectiveStep& step,
                       const DecideContext& context,
                       absl::string_view body_field) {
  return StepChecker(facts, step, context, body_field).Check();
}

}  // namespace relog::cases
