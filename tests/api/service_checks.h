// Whole-service checks for the crash and fault tests, through the public
// API of a running relogd: the log verifies, and every projection equals
// a rebuild of it from scratch.
#ifndef RELOG_TESTS_API_SERVICE_CHECKS_H_
#define RELOG_TESTS_API_SERVICE_CHECKS_H_

#include <memory>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "relog/v1/log_service.grpc.pb.h"
#include "relog/v1/reports.grpc.pb.h"
#include "relog/v1/subscriptions.grpc.pb.h"
#include "tests/api/household_client.h"

namespace relog::testing {

// Both hash chains and the indexes verify, with positions and versions
// gap-free (VerifyLog's PROBLEM_MISSING otherwise). Returns the head
// verified (0 on failure).
inline uint64_t ExpectLogVerifies(
    const std::shared_ptr<grpc::Channel>& channel) {
  auto log = v1::LogService::NewStub(channel);
  v1::VerifyLogResponse verified;
  grpc::Status status = log->VerifyLog(Call().get(), {}, &verified);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(verified.problem(), v1::VerifyLogResponse::PROBLEM_NONE)
      << "at position " << verified.position() << ": " << verified.detail();
  EXPECT_EQ(verified.events_checked(), verified.head().position());
  return verified.problem() == v1::VerifyLogResponse::PROBLEM_NONE
             ? verified.head().position()
             : 0;
}

// What the projections show once they reflect `position`: every case of
// the index (all pages) and the tables of every report kind this year.
inline std::string ProjectionsAt(const std::shared_ptr<grpc::Channel>& channel,
                                 uint64_t position) {
  auto cases = v1::CaseService::NewStub(channel);
  auto reports = v1::Reports::NewStub(channel);
  std::string shown;
  v1::ListCasesRequest list;
  list.set_page_size(500);
  for (;;) {
    v1::ListCasesResponse page;
    // The index follows the log on its own thread: retry until it has
    // caught up with `position`.
    grpc::Status status;
    for (int i = 0; i < 300; ++i) {
      status = cases->ListCases(Call().get(), list, &page);
      if (status.ok() && page.position() >= position) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_GE(page.position(), position);
    if (!status.ok()) break;
    for (const v1::CaseListEntry& entry : page.cases()) {
      shown += entry.SerializeAsString();
    }
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  const int year = absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year();
  for (int kind = v1::REPORT_KIND_PROGRESS; kind <= v1::REPORT_KIND_OFFERS;
       ++kind) {
    v1::GetReportRequest request;
    request.set_report(static_cast<v1::ReportKind>(kind));
    request.set_year(year);
    request.set_min_position(position);
    v1::Report report;
    grpc::Status status = reports->GetReport(Call().get(), request, &report);
    EXPECT_TRUE(status.ok())
        << v1::ReportKind_Name(kind) << ": " << status.error_message();
    for (const v1::ReportTable& table : report.tables()) {
      shown += table.SerializeAsString();
    }
  }
  return shown;
}

// Every projection as it stands (caught up with `position`) equals the
// same projection rebuilt from position 0 (Reports.RebuildProjection).
inline void ExpectProjectionsEqualRebuild(
    const std::shared_ptr<grpc::Channel>& channel, uint64_t position) {
  const std::string live = ProjectionsAt(channel, position);
  auto reports = v1::Reports::NewStub(channel);
  v1::RebuildProjectionResponse rebuilt;
  grpc::Status status = reports->RebuildProjection(Call().get(), {}, &rebuilt);
  ASSERT_TRUE(status.ok()) << status.error_message();
  for (const v1::ProjectionStatus& projection : rebuilt.projections()) {
    EXPECT_EQ(projection.failure(), "") << projection.name();
  }
  EXPECT_GT(live.size(), 0u);
  EXPECT_TRUE(live == ProjectionsAt(channel, position))
      << "a projection differs from its rebuild";
}

// A subscription from the start of the log delivers every case event up
// to `head` once, in position order: as many as the cases' versions add
// up to (the case index lists them all).
inline void ExpectSubscriptionSeesEveryCaseEvent(
    const std::shared_ptr<grpc::Channel>& channel, uint64_t head) {
  auto cases = v1::CaseService::NewStub(channel);
  uint64_t case_events = 0;
  v1::ListCasesRequest list;
  list.set_page_size(500);
  for (;;) {
    v1::ListCasesResponse page;
    grpc::Status status = cases->ListCases(Call().get(), list, &page);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const v1::CaseListEntry& entry : page.cases()) {
      case_events += entry.version() + 1;
    }
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  auto subscriptions = v1::Subscriptions::NewStub(channel);
  std::unique_ptr<grpc::ClientContext> context = Call();
  v1::SubscribeRequest request;  // from position 0, every event
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
      subscriptions->Subscribe(context.get(), request);
  uint64_t delivered = 0;
  uint64_t last = 0;
  v1::SubscribeResponse message;
  while (reader->Read(&message)) {
    for (const v1::SubscribedEvent& event : message.events()) {
      EXPECT_GT(event.event().position(), last) << "out of order or twice";
      last = event.event().position();
      ++delivered;
    }
    if (message.caught_up() && message.position() >= head) break;
  }
  context->TryCancel();
  EXPECT_EQ(delivered, case_events);
  EXPECT_LE(last, head);
}

}  // namespace relog::testing

#endif  // RELOG_TESTS_API_SERVICE_CHECKS_H_
