// The report-facts view held in memory, for reports that must answer in
// milliseconds: a mirror of the view (report_facts_projection.h) kept in
// step by the projection runner (projections::LiveViewListener), never
// written any other way, so that it always equals the view at its
// checkpoint.
#ifndef RELOG_SERVICES_REPORTS_FACT_TABLE_H_
#define RELOG_SERVICES_REPORTS_FACT_TABLE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "services/cases/case_state.h"
#include "services/projections/projection_runner.h"
#include "services/reports/case_snapshot.h"
#include "storage/view_store.h"

namespace relog::reports {

// One effective step of a case as asserted at `asserted_at`, standing
// until `superseded_at` (0: still standing).
struct StepFact {
  uint64_t asserted_at = 0;
  uint64_t superseded_at = 0;
  cases::EffectiveStep step;

  bool StandsAt(uint64_t position) const {
    return asserted_at <= position &&
           (superseded_at == 0 || superseded_at > position);
  }
};

// Thread-safe.
class FactTable final : public projections::LiveViewListener {
 public:
  // `views` must outlive the table. `on_failure`, if set, is called (on
  // the runner's thread) when the table fails, so that the health service
  // hears of it.
  FactTable(const ViewStore* views, std::string view,
            std::function<void(const absl::Status&)> on_failure = nullptr);

  // Reads the whole view (at startup, before the runner starts).
  // DATA_LOSS when a value does not decode; the store's errors.
  absl::Status Load() ABSL_LOCKS_EXCLUDED(mu_);

  void OnWrite(uint64_t from, const ViewWrite& write) override
      ABSL_LOCKS_EXCLUDED(mu_);
  // Reads the view again; a store that is recovering (UNAVAILABLE) is
  // retried for a while before the table fails.
  void OnReplaced() override ABSL_LOCKS_EXCLUDED(mu_);

  // The checkpoint the table reflects; its failure if a write could not be
  // mirrored (DATA_LOSS): the table then refuses every read.
  uint64_t checkpoint() const override ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status health() const ABSL_LOCKS_EXCLUDED(mu_);

  // Calls `read` with every case known at `position` (one fact asserted at
  // or before it), by case id, cut at `last_day`, while holding the table
  // still. REQUIRES: position <= checkpoint(). Returns the table's failure
  // instead, if any.
  //
  // A case's snapshot depends only on the last position <= `position` at
  // which one of its facts was asserted or superseded, and on `last_day`:
  // the last two snapshots of each case are kept for those keys (until the
  // case's next write), so that a report folds only the cases that changed
  // since the previous one — known now or as known at any time alike.
  absl::Status Read(
      uint64_t position, absl::CivilDay last_day,
      const std::function<void(const std::vector<const CaseSnapshot*>&)>& read)
      const ABSL_LOCKS_EXCLUDED(mu_);

  size_t fact_count() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // A snapshot kept for (change, last_day).
  struct Memo {
    uint64_t change = 0;
    absl::CivilDay last_day;
    std::shared_ptr<const CaseSnapshot> snapshot;
  };
  struct CaseEntry {
    // Every fact of the case, by (version, asserted_at).
    std::vector<StepFact> facts;
    // The positions at which its standing facts changed (every
    // asserted_at and superseded_at), ascending.
    std::vector<uint64_t> changes;
    // The last two snapshots (e.g. known now, and one known_at). Guarded
    // by FactTable::memo_mu_: readers fill them under the table's reader
    // lock; a write to the case (under the writer lock) empties them,
    // since snapshots point into `facts`.
    mutable std::array<Memo, 2> memo;
    mutable size_t memo_next = 0;
  };

  // The snapshot of `entry` for (change, last_day): kept, or folded now.
  std::shared_ptr<const CaseSnapshot> SnapshotOf(const std::string& case_id,
                                                 const CaseEntry& entry,
                                                 uint64_t position,
                                                 uint64_t change,
                                                 absl::CivilDay last_day) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_) ABSL_EXCLUSIVE_LOCKS_REQUIRED(memo_mu_);

  using CaseMap = std::map<std::string, CaseEntry>;

  // Adds the fact at `key` to `cases`, or replaces it (`facts` counts
  // them), emptying the case's memos.
  absl::Status UpsertInto(CaseMap& cases, size_t& facts, absl::string_view key,
                          absl::string_view value) const
      ABSL_LOCKS_EXCLUDED(memo_mu_);
  absl::Status Upsert(absl::string_view key, absl::string_view value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return UpsertInto(cases_, facts_, key, value);
  }
  // The whole view, read into `cases` with its checkpoint; touches none of
  // the table's state, so a reload runs beside readers of the old table.
  absl::Status ReadView(CaseMap* cases, size_t* facts,
                        uint64_t* checkpoint) const;
  absl::Status LoadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ViewStore* const views_;
  const std::string view_;
  const std::function<void(const absl::Status&)> on_failure_;

  mutable absl::Mutex mu_;
  CaseMap cases_ ABSL_GUARDED_BY(mu_);
  // Guards the cases' memos; taken once per Read, inside mu_.
  mutable absl::Mutex memo_mu_ ABSL_ACQUIRED_AFTER(mu_);
  uint64_t checkpoint_ ABSL_GUARDED_BY(mu_) = 0;
  size_t facts_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace relog::reports

#endif  // RELOG_SERVICES_REPORTS_FACT_TABLE_H_
