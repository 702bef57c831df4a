// relog-store-tool: inspect and exercise an event store folder directly.
// (relogd, the gRPC service, is the way to use relog; this tool works on the
// store alone, for operators and for the quick start until relogd exists.)
//
//   relog-store-tool --data=DIR smoke      append a demo case, read it back,
//                                          verify the chains
//   relog-store-tool --data=DIR head       the log head
//   relog-store-tool --data=DIR verify     walk both hash chains
//   relog-store-tool --data=DIR dump [--from=P] [--limit=N]
//                                          print events of the global log
//   relog-store-tool --data=DIR streams [--prefix=S]
//                                          list streams and their heads
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "storage/event_id.h"
#include "storage/event_record.h"
#include "storage/rocksdb_event_store.h"
#include "storage/sha256.h"

ABSL_FLAG(std::string, data, "var/relog", "the store's folder");
ABSL_FLAG(uint64_t, from, 1, "dump: first position");
ABSL_FLAG(uint64_t, limit, 20, "dump: how many events");
ABSL_FLAG(std::string, prefix, "", "streams: stream id prefix");

namespace relog {
namespace {

void PrintEvent(const RecordedEvent& e) {
  std::printf("%8llu  %-28s v%-4llu %-28s %s  %s  %zu bytes  %s\n",
              static_cast<unsigned long long>(e.position), e.stream_id.c_str(),
              static_cast<unsigned long long>(e.version), e.type.c_str(),
              absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", e.recorded_at,
                               absl::UTCTimeZone())
                  .c_str(),
              e.metadata.occurred_at
                  ? FormatCivilDay(*e.metadata.occurred_at).c_str()
                  : "-",
              e.payload.size(), ToHex(e.global_hash).substr(0, 16).c_str());
}

int PrintHead(EventStore& store) {
  LogHead head = store.GetLogHead();
  std::printf("log head: position %llu, global hash %s\n",
              static_cast<unsigned long long>(head.position),
              ToHex(head.global_hash).c_str());
  return 0;
}

int Verify(EventStore& store) {
  absl::StatusOr<VerifyReport> report = store.Verify();
  if (!report.ok()) {
    std::fprintf(stderr, "verify: %s\n", report.status().ToString().c_str());
    return 1;
  }
  if (!report->ok()) {
    std::printf("BROKEN at position %llu (%s): %s\n",
                static_cast<unsigned long long>(report->position),
                ProblemName(report->problem), report->detail.c_str());
    return 1;
  }
  std::printf(
      "OK: %llu events in %llu streams; head position %llu, global "
      "hash %s\n",
      static_cast<unsigned long long>(report->events_checked),
      static_cast<unsigned long long>(report->streams_checked),
      static_cast<unsigned long long>(report->head.position),
      ToHex(report->head.global_hash).c_str());
  return 0;
}

int Dump(EventStore& store) {
  absl::StatusOr<std::vector<RecordedEvent>> events = store.ReadAllForward(
      absl::GetFlag(FLAGS_from), absl::GetFlag(FLAGS_limit));
  if (!events.ok()) {
    std::fprintf(stderr, "dump: %s\n", events.status().ToString().c_str());
    return 1;
  }
  for (const RecordedEvent& e : *events) PrintEvent(e);
  return 0;
}

int Streams(EventStore& store) {
  std::string token;
  do {
    absl::StatusOr<StreamPage> page =
        store.ListStreams(absl::GetFlag(FLAGS_prefix), 1000, token);
    if (!page.ok()) {
      std::fprintf(stderr, "streams: %s\n", page.status().ToString().c_str());
      return 1;
    }
    for (const StreamHead& head : page->streams) {
      std::printf("%-40s version %-6llu position %llu\n",
                  head.stream_id.c_str(),
                  static_cast<unsigned long long>(head.version),
                  static_cast<unsigned long long>(head.position));
    }
    token = page->next_page_token;
  } while (!token.empty());
  return 0;
}

// Appends one demo case (a new stream each run), reads it back, verifies.
int Smoke(EventStore& store) {
  const std::string run = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  const std::string stream = absl::StrCat("demo-case-", run);
  const char* steps[] = {"demo.HouseholdIdentified", "demo.NoticeSent",
                         "demo.SocialDiagnosisRecorded"};
  for (uint32_t i = 0; i < 3; ++i) {
    const std::string request_id = absl::StrCat("smoke-", run, "-", i);
    AppendRequest request;
    StreamAppend append;
    append.stream_id = stream;
    append.expected =
        i == 0 ? ExpectedVersion::NoStream() : ExpectedVersion::Exact(i - 1);
    NewEvent event;
    event.id = DeriveEventId(request_id, 0);
    event.type = steps[i];
    event.payload = absl::StrCat("{\"step\":", i, "}");
    event.metadata.actor = "relog-store-tool";
    event.metadata.occurred_at = absl::CivilDay(2026, 1, 5 + i);
    append.events.push_back(std::move(event));
    request.streams.push_back(std::move(append));
    request.request = RequestRecord{request_id, request_id, ""};
    absl::StatusOr<AppendResult> result = store.AppendBlocking(request);
    if (!result.ok()) {
      std::fprintf(stderr, "append: %s\n", result.status().ToString().c_str());
      return 1;
    }
  }
  std::printf("appended 3 events to %s:\n", stream.c_str());
  absl::StatusOr<std::vector<RecordedEvent>> events =
      store.ReadStreamForward(stream, 0, 10);
  if (!events.ok() || events->size() != 3) {
    std::fprintf(stderr, "read back failed\n");
    return 1;
  }
  for (const RecordedEvent& e : *events) PrintEvent(e);
  return Verify(store);
}

}  // namespace
}  // namespace relog

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "relog-store-tool --data=DIR smoke|head|verify|dump|streams");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  if (args.size() != 2) {
    std::fprintf(stderr, "usage: %s\n", absl::ProgramUsageMessage().data());
    return 2;
  }
  relog::RocksDbEventStoreOptions options;
  options.path = absl::GetFlag(FLAGS_data);
  absl::StatusOr<std::unique_ptr<relog::EventStore>> store =
      relog::OpenRocksDbEventStore(options);
  if (!store.ok()) {
    std::fprintf(stderr, "open %s: %s\n", options.path.c_str(),
                 store.status().ToString().c_str());
    return 1;
  }
  const std::string command = args[1];
  if (command == "smoke") return relog::Smoke(**store);
  if (command == "head") return relog::PrintHead(**store);
  if (command == "verify") return relog::Verify(**store);
  if (command == "dump") return relog::Dump(**store);
  if (command == "streams") return relog::Streams(**store);
  std::fprintf(stderr, "unknown command %s\n", command.c_str());
  return 2;
}
