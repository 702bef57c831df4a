#include "tests/cases/event_samples.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "glog/logging.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "relog/v1/case_events.pb.h"

namespace relog::cases::testing {
namespace {

using ::google::protobuf::Message;
using ::relog::v1::CaseStep;
using ::relog::v1::StepCancelled;
using ::relog::v1::StepCorrected;

// Roubaix, quartier de l'Alma: the household's present dwelling.
constexpr char kOriginDwelling[] = R"pb(
  facts {
    landlord_id: "475680815"
    commune_insee: "59512"
    quartier_code: "QN05912M"
    typology: TYPOLOGY_T4
    surface_m2: 78.5
    floor: 3
    has_lift: true
    financing: FINANCING_OLD_REGIME
    rent_cents: 41230
    charges_cents: 9850
    programme_id: "PRG-59512-ALMA-1968"
    delivered_on: "1968-09-01"
    first_conventionnement_on: "1979-01-01"
  }
  location {
    address: "12 rue de l'Alma, 59100 Roubaix"
    register_id: "RPLS-0591234567"
  }
)pb";

// Lille-Fives, a recent PLUS dwelling: the offer and the lease.
constexpr char kOfferedDwelling[] = R"pb(
  facts {
    landlord_id: "457504694"
    commune_insee: "59350"
    quartier_code: "QN05904M"
    typology: TYPOLOGY_T4
    surface_m2: 81.2
    floor: 1
    has_lift: true
    financing: FINANCING_PLUS
    rent_cents: 52400
    charges_cents: 11200
    programme_id: "PRG-59350-FIVES-CAIL-2"
    delivered_on: "2021-06-15"
    first_conventionnement_on: "2021-03-01"
  }
  location {
    address: "5 rue Pierre-Legrand, appt 14, 59800 Lille"
    register_id: "RPLS-0593350881"
  }
)pb";

constexpr char kDiagnosis[] = R"pb(
  adults: 2
  children: 3
  members {
    name: "Fatima Benali"
    birth_date: "1981-04-17"
    relationship: "titulaire"
  }
  members {
    name: "Karim Benali"
    birth_date: "1979-11-02"
    relationship: "conjoint"
  }
  members {
    name: "Yasmine Benali"
    birth_date: "2009-06-23"
    relationship: "enfant"
  }
  members {
    name: "Adam Benali"
    birth_date: "2012-01-30"
    relationship: "enfant"
  }
  members {
    name: "Inès Benali"
    birth_date: "2018-09-08"
    relationship: "enfant"
  }
  resource_band: RESOURCE_BAND_UNDER_PLAI
  monthly_income_cents: 184500
  housing_allowance_cents: 28700
  rent_cents: 41230
  charges_cents: 9850
  reste_a_charge_cents: 22380
  occupancy_fit: OCCUPANCY_FIT_OVER_OCCUPIED
  needs { ground_floor: true lift: true wheelchair_access: true max_floor: 2 }
  support_level: SUPPORT_LEVEL_REINFORCED
  priority_criteria: PRIORITY_CRITERION_URBAN_RENEWAL
  priority_criteria: PRIORITY_CRITERION_OVER_OCCUPATION
  notes: "Ménage très attaché au quartier (école des enfants à 200 m). Madame souhaite rester à Roubaix ou Lille-Fives."
)pb";

template <typename T>
T Parse(const std::string& text) {
  T message;
  CHECK(google::protobuf::TextFormat::ParseFromString(text, &message))
      << "bad sample of " << T::descriptor()->full_name() << ":\n"
      << text;
  return message;
}

CaseEvent Step(absl::CivilDay day, const std::string& text) {
  CaseEvent event;
  event.occurred_on = day;
  event.step = Parse<CaseStep>(text);
  return event;
}

}  // namespace

std::vector<CaseEvent> SampleEventOfEveryType() {
  std::vector<CaseEvent> events;
  events.push_back(Step(absl::CivilDay(2023, 9, 12),
                        std::string(R"pb(
                          household_identified {
                            reference: "CONC-2023-0042"
                            operation_id: "OP-NPNRU-59512-ALMA-GARE"
                            building_id: "BAT-59512-ALMA-12"
                            origin {)pb") +
                            kOriginDwelling + R"pb(}
                                                   occupancy: OCCUPANCY_STATUS_TITULAR_TENANT
      tenant_reference: "LOC-0045128"
      national_application_number: "05912230012345"
      contact {
        head_name: "Fatima Benali"
        phone: "+33 6 12 34 56 78"
        email: "fatima.benali@example.fr"
      }
      parent_case_id: "case-1f0c2b9e-5d7a-4c3e-9b1a-2e6f8d4c7a10"
    })pb"));
  events.push_back(Step(absl::CivilDay(2023, 9, 20), R"pb(
    notice_sent { method: METHOD_REGISTERED_LETTER })pb"));
  events.push_back(
      Step(absl::CivilDay(2023, 10, 5),
           std::string("diagnosis_recorded {") + kDiagnosis + "}"));
  events.push_back(Step(absl::CivilDay(2023, 10, 5), R"pb(
    wishes_recorded {
      communes_insee: "59512"
      communes_insee: "59350"
      communes_insee: "59599"
      typologies: TYPOLOGY_T4
      typologies: TYPOLOGY_T5
      max_floor: 2
      wants_to_stay_on_site: true
      accepts_private_sector: true
      notes: "Refuse Tourcoing-centre (trajet travail de Monsieur). Priorité : proximité du collège Samain."
    })pb"));
  events.push_back(Step(absl::CivilDay(2023, 11, 16), R"pb(
    committee_reviewed {
      decision: DECISION_VALIDATED
      notes: "Dossier complet ; relogement dans le parc neuf à privilégier (reste à charge)."
    })pb"));
  events.push_back(Step(absl::CivilDay(2024, 3, 4),
                        std::string(R"pb(
                          offer_made { offer_id: "1" dwelling {)pb") +
                            kOfferedDwelling + R"pb(}
                                                    reservataire_id: "RES-MEL-CONTINGENT"
      estimated_reste_a_charge_cents: 34800
      notified_on: "2024-03-04"
      response_deadline: "2024-03-14"
      compliance {
        needs: COMPLIANCE_COMPLIANT
        means: COMPLIANCE_COMPLIANT
        location: COMPLIANCE_COMPLIANT
      }
    })pb"));
  events.push_back(Step(absl::CivilDay(2024, 3, 7), R"pb(
    offer_visited { offer_id: "1" })pb"));
  events.push_back(Step(absl::CivilDay(2024, 3, 11), R"pb(
    offer_accepted { offer_id: "1" })pb"));
  events.push_back(Step(absl::CivilDay(2024, 1, 22), R"pb(
    offer_refused {
      offer_id: "2"
      reasons: REFUSAL_REASON_LOCATION
      reasons: REFUSAL_REASON_FAMILY_OR_SCHOOL
      comment: "Logement à Wattrelos, trop loin du collège ; Madame ne conduit pas."
    })pb"));
  events.push_back(Step(absl::CivilDay(2024, 2, 15), R"pb(
    offer_lapsed { offer_id: "3" })pb"));
  events.push_back(Step(absl::CivilDay(2024, 2, 20),
                        R"pb(
                          offer_withdrawn {
                            offer_id: "4"
                            reason: REASON_ALLOCATED_TO_ANOTHER
                          })pb"));
  events.push_back(Step(absl::CivilDay(2024, 3, 21), R"pb(
    cal_decision_recorded {
      offer_id: "1"
      decision: DECISION_ALLOCATED_UNDER_CONDITION
      motive: "Sous réserve de l'ouverture des droits APL au 1er mai 2024."
    })pb"));
  events.push_back(Step(absl::CivilDay(2024, 4, 26),
                        std::string(R"pb(
                          lease_signed { offer_id: "1"
                                         kind: LEASE_KIND_DEFINITIVE
                                         dwelling {)pb") +
                            kOfferedDwelling + R"pb(}
                                                    rent_cents: 52400
      charges_cents: 11200
      housing_allowance_cents: 31000
      reste_a_charge_cents: 32600
      reservataire_id: "RES-MEL-CONTINGENT"
    })pb"));
  events.push_back(Step(absl::CivilDay(2024, 5, 2), R"pb(
    household_moved {})pb"));
  events.push_back(Step(absl::CivilDay(2024, 5, 6), R"pb(
    keys_returned {})pb"));
  events.push_back(Step(absl::CivilDay(2024, 11, 4), R"pb(
    follow_up_recorded {
      milestone: FOLLOW_UP_MILESTONE_6_MONTHS
      has_arrears: true
      satisfaction: SATISFACTION_SATISFIED
      actual_reste_a_charge_cents: 35200
      findings: "Impayé de 412,50 € (2 mois) lié au retard d'APL ; plan d'apurement de 40 €/mois signé avec le bailleur. Satisfaite du logement, bruit de la rue le soir."
    })pb"));
  events.push_back(Step(absl::CivilDay(2024, 4, 26), R"pb(
    follow_up_consent_recorded { given: true })pb"));
  events.push_back(
      Step(absl::CivilDay(2024, 12, 2), R"pb(
        follow_up_handed_over {
          body_name: "CCAS de Lille"
          commune_insee: "59350"
        })pb"));
  events.push_back(Step(absl::CivilDay(2025, 5, 5), R"pb(
    follow_up_ended {})pb"));
  events.push_back(Step(absl::CivilDay(2024, 2, 1), R"pb(
    household_left {
      destination: DESTINATION_PRIVATE_RENTAL
      commune_insee: "59009"
    })pb"));
  events.push_back(Step(absl::CivilDay(2024, 6, 18), R"pb(
    household_deceased {})pb"));
  events.push_back(Step(absl::CivilDay(2024, 7, 9), R"pb(
    household_evicted {})pb"));
  events.push_back(Step(absl::CivilDay(2023, 12, 4), R"pb(
    decohabitation_recorded {
      new_case_id: "case-8a3d6f21-47be-4e0c-a5d9-63c1f0b2e874"
    })pb"));
  events.push_back(Step(absl::CivilDay(2025, 5, 5), R"pb(
    case_closed { outcome: CASE_OUTCOME_REHOUSED })pb"));
  events.push_back(Step(absl::CivilDay(2025, 6, 10), R"pb(
    case_reopened {
      reason: "Nouvelle demande de Madame : le bailleur conteste le plan d'apurement."
    })pb"));
  events.push_back(Step(absl::CivilDay(2025, 7, 1), R"pb(
    rent_reduction_allowance_recorded {
      status: STATUS_CLAIMED
      amount_cents: 400000
      landlord_id: "999000011"
    })pb"));

  CaseEvent correction;
  correction.occurred_on = absl::CivilDay(2023, 10, 19);
  correction.correction =
      Parse<StepCorrected>(std::string(R"pb(
                             corrected_version: 2
                             replacement { diagnosis_recorded {)pb") +
                           kDiagnosis + R"pb(}
                                             }
        occurred_on: "2023-10-06"
        reason: CORRECTION_REASON_TYPING_ERROR
        comment: "Revenu mensuel saisi sans la prime d'activité de Monsieur ; date de la visite corrigée."
      )pb");
  correction.correction->mutable_replacement()
      ->mutable_diagnosis_recorded()
      ->set_monthly_income_cents(212300);
  events.push_back(std::move(correction));

  CaseEvent cancellation;
  cancellation.occurred_on = absl::CivilDay(2024, 2, 21);
  cancellation.cancellation = Parse<StepCancelled>(R"pb(
    cancelled_version: 9
    reason: CORRECTION_REASON_WRONG_CASE
    comment: "Retrait saisi sur le dossier du voisin (CONC-2023-0043)."
  )pb");
  events.push_back(std::move(cancellation));
  return events;
}

const Message& StoredMessage(const CaseEvent& event) {
  if (event.correction.has_value()) return *event.correction;
  if (event.cancellation.has_value()) return *event.cancellation;
  CHECK(event.step.has_value());
  const google::protobuf::FieldDescriptor* member =
      event.step->GetReflection()->GetOneofFieldDescriptor(
          *event.step, CaseStep::descriptor()->FindOneofByName("step"));
  CHECK(member != nullptr);
  return event.step->GetReflection()->GetMessage(*event.step, member);
}

CaseEvent CaseEventFromMessage(const Message& message,
                               absl::CivilDay occurred_on) {
  CaseEvent event;
  event.occurred_on = occurred_on;
  const std::string& type = message.GetDescriptor()->full_name();
  if (type == StepCorrected::descriptor()->full_name()) {
    event.correction.emplace().CopyFrom(message);
    return event;
  }
  if (type == StepCancelled::descriptor()->full_name()) {
    event.cancellation.emplace().CopyFrom(message);
    return event;
  }
  const google::protobuf::OneofDescriptor* oneof =
      CaseStep::descriptor()->FindOneofByName("step");
  for (int i = 0; i < oneof->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* member = oneof->field(i);
    if (member->message_type()->full_name() == type) {
      CaseStep& step = event.step.emplace();
      step.GetReflection()->MutableMessage(&step, member)->CopyFrom(message);
      return event;
    }
  }
  LOG(FATAL) << "not a case event type: " << type;
}

std::unique_ptr<Message> NewMessageOfType(const std::string& type) {
  const google::protobuf::Descriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          type);
  if (descriptor == nullptr) return nullptr;
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          descriptor);
  if (prototype == nullptr) return nullptr;
  return std::unique_ptr<Message>(prototype->New());
}

}  // namespace relog::cases::testing
