// The report-facts view: every effective step of every case as a
// bitemporal fact (DESIGN.md "Projections"), so that a report for any
// period as known at any time is a filter over the view, never a replay of
// the log (docs/REPORTS.md D0, D1).
//
// A step event at position p asserts the fact (case, version) at p. A
// StepCorrected or StepCancelled of that version at position q supersedes
// it at q and asserts its new form (corrected, or cancelled) at q: the
// fact standing at a position P is the one with asserted_at <= P <
// superseded_at. Exactly what evolve() does to EffectiveStep, kept for
// every position.
//
// Keys (in the view "report-facts"; be64 = 8 bytes big-endian):
//   c/{case_id}/{be64 version}                    → StepFactRecord standing now
//   h/{case_id}/{be64 version}/{be64 asserted_at} → StepFactRecord superseded
// Values carry statistical fields only: personal envelopes are dropped, so
// erasing a household's keys never changes a figure.
#ifndef RELOG_SERVICES_REPORTS_REPORT_FACTS_PROJECTION_H_
#define RELOG_SERVICES_REPORTS_REPORT_FACTS_PROJECTION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "services/projections/projection.h"

namespace relog::reports {

inline constexpr char kReportFactsView[] = "report-facts";

class ReportFactsProjection final : public projections::Projection {
 public:
  // `view`: another name than the live one only in tests (a view built
  // from scratch beside it).
  explicit ReportFactsProjection(std::string view = kReportFactsView)
      : view_(std::move(view)) {}
  std::string name() const override { return view_; }
  // Events of other streams than cases are ignored. A case event that does
  // not decode stops the projection (DATA_LOSS, the runner names the
  // position).
  absl::Status Apply(const RecordedEvent& event,
                     projections::ViewTransaction& view) override;

 private:
  const std::string view_;
};

// A key of the view, parsed.
struct StepFactKey {
  std::string case_id;
  uint64_t version = 0;
  // Set for a superseded fact (h/…); a standing one (c/…) has it in its
  // value only.
  std::optional<uint64_t> asserted_at;
};
std::string StandingFactKey(absl::string_view case_id, uint64_t version);
std::string SupersededFactKey(absl::string_view case_id, uint64_t version,
                              uint64_t asserted_at);
// nullopt for a key this view does not write.
std::optional<StepFactKey> ParseStepFactKey(absl::string_view key);

// StepFactRecord.occurred_day ⇄ the civil day.
int64_t DayNumber(absl::CivilDay day);
absl::CivilDay DayOfNumber(int64_t days);

}  // namespace relog::reports

#endif  // RELOG_SERVICES_REPORTS_REPORT_FACTS_PROJECTION_H_
