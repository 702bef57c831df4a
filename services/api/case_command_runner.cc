#include "services/api/case_command_runner.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/api/api_errors.h"
#include "services/api/case_repository.h"
#include "services/api/case_view.h"
#include "services/cases/decide.h"
#include "services/cases/domain_errors.h"
#include "services/cases/event_codec.h"
#include "storage/errors.h"
#include "storage/event_id.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

absl::Status WrongVersion(const std::string& case_id, uint64_t expected,
                          const cases::CaseState& state) {
  const std::string actual =
      state.exists() ? absl::StrCat(state.version()) : "none";
  return MakeError(
      absl::StatusCode::kAborted, reason::kWrongExpectedVersion,
      absl::StrCat("case ", case_id, ": expected version ", expected,
                   ", actual version ", actual, "; re-read the case and retry"),
      {{meta::kStream, CaseStreamId(case_id)},
       {meta::kExpectedVersion, absl::StrCat(expected)},
       {meta::kActualVersion, actual}});
}

// The stream's events for the store, with ids derived from the request id
// (so a retried append never writes an event twice) and the metadata.
absl::StatusOr<StreamAppend> ToStreamAppend(
    const std::string& case_id, ExpectedVersion expected,
    const std::vector<cases::CaseEvent>& events,
    const CaseCommandRequest& request, uint32_t& next_index) {
  StreamAppend append;
  append.stream_id = CaseStreamId(case_id);
  append.expected = expected;
  for (const cases::CaseEvent& event : events) {
    ASSIGN_OR_RETURN(NewEvent encoded, cases::EncodeCaseEvent(event));
    encoded.id = DeriveEventId(request.request_id, next_index++);
    encoded.metadata.actor = request.caller.identity;
    encoded.metadata.correlation_id = request.request_id;
    encoded.metadata.causation_id =
        absl::StrCat("request:", request.request_id);
    append.events.push_back(std::move(encoded));
  }
  return append;
}

}  // namespace

CaseCommandRunner::CaseCommandRunner(
    EventStore* store, Executor* executor, const Clock* clock,
    std::shared_ptr<const reference::ReferenceData> reference,
    absl::TimeZone zone)
    : store_(store),
      executor_(executor),
      clock_(clock),
      zone_(zone),
      queue_(executor),
      states_(store),
      reference_(std::move(reference)) {}

void CaseCommandRunner::SetReference(
    std::shared_ptr<const reference::ReferenceData> reference) {
  absl::MutexLock lock(&mu_);
  reference_ = std::move(reference);
}

std::shared_ptr<const reference::ReferenceData> CaseCommandRunner::reference()
    const {
  absl::MutexLock lock(&mu_);
  return reference_;
}

absl::CivilDay CaseCommandRunner::Today() const {
  return absl::ToCivilDay(clock_->Now(), zone_);
}

void CaseCommandRunner::Execute(CaseCommandRequest request,
                                CaseCommandDone done) {
  const std::string key = request.case_id;
  auto shared =
      std::make_shared<std::pair<CaseCommandRequest, CaseCommandDone>>(
          std::move(request), std::move(done));
  const bool queued =
      queue_.Submit(key, [this, shared](KeyedSerialQueue::Done finished) {
        Run(shared->first, shared->second, finished);
      });
  if (!queued) shared->second(ShuttingDownError());
}

absl::StatusOr<relog::v1::CaseCommandResponse> CaseCommandRunner::Answer(
    const CaseCommandRequest& request, const AppendResult& result,
    bool check_hash) const {
  if (check_hash && result.request_hash != request.request_hash) {
    return MakeError(absl::StatusCode::kAlreadyExists, reason::kRequestIdReused,
                     absl::StrCat("request_id \"", request.request_id,
                                  "\" was already used for a different "
                                  "request; use a new request_id"));
  }
  // The recorded outcome names the case (an append replayed by its event
  // ids carries none: it is this request's case).
  relog::v1::CommandOutcome outcome;
  if (!outcome.ParseFromString(result.response)) {
    return MakeError(absl::StatusCode::kDataLoss, reason::kCorruptRecord,
                     absl::StrCat("the answer recorded for request_id \"",
                                  request.request_id, "\" does not decode"));
  }
  if (outcome.case_id().empty()) outcome.set_case_id(request.case_id);
  std::optional<uint64_t> version;
  for (const AppendResult::Stream& stream : result.streams) {
    if (stream.stream_id == CaseStreamId(outcome.case_id())) {
      version = stream.last_version;
    }
  }
  // The case as the command left it, with what the caller may read.
  ASSIGN_OR_RETURN(LoadedCase loaded,
                   states_.Load(outcome.case_id(), version,
                                request.caller.readable_classes()));
  relog::v1::CaseCommandResponse response;
  *response.mutable_case_() = ToCaseProto(loaded.state, loaded.updated);
  response.set_case_version(loaded.state.version());
  response.set_position(result.last_position);
  response.set_replayed(result.replayed);
  if (!outcome.opened_case_id().empty()) {
    response.set_opened_case(CaseName(outcome.opened_case_id()));
  }
  return response;
}

bool CaseCommandRunner::Drain(absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (queue_.active_keys() > 0) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

void CaseCommandRunner::Run(const CaseCommandRequest& request,
                            const CaseCommandDone& done,
                            const KeyedSerialQueue::Done& finished) {
  auto answer = [&](absl::StatusOr<relog::v1::CaseCommandResponse> result) {
    done(std::move(result));
    finished();
  };
  // A known request id gets its first answer, whatever the case looks like
  // now (DESIGN.md invariant 6).
  absl::StatusOr<std::optional<AppendResult>> recorded =
      store_->LookupRequest(request.request_id);
  if (!recorded.ok()) return answer(recorded.status());
  if (recorded->has_value()) {
    return answer(Answer(request, **recorded, /*check_hash=*/true));
  }

  // decide() sees every field; the answer only what the caller may read.
  absl::StatusOr<LoadedCase> loaded =
      states_.Load(request.case_id, std::nullopt, cases::AllDataClasses());
  if (!loaded.ok()) return answer(loaded.status());
  const cases::CaseState& state = loaded->state;
  if (request.expected_version.has_value() && !state.exists()) {
    return answer(
        MakeError(absl::StatusCode::kNotFound, reason::kCaseNotFound,
                  absl::StrCat("no case ", CaseName(request.case_id))));
  }
  if (request.expected_version.has_value() &&
      state.version() != *request.expected_version) {
    return answer(
        WrongVersion(request.case_id, *request.expected_version, state));
  }
  const std::shared_ptr<const reference::ReferenceData> ref = reference();
  cases::DecideContext context;
  context.today = Today();
  context.reference = ref.get();
  absl::StatusOr<cases::Decision> decision =
      cases::Decide(request.command, state, context);
  if (!decision.ok()) return answer(decision.status());

  AppendRequest append;
  uint32_t index = 0;
  absl::StatusOr<StreamAppend> case_append =
      ToStreamAppend(request.case_id,
                     state.exists() ? ExpectedVersion::Exact(state.version())
                                    : ExpectedVersion::NoStream(),
                     decision->events, request, index);
  if (!case_append.ok()) return answer(case_append.status());
  append.streams.push_back(*std::move(case_append));
  relog::v1::CommandOutcome outcome;
  outcome.set_case_id(request.case_id);
  if (decision->opened.has_value()) {
    absl::StatusOr<StreamAppend> opened =
        ToStreamAppend(decision->opened->case_id, ExpectedVersion::NoStream(),
                       decision->opened->events, request, index);
    if (!opened.ok()) return answer(opened.status());
    append.streams.push_back(*std::move(opened));
    outcome.set_opened_case_id(decision->opened->case_id);
  }
  RequestRecord record;
  record.request_id = request.request_id;
  record.request_hash = request.request_hash;
  record.response = outcome.SerializeAsString();
  append.request = std::move(record);

  store_->Append(std::move(append), [this, request, done, finished](
                                        absl::StatusOr<AppendResult> result) {
    // On the store's writer thread: answer from relog's executor. A
    // replay here (ids already stored) was checked by the store.
    auto respond = [this, request, done, finished,
                    result = std::move(result)]() {
      done(result.ok() ? Answer(request, *result, /*check_hash=*/false)
                       : absl::StatusOr<relog::v1::CaseCommandResponse>(
                             result.status()));
      finished();
    };
    if (!executor_->Submit(respond)) respond();
  });
}

}  // namespace relog::api
