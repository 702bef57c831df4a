// The case-index view against a real store, fed by real commands: the
// lookups follow corrections, and a rebuild from position 0 reaches
// exactly the view the incremental path reached.
#include "services/api/case_index.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "services/api/case_command_runner.h"
#include "services/api/executor.h"
#include "services/projections/projection_runner.h"
#include "services/reference/reference_files.h"
#include "storage/clock.h"
#include "storage/view_store.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog::api {
namespace {

using ::relog::testing::TempDir;

class CaseIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenStoreOrDie(dir_.path());
    absl::StatusOr<relog::v1::ReferenceDataLoaded> files =
        reference::ParseReferenceDir(std::string(RELOG_SOURCE_DIR) +
                                     "/deploy/reference/mel");
    ASSERT_OK(files);
    absl::StatusOr<std::shared_ptr<const reference::ReferenceData>> data =
        reference::ReferenceData::Build(*files);
    ASSERT_OK(data);
    absl::TimeZone paris;
    ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
    runner_ = std::make_unique<CaseCommandRunner>(
        store_.get(), &executor_, RealClock::Get(), *data, paris);
  }

  absl::StatusOr<relog::v1::CaseCommandResponse> Run(
      const std::string& case_id, const std::string& request_id,
      cases::Command command) {
    CaseCommandRequest request;
    request.case_id = case_id;
    request.request_id = request_id;
    request.request_hash = request_id;
    request.command = std::move(command);
    request.caller = CallerForPeer("ipv4:127.0.0.1:1");
    absl::Notification done;
    absl::StatusOr<relog::v1::CaseCommandResponse> result;
    runner_->Execute(std::move(request), [&](auto r) {
      result = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    return result;
  }

  cases::Command Identify(const std::string& reference,
                          const std::string& tenant) {
    cases::Command c;
    c.occurred_on = absl::CivilDay(2020, 3, 2);
    auto* h = c.step.emplace().mutable_household_identified();
    h->set_reference(reference);
    h->set_tenant_reference(tenant);
    h->set_operation_id("OP-LIL-CONCORDE-1");
    h->set_building_id("BAT-A");
    h->set_occupancy(relog::v1::OCCUPANCY_STATUS_TITULAR_TENANT);
    auto* f = h->mutable_origin()->mutable_facts();
    f->set_typology(relog::v1::TYPOLOGY_T3);
    f->set_surface_m2(60);
    f->set_financing(relog::v1::FINANCING_PLUS);
    return c;
  }

  std::vector<ViewEntry> Dump() {
    absl::StatusOr<std::vector<ViewEntry>> all = store_->views().Scan(
        kCaseIndexView, "", std::string(1, '\xff'), 100000);
    EXPECT_OK(all);
    return all.ok() ? *all : std::vector<ViewEntry>();
  }

  TempDir dir_;
  const NaturalKeyHasher natural_keys_{"the test's secret, 16+ bytes"};
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CaseCommandRunner> runner_;
  // Destroyed first (members go in reverse order): its threads are joined
  // before the runner whose queue their last tasks call back into.
  Executor executor_{2};
};

TEST_F(CaseIndexTest, LookupsFollowCorrectionsAndRebuildMatchesIncremental) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_OK(Run(absl::StrCat("c", i), absl::StrCat("r", i),
                  Identify(absl::StrCat("REF-", i), absl::StrCat("T-", i))));
  }
  // The tenant reference of case c3 was mistyped: corrected.
  cases::Command fix;
  fix.occurred_on = absl::CivilDay(2020, 3, 5);
  auto& correction = fix.correction.emplace();
  correction.set_corrected_version(0);
  correction.set_reason(relog::v1::CORRECTION_REASON_TYPING_ERROR);
  cases::Command replacement = Identify("REF-3", "T-3-fixed");
  *correction.mutable_replacement() = *replacement.step;
  ASSERT_OK(Run("c3", "fix-c3", fix));

  projections::ProjectionRunner index(
      store_.get(),
      std::make_unique<CaseIndexProjection>(store_.get(), &natural_keys_));
  ASSERT_OK(index.CatchUp());
  CaseIndexReader reader(&store_->views(), &natural_keys_);
  absl::StatusOr<std::optional<std::string>> found =
      reader.Lookup(LookupKind::kTenant, "T-3-fixed");
  ASSERT_OK(found);
  EXPECT_EQ(found->value_or(""), "c3");
  found = reader.Lookup(LookupKind::kTenant, "T-3");
  ASSERT_OK(found);
  EXPECT_FALSE(found->has_value()) << "the corrected id still points at c3";

  // The natural key (origin landlord + tenant reference) follows the
  // correction too, and the view holds only its keyed hash.
  relog::v1::HouseholdKey key;
  key.set_landlord_id("999000029");  // BAT-A's landlord, filled by relog
  key.set_tenant_reference("T-3-fixed");
  found = reader.LookupHousehold(key);
  ASSERT_OK(found);
  EXPECT_EQ(found->value_or(""), "c3");
  key.set_tenant_reference("T-3");
  found = reader.LookupHousehold(key);
  ASSERT_OK(found);
  EXPECT_FALSE(found->has_value());
  key.set_landlord_id("999000011");  // another landlord's T-4
  key.set_tenant_reference("T-4");
  found = reader.LookupHousehold(key);
  ASSERT_OK(found);
  EXPECT_FALSE(found->has_value()) << "a tenant reference is per landlord";
  key.set_landlord_id("");
  EXPECT_EQ(reader.LookupHousehold(key).status().code(),
            absl::StatusCode::kInvalidArgument);
  for (const ViewEntry& entry : Dump()) {
    if (absl::StartsWith(entry.key, "natural/")) {
      EXPECT_FALSE(absl::StrContains(entry.key, "T-3")) << entry.key;
    }
  }
  // Another secret, other keys: the hash is keyed.
  const NaturalKeyHasher other("another secret, 16+ bytes");
  EXPECT_NE(other.TenantKey("999000029", "T-3-fixed"),
            natural_keys_.TenantKey("999000029", "T-3-fixed"));
  EXPECT_EQ(natural_keys_.TenantKey("", "T-1"), "");

  CaseListFilter filter;
  filter.reference_contains = "ref-1";  // REF-1, REF-10, REF-11
  absl::StatusOr<CaseListPage> page = reader.List(filter, 2, "");
  ASSERT_OK(page);
  ASSERT_EQ(page->cases.size(), 2u);
  EXPECT_FALSE(page->next_page_token.empty());
  page = reader.List(filter, 2, page->next_page_token);
  ASSERT_OK(page);
  EXPECT_EQ(page->cases.size(), 1u);
  EXPECT_TRUE(page->next_page_token.empty());

  // Two cases with one external id (a decohabitation shares its parent's
  // dwelling): the key points at the latest; a correction of the other
  // case's id leaves it alone.
  ASSERT_OK(Run("shared-a", "ra", Identify("SHARED-A", "T-SHARED")));
  ASSERT_OK(Run("shared-b", "rb", Identify("SHARED-B", "T-SHARED")));
  cases::Command fix_a;
  fix_a.occurred_on = absl::CivilDay(2020, 3, 5);
  auto& correction_a = fix_a.correction.emplace();
  correction_a.set_corrected_version(0);
  correction_a.set_reason(relog::v1::CORRECTION_REASON_TYPING_ERROR);
  *correction_a.mutable_replacement() = *Identify("SHARED-A", "T-A").step;
  ASSERT_OK(Run("shared-a", "fix-a", fix_a));
  ASSERT_OK(index.CatchUp());
  found = reader.Lookup(LookupKind::kTenant, "T-SHARED");
  ASSERT_OK(found);
  EXPECT_EQ(found->value_or(""), "shared-b");

  const std::vector<ViewEntry> incremental = Dump();
  ASSERT_FALSE(incremental.empty());
  ASSERT_OK(index.Rebuild());
  const std::vector<ViewEntry> rebuilt = Dump();
  ASSERT_EQ(rebuilt.size(), incremental.size());
  for (size_t i = 0; i < rebuilt.size(); ++i) {
    EXPECT_EQ(rebuilt[i].key, incremental[i].key);
    EXPECT_EQ(rebuilt[i].value, incremental[i].value) << rebuilt[i].key;
  }
}

TEST(NaturalKeySecretTest, CreatedOnceOwnerOnlyThenRead) {
  TempDir dir;
  const std::string path = dir.Sub("keys/natural-key.secret");
  absl::StatusOr<std::string> created = LoadOrCreateNaturalKeySecret(path);
  ASSERT_OK(created);
  EXPECT_EQ(created->size(), 32u);
  EXPECT_EQ(
      std::filesystem::status(path).permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  absl::StatusOr<std::string> read = LoadOrCreateNaturalKeySecret(path);
  ASSERT_OK(read);
  EXPECT_EQ(*read, *created);
  std::ofstream(path, std::ios::trunc) << "short";
  EXPECT_EQ(LoadOrCreateNaturalKeySecret(path).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(NaturalKeySecretTest, ASecretOthersMayReadIsRefused) {
  TempDir dir;
  const std::string path = dir.Sub("natural-key.secret");
  ASSERT_OK(LoadOrCreateNaturalKeySecret(path));
  std::filesystem::permissions(path, std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  absl::StatusOr<std::string> refused = LoadOrCreateNaturalKeySecret(path);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("chmod 600"));
}

}  // namespace
}  // namespace relog::api
