// The hand-computed fixture of docs/REPORTS.md ("Hand-computed examples"),
// recorded in a real RocksDB store: the MEL reference sample, then the cases
// K1, K2, K3, K3b (a decohabitation of K3), K4, K5 and K6 with the steps and
// dates of the table, every one decided by the real domain (Decide) and
// appended as relogd would append it.
//
// Every event is recorded at 12:00 UTC on its business date (K4's reopening
// on 2023-09-01 and its StepCorrected of the lease, landlord P → L, on
// 2023-09-15 included), except K5's move (occurred 2023-11-20, recorded
// 2024-02-05). Appends follow recorded_at across cases, so recorded_at never
// decreases along the log. The log then holds 61 events: the reference set
// at position 1, PositionKnownAt(T1()) = 54, PositionKnownAt(T2()) = 60
// (kEventCount, kPositionAtT1, kPositionAtT2).
//
// Details the table leaves open: case ids are "k1" … "k6", "k3b"; every
// offer is notified the day it is made (14-day deadline) and accepted, none
// refused; K2's first offer (Lille) and K3b's (Tourcoing) are attested
// NOT_COMPLIANT on location, as neither commune is the origin's nor adjacent
// to it; K4's offer names L and its lease was typed with the offer's
// dwelling but landlord P; K6 has no diagnosis (none in the table).
#ifndef RELOG_TESTS_REPORTS_REPORT_FIXTURE_H_
#define RELOG_TESTS_REPORTS_REPORT_FIXTURE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/cases/commands.h"
#include "services/reference/reference_data.h"
#include "storage/event_store.h"
#include "tests/testing/manual_clock.h"
#include "tests/testing/temp_dir.h"

namespace relog::reports::testing {

// Reference ids of the MEL sample (deploy/reference/mel/) the fixture uses.
inline constexpr char kLandlordV[] = "999000011";  // Vilogia
inline constexpr char kLandlordL[] = "999000029";  // LMH
inline constexpr char kLandlordP[] = "999000037";  // Partenord Habitat
inline constexpr char kLille[] = "59350";
inline constexpr char kRoubaix[] = "59512";
inline constexpr char kTourcoing[] = "59599";
inline constexpr char kMons[] = "59410";  // Mons-en-Barœul

// What Create() records.
inline constexpr uint64_t kEventCount = 61;
inline constexpr uint64_t kPositionAtT1 = 54;
inline constexpr uint64_t kPositionAtT2 = 60;

class ReportFixture {
 public:
  // Creates a temp-dir RocksDB store and records the reference set and K1..K6,
  // K3b. On failure (a step refused by Decide, a store error) it adds a test
  // failure naming the step and returns nullptr: callers
  // ASSERT_NE(fixture, nullptr).
  static std::unique_ptr<ReportFixture> Create();
  // The same, with the error returned instead.
  static absl::StatusOr<std::unique_ptr<ReportFixture>> CreateOrError();

  ReportFixture(const ReportFixture&) = delete;
  ReportFixture& operator=(const ReportFixture&) = delete;
  ~ReportFixture();

  EventStore& store() { return *store_; }
  // The case id of "K1", "K2", "K3", "K3b", "K4", "K5", "K6" (and of cases
  // opened by Record(), under their own id). Dies on an unknown name.
  const std::string& CaseId(const std::string& name) const;
  // "case-<id>".
  std::string StreamId(const std::string& name) const;

  static absl::Time T1();  // 2023-08-31T23:59:00Z
  static absl::Time T2();  // 2024-01-31T23:59:00Z
  // 12:00 UTC on `day`: when the fixture records a step of that day.
  static absl::Time Noon(absl::CivilDay day);

  // The reference data as loaded (the only set of the store, at position 1,
  // recorded 2022-01-01T12:00Z: known at every T).
  const reference::ReferenceData& reference() const { return *reference_; }

  // Appends one more step to a case (for tests that add events later),
  // recorded at `recorded_at` (the store stamps max(recorded_at, the log's
  // last recorded_at)); returns the position of the step's event. `on` is
  // the step's business date: it replaces command.occurred_on. The case is
  // read back from the store and the command decided with today = the later
  // of `on` and the Europe/Paris day of `recorded_at`. A decohabitation
  // needs command.new_case_id; its new case is appended in the same append
  // and can then be named by its id. Errors: Decide's refusal, the store's.
  absl::StatusOr<uint64_t> Record(const std::string& name,
                                  const cases::Command& command,
                                  absl::CivilDay on, absl::Time recorded_at);

  // Loads the MEL sample again with `file` declared complete over [from,
  // to) (coverage.csv), recorded on 2024-03-01: known "now", not at T1 or
  // T2.
  absl::Status DeclareComplete(const std::string& file, absl::CivilDay from,
                               absl::CivilDay to);

 private:
  ReportFixture();

  // The fixture's table, appended in recorded_at order.
  absl::Status RecordAll();

  ::relog::testing::TempDir dir_;
  ::relog::testing::ManualClock clock_;
  std::unique_ptr<EventStore> store_;
  std::shared_ptr<const reference::ReferenceData> reference_;
  std::map<std::string, std::string> case_ids_;  // name → case id
  uint32_t next_request_ = 0;                    // for event ids
};

}  // namespace relog::reports::testing

#endif  // RELOG_TESTS_REPORTS_REPORT_FIXTURE_H_
