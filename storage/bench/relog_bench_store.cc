// relog-bench-store: how close the event store comes to what RocksDB itself
// can do on this machine, for synced appends and for scans of $all.
//
//   relog-bench-store [--dir=DIR] [--seconds=5] [--writers=1,16,64]
//                     [--event_bytes=500] [--scan_events=1000000]
//
// For each writer count W it runs, for --seconds each:
//   store  W threads, each appending one event per append to its own stream
//          (exact expected versions) through EventStore::AppendBlocking;
//   raw    W threads, each writing the same key/value pairs the store writes
//          for such an append (log record with both hashes, stream index,
//          event id, stream head; encoded with the store's own encoders) as
//          one rocksdb::WriteBatch with WriteOptions.sync, on a RocksDbHandle
//          (same column families and options as the store). RocksDB merges
//          concurrent synced writes itself (its write group), so this is the
//          limit the store's own group commit should reach.
// It first measures the disk's fdatasync latency. Last it fills a store with
// --scan_events events (1000 per append), flushes and compacts it, and reads
// the log back through ScanAll (the store's scan, measured against the
// target), through ReadAllForward (pages of 1000, every event materialised)
// and through one raw iterator over the log column family; a last pass (raw
// iterator plus the store's DecodeStoredRecord) shows what decoding costs.
//
// Release build only; not a test. Every folder it makes is removed when it
// exits normally.
#include <fcntl.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
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
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/version.h"
#include "rocksdb/write_batch.h"
#include "storage/bench/compact.h"
#include "storage/bench/run_threads.h"
#include "storage/event_id.h"
#include "storage/event_record.h"
#include "storage/event_store.h"
#include "storage/key_layout.h"
#include "storage/rocksdb_event_store.h"
#include "storage/rocksdb_handle.h"
#include "storage/sha256.h"

ABSL_FLAG(std::string, dir, "",
          "folder for the databases (default: a fresh folder under /tmp)");
ABSL_FLAG(int, seconds, 5, "duration of each append run, in seconds");
ABSL_FLAG(std::string, writers, "1,16,64", "writer counts, comma-separated");
ABSL_FLAG(int, event_bytes, 500, "payload bytes per event");
ABSL_FLAG(int64_t, scan_events, 1000000,
          "events in the scanned store (0: skip the scan)");

namespace relog {
namespace {

using bench::RunResult;
using bench::RunThreads;

struct BenchOptions {
  std::string dir;
  absl::Duration run;
  std::vector<int> writers;
  size_t event_bytes = 500;
  uint64_t scan_events = 0;
};

constexpr size_t kScanPage = 1000;
constexpr size_t kFillEventsPerAppend = 1000;
constexpr int kFillInFlight = 4;
constexpr size_t kPayloadPool = 1024;
constexpr absl::Duration kMaxFsyncProbe = absl::Seconds(2);

// Distinct incompressible payloads, so that block compression does not
// flatter either side.
std::vector<std::string> MakePayloads(size_t bytes) {
  std::mt19937_64 rng(42);
  std::vector<std::string> payloads(kPayloadPool);
  for (std::string& p : payloads) {
    p.resize(bytes);
    for (char& c : p) c = static_cast<char>(rng());
  }
  return payloads;
}

NewEvent MakeEvent(absl::string_view request_id, uint32_t index,
                   const std::string& payload) {
  NewEvent event;
  event.id = DeriveEventId(request_id, index);
  event.type = "relog.bench.EventRecorded";
  event.payload = payload;
  event.metadata.actor = "bench";
  event.metadata.correlation_id = std::string(request_id);
  event.metadata.occurred_at = absl::CivilDay(2024, 3, 15);
  return event;
}

int64_t NanosSince(absl::Time start) {
  return absl::ToInt64Nanoseconds(absl::Now() - start);
}

// (a) The store: one event per append, sync, one stream per writer.
RunResult BenchStore(const BenchOptions& options, int writers,
                     const std::vector<std::string>& payloads) {
  const std::string path = absl::StrCat(options.dir, "/store-w", writers);
  RocksDbEventStoreOptions store_options;
  store_options.path = path;
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      OpenRocksDbEventStore(store_options);
  CHECK(store.ok()) << store.status();
  RunResult result = RunThreads(
      writers, options.run, [&](int t, const std::atomic<bool>& stop) {
        std::vector<int64_t> latencies;
        const std::string stream_id = absl::StrCat("bench-", t);
        for (uint64_t version = 0; !stop.load(std::memory_order_relaxed);
             ++version) {
          const std::string request_id =
              absl::StrCat("w", writers, "-", t, "-", version);
          AppendRequest request;
          StreamAppend append;
          append.stream_id = stream_id;
          append.expected = version == 0 ? ExpectedVersion::NoStream()
                                         : ExpectedVersion::Exact(version - 1);
          append.events.push_back(MakeEvent(
              request_id, 0, payloads[(t + version) % payloads.size()]));
          request.streams.push_back(std::move(append));
          const absl::Time start = absl::Now();
          absl::StatusOr<AppendResult> appended =
              (*store)->AppendBlocking(std::move(request));
          latencies.push_back(NanosSince(start));
          CHECK(appended.ok()) << appended.status();
        }
        return latencies;
      });
  store->reset();
  std::filesystem::remove_all(path);
  return result;
}

// (b) The limit: the same pairs, one synced WriteBatch per append.
RunResult BenchRaw(const BenchOptions& options, int writers,
                   const std::vector<std::string>& payloads) {
  const std::string path = absl::StrCat(options.dir, "/raw-w", writers);
  absl::StatusOr<std::unique_ptr<RocksDbHandle>> handle =
      RocksDbHandle::Open({path});
  CHECK(handle.ok()) << handle.status();
  std::atomic<uint64_t> last_position{0};
  RunResult result = RunThreads(
      writers, options.run, [&](int t, const std::atomic<bool>& stop) {
        std::vector<int64_t> latencies;
        RocksDbHandle::Use use(handle->get());
        rocksdb::WriteOptions sync;
        sync.sync = true;
        RecordedEvent event;
        event.stream_id = absl::StrCat("bench-", t);
        // Each writer chains its own hashes: the same work as the store's
        // writer, without a global order to wait for.
        std::string stream_hash = ZeroHash();
        std::string global_hash = ZeroHash();
        std::string record;
        for (uint64_t version = 0; !stop.load(std::memory_order_relaxed);
             ++version) {
          const std::string request_id =
              absl::StrCat("w", writers, "-", t, "-", version);
          const absl::Time start = absl::Now();
          NewEvent in = MakeEvent(request_id, 0,
                                  payloads[(t + version) % payloads.size()]);
          event.version = version;
          event.position = last_position.fetch_add(1) + 1;
          event.recorded_at = absl::FromUnixMicros(absl::ToUnixMicros(start));
          event.id = in.id;
          event.type = std::move(in.type);
          event.payload = std::move(in.payload);
          event.metadata = std::move(in.metadata);
          record.clear();
          AppendCanonicalEvent(event, &record);
          stream_hash = NextStreamHash(stream_hash, record);
          global_hash =
              NextGlobalHash(global_hash, event.position, stream_hash);
          record.append(stream_hash);
          record.append(global_hash);
          rocksdb::WriteBatch batch;
          CHECK(batch
                    .Put(use.cf(layout::kLog), layout::LogKey(event.position),
                         record)
                    .ok());
          CHECK(batch
                    .Put(use.cf(layout::kStreamIndex),
                         layout::StreamIndexKey(event.stream_id, version),
                         layout::EncodePosition(event.position))
                    .ok());
          CHECK(batch
                    .Put(use.cf(layout::kEventIds),
                         layout::EventIdKey(event.id),
                         layout::EncodePosition(event.position))
                    .ok());
          CHECK(batch
                    .Put(use.cf(layout::kHeads), event.stream_id,
                         layout::EncodeHead(StreamHead{event.stream_id, version,
                                                       event.position,
                                                       stream_hash}))
                    .ok());
          rocksdb::Status written = use.db()->Write(sync, &batch);
          latencies.push_back(NanosSince(start));
          CHECK(written.ok()) << written.ToString();
        }
        return latencies;
      });
  handle->reset();
  std::filesystem::remove_all(path);
  return result;
}

// 4 KiB written then fdatasync, in a loop. `append`: at the end of the file,
// so every sync also commits the new size to the file system's journal;
// otherwise in place in a file written and synced beforehand (what a WAL in
// preallocated space pays).
RunResult BenchFdatasync(const BenchOptions& options, bool append) {
  constexpr size_t kBlock = 4096;
  constexpr size_t kPreallocated = 1024 * kBlock;
  const std::string path = absl::StrCat(options.dir, "/fdatasync-probe");
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  PCHECK(fd >= 0) << path;
  const std::string block(kBlock, 'x');
  if (!append) {
    for (size_t i = 0; i < kPreallocated; i += kBlock) {
      PCHECK(write(fd, block.data(), kBlock) == static_cast<ssize_t>(kBlock));
    }
    PCHECK(fsync(fd) == 0);
  }
  RunResult result;
  const absl::Time begin = absl::Now();
  const absl::Duration run = std::min(options.run, kMaxFsyncProbe);
  for (size_t i = 0; absl::Now() - begin < run; ++i) {
    const absl::Time start = absl::Now();
    const ssize_t written =
        append ? write(fd, block.data(), kBlock)
               : pwrite(fd, block.data(), kBlock,
                        static_cast<off_t>((i * kBlock) % kPreallocated));
    PCHECK(written == static_cast<ssize_t>(kBlock));
    PCHECK(fdatasync(fd) == 0);
    result.latencies_ns.push_back(NanosSince(start));
  }
  result.elapsed = absl::Now() - begin;
  result.events = result.latencies_ns.size();
  close(fd);
  std::filesystem::remove(path);
  return result;
}

// Fills a store with options.scan_events events, kFillEventsPerAppend per
// append (each append starts a stream), kFillInFlight appends queued.
RunResult FillStore(const std::string& path, const BenchOptions& options,
                    const std::vector<std::string>& payloads) {
  RocksDbEventStoreOptions store_options;
  store_options.path = path;
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      OpenRocksDbEventStore(store_options);
  CHECK(store.ok()) << store.status();
  absl::Mutex mu;
  int in_flight = 0;
  const absl::Time begin = absl::Now();
  uint64_t queued = 0;
  for (uint64_t n = 0; queued < options.scan_events; ++n) {
    const size_t count = static_cast<size_t>(
        std::min<uint64_t>(kFillEventsPerAppend, options.scan_events - queued));
    const std::string request_id = absl::StrCat("fill-", n);
    AppendRequest request;
    StreamAppend append;
    append.stream_id = absl::StrCat("scan-", n);
    append.expected = ExpectedVersion::NoStream();
    for (size_t i = 0; i < count; ++i) {
      append.events.push_back(
          MakeEvent(request_id, static_cast<uint32_t>(i),
                    payloads[(queued + i) % payloads.size()]));
    }
    request.streams.push_back(std::move(append));
    queued += count;
    {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(
          +[](int* n) { return *n < kFillInFlight; }, &in_flight));
      ++in_flight;
    }
    (*store)->Append(std::move(request),
                     [&](absl::StatusOr<AppendResult> appended) {
                       CHECK(appended.ok()) << appended.status();
                       absl::MutexLock lock(&mu);
                       --in_flight;
                     });
  }
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &in_flight));
  }
  RunResult result;
  result.elapsed = absl::Now() - begin;
  result.events = queued;
  CHECK_EQ((*store)->GetLogHead().position, queued);
  return result;
}

// Each scan opens and closes the store: its database lock excludes the raw
// passes.
std::unique_ptr<EventStore> OpenForScan(const std::string& path) {
  RocksDbEventStoreOptions store_options;
  store_options.path = path;
  absl::StatusOr<std::unique_ptr<EventStore>> store =
      OpenRocksDbEventStore(store_options);
  CHECK(store.ok()) << store.status();
  return *std::move(store);
}

// The whole log through ScanAll, the store's scan for projections,
// subscriptions and audits.
RunResult ScanStoreVisiting(const std::string& path) {
  std::unique_ptr<EventStore> store = OpenForScan(path);
  uint64_t touched = 0;
  RunResult result;
  const absl::Time begin = absl::Now();
  absl::StatusOr<uint64_t> visited =
      store->ScanAll(1, UINT64_MAX, [&](const RecordedEvent& event) {
        touched += event.payload.size() + event.position;
        return true;
      });
  CHECK(visited.ok()) << visited.status();
  result.events = *visited;
  result.elapsed = absl::Now() - begin;
  CHECK_GT(touched, 0u);
  return result;
}

// The whole log through ReadAllForward, in pages (each event materialised
// in a vector).
RunResult ScanStore(const std::string& path) {
  std::unique_ptr<EventStore> store = OpenForScan(path);
  uint64_t touched = 0;
  RunResult result;
  const absl::Time begin = absl::Now();
  for (uint64_t from = 1;;) {
    absl::StatusOr<std::vector<RecordedEvent>> page =
        store->ReadAllForward(from, kScanPage);
    CHECK(page.ok()) << page.status();
    if (page->empty()) break;
    for (const RecordedEvent& event : *page) {
      touched += event.payload.size() + event.position;
    }
    result.events += page->size();
    from = page->back().position + 1;
  }
  result.elapsed = absl::Now() - begin;
  CHECK_GT(touched, 0u);
  return result;
}

// The log column family through one iterator, every key and value touched;
// with `decode`, each value also decoded into a RecordedEvent (what the
// store does per event), to split the store's cost into decoding and the
// rest.
RunResult ScanRaw(const std::string& path, bool decode) {
  absl::StatusOr<std::unique_ptr<RocksDbHandle>> handle =
      RocksDbHandle::Open({path});
  CHECK(handle.ok()) << handle.status();
  RunResult result;
  uint64_t touched = 0;
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
      if (decode) {
        absl::StatusOr<RecordedEvent> event = DecodeStoredRecord(ToView(value));
        CHECK(event.ok()) << event.status();
        touched += event->payload.size();
      }
      ++result.events;
    }
    CHECK(it->status().ok()) << it->status().ToString();
  }
  result.elapsed = absl::Now() - begin;
  CHECK_GT(touched, 0u);
  return result;
}

std::string FirstLineWith(const char* file, absl::string_view prefix) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, prefix)) {
      const size_t colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "?";
}

std::string FileSystemOf(const std::string& path) {
  struct statfs fs;
  if (statfs(path.c_str(), &fs) != 0) return "?";
  switch (static_cast<uint64_t>(fs.f_type)) {
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs (fdatasync is free: figures are not a disk's)";
    case 0x794c7630:
      return "overlayfs";
    default:
      return absl::StrFormat("type 0x%x", static_cast<uint64_t>(fs.f_type));
  }
}

void PrintFacts(const BenchOptions& options) {
  utsname u;
  uname(&u);
  absl::PrintF("relog-bench-store\n");
  absl::PrintF("  date         %s\n",
               absl::FormatTime("%Y-%m-%d %H:%M:%S %Z", absl::Now(),
                                absl::LocalTimeZone()));
  absl::PrintF("  nproc        %u\n", std::thread::hardware_concurrency());
  absl::PrintF("  cpu          %s\n",
               FirstLineWith("/proc/cpuinfo", "model name"));
  absl::PrintF("  memory       %s\n",
               FirstLineWith("/proc/meminfo", "MemTotal"));
  absl::PrintF("  kernel       %s %s\n", u.sysname, u.release);
  absl::PrintF("  rocksdb      %d.%d.%d\n", ROCKSDB_MAJOR, ROCKSDB_MINOR,
               ROCKSDB_PATCH);
  absl::PrintF("  dir          %s (%s)\n", options.dir,
               FileSystemOf(options.dir));
  absl::PrintF("  per run      %s, payload %u bytes per event\n",
               absl::FormatDuration(options.run), options.event_bytes);
  absl::PrintF("\n");
}

int Run(const BenchOptions& options) {
  PrintFacts(options);
  const std::vector<std::string> payloads = MakePayloads(options.event_bytes);

  for (bool append : {true, false}) {
    RunResult sync = BenchFdatasync(options, append);
    absl::PrintF(
        "disk: %-34s %7.0f ops/s   p50 %7.3f ms   p99 %7.3f ms\n",
        append ? "4 KiB appended + fdatasync" : "4 KiB overwritten + fdatasync",
        sync.EventsPerSecond(), sync.QuantileMs(0.5), sync.QuantileMs(0.99));
  }
  absl::PrintF("\n");
  std::fflush(stdout);

  absl::PrintF(
      "appends: one %u-byte event per append, synced, one stream per "
      "writer\n",
      options.event_bytes);
  absl::PrintF(
      "          store (AppendBlocking)          raw RocksDB (WriteBatch, "
      "sync)\n");
  absl::PrintF(
      "writers   events/s  p50 ms   p99 ms       events/s  p50 ms   p99 ms    "
      "store/raw\n");
  for (int writers : options.writers) {
    RunResult store = BenchStore(options, writers, payloads);
    RunResult raw = BenchRaw(options, writers, payloads);
    absl::PrintF("%7d  %9.0f %7.3f %8.3f     %9.0f %7.3f %8.3f       %5.2fx\n",
                 writers, store.EventsPerSecond(), store.QuantileMs(0.5),
                 store.QuantileMs(0.99), raw.EventsPerSecond(),
                 raw.QuantileMs(0.5), raw.QuantileMs(0.99),
                 store.EventsPerSecond() / raw.EventsPerSecond());
    std::fflush(stdout);
  }
  absl::PrintF("target: at the most writers, store >= 1.00x raw\n\n");

  if (options.scan_events == 0) return 0;
  const std::string path = absl::StrCat(options.dir, "/scan");
  RunResult fill = FillStore(path, options, payloads);
  absl::PrintF(
      "scan: %u events of %u payload bytes (filled in %s, %.0f events/s, "
      "%u events per append)\n",
      fill.events, options.event_bytes, absl::FormatDuration(fill.elapsed),
      fill.EventsPerSecond(), kFillEventsPerAppend);
  absl::PrintF("  flushed and compacted in %s\n",
               absl::FormatDuration(bench::Compact(path)));
  // Two rounds, alternating, best of each: the first pass warms the page
  // cache.
  double visit_best = 0, store_best = 0, raw_best = 0, decode_best = 0;
  for (int round = 0; round < 2; ++round) {
    RunResult visit = ScanStoreVisiting(path);
    RunResult store = ScanStore(path);
    RunResult raw = ScanRaw(path, /*decode=*/false);
    RunResult decoded = ScanRaw(path, /*decode=*/true);
    CHECK_EQ(visit.events, fill.events);
    CHECK_EQ(store.events, fill.events);
    CHECK_EQ(raw.events, fill.events);
    CHECK_EQ(decoded.events, fill.events);
    visit_best = std::max(visit_best, visit.EventsPerSecond());
    store_best = std::max(store_best, store.EventsPerSecond());
    raw_best = std::max(raw_best, raw.EventsPerSecond());
    decode_best = std::max(decode_best, decoded.EventsPerSecond());
  }
  absl::PrintF("  raw iterator over the log              %11.0f events/s\n",
               raw_best);
  absl::PrintF(
      "  store ScanAll                          %11.0f events/s  %5.2fx raw"
      "  (target >= 0.70x)\n",
      visit_best, visit_best / raw_best);
  absl::PrintF(
      "  store ReadAllForward (pages of %u)   %11.0f events/s  %5.2fx raw\n",
      kScanPage, store_best, store_best / raw_best);
  absl::PrintF(
      "  raw iterator + DecodeStoredRecord      %11.0f events/s  %5.2fx raw"
      "  (for reference)\n",
      decode_best, decode_best / raw_best);
  std::filesystem::remove_all(path);
  return 0;
}

}  // namespace
}  // namespace relog

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "benchmarks the event store against raw RocksDB; see the file comment");
  absl::ParseCommandLine(argc, argv);
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;

  relog::BenchOptions options;
  options.run = absl::Seconds(std::max(1, absl::GetFlag(FLAGS_seconds)));
  options.event_bytes =
      static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_event_bytes)));
  options.scan_events = static_cast<uint64_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_scan_events)));
  for (absl::string_view w :
       absl::StrSplit(absl::GetFlag(FLAGS_writers), ',', absl::SkipEmpty())) {
    int n = 0;
    if (!absl::SimpleAtoi(w, &n) || n < 1) {
      std::fprintf(stderr, "--writers: \"%s\" is not a positive number\n",
                   std::string(w).c_str());
      return 2;
    }
    options.writers.push_back(n);
  }
  // A folder of our own, removed at exit, inside --dir or /tmp.
  std::string base = absl::GetFlag(FLAGS_dir);
  if (base.empty()) base = "/tmp";
  std::filesystem::create_directories(base);
  std::string pattern = base + "/relog-bench-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror(pattern.c_str());
    return 1;
  }
  options.dir = pattern;
  const int code = relog::Run(options);
  std::filesystem::remove_all(options.dir);
  return code;
}
