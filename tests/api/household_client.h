// One household driven through CaseService step by step, for the
// end-to-end tests of the gRPC layer: a real stub, fresh request ids, and
// each answer's code and ErrorInfo reason.
#ifndef RELOG_TESTS_API_HOUSEHOLD_CLIENT_H_
#define RELOG_TESTS_API_HOUSEHOLD_CLIENT_H_

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "services/api/status_conversion.h"
#include "storage/sha256.h"

namespace relog::testing {

using v1::CaseCommandResponse;
using v1::CaseService;

// A UUID made from `seed`, so that tests name their requests readably.
inline std::string TestUuid(const std::string& seed) {
  const std::string hex = ToHex(Sha256({seed}));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-",
                      hex.substr(12, 4), "-", hex.substr(16, 4), "-",
                      hex.substr(20, 12));
}

inline std::unique_ptr<grpc::ClientContext> Call() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  return context;
}

// A status and, when refused, its ErrorInfo reason.
struct Outcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string reason;
  std::string field;
  std::string message;
  std::string cause;  // ErrorInfo.metadata["cause"], e.g. NO_SPACE
};

inline Outcome OutcomeOf(const grpc::Status& status) {
  api::ErrorDetails details = api::ReadErrorDetails(status);
  return Outcome{status.error_code(), details.reason, details.field,
                 status.error_message(), details.metadata["cause"]};
}

MATCHER_P2(Refused, code, reason, "") {
  *result_listener << "code " << arg.code << " reason " << arg.reason << ": "
                   << arg.message;
  return arg.code == code && arg.reason == reason;
}
MATCHER(Ok, "") {
  *result_listener << "code " << arg.code << " reason " << arg.reason << ": "
                   << arg.message;
  return arg.code == grpc::StatusCode::OK;
}

// One household's steps through the stub, each with a fresh request id.
class Household {
 public:
  Household(CaseService::Stub* stub, std::string tag)
      : stub_(stub), tag_(std::move(tag)) {}

  const std::string& name() const { return name_; }
  const CaseCommandResponse& last() const { return last_; }
  std::string NextRequestId() {
    return TestUuid(absl::StrCat(tag_, "-", ++count_));
  }

  Outcome Identify(const std::string& day) {
    v1::IdentifyHouseholdRequest r;
    r.set_request_id(NextRequestId());
    r.set_occurred_at(day);
    v1::HouseholdIdentified* h = r.mutable_household();
    h->set_reference(absl::StrCat("E2E-", tag_));
    h->set_operation_id("OP-LIL-CONCORDE-1");
    h->set_building_id("BAT-A");
    h->set_occupancy(v1::OCCUPANCY_STATUS_TITULAR_TENANT);
    h->set_tenant_reference(absl::StrCat("T-", tag_));
    v1::DwellingFacts* f = h->mutable_origin()->mutable_facts();
    f->set_typology(v1::TYPOLOGY_T4);
    f->set_surface_m2(71);
    f->set_floor(3);
    f->set_financing(v1::FINANCING_OLD_REGIME);
    f->set_rent_cents(39000);
    f->set_charges_cents(8000);
    Outcome o = OutcomeOf(stub_->IdentifyHousehold(Call().get(), r, &last_));
    if (o.code == grpc::StatusCode::OK) name_ = last_.case_().name();
    return o;
  }

  template <typename Request, typename Rpc>
  Outcome Send(Request& r, const std::string& day, Rpc rpc) {
    r.set_name(name_);
    if (r.request_id().empty()) r.set_request_id(NextRequestId());
    r.set_occurred_at(day);
    return OutcomeOf((stub_->*rpc)(Call().get(), r, &last_));
  }

  Outcome Diagnose(const std::string& day) {
    v1::RecordDiagnosisRequest r;
    auto* d = r.mutable_diagnosis();
    d->set_adults(2);
    d->set_children(2);
    d->set_resource_band(v1::RESOURCE_BAND_UNDER_PLAI);
    d->set_housing_allowance_cents(25000);
    d->set_rent_cents(39000);
    d->set_charges_cents(8000);
    d->set_occupancy_fit(v1::OCCUPANCY_FIT_ADEQUATE);
    d->set_support_level(v1::SUPPORT_LEVEL_LIGHT);
    d->set_notes("Famille suivie par le CCAS.");
    return Send(r, day, &CaseService::Stub::RecordDiagnosis);
  }
  Outcome Validate(const std::string& day) {
    v1::RecordCommitteeReviewRequest r;
    r.mutable_review()->set_decision(v1::CommitteeReviewed::DECISION_VALIDATED);
    return Send(r, day, &CaseService::Stub::RecordCommitteeReview);
  }
  Outcome Offer(const std::string& day, const std::string& commune,
                v1::Compliance location) {
    v1::MakeOfferRequest r;
    auto* o = r.mutable_offer();
    auto* f = o->mutable_dwelling()->mutable_facts();
    f->set_landlord_id("999000011");
    f->set_commune_insee(commune);
    f->set_typology(v1::TYPOLOGY_T4);
    f->set_surface_m2(78);
    f->set_floor(1);
    f->set_has_lift(true);
    f->set_financing(v1::FINANCING_PLUS);
    f->set_rent_cents(45000);
    f->set_charges_cents(9000);
    o->set_reservataire_id("RES-ETAT-59");
    o->set_notified_on(day);
    absl::CivilDay notified;
    EXPECT_TRUE(absl::ParseCivilTime(day, &notified));
    o->set_response_deadline(absl::FormatCivilTime(notified + 10));
    o->mutable_compliance()->set_needs(v1::COMPLIANCE_COMPLIANT);
    o->mutable_compliance()->set_means(v1::COMPLIANCE_COMPLIANT);
    o->mutable_compliance()->set_location(location);
    return Send(r, day, &CaseService::Stub::MakeOffer);
  }
  Outcome Refuse(const std::string& day, const std::string& offer) {
    v1::RefuseOfferRequest r;
    r.mutable_refusal()->set_offer_id(offer);
    r.mutable_refusal()->add_reasons(v1::REFUSAL_REASON_LOCATION);
    return Send(r, day, &CaseService::Stub::RefuseOffer);
  }
  Outcome Accept(const std::string& day, const std::string& offer) {
    v1::AcceptOfferRequest r;
    r.mutable_acceptance()->set_offer_id(offer);
    return Send(r, day, &CaseService::Stub::AcceptOffer);
  }
  Outcome Cal(const std::string& day, const std::string& offer,
              v1::CalDecisionRecorded::Decision decision) {
    v1::RecordCalDecisionRequest r;
    r.mutable_cal_decision()->set_offer_id(offer);
    r.mutable_cal_decision()->set_decision(decision);
    return Send(r, day, &CaseService::Stub::RecordCalDecision);
  }
  Outcome Lease(const std::string& day, const std::string& offer,
                v1::LeaseKind kind) {
    v1::SignLeaseRequest r;
    r.mutable_lease()->set_offer_id(offer);
    r.mutable_lease()->set_kind(kind);
    r.mutable_lease()->set_rent_cents(45000);
    r.mutable_lease()->set_charges_cents(9000);
    r.mutable_lease()->set_housing_allowance_cents(28000);
    return Send(r, day, &CaseService::Stub::SignLease);
  }
  Outcome Move(const std::string& day) {
    v1::RecordMoveRequest r;
    r.mutable_move();
    return Send(r, day, &CaseService::Stub::RecordMove);
  }

 private:
  CaseService::Stub* const stub_;
  const std::string tag_;
  int count_ = 0;
  std::string name_;
  CaseCommandResponse last_;
};

}  // namespace relog::testing

#endif  // RELOG_TESTS_API_HOUSEHOLD_CLIENT_H_
