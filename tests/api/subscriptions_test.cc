// relog.v1.Subscriptions over a real gRPC server on a loopback port and a
// real RocksDB store holding the report fixture (tests/reports/
// report_fixture.h: K1–K6, K3b, 61 events): catch-up in global order then
// live commits, resumption from a saved position, the parties of a case as
// of each event (no back-fill), checkpoints while nothing matches,
// back-pressure (a consumer that stops reading ends with
// RESOURCE_EXHAUSTED and never slows appends), shutdown with UNAVAILABLE,
// and the refusals of bad requests.
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/subscriptions.grpc.pb.h"
#include "services/api/caller_interceptor.h"
#include "services/api/status_conversion.h"
#include "services/api/subscription_filter.h"
#include "services/api/subscription_service.h"
#include "services/cases/event_codec.h"
#include "storage/event_id.h"
#include "storage/sha256.h"
#include "tests/reports/report_fixture.h"
#include "tests/testing/status_matchers.h"

namespace relog::api {
namespace {

using ::relog::reports::testing::kEventCount;
using ::relog::reports::testing::kLandlordP;
using ::relog::reports::testing::ReportFixture;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

// One in-process relogd with only the subscription service.
class Server {
 public:
  Server(EventStore* store, SubscriptionOptions options)
      : service_(store, &callers_, options) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&service_);
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(
        std::make_unique<CallerInterceptorFactory>(&callers_, false));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    server_ = builder.BuildAndStart();
    // A fixed, small receive window: without it gRPC's BDP probing may grow
    // the client's buffers past what a test sends, and a consumer that
    // stops reading would never hold the server's write.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 64 * 1024);
    channel_ =
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port_),
                                  grpc::InsecureChannelCredentials(), args);
    stub_ = relog::v1::Subscriptions::NewStub(channel_);
  }
  ~Server() {
    service_.Shutdown(absl::Now() + absl::Seconds(5));
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  }

  relog::v1::Subscriptions::Stub& stub() { return *stub_; }
  SubscriptionService& service() { return service_; }

 private:
  CallerRegistry callers_;
  SubscriptionService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<relog::v1::Subscriptions::Stub> stub_;
};

// A consumer: one Subscribe call and what it received.
class Consumer {
 public:
  Consumer(relog::v1::Subscriptions::Stub& stub,
           const relog::v1::SubscribeRequest& request) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    reader_ = stub.Subscribe(&context_, request);
  }
  ~Consumer() {
    if (finished_) return;
    context_.TryCancel();
    relog::v1::SubscribeResponse ignored;
    while (reader_->Read(&ignored)) {
    }
    reader_->Finish().ok();
  }

  // Reads messages until one says caught_up with a position >= `at_least`;
  // false if the stream ends first.
  bool ReadUntilCaughtUp(uint64_t at_least = 0) {
    relog::v1::SubscribeResponse message;
    while (reader_->Read(&message)) {
      Take(message);
      if (message.caught_up() && message.position() >= at_least) return true;
    }
    return false;
  }
  // Reads one message; false at the end of the stream.
  bool ReadOne(relog::v1::SubscribeResponse* message) {
    if (!reader_->Read(message)) return false;
    Take(*message);
    return true;
  }
  // Reads to the end and returns the call's status.
  grpc::Status Finish() {
    relog::v1::SubscribeResponse message;
    while (reader_->Read(&message)) Take(message);
    finished_ = true;
    return reader_->Finish();
  }

  const std::vector<relog::v1::SubscribedEvent>& events() const {
    return events_;
  }
  const std::vector<relog::v1::SubscribeResponse>& messages() const {
    return messages_;
  }
  std::vector<uint64_t> positions() const {
    std::vector<uint64_t> out;
    for (const auto& e : events_) out.push_back(e.event().position());
    return out;
  }

 private:
  void Take(const relog::v1::SubscribeResponse& message) {
    relog::v1::SubscribeResponse header = message;
    header.clear_events();
    messages_.push_back(header);
    for (const auto& e : message.events()) events_.push_back(e);
  }

  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<relog::v1::SubscribeResponse>> reader_;
  std::vector<relog::v1::SubscribedEvent> events_;
  std::vector<relog::v1::SubscribeResponse> messages_;
  bool finished_ = false;
};

// The positions of the case events of the log after `after`.
std::vector<uint64_t> CaseEventPositions(const EventStore& store,
                                         uint64_t after) {
  std::vector<uint64_t> out;
  absl::StatusOr<std::vector<RecordedEvent>> all =
      store.ReadAllForward(after + 1, 100000);
  EXPECT_OK(all.status());
  if (!all.ok()) return out;
  for (const RecordedEvent& e : *all) {
    if (absl::StartsWith(e.stream_id, cases::kCaseStreamPrefix)) {
      out.push_back(e.position);
    }
  }
  return out;
}

cases::Command KeysReturned() {
  cases::Command command;
  command.step.emplace().mutable_keys_returned();
  return command;
}

class SubscriptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = ReportFixture::Create();
    ASSERT_NE(fixture_, nullptr);
  }
  EventStore& store() { return fixture_->store(); }
  // ~16 MB of case events: more than the transport's windows and buffers
  // hold, so that a consumer that stops reading blocks the stream.
  void AppendBigEvents() {
    const std::string big(8000, 'x');
    for (int batch = 0; batch < 50; ++batch) {
      AppendRequest append;
      for (int i = 0; i < 40; ++i) {
        cases::CaseEvent event;
        event.occurred_on = absl::CivilDay(2023, 1, 2);
        relog::v1::HouseholdIdentified* h =
            event.step.emplace().mutable_household_identified();
        h->set_reference(absl::StrCat(big, batch, "-", i));
        h->set_operation_id("OP-ROU-ALMA");
        absl::StatusOr<NewEvent> encoded = cases::EncodeCaseEvent(event);
        ASSERT_OK(encoded.status());
        encoded->id = DeriveEventId(absl::StrCat("big-", batch, "-", i), 0);
        StreamAppend stream;
        stream.stream_id = absl::StrCat("case-big", batch, "x", i);
        stream.expected = ExpectedVersion::NoStream();
        stream.events.push_back(*std::move(encoded));
        append.streams.push_back(std::move(stream));
      }
      ASSERT_OK(store().AppendBlocking(std::move(append)).status());
    }
  }

  std::unique_ptr<ReportFixture> fixture_;
};

TEST_F(SubscriptionsTest, CatchesUpInOrderThenFollowsLiveCommits) {
  Server server(&store(), {});
  relog::v1::SubscribeRequest request;
  request.set_max_batch_events(7);  // several messages
  Consumer consumer(server.stub(), request);
  ASSERT_TRUE(consumer.ReadUntilCaughtUp(kEventCount));
  // Every case event (the reference set at position 1 is not one), in
  // order, each with its stored hashes and its case.
  EXPECT_THAT(consumer.positions(),
              ElementsAreArray(CaseEventPositions(store(), 0)));
  absl::StatusOr<std::vector<RecordedEvent>> stored =
      store().ReadAllForward(2, 1);
  ASSERT_OK(stored.status());
  const relog::v1::SubscribedEvent& first = consumer.events().front();
  EXPECT_EQ(first.event().global_hash(), ToHex(stored->front().global_hash));
  EXPECT_EQ(first.event().stream_hash(), ToHex(stored->front().stream_hash));
  EXPECT_EQ(absl::StrCat("case-", first.case_().substr(6)),
            stored->front().stream_id);
  EXPECT_TRUE(first.event().has_step());
  EXPECT_GT(consumer.messages().size(), 8u);
  EXPECT_EQ(consumer.messages().back().position(), kEventCount);

  // Live: a commit after the catch-up arrives without a new call.
  absl::StatusOr<uint64_t> live =
      fixture_->Record("K1", KeysReturned(), absl::CivilDay(2023, 6, 1),
                       ReportFixture::Noon(absl::CivilDay(2024, 3, 1)));
  ASSERT_OK(live.status());
  relog::v1::SubscribeResponse message;
  while (consumer.events().size() < CaseEventPositions(store(), 0).size()) {
    ASSERT_TRUE(consumer.ReadOne(&message));
  }
  EXPECT_EQ(consumer.events().back().event().position(), *live);
  EXPECT_EQ(consumer.events().back().event().type(), "relog.v1.KeysReturned");
  EXPECT_EQ(consumer.events().back().case_(),
            absl::StrCat("cases/", fixture_->CaseId("K1")));
}

TEST_F(SubscriptionsTest, ResumesAfterTheSavedPositionWithoutGapOrRepeat) {
  Server server(&store(), {});
  relog::v1::SubscribeRequest request;
  request.set_after_position(30);
  Consumer consumer(server.stub(), request);
  ASSERT_TRUE(consumer.ReadUntilCaughtUp(kEventCount));
  EXPECT_THAT(consumer.positions(),
              ElementsAreArray(CaseEventPositions(store(), 30)));
  EXPECT_EQ(consumer.events().front().event().position(), 31u);
}

TEST_F(SubscriptionsTest, FromNowSendsOnlyLaterCommits) {
  Server server(&store(), {});
  relog::v1::SubscribeRequest request;
  request.set_from_now(true);
  Consumer consumer(server.stub(), request);
  relog::v1::SubscribeResponse message;
  ASSERT_TRUE(consumer.ReadOne(&message));
  EXPECT_TRUE(message.caught_up());
  EXPECT_EQ(message.position(), kEventCount);
  EXPECT_THAT(message.events(), IsEmpty());
  absl::StatusOr<uint64_t> live =
      fixture_->Record("K2", KeysReturned(), absl::CivilDay(2024, 1, 10),
                       ReportFixture::Noon(absl::CivilDay(2024, 3, 1)));
  ASSERT_OK(live.status());
  while (consumer.events().empty()) ASSERT_TRUE(consumer.ReadOne(&message));
  EXPECT_THAT(consumer.positions(), ElementsAreArray({*live}));
}

// Landlord P (Partenord) demolishes K4's building and receives K1 and K3b
// through their first offers: it gets all of K4, and K1 and K3b from the
// OfferMade that names it — never their earlier steps — and nothing of the
// other cases.
TEST_F(SubscriptionsTest, ALandlordGetsACaseFromTheEventThatNamesIt) {
  Server server(&store(), {});
  relog::v1::SubscribeRequest request;
  request.add_landlord_ids(kLandlordP);
  request.set_max_batch_events(3);
  Consumer consumer(server.stub(), request);
  ASSERT_TRUE(consumer.ReadUntilCaughtUp(kEventCount));

  std::map<std::string, std::vector<std::string>> types;  // case → types
  for (const auto& e : consumer.events()) {
    types[e.case_()].push_back(e.event().type());
  }
  auto name = [&](const char* k) {
    return absl::StrCat("cases/", fixture_->CaseId(k));
  };
  std::set<std::string> cases;
  for (const auto& [c, t] : types) cases.insert(c);
  EXPECT_THAT(cases, ElementsAreArray(std::set<std::string>{
                         name("K1"), name("K3b"), name("K4")}));
  EXPECT_EQ(types[name("K1")].front(), "relog.v1.OfferMade");
  EXPECT_EQ(types[name("K3b")].front(), "relog.v1.OfferMade");
  EXPECT_EQ(types[name("K1")].back(), "relog.v1.HouseholdMoved");
  absl::StatusOr<std::vector<RecordedEvent>> k4 =
      store().ReadStreamForward(fixture_->StreamId("K4"), 0, 1000);
  ASSERT_OK(k4.status());
  EXPECT_EQ(types[name("K4")].size(), k4->size());
  // In global order across cases.
  const std::vector<uint64_t> positions = consumer.positions();
  EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end()));
}

// The tracker folds a case it does not hold from the store: holding one
// case at a time gives the same events as holding them all.
TEST_F(SubscriptionsTest, PartiesDoNotDependOnHowManyCasesAreHeld) {
  std::vector<uint64_t> got[2];
  for (size_t held : {size_t{1}, size_t{20000}}) {
    SubscriptionOptions options;
    options.tracked_cases = held;
    Server server(&store(), options);
    relog::v1::SubscribeRequest request;
    request.add_landlord_ids(kLandlordP);
    Consumer consumer(server.stub(), request);
    ASSERT_TRUE(consumer.ReadUntilCaughtUp(kEventCount));
    got[held == 1 ? 0 : 1] = consumer.positions();
  }
  EXPECT_FALSE(got[1].empty());
  EXPECT_EQ(got[0], got[1]);
}

// A party gets the event that ends its part (the landlord must learn that
// its offer was refused), and nothing after it.
TEST(SubscriptionFilterTest, APartyGetsTheEventEndingItsPartThenNothing) {
  relog::v1::SubscribeRequest request;
  request.add_landlord_ids("L2");
  absl::StatusOr<SubscriptionFilter> filter =
      SubscriptionFilter::FromRequest(request);
  ASSERT_OK(filter.status());
  cases::CaseParties origin_only;
  origin_only.landlords = {"L1"};
  cases::CaseParties with_offer;
  with_offer.landlords = {"L1", "L2"};
  EXPECT_TRUE(filter->MatchesParties(origin_only, with_offer));    // the offer
  EXPECT_TRUE(filter->MatchesParties(with_offer, with_offer));     // a visit
  EXPECT_TRUE(filter->MatchesParties(with_offer, origin_only));    // refusal
  EXPECT_FALSE(filter->MatchesParties(origin_only, origin_only));  // later
}

// Filters combine: an operation and a type.
TEST_F(SubscriptionsTest, FiltersCombine) {
  Server server(&store(), {});
  relog::v1::SubscribeRequest request;
  request.add_operation_ids("OP-ROU-ALMA");
  request.add_event_types("relog.v1.HouseholdMoved");
  Consumer consumer(server.stub(), request);
  ASSERT_TRUE(consumer.ReadUntilCaughtUp(kEventCount));
  std::set<std::string> cases;
  for (const auto& e : consumer.events()) {
    EXPECT_EQ(e.event().type(), "relog.v1.HouseholdMoved");
    cases.insert(e.case_());
  }
  // K1, K2 (temporary and definitive moves) and K5 are of OP-ROU-ALMA.
  EXPECT_EQ(cases.size(), 3u);
  EXPECT_EQ(consumer.events().size(), 4u);
}

// While nothing matches, checkpoints carry the position on, so that a
// filtered consumer can save its progress.
TEST_F(SubscriptionsTest, SendsCheckpointsWhileNothingMatches) {
  Server server(&store(), {});
  relog::v1::SubscribeRequest request;
  request.add_event_types("relog.v1.HouseholdDeceased");  // none in the log
  request.set_checkpoint_interval_ms(100);
  Consumer consumer(server.stub(), request);
  ASSERT_TRUE(consumer.ReadUntilCaughtUp(kEventCount));
  EXPECT_THAT(consumer.events(), IsEmpty());
  EXPECT_EQ(consumer.messages().back().position(), kEventCount);
  EXPECT_FALSE(consumer.messages().back().global_hash().empty());

  absl::StatusOr<uint64_t> live =
      fixture_->Record("K1", KeysReturned(), absl::CivilDay(2023, 6, 1),
                       ReportFixture::Noon(absl::CivilDay(2024, 3, 1)));
  ASSERT_OK(live.status());
  relog::v1::SubscribeResponse message;
  ASSERT_TRUE(consumer.ReadOne(&message));
  EXPECT_THAT(message.events(), IsEmpty());
  EXPECT_EQ(message.position(), *live);
  EXPECT_TRUE(message.caught_up());
}

// A consumer that stops reading: the server keeps one message in flight,
// ends the stream once it stays unread past the timeout, and appends go
// on meanwhile.
TEST_F(SubscriptionsTest,
       AConsumerThatStopsReadingEndsExhaustedAndNeverSlowsAppends) {
  AppendBigEvents();
  SubscriptionOptions options;
  options.write_timeout = absl::Milliseconds(500);
  options.cancel_grace = absl::Seconds(60);  // the consumer reads again
  Server server(&store(), options);
  relog::v1::SubscribeRequest request;
  request.set_max_batch_events(10);
  Consumer consumer(server.stub(), request);

  // The consumer reads nothing for 2 s; appends complete meanwhile.
  const absl::Time stop = absl::Now() + absl::Seconds(2);
  int appended = 0;
  while (absl::Now() < stop) {
    AppendRequest append;
    StreamAppend stream;
    stream.stream_id = absl::StrCat("other-", appended);
    NewEvent e;
    e.id = DeriveEventId(absl::StrCat("other-", appended), 0);
    e.type = "test.Other";
    e.payload = "p";
    stream.events.push_back(e);
    append.streams.push_back(std::move(stream));
    ASSERT_OK(store().AppendBlocking(std::move(append)).status());
    ++appended;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_GT(appended, 10);
  const grpc::Status status = consumer.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_EQ(ReadErrorDetails(status).reason, "SUBSCRIBER_TOO_SLOW");
  // What it got before the end is a gap-free prefix of the matching
  // events.
  const std::vector<uint64_t> all = CaseEventPositions(store(), 0);
  ASSERT_LT(consumer.events().size(), all.size());
  const std::vector<uint64_t> got = consumer.positions();
  EXPECT_TRUE(std::equal(got.begin(), got.end(), all.begin()));
}

// A consumer that holds its connection and never reads again: its call is
// cancelled after the grace, and its slot freed.
TEST_F(SubscriptionsTest, AStalledConsumerIsCancelledAndLosesItsSlot) {
  AppendBigEvents();
  SubscriptionOptions options;
  options.write_timeout = absl::Milliseconds(300);
  options.cancel_grace = absl::Milliseconds(300);
  options.max_streams = 1;
  Server server(&store(), options);
  Consumer stalled(server.stub(), {});
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (server.service().streams_in_flight() == 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(server.service().streams_in_flight(), 1u);
  while (server.service().streams_in_flight() > 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(server.service().streams_in_flight(), 0u);
  // The slot serves another consumer.
  Consumer next(server.stub(), {});
  relog::v1::SubscribeResponse message;
  EXPECT_TRUE(next.ReadOne(&message));
}

TEST_F(SubscriptionsTest, ShutdownEndsStreamsWithUnavailable) {
  Server server(&store(), {});
  Consumer consumer(server.stub(), {});
  ASSERT_TRUE(consumer.ReadUntilCaughtUp(kEventCount));
  EXPECT_EQ(server.service().streams_in_flight(), 1u);
  EXPECT_EQ(server.service().Shutdown(absl::Now() + absl::Seconds(10)), 0u);
  const grpc::Status status = consumer.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ReadErrorDetails(status).reason, "SERVER_SHUTTING_DOWN");

  Consumer late(server.stub(), {});
  EXPECT_EQ(late.Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SubscriptionsTest, RefusesTooManyStreams) {
  SubscriptionOptions options;
  options.max_streams = 1;
  Server server(&store(), options);
  Consumer first(server.stub(), {});
  ASSERT_TRUE(first.ReadUntilCaughtUp());
  Consumer second(server.stub(), {});
  const grpc::Status status = second.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ReadErrorDetails(status).reason, "TOO_MANY_SUBSCRIPTIONS");
}

struct BadRequest {
  std::string name;
  relog::v1::SubscribeRequest request;
  grpc::StatusCode code;
  // The field named (INVALID_ARGUMENT), or the reason.
  std::string field_or_reason;
};

TEST_F(SubscriptionsTest, RefusesBadRequestsNamingTheField) {
  std::vector<BadRequest> cases;
  {
    BadRequest bad{"unknown type",
                   {},
                   grpc::StatusCode::INVALID_ARGUMENT,
                   "event_types[1]"};
    bad.request.add_event_types("relog.v1.OfferMade");
    bad.request.add_event_types("OfferMade");
    cases.push_back(bad);
  }
  {
    BadRequest bad{"empty landlord",
                   {},
                   grpc::StatusCode::INVALID_ARGUMENT,
                   "landlord_ids[0]"};
    bad.request.add_landlord_ids("");
    cases.push_back(bad);
  }
  {
    BadRequest bad{
        "batch", {}, grpc::StatusCode::INVALID_ARGUMENT, "max_batch_events"};
    bad.request.set_max_batch_events(5000);
    cases.push_back(bad);
  }
  {
    BadRequest bad{"interval",
                   {},
                   grpc::StatusCode::INVALID_ARGUMENT,
                   "checkpoint_interval_ms"};
    bad.request.set_checkpoint_interval_ms(10);
    cases.push_back(bad);
  }
  {
    BadRequest bad{"from_now and a position",
                   {},
                   grpc::StatusCode::INVALID_ARGUMENT,
                   "after_position"};
    bad.request.set_from_now(true);
    bad.request.set_after_position(3);
    cases.push_back(bad);
  }
  {
    BadRequest bad{"beyond the head",
                   {},
                   grpc::StatusCode::OUT_OF_RANGE,
                   "POSITION_AFTER_HEAD"};
    bad.request.set_after_position(kEventCount + 1);
    cases.push_back(bad);
  }
  Server server(&store(), {});
  for (const BadRequest& bad : cases) {
    Consumer consumer(server.stub(), bad.request);
    const grpc::Status status = consumer.Finish();
    EXPECT_EQ(status.error_code(), bad.code) << bad.name;
    const ErrorDetails details = ReadErrorDetails(status);
    EXPECT_EQ(bad.code == grpc::StatusCode::INVALID_ARGUMENT ? details.field
                                                             : details.reason,
              bad.field_or_reason)
        << bad.name;
    EXPECT_THAT(consumer.events(), IsEmpty()) << bad.name;
  }
}

}  // namespace
}  // namespace relog::api
