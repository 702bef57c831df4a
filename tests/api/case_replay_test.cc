// ReplayCase over the report fixture in a real RocksDB store: each event
// with the case after it and the corrections it received; with known_at,
// what had been recorded by then only — K4's correction (recorded
// 2023-09-15) is absent at T1, K5's backdated move (recorded 2024-02-05)
// at T2.
#include "services/api/case_replay.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/cases/event_codec.h"
#include "storage/errors.h"
#include "tests/reports/report_fixture.h"
#include "tests/testing/status_matchers.h"

namespace relog::api {
namespace {

using ::relog::reports::testing::ReportFixture;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class CaseReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = ReportFixture::Create();
    ASSERT_NE(fixture_, nullptr);
  }
  absl::StatusOr<relog::v1::ReplayCaseResponse> Replay(
      const std::string& name, std::optional<absl::Time> known_at) {
    return ReplayCase(fixture_->store(), fixture_->CaseId(name), known_at,
                      cases::AllDataClasses());
  }
  std::unique_ptr<ReportFixture> fixture_;
};

const relog::v1::ReplayedEvent* FindType(
    const relog::v1::ReplayCaseResponse& replay, const std::string& type) {
  for (const auto& e : replay.events()) {
    if (e.event().type() == type) return &e;
  }
  return nullptr;
}

TEST_F(CaseReplayTest, ShowsEachEventWithTheCaseAfterItAndItsCorrections) {
  absl::StatusOr<relog::v1::ReplayCaseResponse> k4 = Replay("K4", {});
  ASSERT_OK(k4.status());
  EXPECT_EQ(k4->events_recorded_later(), 0u);
  const relog::v1::ReplayedEvent* lease = FindType(*k4, "relog.v1.LeaseSigned");
  const relog::v1::ReplayedEvent* correction =
      FindType(*k4, "relog.v1.StepCorrected");
  ASSERT_NE(lease, nullptr);
  ASSERT_NE(correction, nullptr);
  EXPECT_EQ(correction->corrects_version(), lease->event().version());
  EXPECT_THAT(lease->corrected_by(),
              ElementsAre(correction->event().version()));
  // The lease as typed (landlord P), then as corrected (landlord L).
  EXPECT_EQ(lease->case_after().state(), relog::v1::Case::LEASE_SIGNED);
  for (int i = 0; i < k4->events_size(); ++i) {
    EXPECT_EQ(k4->events(i).event().version(), static_cast<uint64_t>(i));
    EXPECT_FALSE(k4->events(i).event().actor().empty());
    EXPECT_EQ(k4->events(i).event().global_hash().size(), 64u);
  }
  EXPECT_EQ(k4->events().rbegin()->case_after().state(),
            relog::v1::Case::REHOUSED);
}

TEST_F(CaseReplayTest, AsKnownAtLeavesOutWhatWasRecordedLater) {
  absl::StatusOr<relog::v1::ReplayCaseResponse> k4 =
      Replay("K4", ReportFixture::T1());
  ASSERT_OK(k4.status());
  EXPECT_EQ(FindType(*k4, "relog.v1.StepCorrected"), nullptr);
  EXPECT_EQ(FindType(*k4, "relog.v1.CaseReopened"), nullptr);
  EXPECT_GT(k4->events_recorded_later(), 0u);
  const relog::v1::ReplayedEvent* lease = FindType(*k4, "relog.v1.LeaseSigned");
  ASSERT_NE(lease, nullptr);
  EXPECT_THAT(lease->corrected_by(), IsEmpty());
  EXPECT_EQ(k4->events().rbegin()->case_after().state(),
            relog::v1::Case::CLOSED);

  absl::StatusOr<relog::v1::ReplayCaseResponse> k5_t2 =
      Replay("K5", ReportFixture::T2());
  ASSERT_OK(k5_t2.status());
  EXPECT_EQ(FindType(*k5_t2, "relog.v1.HouseholdMoved"), nullptr);
  EXPECT_EQ(k5_t2->events().rbegin()->case_after().state(),
            relog::v1::Case::LEASE_SIGNED);
  absl::StatusOr<relog::v1::ReplayCaseResponse> k5_now = Replay("K5", {});
  ASSERT_OK(k5_now.status());
  EXPECT_NE(FindType(*k5_now, "relog.v1.HouseholdMoved"), nullptr);
  EXPECT_EQ(k5_now->events_size(), k5_t2->events_size() + 1);
}

TEST_F(CaseReplayTest, ACaseNotYetRecordedIsNotFound) {
  absl::StatusOr<relog::v1::ReplayCaseResponse> early = Replay(
      "K1", absl::FromCivil(absl::CivilDay(2022, 6, 1), absl::UTCTimeZone()));
  EXPECT_EQ(early.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReason(early.status()), "CASE_NOT_FOUND");
  absl::StatusOr<relog::v1::ReplayCaseResponse> unknown = ReplayCase(
      fixture_->store(), "nope", std::nullopt, cases::AllDataClasses());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace relog::api
