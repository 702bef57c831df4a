// The report-facts projection and its in-memory mirror against a real
// RocksDB store, on random case histories with corrections and
// cancellations: the facts standing at every position are exactly what
// the domain's own evolve() gives for the log up to that position
// (bitemporality), and the incremental, rebuilt and from-scratch views
// agree, across restarts and a stop between two batches at a fail point.
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "services/cases/case_state.h"
#include "services/cases/event_codec.h"
#include "services/projections/projection_runner.h"
#include "services/reports/fact_table.h"
#include "services/reports/report_facts_projection.h"
#include "storage/event_id.h"
#include "storage/rocksdb_event_store.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog::reports {
namespace {

using ::relog::testing::TempDir;
using relog::v1::CaseStep;

constexpr relog::v1::DataClass kStatistical[] = {
    relog::v1::DATA_CLASS_STATISTICAL};

// Random case histories. Steps need not pass decide(): a projection never
// validates, and corrections and cancellations may name any version.
class RandomHistory {
 public:
  explicit RandomHistory(uint32_t seed) : rng_(seed) {}

  // Appends `appends` random appends of 1–3 events on random cases.
  void Append(EventStore& store, int appends) {
    for (int i = 0; i < appends; ++i) {
      const int which = Pick(0, 11);
      const std::string case_id = absl::StrCat("c", which);
      uint64_t& count = versions_[case_id];
      StreamAppend stream;
      stream.stream_id = absl::StrCat(cases::kCaseStreamPrefix, case_id);
      stream.expected = count == 0 ? ExpectedVersion::NoStream()
                                   : ExpectedVersion::Exact(count - 1);
      const std::string request_id = absl::StrCat("req-", next_request_++);
      const int n = Pick(1, 3);
      for (int k = 0; k < n; ++k) {
        absl::StatusOr<NewEvent> event =
            cases::EncodeCaseEvent(NextEvent(count + k));
        ASSERT_OK(event);
        event->id = DeriveEventId(request_id, static_cast<uint32_t>(k));
        stream.events.push_back(*std::move(event));
      }
      AppendRequest request;
      request.streams.push_back(std::move(stream));
      ASSERT_OK(store.AppendBlocking(request));
      count += n;
    }
  }

 private:
  int Pick(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng_);
  }
  absl::CivilDay Day() { return absl::CivilDay(2022, 1, 1) + Pick(0, 900); }

  cases::CaseEvent NextEvent(uint64_t version) {
    cases::CaseEvent event;
    event.occurred_on = Day();
    const int kind = version == 0 ? 0 : Pick(1, 7);
    if (kind == 6 && version > 0) {
      relog::v1::StepCorrected correction;
      correction.set_corrected_version(Pick(0, static_cast<int>(version) - 1));
      correction.set_reason(relog::v1::CORRECTION_REASON_TYPING_ERROR);
      if (Pick(0, 1) == 0) {
        *correction.mutable_replacement() = Step(Pick(1, 5));
      } else {
        correction.set_occurred_on(absl::FormatCivilTime(Day()));
      }
      event.correction = correction;
    } else if (kind == 7 && version > 0) {
      relog::v1::StepCancelled cancellation;
      cancellation.set_cancelled_version(
          Pick(0, static_cast<int>(version) - 1));
      event.cancellation = cancellation;
    } else {
      event.step = Step(kind);
    }
    return event;
  }

  CaseStep Step(int kind) {
    const char* landlords[] = {"999000011", "999000029", "999000037"};
    const std::string landlord = landlords[Pick(0, 2)];
    CaseStep step;
    switch (kind) {
      case 0:
      case 5: {
        relog::v1::HouseholdIdentified* id =
            step.mutable_household_identified();
        id->set_reference(absl::StrCat("R-", Pick(1, 99)));
        id->set_operation_id("OP-ROU-ALMA");
        id->mutable_origin()->mutable_facts()->set_landlord_id(landlord);
        id->mutable_origin()->mutable_facts()->set_commune_insee("59512");
        break;
      }
      case 1:
        step.mutable_diagnosis_recorded()->set_reste_a_charge_cents(
            Pick(0, 50000));
        break;
      case 2: {
        relog::v1::OfferMade* offer = step.mutable_offer_made();
        offer->set_offer_id(absl::StrCat(Pick(1, 4)));
        offer->mutable_dwelling()->mutable_facts()->set_landlord_id(landlord);
        break;
      }
      case 3: {
        relog::v1::LeaseSigned* lease = step.mutable_lease_signed();
        lease->set_kind(Pick(0, 2) == 0 ? relog::v1::LEASE_KIND_TEMPORARY
                                        : relog::v1::LEASE_KIND_DEFINITIVE);
        lease->mutable_dwelling()->mutable_facts()->set_landlord_id(landlord);
        lease->mutable_dwelling()->mutable_facts()->set_commune_insee("59599");
        break;
      }
      default:
        step.mutable_household_moved();
        break;
    }
    return step;
  }

  std::mt19937 rng_;
  std::map<std::string, uint64_t> versions_;
  int next_request_ = 0;
};

std::unique_ptr<EventStore> OpenStore(const std::string& path) {
  RocksDbEventStoreOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      OpenRocksDbEventStore(options);
  EXPECT_OK(store);
  return store.ok() ? *std::move(store) : nullptr;
}

// A runner feeding `table` (if any) from the log.
std::unique_ptr<projections::ProjectionRunner> MakeRunner(
    EventStore* store, FactTable* table, std::string view = kReportFactsView,
    std::function<bool(uint64_t)> after_batch = nullptr) {
  projections::RunnerOptions options;
  options.max_batch_events = 7;  // many batches, so restarts fall inside
  options.listener = table;
  options.after_batch = std::move(after_batch);
  return std::make_unique<projections::ProjectionRunner>(
      store, std::make_unique<ReportFactsProjection>(std::move(view)), options);
}

// What the table holds at `position`: case → version → the step's date,
// corrections and bytes.
using Standing = std::map<std::string, std::map<uint64_t, std::string>>;

std::string Describe(const cases::EffectiveStep& step) {
  return absl::StrCat(absl::FormatCivilTime(step.occurred_on), " x",
                      step.corrections, " ", step.step.SerializeAsString());
}

Standing TableAt(const FactTable& table, uint64_t position) {
  Standing standing;
  EXPECT_OK(table.Read(position, absl::CivilDay(9999, 12, 31),
                       [&](const std::vector<const CaseSnapshot*>& cases) {
                         for (const CaseSnapshot* c : cases) {
                           for (const cases::EffectiveStep* s : c->all_steps) {
                             standing[*c->case_id][s->version] = Describe(*s);
                           }
                         }
                       }));
  return standing;
}

// The same by the domain's evolve() over the log up to `position`.
Standing EvolvedAt(const EventStore& store, uint64_t position) {
  std::map<std::string, cases::CaseState> states;
  absl::Status decoded;
  EXPECT_OK(store.ScanAll(1, position, [&](const RecordedEvent& event) {
    absl::string_view stream = event.stream_id;
    if (!absl::ConsumePrefix(&stream, cases::kCaseStreamPrefix)) return true;
    absl::StatusOr<cases::CaseEvent> e =
        cases::DecodeCaseEvent(event, kStatistical);
    if (!e.ok()) {
      decoded = e.status();
      return false;
    }
    cases::CaseState& state = states[std::string(stream)];
    state = cases::Evolve(std::move(state), *e);
    return true;
  }));
  EXPECT_OK(decoded);
  Standing standing;
  for (const auto& [case_id, state] : states) {
    for (const auto& [version, step] : state.steps) {
      if (!step.cancelled) standing[case_id][version] = Describe(step);
    }
  }
  return standing;
}

std::vector<ViewEntry> Dump(EventStore& store, const std::string& view) {
  absl::StatusOr<std::vector<ViewEntry>> entries =
      store.views().Scan(view, "", "", 10000000);
  EXPECT_OK(entries);
  return entries.ok() ? *entries : std::vector<ViewEntry>{};
}

bool Same(const std::vector<ViewEntry>& a, const std::vector<ViewEntry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].value != b[i].value) return false;
  }
  return true;
}

TEST(ReportFactsTest, FactsStandingAtEveryPositionAreWhatEvolveGives) {
  const uint32_t seed = std::random_device()();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  RandomHistory history(seed);
  history.Append(*store, 80);
  FactTable table(&store->views(), kReportFactsView);
  ASSERT_OK(table.Load());
  auto runner = MakeRunner(store.get(), &table);
  ASSERT_OK(runner->CatchUp());
  const uint64_t head = store->GetLogHead().position;
  ASSERT_EQ(table.checkpoint(), head);
  for (uint64_t position = 0; position <= head; ++position) {
    ASSERT_EQ(TableAt(table, position), EvolvedAt(*store, position))
        << "at position " << position;
  }
}

TEST(ReportFactsTest, IncrementalRebuiltAndFromScratchViewsAgree) {
  const uint32_t seed = std::random_device()();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  RandomHistory history(seed);
  FactTable table(&store->views(), kReportFactsView);
  ASSERT_OK(table.Load());
  auto runner = MakeRunner(store.get(), &table);
  for (int round = 0; round < 10; ++round) {
    runner->Start();
    history.Append(*store, 15);
    if (round == 4) ASSERT_OK(runner->Rebuild());  // while following
    ASSERT_OK(runner->WaitFor(store->GetLogHead().position,
                              absl::Now() + absl::Seconds(30)));
    runner->Stop();
    if (round % 3 == 2) {
      // A restart of relogd: a new mirror read from the view, a new runner.
      runner.reset();
      table.OnReplaced();
      runner = MakeRunner(store.get(), &table);
    }
  }
  const uint64_t head = store->GetLogHead().position;
  const std::vector<ViewEntry> incremental = Dump(*store, kReportFactsView);
  const Standing mirrored = TableAt(table, head);

  FactTable scratch_table(&store->views(), "scratch");
  auto scratch = MakeRunner(store.get(), &scratch_table, "scratch");
  ASSERT_OK(scratch->CatchUp());
  EXPECT_TRUE(Same(incremental, Dump(*store, "scratch")));

  ASSERT_OK(runner->Rebuild());
  EXPECT_TRUE(Same(incremental, Dump(*store, kReportFactsView)));
  EXPECT_EQ(TableAt(table, head), mirrored);
  EXPECT_EQ(mirrored, EvolvedAt(*store, head));
  EXPECT_EQ(table.fact_count(), incremental.size());
}

TEST(ReportFactsTest, AStopBetweenTwoBatchesCountsNothingTwice) {
  const uint32_t seed = std::random_device()();
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  RandomHistory history(seed);
  history.Append(*store, 40);
  {
    FactTable table(&store->views(), kReportFactsView);
    ASSERT_OK(table.Load());
    int batches = 0;
    // The fail point stops the runner after its second batch, as a crash
    // between two view writes would.
    auto runner = MakeRunner(store.get(), &table, kReportFactsView,
                             [&](uint64_t) { return ++batches < 2; });
    runner->Start();
    ASSERT_OK(runner->WaitFor(14, absl::Now() + absl::Seconds(30)));
    runner->Stop();
    ASSERT_EQ(runner->health().checkpoint, 14u);  // two batches of 7
  }
  // After the "crash": what was committed, then the rest, applied once.
  FactTable table(&store->views(), kReportFactsView);
  ASSERT_OK(table.Load());
  EXPECT_EQ(table.checkpoint(), 14u);
  auto runner = MakeRunner(store.get(), &table);
  ASSERT_OK(runner->CatchUp());
  const uint64_t head = store->GetLogHead().position;
  EXPECT_EQ(TableAt(table, head), EvolvedAt(*store, head));
  FactTable scratch_table(&store->views(), "scratch");
  auto scratch = MakeRunner(store.get(), &scratch_table, "scratch");
  ASSERT_OK(scratch->CatchUp());
  EXPECT_TRUE(Same(Dump(*store, kReportFactsView), Dump(*store, "scratch")));
  EXPECT_EQ(table.fact_count(), scratch_table.fact_count());
}

// A write the mirror is told of on another checkpoint than its own (one
// it never saw committed, e.g. reported failed but in the WAL) makes it
// read the view again rather than skip what it missed.
TEST(ReportFactsTest, AMirrorOutOfStepReadsTheViewAgain) {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  RandomHistory history(11);
  history.Append(*store, 20);
  auto runner = MakeRunner(store.get(), nullptr);  // no mirror told
  ASSERT_OK(runner->CatchUp());
  const uint64_t head = store->GetLogHead().position;

  FactTable table(&store->views(), kReportFactsView);  // never loaded: at 0
  ASSERT_EQ(table.checkpoint(), 0u);
  ViewWrite later;
  later.checkpoint = head + 1;
  table.OnWrite(/*from=*/head, later);
  ASSERT_OK(table.health());
  EXPECT_EQ(table.checkpoint(), head);
  EXPECT_EQ(TableAt(table, head), EvolvedAt(*store, head));
}

TEST(ReportFactsTest, AnUndecodableCaseEventStopsTheProjectionAtItsPosition) {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  RandomHistory history(7);
  history.Append(*store, 5);
  AppendRequest bad;
  StreamAppend stream;
  stream.stream_id = "case-broken";
  NewEvent event;
  event.id = DeriveEventId("bad", 0);
  event.type = "relog.v1.OfferMade";
  event.payload = "\xff\xff not a proto";
  stream.events.push_back(event);
  bad.streams.push_back(stream);
  ASSERT_OK(store->AppendBlocking(bad));
  const uint64_t bad_position = store->GetLogHead().position;
  history.Append(*store, 3);

  FactTable table(&store->views(), kReportFactsView);
  ASSERT_OK(table.Load());
  auto runner = MakeRunner(store.get(), &table);
  EXPECT_THAT(runner->CatchUp(),
              ::relog::testing::StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_EQ(runner->health().checkpoint, bad_position - 1);
  EXPECT_EQ(table.checkpoint(), bad_position - 1);
  EXPECT_THAT(runner->WaitFor(bad_position, absl::Now()),
              ::relog::testing::StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace relog::reports
