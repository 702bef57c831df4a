// CaseStateCache against LoadCase over the report fixture in a real
// RocksDB store: whatever was cached before — an earlier version, a later
// one, other classes — every load equals the fold of the whole stream.
#include "services/api/case_state_cache.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/api/case_repository.h"
#include "services/api/case_view.h"
#include "services/cases/event_codec.h"
#include "tests/reports/report_fixture.h"
#include "tests/testing/status_matchers.h"

namespace relog::api {
namespace {

using ::relog::reports::testing::ReportFixture;

constexpr relog::v1::DataClass kStatistical[] = {
    relog::v1::DATA_CLASS_STATISTICAL};

// What a fold shows: the case as served, and its version.
std::string Shown(const LoadedCase& loaded) {
  return absl::StrCat(
      loaded.state.event_count, "\n",
      ToCaseProto(loaded.state, loaded.updated).SerializeAsString());
}

std::string Expected(EventStore& store, const std::string& case_id,
                     std::optional<uint64_t> version,
                     absl::Span<const relog::v1::DataClass> classes) {
  absl::StatusOr<LoadedCase> loaded =
      LoadCase(store, case_id, version, classes);
  EXPECT_OK(loaded.status());
  return loaded.ok() ? Shown(*loaded) : "";
}

TEST(CaseStateCacheTest, EveryLoadEqualsTheWholeFold) {
  std::unique_ptr<ReportFixture> fixture = ReportFixture::Create();
  ASSERT_NE(fixture, nullptr);
  EventStore& store = fixture->store();
  CaseStateCache cache(&store);
  for (const std::string name : {"K1", "K3", "K3b", "K4", "K5"}) {
    const std::string& id = fixture->CaseId(name);
    absl::StatusOr<LoadedCase> whole =
        LoadCase(store, id, std::nullopt, cases::AllDataClasses());
    ASSERT_OK(whole.status());
    const uint64_t last = whole->state.version();
    ASSERT_GT(last, 2u) << name;
    for (absl::Span<const relog::v1::DataClass> classes :
         {cases::AllDataClasses(),
          absl::Span<const relog::v1::DataClass>(kStatistical)}) {
      // Forward, version by version: each load continues the cached one.
      for (uint64_t v = 0; v <= last; ++v) {
        absl::StatusOr<LoadedCase> got = cache.Load(id, v, classes);
        ASSERT_OK(got.status());
        EXPECT_EQ(Shown(*got), Expected(store, id, v, classes))
            << name << " at version " << v;
        EXPECT_TRUE(got->events.empty());
      }
      // Backward: the cached state is past what is asked, folded afresh.
      for (uint64_t v = last; v-- > 0;) {
        absl::StatusOr<LoadedCase> got = cache.Load(id, v, classes);
        ASSERT_OK(got.status());
        EXPECT_EQ(Shown(*got), Expected(store, id, v, classes))
            << name << " back at version " << v;
      }
      absl::StatusOr<LoadedCase> all = cache.Load(id, std::nullopt, classes);
      ASSERT_OK(all.status());
      EXPECT_EQ(Shown(*all), Expected(store, id, std::nullopt, classes))
          << name;
    }
  }
  // One entry per case and class set; a case without events is not kept.
  EXPECT_EQ(cache.size(), 10u);
  absl::StatusOr<LoadedCase> none =
      cache.Load("no-such-case", std::nullopt, cases::AllDataClasses());
  ASSERT_OK(none.status());
  EXPECT_FALSE(none->state.exists());
  EXPECT_EQ(cache.size(), 10u);
}

TEST(CaseStateCacheTest, StaysWithinItsBound) {
  std::unique_ptr<ReportFixture> fixture = ReportFixture::Create();
  ASSERT_NE(fixture, nullptr);
  CaseStateCache cache(&fixture->store(), /*max_entries=*/2);
  for (const std::string name : {"K1", "K2", "K3", "K4", "K5", "K6"}) {
    const std::string& id = fixture->CaseId(name);
    absl::StatusOr<LoadedCase> got =
        cache.Load(id, std::nullopt, cases::AllDataClasses());
    ASSERT_OK(got.status());
    EXPECT_EQ(Shown(*got), Expected(fixture->store(), id, std::nullopt,
                                    cases::AllDataClasses()));
    EXPECT_LE(cache.size(), 2u);
  }
}

}  // namespace
}  // namespace relog::api
