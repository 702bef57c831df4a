#include "services/api/case_repository.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/cases/domain_errors.h"
#include "storage/sha256.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

constexpr size_t kReadPage = 512;

bool ValidCaseId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string CaseStreamId(absl::string_view case_id) {
  return absl::StrCat(kCaseStreamPrefix, case_id);
}

std::string CaseName(absl::string_view case_id) {
  return absl::StrCat("cases/", case_id);
}

absl::StatusOr<std::string> CaseIdFromName(absl::string_view name,
                                           absl::string_view field) {
  if (!absl::ConsumePrefix(&name, "cases/") || !ValidCaseId(name)) {
    return cases::InvalidField(
        field, reason::kValueOutOfRange,
        "must be \"cases/{id}\" with an id of [a-z0-9_-], 1 to 64 characters");
  }
  return std::string(name);
}

std::string DeriveCaseId(absl::string_view request_id,
                         absl::string_view purpose) {
  const std::string digest =
      Sha256({"relog.case-id\n", purpose, "\n", request_id});
  return absl::StrCat("c", ToHex(absl::string_view(digest).substr(0, 6)));
}

absl::Status ContinueLoadingCase(
    const EventStore& store, std::optional<uint64_t> up_to_version,
    absl::Span<const relog::v1::DataClass> readable, bool keep_events,
    LoadedCase& loaded) {
  const std::string stream = CaseStreamId(loaded.state.case_id);
  uint64_t from = loaded.state.event_count;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<RecordedEvent> page,
                     store.ReadStreamForward(stream, from, kReadPage));
    for (const RecordedEvent& recorded : page) {
      if (up_to_version.has_value() && recorded.version > *up_to_version) {
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(cases::CaseEvent event,
                       cases::DecodeCaseEvent(recorded, readable));
      loaded.state = cases::Evolve(std::move(loaded.state), event);
      if (keep_events) loaded.events.push_back(std::move(event));
      loaded.updated = recorded.recorded_at;
    }
    if (page.size() < kReadPage) return absl::OkStatus();
    from = page.back().version + 1;
  }
}

absl::StatusOr<LoadedCase> LoadCase(
    const EventStore& store, absl::string_view case_id,
    std::optional<uint64_t> up_to_version,
    absl::Span<const relog::v1::DataClass> readable) {
  LoadedCase loaded;
  loaded.state.case_id = std::string(case_id);
  RETURN_IF_ERROR(ContinueLoadingCase(store, up_to_version, readable,
                                      /*keep_events=*/true, loaded));
  return loaded;
}

}  // namespace relog::api
