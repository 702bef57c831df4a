// The projection runner against a real RocksDB store: catch-up, following
// commits, resuming from the checkpoint after a stop at a fail point,
// rebuild beside the live view, and failure reporting.
#include <atomic>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/projections/projection_runner.h"
#include "storage/errors.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog::projections {
namespace {

using ::relog::testing::MakeEvent;
using ::relog::testing::OneStream;
using ::relog::testing::OpenStoreOrDie;
using ::relog::testing::StatusIs;
using ::relog::testing::TempDir;

// Counts events overall, per stream and per type, and remembers each
// stream's last version: any event applied twice or skipped shows.
class CountingProjection final : public Projection {
 public:
  explicit CountingProjection(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }

  absl::Status Apply(const RecordedEvent& event,
                     ViewTransaction& view) override {
    if (event.type == "poison") {
      return absl::InvalidArgumentError("cannot read a poison event");
    }
    for (const std::string& key :
         {std::string("events"), absl::StrCat("stream/", event.stream_id),
          absl::StrCat("type/", event.type)}) {
      absl::StatusOr<std::optional<std::string>> value = view.Get(key);
      if (!value.ok()) return value.status();
      int64_t count = 0;
      if (value->has_value() && !absl::SimpleAtoi(**value, &count)) {
        return absl::DataLossError("bad count");
      }
      view.Put(key, absl::StrCat(count + 1));
    }
    view.Put(absl::StrCat("last/", event.stream_id),
             absl::StrCat(event.version));
    return absl::OkStatus();
  }

 private:
  const std::string name_;
};

std::unique_ptr<ProjectionRunner> MakeRunner(EventStore* store,
                                             RunnerOptions options = {},
                                             std::string name = "counts") {
  return std::make_unique<ProjectionRunner>(
      store, std::make_unique<CountingProjection>(std::move(name)),
      std::move(options));
}

std::vector<ViewEntry> Dump(EventStore& store, const std::string& view) {
  absl::StatusOr<std::vector<ViewEntry>> entries =
      store.views().Scan(view, "", "", 1000000);
  EXPECT_OK(entries);
  return entries.ok() ? *entries : std::vector<ViewEntry>{};
}

std::string Value(EventStore& store, const std::string& key,
                  const std::string& view = "counts") {
  absl::StatusOr<std::optional<std::string>> value =
      store.views().Get(view, key);
  return value.ok() && value->has_value() ? **value : "";
}

void AppendEvents(EventStore& store, const std::string& stream, int count,
                  const std::string& request_prefix) {
  for (int i = 0; i < count; ++i) {
    ASSERT_OK(store.AppendBlocking(OneStream(stream, ExpectedVersion::Any(),
                                             absl::StrCat(request_prefix, i))));
  }
}

absl::Time Soon() { return absl::Now() + absl::Seconds(60); }

TEST(ProjectionRunnerTest, CatchesUpAtStartThenFollowsCommits) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  AppendEvents(*store, "a", 30, "a");
  AppendEvents(*store, "b", 20, "b");
  auto runner = MakeRunner(store.get(), {.max_batch_events = 7});
  runner->Start();
  ASSERT_OK(runner->WaitFor(50, Soon()));
  EXPECT_EQ(Value(*store, "events"), "50");
  EXPECT_EQ(Value(*store, "stream/a"), "30");
  EXPECT_EQ(Value(*store, "last/b"), "19");

  AppendEvents(*store, "c", 5, "c");
  ASSERT_OK(runner->WaitFor(store->GetLogHead().position, Soon()));
  EXPECT_EQ(Value(*store, "events"), "55");
  EXPECT_EQ(Value(*store, "stream/c"), "5");
  EXPECT_EQ(runner->health().checkpoint, 55u);
  EXPECT_TRUE(runner->health().running);
  runner->Stop();
  EXPECT_FALSE(runner->health().running);
}

TEST(ProjectionRunnerTest, WaitForEndsAtItsDeadline) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  auto runner = MakeRunner(store.get());
  EXPECT_THAT(runner->WaitFor(1, absl::Now() + absl::Milliseconds(20)),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       reason::kPositionNotReached));
}

// A runner stopped between two batches (the fail point) and started again
// (a new runner, as after a restart) resumes from the committed checkpoint:
// nothing is counted twice, nothing skipped.
TEST(ProjectionRunnerTest, ResumesFromTheCheckpointAfterAStopBetweenBatches) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  AppendEvents(*store, "a", 95, "a");
  int batches = 0;
  RunnerOptions options;
  options.max_batch_events = 10;
  options.after_batch = [&batches](uint64_t) { return ++batches < 3; };
  auto crashed = MakeRunner(store.get(), options);
  ASSERT_OK(crashed->CatchUp());
  EXPECT_EQ(crashed->health().checkpoint, 30u);
  EXPECT_EQ(Value(*store, "events"), "30");
  crashed.reset();

  auto restarted = MakeRunner(store.get(), {.max_batch_events = 10});
  EXPECT_EQ(restarted->health().checkpoint, 30u);
  ASSERT_OK(restarted->CatchUp());
  EXPECT_EQ(Value(*store, "events"), "95");
  EXPECT_EQ(Value(*store, "stream/a"), "95");
  EXPECT_EQ(Value(*store, "last/a"), "94");
}

// A projection that writes, then fails on an event, leaves none of that
// event's writes in the view: after a fix and a restart the event is applied
// once, not once and a half.
class HalfwayProjection final : public Projection {
 public:
  explicit HalfwayProjection(bool fixed) : fixed_(fixed) {}
  std::string name() const override { return "halfway"; }
  absl::Status Apply(const RecordedEvent& event,
                     ViewTransaction& view) override {
    absl::StatusOr<std::optional<std::string>> count = view.Get("count");
    if (!count.ok()) return count.status();
    int64_t n = 0;
    if (count->has_value() && !absl::SimpleAtoi(**count, &n)) {
      return absl::DataLossError("bad count");
    }
    view.Put("count", absl::StrCat(n + 1));
    if (!fixed_ && event.position == 4) {
      return absl::InvalidArgumentError("a bug, fixed in the next release");
    }
    return absl::OkStatus();
  }

 private:
  const bool fixed_;
};

TEST(ProjectionRunnerTest, AFailingEventLeavesNoneOfItsWrites) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  AppendEvents(*store, "a", 6, "a");
  ProjectionRunner buggy(store.get(),
                         std::make_unique<HalfwayProjection>(false));
  EXPECT_THAT(buggy.CatchUp(),
              StatusIs(absl::StatusCode::kDataLoss, "PROJECTION_FAILED"));
  EXPECT_EQ(Value(*store, "count", "halfway"), "3");
  ProjectionRunner fixed(store.get(),
                         std::make_unique<HalfwayProjection>(true));
  ASSERT_OK(fixed.CatchUp());
  EXPECT_EQ(Value(*store, "count", "halfway"), "6");
}

TEST(ProjectionRunnerTest, AnEventItCannotApplyStopsItAtThatPosition) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  AppendEvents(*store, "a", 5, "a");
  AppendRequest poison = OneStream("a", ExpectedVersion::Any(), "poison");
  poison.streams[0].events[0].type = "poison";
  ASSERT_OK(store->AppendBlocking(poison));  // position 6
  AppendEvents(*store, "a", 3, "after");
  auto runner = MakeRunner(store.get());
  runner->Start();
  absl::Status waited = runner->WaitFor(9, Soon());
  EXPECT_THAT(waited,
              StatusIs(absl::StatusCode::kDataLoss, "PROJECTION_FAILED"));
  EXPECT_EQ(GetErrorMetadata(waited)[meta::kPosition], "6");
  ProjectionHealth health = runner->health();
  EXPECT_EQ(health.checkpoint, 5u);  // the events before it are applied
  EXPECT_FALSE(health.failure.ok());
  EXPECT_EQ(Value(*store, "events"), "5");
  runner->Stop();
}

// Random sequences of appends with restarts of the runner in between: the
// incremental view equals a rebuild from position 0 and a view built from
// scratch by a fresh runner.
TEST(ProjectionRunnerTest, IncrementalRebuildAndFreshViewsAgree) {
  const uint64_t seed = std::random_device{}();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 random(seed);
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  auto runner =
      MakeRunner(store.get(), {.max_batch_events = 1 + random() % 50});
  runner->Start();
  int request = 0;
  for (int round = 0; round < 12; ++round) {
    const int appends = 1 + static_cast<int>(random() % 40);
    for (int i = 0; i < appends; ++i) {
      AppendRequest append;
      const int streams = 1 + static_cast<int>(random() % 3);
      const std::string id = absl::StrCat("r", ++request);
      for (int s = 0; s < streams; ++s) {
        StreamAppend stream;
        stream.stream_id = absl::StrCat("case-", (random() % 9) * 10 + s);
        const int events = 1 + static_cast<int>(random() % 4);
        for (int e = 0; e < events; ++e) {
          stream.events.push_back(
              MakeEvent(id, static_cast<uint32_t>(s * 10 + e),
                        absl::StrCat("type", random() % 5)));
        }
        append.streams.push_back(std::move(stream));
      }
      ASSERT_OK(store->AppendBlocking(append));
    }
    if (random() % 3 == 0) {  // a restart of the service
      runner = MakeRunner(store.get(), {.max_batch_events = 1 + random() % 50});
      runner->Start();
    }
    if (round == 6) ASSERT_OK(runner->Rebuild());  // while following
  }
  const uint64_t head = store->GetLogHead().position;
  ASSERT_OK(runner->WaitFor(head, Soon()));
  const std::vector<ViewEntry> incremental = Dump(*store, "counts");
  EXPECT_EQ(Value(*store, "events"), absl::StrCat(head));

  ASSERT_OK(runner->Rebuild());
  EXPECT_EQ(runner->health().checkpoint, head);
  const std::vector<ViewEntry> rebuilt = Dump(*store, "counts");

  auto fresh = MakeRunner(store.get(), {.max_batch_events = 1000}, "fresh");
  ASSERT_OK(fresh->CatchUp());
  const std::vector<ViewEntry> from_scratch = Dump(*store, "fresh");

  ASSERT_EQ(incremental.size(), rebuilt.size());
  ASSERT_EQ(incremental.size(), from_scratch.size());
  for (size_t i = 0; i < incremental.size(); ++i) {
    EXPECT_EQ(incremental[i].key, rebuilt[i].key);
    EXPECT_EQ(incremental[i].value, rebuilt[i].value) << incremental[i].key;
    EXPECT_EQ(incremental[i].key, from_scratch[i].key);
    EXPECT_EQ(incremental[i].value, from_scratch[i].value);
  }
  runner->Stop();
}

// The live view serves its old contents while a rebuild runs beside it.
TEST(ProjectionRunnerTest, RebuildLeavesTheLiveViewServingUntilTheSwap) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  AppendEvents(*store, "a", 10, "a");
  auto runner = MakeRunner(store.get());
  ASSERT_OK(runner->CatchUp());
  // Corrupt the live view by hand: only a rebuild repairs it.
  ASSERT_OK(store->views().Write("counts", 10, {{{"events", "999"}}, {}, 10}));
  ASSERT_OK(runner->Rebuild());
  EXPECT_EQ(Value(*store, "events"), "10");
  auto views = store->views().List();
  ASSERT_OK(views);
  ASSERT_EQ(views->size(), 1u);  // the rebuild's name is gone
}

TEST(ProjectionRunnerTest, TheSameRunnerRestartsAfterStopAndAfterTheFailPoint) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  AppendEvents(*store, "a", 30, "a");
  int batches = 0;
  RunnerOptions options;
  options.max_batch_events = 10;
  options.after_batch = [&batches](uint64_t) { return ++batches != 2; };
  auto runner = MakeRunner(store.get(), options);
  ASSERT_OK(runner->CatchUp());  // stops at the fail point, after 20
  EXPECT_EQ(runner->health().checkpoint, 20u);
  runner->Start();
  ASSERT_OK(runner->WaitFor(30, Soon()));
  runner->Start();  // a no-op while it runs
  runner->Stop();
  runner->Stop();
  AppendEvents(*store, "b", 5, "b");
  runner->Start();
  ASSERT_OK(runner->WaitFor(35, Soon()));
  EXPECT_EQ(Value(*store, "events"), "35");
}

TEST(ProjectionRunnerTest, RebuildsRaceAppendsAndEachOtherSafely) {
  TempDir dir;
  auto store = OpenStoreOrDie(dir.path());
  auto runner = MakeRunner(store.get(), {.max_batch_events = 5});
  ASSERT_OK(runner->Rebuild());  // an empty log: nothing to do
  EXPECT_EQ(runner->health().checkpoint, 0u);
  runner->Start();
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    // At least 50 events, however soon the rebuilds finish: a run where
    // they finish before the writer starts would check nothing.
    for (int i = 0; (i < 50 || writing.load()) && i < 400; ++i) {
      ASSERT_OK(store->AppendBlocking(OneStream(absl::StrCat("s", i % 7),
                                                ExpectedVersion::Any(),
                                                absl::StrCat("w", i))));
    }
  });
  std::thread second_rebuilder([&] { EXPECT_OK(runner->Rebuild()); });
  EXPECT_OK(runner->Rebuild());
  second_rebuilder.join();
  writing.store(false);
  writer.join();
  const uint64_t head = store->GetLogHead().position;
  ASSERT_OK(runner->WaitFor(head, Soon()));
  EXPECT_EQ(Value(*store, "events"), absl::StrCat(head));
  auto fresh = MakeRunner(store.get(), {}, "fresh");
  ASSERT_OK(fresh->CatchUp());
  std::vector<ViewEntry> live = Dump(*store, "counts");
  std::vector<ViewEntry> scratch = Dump(*store, "fresh");
  ASSERT_EQ(live.size(), scratch.size());
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(live[i].value, scratch[i].value) << live[i].key;
  }
  runner->Stop();
}

// The view store answers UNAVAILABLE while the store recovers from a failed
// write; the window cannot be hit on purpose with a real store, so a view
// store that fails its first reads stands in for it.
class FlakyViews final : public ViewStore {
 public:
  FlakyViews(ViewStore* real, int failures)
      : real_(real), failures_(failures) {}
  absl::StatusOr<uint64_t> Checkpoint(absl::string_view view) const override {
    return real_->Checkpoint(view);
  }
  absl::StatusOr<std::optional<std::string>> Get(
      absl::string_view view, absl::string_view key) const override {
    if (failures_.fetch_sub(1) > 0) {
      return MakeError(absl::StatusCode::kUnavailable, reason::kStoreReadOnly,
                       "recovering");
    }
    return real_->Get(view, key);
  }
  absl::StatusOr<std::vector<ViewEntry>> Scan(absl::string_view view,
                                              absl::string_view start,
                                              absl::string_view end,
                                              size_t limit) const override {
    return real_->Scan(view, start, end, limit);
  }
  absl::Status Write(absl::string_view view, uint64_t expected,
                     const ViewWrite& write) override {
    return real_->Write(view, expected, write);
  }
  absl::Status Swap(absl::string_view live,
                    absl::string_view replacement) override {
    return real_->Swap(live, replacement);
  }
  absl::Status Drop(absl::string_view view) override {
    return real_->Drop(view);
  }
  absl::StatusOr<std::vector<ViewInfo>> List() const override {
    return real_->List();
  }

 private:
  ViewStore* const real_;
  mutable std::atomic<int> failures_;
};

// The real store, but with FlakyViews as its view store.
class StoreWithFlakyViews final : public EventStore {
 public:
  StoreWithFlakyViews(EventStore* real, int failures)
      : real_(real), views_(&real->views(), failures) {}
  void Append(AppendRequest request, AppendCallback done) override {
    real_->Append(std::move(request), std::move(done));
  }
  absl::StatusOr<std::vector<RecordedEvent>> ReadStreamForward(
      absl::string_view s, uint64_t from, size_t limit) const override {
    return real_->ReadStreamForward(s, from, limit);
  }
  absl::StatusOr<std::vector<RecordedEvent>> ReadStreamBackward(
      absl::string_view s, uint64_t from, size_t limit) const override {
    return real_->ReadStreamBackward(s, from, limit);
  }
  absl::StatusOr<std::vector<RecordedEvent>> ReadAllForward(
      uint64_t from, size_t limit) const override {
    return real_->ReadAllForward(from, limit);
  }
  absl::StatusOr<uint64_t> ScanAll(
      uint64_t from, uint64_t limit,
      const std::function<bool(const RecordedEvent&)>& visit) const override {
    return real_->ScanAll(from, limit, visit);
  }
  absl::StatusOr<std::vector<RecordedEvent>> ReadAllBackward(
      uint64_t from, size_t limit) const override {
    return real_->ReadAllBackward(from, limit);
  }
  absl::StatusOr<std::optional<StreamHead>> GetStreamHead(
      absl::string_view s) const override {
    return real_->GetStreamHead(s);
  }
  absl::StatusOr<StreamPage> ListStreams(
      absl::string_view prefix, size_t page_size,
      absl::string_view token) const override {
    return real_->ListStreams(prefix, page_size, token);
  }
  LogHead GetLogHead() const override { return real_->GetLogHead(); }
  using EventStore::WaitForPosition;
  absl::Status WaitForPosition(uint64_t p, absl::Time deadline,
                               const std::atomic<bool>* c) const override {
    return real_->WaitForPosition(p, deadline, c);
  }
  void WakeWaiters() const override { real_->WakeWaiters(); }
  absl::StatusOr<uint64_t> PositionKnownAt(absl::Time t) const override {
    return real_->PositionKnownAt(t);
  }
  absl::StatusOr<std::optional<AppendResult>> LookupRequest(
      absl::string_view id) const override {
    return real_->LookupRequest(id);
  }
  absl::StatusOr<VerifyReport> Verify() const override {
    return real_->Verify();
  }
  ViewStore& views() override { return views_; }

 private:
  EventStore* const real_;
  FlakyViews views_;
};

TEST(ProjectionRunnerTest, ARecoveringStoreIsWaitedForNotAFailure) {
  TempDir dir;
  auto real = OpenStoreOrDie(dir.path());
  AppendEvents(*real, "a", 20, "a");
  StoreWithFlakyViews store(real.get(), /*failures=*/3);
  auto runner = std::make_unique<ProjectionRunner>(
      &store, std::make_unique<CountingProjection>("counts"),
      RunnerOptions{.max_batch_events = 8,
                    .retry_delay = absl::Milliseconds(5)});
  runner->Start();
  ASSERT_OK(runner->WaitFor(20, Soon()));
  EXPECT_TRUE(runner->health().failure.ok());
  EXPECT_EQ(Value(*real, "events"), "20");
  runner->Stop();
}

}  // namespace
}  // namespace relog::projections
