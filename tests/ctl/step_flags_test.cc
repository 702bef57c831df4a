// The reflection flag parser of relogctl: no server needed.
#include "clients/relogctl/step_flags.h"

#include "absl/strings/match.h"
#include "clients/relogctl/mutations.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "relog/v1/case_service.pb.h"

namespace relog::ctl {
namespace {

using ::testing::HasSubstr;
namespace v1 = ::relog::v1;

template <typename M>
absl::Status Apply(M& message, absl::string_view name,
                   absl::string_view value) {
  return ApplyFieldFlag(ListFieldFlags(M::descriptor()), name, value, &message);
}

TEST(StepFlagsTest, SetsFieldsByPathAndByUniqueSuffix) {
  v1::OfferMade offer;
  ASSERT_TRUE(Apply(offer, "dwelling.facts.commune_insee", "59350").ok());
  ASSERT_TRUE(Apply(offer, "landlord_id", "999000011").ok());
  ASSERT_TRUE(Apply(offer, "facts.floor", "3").ok());
  ASSERT_TRUE(Apply(offer, "surface_m2", "65.5").ok());
  ASSERT_TRUE(Apply(offer, "compliance.location", "not_compliant").ok());
  EXPECT_EQ(offer.dwelling().facts().commune_insee(), "59350");
  EXPECT_EQ(offer.dwelling().facts().landlord_id(), "999000011");
  EXPECT_EQ(offer.dwelling().facts().floor(), 3);
  EXPECT_DOUBLE_EQ(offer.dwelling().facts().surface_m2(), 65.5);
  EXPECT_EQ(offer.compliance().location(), v1::COMPLIANCE_NOT_COMPLIANT);
}

TEST(StepFlagsTest, EnumsByShortNameAnyCaseOrFullName) {
  v1::OfferMade offer;
  ASSERT_TRUE(Apply(offer, "typology", "t3").ok());
  ASSERT_TRUE(Apply(offer, "financing", "PLUS").ok());
  EXPECT_EQ(offer.dwelling().facts().typology(), v1::TYPOLOGY_T3);
  EXPECT_EQ(offer.dwelling().facts().financing(), v1::FINANCING_PLUS);
  ASSERT_TRUE(Apply(offer, "typology", "TYPOLOGY_T4").ok());
  EXPECT_EQ(offer.dwelling().facts().typology(), v1::TYPOLOGY_T4);

  v1::HouseholdIdentified id;
  ASSERT_TRUE(Apply(id, "occupancy", "titular_tenant").ok());
  EXPECT_EQ(id.occupancy(), v1::OCCUPANCY_STATUS_TITULAR_TENANT);
  v1::OfferWithdrawn withdrawn;  // a nested enum: prefix REASON_
  ASSERT_TRUE(Apply(withdrawn, "reason", "dwelling_unavailable").ok());
  EXPECT_EQ(withdrawn.reason(),
            v1::OfferWithdrawn::REASON_DWELLING_UNAVAILABLE);
  v1::FollowUpRecorded follow_up;
  ASSERT_TRUE(Apply(follow_up, "milestone", "3_months").ok());
  EXPECT_EQ(follow_up.milestone(), v1::FOLLOW_UP_MILESTONE_3_MONTHS);
  EXPECT_EQ(EnumShortName(v1::Typology_descriptor()->FindValueByNumber(6)),
            "t6");
}

TEST(StepFlagsTest, RepeatedFieldsTakeCommaSeparatedValuesAndAppend) {
  v1::OfferRefused refused;
  ASSERT_TRUE(Apply(refused, "reasons", "location,rent_too_high").ok());
  ASSERT_TRUE(Apply(refused, "reasons", "other").ok());
  ASSERT_EQ(refused.reasons_size(), 3);
  EXPECT_EQ(refused.reasons(0), v1::REFUSAL_REASON_LOCATION);
  EXPECT_EQ(refused.reasons(1), v1::REFUSAL_REASON_RENT_TOO_HIGH);
  EXPECT_EQ(refused.reasons(2), v1::REFUSAL_REASON_OTHER);
  v1::WishesRecorded wishes;
  ASSERT_TRUE(Apply(wishes, "communes_insee", "59350, 59512").ok());
  EXPECT_THAT(wishes.communes_insee(),
              ::testing::ElementsAre("59350", "59512"));
}

TEST(StepFlagsTest, BoolsAndOptionalFields) {
  v1::DiagnosisRecorded d;
  ASSERT_TRUE(Apply(d, "lift", "true").ok());
  ASSERT_TRUE(Apply(d, "ground_floor", "").ok());  // bare flag
  ASSERT_TRUE(Apply(d, "needs.max_floor", "2").ok());
  EXPECT_TRUE(d.needs().lift());
  EXPECT_TRUE(d.needs().ground_floor());
  EXPECT_TRUE(d.needs().has_max_floor());
  EXPECT_EQ(d.needs().max_floor(), 2);
  EXPECT_THAT(std::string(Apply(d, "lift", "perhaps").message()),
              HasSubstr("--lift"));
}

TEST(StepFlagsTest, AmountsInCentsOrEuros) {
  v1::DiagnosisRecorded d;
  ASSERT_TRUE(Apply(d, "rent", "412.50").ok());
  EXPECT_EQ(d.rent_cents(), 41250);
  ASSERT_TRUE(Apply(d, "rent_cents", "41000").ok());
  EXPECT_EQ(d.rent_cents(), 41000);
  ASSERT_TRUE(Apply(d, "charges", "80,5").ok());
  EXPECT_EQ(d.charges_cents(), 8050);
  ASSERT_TRUE(Apply(d, "housing_allowance", "200").ok());
  EXPECT_EQ(d.housing_allowance_cents(), 20000);
  EXPECT_EQ(*ParseEuros("-3.07"), -307);
  EXPECT_FALSE(ParseEuros("1.234").ok());
  EXPECT_FALSE(ParseEuros("12a").ok());
  EXPECT_FALSE(ParseEuros("").ok());
  // The exact path wins over a longer path with the same suffix.
  v1::LeaseSigned lease;
  ASSERT_TRUE(Apply(lease, "rent", "500").ok());
  EXPECT_EQ(lease.rent_cents(), 50000);
  EXPECT_EQ(lease.dwelling().facts().rent_cents(), 0);
}

TEST(StepFlagsTest, CorrectionsReachTheReplacementStep) {
  v1::StepCorrected c;
  ASSERT_TRUE(Apply(c, "corrected_version", "5").ok());
  ASSERT_TRUE(Apply(c, "occurred_on", "2021-03-04").ok());
  ASSERT_TRUE(Apply(c, "reason", "typing_error").ok());
  ASSERT_TRUE(
      Apply(c, "replacement.offer_made.dwelling.facts.rent", "420").ok());
  EXPECT_EQ(c.corrected_version(), 5u);
  EXPECT_EQ(c.reason(), v1::CORRECTION_REASON_TYPING_ERROR);
  EXPECT_EQ(c.replacement().offer_made().dwelling().facts().rent_cents(),
            42000);
  // Another member of the step oneof conflicts.
  absl::Status conflict = Apply(c, "replacement.offer_refused.offer_id", "1");
  EXPECT_FALSE(conflict.ok());
  EXPECT_THAT(std::string(conflict.message()),
              HasSubstr("--replacement.offer_refused.offer_id"));
}

TEST(StepFlagsTest, ErrorsNameTheFlag) {
  v1::OfferMade offer;
  absl::Status unknown = Apply(offer, "colour", "blue");
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("--colour"));
  EXPECT_THAT(std::string(unknown.message()), HasSubstr("unknown flag"));
  absl::Status bad_enum = Apply(offer, "typology", "t9");
  EXPECT_THAT(std::string(bad_enum.message()), HasSubstr("--typology"));
  EXPECT_THAT(std::string(bad_enum.message()), HasSubstr("t1, t2"));
  absl::Status bad_int = Apply(offer, "floor", "two");
  EXPECT_THAT(std::string(bad_int.message()), HasSubstr("--floor"));
  // Only leaves count: dwelling.location is a message, so --location is
  // compliance.location.
  ASSERT_TRUE(Apply(offer, "location", "compliant").ok());
  EXPECT_EQ(offer.compliance().location(), v1::COMPLIANCE_COMPLIANT);
  // In a correction, "rent" is a suffix of many replacement paths.
  v1::StepCorrected c;
  absl::Status ambiguous = Apply(c, "rent", "400");
  EXPECT_THAT(std::string(ambiguous.message()), HasSubstr("--rent"));
  EXPECT_THAT(std::string(ambiguous.message()), HasSubstr("ambiguous"));
  EXPECT_THAT(std::string(ambiguous.message()),
              HasSubstr("--replacement.diagnosis_recorded.rent"));
}

TEST(MutationsTest, EveryCaseServiceMutationHasACommand) {
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          "relog.v1.CaseService");
  ASSERT_NE(service, nullptr);
  int mutations = 0;
  for (int i = 0; i < service->method_count(); ++i) {
    const auto* method = service->method(i);
    if (method->output_type() != v1::CaseCommandResponse::descriptor()) {
      continue;
    }
    ++mutations;
    const Mutation* m = FindMutationByRpc(method->name());
    ASSERT_NE(m, nullptr) << method->name();
    EXPECT_EQ(m->request_prototype->GetDescriptor(), method->input_type());
    EXPECT_EQ(m->body_field()->number(), 5);
  }
  EXPECT_EQ(mutations, 28);
  EXPECT_EQ(Mutations().size(), 28u);
}

TEST(MutationsTest, BuildsARequestWithTheCommonFields) {
  const Mutation* m = FindMutationByRpc("RefuseOffer");
  v1::RefuseOfferRequest request;
  ASSERT_TRUE(
      BuildMutationRequest(
          *m,
          {"abc", "--offer_id=2", "--reasons=location", "--expected_version=7",
           "--occurred_at=2022-05-06", "--request_id=r-1"},
          &request)
          .ok());
  EXPECT_EQ(request.name(), "cases/abc");
  EXPECT_EQ(request.request_id(), "r-1");
  EXPECT_EQ(request.expected_version(), 7u);
  EXPECT_EQ(request.occurred_at(), "2022-05-06");
  EXPECT_EQ(request.refusal().offer_id(), "2");

  v1::RefuseOfferRequest defaults;
  ASSERT_TRUE(
      BuildMutationRequest(*m, {"cases/x", "--offer_id=1"}, &defaults).ok());
  EXPECT_EQ(defaults.request_id().size(), 36u);
  EXPECT_EQ(defaults.request_id()[14], '4');  // UUIDv4
  EXPECT_EQ(defaults.occurred_at().size(), 10u);
  EXPECT_FALSE(defaults.has_expected_version());

  absl::Status bad_date = BuildMutationRequest(
      *m, {"cases/x", "--occurred_at=2022-13-01"}, &defaults);
  EXPECT_THAT(std::string(bad_date.message()), HasSubstr("--occurred_at"));
  absl::Status no_name = BuildMutationRequest(*m, {"--offer_id=1"}, &defaults);
  EXPECT_FALSE(no_name.ok());

  v1::IdentifyHouseholdRequest identify;
  const Mutation* open = FindMutationByRpc("IdentifyHousehold");
  ASSERT_TRUE(
      BuildMutationRequest(*open,
                           {"--body_json={\"reference\":\"R-1\"}",
                            "--operation_id=OP-1", "--origin.facts.rent=300"},
                           &identify)
          .ok());
  EXPECT_EQ(identify.household().reference(), "R-1");
  EXPECT_EQ(identify.household().operation_id(), "OP-1");
  EXPECT_EQ(identify.household().origin().facts().rent_cents(), 30000);
  EXPECT_FALSE(BuildMutationRequest(*open, {"cases/x"}, &identify).ok());
}

}  // namespace
}  // namespace relog::ctl
