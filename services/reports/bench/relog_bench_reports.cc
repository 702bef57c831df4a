// relog-bench-reports: how fast reports answer, and how fast the
// projections behind them are rebuilt and follow the log, at the scale of
// the MEL and at a national scale.
//
//   relog-bench-reports [--relogd=PATH] [--relogctl=PATH]
//                       [--reference_dir=deploy/reference/mel]
//                       [--households=3500] [--seed=1] [--calls=200]
//                       [--engine_calls=50] [--year=0]
//                       [--national_households=150000] [--skip_national]
//                       [--compact] [--case_index_budget_seconds=60]
//                       [--national_engine_calls=1] [--follow_seconds=10]
//                       [--follow_writers=64] [--subscribe_seconds=120]
//                       [--dir=DIR]
//
// 1. MEL scale. Starts the Release relogd (a child process, on a fresh data
//    folder, any free port), loads `relogctl demo --households=N --seed=S`
//    through gRPC, stops relogd and reads the store in-process: the year
//    with the most case events by business date (unless --year), the
//    recorded_at of the middle case event (the `known_at` of the "as known
//    then" mode), and the engine's own time (BuildReport on a FactTable,
//    no gRPC). Then restarts relogd on the same data and calls GetReport
//    --calls times per report kind and mode (known now; known_at) through a
//    loopback stub, one call at a time: p50/p99/max in ms, target p99 < 10.
// 2. National scale (unless --skip_national). Copies the MEL cases into a
//    new store until --national_households cases (replica r of case X is
//    case X + "r" + r; replica 0 keeps the ids; ids inside the events —
//    HouseholdIdentified.reference and parent_case_id,
//    DecohabitationRecorded.new_case_id, and those in a StepCorrected's
//    replacement — are rewritten through decode → edit → EncodeCaseEvent;
//    other payloads are copied as they are; metadata kept), with large
//    appends (whole cases, ~500 events per append, several in flight).
//    Then, on that store: the raw RocksDB iterator over the log column
//    family and EventStore::ScanAll with a no-op visitor (best of two
//    rounds); a full ProjectionRunner::Rebuild() of the report facts (with
//    its FactTable listener) and of the case index, against the raw scan
//    (target >= 0.5x, stretch 0.8x) — the case index, which re-reads its
//    case's stream for every event, is by default built from position 0
//    for at most --case_index_budget_seconds (the same batches through
//    CatchUp of its empty live view, cut by the after_batch fail point) and
//    its full time extrapolated, so that a run fits in ~10 minutes on two
//    cores; 0 runs the full Rebuild(); the process's RSS with the FactTable
//    loaded; the engine's time at that scale; and, with the report-facts
//    runner following, --follow_writers threads appending further copies
//    (one case per AppendBlocking) for --follow_seconds: append rate, apply
//    rate, lag at the end, time to catch up.
// 3. Subscription catch-up (after 2, unless --subscribe_seconds=0). The case
//    index brought to the head in-process (so that relogd starts with both
//    projections at the head and the stream has the machine to itself), a
//    Release relogd started on the national store, and one
//    Subscriptions/Subscribe from position 0 (no filter, 1000 events per
//    message) read through loopback gRPC until its first caught_up message,
//    or for at most --subscribe_seconds: events/s received, and relogd's
//    CPU time over the stream (/proc/PID/stat).
//
// Release build only; not a test, not run by CI. Every folder it makes is
// removed when it exits normally.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "grpcpp/grpcpp.h"
#include "relog/v1/reports.grpc.pb.h"
#include "relog/v1/subscriptions.grpc.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "services/api/case_index.h"
#include "services/cases/event_codec.h"
#include "services/projections/projection_runner.h"
#include "services/reports/fact_table.h"
#include "services/reports/reference_cache.h"
#include "services/reports/report_context.h"
#include "services/reports/report_engine.h"
#include "services/reports/report_facts_projection.h"
#include "storage/bench/compact.h"
#include "storage/event_id.h"
#include "storage/event_store.h"
#include "storage/key_layout.h"
#include "storage/rocksdb_event_store.h"
#include "storage/rocksdb_handle.h"

ABSL_FLAG(std::string, relogd, "",
          "the relogd binary (default: next to this benchmark)");
ABSL_FLAG(std::string, relogctl, "",
          "the relogctl binary (default: next to this benchmark)");
ABSL_FLAG(std::string, reference_dir, "deploy/reference/mel",
          "the reference data relogd loads and the demo plans with");
ABSL_FLAG(int, households, 3500, "households of the MEL demo");
ABSL_FLAG(int, seed, 1, "seed of the MEL demo");
ABSL_FLAG(int, calls, 200, "GetReport calls per report kind and mode");
ABSL_FLAG(int, engine_calls, 50,
          "in-process BuildReport calls per report kind and mode (MEL)");
ABSL_FLAG(int, year, 0,
          "the reports' year (0: the year with the most case events by "
          "business date)");
ABSL_FLAG(int, national_households, 150000,
          "cases of the national store (copies of the MEL cases)");
ABSL_FLAG(bool, skip_national, false, "skip the national part");
ABSL_FLAG(bool, compact, true,
          "flush and compact the national store before the scans");
ABSL_FLAG(int, case_index_budget_seconds, 60,
          "0: the case index is rebuilt in full (ProjectionRunner::Rebuild); "
          "else it is built from position 0 for at most this long and its "
          "full rebuild extrapolated (it re-folds each case per event)");
ABSL_FLAG(int, national_engine_calls, 1,
          "in-process BuildReport calls per report kind (national)");
ABSL_FLAG(int, follow_seconds, 10,
          "how long the writers append while the report facts follow");
ABSL_FLAG(int, follow_writers, 64, "writer threads while following");
ABSL_FLAG(int, subscribe_seconds, 120,
          "at most this long for the subscription catch-up from position 0 "
          "through relogd on the national store (0: skip it)");
ABSL_FLAG(std::string, dir, "",
          "folder for the databases (default: a fresh folder under /tmp)");

namespace relog {
namespace {

namespace v1 = ::relog::v1;

constexpr size_t kEventsPerAppend = 500;
constexpr int kAppendsInFlight = 6;
constexpr absl::Duration kStartTimeout = absl::Seconds(120);
constexpr absl::Duration kCallTimeout = absl::Seconds(30);

struct BenchOptions {
  std::string dir;
  std::string relogd;
  std::string relogctl;
  std::string reference_dir;
  int households = 3500;
  int seed = 1;
  int calls = 200;
  int engine_calls = 50;
  int year = 0;
  int national_households = 150000;
  bool skip_national = false;
  bool compact = true;
  absl::Duration case_index_budget;
  int national_engine_calls = 1;
  absl::Duration follow;
  int follow_writers = 64;
  absl::Duration subscribe_budget;
};

// ---------------------------------------------------------------- helpers

// The relogd child, killed by the glog failure function so that a failed
// CHECK leaves no server behind.
std::atomic<pid_t> g_child{-1};

// The GNU spelling: glog's logging_fail_func_t carries noreturn in its type,
// which [[noreturn]] does not give.
__attribute__((noreturn)) void KillChildAndAbort() {
  const pid_t child = g_child.load();
  if (child > 0) kill(child, SIGKILL);
  abort();
}

// Stops the benchmark on an error: there is nothing to measure after one.
void CheckOk(const absl::Status& status, absl::string_view what) {
  if (!status.ok()) LOG(FATAL) << what << ": " << status;
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

double PerSecond(uint64_t n, absl::Duration d) {
  return n / std::max(1e-9, Seconds(d));
}

// Latencies in milliseconds.
struct Latencies {
  std::vector<double> ms;

  void Add(absl::Duration d) { ms.push_back(absl::ToDoubleMilliseconds(d)); }
  // At quantile q (0..1), nearest rank. Sorts.
  double Quantile(double q) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    const size_t i =
        std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()));
    return ms[i];
  }
  double Max() {
    return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end());
  }
};

void Progress(const std::string& line) {
  absl::PrintF("  .. %s  %s\n",
               absl::FormatTime("%H:%M:%S", absl::Now(), absl::UTCTimeZone()),
               line);
  std::fflush(stdout);
}

std::string FirstLineWith(const char* file, absl::string_view prefix) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, prefix)) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) return line;
      return std::string(absl::StripLeadingAsciiWhitespace(
          absl::string_view(line).substr(std::min(line.size(), colon + 1))));
    }
  }
  return "?";
}

// The process's resident set, in MiB (/proc/self/status VmRSS).
double RssMiB() {
  const std::string rss = FirstLineWith("/proc/self/status", "VmRSS");
  int64_t kib = 0;
  absl::string_view digits = rss;
  absl::ConsumeSuffix(&digits, " kB");
  if (!absl::SimpleAtoi(digits, &kib)) return 0;
  return kib / 1024.0;
}

std::string LastLines(const std::string& path, size_t n) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  const size_t from = lines.size() > n ? lines.size() - n : 0;
  std::string out;
  for (size_t i = from; i < lines.size(); ++i) {
    absl::StrAppend(&out, "     | ", lines[i], "\n");
  }
  return out;
}

uint64_t DirBytes(const std::string& path) {
  uint64_t bytes = 0;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(path, error)) {
    if (entry.is_regular_file(error)) bytes += entry.file_size(error);
  }
  return bytes;
}

std::string ReportName(v1::ReportKind kind) {
  std::string name = v1::ReportKind_Name(kind);
  absl::string_view view = name;
  absl::ConsumePrefix(&view, "REPORT_KIND_");
  return std::string(view);
}

std::vector<v1::ReportKind> AllReportKinds() {
  std::vector<v1::ReportKind> kinds;
  for (int k = v1::REPORT_KIND_PROGRESS; k <= v1::REPORT_KIND_OFFERS; ++k) {
    kinds.push_back(static_cast<v1::ReportKind>(k));
  }
  return kinds;
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  const int64_t seconds = absl::ToUnixSeconds(t);  // rounds down
  google::protobuf::Timestamp out;
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) /
                                     absl::Nanoseconds(1)));
  return out;
}

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::unique_ptr<EventStore> OpenStore(const std::string& path) {
  RocksDbEventStoreOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      OpenRocksDbEventStore(options);
  CHECK(store.ok()) << path << ": " << store.status();
  return *std::move(store);
}

// ------------------------------------------------------- child processes

// Starts argv[0] with stdout and stderr appended to `log`.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned =
      posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  CHECK_EQ(spawned, 0) << "cannot start " << argv[0] << ": "
                       << std::strerror(spawned);
  return pid;
}

// The exit status of a child, as a word.
std::string ExitText(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("signal ", WTERMSIG(status));
  return "?";
}

// relogd on a data folder, any free port.
class Relogd {
 public:
  Relogd(const BenchOptions& options, const std::string& data_dir)
      : log_(absl::StrCat(options.dir, "/relogd.log")),
        port_file_(absl::StrCat(options.dir, "/relogd.port")) {
    std::filesystem::remove(port_file_);
    pid_ = Spawn({options.relogd, "--listen=127.0.0.1:0",
                  absl::StrCat("--data_dir=", data_dir),
                  absl::StrCat("--reference_dir=", options.reference_dir),
                  absl::StrCat("--port_file=", port_file_)},
                 log_);
    g_child.store(pid_);
    const absl::Time deadline = absl::Now() + kStartTimeout;
    while (port_ == 0) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        g_child.store(-1);
        LOG(FATAL) << "relogd ended (" << ExitText(status)
                   << ") before serving; its log:\n"
                   << LastLines(log_, 20);
      }
      CHECK(absl::Now() < deadline)
          << "relogd did not serve in " << kStartTimeout << ":\n"
          << LastLines(log_, 20);
      std::ifstream in(port_file_);
      int port = 0;
      if (in >> port) port_ = port;
      if (port_ == 0) absl::SleepFor(absl::Milliseconds(20));
    }
  }
  // SIGTERM, and waits: relogd completes queued appends and closes.
  ~Relogd() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    g_child.store(-1);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      LOG(WARNING) << "relogd stopped with " << ExitText(status);
    }
  }
  Relogd(const Relogd&) = delete;
  Relogd& operator=(const Relogd&) = delete;

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  pid_t pid() const { return pid_; }

 private:
  const std::string log_;
  const std::string port_file_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// ------------------------------------------------------------ MEL scale

// What the MEL store holds, read in-process after the demo.
struct MelFacts {
  uint64_t head = 0;
  uint64_t case_events = 0;
  uint64_t cases = 0;
  std::map<int64_t, uint64_t> events_by_year;  // by occurred_at
  absl::Time first_recorded, last_recorded;
  // The case event at the middle of the load (by count of case events).
  uint64_t middle_position = 0;
  absl::Time middle_recorded;
};

MelFacts ReadMelFacts(const EventStore& store) {
  MelFacts facts;
  facts.head = store.GetLogHead().position;
  std::vector<std::pair<uint64_t, absl::Time>> case_events;
  std::map<std::string, bool> streams;
  absl::StatusOr<uint64_t> visited =
      store.ScanAll(1, UINT64_MAX, [&](const RecordedEvent& event) {
        if (!absl::StartsWith(event.stream_id, cases::kCaseStreamPrefix)) {
          return true;
        }
        case_events.emplace_back(event.position, event.recorded_at);
        if (event.version == 0) ++facts.cases;
        if (event.metadata.occurred_at.has_value()) {
          ++facts.events_by_year[event.metadata.occurred_at->year()];
        }
        return true;
      });
  CHECK(visited.ok()) << visited.status();
  facts.case_events = case_events.size();
  CHECK(!case_events.empty()) << "the demo wrote no case event";
  facts.first_recorded = case_events.front().second;
  facts.last_recorded = case_events.back().second;
  facts.middle_position = case_events[case_events.size() / 2].first;
  facts.middle_recorded = case_events[case_events.size() / 2].second;
  return facts;
}

v1::GetReportRequest MakeRequest(v1::ReportKind kind, int year,
                                 std::optional<absl::Time> known_at) {
  v1::GetReportRequest request;
  request.set_report(kind);
  request.set_year(year);
  if (known_at.has_value())
    *request.mutable_known_at() = ToTimestamp(*known_at);
  return request;
}

// One row of the results: a report kind in one mode.
struct ReportTiming {
  v1::ReportKind kind = v1::REPORT_KIND_UNSPECIFIED;
  bool known_then = false;
  Latencies grpc;
  Latencies engine;
  int tables = 0;
  int rows = 0;
  uint64_t position = 0;
  std::string error;
};

// BuildReport on `table` as known at `position`, `calls` times.
void TimeEngine(const reports::FactTable& table,
                const reports::ReferenceCache& reference, uint64_t position,
                const v1::GetReportRequest& request, int calls, Latencies* out,
                int* tables, int* rows) {
  absl::StatusOr<reports::ReportQuery> query =
      reports::ValidateReportRequest(request);
  CHECK(query.ok()) << query.status();
  absl::StatusOr<std::shared_ptr<const reference::ReferenceData>> ref =
      reference.At(position);
  CHECK(ref.ok()) << ref.status();
  for (int i = 0; i < calls; ++i) {
    const absl::Time start = absl::Now();
    absl::StatusOr<reports::ReportTables> built =
        reports::BuildReport(*query, **ref, table, position);
    out->Add(absl::Now() - start);
    CHECK(built.ok()) << built.status();
    if (tables != nullptr) {
      *tables = static_cast<int>(built->size());
      *rows = 0;
      for (const v1::ReportTable& t : *built) *rows += t.rows_size();
    }
  }
}

void PrintReportRows(std::vector<ReportTiming>& rows, bool with_grpc) {
  if (with_grpc) {
    absl::PrintF(
        "  report                mode      calls   p50 ms   p99 ms   max ms"
        "  tables  rows  position   engine p50/p99 ms\n");
  } else {
    absl::PrintF(
        "  report                mode      calls   p50 ms   p99 ms   max ms"
        "  tables  rows\n");
  }
  for (ReportTiming& row : rows) {
    Latencies& main = with_grpc ? row.grpc : row.engine;
    absl::PrintF("  %-21s %-8s  %5d %8.3f %8.3f %8.3f  %6d %5d",
                 ReportName(row.kind), row.known_then ? "known_at" : "now",
                 main.ms.size(), main.Quantile(0.5), main.Quantile(0.99),
                 main.Max(), row.tables, row.rows);
    if (with_grpc) {
      absl::PrintF("  %8u   %7.3f / %7.3f", row.position,
                   row.engine.Quantile(0.5), row.engine.Quantile(0.99));
    }
    if (!row.error.empty()) absl::PrintF("  ERROR %s", row.error);
    absl::PrintF("\n");
  }
}

// Returns the MEL store's folder.
std::string RunMel(const BenchOptions& options) {
  const std::string data = absl::StrCat(options.dir, "/mel");
  absl::PrintF("== 1. MEL scale: relogctl demo --households=%d --seed=%d\n",
               options.households, options.seed);
  absl::Duration demo_time;
  {
    Progress("starting relogd on a fresh data folder");
    Relogd relogd(options, data);
    Progress(absl::StrCat("relogd serving on ", relogd.address(),
                          "; running the demo"));
    const std::string demo_log = absl::StrCat(options.dir, "/demo.log");
    const absl::Time start = absl::Now();
    const pid_t demo =
        Spawn({options.relogctl, absl::StrCat("--server=", relogd.address()),
               "demo", absl::StrCat("--households=", options.households),
               absl::StrCat("--seed=", options.seed),
               absl::StrCat("--reference_dir=", options.reference_dir)},
              demo_log);
    int status = 0;
    CHECK_EQ(waitpid(demo, &status, 0), demo);
    demo_time = absl::Now() - start;
    Progress(absl::StrCat("demo done in ", absl::FormatDuration(demo_time),
                          " (", ExitText(status), "); its last lines:"));
    absl::PrintF("%s", LastLines(demo_log, 6));
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "the demo failed; see " << demo_log;
    Progress("stopping relogd");
  }

  // In-process: the facts of the load, and the engine's own time.
  MelFacts facts;
  int year = options.year;
  std::vector<ReportTiming> rows;
  {
    std::unique_ptr<EventStore> store = OpenStore(data);
    facts = ReadMelFacts(*store);
    if (year == 0) {
      uint64_t best = 0;
      for (const auto& [y, n] : facts.events_by_year) {
        if (n > best) {
          best = n;
          year = static_cast<int>(y);
        }
      }
    }
    absl::PrintF(
        "  store: %u events (%u case events, %u cases), %.1f MiB, demo %.0f "
        "case events/s\n",
        facts.head, facts.case_events, facts.cases, DirBytes(data) / 1048576.0,
        PerSecond(facts.case_events, demo_time));
    std::vector<std::string> years;
    for (const auto& [y, n] : facts.events_by_year) {
      years.push_back(absl::StrCat(y, ":", n));
    }
    absl::PrintF("  case events by business year: %s\n",
                 absl::StrJoin(years, " "));
    absl::PrintF("  year reported: %d%s\n", year,
                 options.year == 0 ? " (the most case events)" : " (--year)");
    absl::PrintF(
        "  known_at = recorded_at of the middle case event (position %u of "
        "%u): %s (load ran %s .. %s)\n",
        facts.middle_position, facts.head, FormatUtc(facts.middle_recorded),
        FormatUtc(facts.first_recorded), FormatUtc(facts.last_recorded));

    reports::FactTable table(&store->views(), reports::kReportFactsView);
    CheckOk(table.Load(), "FactTable::Load");
    reports::ReferenceCache reference(store.get());
    absl::StatusOr<uint64_t> known_position =
        store->PositionKnownAt(facts.middle_recorded);
    CHECK(known_position.ok()) << known_position.status();
    Progress(absl::StrCat("engine in-process: FactTable of ",
                          table.fact_count(), " facts at checkpoint ",
                          table.checkpoint(), "; known_at position ",
                          *known_position));
    for (v1::ReportKind kind : AllReportKinds()) {
      for (bool then : {false, true}) {
        ReportTiming row;
        row.kind = kind;
        row.known_then = then;
        const uint64_t position = then ? *known_position : table.checkpoint();
        TimeEngine(table, reference, position,
                   MakeRequest(kind, year, std::nullopt), 1, &row.engine,
                   nullptr, nullptr);  // warm-up
        row.engine.ms.clear();
        TimeEngine(table, reference, position,
                   MakeRequest(kind, year, std::nullopt), options.engine_calls,
                   &row.engine, &row.tables, &row.rows);
        rows.push_back(std::move(row));
      }
    }
  }

  // Through gRPC, relogd restarted on the same data (its projections are at
  // their checkpoints: nothing to catch up).
  {
    Progress("restarting relogd on the demo's data");
    Relogd relogd(options, data);
    std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(
        relogd.address(), grpc::InsecureChannelCredentials());
    std::unique_ptr<v1::Reports::Stub> stub = v1::Reports::NewStub(channel);
    Progress(absl::StrCat("GetReport x", options.calls,
                          " per report and mode, one call at a time"));
    for (ReportTiming& row : rows) {
      const v1::GetReportRequest request = MakeRequest(
          row.kind, year,
          row.known_then ? std::optional<absl::Time>(facts.middle_recorded)
                         : std::nullopt);
      for (int i = -1; i < options.calls; ++i) {  // -1: warm-up
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + kCallTimeout));
        v1::Report report;
        const absl::Time start = absl::Now();
        const grpc::Status status = stub->GetReport(&context, request, &report);
        const absl::Duration took = absl::Now() - start;
        if (!status.ok()) {
          row.error = absl::StrCat(static_cast<int>(status.error_code()), " ",
                                   status.error_message());
          break;
        }
        if (i < 0) {
          row.position = report.position();
          int rows_seen = 0;
          for (const v1::ReportTable& t : report.tables()) {
            rows_seen += t.rows_size();
          }
          if (report.tables_size() != row.tables || rows_seen != row.rows) {
            row.error = absl::StrCat("gRPC gave ", report.tables_size(), "/",
                                     rows_seen, " tables/rows");
          }
          continue;
        }
        row.grpc.Add(took);
      }
    }
    Progress("stopping relogd");
  }
  absl::PrintF(
      "\n  GetReport through gRPC (loopback, relogd Release), year %d; "
      "engine = BuildReport in-process (%d calls)\n",
      year, options.engine_calls);
  PrintReportRows(rows, /*with_grpc=*/true);
  double worst = 0;
  for (ReportTiming& row : rows)
    worst = std::max(worst, row.grpc.Quantile(0.99));
  absl::PrintF("  target: p99 < 10 ms  -> worst p99 %.3f ms: %s\n\n", worst,
               worst < 10 ? "met" : "MISSED");
  std::fflush(stdout);
  return data;
}

// -------------------------------------------------------- national scale

// A MEL event, ready to copy.
struct SourceEvent {
  std::string type;
  std::string payload;
  EventMetadata metadata;
  // Set for an event holding case ids (or the reference) to rewrite per
  // replica: its decoded form.
  std::optional<cases::CaseEvent> editable;
};

struct SourceStream {
  std::string stream_id;
  std::vector<SourceEvent> events;
};

struct Source {
  std::vector<SourceStream> cases;   // by first position
  std::vector<SourceStream> others;  // the reference stream, …
  uint64_t case_events = 0;
};

bool NeedsEdit(const v1::CaseStep& step) {
  return step.has_household_identified() || step.has_decohabitation_recorded();
}

Source ReadSource(const EventStore& store) {
  Source source;
  std::map<std::string, std::pair<bool, size_t>> where;  // case?, index
  absl::StatusOr<uint64_t> visited =
      store.ScanAll(1, UINT64_MAX, [&](const RecordedEvent& event) {
        const bool is_case =
            absl::StartsWith(event.stream_id, cases::kCaseStreamPrefix);
        std::vector<SourceStream>& list =
            is_case ? source.cases : source.others;
        auto [it, added] =
            where.try_emplace(event.stream_id, is_case, list.size());
        if (added) list.push_back(SourceStream{event.stream_id, {}});
        SourceEvent copy;
        copy.type = event.type;
        copy.payload = event.payload;
        copy.metadata = event.metadata;
        if (is_case) {
          ++source.case_events;
          if (event.type == "relog.v1.HouseholdIdentified" ||
              event.type == "relog.v1.DecohabitationRecorded" ||
              event.type == "relog.v1.StepCorrected") {
            absl::StatusOr<cases::CaseEvent> decoded =
                cases::DecodeCaseEvent(event, cases::AllDataClasses());
            CHECK(decoded.ok()) << decoded.status();
            const bool edit =
                (decoded->step.has_value() && NeedsEdit(*decoded->step)) ||
                (decoded->correction.has_value() &&
                 NeedsEdit(decoded->correction->replacement()));
            if (edit) copy.editable = *std::move(decoded);
          }
        }
        list[it->second.second].events.push_back(std::move(copy));
        return true;
      });
  CHECK(visited.ok()) << visited.status();
  return source;
}

void AppendSuffix(std::string* id, const std::string& suffix) {
  if (!id->empty()) id->append(suffix);
}

void EditStep(v1::CaseStep* step, const std::string& suffix) {
  if (step->has_household_identified()) {
    v1::HouseholdIdentified* h = step->mutable_household_identified();
    AppendSuffix(h->mutable_reference(), suffix);
    AppendSuffix(h->mutable_parent_case_id(), suffix);
  }
  if (step->has_decohabitation_recorded()) {
    AppendSuffix(step->mutable_decohabitation_recorded()->mutable_new_case_id(),
                 suffix);
  }
}

// The copy of `event` for the replica with `suffix` ("" for replica 0).
NewEvent CopyEvent(const SourceEvent& event, const std::string& suffix,
                   const std::string& request_id, uint32_t index) {
  NewEvent out;
  if (event.editable.has_value() && !suffix.empty()) {
    cases::CaseEvent edited = *event.editable;
    if (edited.step.has_value()) EditStep(&*edited.step, suffix);
    if (edited.correction.has_value() && edited.correction->has_replacement()) {
      EditStep(edited.correction->mutable_replacement(), suffix);
    }
    absl::StatusOr<NewEvent> encoded = cases::EncodeCaseEvent(edited);
    CHECK(encoded.ok()) << encoded.status();
    out = *std::move(encoded);
  } else {
    out.type = event.type;
    out.payload = event.payload;
  }
  out.id = DeriveEventId(request_id, index);
  out.metadata = event.metadata;
  return out;
}

// Case `n` of the national numbering: replica n / |cases| of source case
// n % |cases|.
StreamAppend CopyCase(const Source& source, uint64_t n,
                      const std::string& request_id, uint32_t* index) {
  const SourceStream& from = source.cases[n % source.cases.size()];
  const uint64_t replica = n / source.cases.size();
  const std::string suffix = replica == 0 ? "" : absl::StrCat("r", replica);
  StreamAppend append;
  append.stream_id = from.stream_id + suffix;
  append.expected = ExpectedVersion::NoStream();
  for (const SourceEvent& event : from.events) {
    append.events.push_back(CopyEvent(event, suffix, request_id, (*index)++));
  }
  return append;
}

// Appends with a bounded number in flight (EventStore::Append callbacks).
class PipelinedAppender {
 public:
  explicit PipelinedAppender(EventStore* store) : store_(store) {}
  ~PipelinedAppender() { Drain(); }

  void Submit(AppendRequest request) ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](int* n) { return *n < kAppendsInFlight; }, &in_flight_));
      ++in_flight_;
    }
    store_->Append(std::move(request),
                   [this](absl::StatusOr<AppendResult> appended) {
                     CHECK(appended.ok()) << appended.status();
                     absl::MutexLock lock(&mu_);
                     --in_flight_;
                   });
  }
  void Drain() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &in_flight_));
  }

 private:
  EventStore* const store_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

// Fills `path` with the other streams once, then `households` cases.
uint64_t BuildNationalStore(const std::string& path, const Source& source,
                            uint64_t households) {
  std::unique_ptr<EventStore> store = OpenStore(path);
  PipelinedAppender appender(store.get());
  uint64_t appends = 0;
  for (const SourceStream& stream : source.others) {
    const std::string request_id = absl::StrCat("national-", appends++);
    AppendRequest request;
    StreamAppend append;
    append.stream_id = stream.stream_id;
    append.expected = ExpectedVersion::NoStream();
    uint32_t index = 0;
    for (const SourceEvent& event : stream.events) {
      append.events.push_back(CopyEvent(event, "", request_id, index++));
    }
    request.streams.push_back(std::move(append));
    appender.Submit(std::move(request));
  }
  uint64_t next_report = households / 10;
  for (uint64_t n = 0; n < households;) {
    const std::string request_id = absl::StrCat("national-", appends++);
    AppendRequest request;
    uint32_t index = 0;
    while (n < households && index < kEventsPerAppend) {
      request.streams.push_back(CopyCase(source, n++, request_id, &index));
    }
    appender.Submit(std::move(request));
    if (n >= next_report) {
      Progress(absl::StrCat(n, " cases queued, log at ",
                            store->GetLogHead().position));
      next_report += households / 10;
    }
  }
  appender.Drain();
  return store->GetLogHead().position;
}

// The log column family through one raw iterator, every key and value
// touched (relog_bench_store's ScanRaw): what RocksDB itself reads at.
double ScanRawRate(const std::string& path, uint64_t expected) {
  absl::StatusOr<std::unique_ptr<RocksDbHandle>> handle =
      RocksDbHandle::Open({path});
  CHECK(handle.ok()) << handle.status();
  uint64_t events = 0, touched = 0;
  const absl::Time begin = absl::Now();
  {
    RocksDbHandle::Use use(handle->get());
    std::unique_ptr<rocksdb::Iterator> it(
        use.db()->NewIterator(rocksdb::ReadOptions(), use.cf(layout::kLog)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const rocksdb::Slice key = it->key();
      const rocksdb::Slice value = it->value();
      touched += key.size() + static_cast<uint8_t>(key[key.size() - 1]) +
                 value.size() + static_cast<uint8_t>(value[value.size() - 1]);
      ++events;
    }
    CHECK(it->status().ok()) << it->status().ToString();
  }
  const absl::Duration elapsed = absl::Now() - begin;
  CHECK_EQ(events, expected);
  CHECK_GT(touched, 0u);
  return PerSecond(events, elapsed);
}

// EventStore::ScanAll with a visitor that does nothing but count.
double ScanAllRate(const std::string& path, uint64_t expected) {
  std::unique_ptr<EventStore> store = OpenStore(path);
  const absl::Time begin = absl::Now();
  uint64_t seen = 0;
  absl::StatusOr<uint64_t> visited =
      store->ScanAll(1, UINT64_MAX, [&](const RecordedEvent&) {
        ++seen;
        return true;
      });
  const absl::Duration elapsed = absl::Now() - begin;
  CHECK(visited.ok()) << visited.status();
  CHECK_EQ(*visited, expected);
  return PerSecond(*visited, elapsed);
}

// A projection's full rebuild, timed.
absl::Duration TimeRebuild(projections::ProjectionRunner& runner) {
  const absl::Time begin = absl::Now();
  const absl::Status rebuilt = runner.Rebuild();
  const absl::Duration elapsed = absl::Now() - begin;
  CheckOk(rebuilt, "Rebuild");
  return elapsed;
}

// Returns the national store's head when done.
uint64_t RunNational(const BenchOptions& options, const std::string& mel) {
  absl::PrintF("== 2. national scale: %d households (copies of the MEL's)\n",
               options.national_households);
  Source source;
  {
    std::unique_ptr<EventStore> store = OpenStore(mel);
    source = ReadSource(*store);
  }
  CHECK(!source.cases.empty());
  uint64_t edited = 0;
  for (const SourceStream& c : source.cases) {
    for (const SourceEvent& e : c.events) edited += e.editable.has_value();
  }
  Progress(absl::StrCat("read ", source.cases.size(), " MEL cases (",
                        source.case_events, " events, ", edited,
                        " rewritten per replica) and ", source.others.size(),
                        " other streams"));

  const std::string path = absl::StrCat(options.dir, "/national");
  const uint64_t households =
      static_cast<uint64_t>(options.national_households);
  const absl::Time fill_start = absl::Now();
  const uint64_t head = BuildNationalStore(path, source, households);
  const absl::Duration fill_time = absl::Now() - fill_start;
  absl::PrintF(
      "  store: %u events, %u cases, built in %s (%.0f events/s, ~%u events "
      "per append, %d in flight)\n",
      head, households, absl::FormatDuration(fill_time),
      PerSecond(head, fill_time), kEventsPerAppend, kAppendsInFlight);
  if (options.compact) {
    Progress("flushing and compacting");
    const absl::Duration compacted = bench::Compact(path);
    absl::PrintF("  flushed and compacted in %s; %.0f MiB on disk\n",
                 absl::FormatDuration(compacted), DirBytes(path) / 1048576.0);
  } else {
    absl::PrintF("  not compacted; %.0f MiB on disk\n",
                 DirBytes(path) / 1048576.0);
  }

  // Scans: two rounds alternating, best of each (the first warms the page
  // cache).
  Progress("scanning $all: raw iterator and ScanAll, two rounds");
  double raw = 0, scan_all = 0;
  for (int round = 0; round < 2; ++round) {
    raw = std::max(raw, ScanRawRate(path, head));
    scan_all = std::max(scan_all, ScanAllRate(path, head));
  }

  std::unique_ptr<EventStore> store = OpenStore(path);
  const double rss_before = RssMiB();
  reports::FactTable table(&store->views(), reports::kReportFactsView);
  CheckOk(table.Load(), "FactTable::Load");
  projections::RunnerOptions facts_options;
  facts_options.listener = &table;
  projections::ProjectionRunner facts(
      store.get(), std::make_unique<reports::ReportFactsProjection>(),
      facts_options);
  Progress("rebuilding the report facts from position 0");
  const absl::Duration facts_time = TimeRebuild(facts);
  CHECK_EQ(table.checkpoint(), head);
  CheckOk(table.health(), "FactTable health");
  const double rss_after = RssMiB();
  const absl::Time load_start = absl::Now();
  CheckOk(table.Load(), "FactTable::Load");
  const absl::Duration load_time = absl::Now() - load_start;

  // The case index: a full Rebuild, or the same batches from position 0
  // (CatchUp of its empty live view) cut by the fail point at the budget.
  const bool bounded = options.case_index_budget > absl::ZeroDuration();
  Progress(absl::StrCat(
      "building the case index from position 0",
      bounded
          ? absl::StrCat(" (at most ",
                         absl::FormatDuration(options.case_index_budget), ")")
          : std::string()));
  const absl::Time index_deadline = absl::Now() + options.case_index_budget;
  const api::NaturalKeyHasher natural_keys("relog_bench_reports secret");
  projections::RunnerOptions index_options;
  if (bounded) {
    index_options.after_batch = [index_deadline](uint64_t) {
      return absl::Now() < index_deadline;
    };
  }
  projections::ProjectionRunner index(
      store.get(),
      std::make_unique<api::CaseIndexProjection>(store.get(), &natural_keys),
      index_options);
  absl::Duration index_time;
  uint64_t index_events = head;
  if (bounded) {
    const absl::Time begin = absl::Now();
    CheckOk(index.CatchUp(), "case index CatchUp");
    index_time = absl::Now() - begin;
    index_events = index.health().checkpoint;
  } else {
    index_time = TimeRebuild(index);
  }

  const double facts_rate = PerSecond(head, facts_time);
  const double index_rate = PerSecond(index_events, index_time);
  absl::PrintF("\n  $all over %u events                     events/s   x raw\n",
               head);
  absl::PrintF("  raw RocksDB iterator (log CF)        %11.0f   1.00\n", raw);
  absl::PrintF("  EventStore::ScanAll, no-op visitor   %11.0f   %4.2f\n",
               scan_all, scan_all / raw);
  absl::PrintF(
      "  Rebuild report-facts (+FactTable)    %11.0f   %4.2f   %s "
      "(FactTable::Load of the view alone: %s)\n",
      facts_rate, facts_rate / raw, absl::FormatDuration(facts_time),
      absl::FormatDuration(load_time));
  if (index_events == head) {
    absl::PrintF("  %s case-index                   %11.0f   %4.2f   %s\n",
                 bounded ? "Build  " : "Rebuild", index_rate, index_rate / raw,
                 absl::FormatDuration(index_time));
  } else {
    absl::PrintF(
        "  Build case-index (first %u events) %9.0f   %4.2f   %s; the full "
        "rebuild would take ~%s\n",
        index_events, index_rate, index_rate / raw,
        absl::FormatDuration(index_time),
        absl::FormatDuration(absl::Seconds(
            static_cast<int64_t>(head / std::max(1.0, index_rate)))));
  }
  // Every projection at once, as RebuildProjection with no name does: one
  // thread each, side by side.
  Progress("rebuilding every projection side by side");
  const absl::Time both_start = absl::Now();
  absl::Status facts_rebuilt, index_rebuilt;
  {
    std::thread facts_thread([&] { facts_rebuilt = facts.Rebuild(); });
    std::thread index_thread([&] { index_rebuilt = index.Rebuild(); });
    facts_thread.join();
    index_thread.join();
  }
  const absl::Duration both_time = absl::Now() - both_start;
  CheckOk(facts_rebuilt, "Rebuild report-facts");
  CheckOk(index_rebuilt, "Rebuild case-index");
  const double both_rate = PerSecond(head, both_time);
  absl::PrintF("  Rebuild all projections side by side %11.0f   %4.2f   %s\n",
               both_rate, both_rate / raw, absl::FormatDuration(both_time));
  absl::PrintF(
      "  target: rebuild >= 0.50x raw (stretch 0.80x) -> report-facts %s, "
      "case-index %s\n",
      facts_rate / raw >= 0.8   ? "met (stretch)"
      : facts_rate / raw >= 0.5 ? "met"
                                : "MISSED",
      index_rate / raw >= 0.8   ? "met (stretch)"
      : index_rate / raw >= 0.5 ? "met"
                                : "MISSED");
  absl::PrintF(
      "  memory: VmRSS %.0f MiB with the FactTable holding %u facts "
      "(%.0f MiB before it was filled; the MEL source copy is resident "
      "too)\n",
      rss_after, table.fact_count(), rss_before);
  std::fflush(stdout);

  // The engine at this scale.
  {
    reports::ReferenceCache reference(store.get());
    std::vector<ReportTiming> rows;
    for (v1::ReportKind kind : AllReportKinds()) {
      ReportTiming row;
      row.kind = kind;
      TimeEngine(table, reference, table.checkpoint(),
                 MakeRequest(kind, options.year == 0 ? 2023 : options.year,
                             std::nullopt),
                 options.national_engine_calls, &row.engine, &row.tables,
                 &row.rows);
      rows.push_back(std::move(row));
    }
    absl::PrintF(
        "\n  engine at national scale: BuildReport in-process, known now, "
        "year %d\n",
        options.year == 0 ? 2023 : options.year);
    PrintReportRows(rows, /*with_grpc=*/false);
  }

  // Following: the runner Started, writers appending as fast as the store
  // takes them.
  Progress(absl::StrCat("following: ", options.follow_writers, " writers for ",
                        absl::FormatDuration(options.follow)));
  facts.Start();
  CheckOk(facts.WaitFor(head, absl::Now() + absl::Seconds(60)),
          "report facts at the head");
  std::atomic<uint64_t> next_case{households};
  std::atomic<uint64_t> appended_events{0};
  std::atomic<bool> stop{false};
  const uint64_t checkpoint_start = facts.health().checkpoint;
  const absl::Time follow_start = absl::Now();
  std::vector<std::thread> writers;
  for (int w = 0; w < options.follow_writers; ++w) {
    writers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        const uint64_t n = next_case.fetch_add(1);
        const std::string request_id = absl::StrCat("follow-", n);
        uint32_t index = 0;
        AppendRequest request;
        request.streams.push_back(CopyCase(source, n, request_id, &index));
        absl::StatusOr<AppendResult> appended =
            store->AppendBlocking(std::move(request));
        CHECK(appended.ok()) << appended.status();
        appended_events.fetch_add(index, std::memory_order_relaxed);
      }
    });
  }
  absl::SleepFor(options.follow);
  stop.store(true);
  for (std::thread& writer : writers) writer.join();
  const absl::Duration window = absl::Now() - follow_start;
  const uint64_t head_end = store->GetLogHead().position;
  const uint64_t checkpoint_end = facts.health().checkpoint;
  const absl::Time catch_start = absl::Now();
  CheckOk(facts.WaitFor(head_end, absl::Now() + absl::Seconds(600)),
          "report facts catching up");
  const absl::Duration catch_up = absl::Now() - catch_start;
  facts.Stop();
  absl::PrintF(
      "\n  following (report-facts runner started, %d writers, one case of "
      "~%u events per AppendBlocking, %s):\n",
      options.follow_writers,
      static_cast<uint64_t>(source.case_events / source.cases.size()),
      absl::FormatDuration(window));
  absl::PrintF("  appended     %9u events  %9.0f events/s  (%u cases)\n",
               appended_events.load(), PerSecond(appended_events, window),
               next_case.load() - households);
  absl::PrintF(
      "  applied      %9u events  %9.0f events/s  %4.2fx the append "
      "rate\n",
      checkpoint_end - checkpoint_start,
      PerSecond(checkpoint_end - checkpoint_start, window),
      static_cast<double>(checkpoint_end - checkpoint_start) /
          std::max<uint64_t>(1, head_end - head));
  const uint64_t lag = head_end - checkpoint_end;
  absl::PrintF(
      "  lag when the writers stopped: %u events; caught up %s later%s\n", lag,
      absl::FormatDuration(catch_up),
      lag == 0 ? ""
               : absl::StrFormat(" (%.0f events/s alone)",
                                 PerSecond(lag, catch_up)));
  absl::PrintF("  memory: VmRSS %.0f MiB at the end (FactTable %u facts)\n\n",
               RssMiB(), table.fact_count());

  if (options.subscribe_budget > absl::ZeroDuration()) {
    // The following writers moved the log on without the case index: bring
    // it to the head here (a runner without the budget's fail point), so
    // that relogd, started on this store next, has no catch-up of its own
    // competing with the subscription for the two cores.
    projections::ProjectionRunner index_to_head(
        store.get(),
        std::make_unique<api::CaseIndexProjection>(store.get(), &natural_keys));
    Progress("bringing the case index to the head before relogd");
    CheckOk(index_to_head.CatchUp(), "case index CatchUp");
  }
  return head_end;
}

// CPU seconds (user + system) a process used so far, from /proc/PID/stat.
double CpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces, in parentheses):
  // state is field 3, utime 14, stime 15.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::vector<std::string> fields =
      absl::StrSplit(stat.substr(paren + 2), ' ', absl::SkipEmpty());
  int64_t utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return 0;
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

// 3. One subscription from position 0 through relogd on the national store.
void RunSubscription(const BenchOptions& options, uint64_t head) {
  absl::PrintF(
      "== 3. subscription catch-up: Subscribe from position 0 through "
      "relogd, national store (%u events)\n",
      head);
  Progress("starting relogd on the national store");
  Relogd relogd(options, absl::StrCat(options.dir, "/national"));
  std::unique_ptr<v1::Subscriptions::Stub> stub =
      v1::Subscriptions::NewStub(grpc::CreateChannel(
          relogd.address(), grpc::InsecureChannelCredentials()));
  v1::SubscribeRequest request;
  request.set_after_position(0);
  request.set_max_batch_events(1000);
  grpc::ClientContext context;
  Progress(absl::StrCat("subscribing from position 0 (at most ",
                        absl::FormatDuration(options.subscribe_budget), ")"));
  const double cpu_start = CpuSeconds(relogd.pid());
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + options.subscribe_budget;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
      stub->Subscribe(&context, request);
  v1::SubscribeResponse response;
  uint64_t events = 0, messages = 0, position = 0;
  bool caught_up = false;
  while (reader->Read(&response)) {
    events += response.events_size();
    ++messages;
    position = response.position();
    if (response.caught_up()) {
      caught_up = true;
      break;
    }
    if (absl::Now() >= deadline) break;
  }
  const absl::Duration elapsed = absl::Now() - start;
  const double cpu = CpuSeconds(relogd.pid()) - cpu_start;
  context.TryCancel();
  while (reader->Read(&response)) {
  }
  const grpc::Status finished = reader->Finish();
  if (!caught_up && finished.error_code() != grpc::StatusCode::CANCELLED) {
    LOG(FATAL) << "Subscribe ended: " << finished.error_code() << " "
               << finished.error_message();
  }
  absl::PrintF(
      "  %s: %u case events in %u messages, position %u of %u, in %s\n",
      caught_up ? "caught up" : "budget spent before catching up", events,
      messages, position, head, absl::FormatDuration(elapsed));
  absl::PrintF(
      "  subscription catch-up %11.0f events/s  (%.0f positions/s; relogd "
      "CPU %.1f s = %.2f cores)\n\n",
      PerSecond(events, elapsed), PerSecond(position, elapsed), cpu,
      cpu / std::max(1e-9, Seconds(elapsed)));
  std::fflush(stdout);
}

void PrintFacts(const BenchOptions& options, int argc, char** argv) {
  utsname u;
  uname(&u);
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::PrintF("relog-bench-reports\n");
  absl::PrintF("  date         %s\n",
               absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", absl::Now(),
                                absl::LocalTimeZone()));
  absl::PrintF("  nproc        %u\n", std::thread::hardware_concurrency());
  absl::PrintF("  cpu          %s\n",
               FirstLineWith("/proc/cpuinfo", "model name"));
  absl::PrintF("  memory       %s\n",
               FirstLineWith("/proc/meminfo", "MemTotal"));
  absl::PrintF("  kernel       %s %s\n", u.sysname, u.release);
  absl::PrintF("  dir          %s\n", options.dir);
  absl::PrintF("  relogd       %s\n", options.relogd);
  absl::PrintF(
      "  reproduce    make release && ninja -C build/release "
      "relog-bench-reports relogd relogctl\n");
  absl::PrintF("               build/bin/relog-bench-reports %s\n",
               absl::StrJoin(args, " "));
  absl::PrintF("               (or: make bench-reports BENCH_ARGS='%s')\n\n",
               absl::StrJoin(args, " "));
  std::fflush(stdout);
}

}  // namespace
}  // namespace relog

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "benchmarks the reports and their projections; see the file comment");
  absl::ParseCommandLine(argc, argv);
  // As relogd's Release build: Debian's Abseil tracks every lock for its
  // deadlock detector unless told not to.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  google::InitGoogleLogging(argv[0]);
  google::InstallFailureFunction(&relog::KillChildAndAbort);
  FLAGS_logtostderr = true;

  relog::BenchOptions options;
  std::error_code error;
  const std::filesystem::path self =
      std::filesystem::read_symlink("/proc/self/exe", error);
  const std::string bin = error ? "." : self.parent_path().string();
  options.relogd = absl::GetFlag(FLAGS_relogd);
  if (options.relogd.empty()) options.relogd = bin + "/relogd";
  options.relogctl = absl::GetFlag(FLAGS_relogctl);
  if (options.relogctl.empty()) options.relogctl = bin + "/relogctl";
  options.reference_dir =
      std::filesystem::absolute(absl::GetFlag(FLAGS_reference_dir)).string();
  options.households = std::max(1, absl::GetFlag(FLAGS_households));
  options.seed = absl::GetFlag(FLAGS_seed);
  options.calls = std::max(1, absl::GetFlag(FLAGS_calls));
  options.engine_calls = std::max(1, absl::GetFlag(FLAGS_engine_calls));
  options.year = std::max(0, absl::GetFlag(FLAGS_year));
  options.national_households =
      std::max(1, absl::GetFlag(FLAGS_national_households));
  options.skip_national = absl::GetFlag(FLAGS_skip_national);
  options.compact = absl::GetFlag(FLAGS_compact);
  options.case_index_budget = absl::Seconds(
      std::max(0, absl::GetFlag(FLAGS_case_index_budget_seconds)));
  options.national_engine_calls =
      std::max(1, absl::GetFlag(FLAGS_national_engine_calls));
  options.follow =
      absl::Seconds(std::max(1, absl::GetFlag(FLAGS_follow_seconds)));
  options.follow_writers = std::max(1, absl::GetFlag(FLAGS_follow_writers));
  options.subscribe_budget =
      absl::Seconds(std::max(0, absl::GetFlag(FLAGS_subscribe_seconds)));
  for (const std::string* binary : {&options.relogd, &options.relogctl}) {
    if (access(binary->c_str(), X_OK) != 0) {
      std::fprintf(stderr,
                   "%s: not found; build it: ninja -C build/release relogd "
                   "relogctl\n",
                   binary->c_str());
      return 2;
    }
  }
  if (!std::filesystem::is_directory(options.reference_dir)) {
    std::fprintf(stderr, "--reference_dir %s: not a folder\n",
                 options.reference_dir.c_str());
    return 2;
  }
  // A folder of our own, removed at exit, inside --dir or /tmp.
  std::string base = absl::GetFlag(FLAGS_dir);
  if (base.empty()) base = "/tmp";
  std::filesystem::create_directories(base);
  std::string pattern = base + "/relog-bench-reports-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror(pattern.c_str());
    return 1;
  }
  options.dir = pattern;

  relog::PrintFacts(options, argc, argv);
  const absl::Time start = absl::Now();
  const std::string mel = relog::RunMel(options);
  if (!options.skip_national) {
    const uint64_t head = relog::RunNational(options, mel);
    if (options.subscribe_budget > absl::ZeroDuration()) {
      relog::RunSubscription(options, head);
    }
  }
  absl::PrintF("total %s\n", absl::FormatDuration(absl::Now() - start));
  std::filesystem::remove_all(options.dir);
  return 0;
}
