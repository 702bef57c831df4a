#include "services/api/case_replay.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/api/case_repository.h"
#include "services/api/case_view.h"
#include "services/cases/domain_errors.h"
#include "services/cases/event_codec.h"
#include "storage/errors.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

constexpr size_t kPage = 1000;

}  // namespace

absl::StatusOr<relog::v1::ReplayCaseResponse> ReplayCase(
    const EventStore& store, absl::string_view case_id,
    std::optional<absl::Time> known_at,
    absl::Span<const relog::v1::DataClass> readable) {
  uint64_t position = store.GetLogHead().position;
  if (known_at.has_value()) {
    ASSIGN_OR_RETURN(position, store.PositionKnownAt(*known_at));
  }
  relog::v1::ReplayCaseResponse out;
  out.set_name(CaseName(case_id));
  out.set_position(position);
  const std::string stream = CaseStreamId(case_id);
  cases::CaseState state;
  state.case_id = std::string(case_id);
  // version → index in out.events(), for the corrections.
  std::map<uint64_t, int> by_version;
  for (uint64_t from = 0;;) {
    ASSIGN_OR_RETURN(std::vector<RecordedEvent> page,
                     store.ReadStreamForward(stream, from, kPage));
    for (const RecordedEvent& recorded : page) {
      // Positions grow along a stream: what follows was recorded later.
      if (recorded.position > position) {
        out.set_events_recorded_later(out.events_recorded_later() + 1);
        continue;
      }
      ASSIGN_OR_RETURN(cases::CaseEvent event,
                       cases::DecodeCaseEvent(recorded, readable));
      state = cases::Evolve(std::move(state), event);
      relog::v1::ReplayedEvent* replayed = out.add_events();
      ToHistoryEvent(recorded, event, replayed->mutable_event());
      *replayed->mutable_case_after() =
          ToCaseProto(state, recorded.recorded_at);
      std::optional<uint64_t> target;
      if (event.correction.has_value()) {
        target = event.correction->corrected_version();
      } else if (event.cancellation.has_value()) {
        target = event.cancellation->cancelled_version();
      }
      if (target.has_value()) {
        replayed->set_corrects_version(*target);
        auto it = by_version.find(*target);
        if (it != by_version.end()) {
          out.mutable_events(it->second)->add_corrected_by(recorded.version);
        }
      }
      by_version[recorded.version] = out.events_size() - 1;
    }
    if (page.size() < kPage) break;
    from = page.back().version + 1;
  }
  if (out.events().empty()) {
    return MakeError(
        absl::StatusCode::kNotFound, reason::kCaseNotFound,
        absl::StrCat("no case ", CaseName(case_id),
                     known_at.has_value() ? " recorded by then" : ""));
  }
  return out;
}

}  // namespace relog::api
