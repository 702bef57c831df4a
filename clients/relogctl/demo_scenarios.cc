#include "clients/relogctl/demo_scenarios.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/relogctl/common.h"
#include "relog/v1/case_service.pb.h"
#include "services/reference/reference_files.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;
using reference::ReferenceData;

// Identifications from 2017 to a month before today, within each
// operation's validity; relog takes the origin's QPV code in force on the
// day from the operation (the sample's QPV list changes on 2024-01-01).
constexpr absl::CivilDay kFirstIdentification(2017, 1, 1);

uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::string Day(absl::CivilDay d) { return FormatDay(d); }

// Where a household comes from, what it needs.
struct Household {
  std::string reference;
  std::string operation_id, building_id;
  v1::DwellingFacts origin;
  int adults = 1, children = 0;
  v1::Typology typology = v1::TYPOLOGY_T3;
  int64_t allowance_cents = 0;
};

class Planner {
 public:
  Planner(const DemoWorld& world, uint64_t seed, int index, int sub)
      : world_(world),
        ref_(world.ref()),
        rng_(SplitMix(seed * 1000003u + index * 7919u + sub)),
        id_seed_(SplitMix(seed ^ (uint64_t{0xC0FFEE} << 20)) ^
                 SplitMix(index * 31u + sub)) {}

  std::mt19937_64& rng() { return rng_; }
  int Uniform(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  bool Chance(double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
  }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Uniform(0, static_cast<int>(items.size()) - 1)];
  }
  absl::CivilDay day() const { return day_; }
  void set_day(absl::CivilDay day) { day_ = day; }
  bool stopped() const { return stopped_; }
  HouseholdPlan& plan() { return plan_; }
  int size() const { return static_cast<int>(plan_.steps.size()); }

  // Moves the date on by lo..hi days; past today the story stops.
  bool Advance(int lo, int hi) {
    if (stopped_) return false;
    day_ += Uniform(lo, hi);
    if (day_ > world_.today()) stopped_ = true;
    return !stopped_;
  }

  // A new request of `rpc` dated today's cursor; nullptr once stopped.
  template <typename Request>
  Request* Add(const char* rpc, std::string expected_reason = "") {
    if (stopped_) return nullptr;
    PlannedStep step;
    step.mutation = FindMutationByRpc(rpc);
    auto request = std::make_unique<Request>();
    request->set_request_id(
        UuidFromBits(SplitMix(id_seed_ + 2 * counter_),
                     SplitMix(id_seed_ + 2 * counter_ + 1)));
    ++counter_;
    request->set_occurred_at(Day(day_));
    Request* raw = request.get();
    step.request = std::move(request);
    step.expected_reason = std::move(expected_reason);
    plan_.steps.push_back(std::move(step));
    return raw;
  }
  PlannedStep& last() { return plan_.steps.back(); }

  const DemoWorld& world() const { return world_; }
  const ReferenceData& ref() const { return ref_; }

 private:
  const DemoWorld& world_;
  const ReferenceData& ref_;
  std::mt19937_64 rng_;
  uint64_t id_seed_;
  uint64_t counter_ = 0;
  absl::CivilDay day_;
  bool stopped_ = false;
  HouseholdPlan plan_;
};

v1::Typology TypologyFor(int people) {
  if (people <= 1) return v1::TYPOLOGY_T2;
  if (people == 2) return v1::TYPOLOGY_T2;
  if (people <= 4) return v1::TYPOLOGY_T3;
  if (people <= 5) return v1::TYPOLOGY_T4;
  if (people <= 7) return v1::TYPOLOGY_T5;
  return v1::TYPOLOGY_T6;
}

double SurfaceFor(v1::Typology t, Planner& p) {
  return 20 + 14 * static_cast<int>(t) + p.Uniform(0, 12);
}

// Fills size, floor, rent and charges of a dwelling of typology `t`.
void FillDwellingBody(v1::DwellingFacts& d, v1::Typology t, Planner& p,
                      double rent_per_m2) {
  d.set_typology(t);
  d.set_surface_m2(SurfaceFor(t, p));
  d.set_floor(p.Uniform(0, 8));
  d.set_has_lift(d.floor() >= 4 || p.Chance(0.3));
  d.set_rent_cents(static_cast<int64_t>(d.surface_m2() * rent_per_m2 * 100));
  d.set_charges_cents(p.Uniform(40, 120) * 100);
}

// A QPV of `insee` valid on `day`, or "".
std::string QuartierOf(const ReferenceData& ref, const std::string& insee,
                       absl::CivilDay day, Planner& p) {
  std::vector<std::string> codes;
  for (const auto* q : ref.Quartiers(day)) {
    if (std::find(q->communes.begin(), q->communes.end(), insee) !=
        q->communes.end()) {
      codes.push_back(q->code);
    }
  }
  return codes.empty() ? "" : p.Pick(codes);
}

struct Offered {
  v1::OfferMade offer;
  bool new_or_recent = false;
};

// A dwelling to offer on `day` to `h`. `compliant_only`: in the origin
// commune or an adjacent one.
Offered ChooseDwelling(const Household& h, absl::CivilDay day, Planner& p,
                       bool compliant_only, bool allow_new) {
  const ReferenceData& ref = p.ref();
  const std::string& origin = h.origin.commune_insee();
  auto compliant = [&](const std::string& insee) {
    return insee == origin || ref.AreAdjacent(origin, insee, day);
  };
  Offered out;
  v1::DwellingFacts& d = *out.offer.mutable_dwelling()->mutable_facts();
  v1::Typology t = h.typology;
  // New or recent: a programme delivered (or first conventioned) less than
  // about four years before the offer, so under five at the move.
  std::vector<const reference::Programme*> recent;
  if (allow_new) {
    for (const auto* prog : ref.Programmes()) {
      auto delivered = prog->delivered_on.has_value()
                           ? prog->delivered_on
                           : prog->first_conventionnement;
      if (!delivered.has_value() || *delivered > day ||
          *delivered < day - 4 * 365) {
        continue;
      }
      if (ref.FindLandlord(prog->landlord_id, day) == nullptr) continue;
      if (compliant_only && !compliant(prog->insee)) continue;
      recent.push_back(prog);
    }
  }
  if (!recent.empty()) {
    const auto* prog = p.Pick(recent);
    d.set_landlord_id(prog->landlord_id);
    d.set_commune_insee(prog->insee);
    if (!prog->quartier_code.empty() &&
        ref.FindQuartier(prog->quartier_code, day) != nullptr) {
      d.set_quartier_code(prog->quartier_code);
    }
    d.set_programme_id(prog->id);
    FillDwellingBody(d, t, p, 6.0 + p.Uniform(0, 80) / 100.0);
    d.set_financing(prog->financing == "PLAI"  ? v1::FINANCING_PLAI
                    : prog->financing == "PLS" ? v1::FINANCING_PLS
                    : p.Chance(0.35)           ? v1::FINANCING_PLAI
                                               : v1::FINANCING_PLUS);
    out.new_or_recent = true;
  } else {
    std::string insee = origin;
    const double r = p.Uniform(0, 99) / 100.0;
    std::vector<std::string> adjacent = ref.AdjacentCommunes(origin, day);
    if (r >= 0.70 && !adjacent.empty() && (r < 0.90 || compliant_only)) {
      insee = p.Pick(adjacent);
    } else if (r >= 0.90 && !compliant_only) {
      std::vector<std::string> all;
      for (const auto* c : ref.Communes(day)) all.push_back(c->insee);
      if (!all.empty()) insee = p.Pick(all);
    }
    d.set_commune_insee(insee);
    const double in_qpv = insee == origin ? 0.85 : 0.3;
    if (p.Chance(in_qpv)) d.set_quartier_code(QuartierOf(ref, insee, day, p));
    if (p.Chance(0.55)) {
      d.set_landlord_id(h.origin.landlord_id());
    } else {
      auto landlords = ref.Landlords(day);
      d.set_landlord_id(p.Pick(landlords)->id);
    }
    FillDwellingBody(d, t, p, 4.8 + p.Uniform(0, 120) / 100.0);
    const int f = p.Uniform(0, 99);
    d.set_financing(f < 30   ? v1::FINANCING_PLAI
                    : f < 85 ? v1::FINANCING_PLUS
                    : f < 95 ? v1::FINANCING_PLS
                             : v1::FINANCING_OLD_REGIME);
  }
  // Whose flow: the State, Action Logement, the commune's or the
  // landlord's own.
  std::vector<std::string> reservataires;
  for (const auto* res : ref.Reservataires(day)) {
    if (res->kind == reference::ReservataireKind::kCommune &&
        res->insee != d.commune_insee()) {
      continue;
    }
    if (res->kind == reference::ReservataireKind::kLandlord &&
        res->landlord_id != d.landlord_id()) {
      continue;
    }
    reservataires.push_back(res->id);
  }
  if (!reservataires.empty()) {
    out.offer.set_reservataire_id(p.Pick(reservataires));
  }
  out.offer.set_estimated_reste_a_charge_cents(std::max<int64_t>(
      0, d.rent_cents() + d.charges_cents() - h.allowance_cents));
  auto* c = out.offer.mutable_compliance();
  c->set_needs(p.Chance(0.95) ? v1::COMPLIANCE_COMPLIANT
                              : v1::COMPLIANCE_NOT_COMPLIANT);
  c->set_means(p.Chance(0.95) ? v1::COMPLIANCE_COMPLIANT
                              : v1::COMPLIANCE_NOT_COMPLIANT);
  c->set_location(compliant(d.commune_insee()) ? v1::COMPLIANCE_COMPLIANT
                                               : v1::COMPLIANCE_NOT_COMPLIANT);
  return out;
}

void Diagnose(Planner& p, Household& h) {
  if (!p.Advance(10, 60)) return;
  auto* r = p.Add<v1::RecordDiagnosisRequest>("RecordDiagnosis");
  auto* d = r->mutable_diagnosis();
  h.adults = p.Uniform(1, 3);
  h.children = p.Chance(0.35) ? 0 : p.Uniform(1, 4);
  h.typology = TypologyFor(h.adults + h.children);
  d->set_adults(h.adults);
  d->set_children(h.children);
  const int band = p.Uniform(0, 99);
  d->set_resource_band(band < 55   ? v1::RESOURCE_BAND_UNDER_PLAI
                       : band < 85 ? v1::RESOURCE_BAND_PLAI_TO_PLUS
                       : band < 97 ? v1::RESOURCE_BAND_PLUS_TO_PLS
                                   : v1::RESOURCE_BAND_ABOVE_PLS);
  d->set_monthly_income_cents(p.Uniform(700, 2600) * 100);
  h.allowance_cents = band < 85 ? p.Uniform(120, 380) * 100 : 0;
  d->set_housing_allowance_cents(h.allowance_cents);
  d->set_rent_cents(h.origin.rent_cents());
  d->set_charges_cents(h.origin.charges_cents());
  d->set_occupancy_fit(p.Chance(0.7)   ? v1::OCCUPANCY_FIT_ADEQUATE
                       : p.Chance(0.6) ? v1::OCCUPANCY_FIT_OVER_OCCUPIED
                                       : v1::OCCUPANCY_FIT_UNDER_OCCUPIED);
  if (p.Chance(0.08)) d->mutable_needs()->set_ground_floor(true);
  if (p.Chance(0.10)) d->mutable_needs()->set_lift(true);
  d->set_support_level(p.Chance(0.5)   ? v1::SUPPORT_LEVEL_LIGHT
                       : p.Chance(0.5) ? v1::SUPPORT_LEVEL_NONE
                                       : v1::SUPPORT_LEVEL_REINFORCED);
  d->add_priority_criteria(v1::PRIORITY_CRITERION_URBAN_RENEWAL);
  // Some diagnoses are corrected later: a child was forgotten.
  if (p.Chance(0.10)) {
    const int diagnosis = p.size() - 1;
    v1::DiagnosisRecorded fixed = *d;
    if (!p.Advance(1, 20)) return;
    auto* c = p.Add<v1::CorrectStepRequest>("CorrectStep");
    c->mutable_correction()->set_reason(v1::CORRECTION_REASON_LATE_INFORMATION);
    fixed.set_children(fixed.children() + 1);
    *c->mutable_correction()
         ->mutable_replacement()
         ->mutable_diagnosis_recorded() = fixed;
    p.last().names_step = diagnosis;
    h.children = fixed.children();
  }
}

void Wishes(Planner& p, const Household& h) {
  if (!p.Advance(0, 20)) return;
  auto add = [&] {
    auto* r = p.Add<v1::RecordWishesRequest>("RecordWishes");
    if (r == nullptr) return;
    auto* w = r->mutable_wishes();
    w->add_communes_insee(h.origin.commune_insee());
    auto adjacent = p.ref().AdjacentCommunes(h.origin.commune_insee(), p.day());
    if (!adjacent.empty() && p.Chance(0.6)) {
      w->add_communes_insee(p.Pick(adjacent));
    }
    w->add_typologies(h.typology);
    w->set_wants_to_stay_on_site(p.Chance(0.4));
    w->set_accepts_private_sector(p.Chance(0.1));
  };
  add();
  // Recorded on the wrong case: cancelled, then recorded again.
  if (p.Chance(0.04)) {
    const int wishes = p.size() - 1;
    if (!p.Advance(1, 10)) return;
    auto* c = p.Add<v1::CancelStepRequest>("CancelStep");
    c->mutable_cancellation()->set_reason(v1::CORRECTION_REASON_WRONG_CASE);
    p.last().names_step = wishes;
    if (!p.Advance(0, 5)) return;
    add();
  }
}

// Exits before the definitive move: the story ends with keys and closure.
void Exit(Planner& p, const char* kind) {
  const std::string k = kind;
  v1::CaseOutcome outcome = v1::CASE_OUTCOME_LEFT_ON_OWN;
  if (k == "departure") {
    auto* r = p.Add<v1::RecordDepartureRequest>("RecordDeparture");
    if (r == nullptr) return;
    const int dest = p.Uniform(1, 6);
    r->mutable_departure()->set_destination(
        static_cast<v1::HouseholdLeft::Destination>(dest));
  } else if (k == "death") {
    if (p.Add<v1::RecordDeathRequest>("RecordDeath") == nullptr) return;
    outcome = v1::CASE_OUTCOME_DECEASED;
  } else {
    if (p.Add<v1::RecordEvictionRequest>("RecordEviction") == nullptr) return;
    outcome = v1::CASE_OUTCOME_EVICTED;
  }
  if (p.Advance(0, 30))
    p.Add<v1::RecordKeysReturnedRequest>("RecordKeysReturned");
  if (p.Advance(5, 60)) {
    auto* c = p.Add<v1::CloseCaseRequest>("CloseCase");
    if (c != nullptr) c->mutable_closure()->set_outcome(outcome);
  }
}

void AfterDefinitiveMove(Planner& p, const Household& h,
                         const v1::DwellingFacts& arrival,
                         absl::CivilDay moved) {
  if (p.Advance(0, 20))
    p.Add<v1::RecordKeysReturnedRequest>("RecordKeysReturned");
  bool consent = false;
  if (p.Advance(0, 30)) {
    auto* c = p.Add<v1::RecordFollowUpConsentRequest>("RecordFollowUpConsent");
    consent = p.Chance(0.7);
    if (c != nullptr) c->mutable_consent()->set_given(consent);
  }
  const v1::FollowUpMilestone milestones[] = {
      v1::FOLLOW_UP_MILESTONE_3_MONTHS, v1::FOLLOW_UP_MILESTONE_6_MONTHS,
      v1::FOLLOW_UP_MILESTONE_12_MONTHS};
  const int months[] = {91, 182, 365};
  for (int i = 0; i < 3; ++i) {
    const absl::CivilDay due = moved + months[i] + p.Uniform(0, 20);
    if (due > p.day()) p.set_day(due);
    if (p.day() > p.world().today()) return;
    auto* f = p.Add<v1::RecordFollowUpRequest>("RecordFollowUp");
    auto* body = f->mutable_follow_up();
    body->set_milestone(milestones[i]);
    body->set_has_arrears(p.Chance(0.12));
    const int s = p.Uniform(0, 99);
    body->set_satisfaction(s < 30   ? v1::SATISFACTION_VERY_SATISFIED
                           : s < 80 ? v1::SATISFACTION_SATISFIED
                           : s < 95 ? v1::SATISFACTION_DISSATISFIED
                                    : v1::SATISFACTION_VERY_DISSATISFIED);
    if (i == 0) {
      body->set_actual_reste_a_charge_cents(std::max<int64_t>(
          0, arrival.rent_cents() + arrival.charges_cents() -
                 h.allowance_cents + p.Uniform(-20, 20) * 100));
    }
    // The intercommunal agreement: follow-up passes to the arrival commune.
    if (i == 0 && consent &&
        arrival.commune_insee() != h.origin.commune_insee() && p.Chance(0.5) &&
        p.Advance(0, 10)) {
      auto* ho = p.Add<v1::HandOverFollowUpRequest>("HandOverFollowUp");
      ho->mutable_hand_over()->set_body_name("CCAS of the arrival commune");
      ho->mutable_hand_over()->set_commune_insee(arrival.commune_insee());
    }
  }
  if (p.Advance(0, 30)) p.Add<v1::EndFollowUpRequest>("EndFollowUp");
  if (p.Advance(0, 30)) {
    auto* c = p.Add<v1::CloseCaseRequest>("CloseCase");
    c->mutable_closure()->set_outcome(v1::CASE_OUTCOME_REHOUSED);
  }
  // A few closed cases are reopened (a problem after closure), then closed.
  if (p.Chance(0.03) && p.Advance(10, 60)) {
    auto* r = p.Add<v1::ReopenCaseRequest>("ReopenCase");
    r->mutable_reopening()->set_reason("arrears reported by the landlord");
    if (p.Advance(10, 60)) {
      auto* c = p.Add<v1::CloseCaseRequest>("CloseCase");
      c->mutable_closure()->set_outcome(v1::CASE_OUTCOME_REHOUSED);
    }
  }
}

// When the QPV list was revised between the offer and the move, the move
// gives the arrival's code in force on its date (the same quartier's name
// in the dwelling's commune), as an operator would.
void SetArrivalQuartier(Planner& p, const v1::DwellingFacts& facts,
                        v1::HouseholdMoved* move) {
  const std::string& code = facts.quartier_code();
  if (code.empty() || p.ref().FindQuartier(code, p.day()) != nullptr) return;
  std::string name;
  for (const reference::Quartier* q :
       p.ref().Quartiers(absl::CivilDay(2015, 1, 1))) {
    if (q->code == code) name = q->name;
  }
  for (const reference::Quartier* q : p.ref().Quartiers(p.day())) {
    const bool in_commune =
        std::find(q->communes.begin(), q->communes.end(),
                  facts.commune_insee()) != q->communes.end();
    if (q->name == name && in_commune) {
      move->set_quartier_code(q->code);
      return;
    }
  }
  move->set_outside_qpv(true);
}

// Offers until a definitive move, an exit, or today.
void Offers(Planner& p, Household& h, bool refuser, bool temporary_first,
            bool* legal_procedure) {
  int offer_number = 0;
  int counted = 0;
  bool temporary_done = !temporary_first;
  for (int attempt = 0; attempt < 9 && !p.stopped(); ++attempt) {
    if (!p.Advance(10, 75)) return;
    // After the legal procedure some households are evicted or leave.
    if (counted >= 3 && attempt >= 3) {
      const int r = p.Uniform(0, 99);
      if (r < 30) {
        if (p.Advance(150, 240)) Exit(p, "eviction");
        return;
      }
      if (r < 40) return Exit(p, "departure");
    }
    if (p.Chance(0.01)) return Exit(p, "death");
    const bool will_refuse = refuser ? counted < 3 : p.Chance(0.22);
    const bool final_offer = !will_refuse;
    Offered offered = ChooseDwelling(
        h, p.day(), p, /*compliant_only=*/refuser,
        /*allow_new=*/final_offer && temporary_done && p.Chance(0.30));
    // The rule shown: an offer outside the origin commune and its adjacent
    // ones cannot be attested location-compliant.
    if (offered.offer.compliance().location() == v1::COMPLIANCE_NOT_COMPLIANT &&
        p.Chance(0.25)) {
      auto* bad =
          p.Add<v1::MakeOfferRequest>("MakeOffer", "LOCATION_NOT_COMPLIANT");
      *bad->mutable_offer() = offered.offer;
      bad->mutable_offer()->mutable_compliance()->set_location(
          v1::COMPLIANCE_COMPLIANT);
    }
    const bool notified = refuser || p.Chance(0.95);
    absl::CivilDay notified_on = p.day() + p.Uniform(0, 5);
    if (notified_on > p.world().today()) notified_on = p.day();
    absl::CivilDay deadline = notified_on + 10;
    if (notified) {
      offered.offer.set_notified_on(Day(notified_on));
      offered.offer.set_response_deadline(Day(deadline));
    }
    auto* make = p.Add<v1::MakeOfferRequest>("MakeOffer");
    if (make == nullptr) return;
    *make->mutable_offer() = offered.offer;
    const std::string id = absl::StrCat(++offer_number);
    if (notified && notified_on > p.day()) p.set_day(notified_on);
    const int fate = p.Uniform(0, 99);
    if (!will_refuse && fate < 6) {
      if (!p.Advance(1, 15)) return;
      auto* w = p.Add<v1::WithdrawOfferRequest>("WithdrawOffer");
      w->mutable_withdrawal()->set_offer_id(id);
      w->mutable_withdrawal()->set_reason(
          p.Chance(0.5) ? v1::OfferWithdrawn::REASON_DWELLING_UNAVAILABLE
                        : v1::OfferWithdrawn::REASON_ALLOCATED_TO_ANOTHER);
      continue;
    }
    const bool visit = p.Chance(0.8);
    if (visit && p.Advance(1, 7)) {
      auto* v = p.Add<v1::RecordOfferVisitRequest>("RecordOfferVisit");
      v->mutable_visit()->set_offer_id(id);
    }
    if (will_refuse) {
      if (notified && p.Chance(0.2)) {
        // No answer: lapses the day after the deadline or later.
        if (deadline + 1 > p.day()) p.set_day(deadline + 1);
        if (!p.Advance(0, 10)) return;
        p.Add<v1::RecordOfferLapseRequest>("RecordOfferLapse")
            ->mutable_lapse()
            ->set_offer_id(id);
      } else {
        if (!p.Advance(1, 8)) return;
        auto* r = p.Add<v1::RefuseOfferRequest>("RefuseOffer");
        r->mutable_refusal()->set_offer_id(id);
        const int n = p.Uniform(1, 2);
        for (int i = 0; i < n; ++i) {
          r->mutable_refusal()->add_reasons(
              static_cast<v1::RefusalReason>(p.Uniform(1, 10)));
        }
        // Sometimes the reasons were mistyped and are corrected.
        if (p.Chance(0.05) && p.Advance(1, 10)) {
          const int refusal = p.size() - 1;
          auto* c = p.Add<v1::CorrectStepRequest>("CorrectStep");
          c->mutable_correction()->set_reason(
              v1::CORRECTION_REASON_TYPING_ERROR);
          auto* fixed = c->mutable_correction()
                            ->mutable_replacement()
                            ->mutable_offer_refused();
          fixed->set_offer_id(id);
          fixed->add_reasons(v1::REFUSAL_REASON_RENT_TOO_HIGH);
          p.last().names_step = refusal;
        }
      }
      if (notified && ++counted == 3) {
        *legal_procedure = true;
        p.plan().legal_procedure = p.size() - 1;
      }
      continue;
    }
    // Accepted, then the CAL.
    if (!p.Advance(1, 7)) return;
    p.Add<v1::AcceptOfferRequest>("AcceptOffer")
        ->mutable_acceptance()
        ->set_offer_id(id);
    if (!p.Advance(7, 30)) return;
    const int cal = p.Uniform(0, 99);
    auto add_cal = [&](v1::CalDecisionRecorded::Decision decision) {
      auto* c = p.Add<v1::RecordCalDecisionRequest>("RecordCalDecision");
      if (c == nullptr) return;
      c->mutable_cal_decision()->set_offer_id(id);
      c->mutable_cal_decision()->set_decision(decision);
    };
    if (cal < 5) {
      add_cal(v1::CalDecisionRecorded::DECISION_REFUSED);
      continue;
    }
    if (cal < 12) {
      add_cal(v1::CalDecisionRecorded::DECISION_POSTPONED);
      if (!p.Advance(14, 30)) return;
    }
    add_cal(cal > 90 ? v1::CalDecisionRecorded::DECISION_INFORMED
                     : v1::CalDecisionRecorded::DECISION_ALLOCATED);
    if (!p.Advance(5, 30)) return;
    auto* lease = p.Add<v1::SignLeaseRequest>("SignLease");
    if (lease == nullptr) return;
    const bool temporary = !temporary_done;
    const auto& facts = offered.offer.dwelling().facts();
    lease->mutable_lease()->set_offer_id(id);
    lease->mutable_lease()->set_kind(temporary ? v1::LEASE_KIND_TEMPORARY
                                               : v1::LEASE_KIND_DEFINITIVE);
    lease->mutable_lease()->set_rent_cents(facts.rent_cents());
    lease->mutable_lease()->set_charges_cents(facts.charges_cents());
    lease->mutable_lease()->set_housing_allowance_cents(h.allowance_cents);
    if (!p.Advance(3, 30)) return;
    auto* move = p.Add<v1::RecordMoveRequest>("RecordMove");
    if (move == nullptr) return;
    SetArrivalQuartier(p, facts, move->mutable_move());
    if (temporary) {
      temporary_done = true;
      continue;
    }
    p.plan().definitive_move = p.size() - 1;
    auto& out = p.plan().facts;
    out.away_from_site = facts.commune_insee() != h.origin.commune_insee() ||
                         facts.quartier_code().empty();
    out.new_or_recent = offered.new_or_recent;
    out.cross_landlord = facts.landlord_id() != h.origin.landlord_id();
    AfterDefinitiveMove(p, h, facts, p.day());
    return;
  }
}

// Diagnosis to closure, for a household already identified.
void Story(Planner& p, Household& h, bool may_decohabit, const DemoWorld& world,
           uint64_t seed, int index) {
  Diagnose(p, h);
  const int early = p.Uniform(0, 999);
  if (early < 30) {
    if (p.Advance(30, 300)) Exit(p, "departure");
    return;
  }
  if (early < 40) {
    if (p.Advance(30, 300)) Exit(p, "death");
    return;
  }
  Wishes(p, h);
  if (!p.Advance(7, 45)) return;
  if (p.Chance(0.08)) {
    auto* c = p.Add<v1::RecordCommitteeReviewRequest>("RecordCommitteeReview");
    c->mutable_review()->set_decision(
        v1::CommitteeReviewed::DECISION_ADJOURNED);
    if (!p.Advance(30, 60)) return;
  }
  auto* c = p.Add<v1::RecordCommitteeReviewRequest>("RecordCommitteeReview");
  if (c == nullptr) return;
  c->mutable_review()->set_decision(v1::CommitteeReviewed::DECISION_VALIDATED);
  // An adult child forms its own household: a new linked case.
  if (may_decohabit && h.adults >= 2 && p.Chance(0.15) && p.Advance(5, 60)) {
    auto* d = p.Add<v1::RecordDecohabitationRequest>("RecordDecohabitation");
    if (d == nullptr) return;
    auto* nh = d->mutable_new_household();
    nh->set_reference(h.reference + "-D");
    nh->set_occupancy(v1::OCCUPANCY_STATUS_TITULAR_TENANT);
    nh->mutable_contact()->set_head_name(
        absl::StrCat("Demo household ", index, " (adult child)"));
    Planner child(world, seed, index, 1);
    child.set_day(p.day());
    Household ch = h;
    ch.reference = nh->reference();
    auto& plan = child.plan();
    plan.label = absl::StrCat("household ", index, " / decohabitation");
    Story(child, ch, false, world, seed, index);
    d = nullptr;
    p.last().child = std::make_unique<HouseholdPlan>(std::move(plan));
    h.adults -= 1;
  }
  bool legal = false;
  Offers(p, h, /*refuser=*/p.Chance(0.12), /*temporary_first=*/p.Chance(0.06),
         &legal);
}

}  // namespace

absl::StatusOr<std::unique_ptr<DemoWorld>> LoadDemoWorld(
    const std::string& dir) {
  absl::StatusOr<relog::v1::ReferenceDataLoaded> files =
      reference::ParseReferenceDir(dir);
  if (!files.ok()) return files.status();
  absl::StatusOr<std::shared_ptr<const reference::ReferenceData>> ref =
      reference::ReferenceData::Build(*files);
  if (!ref.ok()) return ref.status();
  return std::make_unique<DemoWorld>(*std::move(ref), TodayInParis());
}

DemoWorld::DemoWorld(std::shared_ptr<const reference::ReferenceData> ref,
                     absl::CivilDay today)
    : ref_(std::move(ref)), today_(today) {
  for (const auto* op : ref_->Operations(kFirstIdentification)) {
    for (const auto& b : op->buildings) {
      sites_.push_back({op, &b});
      total_dwellings_ += b.dwellings;
    }
  }
}

HouseholdPlan PlanHousehold(const DemoWorld& world, uint64_t seed, int index) {
  Planner p(world, seed, index, 0);
  p.plan().label = absl::StrCat("household ", index);
  if (world.sites().empty()) return std::move(p.plan());
  // A building, weighted by its dwellings.
  int pick = p.Uniform(0, world.total_dwellings() - 1);
  const DemoWorld::Site* site = &world.sites().front();
  for (const auto& s : world.sites()) {
    if (pick < s.building->dwellings) {
      site = &s;
      break;
    }
    pick -= s.building->dwellings;
  }
  const auto& b = *site->building;
  // Identified from 2017 (or the operation's start) to a month before
  // today, and before the building's demolition.
  const absl::CivilDay first =
      std::max(kFirstIdentification, site->operation->valid.from);
  absl::CivilDay last = world.today() - 30;
  if (b.demolition_planned.has_value()) {
    last = std::min(last, *b.demolition_planned - 60);
  }
  if (last < first) last = first;
  p.set_day(first + p.Uniform(0, static_cast<int>(last - first)));
  if (p.day() > world.today()) return std::move(p.plan());

  Household h;
  h.reference = absl::StrFormat("DEMO-%d-%05d", seed % 100000, index);
  h.operation_id = site->operation->id;
  h.building_id = b.id;
  h.origin.set_landlord_id(b.landlord_id);
  h.origin.set_commune_insee(b.insee);
  // The QPV code in force on the identification day (relog fills the
  // same); outside its operation's QPV lists the building has none.
  const reference::Operation* in_force =
      p.ref().FindOperation(site->operation->id, p.day());
  h.origin.set_quartier_code(in_force != nullptr ? in_force->quartier_code
                                                 : b.quartier_code);
  const v1::Typology origin_typology =
      static_cast<v1::Typology>(p.Uniform(1, 5));
  FillDwellingBody(h.origin, origin_typology, p,
                   3.8 + p.Uniform(0, 90) / 100.0);
  h.origin.set_financing(p.Chance(0.7) ? v1::FINANCING_OLD_REGIME
                                       : v1::FINANCING_PLUS);
  h.typology = origin_typology;

  auto* id = p.Add<v1::IdentifyHouseholdRequest>("IdentifyHousehold");
  auto* hh = id->mutable_household();
  hh->set_reference(h.reference);
  hh->set_operation_id(h.operation_id);
  hh->set_building_id(h.building_id);
  *hh->mutable_origin()->mutable_facts() = h.origin;
  hh->mutable_origin()->mutable_location()->set_address(
      absl::StrCat(b.address, ", logement ", index));
  hh->mutable_origin()->mutable_location()->set_register_id(
      absl::StrFormat("RPLS-DEMO-%d-%05d", seed % 100000, index));
  const int occ = p.Uniform(0, 99);
  hh->set_occupancy(occ < 90   ? v1::OCCUPANCY_STATUS_TITULAR_TENANT
                    : occ < 96 ? v1::OCCUPANCY_STATUS_OCCUPANT_WITHOUT_TITLE
                               : v1::OCCUPANCY_STATUS_SHELTERED);
  hh->set_tenant_reference(
      absl::StrFormat("LOC-%d-%05d", seed % 100000, index));
  hh->mutable_contact()->set_head_name(absl::StrCat("Demo household ", index));

  // A few cases were opened by mistake: closed as such.
  if (p.Chance(0.01)) {
    if (p.Advance(1, 30)) {
      p.Add<v1::CloseCaseRequest>("CloseCase")
          ->mutable_closure()
          ->set_outcome(v1::CASE_OUTCOME_OPENED_IN_ERROR);
    }
    return std::move(p.plan());
  }
  if (p.Advance(5, 40)) {
    p.Add<v1::RecordNoticeRequest>("RecordNotice")
        ->mutable_notice()
        ->set_method(p.Chance(0.85) ? v1::NoticeSent::METHOD_REGISTERED_LETTER
                                    : v1::NoticeSent::METHOD_HAND_DELIVERED);
  }
  Story(p, h, true, world, seed, index);
  return std::move(p.plan());
}

}  // namespace relog::ctl
