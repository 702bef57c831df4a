#include "tests/cases/case_given_when_then.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "storage/errors.h"

namespace relog::cases::testing {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using relog::v1::CalDecisionRecorded;
using relog::v1::CommitteeReviewed;

relog::v1::ReferenceDataLoaded TestReferenceRows() {
  relog::v1::ReferenceDataLoaded loaded;
  for (const auto& [insee, name] :
       {std::pair<const char*, const char*>{kCommuneA, "Lille"},
        {kCommuneB, "Loos"},
        {kCommuneC, "Roubaix"}}) {
    relog::v1::Commune* c = loaded.add_communes();
    c->set_insee(insee);
    c->set_name(name);
    c->set_epci_siren("200093201");
    c->set_valid_from("2000-01-01");
    c->set_source(relog::v1::REFERENCE_SOURCE_ILLUSTRATIVE);
  }
  relog::v1::Adjacency* adjacency = loaded.add_adjacencies();
  adjacency->set_insee_a(kCommuneA);
  adjacency->set_insee_b(kCommuneB);
  adjacency->set_valid_from("2000-01-01");
  relog::v1::Quartier* q = loaded.add_quartiers();
  q->set_code(kQpv);
  q->set_name("Quartier test");
  q->set_insee(kCommuneA);
  q->set_valid_from("2015-01-01");
  for (const auto& [id, name] :
       {std::pair<const char*, const char*>{kLandlord1, "Bailleur un"},
        {kLandlord2, "Bailleur deux"}}) {
    relog::v1::Landlord* l = loaded.add_landlords();
    l->set_id(id);
    l->set_name(name);
    l->set_valid_from("2000-01-01");
  }
  relog::v1::Reservataire* r = loaded.add_reservataires();
  r->set_id(kReservataire);
  r->set_name("État (préfet)");
  r->set_kind(relog::v1::RESERVATAIRE_KIND_STATE);
  r->set_valid_from("2000-01-01");
  relog::v1::Operation* op = loaded.add_operations();
  op->set_id(kOperation);
  op->set_name("Opération test");
  op->set_site("Site test");
  op->set_quartier_code(kQpv);
  op->set_insee(kCommuneA);
  op->set_valid_from("2016-01-01");
  relog::v1::Building* b = loaded.add_buildings();
  b->set_operation_id(kOperation);
  b->set_id(kBuilding);
  b->set_address("1 rue du Test, Lille");
  b->set_insee(kCommuneA);
  b->set_quartier_code(kQpv);
  b->set_landlord_id(kLandlord1);
  b->set_dwellings(40);
  relog::v1::Programme* p = loaded.add_programmes();
  p->set_id(kProgramme);
  p->set_name("Résidence neuve");
  p->set_landlord_id(kLandlord2);
  p->set_insee(kCommuneB);
  p->set_dwellings(30);
  p->set_delivered_on("2024-09-01");
  p->set_financing("PLUS");
  return loaded;
}

CaseStep Answer(const std::string& offer_id,
                void (*set)(CaseStep&, const std::string&)) {
  CaseStep step;
  set(step, offer_id);
  return step;
}

}  // namespace

absl::CivilDay Day(const std::string& ymd) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(ymd, &day)) {
    ADD_FAILURE() << "not a date: " << ymd;
    return absl::CivilDay(1970, 1, 1);
  }
  return day;
}

const reference::ReferenceData& TestReference() {
  static const auto* const kData = [] {
    auto built = reference::ReferenceData::Build(TestReferenceRows());
    if (!built.ok()) {
      ADD_FAILURE() << built.status();
      return new std::shared_ptr<const reference::ReferenceData>(
          reference::ReferenceData::Empty());
    }
    return new std::shared_ptr<const reference::ReferenceData>(*built);
  }();
  return **kData;
}

DecideContext TestContext() {
  DecideContext context;
  context.today = Day(kToday);
  context.reference = &TestReference();
  return context;
}

relog::v1::Dwelling OriginDwelling() {
  relog::v1::Dwelling d;
  auto* f = d.mutable_facts();
  f->set_landlord_id(kLandlord1);
  f->set_commune_insee(kCommuneA);
  f->set_quartier_code(kQpv);
  f->set_typology(relog::v1::TYPOLOGY_T4);
  f->set_surface_m2(72);
  f->set_floor(3);
  f->set_financing(relog::v1::FINANCING_OLD_REGIME);
  f->set_rent_cents(45000);
  f->set_charges_cents(8000);
  d.mutable_location()->set_address("1 rue du Test, apt 12, Lille");
  return d;
}

relog::v1::Dwelling OfferedDwelling(const std::string& commune) {
  relog::v1::Dwelling d;
  auto* f = d.mutable_facts();
  f->set_landlord_id(kLandlord2);
  f->set_commune_insee(commune);
  f->set_typology(relog::v1::TYPOLOGY_T3);
  f->set_surface_m2(68.5);
  f->set_floor(2);
  f->set_has_lift(true);
  f->set_financing(relog::v1::FINANCING_PLUS);
  f->set_rent_cents(42000);
  f->set_charges_cents(8000);
  if (commune == kCommuneB) {
    f->set_programme_id(kProgramme);
    f->set_delivered_on("2024-09-01");
  }
  d.mutable_location()->set_address("5 allée Neuve, apt 3");
  return d;
}

CaseStep Identification(const std::string& reference) {
  CaseStep step;
  auto* id = step.mutable_household_identified();
  id->set_reference(reference);
  id->set_operation_id(kOperation);
  id->set_building_id(kBuilding);
  *id->mutable_origin() = OriginDwelling();
  id->set_occupancy(relog::v1::OCCUPANCY_STATUS_TITULAR_TENANT);
  id->set_tenant_reference("L1-000123");
  id->mutable_contact()->set_head_name("Mme Exemple");
  return step;
}

CaseStep Notice() {
  CaseStep step;
  step.mutable_notice_sent()->set_method(
      relog::v1::NoticeSent::METHOD_REGISTERED_LETTER);
  return step;
}

CaseStep Diagnosis() {
  CaseStep step;
  auto* d = step.mutable_diagnosis_recorded();
  d->set_adults(2);
  d->set_children(2);
  d->set_resource_band(relog::v1::RESOURCE_BAND_UNDER_PLAI);
  d->set_monthly_income_cents(180000);
  d->set_housing_allowance_cents(20000);
  d->set_rent_cents(45000);
  d->set_charges_cents(8000);
  d->set_reste_a_charge_cents(45000 + 8000 - 20000);
  d->set_occupancy_fit(relog::v1::OCCUPANCY_FIT_ADEQUATE);
  d->mutable_needs()->set_lift(true);
  d->set_support_level(relog::v1::SUPPORT_LEVEL_LIGHT);
  d->add_priority_criteria(relog::v1::PRIORITY_CRITERION_URBAN_RENEWAL);
  return step;
}

CaseStep Wishes() {
  CaseStep step;
  auto* w = step.mutable_wishes_recorded();
  w->add_communes_insee(kCommuneA);
  w->add_communes_insee(kCommuneB);
  w->add_typologies(relog::v1::TYPOLOGY_T3);
  w->add_typologies(relog::v1::TYPOLOGY_T4);
  w->set_max_floor(4);
  return step;
}

CaseStep Committee(CommitteeReviewed::Decision decision) {
  CaseStep step;
  step.mutable_committee_reviewed()->set_decision(decision);
  return step;
}

CaseStep Offer(const std::string& id, const std::string& notified_on,
               const std::string& deadline, const std::string& commune) {
  CaseStep step;
  auto* o = step.mutable_offer_made();
  o->set_offer_id(id);
  *o->mutable_dwelling() = OfferedDwelling(commune);
  o->set_reservataire_id(kReservataire);
  o->set_estimated_reste_a_charge_cents(35000);
  o->set_notified_on(notified_on);
  o->set_response_deadline(deadline);
  o->mutable_compliance()->set_needs(relog::v1::COMPLIANCE_COMPLIANT);
  o->mutable_compliance()->set_means(relog::v1::COMPLIANCE_COMPLIANT);
  o->mutable_compliance()->set_location(relog::v1::COMPLIANCE_COMPLIANT);
  return step;
}

CaseStep Visit(const std::string& offer_id) {
  return Answer(offer_id, [](CaseStep& s, const std::string& id) {
    s.mutable_offer_visited()->set_offer_id(id);
  });
}
CaseStep Accept(const std::string& offer_id) {
  return Answer(offer_id, [](CaseStep& s, const std::string& id) {
    s.mutable_offer_accepted()->set_offer_id(id);
  });
}
CaseStep Refuse(const std::string& offer_id) {
  return Answer(offer_id, [](CaseStep& s, const std::string& id) {
    s.mutable_offer_refused()->set_offer_id(id);
    s.mutable_offer_refused()->add_reasons(relog::v1::REFUSAL_REASON_LOCATION);
  });
}
CaseStep Lapse(const std::string& offer_id) {
  return Answer(offer_id, [](CaseStep& s, const std::string& id) {
    s.mutable_offer_lapsed()->set_offer_id(id);
  });
}
CaseStep Withdraw(const std::string& offer_id) {
  return Answer(offer_id, [](CaseStep& s, const std::string& id) {
    s.mutable_offer_withdrawn()->set_offer_id(id);
    s.mutable_offer_withdrawn()->set_reason(
        relog::v1::OfferWithdrawn::REASON_DWELLING_UNAVAILABLE);
  });
}

CaseStep Cal(const std::string& offer_id,
             CalDecisionRecorded::Decision decision) {
  CaseStep step;
  step.mutable_cal_decision_recorded()->set_offer_id(offer_id);
  step.mutable_cal_decision_recorded()->set_decision(decision);
  return step;
}

CaseStep Lease(const std::string& offer_id, relog::v1::LeaseKind kind) {
  CaseStep step;
  auto* l = step.mutable_lease_signed();
  l->set_offer_id(offer_id);
  l->set_kind(kind);
  l->set_rent_cents(42000);
  l->set_charges_cents(8000);
  l->set_housing_allowance_cents(15000);
  return step;
}

CaseStep LeaseWithoutOffer(relog::v1::LeaseKind kind) {
  CaseStep step = Lease("", kind);
  *step.mutable_lease_signed()->mutable_dwelling() = OfferedDwelling();
  return step;
}

CaseStep LeaseAsRecorded(const std::string& offer_id, relog::v1::LeaseKind kind,
                         const std::string& commune) {
  CaseStep step = Lease(offer_id, kind);
  auto* l = step.mutable_lease_signed();
  *l->mutable_dwelling() = OfferedDwelling(commune);
  l->set_reservataire_id(kReservataire);
  l->set_reste_a_charge_cents(42000 + 8000 - 15000);
  return step;
}

CaseStep Move() {
  CaseStep step;
  step.mutable_household_moved();
  return step;
}

CaseStep Keys() {
  CaseStep step;
  step.mutable_keys_returned();
  return step;
}

CaseStep FollowUp(relog::v1::FollowUpMilestone milestone) {
  CaseStep step;
  auto* f = step.mutable_follow_up_recorded();
  f->set_milestone(milestone);
  f->set_satisfaction(relog::v1::SATISFACTION_SATISFIED);
  f->set_actual_reste_a_charge_cents(36000);
  return step;
}

CaseStep Consent(bool given) {
  CaseStep step;
  step.mutable_follow_up_consent_recorded()->set_given(given);
  return step;
}

CaseStep HandOver() {
  CaseStep step;
  step.mutable_follow_up_handed_over()->set_body_name("CCAS de Loos");
  step.mutable_follow_up_handed_over()->set_commune_insee(kCommuneB);
  return step;
}

CaseStep EndFollowUp() {
  CaseStep step;
  step.mutable_follow_up_ended();
  return step;
}

CaseStep Departure() {
  CaseStep step;
  step.mutable_household_left()->set_destination(
      relog::v1::HouseholdLeft::DESTINATION_PRIVATE_RENTAL);
  step.mutable_household_left()->set_commune_insee("62041");
  return step;
}

CaseStep Death() {
  CaseStep step;
  step.mutable_household_deceased();
  return step;
}

CaseStep Eviction() {
  CaseStep step;
  step.mutable_household_evicted();
  return step;
}

CaseStep Decohabitation(const std::string& new_case_id) {
  CaseStep step;
  step.mutable_decohabitation_recorded()->set_new_case_id(new_case_id);
  return step;
}

CaseStep Close(relog::v1::CaseOutcome outcome) {
  CaseStep step;
  step.mutable_case_closed()->set_outcome(outcome);
  return step;
}

CaseStep Reopen() {
  CaseStep step;
  step.mutable_case_reopened()->set_reason("arrears after the move");
  return step;
}

relog::v1::HouseholdIdentified NewHousehold() {
  relog::v1::HouseholdIdentified h;
  h.set_reference("MEL-2025-0001-D1");
  h.set_occupancy(relog::v1::OCCUPANCY_STATUS_SHELTERED);
  h.mutable_contact()->set_head_name("M. Exemple fils");
  return h;
}

CaseEvent Event(const std::string& day, const CaseStep& step) {
  CaseEvent event;
  event.occurred_on = Day(day);
  event.step = step;
  return event;
}

CaseEvent CorrectionEvent(const std::string& day,
                          const relog::v1::StepCorrected& correction) {
  CaseEvent event;
  event.occurred_on = Day(day);
  event.correction = correction;
  return event;
}

CaseEvent CancellationEvent(const std::string& day,
                            const relog::v1::StepCancelled& cancellation) {
  CaseEvent event;
  event.occurred_on = Day(day);
  event.cancellation = cancellation;
  return event;
}

Command Cmd(const std::string& day, const CaseStep& step) {
  Command command;
  command.occurred_on = Day(day);
  command.step = step;
  return command;
}

relog::v1::StepCorrected Correction(uint64_t version,
                                    const std::optional<CaseStep>& replacement,
                                    const std::string& new_date) {
  relog::v1::StepCorrected c;
  c.set_corrected_version(version);
  if (replacement.has_value()) *c.mutable_replacement() = *replacement;
  c.set_occurred_on(new_date);
  c.set_reason(relog::v1::CORRECTION_REASON_TYPING_ERROR);
  return c;
}

relog::v1::StepCancelled Cancellation(uint64_t version) {
  relog::v1::StepCancelled c;
  c.set_cancelled_version(version);
  c.set_reason(relog::v1::CORRECTION_REASON_WRONG_CASE);
  return c;
}

Command CorrectCmd(const std::string& day,
                   const relog::v1::StepCorrected& correction) {
  Command command;
  command.occurred_on = Day(day);
  command.correction = correction;
  return command;
}

Command CancelCmd(const std::string& day,
                  const relog::v1::StepCancelled& cancellation) {
  Command command;
  command.occurred_on = Day(day);
  command.cancellation = cancellation;
  return command;
}

Command DecohabitationCmd(const std::string& day,
                          const std::string& new_case_id) {
  Command command = Cmd(day, Decohabitation(""));
  command.new_household = NewHousehold();
  command.new_case_id = new_case_id;
  return command;
}

std::vector<CaseEvent> Record(const std::vector<Command>& commands) {
  std::vector<CaseEvent> events;
  CaseState state = Fold({});
  const DecideContext context = TestContext();
  for (const Command& command : commands) {
    absl::StatusOr<Decision> decision = Decide(command, state, context);
    if (!decision.ok()) {
      ADD_FAILURE() << "history: " << CommandName(command.kind()) << " on "
                    << absl::FormatCivilTime(command.occurred_on)
                    << " refused in " << PhaseName(state.facts.phase) << ": "
                    << decision.status();
      continue;
    }
    for (const CaseEvent& event : decision->events) {
      state = Evolve(std::move(state), event);
      events.push_back(event);
    }
  }
  return events;
}

std::vector<CaseEvent> Concat(std::vector<CaseEvent> a,
                              const std::vector<CaseEvent>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<CaseEvent> IdentifiedHistory() {
  return Record(
      {Cmd(kIdentifiedOn, Identification()), Cmd(kWishesOn, Wishes())});
}
std::vector<CaseEvent> DiagnosedHistory() {
  return Record({Cmd(kIdentifiedOn, Identification()), Cmd(kWishesOn, Wishes()),
                 Cmd(kDiagnosedOn, Diagnosis())});
}
std::vector<CaseEvent> ReadyForOffersHistory() {
  return Record({Cmd(kIdentifiedOn, Identification()), Cmd(kWishesOn, Wishes()),
                 Cmd(kDiagnosedOn, Diagnosis()),
                 Cmd(kCommitteeOn, Committee())});
}
std::vector<CaseEvent> OfferPendingHistory() {
  return Concat(ReadyForOffersHistory(),
                {Event(kOfferOn, Offer("1", kNotifiedOn, kDeadline))});
}
std::vector<CaseEvent> OfferAcceptedHistory() {
  return Concat(OfferPendingHistory(), {Event(kAcceptedOn, Accept("1"))});
}
std::vector<CaseEvent> AllocatedHistory() {
  return Concat(OfferAcceptedHistory(), {Event(kCalOn, Cal("1"))});
}
std::vector<CaseEvent> LeaseSignedHistory() {
  return Concat(AllocatedHistory(), {Event(kLeaseOn, LeaseAsRecorded("1")),
                                     Event(kConsentOn, Consent(true))});
}
std::vector<CaseEvent> RehousedHistory() {
  return Concat(LeaseSignedHistory(), {Event(kMoveOn, Move())});
}
std::vector<CaseEvent> ExitedHistory() {
  return Concat(ReadyForOffersHistory(), {Event(kDepartureOn, Departure())});
}
std::vector<CaseEvent> ClosedHistory() {
  return Concat(RehousedHistory(),
                {Event(kClosedOn, Close(relog::v1::CASE_OUTCOME_REHOUSED))});
}

std::vector<CaseEvent> HistoryFor(Phase phase) {
  switch (phase) {
    case Phase::kNone:
      return {};
    case Phase::kIdentified:
      return IdentifiedHistory();
    case Phase::kDiagnosed:
      return DiagnosedHistory();
    case Phase::kReadyForOffers:
      return ReadyForOffersHistory();
    case Phase::kOfferPending:
      return OfferPendingHistory();
    case Phase::kOfferAccepted:
      return OfferAcceptedHistory();
    case Phase::kAllocated:
      return AllocatedHistory();
    case Phase::kLeaseSigned:
      return LeaseSignedHistory();
    case Phase::kRehoused:
      return RehousedHistory();
    case Phase::kExited:
      return ExitedHistory();
    case Phase::kClosed:
      return ClosedHistory();
  }
  return {};
}

CaseState Fold(const std::vector<CaseEvent>& events) {
  CaseState state;
  state.case_id = kCaseId;
  for (const CaseEvent& event : events) state = Evolve(std::move(state), event);
  return state;
}

std::string Describe(const CaseEvent& event) {
  std::string body;
  if (event.step.has_value()) body = event.step->ShortDebugString();
  if (event.correction.has_value()) {
    body = event.correction->ShortDebugString();
  }
  if (event.cancellation.has_value()) {
    body = event.cancellation->ShortDebugString();
  }
  return absl::StrCat(absl::FormatCivilTime(event.occurred_on), " ",
                      EventType(event), " { ", body, " }");
}

std::string EventDiff(const CaseEvent& expected, const CaseEvent& actual) {
  std::string diff;
  if (expected.occurred_on != actual.occurred_on ||
      EventType(expected) != EventType(actual)) {
    return absl::StrCat("expected ", Describe(expected), "\n  actual ",
                        Describe(actual));
  }
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  bool equal = true;
  if (expected.step.has_value()) {
    equal = differencer.Compare(*expected.step, *actual.step);
  } else if (expected.correction.has_value()) {
    equal = differencer.Compare(*expected.correction, *actual.correction);
  } else if (expected.cancellation.has_value()) {
    equal = differencer.Compare(*expected.cancellation, *actual.cancellation);
  }
  if (equal) return "";
  return absl::StrCat(EventType(expected), " on ",
                      absl::FormatCivilTime(expected.occurred_on), ": ", diff);
}

void CaseTest::Given(const std::vector<CaseEvent>& events) {
  for (const CaseEvent& event : events) {
    state_ = Evolve(std::move(state_), event);
    history_.push_back(event);
  }
}

void CaseTest::When(const Command& command) {
  result_ = Decide(command, state_, TestContext());
}

void CaseTest::GivenDecided(const Command& command) {
  When(command);
  ThenAccepted();
}

void CaseTest::ThenAccepted() {
  ASSERT_TRUE(result_.has_value()) << "no When";
  ASSERT_TRUE(result_->ok()) << result_->status();
  Given((*result_)->events);
}

void CaseTest::ThenEvents(const std::vector<CaseEvent>& expected) {
  ASSERT_TRUE(result_.has_value()) << "no When";
  ASSERT_TRUE(result_->ok()) << result_->status();
  const std::vector<CaseEvent>& actual = (*result_)->events;
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(EventDiff(expected[i], actual[i]), "") << "event " << i;
  }
}

void CaseTest::ThenError(absl::StatusCode code, const std::string& reason,
                         const std::string& field) {
  ASSERT_TRUE(result_.has_value()) << "no When";
  ASSERT_FALSE(result_->ok())
      << "accepted: "
      << ((*result_)->events.empty() ? std::string("no event")
                                     : Describe((*result_)->events[0]));
  const absl::Status& status = result_->status();
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_EQ(ErrorReason(status), reason) << status;
  if (!field.empty()) {
    EXPECT_EQ(GetErrorMetadata(status)[meta::kField], field) << status;
  }
}

}  // namespace relog::cases::testing
