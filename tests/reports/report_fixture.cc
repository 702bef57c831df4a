#include "tests/reports/report_fixture.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "gtest/gtest.h"
#include "relog/v1/case_events.pb.h"
#include "services/cases/case_state.h"
#include "services/cases/decide.h"
#include "services/cases/event_codec.h"
#include "services/reference/reference_files.h"
#include "services/reference/reference_stream.h"
#include "storage/event_id.h"
#include "storage/rocksdb_event_store.h"
#include "storage/status_macros.h"

namespace relog::reports::testing {
namespace {

using relog::v1::CaseStep;
using relog::v1::DwellingFacts;

constexpr char kActor[] = "report-fixture";
constexpr size_t kReadPage = 512;

// Loaded before any case, so that it is known at every knowledge time.
const absl::CivilDay kReferenceLoadedOn(2022, 1, 1);

absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }
std::string Ymd(absl::CivilDay day) { return absl::FormatCivilTime(day); }

const absl::TimeZone& Paris() {
  static const absl::TimeZone* const kZone = [] {
    auto* zone = new absl::TimeZone;
    CHECK(absl::LoadTimeZone("Europe/Paris", zone))
        << "time zone Europe/Paris not found: install tzdata";
    return zone;
  }();
  return *kZone;
}

// ---- Step bodies, as an operator would type them. ----

struct Origin {
  std::string reference, operation, building, landlord, commune, quartier;
  relog::v1::Typology typology;
  double surface_m2;
  int64_t rent_cents, charges_cents;
};

CaseStep Identification(const Origin& o) {
  CaseStep step;
  auto* id = step.mutable_household_identified();
  id->set_reference(o.reference);
  id->set_operation_id(o.operation);
  id->set_building_id(o.building);
  DwellingFacts* f = id->mutable_origin()->mutable_facts();
  f->set_landlord_id(o.landlord);
  f->set_commune_insee(o.commune);
  f->set_quartier_code(o.quartier);
  f->set_typology(o.typology);
  f->set_surface_m2(o.surface_m2);
  f->set_floor(3);
  f->set_financing(relog::v1::FINANCING_OLD_REGIME);
  f->set_rent_cents(o.rent_cents);
  f->set_charges_cents(o.charges_cents);
  id->mutable_origin()->mutable_location()->set_address(
      absl::StrCat(o.building, ", ", o.operation, " (fixture address)"));
  id->set_occupancy(relog::v1::OCCUPANCY_STATUS_TITULAR_TENANT);
  id->mutable_contact()->set_head_name(absl::StrCat("Household ", o.reference));
  return step;
}

struct Household {
  int adults, children;
  relog::v1::AllowanceCategory category;
  int dependants;
  relog::v1::ResourceBand band;
  int64_t rent_cents, charges_cents, allowance_cents;
};

// relog computes reste_a_charge_cents = rent + charges − allowance.
CaseStep Diagnosis(const Household& h) {
  CaseStep step;
  auto* d = step.mutable_diagnosis_recorded();
  d->set_adults(h.adults);
  d->set_children(h.children);
  d->set_allowance_category(h.category);
  d->set_dependants(h.dependants);
  d->set_resource_band(h.band);
  d->set_monthly_income_cents(120000 + 40000 * h.adults);
  d->set_rent_cents(h.rent_cents);
  d->set_charges_cents(h.charges_cents);
  d->set_housing_allowance_cents(h.allowance_cents);
  d->set_occupancy_fit(relog::v1::OCCUPANCY_FIT_ADEQUATE);
  d->set_support_level(relog::v1::SUPPORT_LEVEL_LIGHT);
  return step;
}

CaseStep Committee() {
  CaseStep step;
  step.mutable_committee_reviewed()->set_decision(
      relog::v1::CommitteeReviewed::DECISION_VALIDATED);
  return step;
}

// An arrival dwelling. `programme` empty: none; `delivered_on` and
// `first_conventionnement_on` empty: not known.
struct Arrival {
  std::string landlord, commune, quartier, programme, delivered_on,
      first_conventionnement_on, iris;
  relog::v1::Typology typology;
  double surface_m2;
  relog::v1::Financing financing;
  int64_t rent_cents, charges_cents;
};

relog::v1::Dwelling ArrivalDwelling(const Arrival& a) {
  relog::v1::Dwelling d;
  DwellingFacts* f = d.mutable_facts();
  f->set_landlord_id(a.landlord);
  f->set_commune_insee(a.commune);
  f->set_quartier_code(a.quartier);
  f->set_typology(a.typology);
  f->set_surface_m2(a.surface_m2);
  f->set_floor(1);
  f->set_has_lift(true);
  f->set_financing(a.financing);
  f->set_rent_cents(a.rent_cents);
  f->set_charges_cents(a.charges_cents);
  f->set_programme_id(a.programme);
  f->set_delivered_on(a.delivered_on);
  f->set_first_conventionnement_on(a.first_conventionnement_on);
  f->set_iris_code(a.iris);
  d.mutable_location()->set_address("fixture arrival address");
  return d;
}

// An offer notified the day it is made, with a 14-day deadline, attested
// compliant on needs and means; on location only when the commune is the
// origin's or adjacent to it (decide() checks that part).
CaseStep Offer(const Arrival& a, const std::string& reservataire,
               absl::CivilDay made_on, bool location_compliant) {
  CaseStep step;
  auto* o = step.mutable_offer_made();
  *o->mutable_dwelling() = ArrivalDwelling(a);
  o->set_reservataire_id(reservataire);
  o->set_estimated_reste_a_charge_cents(a.rent_cents + a.charges_cents - 15000);
  o->set_notified_on(Ymd(made_on));
  o->set_response_deadline(Ymd(made_on + 14));
  o->mutable_compliance()->set_needs(relog::v1::COMPLIANCE_COMPLIANT);
  o->mutable_compliance()->set_means(relog::v1::COMPLIANCE_COMPLIANT);
  o->mutable_compliance()->set_location(
      location_compliant ? relog::v1::COMPLIANCE_COMPLIANT
                         : relog::v1::COMPLIANCE_NOT_COMPLIANT);
  return step;
}

CaseStep Accept(const std::string& offer_id) {
  CaseStep step;
  step.mutable_offer_accepted()->set_offer_id(offer_id);
  return step;
}

CaseStep Cal(const std::string& offer_id) {
  CaseStep step;
  step.mutable_cal_decision_recorded()->set_offer_id(offer_id);
  step.mutable_cal_decision_recorded()->set_decision(
      relog::v1::CalDecisionRecorded::DECISION_ALLOCATED);
  return step;
}

// A lease on `offer_id`; relog copies the offer's dwelling and réservataire
// and computes the reste à charge.
CaseStep Lease(const std::string& offer_id, relog::v1::LeaseKind kind,
               const Arrival& a, int64_t allowance_cents) {
  CaseStep step;
  auto* l = step.mutable_lease_signed();
  l->set_offer_id(offer_id);
  l->set_kind(kind);
  l->set_rent_cents(a.rent_cents);
  l->set_charges_cents(a.charges_cents);
  l->set_housing_allowance_cents(allowance_cents);
  return step;
}

CaseStep Move() {
  CaseStep step;
  step.mutable_household_moved();
  return step;
}

CaseStep Close(relog::v1::CaseOutcome outcome) {
  CaseStep step;
  step.mutable_case_closed()->set_outcome(outcome);
  return step;
}

CaseStep Reopen() {
  CaseStep step;
  step.mutable_case_reopened()->set_reason(
      "the lease was typed with the wrong landlord");
  return step;
}

CaseStep Departure() {
  CaseStep step;
  step.mutable_household_left()->set_destination(
      relog::v1::HouseholdLeft::DESTINATION_PRIVATE_RENTAL);
  return step;
}

cases::Command StepCommand(absl::CivilDay on, CaseStep step) {
  cases::Command command;
  command.occurred_on = on;
  command.step = std::move(step);
  return command;
}

// One step of the table: the command is built from the case as it stands
// when its turn comes (a correction names the version of its step).
struct PlannedStep {
  std::string name;
  absl::CivilDay on;
  absl::Time recorded_at;
  std::function<cases::Command(const cases::CaseState&)> build;
};

class Plan {
 public:
  // A step of `name` on `on`, recorded at noon that day unless given.
  void Add(const std::string& name, absl::CivilDay on, CaseStep step,
           std::optional<absl::CivilDay> recorded_on = std::nullopt) {
    cases::Command command = StepCommand(on, std::move(step));
    AddBuilt(name, on, recorded_on.value_or(on),
             [command](const cases::CaseState&) { return command; });
  }
  void AddBuilt(const std::string& name, absl::CivilDay on,
                absl::CivilDay recorded_on,
                std::function<cases::Command(const cases::CaseState&)> build) {
    steps_.push_back(PlannedStep{name, on, ReportFixture::Noon(recorded_on),
                                 std::move(build)});
  }
  // The steps in recorded_at order; steps recorded at the same time keep
  // the order they were added in (so a case's own order stands).
  std::vector<PlannedStep> Sorted() && {
    std::stable_sort(steps_.begin(), steps_.end(),
                     [](const PlannedStep& a, const PlannedStep& b) {
                       return a.recorded_at < b.recorded_at;
                     });
    return std::move(steps_);
  }

 private:
  std::vector<PlannedStep> steps_;
};

// The cases of docs/REPORTS.md "Hand-computed examples". Offer ids are those
// Decide assigns ("1", then "2").
std::vector<PlannedStep> FixturePlan() {
  using relog::v1::LEASE_KIND_DEFINITIVE;
  using relog::v1::LEASE_KIND_TEMPORARY;
  Plan plan;

  // K1: OP-ROU-ALMA BAT-B (V, Roubaix, QP059002) → P, Tourcoing, PRG-003.
  {
    const Arrival arrival{kLandlordP,  kTourcoing,
                          "",          "PRG-003",
                          "",          "",
                          "595990101", relog::v1::TYPOLOGY_T4,
                          76,          relog::v1::FINANCING_PLUS,
                          48000,       9000};
    plan.Add("K1", D(2023, 1, 10),
             Identification({"MEL-FIX-K1", "OP-ROU-ALMA", "BAT-B", kLandlordV,
                             kRoubaix, "QP059002", relog::v1::TYPOLOGY_T4, 74,
                             41000, 9000}));
    plan.Add(
        "K1", D(2023, 2, 9),
        Diagnosis({2, 2, relog::v1::ALLOWANCE_CATEGORY_COUPLE, 2,
                   relog::v1::RESOURCE_BAND_UNDER_PLAI, 41000, 9000, 18000}));
    plan.Add("K1", D(2023, 2, 20), Committee());
    plan.Add("K1", D(2023, 3, 11),
             Offer(arrival, "RES-ETAT-59", D(2023, 3, 11), true));
    plan.Add("K1", D(2023, 3, 21), Accept("1"));
    plan.Add("K1", D(2023, 4, 20), Cal("1"));
    plan.Add("K1", D(2023, 5, 5),
             Lease("1", LEASE_KIND_DEFINITIVE, arrival, 20000));
    plan.Add("K1", D(2023, 5, 20), Move());
  }

  // K2: OP-ROU-ALMA BAT-B (V, Roubaix, QP059002); temporary rehousing with
  // L in Lille, then definitive with V in Roubaix (delivered 1975-09-01).
  {
    const Arrival temporary{kLandlordL, kLille,
                            "",         "",
                            "",         "",
                            "",         relog::v1::TYPOLOGY_T3,
                            60,         relog::v1::FINANCING_PLUS,
                            40000,      8000};
    const Arrival arrival{kLandlordV,   kRoubaix,
                          "",           "",
                          "1975-09-01", "",
                          "",           relog::v1::TYPOLOGY_T3,
                          65,           relog::v1::FINANCING_OLD_REGIME,
                          36000,        7500};
    plan.Add("K2", D(2022, 3, 1),
             Identification({"MEL-FIX-K2", "OP-ROU-ALMA", "BAT-B", kLandlordV,
                             kRoubaix, "QP059002", relog::v1::TYPOLOGY_T3, 63,
                             38000, 7000}));
    plan.Add(
        "K2", D(2022, 4, 1),
        Diagnosis({1, 1, relog::v1::ALLOWANCE_CATEGORY_SINGLE, 1,
                   relog::v1::RESOURCE_BAND_UNDER_PLAI, 38000, 7000, 16000}));
    plan.Add("K2", D(2022, 4, 15), Committee());
    // Lille is neither Roubaix nor adjacent to it.
    plan.Add("K2", D(2022, 5, 2),
             Offer(temporary, "RES-B-LMH", D(2022, 5, 2), false));
    plan.Add("K2", D(2022, 5, 12), Accept("1"));
    plan.Add("K2", D(2022, 6, 1), Cal("1"));
    plan.Add("K2", D(2022, 6, 15),
             Lease("1", LEASE_KIND_TEMPORARY, temporary, 16000));
    plan.Add("K2", D(2022, 7, 1), Move());
    plan.Add("K2", D(2023, 1, 16),
             Offer(arrival, "RES-C-59512", D(2023, 1, 16), true));
    plan.Add("K2", D(2023, 1, 26), Accept("2"));
    plan.Add("K2", D(2023, 2, 10), Cal("2"));
    plan.Add("K2", D(2023, 3, 1),
             Lease("2", LEASE_KIND_DEFINITIVE, arrival, 16500));
    plan.Add("K2", D(2023, 3, 15), Move());
  }

  // K3: OP-LIL-CONCORDE-1 BAT-A (L, Lille, QP059001) → V, Lille, QP059009,
  // PRG-001; its decohabitation opens K3b.
  {
    const Arrival arrival{kLandlordV,  kLille,
                          "QP059009",  "PRG-001",
                          "",          "",
                          "593500101", relog::v1::TYPOLOGY_T4,
                          80,          relog::v1::FINANCING_PLUS,
                          50000,       10000};
    plan.Add("K3", D(2022, 9, 1),
             Identification({"MEL-FIX-K3", "OP-LIL-CONCORDE-1", "BAT-A",
                             kLandlordL, kLille, "QP059001",
                             relog::v1::TYPOLOGY_T5, 88, 47000, 10000}));
    plan.Add("K3", D(2022, 10, 3),
             Diagnosis({3, 2, relog::v1::ALLOWANCE_CATEGORY_COUPLE, 2,
                        relog::v1::RESOURCE_BAND_PLAI_TO_PLUS, 47000, 10000,
                        22000}));
    plan.Add("K3", D(2022, 10, 20), Committee());
    {
      cases::Command decohabitation = StepCommand(D(2023, 1, 5), CaseStep());
      decohabitation.step->mutable_decohabitation_recorded();
      relog::v1::HouseholdIdentified& h = decohabitation.new_household;
      h.set_reference("MEL-FIX-K3B");
      h.set_occupancy(relog::v1::OCCUPANCY_STATUS_SHELTERED);
      h.mutable_contact()->set_head_name("Household MEL-FIX-K3B");
      decohabitation.new_case_id = "k3b";
      plan.AddBuilt(
          "K3", D(2023, 1, 5), D(2023, 1, 5),
          [decohabitation](const cases::CaseState&) { return decohabitation; });
    }
    plan.Add("K3", D(2023, 2, 1),
             Offer(arrival, "RES-MEL", D(2023, 2, 1), true));
    plan.Add("K3", D(2023, 2, 8), Accept("1"));
    plan.Add("K3", D(2023, 3, 1), Cal("1"));
    plan.Add("K3", D(2023, 3, 20),
             Lease("1", LEASE_KIND_DEFINITIVE, arrival, 23000));
    plan.Add("K3", D(2023, 4, 3), Move());
  }

  // K3b: identified by K3's decohabitation → P, Tourcoing, PRG-003.
  {
    const Arrival arrival{kLandlordP,  kTourcoing,
                          "",          "PRG-003",
                          "",          "",
                          "595990101", relog::v1::TYPOLOGY_T2,
                          45,          relog::v1::FINANCING_PLUS,
                          32000,       5000};
    plan.Add("K3b", D(2023, 2, 1),
             Diagnosis({1, 0, relog::v1::ALLOWANCE_CATEGORY_SINGLE, 0,
                        relog::v1::RESOURCE_BAND_UNDER_PLAI, 0, 0, 0}));
    plan.Add("K3b", D(2023, 2, 15), Committee());
    // Tourcoing is neither Lille nor adjacent to it.
    plan.Add("K3b", D(2023, 3, 1),
             Offer(arrival, "RES-ALS", D(2023, 3, 1), false));
    plan.Add("K3b", D(2023, 3, 8), Accept("1"));
    plan.Add("K3b", D(2023, 4, 5), Cal("1"));
    plan.Add("K3b", D(2023, 4, 20),
             Lease("1", LEASE_KIND_DEFINITIVE, arrival, 15000));
    plan.Add("K3b", D(2023, 5, 2), Move());
  }

  // K4: OP-MON-NOUVEAUMONS BAT-A (P, Mons, QP059004) → L, Lille, first
  // conventionnement 2020-06-01. The offer names L; the lease was typed
  // with landlord P, then corrected to L after a closure and reopening.
  {
    const Arrival arrival{kLandlordL, kLille,
                          "",         "",
                          "",         "2020-06-01",
                          "",         relog::v1::TYPOLOGY_T3,
                          67,         relog::v1::FINANCING_PLUS,
                          45000,      8000};
    Arrival typed = arrival;
    typed.landlord = kLandlordP;
    plan.Add("K4", D(2022, 11, 2),
             Identification({"MEL-FIX-K4", "OP-MON-NOUVEAUMONS", "BAT-A",
                             kLandlordP, kMons, "QP059004",
                             relog::v1::TYPOLOGY_T3, 66, 42000, 8500}));
    plan.Add(
        "K4", D(2022, 12, 1),
        Diagnosis({2, 1, relog::v1::ALLOWANCE_CATEGORY_COUPLE, 1,
                   relog::v1::RESOURCE_BAND_PLAI_TO_PLUS, 42000, 8500, 17000}));
    plan.Add("K4", D(2022, 12, 15), Committee());
    plan.Add("K4", D(2023, 1, 10),
             Offer(arrival, "RES-ETAT-59", D(2023, 1, 10), true));
    plan.Add("K4", D(2023, 1, 20), Accept("1"));
    plan.Add("K4", D(2023, 2, 15), Cal("1"));
    CaseStep lease = Lease("1", LEASE_KIND_DEFINITIVE, typed, 17500);
    *lease.mutable_lease_signed()->mutable_dwelling() = ArrivalDwelling(typed);
    plan.Add("K4", D(2023, 3, 1), lease);
    plan.Add("K4", D(2023, 6, 30), Move());
    plan.Add("K4", D(2023, 7, 10), Close(relog::v1::CASE_OUTCOME_REHOUSED));
    plan.Add("K4", D(2023, 9, 1), Reopen());
    plan.AddBuilt(
        "K4", D(2023, 9, 15), D(2023, 9, 15),
        [arrival](const cases::CaseState& state) {
          // The lease as recorded, with the landlord of the offer.
          relog::v1::StepCorrected correction;
          for (const auto& [version, step] : state.steps) {
            if (!step.step.has_lease_signed()) continue;
            correction.set_corrected_version(version);
            *correction.mutable_replacement() = step.step;
          }
          correction.mutable_replacement()
              ->mutable_lease_signed()
              ->mutable_dwelling()
              ->mutable_facts()
              ->set_landlord_id(arrival.landlord);
          correction.set_reason(relog::v1::CORRECTION_REASON_TYPING_ERROR);
          cases::Command command;
          command.occurred_on = D(2023, 9, 15);
          command.correction = std::move(correction);
          return command;
        });
  }

  // K5: OP-ROU-ALMA BAT-A (L, Roubaix, QP059002) → V, Tourcoing, delivered
  // 2010-03-01; the move is recorded late (2024-02-05).
  {
    const Arrival arrival{kLandlordV,   kTourcoing,
                          "",           "",
                          "2010-03-01", "",
                          "",           relog::v1::TYPOLOGY_T4,
                          78,           relog::v1::FINANCING_PLUS,
                          46000,        9000};
    plan.Add("K5", D(2022, 5, 2),
             Identification({"MEL-FIX-K5", "OP-ROU-ALMA", "BAT-A", kLandlordL,
                             kRoubaix, "QP059002", relog::v1::TYPOLOGY_T4, 70,
                             39000, 8000}));
    plan.Add(
        "K5", D(2022, 6, 1),
        Diagnosis({1, 2, relog::v1::ALLOWANCE_CATEGORY_SINGLE, 2,
                   relog::v1::RESOURCE_BAND_UNDER_PLAI, 39000, 8000, 21000}));
    plan.Add("K5", D(2022, 6, 15), Committee());
    plan.Add("K5", D(2023, 9, 1),
             Offer(arrival, "RES-B-VILOGIA", D(2023, 9, 1), true));
    plan.Add("K5", D(2023, 9, 11), Accept("1"));
    plan.Add("K5", D(2023, 10, 2), Cal("1"));
    plan.Add("K5", D(2023, 11, 2),
             Lease("1", LEASE_KIND_DEFINITIVE, arrival, 24000));
    plan.Add("K5", D(2023, 11, 20), Move(), D(2024, 2, 5));
  }

  // K6: OP-TRC-BOURGOGNE BAT-A (V, Tourcoing, QP059003); left on its own.
  {
    plan.Add("K6", D(2022, 10, 3),
             Identification({"MEL-FIX-K6", "OP-TRC-BOURGOGNE", "BAT-A",
                             kLandlordV, kTourcoing, "QP059003",
                             relog::v1::TYPOLOGY_T3, 60, 36000, 7000}));
    plan.Add("K6", D(2023, 4, 1), Departure());
    plan.Add("K6", D(2023, 4, 15), Close(relog::v1::CASE_OUTCOME_LEFT_ON_OWN));
  }
  return std::move(plan).Sorted();
}

// The case folded from its whole stream, every class unsealed.
absl::StatusOr<cases::CaseState> LoadState(const EventStore& store,
                                           const std::string& case_id) {
  cases::CaseState state;
  state.case_id = case_id;
  const std::string stream = absl::StrCat(cases::kCaseStreamPrefix, case_id);
  uint64_t from = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<RecordedEvent> page,
                     store.ReadStreamForward(stream, from, kReadPage));
    for (const RecordedEvent& recorded : page) {
      ASSIGN_OR_RETURN(
          cases::CaseEvent event,
          cases::DecodeCaseEvent(recorded, cases::AllDataClasses()));
      state = cases::Evolve(std::move(state), event);
    }
    if (page.size() < kReadPage) return state;
    from = page.back().version + 1;
  }
}

}  // namespace

ReportFixture::ReportFixture() : clock_(Noon(kReferenceLoadedOn)) {}

ReportFixture::~ReportFixture() = default;

absl::Time ReportFixture::T1() {
  return absl::FromCivil(absl::CivilMinute(2023, 8, 31, 23, 59),
                         absl::UTCTimeZone());
}

absl::Time ReportFixture::T2() {
  return absl::FromCivil(absl::CivilMinute(2024, 1, 31, 23, 59),
                         absl::UTCTimeZone());
}

absl::Time ReportFixture::Noon(absl::CivilDay day) {
  return absl::FromCivil(
      absl::CivilHour(day.year(), day.month(), day.day(), 12),
      absl::UTCTimeZone());
}

std::unique_ptr<ReportFixture> ReportFixture::Create() {
  absl::StatusOr<std::unique_ptr<ReportFixture>> fixture = CreateOrError();
  if (!fixture.ok()) {
    ADD_FAILURE() << "the report fixture could not be recorded: "
                  << fixture.status();
    return nullptr;
  }
  return *std::move(fixture);
}

absl::StatusOr<std::unique_ptr<ReportFixture>> ReportFixture::CreateOrError() {
  std::unique_ptr<ReportFixture> fixture(new ReportFixture());
  RocksDbEventStoreOptions options;
  options.path = fixture->dir_.Sub("store");
  options.clock = &fixture->clock_;
  ASSIGN_OR_RETURN(fixture->store_, OpenRocksDbEventStore(options));
  RETURN_IF_ERROR(fixture->RecordAll());
  return fixture;
}

const std::string& ReportFixture::CaseId(const std::string& name) const {
  auto it = case_ids_.find(name);
  CHECK(it != case_ids_.end()) << "no case \"" << name << "\" in the fixture";
  return it->second;
}

std::string ReportFixture::StreamId(const std::string& name) const {
  return absl::StrCat(cases::kCaseStreamPrefix, CaseId(name));
}

absl::Status ReportFixture::RecordAll() {
  ASSIGN_OR_RETURN(
      relog::v1::ReferenceDataLoaded loaded,
      reference::ParseReferenceDir(RELOG_SOURCE_DIR "/deploy/reference/mel"));
  clock_.Set(Noon(kReferenceLoadedOn));
  ASSIGN_OR_RETURN(bool appended, reference::LoadReferenceIntoStore(
                                      *store_, loaded, kReferenceLoadedOn));
  if (!appended) {
    return absl::InternalError("the reference set was not appended");
  }
  ASSIGN_OR_RETURN(reference_, reference::ReadReferenceData(*store_, kEnd));

  for (const char* name : {"K1", "K2", "K3", "K4", "K5", "K6"}) {
    std::string id = absl::AsciiStrToLower(name);
    case_ids_.emplace(name, std::move(id));
  }
  // K3b is opened by K3's decohabitation, under the id the plan gives it.
  case_ids_.emplace("K3b", "k3b");

  for (const PlannedStep& planned : FixturePlan()) {
    ASSIGN_OR_RETURN(cases::CaseState state,
                     LoadState(*store_, CaseId(planned.name)));
    const absl::StatusOr<uint64_t> position = Record(
        planned.name, planned.build(state), planned.on, planned.recorded_at);
    if (!position.ok()) {
      return absl::Status(position.status().code(),
                          absl::StrCat(planned.name, " on ", Ymd(planned.on),
                                       ": ", position.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ReportFixture::Record(const std::string& name,
                                               const cases::Command& command,
                                               absl::CivilDay on,
                                               absl::Time recorded_at) {
  const std::string& case_id = CaseId(name);
  ASSIGN_OR_RETURN(cases::CaseState state, LoadState(*store_, case_id));
  cases::Command decided = command;
  decided.occurred_on = on;
  cases::DecideContext context;
  context.today = std::max(on, absl::ToCivilDay(recorded_at, Paris()));
  context.reference = reference_.get();
  ASSIGN_OR_RETURN(cases::Decision decision,
                   cases::Decide(decided, state, context));

  const std::string request_id =
      absl::StrCat("report-fixture-", next_request_++);
  uint32_t index = 0;
  auto to_append = [&](const std::string& id, ExpectedVersion expected,
                       const std::vector<cases::CaseEvent>& events)
      -> absl::StatusOr<StreamAppend> {
    StreamAppend append;
    append.stream_id = absl::StrCat(cases::kCaseStreamPrefix, id);
    append.expected = expected;
    for (const cases::CaseEvent& event : events) {
      ASSIGN_OR_RETURN(NewEvent encoded, cases::EncodeCaseEvent(event));
      encoded.id = DeriveEventId(request_id, index++);
      encoded.metadata.actor = kActor;
      encoded.metadata.correlation_id = request_id;
      encoded.metadata.causation_id = absl::StrCat("request:", request_id);
      append.events.push_back(std::move(encoded));
    }
    return append;
  };
  AppendRequest request;
  ASSIGN_OR_RETURN(
      StreamAppend own,
      to_append(case_id,
                state.exists() ? ExpectedVersion::Exact(state.version())
                               : ExpectedVersion::NoStream(),
                decision.events));
  request.streams.push_back(std::move(own));
  if (decision.opened.has_value()) {
    ASSIGN_OR_RETURN(StreamAppend opened, to_append(decision.opened->case_id,
                                                    ExpectedVersion::NoStream(),
                                                    decision.opened->events));
    request.streams.push_back(std::move(opened));
  }
  clock_.Set(recorded_at);
  ASSIGN_OR_RETURN(AppendResult result,
                   store_->AppendBlocking(std::move(request)));
  if (decision.opened.has_value()) {
    // Known by its id; the fixture's own K3b is also known as "K3b".
    case_ids_.emplace(decision.opened->case_id, decision.opened->case_id);
  }
  return result.first_position;
}

absl::Status ReportFixture::DeclareComplete(const std::string& file,
                                            absl::CivilDay from,
                                            absl::CivilDay to) {
  ASSIGN_OR_RETURN(
      relog::v1::ReferenceDataLoaded loaded,
      reference::ParseReferenceDir(RELOG_SOURCE_DIR "/deploy/reference/mel"));
  relog::v1::FileCoverage* coverage = loaded.add_coverage();
  coverage->set_file(file);
  coverage->set_complete_from(absl::FormatCivilTime(from));
  coverage->set_complete_to(absl::FormatCivilTime(to));
  coverage->set_source(relog::v1::REFERENCE_SOURCE_ILLUSTRATIVE);
  loaded.clear_content_sha256();
  clock_.Set(Noon(absl::CivilDay(2024, 3, 1)));
  ASSIGN_OR_RETURN(bool appended,
                   reference::LoadReferenceIntoStore(
                       *store_, loaded, absl::CivilDay(2024, 3, 1)));
  if (!appended) return absl::FailedPreconditionError("coverage not loaded");
  return absl::OkStatus();
}

}  // namespace relog::reports::testing
