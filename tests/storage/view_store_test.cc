// The view store: atomic writes guarded by the checkpoint, scans, rebuild
// beside the live view and atomic swap, persistence.
#include "storage/view_store.h"

#include <memory>
#include <thread>

#include "gtest/gtest.h"
#include "storage/errors.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::OpenStoreOrDie;
using ::relog::testing::StatusIs;
using ::relog::testing::TempDir;

std::vector<std::string> Keys(const std::vector<ViewEntry>& entries) {
  std::vector<std::string> out;
  for (const ViewEntry& e : entries) out.push_back(e.key);
  return out;
}

TEST(ViewStoreTest, WritesAreGuardedByTheCheckpoint) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  ViewStore& views = store->views();
  EXPECT_EQ(*views.Checkpoint("progress"), 0u);
  ASSERT_OK(views.Write("progress", 0, {{{"a", "1"}, {"b", "2"}}, {}, 10}));
  EXPECT_EQ(*views.Checkpoint("progress"), 10u);
  EXPECT_EQ(**views.Get("progress", "a"), "1");
  EXPECT_FALSE(views.Get("progress", "zz")->has_value());
  EXPECT_FALSE(views.Get("unknown", "a")->has_value());

  // A writer that lost track (expects 0, the view is at 10) changes nothing.
  absl::Status stale = views.Write("progress", 0, {{{"a", "X"}}, {}, 11});
  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kFailedPrecondition,
                              reason::kViewCheckpointMismatch));
  EXPECT_EQ(**views.Get("progress", "a"), "1");
  EXPECT_EQ(*views.Checkpoint("progress"), 10u);

  ASSERT_OK(views.Write("progress", 10, {{{"c", "3"}}, {"a"}, 12}));
  EXPECT_FALSE(views.Get("progress", "a")->has_value());
  EXPECT_EQ(**views.Get("progress", "c"), "3");
  EXPECT_THAT(views.Write("", 0, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ViewStoreTest, ScansAreBoundedAndStayInsideTheirView) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  ViewStore& views = store->views();
  ASSERT_OK(views.Write(
      "v1", 0, {{{"k1", ""}, {"k2", ""}, {"k3", ""}, {"m", ""}}, {}, 1}));
  ASSERT_OK(views.Write("v2", 0, {{{"k0", ""}}, {}, 1}));
  EXPECT_EQ(Keys(*views.Scan("v1", "", "", 100)),
            (std::vector<std::string>{"k1", "k2", "k3", "m"}));
  EXPECT_EQ(Keys(*views.Scan("v1", "k2", "m", 100)),
            (std::vector<std::string>{"k2", "k3"}));
  EXPECT_EQ(Keys(*views.Scan("v1", "k", "", 2)),
            (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(Keys(*views.Scan("v2", "", "", 100)),
            (std::vector<std::string>{"k0"}));
  EXPECT_TRUE(views.Scan("none", "", "", 100)->empty());
}

TEST(ViewStoreTest, RebuildBesideTheLiveViewThenSwap) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  ViewStore& views = store->views();
  ASSERT_OK(views.Write("balances", 0,
                        {{{"old-only", "1"}, {"shared", "old"}}, {}, 50}));
  ASSERT_OK(views.Write("balances~rebuild", 0, {{{"shared", "new"}}, {}, 30}));
  ASSERT_OK(views.Write("balances~rebuild", 30, {{{"new-only", "2"}}, {}, 60}));
  // The live view is untouched while the rebuild runs.
  EXPECT_EQ(**views.Get("balances", "shared"), "old");

  EXPECT_THAT(views.Swap("balances", "missing"),
              StatusIs(absl::StatusCode::kNotFound, reason::kViewNotFound));
  ASSERT_OK(views.Swap("balances", "balances~rebuild"));
  EXPECT_EQ(*views.Checkpoint("balances"), 60u);
  EXPECT_EQ(**views.Get("balances", "shared"), "new");
  EXPECT_FALSE(views.Get("balances", "old-only")->has_value());
  EXPECT_EQ(**views.Get("balances", "new-only"), "2");
  EXPECT_EQ(*views.Checkpoint("balances~rebuild"), 0u);
  auto list = views.List();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "balances");

  // Everything persists across reopening.
  store.reset();
  store = OpenStoreOrDie(dir.path());
  EXPECT_EQ(*store->views().Checkpoint("balances"), 60u);
  EXPECT_EQ(Keys(*store->views().Scan("balances", "", "", 10)),
            (std::vector<std::string>{"new-only", "shared"}));
  ASSERT_OK(store->views().Drop("balances"));
  EXPECT_TRUE(store->views().List()->empty());
  EXPECT_TRUE(store->views().Scan("balances", "", "", 10)->empty());
}

TEST(ViewStoreTest, ReadersSeeTheOldViewOrTheNewNeverAMix) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  ViewStore& views = store->views();
  std::vector<std::pair<std::string, std::string>> old_rows, new_rows;
  for (int i = 0; i < 50; ++i) {
    old_rows.emplace_back(absl::StrCat("k", i), "old");
    new_rows.emplace_back(absl::StrCat("k", i), "new");
  }
  ASSERT_OK(views.Write("live", 0, {old_rows, {}, 1}));
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      auto rows = views.Scan("live", "", "", 100);
      ASSERT_OK(rows);
      ASSERT_EQ(rows->size(), 50u);
      for (const ViewEntry& row : *rows) {
        ASSERT_EQ(row.value, rows->front().value);
      }
    }
  });
  for (int round = 0; round < 20; ++round) {
    ASSERT_OK(views.Write("next", 0, {round % 2 ? old_rows : new_rows, {}, 2}));
    ASSERT_OK(views.Swap("live", "next"));
  }
  done.store(true);
  reader.join();
}

}  // namespace
}  // namespace relog
