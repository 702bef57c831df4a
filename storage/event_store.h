// The event store: append-only streams of opaque events, one global log.
//
// The store knows nothing about households. It keeps, per stream, events at
// versions 0,1,2,… and gives every committed event a global position 1,2,3,…
// (0 means "before the first event"). See ../shared/DESIGN.md, "Storage
// invariants", for the guarantees; each method below states its part.
#ifndef RELOG_STORAGE_EVENT_STORE_H_
#define RELOG_STORAGE_EVENT_STORE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace relog {

class ViewStore;

// 16 opaque bytes, unique per event (by convention a UUIDv5 derived from the
// request id, see event_id.h).
using EventId = std::array<uint8_t, 16>;

// Lowercase hex of an event id, for messages and metadata.
std::string EventIdToHex(const EventId& id);

// Positions and versions: a stream's first event has version 0; the log's
// first event has position 1.
inline constexpr uint64_t kNoPosition = 0;
// "From the end" for backward reads.
inline constexpr uint64_t kEnd = UINT64_MAX;

// What an append expects of a stream before it.
class ExpectedVersion {
 public:
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };

  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, 0); }
  static ExpectedVersion NoStream() {
    return ExpectedVersion(Kind::kNoStream, 0);
  }
  static ExpectedVersion StreamExists() {
    return ExpectedVersion(Kind::kStreamExists, 0);
  }
  // The stream's last event has version `version`.
  static ExpectedVersion Exact(uint64_t version) {
    return ExpectedVersion(Kind::kExact, version);
  }

  Kind kind() const { return kind_; }
  // REQUIRES: kind() == kExact.
  uint64_t version() const { return version_; }
  // "any", "no stream", "stream exists" or the number.
  std::string ToString() const;

 private:
  ExpectedVersion(Kind kind, uint64_t version)
      : kind_(kind), version_(version) {}
  Kind kind_;
  uint64_t version_;
};

// Metadata given by the writer; stored and hashed with the event.
struct EventMetadata {
  std::string actor;           // who caused it (an identity)
  std::string correlation_id;  // the operation it belongs to
  std::string causation_id;    // the command or event that caused it
  // The civil date (Europe/Paris) the fact happened, when it has one.
  std::optional<absl::CivilDay> occurred_at;
};

// An event to append.
struct NewEvent {
  EventId id{};
  std::string type;     // e.g. "relog.v1.OfferMade"
  std::string payload;  // opaque bytes
  EventMetadata metadata;
};

// The events to append to one stream, and what the stream must look like.
struct StreamAppend {
  std::string stream_id;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<NewEvent> events;  // at least one
};

// The idempotency record of a command (DESIGN.md invariant 6a). Holds no
// personal data.
struct RequestRecord {
  std::string request_id;    // the client's request id
  std::string request_hash;  // a digest of the request's content
  std::string response;      // opaque: what the caller needs to answer again
};

struct AppendRequest {
  std::vector<StreamAppend> streams;  // at least one; distinct stream ids
  std::optional<RequestRecord> request;
};

// What an append was given. Its events occupy positions first_position …
// last_position, in the order of `streams` and of their events.
struct AppendResult {
  struct Stream {
    std::string stream_id;
    uint64_t first_version = 0;
    uint64_t last_version = 0;
  };
  std::vector<Stream> streams;
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  absl::Time recorded_at;
  // The stored global hash after the last event (hex-free, 32 bytes).
  std::string global_hash;
  // True when this answer was not written now but found: a known request id,
  // or event ids that were all stored already.
  bool replayed = false;
  // From LookupRequest: the recorded request's hash, so that the caller can
  // tell a retry from a reuse of the id for another request.
  std::string request_hash;
  // The RequestRecord.response given with this append, or on a replay by
  // request id the one recorded with the first answer (empty on a replay by
  // event ids).
  std::string response;
};

// An event as stored.
struct RecordedEvent {
  std::string stream_id;
  uint64_t version = 0;
  uint64_t position = 0;
  absl::Time recorded_at;
  EventId id{};
  std::string type;
  std::string payload;
  EventMetadata metadata;
  std::string stream_hash;  // 32 bytes, see event_record.h
  std::string global_hash;  // 32 bytes
};

// A stream's last event.
struct StreamHead {
  std::string stream_id;
  uint64_t version = 0;   // of its last event
  uint64_t position = 0;  // of its last event
  std::string stream_hash;
};

// The log's last committed event (position 0 and 32 zero bytes when empty).
struct LogHead {
  uint64_t position = 0;
  std::string global_hash;
  absl::Time recorded_at = absl::InfinitePast();
};

struct StreamPage {
  std::vector<StreamHead> streams;
  std::string next_page_token;  // empty at the end
};

// The outcome of Verify().
struct VerifyReport {
  enum class Problem {
    kNone,
    kAltered,      // bytes do not match their hashes, or do not decode
    kMissing,      // a position (or a stream version) is absent
    kReordered,    // an event is stored at a place that is not its own
    kIndexBroken,  // a stream index, head or event-id entry disagrees
  };
  Problem problem = Problem::kNone;
  uint64_t position = 0;  // first position where the chains break
  std::string detail;     // human-readable: what was expected, what was found
  uint64_t events_checked = 0;
  uint64_t streams_checked = 0;
  LogHead head;  // when OK: the last position and global hash verified

  bool ok() const { return problem == Problem::kNone; }
  // OK, or DATA_LOSS naming the position and the problem.
  absl::Status ToStatus() const;
};

const char* ProblemName(VerifyReport::Problem problem);

// Completion of an asynchronous append. Called exactly once: on the store's
// writer thread after the batch holding the append was synced (or failed),
// or, for a refusal found before queueing (malformed, store read-only or
// closing), on the calling thread before Append() returns. It must not
// block, and must not retry synchronously (a refused retry would call it
// again, recursively): hand retries to another thread. It may call Append()
// and the reads, but not AppendBlocking(), WaitForPosition() or Recover(),
// which wait for the writer thread it runs on.
using AppendCallback = std::function<void(absl::StatusOr<AppendResult>)>;

// Thread-safe. Reads never wait for appends or for the disk sync. They do
// wait while the store reopens its database to recover from a failed write,
// and that reopen waits for reads in progress (a long Verify() delays it).
class EventStore {
 public:
  virtual ~EventStore() = default;
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Appends atomically: every stream's events, and the request record if any,
  // commit together or nothing does. `done` runs after the WAL is synced.
  //
  // The request record is consulted first: a known request id with the same
  // request_hash completes with the recorded answer (replayed = true) whatever
  // the streams look like now; with another hash it is ALREADY_EXISTS
  // REQUEST_ID_REUSED. Then event ids: if all of them are stored, each with
  // the same stream, type and payload, the original result is returned
  // (replayed); any other overlap is ALREADY_EXISTS EVENT_ID_CONFLICT. Then
  // the expected versions: any mismatch is ABORTED WRONG_EXPECTED_VERSION
  // naming the stream, the expected and the actual version.
  //
  // Errors: INVALID_ARGUMENT (malformed request, nothing queued), ABORTED,
  // ALREADY_EXISTS, UNAVAILABLE OUTCOME_UNKNOWN (the write or the sync failed;
  // the append may or may not be stored: retry with the same request id),
  // UNAVAILABLE STORE_READ_ONLY (refused until the store recovered; nothing
  // written), UNAVAILABLE STORE_CLOSED. When the write of a group fails,
  // every append of the group gets OUTCOME_UNKNOWN, refusals included: a
  // refusal may rest on an earlier append of the group. INTERNAL or
  // DATA_LOSS if the store cannot read what it must check (nothing written).
  virtual void Append(AppendRequest request, AppendCallback done) = 0;

  // Append() that waits for its completion. Not from an AppendCallback.
  absl::StatusOr<AppendResult> AppendBlocking(AppendRequest request);

  // Events of `stream_id` from version `from` upward, at most `limit`.
  // An unknown stream reads as empty.
  virtual absl::StatusOr<std::vector<RecordedEvent>> ReadStreamForward(
      absl::string_view stream_id, uint64_t from, size_t limit) const = 0;
  // Events of `stream_id` from version `from` (kEnd: the last) downward.
  virtual absl::StatusOr<std::vector<RecordedEvent>> ReadStreamBackward(
      absl::string_view stream_id, uint64_t from, size_t limit) const = 0;

  // The global log ($all) from position `from` upward, at most `limit`
  // events, in position order. Positions read are gap-free: once a reader
  // sees position p, every position below p is readable and stays the same.
  virtual absl::StatusOr<std::vector<RecordedEvent>> ReadAllForward(
      uint64_t from, size_t limit) const = 0;
  // Visits the global log from position `from` upward, in position order,
  // at most `limit` events, until `visit` returns false; returns how many
  // events were visited. The event passed is reused between calls (copy
  // what must outlive the call); `visit` runs with no lock of the store
  // held, so it may call the store. The way projections, subscriptions and
  // audits read the log: no per-event allocation.
  virtual absl::StatusOr<uint64_t> ScanAll(
      uint64_t from, uint64_t limit,
      const std::function<bool(const RecordedEvent&)>& visit) const = 0;

  // Visits the log records as stored, from position `from` upward in key
  // order, at most `limit`, until `visit` returns false; returns how many
  // were visited. `visit(position, record)` gets the position its key
  // names and the stored record's bytes (event_record.h), neither decoded
  // nor checked — a record altered, moved or missing behind the store's
  // back is passed on as it is (a missing one is simply absent): what audit
  // exports carry, so that a verifier outside relogd judges what is really
  // stored. `record` is valid during the call only; `visit` runs with no
  // lock of the store held. DATA_LOSS if a log key does not decode. The
  // default implementation is UNIMPLEMENTED (stores that keep no records).
  virtual absl::StatusOr<uint64_t> ScanLogRecords(
      uint64_t from, uint64_t limit,
      const std::function<bool(uint64_t position, absl::string_view record)>&
          visit) const;

  // The global log from position `from` (kEnd: the last) downward.
  virtual absl::StatusOr<std::vector<RecordedEvent>> ReadAllBackward(
      uint64_t from, size_t limit) const = 0;

  // The stream's last event, or nullopt for an unknown stream.
  virtual absl::StatusOr<std::optional<StreamHead>> GetStreamHead(
      absl::string_view stream_id) const = 0;

  // The heads of the streams whose id starts with `prefix`, in id order,
  // `page_size` at a time. `page_token` is "" or a previous next_page_token.
  virtual absl::StatusOr<StreamPage> ListStreams(
      absl::string_view prefix, size_t page_size,
      absl::string_view page_token) const = 0;

  // The last committed position and global hash.
  virtual LogHead GetLogHead() const = 0;

  // Returns OK once the committed log reaches `position`;
  // DEADLINE_EXCEEDED (POSITION_NOT_REACHED) at `deadline`; CANCELLED
  // (WAIT_INTERRUPTED) once `*cancelled` is true, if given — set it, then
  // call WakeWaiters(); UNAVAILABLE (STORE_CLOSED) when the store closes.
  // Woken by commits, no polling.
  virtual absl::Status WaitForPosition(
      uint64_t position, absl::Time deadline,
      const std::atomic<bool>* cancelled) const = 0;
  absl::Status WaitForPosition(uint64_t position, absl::Time deadline) const {
    return WaitForPosition(position, deadline, nullptr);
  }

  // Makes every WaitForPosition() in progress re-check its `cancelled`
  // flag: how a follower (a projection runner, a subscription) is told to
  // stop. Other waiters keep waiting.
  virtual void WakeWaiters() const = 0;

  // "As known at T" (invariant 8): the last position recorded at or before
  // `t`, or 0 if none. recorded_at never decreases along the log, so this
  // is a binary search, not a scan.
  virtual absl::StatusOr<uint64_t> PositionKnownAt(absl::Time t) const = 0;

  // The recorded answer of `request_id`, or nullopt.
  virtual absl::StatusOr<std::optional<AppendResult>> LookupRequest(
      absl::string_view request_id) const = 0;

  // Walks both hash chains and the indexes from position 1 and reports the
  // first break, or OK with the head hashes.
  virtual absl::StatusOr<VerifyReport> Verify() const = 0;

  // The view store sharing this store's database (invariant 9).
  virtual ViewStore& views() = 0;

  // Writes an online, consistent copy of the whole database (log, indexes,
  // request records and the view store) into `dir`, while appends go on,
  // and returns the head of the copy as read back from it: a gap-free
  // prefix of the log, never the live head, which may have moved since.
  // The copy is a database this store opens as it is (restore = open it).
  // `dir` must be absolute and must not exist; its parent must. Errors:
  // INVALID_ARGUMENT (a relative path), UNAVAILABLE STORE_READ_ONLY (the
  // store is recovering), INTERNAL STORAGE_ERROR (the copy failed; a
  // partial copy is removed). The default implementation is
  // UNIMPLEMENTED (stores without a database to copy).
  virtual absl::StatusOr<LogHead> CreateBackup(const std::string& dir) const;

 protected:
  EventStore() = default;
};

}  // namespace relog

#endif  // RELOG_STORAGE_EVENT_STORE_H_
