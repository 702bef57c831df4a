// Reference data in the event store: stream "reference-mel" holds one
// relog.v1.ReferenceDataLoaded event per distinct loaded set, so that
// decisions and reports can use the set known at any log position (see
// docs/REFERENCE.md, "as of a date" vs "as known at a position").
#ifndef RELOG_SERVICES_REFERENCE_REFERENCE_STREAM_H_
#define RELOG_SERVICES_REFERENCE_REFERENCE_STREAM_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "relog/v1/reference.pb.h"
#include "services/reference/reference_data.h"
#include "storage/event_store.h"

namespace relog::reference {

inline constexpr char kReferenceStream[] = "reference-mel";
inline constexpr char kReferenceDataLoadedType[] =
    "relog.v1.ReferenceDataLoaded";
// The actor recorded in the event metadata.
inline constexpr char kReferenceLoaderActor[] = "reference-loader";

// The request id of the load of content `sha256` as version `version` of
// the stream: "reference-load-<sha256>@<version>". The version is part of
// it so that a set loaded again after another one (A, B, then A) is a new
// append, while two loaders racing with the same change from the same head
// produce the same request (the second one is a replay).
std::string ReferenceLoadRequestId(absl::string_view sha256, uint64_t version);

// Appends `data` (canonicalized; content_sha256 computed, or checked when
// given: INVALID_ARGUMENT REFERENCE_DATA_INVALID on a mismatch) to
// kReferenceStream unless the stream's latest event has the same
// content_sha256. Returns whether this call appended. The append expects
// the head it read (ExpectedVersion::Exact, or NoStream), so two loaders
// racing cannot both append; on a conflict it re-reads the head and tries
// again (a few times), returning false if the other loader stored the same
// content. Errors of the store are returned as they are.
absl::StatusOr<bool> LoadReferenceIntoStore(
    EventStore& store, const relog::v1::ReferenceDataLoaded& data,
    absl::CivilDay occurred_at);

// The latest set loaded at a position <= `known_at_position` (kEnd: the
// latest), indexed; ReferenceData::Empty() if none. DATA_LOSS if the
// stored payload does not decode.
absl::StatusOr<std::shared_ptr<const ReferenceData>> ReadReferenceData(
    const EventStore& store, uint64_t known_at_position);

// The same, as the raw payload (nullopt if none).
absl::StatusOr<std::optional<relog::v1::ReferenceDataLoaded>>
ReadReferenceDataLoaded(const EventStore& store, uint64_t known_at_position);

}  // namespace relog::reference

#endif  // RELOG_SERVICES_REFERENCE_REFERENCE_STREAM_H_
