#include "services/api/audit_service.h"

#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/api/api_errors.h"
#include "services/api/case_replay.h"
#include "services/api/case_repository.h"
#include "services/api/status_conversion.h"
#include "services/audit/export_writer.h"
#include "services/cases/domain_errors.h"
#include "storage/errors.h"
#include "storage/sha256.h"

namespace relog::api {
namespace {

namespace v1 = ::relog::v1;

// One message of an export carries about this many bytes (gRPC's default
// limit for a message a client receives is 4 MiB).
constexpr size_t kExportChunkBytes = 512 << 10;
constexpr uint64_t kLinksPerMessage = 4096;

grpc::Status ShuttingDown() { return ToGrpcStatus(ShuttingDownError()); }

void SetTime(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(time);
  int64_t seconds = micros / 1000000, fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(fraction) * 1000);
}

void ToProto(const audit::WrittenCheckpoint& written, v1::Checkpoint* out) {
  out->set_position(written.checkpoint.position);
  out->set_global_hash(written.checkpoint.global_hash);
  SetTime(written.checkpoint.recorded_at, out->mutable_recorded_at());
  SetTime(written.checkpoint.signed_at, out->mutable_signed_at());
  out->set_key_id(written.checkpoint.key_id);
  out->set_signature(written.checkpoint.signature);
  out->set_text(written.text);
  out->set_path(written.path);
}

// A server stream whose messages are produced one at a time on the
// executor: the next is produced only once the previous was written, so a
// slow reader holds one message in memory and no thread.
template <typename Message>
class ProducedStream final : public grpc::ServerWriteReactor<Message> {
 public:
  // Fills the next message and returns true, false at the end, or an
  // error (which ends the call with it). Called on the executor, one call
  // at a time.
  using Next = std::function<absl::StatusOr<bool>(Message*)>;

  ProducedStream(grpc::CallbackServerContext* context, Executor* executor,
                 Next next)
      : context_(context), executor_(executor), next_(std::move(next)) {
    Produce();
  }

  void OnWriteDone(bool ok) override {
    // The client went away (or the server is cancelling calls).
    if (!ok) {
      this->Finish(grpc::Status::CANCELLED);
      return;
    }
    Produce();
  }
  void OnDone() override { delete this; }

 private:
  void Produce() {
    if (!executor_->Submit([this] { ProduceNow(); })) {
      this->Finish(ShuttingDown());
    }
  }
  void ProduceNow() {
    if (context_->IsCancelled()) {
      this->Finish(grpc::Status::CANCELLED);
      return;
    }
    message_.Clear();
    absl::StatusOr<bool> more = next_(&message_);
    if (!more.ok()) {
      this->Finish(ToGrpcStatus(more.status()));
    } else if (!*more) {
      this->Finish(grpc::Status::OK);
    } else {
      this->StartWrite(&message_);
    }
  }

  grpc::CallbackServerContext* const context_;
  Executor* const executor_;
  const Next next_;
  Message message_;
};

// A stream that ends at once with `status`.
template <typename Message>
class FailedStream final : public grpc::ServerWriteReactor<Message> {
 public:
  explicit FailedStream(const absl::Status& status) {
    this->Finish(ToGrpcStatus(status));
  }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerUnaryReactor* AuditService::CreateCheckpoint(
    Context* context, const v1::CreateCheckpointRequest*,
    v1::Checkpoint* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!callers_->Get(context).authenticated()) {
    reactor->Finish(ToGrpcStatus(UnauthenticatedError()));
    return reactor;
  }
  // An fsync'ed file write: on the executor.
  const bool queued = executor_->Submit([this, context, reactor, response] {
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status::CANCELLED);
      return;
    }
    absl::StatusOr<audit::WrittenCheckpoint> written = checkpoints_->WriteNow();
    if (!written.ok()) {
      reactor->Finish(ToGrpcStatus(written.status()));
      return;
    }
    ToProto(*written, response);
    reactor->Finish(grpc::Status::OK);
  });
  if (!queued) reactor->Finish(ShuttingDown());
  return reactor;
}

grpc::ServerUnaryReactor* AuditService::GetPublicKey(
    Context* context, const v1::GetPublicKeyRequest*, v1::PublicKey* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // In memory: may answer on gRPC's thread.
  response->set_pem(key_->public_key().pem());
  response->set_key_id(key_->public_key().key_id());
  response->set_algorithm("ED25519");
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<v1::ChainLinks>* AuditService::ReadChainLinks(
    Context* context, const v1::ReadChainLinksRequest* request) {
  if (!callers_->Get(context).authenticated()) {
    return new FailedStream<v1::ChainLinks>(UnauthenticatedError());
  }
  const uint64_t from = request->from_position();
  const uint64_t to = request->to_position() == 0
                          ? store_->GetLogHead().position
                          : request->to_position();
  if (from == 0 || (request->to_position() != 0 && to < from)) {
    const bool bad_from = from == 0;
    return new FailedStream<v1::ChainLinks>(MakeError(
        absl::StatusCode::kInvalidArgument, "INVALID_RANGE",
        bad_from ? "from_position must be at least 1"
                 : "to_position must not be before from_position",
        {{meta::kField, bad_from ? "from_position" : "to_position"}}));
  }
  auto next = std::make_shared<uint64_t>(from);
  const EventStore* store = store_;
  return new ProducedStream<v1::ChainLinks>(
      context, executor_,
      [store, next, to](v1::ChainLinks* out) -> absl::StatusOr<bool> {
        if (*next > to) return false;
        out->set_to_position(to);
        absl::StatusOr<uint64_t> scanned = store->ScanLogRecords(
            *next, std::min(kLinksPerMessage, to - *next + 1),
            [&](uint64_t position, absl::string_view record) {
              if (position > to) return false;
              v1::ChainLink* link = out->add_links();
              link->set_position(position);
              if (record.size() >= 2 * kHashSize) {
                link->set_stream_hash(std::string(
                    record.substr(record.size() - 2 * kHashSize, kHashSize)));
                link->set_global_hash(
                    std::string(record.substr(record.size() - kHashSize)));
              }
              return true;
            });
        if (!scanned.ok()) return scanned.status();
        if (out->links().empty()) return false;
        *next = out->links().rbegin()->position() + 1;
        return true;
      });
}

grpc::ServerWriteReactor<v1::ExportChunk>* AuditService::ExportLog(
    Context* context, const v1::ExportLogRequest*) {
  return Export(context, "", 1);
}

grpc::ServerWriteReactor<v1::ExportChunk>* AuditService::ExportCase(
    Context* context, const v1::ExportCaseRequest* request) {
  absl::StatusOr<std::string> id = CaseIdFromName(request->name(), "name");
  if (!id.ok()) return new FailedStream<v1::ExportChunk>(id.status());
  return Export(context, CaseStreamId(*id), request->from_position());
}

grpc::ServerWriteReactor<v1::ExportChunk>* AuditService::Export(
    Context* context, std::string stream_id, uint64_t from_position) {
  // Exports carry every payload as stored: personal data included.
  if (!callers_->Get(context).authenticated()) {
    return new FailedStream<v1::ExportChunk>(UnauthenticatedError());
  }
  struct State {
    std::string stream_id;
    uint64_t from_position = 0;
    std::optional<audit::ExportWriter> writer;
  };
  auto state = std::make_shared<State>();
  state->stream_id = std::move(stream_id);
  state->from_position = from_position;
  const EventStore* store = store_;
  audit::CheckpointWriter* checkpoints = checkpoints_;
  return new ProducedStream<v1::ExportChunk>(
      context, executor_,
      [store, checkpoints,
       state](v1::ExportChunk* out) -> absl::StatusOr<bool> {
        if (!state->writer.has_value()) {
          // The first message: where the export starts, then the checkpoint
          // that ends it, signed over the head now.
          uint64_t first = 1;
          if (!state->stream_id.empty()) {
            absl::StatusOr<uint64_t> start = audit::StreamExportStart(
                *store, state->stream_id, state->from_position);
            if (!start.ok() && absl::IsNotFound(start.status())) {
              return MakeError(
                  absl::StatusCode::kNotFound, reason::kCaseNotFound,
                  absl::StrCat("no case with the stream ", state->stream_id));
            }
            if (!start.ok()) return start.status();
            first = *start;
          }
          absl::StatusOr<audit::WrittenCheckpoint> written =
              checkpoints->WriteNow();
          if (!written.ok()) return written.status();
          ToProto(*written, out->mutable_checkpoint());
          state->writer.emplace(store, state->stream_id, first,
                                written->checkpoint.position, written->text);
        }
        std::string* data = out->mutable_data();
        absl::StatusOr<bool> more =
            state->writer->Next(kExportChunkBytes, data);
        if (!more.ok()) return more.status();
        return *more;
      });
}

grpc::ServerUnaryReactor* AuditService::ReplayCase(
    Context* context, const v1::ReplayCaseRequest* request,
    v1::ReplayCaseResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const Caller caller = callers_->Get(context);
  const bool queued =
      executor_->Submit([this, context, reactor, request, response, caller] {
        auto replay = [&]() -> absl::Status {
          if (!caller.authenticated()) return UnauthenticatedError();
          absl::StatusOr<std::string> case_id =
              CaseIdFromName(request->name(), "name");
          if (!case_id.ok()) return case_id.status();
          std::optional<absl::Time> known_at;
          if (request->has_known_at()) {
            known_at = absl::FromUnixSeconds(request->known_at().seconds()) +
                       absl::Nanoseconds(request->known_at().nanos());
            if (*known_at > clock_->Now()) {
              return cases::InvalidField("known_at", reason::kDateInFuture,
                                         "is still to come");
            }
          }
          absl::StatusOr<v1::ReplayCaseResponse> replayed = api::ReplayCase(
              *store_, *case_id, known_at, caller.readable_classes());
          if (!replayed.ok()) return replayed.status();
          *response = *std::move(replayed);
          return absl::OkStatus();
        };
        if (context->IsCancelled()) {
          reactor->Finish(grpc::Status::CANCELLED);
          return;
        }
        reactor->Finish(ToGrpcStatus(replay()));
      });
  if (!queued) reactor->Finish(ShuttingDown());
  return reactor;
}

}  // namespace relog::api
