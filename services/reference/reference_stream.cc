#include "services/reference/reference_stream.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/reference/reference_files.h"
#include "storage/errors.h"
#include "storage/event_id.h"
#include "storage/status_macros.h"

namespace relog::reference {
namespace {

namespace pb = relog::v1;

constexpr int kMaxAttempts = 5;

absl::StatusOr<pb::ReferenceDataLoaded> Decode(const RecordedEvent& event) {
  pb::ReferenceDataLoaded loaded;
  if (event.type != kReferenceDataLoadedType ||
      !loaded.ParseFromString(event.payload)) {
    return MakeError(
        absl::StatusCode::kDataLoss, reason::kCorruptRecord,
        absl::StrCat("event at position ", event.position, " of stream ",
                     kReferenceStream, " is not a ", kReferenceDataLoadedType),
        {{meta::kStream, kReferenceStream},
         {meta::kPosition, absl::StrCat(event.position)}});
  }
  return loaded;
}

std::string DeterministicBytes(const pb::ReferenceDataLoaded& data) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    data.SerializeToCodedStream(&coded);
  }
  return bytes;
}

}  // namespace

std::string ReferenceLoadRequestId(absl::string_view sha256, uint64_t version) {
  return absl::StrCat("reference-load-", sha256, "@", version);
}

absl::StatusOr<bool> LoadReferenceIntoStore(EventStore& store,
                                            const pb::ReferenceDataLoaded& data,
                                            absl::CivilDay occurred_at) {
  pb::ReferenceDataLoaded canonical = data;
  Canonicalize(canonical);
  std::string sha = ComputeContentSha256(canonical);
  if (!data.content_sha256().empty() && data.content_sha256() != sha) {
    return MakeError(absl::StatusCode::kInvalidArgument, kReferenceDataInvalid,
                     absl::StrCat("content_sha256 ", data.content_sha256(),
                                  " does not match the content (", sha, ")"));
  }
  canonical.set_content_sha256(sha);
  std::string payload = DeterministicBytes(canonical);

  absl::Status last_conflict;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    ASSIGN_OR_RETURN(std::vector<RecordedEvent> head,
                     store.ReadStreamBackward(kReferenceStream, kEnd, 1));
    ExpectedVersion expected = ExpectedVersion::NoStream();
    uint64_t next_version = 0;
    if (!head.empty()) {
      ASSIGN_OR_RETURN(pb::ReferenceDataLoaded latest, Decode(head.front()));
      if (latest.content_sha256() == sha) return false;
      expected = ExpectedVersion::Exact(head.front().version);
      next_version = head.front().version + 1;
    }

    std::string request_id = ReferenceLoadRequestId(sha, next_version);
    NewEvent event;
    event.id = DeriveEventId(request_id, 0);
    event.type = kReferenceDataLoadedType;
    event.payload = payload;
    event.metadata.actor = kReferenceLoaderActor;
    event.metadata.correlation_id = request_id;
    event.metadata.causation_id = request_id;
    event.metadata.occurred_at = occurred_at;

    StreamAppend stream;
    stream.stream_id = kReferenceStream;
    stream.expected = expected;
    stream.events.push_back(std::move(event));
    AppendRequest request;
    request.streams.push_back(std::move(stream));
    RequestRecord record;
    record.request_id = request_id;
    record.request_hash = sha;
    request.request = std::move(record);

    absl::StatusOr<AppendResult> result = store.AppendBlocking(request);
    if (result.ok()) return !result->replayed;
    if (result.status().code() != absl::StatusCode::kAborted) {
      return result.status();
    }
    last_conflict = result.status();  // another loader moved the head
  }
  return last_conflict;
}

absl::StatusOr<std::optional<pb::ReferenceDataLoaded>> ReadReferenceDataLoaded(
    const EventStore& store, uint64_t known_at_position) {
  constexpr size_t kPage = 16;
  uint64_t from = kEnd;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<RecordedEvent> page,
                     store.ReadStreamBackward(kReferenceStream, from, kPage));
    for (const RecordedEvent& event : page) {
      if (event.position <= known_at_position) {
        ASSIGN_OR_RETURN(pb::ReferenceDataLoaded loaded, Decode(event));
        return std::optional<pb::ReferenceDataLoaded>(std::move(loaded));
      }
    }
    if (page.size() < kPage || page.back().version == 0) {
      return std::optional<pb::ReferenceDataLoaded>();
    }
    from = page.back().version - 1;
  }
}

absl::StatusOr<std::shared_ptr<const ReferenceData>> ReadReferenceData(
    const EventStore& store, uint64_t known_at_position) {
  ASSIGN_OR_RETURN(std::optional<pb::ReferenceDataLoaded> loaded,
                   ReadReferenceDataLoaded(store, known_at_position));
  if (!loaded.has_value()) return ReferenceData::Empty();
  return ReferenceData::Build(*loaded);
}

}  // namespace relog::reference
