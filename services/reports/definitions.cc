#include "services/reports/definitions.h"

#include "absl/strings/str_cat.h"

namespace relog::reports {
namespace {

using relog::v1::CalDecisionRecorded;
using relog::v1::CaseStep;
using Steps = std::vector<const cases::EffectiveStep*>;

bool IsLeap(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// The same month and day five years later; 29 February → 28 February.
absl::CivilDay FiveYearsAfter(absl::CivilDay day) {
  const int64_t year = day.year() + 5;
  if (day.month() == 2 && day.day() == 29 && !IsLeap(year)) {
    return absl::CivilDay(year, 2, 28);
  }
  return absl::CivilDay(year, day.month(), day.day());
}

std::optional<absl::CivilDay> Later(std::optional<absl::CivilDay> a,
                                    std::optional<absl::CivilDay> b) {
  if (!a.has_value()) return b;
  if (!b.has_value()) return a;
  return std::max(*a, *b);
}

bool Allocating(CalDecisionRecorded::Decision decision) {
  return decision == CalDecisionRecorded::DECISION_ALLOCATED ||
         decision == CalDecisionRecorded::DECISION_ALLOCATED_UNDER_CONDITION ||
         decision == CalDecisionRecorded::DECISION_INFORMED;
}

}  // namespace

void DeriveSnapshot(CaseSnapshot& snapshot) {
  snapshot.identification = Identification(snapshot.steps);
  snapshot.identified_on = IdentifiedOn(snapshot.steps);
  snapshot.excluded = Excluded(snapshot);
  snapshot.rehousing = DefinitiveRehousing(snapshot.steps);
}

bool Excluded(const CaseSnapshot& snapshot) {
  for (auto it = snapshot.all_steps.rbegin(); it != snapshot.all_steps.rend();
       ++it) {
    const CaseStep& step = (*it)->step;
    if (step.has_case_reopened()) return false;
    if (step.has_case_closed()) {
      return step.case_closed().outcome() ==
             relog::v1::CASE_OUTCOME_OPENED_IN_ERROR;
    }
  }
  return false;
}

std::optional<Rehousing> DefinitiveRehousing(const Steps& steps) {
  std::optional<Rehousing> found;
  const cases::EffectiveStep* lease = nullptr;
  for (const cases::EffectiveStep* step : steps) {
    if (step->step.has_lease_signed()) lease = step;
    if (step->step.has_household_moved() && lease != nullptr &&
        lease->step.lease_signed().kind() == relog::v1::LEASE_KIND_DEFINITIVE) {
      found =
          Rehousing{&lease->step.lease_signed(), &step->step.household_moved(),
                    lease->occurred_on, step->occurred_on};
    }
  }
  return found;
}

std::vector<Rehousing> TemporaryRehousings(const Steps& steps) {
  std::vector<Rehousing> found;
  const cases::EffectiveStep* lease = nullptr;
  for (const cases::EffectiveStep* step : steps) {
    if (step->step.has_lease_signed()) lease = step;
    if (step->step.has_household_moved() && lease != nullptr &&
        lease->step.lease_signed().kind() == relog::v1::LEASE_KIND_TEMPORARY) {
      found.push_back(Rehousing{&lease->step.lease_signed(),
                                &step->step.household_moved(),
                                lease->occurred_on, step->occurred_on});
    }
  }
  return found;
}

std::optional<Allocation> NpruAllocation(const Steps& steps) {
  const cases::EffectiveStep* lease = nullptr;
  for (const cases::EffectiveStep* step : steps) {
    if (step->step.has_lease_signed() &&
        step->step.lease_signed().kind() == relog::v1::LEASE_KIND_DEFINITIVE) {
      lease = step;
    }
  }
  if (lease == nullptr ||
      lease->step.lease_signed().dwelling().facts().landlord_id().empty()) {
    return std::nullopt;
  }
  const relog::v1::LeaseSigned& signed_lease = lease->step.lease_signed();
  if (signed_lease.offer_id().empty()) {
    return Allocation{&signed_lease, lease->occurred_on};
  }
  std::optional<absl::CivilDay> allocated_on;
  for (const cases::EffectiveStep* step : steps) {
    if (!step->step.has_cal_decision_recorded()) continue;
    const CalDecisionRecorded& cal = step->step.cal_decision_recorded();
    if (cal.offer_id() == signed_lease.offer_id() &&
        Allocating(cal.decision())) {
      allocated_on = step->occurred_on;
    }
  }
  if (!allocated_on.has_value()) return std::nullopt;
  return Allocation{&signed_lease, *allocated_on};
}

const relog::v1::HouseholdIdentified* Identification(const Steps& steps) {
  for (const cases::EffectiveStep* step : steps) {
    if (step->step.has_household_identified()) {
      return &step->step.household_identified();
    }
  }
  return nullptr;
}

std::optional<absl::CivilDay> IdentifiedOn(const Steps& steps) {
  for (const cases::EffectiveStep* step : steps) {
    if (step->step.has_household_identified()) return step->occurred_on;
  }
  return std::nullopt;
}

std::string SiteOf(const reference::ReferenceData& reference,
                   const relog::v1::HouseholdIdentified& identification,
                   absl::CivilDay identified_on) {
  const reference::Operation* operation =
      reference.FindOperation(identification.operation_id(), identified_on);
  return operation == nullptr ? "" : operation->site;
}

DwellingAge AgeAtMove(const reference::ReferenceData& reference,
                      const relog::v1::LeaseSigned& lease,
                      absl::CivilDay moved_on) {
  const relog::v1::DwellingFacts& facts = lease.dwelling().facts();
  std::optional<absl::CivilDay> delivered, conventioned;
  if (!facts.programme_id().empty()) {
    if (const reference::Programme* programme =
            reference.FindProgramme(facts.programme_id())) {
      delivered = programme->delivered_on;
      conventioned = programme->first_conventionnement;
    }
  }
  if (!delivered.has_value()) {
    delivered = reference::ParseIsoDay(facts.delivered_on());
  }
  if (!conventioned.has_value()) {
    conventioned = reference::ParseIsoDay(facts.first_conventionnement_on());
  }
  const std::optional<absl::CivilDay> reference_day =
      Later(delivered, conventioned);
  if (!reference_day.has_value()) return DwellingAge::kUnknown;
  return moved_on < FiveYearsAfter(*reference_day) ? DwellingAge::kNewOrUnder5
                                                   : DwellingAge::kOlder;
}

QpvStatus DwellingQpvOn(const reference::ReferenceData& reference,
                        const relog::v1::DwellingFacts& facts,
                        absl::CivilDay on) {
  if (facts.quartier_code().empty()) return QpvStatus::kOutside;
  return reference.FindQuartier(facts.quartier_code(), on) != nullptr
             ? QpvStatus::kInQpv
             : QpvStatus::kUnknown;
}

QpvStatus ArrivalQpv(const reference::ReferenceData& reference,
                     const Rehousing& rehousing) {
  const relog::v1::HouseholdMoved& move = *rehousing.move;
  if (move.outside_qpv()) return QpvStatus::kOutside;
  if (!move.quartier_code().empty()) {
    return reference.FindQuartier(move.quartier_code(), rehousing.moved_on) !=
                   nullptr
               ? QpvStatus::kInQpv
               : QpvStatus::kUnknown;
  }
  // Recorded before the move carried the code: the lease's code is only
  // trusted while it is in force on the move date (D10).
  const std::string& lease_code =
      rehousing.lease->dwelling().facts().quartier_code();
  if (lease_code.empty()) return QpvStatus::kOutside;
  return reference.FindQuartier(lease_code, rehousing.moved_on) != nullptr
             ? QpvStatus::kInQpv
             : QpvStatus::kUnknown;
}

const cases::EffectiveStep* LatestStepOnOrBefore(const Steps& steps,
                                                 CaseStep::StepCase kind,
                                                 absl::CivilDay on) {
  const cases::EffectiveStep* found = nullptr;
  for (const cases::EffectiveStep* step : steps) {
    if (step->step.step_case() == kind && step->occurred_on <= on) {
      found = step;
    }
  }
  return found;
}

std::string TypologyName(relog::v1::Typology typology) {
  const int n = TypologyNumber(typology);
  return n == 0 ? "?" : absl::StrCat("T", n);
}

int TypologyNumber(relog::v1::Typology typology) {
  const int n = static_cast<int>(typology);
  return n >= 1 && n <= 6 ? n : 0;
}

}  // namespace relog::reports
