// CaseService end to end: a real relogd child on a loopback port with a
// temp data dir, through a real gRPC channel.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "services/api/status_conversion.h"
#include "storage/sha256.h"
#include "tests/api/household_client.h"
#include "tests/testing/relogd_process.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::RelogdProcess;
using ::relog::testing::TempDir;
using v1::CaseCommandResponse;
using v1::CaseService;

using ::relog::testing::Call;
using ::relog::testing::Household;
using ::relog::testing::Ok;
using ::relog::testing::Outcome;
using ::relog::testing::OutcomeOf;
using ::relog::testing::Refused;
using ::relog::testing::TestUuid;

class CasesEndToEndTest : public ::testing::Test {
 protected:
  void Start() {
    relogd_ = std::make_unique<RelogdProcess>(RELOGD_PATH, RELOG_SOURCE_DIR,
                                              dir_.Sub("data"), dir_);
    ASSERT_FALSE(relogd_->address().empty());
    stub_ = CaseService::NewStub(relogd_->channel());
  }
  void SetUp() override { Start(); }
  void Restart() {
    relogd_->process().Signal(SIGTERM);
    ASSERT_TRUE(relogd_->process().WaitForExit(absl::Seconds(30)).has_value());
    relogd_.reset();
    Start();
  }

  TempDir dir_;
  std::unique_ptr<RelogdProcess> relogd_;
  std::unique_ptr<CaseService::Stub> stub_;
};

TEST_F(CasesEndToEndTest, AWholeCaseFromIdentificationToClosure) {
  Household h(stub_.get(), "whole");
  ASSERT_THAT(h.Identify("2020-03-02"), Ok());
  EXPECT_EQ(h.last().case_().state(), v1::Case::IDENTIFIED);
  // relog fills the dwelling's landlord, commune and QPV from the building.
  EXPECT_EQ(h.last().case_().identification().origin().facts().commune_insee(),
            "59350");
  ASSERT_THAT(h.Diagnose("2020-04-01"), Ok());
  EXPECT_EQ(h.last().case_().diagnosis().reste_a_charge_cents(), 22000);
  ASSERT_THAT(h.Validate("2020-05-01"), Ok());
  ASSERT_THAT(h.Offer("2020-06-01", "59009", v1::COMPLIANCE_COMPLIANT), Ok());
  EXPECT_EQ(h.last().case_().offers(0).offer_id(), "1");
  ASSERT_THAT(h.Accept("2020-06-08", "1"), Ok());
  ASSERT_THAT(
      h.Cal("2020-06-20", "1", v1::CalDecisionRecorded::DECISION_ALLOCATED),
      Ok());
  ASSERT_THAT(h.Lease("2020-07-01", "1", v1::LEASE_KIND_DEFINITIVE), Ok());
  // The lease lets the offered dwelling.
  EXPECT_EQ(h.last().case_().leases(0).dwelling().commune_insee(), "59009");
  EXPECT_EQ(h.last().case_().leases(0).reste_a_charge_cents(), 26000);
  ASSERT_THAT(h.Move("2020-07-15"), Ok());
  EXPECT_EQ(h.last().case_().state(), v1::Case::REHOUSED);

  v1::RecordKeysReturnedRequest keys;
  keys.mutable_keys();
  ASSERT_THAT(
      h.Send(keys, "2020-07-20", &CaseService::Stub::RecordKeysReturned), Ok());
  v1::RecordFollowUpConsentRequest consent;
  consent.mutable_consent()->set_given(true);
  ASSERT_THAT(
      h.Send(consent, "2020-07-15", &CaseService::Stub::RecordFollowUpConsent),
      Ok());
  for (auto [milestone, day] :
       {std::pair{v1::FOLLOW_UP_MILESTONE_3_MONTHS, "2020-10-15"},
        std::pair{v1::FOLLOW_UP_MILESTONE_6_MONTHS, "2021-01-15"},
        std::pair{v1::FOLLOW_UP_MILESTONE_12_MONTHS, "2021-07-15"}}) {
    v1::RecordFollowUpRequest f;
    f.mutable_follow_up()->set_milestone(milestone);
    f.mutable_follow_up()->set_satisfaction(v1::SATISFACTION_SATISFIED);
    ASSERT_THAT(h.Send(f, day, &CaseService::Stub::RecordFollowUp), Ok());
  }
  v1::HandOverFollowUpRequest hand_over;
  hand_over.mutable_hand_over()->set_body_name("CCAS de Villeneuve-d'Ascq");
  hand_over.mutable_hand_over()->set_commune_insee("59009");
  ASSERT_THAT(
      h.Send(hand_over, "2021-07-20", &CaseService::Stub::HandOverFollowUp),
      Ok());
  v1::EndFollowUpRequest end;
  end.mutable_end();
  ASSERT_THAT(h.Send(end, "2021-08-01", &CaseService::Stub::EndFollowUp), Ok());
  v1::CloseCaseRequest close;
  close.mutable_closure()->set_outcome(v1::CASE_OUTCOME_REHOUSED);
  ASSERT_THAT(h.Send(close, "2021-08-02", &CaseService::Stub::CloseCase), Ok());
  EXPECT_EQ(h.last().case_().state(), v1::Case::CLOSED);
  EXPECT_THAT(h.last().case_().next_steps(),
              ::testing::UnorderedElementsAre("ReopenCase", "CorrectStep",
                                              "CancelStep"));

  // Closed: only reopening, corrections and cancellations.
  EXPECT_THAT(h.Diagnose("2021-09-01"),
              Refused(grpc::StatusCode::FAILED_PRECONDITION, "CASE_CLOSED"));

  // Found by an external id, through the case index.
  v1::GetCaseRequest get;
  get.set_tenant_reference("T-whole");
  v1::Case found;
  ASSERT_TRUE(stub_->GetCase(Call().get(), get, &found).ok());
  EXPECT_EQ(found.name(), h.name());
  EXPECT_EQ(found.version(), h.last().case_version());
}

TEST_F(CasesEndToEndTest, RefusedStepsCarryTheirCodeAndReason) {
  Household h(stub_.get(), "refused");
  ASSERT_THAT(h.Identify("2020-03-02"), Ok());
  // An offer before the diagnosis and the committee.
  EXPECT_THAT(
      h.Offer("2020-03-05", "59009", v1::COMPLIANCE_COMPLIANT),
      Refused(grpc::StatusCode::FAILED_PRECONDITION, "STEP_OUT_OF_ORDER"));
  EXPECT_THAT(
      h.Move("2020-03-05"),
      Refused(grpc::StatusCode::FAILED_PRECONDITION, "STEP_OUT_OF_ORDER"));
  // A date in the future, and a date before the identification.
  EXPECT_THAT(h.Diagnose("2999-01-01"),
              Refused(grpc::StatusCode::INVALID_ARGUMENT, "DATE_IN_FUTURE"));
  EXPECT_THAT(h.Diagnose("2020-01-01"),
              Refused(grpc::StatusCode::FAILED_PRECONDITION,
                      "DATE_BEFORE_PREREQUISITE"));
  ASSERT_THAT(h.Diagnose("2020-04-01"), Ok());
  ASSERT_THAT(h.Validate("2020-05-01"), Ok());
  // Location attested compliant in a commune neither Lille nor adjacent.
  Outcome far = h.Offer("2020-06-01", "59512", v1::COMPLIANCE_COMPLIANT);
  EXPECT_THAT(far, Refused(grpc::StatusCode::FAILED_PRECONDITION,
                           "LOCATION_NOT_COMPLIANT"));
  EXPECT_EQ(far.field, "offer.compliance.location");
  // A malformed value names its field.
  v1::MakeOfferRequest tiny;
  tiny.mutable_offer()->mutable_dwelling()->mutable_facts()->set_surface_m2(3);
  Outcome bad = h.Send(tiny, "2020-06-01", &CaseService::Stub::MakeOffer);
  EXPECT_EQ(bad.code, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(bad.field.empty());
  ASSERT_THAT(h.Offer("2020-06-01", "59009", v1::COMPLIANCE_COMPLIANT), Ok());
  EXPECT_THAT(
      h.Offer("2020-06-02", "59009", v1::COMPLIANCE_COMPLIANT),
      Refused(grpc::StatusCode::FAILED_PRECONDITION, "OFFER_IN_PROGRESS"));
  EXPECT_THAT(
      h.Cal("2020-06-03", "1", v1::CalDecisionRecorded::DECISION_ALLOCATED),
      Refused(grpc::StatusCode::FAILED_PRECONDITION, "STEP_OUT_OF_ORDER"));
  // Nothing refused was written.
  EXPECT_EQ(h.last().case_().version(), 3u);

  v1::RecordNoticeRequest unknown;
  unknown.set_name("cases/cnothere");
  unknown.mutable_notice()->set_method(
      v1::NoticeSent::METHOD_REGISTERED_LETTER);
  unknown.set_request_id(TestUuid("unknown-1"));
  unknown.set_occurred_at("2020-03-02");
  CaseCommandResponse ignored;
  EXPECT_THAT(OutcomeOf(stub_->RecordNotice(Call().get(), unknown, &ignored)),
              Refused(grpc::StatusCode::NOT_FOUND, "CASE_NOT_FOUND"));
  unknown.clear_request_id();
  Outcome no_id =
      OutcomeOf(stub_->RecordNotice(Call().get(), unknown, &ignored));
  EXPECT_THAT(no_id,
              Refused(grpc::StatusCode::INVALID_ARGUMENT, "FIELD_REQUIRED"));
  EXPECT_EQ(no_id.field, "request_id");
  // Request ids are stored unsealed: free text is refused.
  unknown.set_request_id("dupont-jean-notice");
  Outcome named =
      OutcomeOf(stub_->RecordNotice(Call().get(), unknown, &ignored));
  EXPECT_THAT(
      named, Refused(grpc::StatusCode::INVALID_ARGUMENT, "VALUE_OUT_OF_RANGE"));
  EXPECT_EQ(named.field, "request_id");
}

TEST_F(CasesEndToEndTest, ThreeCountedRefusalsPutTheCaseInTheLegalProcedure) {
  Household h(stub_.get(), "legal");
  ASSERT_THAT(h.Identify("2020-03-02"), Ok());
  ASSERT_THAT(h.Diagnose("2020-04-01"), Ok());
  ASSERT_THAT(h.Validate("2020-05-01"), Ok());
  const char* days[] = {"2020-06-01", "2020-07-01", "2020-08-31"};
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(h.Offer(days[i], "59009", v1::COMPLIANCE_COMPLIANT), Ok());
    ASSERT_THAT(h.Refuse(days[i], absl::StrCat(i + 1)), Ok());
  }
  EXPECT_EQ(h.last().case_().counted_offers(), 3);
  EXPECT_EQ(h.last().case_().legal_procedure_since(), "2020-08-31");
  // Six months later, clamped to the end of February.
  EXPECT_EQ(h.last().case_().legal_procedure_ends(), "2021-02-28");
  // Offers beyond three remain possible.
  EXPECT_THAT(h.Offer("2020-09-15", "59350", v1::COMPLIANCE_COMPLIANT), Ok());
}

TEST_F(CasesEndToEndTest, CorrectionReplacesAStepAndHistoryKeepsBoth) {
  Household h(stub_.get(), "correct");
  ASSERT_THAT(h.Identify("2020-03-02"), Ok());
  ASSERT_THAT(h.Diagnose("2020-04-01"), Ok());
  ASSERT_THAT(h.Validate("2020-05-01"), Ok());

  v1::CorrectStepRequest fix;
  fix.mutable_correction()->set_corrected_version(1);
  fix.mutable_correction()->set_occurred_on("2020-04-03");
  fix.mutable_correction()->set_reason(v1::CORRECTION_REASON_TYPING_ERROR);
  ASSERT_THAT(h.Send(fix, "2020-05-02", &CaseService::Stub::CorrectStep), Ok());
  EXPECT_EQ(h.last().case_().diagnosed_on(), "2020-04-03");

  // A diagnosis moved after the committee would break the history.
  v1::CorrectStepRequest breaking;
  breaking.mutable_correction()->set_corrected_version(1);
  breaking.mutable_correction()->set_occurred_on("2020-06-01");
  breaking.mutable_correction()->set_reason(v1::CORRECTION_REASON_TYPING_ERROR);
  EXPECT_THAT(h.Send(breaking, "2020-06-02", &CaseService::Stub::CorrectStep),
              Refused(grpc::StatusCode::FAILED_PRECONDITION,
                      "CORRECTION_BREAKS_HISTORY"));

  v1::GetCaseHistoryRequest history;
  history.set_name(h.name());
  v1::GetCaseHistoryResponse events;
  ASSERT_TRUE(stub_->GetCaseHistory(Call().get(), history, &events).ok());
  ASSERT_EQ(events.events_size(), 4);
  EXPECT_EQ(events.events(1).type(), "relog.v1.DiagnosisRecorded");
  EXPECT_EQ(events.events(1).occurred_at(), "2020-04-01");
  EXPECT_EQ(events.events(3).type(), "relog.v1.StepCorrected");
  EXPECT_EQ(events.events(3).correction().corrected_version(), 1u);
  // Personal fields come back unsealed for the local administrator.
  EXPECT_EQ(events.events(1).step().diagnosis_recorded().notes(),
            "Famille suivie par le CCAS.");
  EXPECT_EQ(events.events(0).actor(), "local-admin");
  EXPECT_EQ(events.events(0).stream_hash().size(), 64u);
}

TEST_F(CasesEndToEndTest, ListsAndHistoriesArePaginated) {
  std::set<std::string> names;
  for (int i = 0; i < 7; ++i) {
    Household h(stub_.get(), absl::StrCat("page", i));
    ASSERT_THAT(h.Identify("2020-03-02"), Ok());
    names.insert(h.name());
  }
  std::set<std::string> listed;
  v1::ListCasesRequest list;
  list.set_page_size(3);
  list.set_operation_id("OP-LIL-CONCORDE-1");
  int pages = 0;
  do {
    v1::ListCasesResponse page;
    ASSERT_TRUE(stub_->ListCases(Call().get(), list, &page).ok());
    EXPECT_LE(page.cases_size(), 3);
    for (const auto& c : page.cases()) listed.insert(c.name());
    list.set_page_token(page.next_page_token());
    ++pages;
  } while (!list.page_token().empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(listed, names);

  v1::ListCasesRequest filtered;
  filtered.set_reference_contains("e2e-PAGE3");
  v1::ListCasesResponse one;
  ASSERT_TRUE(stub_->ListCases(Call().get(), filtered, &one).ok());
  ASSERT_EQ(one.cases_size(), 1);
  EXPECT_EQ(one.cases(0).reference(), "E2E-page3");

  v1::ListCasesRequest bad;
  bad.set_page_token("garbage");
  v1::ListCasesResponse ignored;
  EXPECT_THAT(
      OutcomeOf(stub_->ListCases(Call().get(), bad, &ignored)),
      Refused(grpc::StatusCode::INVALID_ARGUMENT, "VALUE_OUT_OF_RANGE"));

  Household h(stub_.get(), "longhistory");
  ASSERT_THAT(h.Identify("2020-03-02"), Ok());
  ASSERT_THAT(h.Diagnose("2020-04-01"), Ok());
  ASSERT_THAT(h.Validate("2020-05-01"), Ok());
  v1::GetCaseHistoryRequest history;
  history.set_name(h.name());
  history.set_page_size(2);
  std::vector<uint64_t> versions;
  do {
    v1::GetCaseHistoryResponse page;
    ASSERT_TRUE(stub_->GetCaseHistory(Call().get(), history, &page).ok());
    for (const auto& e : page.events()) versions.push_back(e.version());
    history.set_page_token(page.next_page_token());
  } while (!history.page_token().empty());
  EXPECT_THAT(versions, ::testing::ElementsAre(0, 1, 2));
}

TEST_F(CasesEndToEndTest, ARetryReturnsTheFirstAnswerAlsoAfterARestart) {
  Household h(stub_.get(), "retry");
  ASSERT_THAT(h.Identify("2020-03-02"), Ok());
  v1::RecordDiagnosisRequest first;
  first.set_request_id(TestUuid("retry-diagnosis"));
  first.mutable_diagnosis()->set_adults(1);
  first.mutable_diagnosis()->set_resource_band(v1::RESOURCE_BAND_UNDER_PLAI);
  first.mutable_diagnosis()->set_occupancy_fit(v1::OCCUPANCY_FIT_ADEQUATE);
  first.mutable_diagnosis()->set_support_level(v1::SUPPORT_LEVEL_NONE);
  ASSERT_THAT(h.Send(first, "2020-04-01", &CaseService::Stub::RecordDiagnosis),
              Ok());
  const CaseCommandResponse answer = h.last();
  EXPECT_FALSE(answer.replayed());
  // The case moves on, so deciding again would now be another answer.
  ASSERT_THAT(h.Validate("2020-05-01"), Ok());

  Restart();
  Household again(stub_.get(), "retry-after-restart");
  CaseCommandResponse replay;
  first.set_name(h.name());
  ASSERT_TRUE(stub_->RecordDiagnosis(Call().get(), first, &replay).ok());
  EXPECT_TRUE(replay.replayed());
  EXPECT_EQ(replay.case_version(), answer.case_version());
  EXPECT_EQ(replay.position(), answer.position());
  EXPECT_EQ(replay.case_().state(), v1::Case::DIAGNOSED);

  // The same id for another request is refused.
  first.mutable_diagnosis()->set_adults(2);
  EXPECT_THAT(OutcomeOf(stub_->RecordDiagnosis(Call().get(), first, &replay)),
              Refused(grpc::StatusCode::ALREADY_EXISTS, "REQUEST_ID_REUSED"));
}

TEST_F(CasesEndToEndTest, AStaleExpectedVersionIsAborted) {
  Household h(stub_.get(), "stale");
  ASSERT_THAT(h.Identify("2020-03-02"), Ok());
  v1::RecordNoticeRequest notice;
  notice.mutable_notice()->set_method(v1::NoticeSent::METHOD_REGISTERED_LETTER);
  notice.set_expected_version(5);
  Outcome stale =
      h.Send(notice, "2020-03-03", &CaseService::Stub::RecordNotice);
  EXPECT_THAT(stale,
              Refused(grpc::StatusCode::ABORTED, "WRONG_EXPECTED_VERSION"));
  notice.set_expected_version(0);
  notice.clear_request_id();
  EXPECT_THAT(h.Send(notice, "2020-03-03", &CaseService::Stub::RecordNotice),
              Ok());
  EXPECT_EQ(h.last().case_version(), 1u);
}

// SIGTERM while clients keep sending commands: relogd stops within its
// grace period, exits 0, and after a restart every acknowledged command is
// there (a retry of each replays its first answer).
TEST_F(CasesEndToEndTest, SigtermUnderLoadLosesNothingAcknowledged) {
  constexpr int kClients = 8;
  std::vector<std::string> names;
  for (int c = 0; c < kClients; ++c) {
    Household h(stub_.get(), absl::StrCat("sigterm-", c));
    ASSERT_THAT(h.Identify("2020-03-02"), Ok());
    names.push_back(h.name());
  }
  struct Acknowledged {
    v1::RecordWishesRequest request;
    uint64_t case_version = 0;
  };
  std::vector<std::vector<Acknowledged>> acknowledged(kClients);
  std::atomic<int> sent{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 10000; ++i) {
        v1::RecordWishesRequest r;
        r.set_name(names[c]);
        r.set_request_id(TestUuid(absl::StrCat("sigterm-load-", c, "-", i)));
        r.set_occurred_at("2020-03-04");
        r.mutable_wishes()->add_communes_insee("59009");
        CaseCommandResponse response;
        auto context = std::make_unique<grpc::ClientContext>();
        context->set_deadline(
            absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
        const grpc::Status status =
            stub_->RecordWishes(context.get(), r, &response);
        sent.fetch_add(1);
        if (!status.ok()) return;  // relogd is stopping
        acknowledged[c].push_back({r, response.case_version()});
      }
    });
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (sent.load() < 200 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  relogd_->process().Signal(SIGTERM);
  const absl::Time signalled = absl::Now();
  std::optional<int> exit = relogd_->process().WaitForExit(absl::Seconds(30));
  for (std::thread& client : clients) client.join();
  ASSERT_TRUE(exit.has_value()) << "relogd did not stop within 30 s";
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0) << *exit;
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(30));

  relogd_.reset();
  Start();
  for (int c = 0; c < kClients; ++c) {
    ASSERT_FALSE(acknowledged[c].empty()) << "client " << c;
    v1::GetCaseRequest get;
    get.set_name(names[c]);
    v1::Case now;
    ASSERT_TRUE(stub_->GetCase(Call().get(), get, &now).ok());
    EXPECT_GE(now.version(), acknowledged[c].back().case_version);
    for (const Acknowledged& ack : acknowledged[c]) {
      CaseCommandResponse replay;
      ASSERT_TRUE(stub_->RecordWishes(Call().get(), ack.request, &replay).ok());
      EXPECT_TRUE(replay.replayed());
      EXPECT_EQ(replay.case_version(), ack.case_version);
    }
  }
}

TEST_F(CasesEndToEndTest, TwoClientsRacingOnOneCaseBothSucceed) {
  Household h(stub_.get(), "race");
  ASSERT_THAT(h.Identify("2020-03-02"), Ok());
  // Two channels, two clients, steps that are valid in either order.
  auto other = CaseService::NewStub(grpc::CreateChannel(
      relogd_->address(), grpc::InsecureChannelCredentials()));
  constexpr int kRounds = 20;
  std::vector<Outcome> outcomes(2 * kRounds);
  auto client = [&](CaseService::Stub* stub, int offset) {
    for (int i = 0; i < kRounds; ++i) {
      v1::RecordWishesRequest r;
      r.set_name(h.name());
      r.set_request_id(TestUuid(absl::StrCat("race-", offset, "-", i)));
      r.set_occurred_at("2020-03-04");
      r.mutable_wishes()->add_communes_insee("59009");
      CaseCommandResponse response;
      outcomes[offset * kRounds + i] =
          OutcomeOf(stub->RecordWishes(Call().get(), r, &response));
    }
  };
  std::thread a(client, stub_.get(), 0);
  std::thread b(client, other.get(), 1);
  a.join();
  b.join();
  for (const Outcome& o : outcomes) EXPECT_THAT(o, Ok());
  v1::GetCaseRequest get;
  get.set_name(h.name());
  v1::Case c;
  ASSERT_TRUE(stub_->GetCase(Call().get(), get, &c).ok());
  EXPECT_EQ(c.version(), 2u * kRounds);
}

TEST_F(CasesEndToEndTest, ExceptionalPaths) {
  // Temporary then definitive rehousing.
  Household t(stub_.get(), "temporary");
  ASSERT_THAT(t.Identify("2020-03-02"), Ok());
  ASSERT_THAT(t.Diagnose("2020-04-01"), Ok());
  ASSERT_THAT(t.Validate("2020-05-01"), Ok());
  ASSERT_THAT(t.Offer("2020-06-01", "59009", v1::COMPLIANCE_COMPLIANT), Ok());
  ASSERT_THAT(t.Accept("2020-06-05", "1"), Ok());
  ASSERT_THAT(
      t.Cal("2020-06-10", "1", v1::CalDecisionRecorded::DECISION_INFORMED),
      Ok());
  ASSERT_THAT(t.Lease("2020-06-15", "1", v1::LEASE_KIND_TEMPORARY), Ok());
  ASSERT_THAT(t.Move("2020-06-20"), Ok());
  EXPECT_TRUE(t.last().case_().temporarily_rehoused());
  EXPECT_EQ(t.last().case_().state(), v1::Case::READY_FOR_OFFERS);
  ASSERT_THAT(t.Offer("2021-01-04", "59350", v1::COMPLIANCE_COMPLIANT), Ok());
  ASSERT_THAT(t.Accept("2021-01-06", "2"), Ok());
  ASSERT_THAT(
      t.Cal("2021-01-10", "2", v1::CalDecisionRecorded::DECISION_ALLOCATED),
      Ok());
  ASSERT_THAT(t.Lease("2021-01-15", "2", v1::LEASE_KIND_DEFINITIVE), Ok());
  ASSERT_THAT(t.Move("2021-02-01"), Ok());
  EXPECT_EQ(t.last().case_().state(), v1::Case::REHOUSED);
  EXPECT_EQ(t.last().case_().rehoused_on(), "2021-02-01");

  // A CAL refusal never counts; the case looks for another offer.
  Household c(stub_.get(), "calrefused");
  ASSERT_THAT(c.Identify("2020-03-02"), Ok());
  ASSERT_THAT(c.Diagnose("2020-04-01"), Ok());
  ASSERT_THAT(c.Validate("2020-05-01"), Ok());
  ASSERT_THAT(c.Offer("2020-06-01", "59009", v1::COMPLIANCE_COMPLIANT), Ok());
  ASSERT_THAT(c.Accept("2020-06-05", "1"), Ok());
  ASSERT_THAT(
      c.Cal("2020-06-10", "1", v1::CalDecisionRecorded::DECISION_REFUSED),
      Ok());
  EXPECT_EQ(c.last().case_().state(), v1::Case::READY_FOR_OFFERS);
  EXPECT_EQ(c.last().case_().counted_offers(), 0);

  // Decohabitation: a linked case opened in the same commit.
  Household d(stub_.get(), "decohab");
  ASSERT_THAT(d.Identify("2020-03-02"), Ok());
  v1::RecordDecohabitationRequest split;
  split.mutable_new_household()->set_reference("E2E-decohab-child");
  split.mutable_new_household()->set_occupancy(v1::OCCUPANCY_STATUS_SHELTERED);
  ASSERT_THAT(
      d.Send(split, "2020-04-01", &CaseService::Stub::RecordDecohabitation),
      Ok());
  const std::string child = d.last().opened_case();
  ASSERT_FALSE(child.empty());
  v1::GetCaseRequest get;
  get.set_name(child);
  v1::Case opened;
  ASSERT_TRUE(stub_->GetCase(Call().get(), get, &opened).ok());
  EXPECT_EQ(opened.parent_case(), d.name());
  EXPECT_EQ(opened.state(), v1::Case::IDENTIFIED);
  EXPECT_EQ(opened.building_id(), "BAT-A");

  // Left on its own: exited, closed with the matching outcome only.
  Household l(stub_.get(), "left");
  ASSERT_THAT(l.Identify("2020-03-02"), Ok());
  v1::RecordDepartureRequest left;
  left.mutable_departure()->set_destination(
      v1::HouseholdLeft::DESTINATION_PRIVATE_RENTAL);
  ASSERT_THAT(l.Send(left, "2020-05-01", &CaseService::Stub::RecordDeparture),
              Ok());
  EXPECT_EQ(l.last().case_().state(), v1::Case::EXITED);
  v1::CloseCaseRequest wrong;
  wrong.mutable_closure()->set_outcome(v1::CASE_OUTCOME_REHOUSED);
  EXPECT_THAT(
      l.Send(wrong, "2020-05-02", &CaseService::Stub::CloseCase),
      Refused(grpc::StatusCode::FAILED_PRECONDITION, "OUTCOME_MISMATCH"));
  v1::CloseCaseRequest right;
  right.mutable_closure()->set_outcome(v1::CASE_OUTCOME_LEFT_ON_OWN);
  ASSERT_THAT(l.Send(right, "2020-05-02", &CaseService::Stub::CloseCase), Ok());
  v1::ReopenCaseRequest reopen;
  reopen.mutable_reopening()->set_reason("Retour du ménage dans le logement");
  ASSERT_THAT(l.Send(reopen, "2020-06-01", &CaseService::Stub::ReopenCase),
              Ok());
  EXPECT_EQ(l.last().case_().state(), v1::Case::EXITED);
}

}  // namespace
}  // namespace relog
