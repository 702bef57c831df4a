// The fixture is what docs/REPORTS.md "Hand-computed examples" describes:
// each case read back from its stream, and the knowledge times T1, T2.
#include "tests/reports/report_fixture.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "relog/v1/case_events.pb.h"
#include "services/cases/case_state.h"
#include "services/cases/event_codec.h"
#include "services/reference/reference_stream.h"
#include "tests/testing/status_matchers.h"

namespace relog::reports::testing {
namespace {

using cases::CaseState;
using cases::Phase;
using relog::v1::CaseStep;
using relog::v1::DwellingFacts;

// A case's stream as stored, and its state folded from the events at
// positions <= `known_at_position`.
struct ReadCase {
  std::vector<RecordedEvent> events;  // the whole stream
  CaseState state;                    // folded up to the position
};

ReadCase Read(const EventStore& store, const std::string& case_id,
              uint64_t known_at_position = kEnd) {
  ReadCase read;
  read.state.case_id = case_id;
  absl::StatusOr<std::vector<RecordedEvent>> events = store.ReadStreamForward(
      std::string(cases::kCaseStreamPrefix) + case_id, 0, 1000);
  EXPECT_OK(events.status());
  if (!events.ok()) return read;
  read.events = *std::move(events);
  for (const RecordedEvent& recorded : read.events) {
    absl::StatusOr<cases::CaseEvent> event =
        cases::DecodeCaseEvent(recorded, cases::AllDataClasses());
    EXPECT_OK(event.status()) << recorded.type << " at " << recorded.position;
    if (!event.ok() || recorded.position > known_at_position) continue;
    read.state = cases::Evolve(std::move(read.state), *event);
  }
  return read;
}

// The position of the first event of `type` in the stream (0 if none).
uint64_t PositionOf(const ReadCase& read, const std::string& type,
                    int occurrence = 1) {
  for (const RecordedEvent& event : read.events) {
    if (event.type == type && --occurrence == 0) return event.position;
  }
  return 0;
}

const DwellingFacts& ArrivalFacts(const CaseState& state) {
  return state.facts.leases.back().lease.dwelling().facts();
}

absl::CivilDay Day(int y, int m, int d) { return absl::CivilDay(y, m, d); }

class ReportFixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = ReportFixture::Create();
    ASSERT_NE(fixture_, nullptr);
  }
  EventStore& store() { return fixture_->store(); }
  ReadCase Case(const std::string& name, uint64_t known_at = kEnd) {
    return Read(store(), fixture_->CaseId(name), known_at);
  }

  // `name` is definitively rehoused on `moved_on` with the arrival of the
  // table.
  void ExpectRehoused(const std::string& name, absl::CivilDay moved_on,
                      const std::string& landlord, const std::string& commune,
                      const std::string& quartier,
                      const std::string& programme) {
    SCOPED_TRACE(name);
    const CaseState state = Case(name).state;
    EXPECT_EQ(state.facts.phase, Phase::kRehoused)
        << cases::PhaseName(state.facts.phase);
    ASSERT_FALSE(state.facts.leases.empty());
    const cases::CaseFacts::Lease& lease = state.facts.leases.back();
    EXPECT_EQ(lease.lease.kind(), relog::v1::LEASE_KIND_DEFINITIVE);
    EXPECT_EQ(lease.moved_on, moved_on);
    EXPECT_EQ(state.facts.definitive_move_on, moved_on);
    const DwellingFacts& arrival = ArrivalFacts(state);
    EXPECT_EQ(arrival.landlord_id(), landlord);
    EXPECT_EQ(arrival.commune_insee(), commune);
    EXPECT_EQ(arrival.quartier_code(), quartier);
    EXPECT_EQ(arrival.programme_id(), programme);
    // The lease's reste à charge as relog computes it.
    EXPECT_EQ(lease.lease.reste_a_charge_cents(),
              lease.lease.rent_cents() + lease.lease.charges_cents() -
                  lease.lease.housing_allowance_cents());
    ASSERT_TRUE(state.facts.diagnosis.has_value());
    EXPECT_GT(state.facts.diagnosis->adults(), 0);
  }

  void ExpectOrigin(const std::string& name, const std::string& operation,
                    const std::string& building, const std::string& landlord,
                    const std::string& commune, const std::string& quartier,
                    absl::CivilDay identified_on) {
    SCOPED_TRACE(name);
    const CaseState state = Case(name).state;
    const relog::v1::HouseholdIdentified& id = state.facts.identification;
    EXPECT_EQ(id.operation_id(), operation);
    EXPECT_EQ(id.building_id(), building);
    EXPECT_EQ(id.origin().facts().landlord_id(), landlord);
    EXPECT_EQ(id.origin().facts().commune_insee(), commune);
    EXPECT_EQ(id.origin().facts().quartier_code(), quartier);
    EXPECT_EQ(state.facts.identified_on, identified_on);
  }

  // PositionKnownAt(t); 0 (and a failure) on error.
  uint64_t KnownAt(absl::Time t) {
    absl::StatusOr<uint64_t> position = store().PositionKnownAt(t);
    EXPECT_OK(position.status());
    return position.value_or(0);
  }

  std::unique_ptr<ReportFixture> fixture_;
};

TEST_F(ReportFixtureTest, OriginsAreThoseOfTheTable) {
  ExpectOrigin("K1", "OP-ROU-ALMA", "BAT-B", kLandlordV, kRoubaix, "QP059002",
               Day(2023, 1, 10));
  ExpectOrigin("K2", "OP-ROU-ALMA", "BAT-B", kLandlordV, kRoubaix, "QP059002",
               Day(2022, 3, 1));
  ExpectOrigin("K3", "OP-LIL-CONCORDE-1", "BAT-A", kLandlordL, kLille,
               "QP059001", Day(2022, 9, 1));
  ExpectOrigin("K3b", "OP-LIL-CONCORDE-1", "BAT-A", kLandlordL, kLille,
               "QP059001", Day(2023, 1, 5));
  ExpectOrigin("K4", "OP-MON-NOUVEAUMONS", "BAT-A", kLandlordP, kMons,
               "QP059004", Day(2022, 11, 2));
  ExpectOrigin("K5", "OP-ROU-ALMA", "BAT-A", kLandlordL, kRoubaix, "QP059002",
               Day(2022, 5, 2));
  ExpectOrigin("K6", "OP-TRC-BOURGOGNE", "BAT-A", kLandlordV, kTourcoing,
               "QP059003", Day(2022, 10, 3));
}

TEST_F(ReportFixtureTest, ArrivalsAreThoseOfTheTable) {
  ExpectRehoused("K1", Day(2023, 5, 20), kLandlordP, kTourcoing, "", "PRG-003");
  ExpectRehoused("K2", Day(2023, 3, 15), kLandlordV, kRoubaix, "", "");
  ExpectRehoused("K3", Day(2023, 4, 3), kLandlordV, kLille, "QP059009",
                 "PRG-001");
  ExpectRehoused("K3b", Day(2023, 5, 2), kLandlordP, kTourcoing, "", "PRG-003");
  ExpectRehoused("K4", Day(2023, 6, 30), kLandlordL, kLille, "", "");
  ExpectRehoused("K5", Day(2023, 11, 20), kLandlordV, kTourcoing, "", "");

  EXPECT_EQ(ArrivalFacts(Case("K2").state).delivered_on(), "1975-09-01");
  EXPECT_EQ(ArrivalFacts(Case("K4").state).first_conventionnement_on(),
            "2020-06-01");
  EXPECT_EQ(ArrivalFacts(Case("K4").state).delivered_on(), "");
  EXPECT_EQ(ArrivalFacts(Case("K5").state).delivered_on(), "2010-03-01");
  // Both programmes exist in the reference data as loaded.
  EXPECT_NE(fixture_->reference().FindProgramme("PRG-001"), nullptr);
  EXPECT_NE(fixture_->reference().FindProgramme("PRG-003"), nullptr);
}

TEST_F(ReportFixtureTest, K2WasTemporarilyRehousedFirst) {
  const CaseState state = Case("K2").state;
  ASSERT_EQ(state.facts.leases.size(), 2u);
  const cases::CaseFacts::Lease& temporary = state.facts.leases.front();
  EXPECT_EQ(temporary.lease.kind(), relog::v1::LEASE_KIND_TEMPORARY);
  EXPECT_EQ(temporary.lease.offer_id(), "1");
  EXPECT_EQ(temporary.lease.dwelling().facts().landlord_id(), kLandlordL);
  EXPECT_EQ(temporary.lease.dwelling().facts().commune_insee(), kLille);
  EXPECT_EQ(temporary.signed_on, Day(2022, 6, 15));
  EXPECT_EQ(temporary.moved_on, Day(2022, 7, 1));
  EXPECT_EQ(state.facts.leases.back().lease.offer_id(), "2");
  ASSERT_EQ(state.facts.offers.size(), 2u);
  EXPECT_EQ(state.facts.offers[0].made_on, Day(2022, 5, 2));
  EXPECT_EQ(state.facts.offers[1].made_on, Day(2023, 1, 16));
}

TEST_F(ReportFixtureTest, K3bIsADecohabitationOfK3) {
  const CaseState k3 = Case("K3").state;
  const CaseState k3b = Case("K3b").state;
  ASSERT_EQ(k3.facts.decohabitation_case_ids.size(), 1u);
  EXPECT_EQ(k3.facts.decohabitation_case_ids[0], fixture_->CaseId("K3b"));
  EXPECT_EQ(k3b.facts.identification.parent_case_id(), fixture_->CaseId("K3"));
  // The decohabitation and the new case's identification: one append.
  const ReadCase k3_read = Case("K3");
  const ReadCase k3b_read = Case("K3b");
  EXPECT_EQ(PositionOf(k3b_read, "relog.v1.HouseholdIdentified"),
            PositionOf(k3_read, "relog.v1.DecohabitationRecorded") + 1);
  // K3's arrival QPV is recorded on the move (in force on 2023-04-03).
  EXPECT_EQ(k3.steps.rbegin()->second.step.household_moved().quartier_code(),
            "QP059009");
}

TEST_F(ReportFixtureTest, K4WasCorrectedAfterItsReopening) {
  const ReadCase now = Case("K4");
  const CaseState& state = now.state;
  EXPECT_EQ(state.facts.phase, Phase::kRehoused);
  EXPECT_EQ(state.facts.closed_on, std::nullopt);
  // The lease is the step corrected once, from P to L.
  const cases::EffectiveStep* lease = nullptr;
  for (const auto& [version, step] : state.steps) {
    if (step.step.has_lease_signed()) lease = &step;
  }
  ASSERT_NE(lease, nullptr);
  EXPECT_EQ(lease->corrections, 1);
  EXPECT_EQ(lease->occurred_on, Day(2023, 3, 1));
  EXPECT_EQ(lease->step.lease_signed().dwelling().facts().landlord_id(),
            kLandlordL);
  ASSERT_EQ(state.facts.offers.size(), 1u);
  EXPECT_EQ(state.facts.offers[0].offer.dwelling().facts().landlord_id(),
            kLandlordL);

  // As known at T1: typed P, closed as rehoused, not yet reopened.
  const uint64_t p1 = KnownAt(ReportFixture::T1());
  const CaseState at_t1 = Case("K4", p1).state;
  EXPECT_EQ(at_t1.facts.phase, Phase::kClosed);
  EXPECT_EQ(at_t1.facts.phase_before_closure, Phase::kRehoused);
  EXPECT_EQ(at_t1.facts.outcome, relog::v1::CASE_OUTCOME_REHOUSED);
  ASSERT_FALSE(at_t1.facts.leases.empty());
  EXPECT_EQ(ArrivalFacts(at_t1).landlord_id(), kLandlordP);
  EXPECT_EQ(ArrivalFacts(at_t1).commune_insee(), kLille);

  // Closed on 2023-07-10, reopened on 2023-09-01, corrected on 2023-09-15.
  const uint64_t closed = PositionOf(now, "relog.v1.CaseClosed");
  const uint64_t reopened = PositionOf(now, "relog.v1.CaseReopened");
  const uint64_t corrected = PositionOf(now, "relog.v1.StepCorrected");
  ASSERT_NE(closed, 0u);
  EXPECT_LE(closed, p1);
  EXPECT_GT(reopened, p1);
  EXPECT_GT(corrected, reopened);
  EXPECT_EQ(now.events.back().type, "relog.v1.StepCorrected");
  EXPECT_EQ(now.events.back().recorded_at,
            ReportFixture::Noon(Day(2023, 9, 15)));
}

TEST_F(ReportFixtureTest, K5IsRehousedOnlyAsKnownNow) {
  const ReadCase now = Case("K5");
  const uint64_t p1 = KnownAt(ReportFixture::T1());
  const uint64_t p2 = KnownAt(ReportFixture::T2());
  EXPECT_EQ(Case("K5", p1).state.facts.phase, Phase::kReadyForOffers);
  EXPECT_EQ(Case("K5", p2).state.facts.phase, Phase::kLeaseSigned);
  EXPECT_EQ(now.state.facts.phase, Phase::kRehoused);

  const uint64_t offer = PositionOf(now, "relog.v1.OfferMade");
  const uint64_t lease = PositionOf(now, "relog.v1.LeaseSigned");
  const uint64_t move = PositionOf(now, "relog.v1.HouseholdMoved");
  EXPECT_GT(offer, p1);
  EXPECT_GT(lease, p1);
  EXPECT_LE(lease, p2);
  EXPECT_GT(move, p2);
  // The move is backdated: it happened on 2023-11-20, recorded 2024-02-05.
  const RecordedEvent& moved = now.events.back();
  EXPECT_EQ(moved.type, "relog.v1.HouseholdMoved");
  EXPECT_EQ(moved.metadata.occurred_at, Day(2023, 11, 20));
  EXPECT_EQ(moved.recorded_at, ReportFixture::Noon(Day(2024, 2, 5)));
  EXPECT_EQ(moved.position, kEventCount);
}

TEST_F(ReportFixtureTest, K6LeftOnItsOwn) {
  const CaseState state = Case("K6").state;
  EXPECT_EQ(state.facts.phase, Phase::kClosed);
  EXPECT_EQ(state.facts.phase_before_closure, Phase::kExited);
  EXPECT_EQ(state.facts.exit, CaseStep::kHouseholdLeft);
  EXPECT_EQ(state.facts.exited_on, Day(2023, 4, 1));
  EXPECT_EQ(state.facts.outcome, relog::v1::CASE_OUTCOME_LEFT_ON_OWN);
  EXPECT_EQ(state.facts.closed_on, Day(2023, 4, 15));
  EXPECT_TRUE(state.facts.leases.empty());
}

TEST_F(ReportFixtureTest, KnowledgeTimesSplitTheLog) {
  EXPECT_EQ(ReportFixture::T1(),
            absl::FromCivil(absl::CivilMinute(2023, 8, 31, 23, 59),
                            absl::UTCTimeZone()));
  EXPECT_EQ(ReportFixture::T2(),
            absl::FromCivil(absl::CivilMinute(2024, 1, 31, 23, 59),
                            absl::UTCTimeZone()));
  EXPECT_EQ(store().GetLogHead().position, kEventCount);
  EXPECT_EQ(KnownAt(ReportFixture::T1()), kPositionAtT1);
  EXPECT_EQ(KnownAt(ReportFixture::T2()), kPositionAtT2);
  // The reference set comes first, so it is known at both.
  absl::StatusOr<std::shared_ptr<const reference::ReferenceData>> at_t1 =
      reference::ReadReferenceData(store(), kPositionAtT1);
  ASSERT_OK(at_t1.status());
  EXPECT_EQ((*at_t1)->content_sha256(), fixture_->reference().content_sha256());
  EXPECT_FALSE((*at_t1)->content_sha256().empty());
}

TEST_F(ReportFixtureTest, EveryEventIsRecordedAtNoonOnItsDateButK5sMove) {
  absl::StatusOr<std::vector<RecordedEvent>> log =
      store().ReadAllForward(1, 1000);
  ASSERT_OK(log.status());
  ASSERT_EQ(log->size(), kEventCount);
  EXPECT_EQ(log->front().stream_id, reference::kReferenceStream);
  EXPECT_EQ(log->front().recorded_at, ReportFixture::Noon(Day(2022, 1, 1)));
  absl::Time previous = absl::InfinitePast();
  for (const RecordedEvent& event : *log) {
    SCOPED_TRACE(event.stream_id + " " + event.type);
    EXPECT_GE(event.recorded_at, previous);
    previous = event.recorded_at;
    if (event.position == 1) continue;
    ASSERT_TRUE(event.metadata.occurred_at.has_value());
    const bool backdated = event.stream_id == fixture_->StreamId("K5") &&
                           event.type == "relog.v1.HouseholdMoved";
    EXPECT_EQ(event.recorded_at,
              ReportFixture::Noon(backdated ? Day(2024, 2, 5)
                                            : *event.metadata.occurred_at));
  }
}

TEST_F(ReportFixtureTest, RecordAppendsALaterStep) {
  CaseStep keys;
  keys.mutable_keys_returned();
  cases::Command command;
  command.step = keys;
  const absl::Time at = ReportFixture::Noon(Day(2024, 3, 1));
  absl::StatusOr<uint64_t> position =
      fixture_->Record("K1", command, Day(2023, 6, 1), at);
  ASSERT_OK(position.status());
  EXPECT_EQ(*position, kEventCount + 1);
  const ReadCase k1 = Case("K1");
  EXPECT_EQ(k1.state.facts.keys_returned_on, Day(2023, 6, 1));
  EXPECT_EQ(k1.events.back().recorded_at, at);
  // Still known as before at T2.
  EXPECT_EQ(KnownAt(ReportFixture::T2()), kPositionAtT2);

  // A step Decide refuses is not recorded.
  EXPECT_FALSE(fixture_->Record("K1", command, Day(2023, 6, 2), at).ok());
  EXPECT_EQ(store().GetLogHead().position, kEventCount + 1);
}

}  // namespace
}  // namespace relog::reports::testing
