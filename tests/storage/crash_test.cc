// The crash test: a real process appends to the store and is SIGKILLed at a
// random moment; the test then reopens the store and checks that nothing
// acknowledged was lost and nothing half-written appeared (DESIGN.md
// "Storage invariants" 2, 3, 4 and 6, the small version of RocksDB's
// db_crashtest.py).
//
// The parent (the TEST below) runs cycles on one directory, so that damage
// accumulates. Each cycle re-executes this binary as
//   --child=store_crash <dir> <seed> <fd>
// The child opens the store, writes a kReady record to the pipe <fd>, then
// kThreads threads append continuously, each to its own streams (so that
// each thread knows the exact version of its streams) with up to
// kMaxInFlightPerThread appends queued at once. For every append the child
// writes one WireRecord with one write() (smaller than PIPE_BUF, so a kill
// cannot tear it): kSubmitted before Append(), kCompleted when the callback
// reports OK (so after the WAL sync). Everything an append holds (ids, type,
// payload, metadata, request record) is derived from its request id, which
// is derived from (seed, thread, seq): the parent recomputes it all.
//
// After the kill the parent drains the pipe, reopens the store and checks:
// Verify() is OK; positions are 1..head with no gap; each stream's versions
// are 0..n with no gap and its head agrees; every append ever completed is
// there with identical bytes and its request record; every append in flight
// at the kill is either wholly there (then it joins the known appends) or
// wholly absent; and every event of the log belongs to a known append.
//
// Environment: RELOG_CRASH_SEED (reproduce a run), RELOG_CRASH_CYCLES (more
// cycles; default 20).
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "gtest/gtest.h"
#include "storage/event_id.h"
#include "storage/event_store.h"
#include "storage/rocksdb_event_store_impl.h"
#include "tests/storage/store_test_util.h"
#include "tests/testing/child_mode.h"
#include "tests/testing/temp_dir.h"

namespace relog::testing {
namespace {

constexpr char kChildMode[] = "store_crash";
constexpr uint32_t kThreads = 4;
constexpr uint32_t kStreamsPerThread = 8;
constexpr uint32_t kStreams = kThreads * kStreamsPerThread;
constexpr int kMaxInFlightPerThread = 3;
constexpr uint32_t kMaxEventsPerAppend = 3;
constexpr int kDefaultCycles = 20;
constexpr int kMinDelayMs = 20;
constexpr int kMaxDelayMs = 300;
// A child that is never killed (the parent died) exits on its own.
constexpr absl::Duration kChildLifetime = absl::Seconds(120);
// Opening the store under ASan takes well under this.
constexpr absl::Duration kReadyTimeout = absl::Seconds(60);

// One record on the pipe, written with one write(). Parent and child are
// the same binary, so the raw struct is the wire format.
enum RecordKind : uint32_t { kReady = 1, kSubmitted = 2, kCompleted = 3 };
struct WireRecord {
  uint32_t kind = 0;
  uint32_t thread = 0;
  uint64_t seq = 0;
  uint32_t stream = 0;  // stream number, see StreamName()
  uint32_t count = 0;   // events in the append
  uint64_t first_version = 0;
  uint64_t first_position = 0;  // kCompleted only
};
static_assert(sizeof(WireRecord) <= PIPE_BUF,
              "a record must be written atomically");

// Thread `t` owns streams t, t + kThreads, t + 2 kThreads, …
std::string StreamName(uint32_t stream) {
  return absl::StrFormat("crash-%02u", stream);
}
uint32_t StreamOf(uint32_t thread, uint32_t j) { return thread + kThreads * j; }

std::string RequestId(uint64_t seed, uint32_t thread, uint64_t seq) {
  return absl::StrFormat("%016x-%u-%u", seed, thread, seq);
}
std::string RequestHash(absl::string_view request_id) {
  return absl::StrCat("hash:", request_id);
}
std::string Response(absl::string_view request_id) {
  return absl::StrCat("response:", request_id);
}

// 100–600 bytes, a pure function of the event id.
std::string PayloadFor(const EventId& id) {
  uint64_t seed = 0;
  std::memcpy(&seed, id.data(), sizeof(seed));
  std::mt19937_64 rng(seed);
  std::string payload(100 + rng() % 501, '\0');
  for (size_t i = 0; i < payload.size(); i += 8) {
    const uint64_t word = rng();
    std::memcpy(payload.data() + i, &word,
                std::min<size_t>(8, payload.size() - i));
  }
  return payload;
}

std::string TypeFor(uint32_t index) {
  return absl::StrCat("relog.crash.Event", index);
}

EventMetadata MetadataFor(absl::string_view request_id, uint32_t index) {
  EventMetadata metadata;
  metadata.actor = "crash-child";
  metadata.correlation_id = std::string(request_id);
  metadata.causation_id = absl::StrCat("cmd-", index);
  metadata.occurred_at = absl::CivilDay(2024, 1, 1) + index;
  return metadata;
}

AppendRequest MakeAppend(const std::string& request_id, uint32_t stream,
                         uint32_t count, uint64_t first_version) {
  StreamAppend append;
  append.stream_id = StreamName(stream);
  append.expected = first_version == 0
                        ? ExpectedVersion::NoStream()
                        : ExpectedVersion::Exact(first_version - 1);
  for (uint32_t i = 0; i < count; ++i) {
    NewEvent event;
    event.id = DeriveEventId(request_id, i);
    event.type = TypeFor(i);
    event.payload = PayloadFor(event.id);
    event.metadata = MetadataFor(request_id, i);
    append.events.push_back(std::move(event));
  }
  AppendRequest request;
  request.streams.push_back(std::move(append));
  request.request =
      RequestRecord{request_id, RequestHash(request_id), Response(request_id)};
  return request;
}

// ---------------------------------------------------------------------------
// The child.

void WriteRecord(int fd, const WireRecord& record) {
  for (;;) {
    const ssize_t n = write(fd, &record, sizeof(record));
    if (n < 0 && errno == EINTR) continue;
    // A write of at most PIPE_BUF bytes to a pipe is all or nothing.
    PCHECK(n == static_cast<ssize_t>(sizeof(record))) << "write to the pipe";
    return;
  }
}

// One appending thread: owns kStreamsPerThread streams and keeps up to
// kMaxInFlightPerThread appends queued. Versions are assigned at submission;
// appends of one thread are queued in order and the store plans a group in
// queue order, so consecutive appends to one stream see each other.
class Appender {
 public:
  Appender(EventStore* store, int fd, uint64_t seed, uint32_t thread,
           std::vector<uint64_t> next_versions)
      : store_(store),
        fd_(fd),
        seed_(seed),
        thread_(thread),
        next_versions_(std::move(next_versions)),
        rng_(seed ^ (0x9e3779b97f4a7c15ULL * (thread + 1))) {}

  // Never returns: the child ends by SIGKILL.
  void Run() ABSL_LOCKS_EXCLUDED(mu_) {
    for (uint64_t seq = 0;; ++seq) {
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &Appender::HasRoom));
        ++in_flight_;
      }
      const uint32_t j = static_cast<uint32_t>(rng_() % kStreamsPerThread);
      WireRecord record;
      record.kind = kSubmitted;
      record.thread = thread_;
      record.seq = seq;
      record.stream = StreamOf(thread_, j);
      record.count = 1 + static_cast<uint32_t>(rng_() % kMaxEventsPerAppend);
      record.first_version = next_versions_[j];
      next_versions_[j] += record.count;
      AppendRequest request =
          MakeAppend(RequestId(seed_, thread_, seq), record.stream,
                     record.count, record.first_version);
      WriteRecord(fd_, record);
      // The callback runs on the store's writer thread; a pipe write the
      // parent keeps draining does not block it for long.
      store_->Append(std::move(request),
                     [this, record](absl::StatusOr<AppendResult> result) {
                       Completed(record, std::move(result));
                     });
    }
  }

 private:
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_flight_ < kMaxInFlightPerThread;
  }

  void Completed(WireRecord record, absl::StatusOr<AppendResult> result)
      ABSL_LOCKS_EXCLUDED(mu_) {
    // Nothing here may fail: the streams are this thread's alone.
    CHECK(result.ok()) << "append " << RequestId(seed_, thread_, record.seq)
                       << ": " << result.status();
    CHECK(!result->replayed);
    CHECK_EQ(result->streams.size(), 1u);
    CHECK_EQ(result->streams[0].first_version, record.first_version);
    CHECK_EQ(result->last_position - result->first_position + 1, record.count);
    record.kind = kCompleted;
    record.first_position = result->first_position;
    WriteRecord(fd_, record);
    absl::MutexLock lock(&mu_);
    --in_flight_;
  }

  EventStore* const store_;
  const int fd_;
  const uint64_t seed_;
  const uint32_t thread_;
  // Run()'s thread only.
  std::vector<uint64_t> next_versions_;  // per owned stream
  std::mt19937_64 rng_;

  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

// argv: <dir> <seed> <fd>.
int StoreCrashChild(int argc, char** argv) {
  CHECK_EQ(argc, 3) << "usage: --child=store_crash <dir> <seed> <fd>";
  const std::string dir = argv[0];
  const uint64_t seed = std::strtoull(argv[1], nullptr, 10);
  const int fd = std::atoi(argv[2]);

  RocksDbEventStoreOptions options;
  options.path = dir;
  absl::StatusOr<std::unique_ptr<RocksDbEventStore>> store =
      RocksDbEventStore::Open(options);
  CHECK(store.ok()) << store.status();

  // The heads on disk: appends in flight at the previous kill may or may
  // not have landed.
  std::vector<std::unique_ptr<Appender>> appenders;
  for (uint32_t t = 0; t < kThreads; ++t) {
    std::vector<uint64_t> next(kStreamsPerThread);
    for (uint32_t j = 0; j < kStreamsPerThread; ++j) {
      absl::StatusOr<std::optional<StreamHead>> head =
          (*store)->GetStreamHead(StreamName(StreamOf(t, j)));
      CHECK(head.ok()) << head.status();
      next[j] = head->has_value() ? (*head)->version + 1 : 0;
    }
    appenders.push_back(
        std::make_unique<Appender>(store->get(), fd, seed, t, std::move(next)));
  }
  WireRecord ready;
  ready.kind = kReady;
  WriteRecord(fd, ready);

  std::vector<std::thread> threads;
  for (auto& appender : appenders) {
    threads.emplace_back([a = appender.get()] { a->Run(); });
  }
  absl::Notification never;
  never.WaitForNotificationWithTimeout(kChildLifetime);
  LOG(ERROR) << "crash child: not killed within " << kChildLifetime;
  _exit(3);  // without joining the threads or closing the store
}

[[maybe_unused]] const bool kRegistered =
    RegisterChildMode(kChildMode, &StoreCrashChild);

// ---------------------------------------------------------------------------
// The parent.

// The read end of the pipe, parsed into whole records.
class PipeReader {
 public:
  explicit PipeReader(int fd) : fd_(fd) {}
  ~PipeReader() { close(fd_); }

  // Reads what arrives until `deadline` or end of file. False on a read
  // error.
  bool ReadUntil(absl::Time deadline) {
    while (!eof_) {
      const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
      if (ms <= 0) return true;
      if (!ReadOnce(static_cast<int>(std::min<int64_t>(ms, 1000)))) {
        return false;
      }
    }
    return true;
  }

  // Reads until end of file (every write end closed: the child is dead).
  bool ReadToEnd() {
    while (!eof_) {
      if (!ReadOnce(-1)) return false;
    }
    return true;
  }

  // Reads until at least `n` records arrived, end of file, or `deadline`.
  bool ReadRecords(size_t n, absl::Time deadline) {
    while (!eof_ && records_.size() < n && absl::Now() < deadline) {
      const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
      if (!ReadOnce(static_cast<int>(std::clamp<int64_t>(ms, 1, 1000)))) {
        return false;
      }
    }
    return records_.size() >= n;
  }

  bool eof() const { return eof_; }
  const std::vector<WireRecord>& records() const { return records_; }
  size_t trailing_bytes() const { return partial_.size(); }

 private:
  bool ReadOnce(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, timeout_ms);
    if (ready < 0) return errno == EINTR;
    if (ready == 0) return true;
    char buf[64 * 1024];
    const ssize_t n = read(fd_, buf, sizeof(buf));
    if (n < 0) return errno == EINTR || errno == EAGAIN;
    if (n == 0) {
      eof_ = true;
      return true;
    }
    // A read may end inside a record; keep the tail for the next read.
    partial_.append(buf, static_cast<size_t>(n));
    size_t used = 0;
    while (partial_.size() - used >= sizeof(WireRecord)) {
      WireRecord record;
      std::memcpy(&record, partial_.data() + used, sizeof(record));
      records_.push_back(record);
      used += sizeof(WireRecord);
    }
    partial_.erase(0, used);
    return true;
  }

  const int fd_;
  bool eof_ = false;
  std::string partial_;
  std::vector<WireRecord> records_;
};

// A running child and the read end of its pipe.
struct Child {
  pid_t pid = -1;
  std::unique_ptr<PipeReader> pipe;
};

Child SpawnChild(const std::string& dir, uint64_t seed) {
  int fds[2];
  PCHECK(pipe2(fds, O_CLOEXEC) == 0);
  // Room for a few thousand appends even if the parent were slow to drain.
  fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
  const std::string self = SelfExecutable();
  std::vector<std::string> args = {self, absl::StrCat("--child=", kChildMode),
                                   dir, absl::StrCat(seed),
                                   absl::StrCat(fds[1])};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  PCHECK(pid >= 0) << "fork";
  if (pid == 0) {
    // Only async-signal-safe calls until execv. The child dies with us, and
    // keeps the write end (and only it) across exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    fcntl(fds[1], F_SETFD, 0);
    execv(self.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  return Child{pid, std::make_unique<PipeReader>(fds[0])};
}

std::string DescribeWaitStatus(int status) {
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(status), " (",
                        strsignal(WTERMSIG(status)), ")");
  }
  if (WIFEXITED(status)) return absl::StrCat("exited ", WEXITSTATUS(status));
  return absl::StrCat("wait status ", status);
}

// An append the store must hold: completed, or found after a kill.
struct KnownAppend {
  std::string request_id;
  uint32_t stream = 0;
  uint32_t count = 0;
  uint64_t first_version = 0;
  uint64_t first_position = 0;
};

// What one cycle's pipe said.
struct CycleLog {
  std::vector<KnownAppend> completed;
  std::vector<KnownAppend> in_flight;  // first_position unknown (0)
  size_t submitted = 0;
};

// Pairs kSubmitted with kCompleted records; appends problems.
CycleLog ParseRecords(const std::vector<WireRecord>& records, uint64_t seed,
                      std::vector<std::string>* problems) {
  CycleLog out;
  std::map<std::pair<uint32_t, uint64_t>, WireRecord> open;
  for (size_t i = 1; i < records.size(); ++i) {
    const WireRecord& r = records[i];
    const auto key = std::make_pair(r.thread, r.seq);
    if (r.kind == kSubmitted) {
      ++out.submitted;
      if (r.thread >= kThreads || r.stream >= kStreams ||
          r.stream % kThreads != r.thread || r.count < 1 ||
          r.count > kMaxEventsPerAppend) {
        problems->push_back(absl::StrCat("record ", i, " is malformed"));
        continue;
      }
      if (!open.emplace(key, r).second) {
        problems->push_back(
            absl::StrCat("append ", r.thread, "/", r.seq, " submitted twice"));
      }
    } else if (r.kind == kCompleted) {
      auto it = open.find(key);
      if (it == open.end() || it->second.stream != r.stream ||
          it->second.count != r.count ||
          it->second.first_version != r.first_version) {
        problems->push_back(absl::StrCat("append ", r.thread, "/", r.seq,
                                         " completed unlike it was submitted"));
        continue;
      }
      open.erase(it);
      out.completed.push_back(KnownAppend{RequestId(seed, r.thread, r.seq),
                                          r.stream, r.count, r.first_version,
                                          r.first_position});
    } else {
      problems->push_back(absl::StrCat("record ", i, " has kind ", r.kind));
    }
  }
  for (const auto& [key, r] : open) {
    out.in_flight.push_back(KnownAppend{RequestId(seed, r.thread, r.seq),
                                        r.stream, r.count, r.first_version, 0});
  }
  return out;
}

// What the reopened store held.
struct Findings {
  uint64_t log_events = 0;
  size_t streams = 0;
  size_t landed = 0;  // in-flight appends found whole
  size_t lost = 0;    // in-flight appends found absent
};

class StoreChecker {
 public:
  StoreChecker(const RocksDbEventStore& store,
               std::vector<std::string>* problems)
      : store_(store), problems_(problems) {}

  // Reads the whole log and checks what holds whatever was appended.
  void CheckLog() {
    absl::StatusOr<VerifyReport> report = store_.Verify();
    if (!report.ok()) {
      Problem(absl::StrCat("Verify() failed: ", report.status().ToString()));
    } else if (!report->ok()) {
      Problem(absl::StrCat("Verify(): ", report->ToStatus().ToString()));
    }
    log_ = ReadWholeLog(store_);
    covered_.assign(log_.size(), false);
    const LogHead head = store_.GetLogHead();
    if (head.position != log_.size()) {
      Problem(absl::StrCat("log head at ", head.position, " but the log reads ",
                           log_.size(), " events"));
    }
    if (report.ok() && report->head.position != log_.size()) {
      Problem(absl::StrCat("Verify() checked up to ", report->head.position,
                           ", the log reads ", log_.size(), " events"));
    }
    if (!log_.empty() && head.global_hash != log_.back().global_hash) {
      Problem("the log head's global hash is not the last event's");
    }
    absl::flat_hash_map<std::string, std::pair<uint64_t, uint64_t>> streams;
    for (size_t i = 0; i < log_.size(); ++i) {
      const RecordedEvent& event = log_[i];
      if (event.position != i + 1) {
        Problem(absl::StrCat("log entry ", i, " has position ", event.position,
                             ": a gap or a duplicate before it"));
        return;
      }
      if (i > 0 && event.recorded_at < log_[i - 1].recorded_at) {
        Problem(absl::StrCat("recorded_at goes back at position ", i + 1));
      }
      if (!ids_.emplace(layout::EventIdKey(event.id), event.position).second) {
        Problem(absl::StrCat("event id ", EventIdToHex(event.id),
                             " stored twice, again at ", event.position));
      }
      // (next version, last position) per stream.
      auto [it, fresh] = streams.try_emplace(event.stream_id, 0, 0);
      if (event.version != it->second.first) {
        Problem(absl::StrCat("stream ", event.stream_id, " jumps to version ",
                             event.version, " at position ", event.position,
                             ", expected ", it->second.first));
      }
      it->second = {event.version + 1, event.position};
    }
    findings_.log_events = log_.size();
    findings_.streams = streams.size();
    for (const auto& [stream_id, next] : streams) {
      absl::StatusOr<std::optional<StreamHead>> head =
          store_.GetStreamHead(stream_id);
      if (!head.ok() || !head->has_value()) {
        Problem(absl::StrCat("stream ", stream_id, " has no head"));
        continue;
      }
      const StreamHead& h = **head;
      const RecordedEvent& last = log_[next.second - 1];
      if (h.version + 1 != next.first || h.position != next.second ||
          h.stream_hash != last.stream_hash) {
        Problem(absl::StrCat("stream ", stream_id, " head says version ",
                             h.version, " at ", h.position,
                             "; the log ends at ", next.first - 1, " at ",
                             next.second));
      }
    }
  }

  // The append must be stored whole at a.first_position, byte for byte;
  // with `check_request`, its request record too.
  void CheckPresent(const KnownAppend& a, bool check_request) {
    const std::string stream_id = StreamName(a.stream);
    for (uint32_t i = 0; i < a.count; ++i) {
      const uint64_t position = a.first_position + i;
      if (position == 0 || position > log_.size()) {
        Problem(absl::StrCat("append ", a.request_id, ": position ", position,
                             " is missing (the log ends at ", log_.size(),
                             ")"));
        return;
      }
      const RecordedEvent& event = log_[position - 1];
      const EventId id = DeriveEventId(a.request_id, i);
      const EventMetadata metadata = MetadataFor(a.request_id, i);
      if (event.stream_id != stream_id ||
          event.version != a.first_version + i || event.id != id ||
          event.type != TypeFor(i) || event.payload != PayloadFor(id) ||
          event.metadata.actor != metadata.actor ||
          event.metadata.correlation_id != metadata.correlation_id ||
          event.metadata.causation_id != metadata.causation_id ||
          event.metadata.occurred_at != metadata.occurred_at) {
        Problem(absl::StrCat(
            "append ", a.request_id, " event ", i, ": expected ", stream_id,
            "@", a.first_version + i, " id ", EventIdToHex(id), " at ",
            position, ", found ", event.stream_id, "@", event.version, " id ",
            EventIdToHex(event.id), " type ", event.type, " (",
            event.payload.size(), " payload bytes)"));
        return;
      }
      if (covered_[position - 1]) {
        Problem(absl::StrCat("position ", position, " claimed twice"));
      }
      covered_[position - 1] = true;
    }
    if (check_request) {
      absl::StatusOr<std::optional<AppendResult>> recorded =
          store_.LookupRequest(a.request_id);
      if (!recorded.ok() || !recorded->has_value()) {
        Problem(absl::StrCat("append ", a.request_id,
                             ": its request record is missing"));
        return;
      }
      const AppendResult& r = **recorded;
      if (r.first_position != a.first_position ||
          r.last_position != a.first_position + a.count - 1 ||
          r.streams.size() != 1 || r.streams[0].stream_id != stream_id ||
          r.streams[0].first_version != a.first_version ||
          r.streams[0].last_version != a.first_version + a.count - 1 ||
          r.response != Response(a.request_id) ||
          r.global_hash != log_[r.last_position - 1].global_hash) {
        Problem(absl::StrCat("append ", a.request_id,
                             ": its request record disagrees with the log"));
      }
    }
  }

  // An append in flight at the kill: whole or absent. Returns it with its
  // position when whole.
  std::optional<KnownAppend> CheckInFlight(KnownAppend a) {
    absl::StatusOr<std::optional<AppendResult>> recorded =
        store_.LookupRequest(a.request_id);
    if (!recorded.ok()) {
      Problem(absl::StrCat("LookupRequest: ", recorded.status().ToString()));
      return std::nullopt;
    }
    if (recorded->has_value()) {
      ++findings_.landed;
      a.first_position = (*recorded)->first_position;
      if ((*recorded)->streams.size() != 1 ||
          (*recorded)->streams[0].first_version != a.first_version) {
        Problem(absl::StrCat("in-flight append ", a.request_id,
                             " landed at another version"));
      }
      CheckPresent(a, /*check_request=*/true);
      return a;
    }
    ++findings_.lost;
    for (uint32_t i = 0; i < a.count; ++i) {
      auto it = ids_.find(layout::EventIdKey(DeriveEventId(a.request_id, i)));
      if (it != ids_.end()) {
        Problem(absl::StrCat("in-flight append ", a.request_id,
                             " has no request record but its event ", i,
                             " is at position ", it->second));
      }
    }
    return std::nullopt;
  }

  // Every position must belong to a known append.
  void CheckAllCovered() {
    auto it = std::find(covered_.begin(), covered_.end(), false);
    if (it != covered_.end()) {
      Problem(absl::StrCat("position ", it - covered_.begin() + 1,
                           " belongs to no append the child made"));
    }
  }

  const Findings& findings() const { return findings_; }

 private:
  void Problem(std::string problem) {
    problems_->push_back(std::move(problem));
  }

  const RocksDbEventStore& store_;
  std::vector<std::string>* const problems_;
  std::vector<RecordedEvent> log_;
  std::vector<bool> covered_;
  absl::flat_hash_map<std::string, uint64_t> ids_;  // event id → position
  Findings findings_;
};

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return std::strtoull(value, nullptr, 0);
}

TEST(CrashTest, SigkillLosesNoAcknowledgedAppend) {
  const uint64_t master_seed =
      EnvOr("RELOG_CRASH_SEED",
            static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())));
  const int cycles =
      static_cast<int>(EnvOr("RELOG_CRASH_CYCLES", kDefaultCycles));
  // 15 of 20 by default.
  const int required_in_flight = (cycles * 3 + 3) / 4;
  std::printf("crash test: RELOG_CRASH_SEED=%" PRIu64 " cycles=%d\n",
              master_seed, cycles);
  std::mt19937_64 rng(master_seed);
  TempDir dir;
  const std::string path = dir.Sub("store");
  const absl::Time start = absl::Now();

  std::vector<KnownAppend> known;  // every append the store must hold
  int cycles_with_in_flight = 0;
  uint64_t total_completed = 0, total_landed = 0, total_lost = 0;
  for (int cycle = 1; cycle <= cycles; ++cycle) {
    const uint64_t seed = rng();
    const int delay_ms =
        kMinDelayMs + static_cast<int>(rng() % (kMaxDelayMs - kMinDelayMs + 1));
    const absl::Time cycle_start = absl::Now();

    Child child = SpawnChild(path, seed);
    const bool ready =
        child.pipe->ReadRecords(1, absl::Now() + kReadyTimeout) &&
        child.pipe->records()[0].kind == kReady;
    if (ready) {
      // The deliberate random delay, spent draining the pipe.
      ASSERT_TRUE(
          child.pipe->ReadUntil(absl::Now() + absl::Milliseconds(delay_ms)));
    }
    kill(child.pid, SIGKILL);
    int wait_status = 0;
    PCHECK(waitpid(child.pid, &wait_status, 0) == child.pid);
    ASSERT_TRUE(child.pipe->ReadToEnd());
    ASSERT_TRUE(ready) << "cycle " << cycle
                       << ": the child never became ready ("
                       << DescribeWaitStatus(wait_status) << ")";
    ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
        << "cycle " << cycle << ": the child died before the kill: "
        << DescribeWaitStatus(wait_status) << " (see its log above)";
    ASSERT_EQ(child.pipe->trailing_bytes(), 0u) << "a torn pipe record";

    std::vector<std::string> problems;
    CycleLog log = ParseRecords(child.pipe->records(), seed, &problems);
    Findings found;
    {
      std::unique_ptr<RocksDbEventStore> store = OpenStoreOrDie(path);
      ASSERT_NE(store, nullptr);
      StoreChecker checker(*store, &problems);
      checker.CheckLog();
      for (const KnownAppend& a : known) {
        checker.CheckPresent(a, /*check_request=*/false);
      }
      for (const KnownAppend& a : log.completed) {
        checker.CheckPresent(a, /*check_request=*/true);
        known.push_back(a);
      }
      for (const KnownAppend& a : log.in_flight) {
        std::optional<KnownAppend> landed = checker.CheckInFlight(a);
        if (landed.has_value()) known.push_back(*std::move(landed));
      }
      checker.CheckAllCovered();
      found = checker.findings();
    }
    if (!log.in_flight.empty()) ++cycles_with_in_flight;
    total_completed += log.completed.size();
    total_landed += found.landed;
    total_lost += found.lost;
    std::printf(
        "cycle %2d seed=%016" PRIx64
        " delay=%3dms completed=%4zu in_flight=%2zu (landed %zu, lost %zu) "
        "log=%6" PRIu64 " events in %zu streams: %s [%" PRId64 " ms]\n",
        cycle, seed, delay_ms, log.completed.size(), log.in_flight.size(),
        found.landed, found.lost, found.log_events, found.streams,
        problems.empty() ? "ok" : "PROBLEMS",
        absl::ToInt64Milliseconds(absl::Now() - cycle_start));
    std::fflush(stdout);
    for (size_t i = 0; i < problems.size() && i < 20; ++i) {
      ADD_FAILURE() << "cycle " << cycle << " (RELOG_CRASH_SEED=" << master_seed
                    << "): " << problems[i];
    }
    // Later cycles would only repeat the damage.
    ASSERT_TRUE(problems.empty()) << problems.size() << " problems";
  }
  std::printf(
      "crash test: %d cycles in %.1f s; %d killed appends in flight; "
      "%" PRIu64 " appends completed, %" PRIu64 " in flight landed, %" PRIu64
      " lost; all checks passed\n",
      cycles, absl::ToDoubleSeconds(absl::Now() - start), cycles_with_in_flight,
      total_completed, total_landed, total_lost);
  EXPECT_GE(cycles_with_in_flight, required_in_flight)
      << "too few kills caught appends in flight: the test proved little";
}

}  // namespace
}  // namespace relog::testing
