// relog.v1.Reports end to end: a real relogd child on a loopback port with
// a temp data dir, through a real gRPC channel — read-your-writes, known_at,
// the position and hash every answer states, field violations, the
// projections' list and rebuild, and a failed projection reported in every
// answer and in the health service instead of stale figures.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "relog/v1/log_service.grpc.pb.h"
#include "relog/v1/reports.grpc.pb.h"
#include "services/api/status_conversion.h"
#include "storage/event_id.h"
#include "storage/sha256.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/relogd_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog {
namespace {

using ::relog::testing::HealthCheck;
using ::relog::testing::RelogdProcess;
using ::relog::testing::TempDir;

class Relogd : public RelogdProcess {
 public:
  Relogd(const std::string& data_dir, const TempDir& scratch)
      : RelogdProcess(RELOGD_PATH, RELOG_SOURCE_DIR, data_dir, scratch) {}
};

std::unique_ptr<grpc::ClientContext> Call(
    absl::Duration timeout = absl::Seconds(30)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

std::string TestUuid(const std::string& seed) {
  const std::string hex = ToHex(Sha256({seed}));
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-",
                      hex.substr(12, 4), "-", hex.substr(16, 4), "-",
                      hex.substr(20, 12));
}

google::protobuf::Timestamp Proto(absl::Time t) {
  google::protobuf::Timestamp out;
  out.set_seconds(absl::ToUnixSeconds(t));
  return out;
}

absl::CivilDay TodayInParis() {
  absl::TimeZone paris;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  return absl::ToCivilDay(absl::Now(), paris);
}

// Identifies one household today in OP-LIL-CONCORDE-1; the answer.
v1::CaseCommandResponse Identify(v1::CaseService::Stub& stub,
                                 const std::string& tag) {
  v1::IdentifyHouseholdRequest r;
  r.set_request_id(TestUuid(tag));
  r.set_occurred_at(absl::FormatCivilTime(TodayInParis()));
  v1::HouseholdIdentified* h = r.mutable_household();
  h->set_reference(absl::StrCat("E2E-", tag));
  h->set_operation_id("OP-LIL-CONCORDE-1");
  h->set_building_id("BAT-A");
  h->set_occupancy(v1::OCCUPANCY_STATUS_TITULAR_TENANT);
  v1::DwellingFacts* f = h->mutable_origin()->mutable_facts();
  f->set_typology(v1::TYPOLOGY_T3);
  f->set_surface_m2(64);
  f->set_financing(v1::FINANCING_OLD_REGIME);
  v1::CaseCommandResponse response;
  grpc::Status status = stub.IdentifyHousehold(Call().get(), r, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

int CurrentYear() { return static_cast<int>(TodayInParis().year()); }

// Households to rehouse in stock, over every operation (the progress
// report's total row).
int64_t ToRehouse(const v1::Report& report) {
  for (const v1::ReportTable& table : report.tables()) {
    int column = -1;
    for (int i = 0; i < table.columns_size(); ++i) {
      if (table.columns(i).id() == "to_rehouse") column = i;
    }
    if (column < 0) continue;
    int64_t total = 0;
    for (const v1::ReportRow& row : table.rows()) {
      if (row.cells(0).text() == "TOTAL") return row.cells(column).integer();
      total += row.cells(column).integer();
    }
    return total;
  }
  ADD_FAILURE() << "no to_rehouse column in the progress report";
  return -1;
}

v1::GetReportRequest Progress(int year) {
  v1::GetReportRequest request;
  request.set_report(v1::REPORT_KIND_PROGRESS);
  request.set_year(year);
  return request;
}

TEST(ReportsEndToEndTest, ReadYourWritesKnownAtAndTheStatedPosition) {
  TempDir dir;
  Relogd relogd(dir.Sub("data"), dir);
  ASSERT_FALSE(relogd.address().empty());
  auto cases = v1::CaseService::NewStub(relogd.channel());
  auto reports = v1::Reports::NewStub(relogd.channel());
  auto log = v1::LogService::NewStub(relogd.channel());

  const absl::Time before = absl::Now() - absl::Seconds(1);
  const v1::CaseCommandResponse written = Identify(*cases, "ryw-1");
  ASSERT_GT(written.position(), 0u);

  v1::GetReportRequest request = Progress(CurrentYear());
  request.set_min_position(written.position());
  v1::Report report;
  ASSERT_TRUE(reports->GetReport(Call().get(), request, &report).ok());
  EXPECT_GE(report.position(), written.position());
  EXPECT_EQ(ToRehouse(report), 1);
  EXPECT_EQ(report.definitions_version(), "v2");
  EXPECT_FALSE(report.reference_sha256().empty());
  EXPECT_FALSE(report.has_known_at());
  v1::LogHead head;
  ASSERT_TRUE(log->GetLogHead(Call().get(), {}, &head).ok());
  if (head.position() == report.position()) {
    EXPECT_EQ(report.head_hash(), head.global_hash());
  }
  EXPECT_EQ(report.head_hash().size(), 32u);

  // As known before the household was identified: only the reference data.
  *request.mutable_known_at() = Proto(before);
  v1::Report earlier;
  ASSERT_TRUE(reports->GetReport(Call().get(), request, &earlier).ok());
  EXPECT_EQ(ToRehouse(earlier), 0);
  EXPECT_LT(earlier.position(), written.position());
  EXPECT_EQ(earlier.known_at().seconds(), request.known_at().seconds());

  // Every report kind answers, with tables.
  for (int kind = v1::REPORT_KIND_PROGRESS; kind <= v1::REPORT_KIND_OFFERS;
       ++kind) {
    v1::GetReportRequest any = Progress(CurrentYear());
    any.set_report(static_cast<v1::ReportKind>(kind));
    v1::Report answer;
    grpc::Status status = reports->GetReport(Call().get(), any, &answer);
    EXPECT_TRUE(status.ok()) << kind << ": " << status.error_message();
    EXPECT_GT(answer.tables_size(), 0) << v1::ReportKind_Name(kind);
  }
}

TEST(ReportsEndToEndTest, APositionNeverReachedEndsAtTheDeadline) {
  TempDir dir;
  Relogd relogd(dir.Sub("data"), dir);
  ASSERT_FALSE(relogd.address().empty());
  auto reports = v1::Reports::NewStub(relogd.channel());
  v1::GetReportRequest request = Progress(2023);
  request.set_min_position(1000000);
  v1::Report report;
  grpc::Status status =
      reports->GetReport(Call(absl::Milliseconds(500)).get(), request, &report);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(api::ReadErrorDetails(status).reason, "POSITION_NOT_REACHED");
}

TEST(ReportsEndToEndTest, BadRequestsNameTheFieldAndTheRule) {
  TempDir dir;
  Relogd relogd(dir.Sub("data"), dir);
  ASSERT_FALSE(relogd.address().empty());
  auto reports = v1::Reports::NewStub(relogd.channel());
  struct Case {
    std::string what;
    v1::GetReportRequest request;
    std::string field;
  };
  std::vector<Case> bad;
  {
    v1::GetReportRequest r;
    r.set_year(2023);
    bad.push_back({"no report", r, "report"});
  }
  {
    v1::GetReportRequest r = Progress(2023);
    r.mutable_period()->set_from("2023-01-01");
    r.mutable_period()->set_to("2024-01-01");
    bad.push_back({"year and period", r, "year"});
  }
  {
    v1::GetReportRequest r = Progress(0);
    r.mutable_period()->set_from("2023-02-30");
    r.mutable_period()->set_to("2024-01-01");
    bad.push_back({"an impossible date", r, "period.from"});
  }
  {
    v1::GetReportRequest r = Progress(0);
    r.mutable_period()->set_from("2023-06-01");
    r.mutable_period()->set_to("2023-06-01");
    bad.push_back({"an empty period", r, "period.to"});
  }
  {
    v1::GetReportRequest r = Progress(2023);
    r.mutable_known_at()->set_nanos(-1);
    bad.push_back({"a bad known_at", r, "known_at"});
  }
  {
    v1::GetReportRequest r = Progress(2023);
    *r.mutable_known_at() = Proto(absl::Now() + absl::Hours(24));
    bad.push_back({"a known_at still to come", r, "known_at"});
  }
  for (const Case& c : bad) {
    v1::Report report;
    grpc::Status status = reports->GetReport(Call().get(), c.request, &report);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.what;
    EXPECT_EQ(api::ReadErrorDetails(status).field, c.field) << c.what;
  }
}

TEST(ReportsEndToEndTest, ListsAndRebuildsTheProjections) {
  TempDir dir;
  Relogd relogd(dir.Sub("data"), dir);
  ASSERT_FALSE(relogd.address().empty());
  auto cases = v1::CaseService::NewStub(relogd.channel());
  auto reports = v1::Reports::NewStub(relogd.channel());
  const v1::CaseCommandResponse written = Identify(*cases, "rebuild-1");

  v1::GetReportRequest request = Progress(CurrentYear());
  request.set_min_position(written.position());
  v1::Report live;
  ASSERT_TRUE(reports->GetReport(Call().get(), request, &live).ok());

  v1::RebuildProjectionRequest rebuild;
  rebuild.set_name("report-facts");
  v1::RebuildProjectionResponse rebuilt;
  ASSERT_TRUE(reports->RebuildProjection(Call().get(), rebuild, &rebuilt).ok());
  ASSERT_EQ(rebuilt.projections_size(), 1);
  EXPECT_GE(rebuilt.projections(0).checkpoint(), written.position());

  v1::Report after;
  ASSERT_TRUE(reports->GetReport(Call().get(), request, &after).ok());
  EXPECT_EQ(after.SerializeAsString(), live.SerializeAsString());

  v1::ListProjectionsResponse list;
  ASSERT_TRUE(reports->ListProjections(Call().get(), {}, &list).ok());
  std::vector<std::string> names;
  for (const v1::ProjectionStatus& p : list.projections()) {
    names.push_back(p.name());
    EXPECT_TRUE(p.failure().empty()) << p.name() << ": " << p.failure();
  }
  EXPECT_THAT(names,
              ::testing::UnorderedElementsAre("case-index", "report-facts"));

  rebuild.set_name("no-such-view");
  grpc::Status status =
      reports->RebuildProjection(Call().get(), rebuild, &rebuilt);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(api::ReadErrorDetails(status).reason, "PROJECTION_NOT_FOUND");
}

TEST(ReportsEndToEndTest, AFailedProjectionIsReportedNeverServedStale) {
  TempDir dir;
  {
    // A case event that does not decode, as a damaged store would hold.
    auto store = testing::OpenStoreOrDie(dir.Sub("data"));
    AppendRequest bad;
    StreamAppend stream;
    stream.stream_id = "case-broken";
    NewEvent event;
    event.id = DeriveEventId("broken", 0);
    event.type = "relog.v1.HouseholdIdentified";
    event.payload = "\xff\xff not a proto";
    stream.events.push_back(std::move(event));
    bad.streams.push_back(std::move(stream));
    ASSERT_OK(store->AppendBlocking(bad));
  }
  Relogd relogd(dir.Sub("data"), dir);
  ASSERT_FALSE(relogd.address().empty());
  auto reports = v1::Reports::NewStub(relogd.channel());

  v1::Report report;
  grpc::Status status =
      reports->GetReport(Call().get(), Progress(2023), &report);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_EQ(api::ReadErrorDetails(status).reason, "PROJECTION_FAILED");
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("position 1"));

  // The health says so for the reports, while the server still serves.
  EXPECT_EQ(HealthCheck(relogd.channel(), "relog.v1.Reports"),
            std::string("\x08\x02", 2));
  EXPECT_EQ(HealthCheck(relogd.channel()), std::string("\x08\x01", 2));

  v1::ListProjectionsResponse list;
  ASSERT_TRUE(reports->ListProjections(Call().get(), {}, &list).ok());
  bool reported = false;
  for (const v1::ProjectionStatus& p : list.projections()) {
    if (p.name() == "report-facts") {
      reported = absl::StrContains(p.failure(), "PROJECTION_FAILED");
    }
  }
  EXPECT_TRUE(reported);
}

}  // namespace
}  // namespace relog
