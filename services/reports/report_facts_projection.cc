#include "services/reports/report_facts_projection.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "relog/v1/report_facts.pb.h"
#include "services/cases/event_codec.h"
#include "storage/byte_codec.h"
#include "storage/errors.h"
#include "storage/status_macros.h"

namespace relog::reports {
namespace {

using relog::v1::StepFactRecord;

constexpr char kStandingPrefix[] = "c/";
constexpr char kSupersededPrefix[] = "h/";
constexpr relog::v1::DataClass kStatisticalOnly[] = {
    relog::v1::DATA_CLASS_STATISTICAL};

using bytes::U64Key;

uint64_t ReadBe64(absl::string_view eight) {
  uint64_t value = 0;
  bytes::Reader(eight).U64(&value);
  return value;
}

// Supersedes the standing fact of (case, version) at `position` and
// asserts `change` of it there. A version with no standing fact (not a
// step: a correction of a correction) changes nothing, as in evolve().
absl::Status Supersede(projections::ViewTransaction& view,
                       const std::string& case_id, uint64_t version,
                       uint64_t position,
                       const std::function<void(StepFactRecord&)>& change) {
  const std::string key = StandingFactKey(case_id, version);
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, view.Get(key));
  if (!bytes.has_value()) return absl::OkStatus();
  StepFactRecord old_fact;
  if (!old_fact.ParseFromString(*bytes)) {
    return MakeError(absl::StatusCode::kDataLoss, reason::kCorruptRecord,
                     absl::StrCat("report fact ", case_id, "@", version,
                                  " does not decode"));
  }
  StepFactRecord new_fact = old_fact;
  old_fact.set_superseded_at(position);
  view.Put(SupersededFactKey(case_id, version, old_fact.asserted_at()),
           old_fact.SerializeAsString());
  new_fact.set_asserted_at(position);
  new_fact.set_superseded_at(0);
  change(new_fact);
  view.Put(key, new_fact.SerializeAsString());
  return absl::OkStatus();
}

}  // namespace

std::string StandingFactKey(absl::string_view case_id, uint64_t version) {
  return absl::StrCat(kStandingPrefix, case_id, "/", U64Key(version));
}

std::string SupersededFactKey(absl::string_view case_id, uint64_t version,
                              uint64_t asserted_at) {
  return absl::StrCat(kSupersededPrefix, case_id, "/", U64Key(version), "/",
                      U64Key(asserted_at));
}

int64_t DayNumber(absl::CivilDay day) {
  return day - absl::CivilDay(1970, 1, 1);
}

absl::CivilDay DayOfNumber(int64_t days) {
  return absl::CivilDay(1970, 1, 1) + days;
}

std::optional<StepFactKey> ParseStepFactKey(absl::string_view key) {
  StepFactKey parsed;
  size_t tail;
  if (absl::ConsumePrefix(&key, kStandingPrefix)) {
    tail = 9;  // "/" be64
  } else if (absl::ConsumePrefix(&key, kSupersededPrefix)) {
    tail = 18;  // "/" be64 "/" be64
    if (key.size() < tail + 1 || key[key.size() - 9] != '/') {
      return std::nullopt;
    }
    parsed.asserted_at = ReadBe64(key.substr(key.size() - 8));
  } else {
    return std::nullopt;
  }
  if (key.size() < tail + 1 || key[key.size() - tail] != '/') {
    return std::nullopt;
  }
  parsed.case_id = std::string(key.substr(0, key.size() - tail));
  parsed.version = ReadBe64(key.substr(key.size() - tail + 1, 8));
  return parsed;
}

absl::Status ReportFactsProjection::Apply(const RecordedEvent& event,
                                          projections::ViewTransaction& view) {
  absl::string_view stream = event.stream_id;
  if (!absl::ConsumePrefix(&stream, cases::kCaseStreamPrefix)) {
    return absl::OkStatus();
  }
  const std::string case_id(stream);
  ASSIGN_OR_RETURN(cases::CaseEvent decoded,
                   cases::DecodeCaseEvent(event, kStatisticalOnly));
  if (decoded.step.has_value()) {
    StepFactRecord fact;
    fact.set_asserted_at(event.position);
    fact.set_occurred_day(DayNumber(decoded.occurred_on));
    *fact.mutable_step() = std::move(*decoded.step);
    view.Put(StandingFactKey(case_id, event.version), fact.SerializeAsString());
    return absl::OkStatus();
  }
  if (decoded.correction.has_value()) {
    const relog::v1::StepCorrected& correction = *decoded.correction;
    return Supersede(
        view, case_id, correction.corrected_version(), event.position,
        [&](StepFactRecord& fact) {
          if (correction.has_replacement()) {
            *fact.mutable_step() = correction.replacement();
          }
          absl::CivilDay day;
          if (!correction.occurred_on().empty() &&
              absl::ParseCivilTime(correction.occurred_on(), &day)) {
            fact.set_occurred_day(DayNumber(day));
          }
          fact.set_corrections(fact.corrections() + 1);
        });
  }
  return Supersede(view, case_id, decoded.cancellation->cancelled_version(),
                   event.position,
                   [](StepFactRecord& fact) { fact.set_cancelled(true); });
}

}  // namespace relog::reports
