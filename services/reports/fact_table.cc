#include "services/reports/fact_table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "relog/v1/report_facts.pb.h"
#include "services/reports/definitions.h"
#include "services/reports/report_facts_projection.h"
#include "storage/errors.h"
#include "storage/status_macros.h"

namespace relog::reports {
namespace {

bool FactBefore(const StepFact& a, uint64_t version, uint64_t asserted_at) {
  return a.step.version != version ? a.step.version < version
                                   : a.asserted_at < asserted_at;
}

absl::Status Corrupt(absl::string_view key, absl::string_view what) {
  return MakeError(
      absl::StatusCode::kDataLoss, reason::kCorruptRecord,
      absl::StrCat("report fact ", absl::CHexEscape(key), " ", what));
}

}  // namespace

FactTable::FactTable(const ViewStore* views, std::string view,
                     std::function<void(const absl::Status&)> on_failure)
    : views_(views),
      view_(std::move(view)),
      on_failure_(std::move(on_failure)) {}

absl::Status FactTable::UpsertInto(CaseMap& cases, size_t& facts,
                                   absl::string_view key,
                                   absl::string_view value) const {
  std::optional<StepFactKey> parsed = ParseStepFactKey(key);
  if (!parsed.has_value()) return Corrupt(key, "has an unknown key");
  relog::v1::StepFactRecord record;
  if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return Corrupt(key, "does not decode");
  }
  StepFact fact;
  fact.asserted_at = record.asserted_at();
  fact.superseded_at = record.superseded_at();
  fact.step.version = parsed->version;
  fact.step.occurred_on = DayOfNumber(record.occurred_day());
  fact.step.step = std::move(*record.mutable_step());
  fact.step.cancelled = record.cancelled();
  fact.step.corrections = static_cast<int>(record.corrections());

  CaseEntry& entry = cases[parsed->case_id];
  {
    absl::MutexLock memo(&memo_mu_);
    entry.memo = {};
  }
  for (uint64_t change : {fact.asserted_at, fact.superseded_at}) {
    auto at =
        std::lower_bound(entry.changes.begin(), entry.changes.end(), change);
    if (change != 0 && (at == entry.changes.end() || *at != change)) {
      entry.changes.insert(at, change);
    }
  }
  std::vector<StepFact>& list = entry.facts;
  auto it = std::lower_bound(
      list.begin(), list.end(), fact, [](const StepFact& a, const StepFact& b) {
        return FactBefore(a, b.step.version, b.asserted_at);
      });
  if (it != list.end() && it->step.version == fact.step.version &&
      it->asserted_at == fact.asserted_at) {
    *it = std::move(fact);  // superseded now, or rewritten by a rebuild
  } else {
    list.insert(it, std::move(fact));
    ++facts;
  }
  return absl::OkStatus();
}

absl::Status FactTable::ReadView(CaseMap* cases, size_t* facts,
                                 uint64_t* checkpoint) const {
  ASSIGN_OR_RETURN(*checkpoint, views_->Checkpoint(view_));
  std::string start;
  constexpr size_t kBatch = 4096;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<ViewEntry> batch,
                     views_->Scan(view_, start, "", kBatch));
    for (const ViewEntry& entry : batch) {
      RETURN_IF_ERROR(UpsertInto(*cases, *facts, entry.key, entry.value));
    }
    if (batch.size() < kBatch) break;
    start = batch.back().key + std::string(1, '\0');
  }
  return absl::OkStatus();
}

absl::Status FactTable::LoadLocked() {
  CaseMap cases;
  size_t facts = 0;
  uint64_t checkpoint = 0;
  RETURN_IF_ERROR(ReadView(&cases, &facts, &checkpoint));
  cases_.swap(cases);
  facts_ = facts;
  checkpoint_ = checkpoint;
  return absl::OkStatus();
}

absl::Status FactTable::Load() {
  absl::MutexLock lock(&mu_);
  absl::Status loaded = LoadLocked();
  failure_ = loaded;
  return loaded;
}

void FactTable::OnWrite(uint64_t from, const ViewWrite& write) {
  absl::Status failed;
  {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return;
    if (from != checkpoint_) {
      // Out of step (a write it never saw committed): the view is the truth.
      failure_ = LoadLocked();
      failed = failure_;
    } else if (!write.deletes.empty()) {
      // The projection never deletes a fact: a delete means another writer.
      failure_ = failed = Corrupt(write.deletes.front(), "was deleted");
    } else {
      for (const auto& [key, value] : write.puts) {
        failed = Upsert(key, value);
        if (!failed.ok()) break;
      }
      failure_ = failed;
      if (failed.ok()) checkpoint_ = write.checkpoint;
    }
  }
  if (!failed.ok() && on_failure_) on_failure_(failed);
}

void FactTable::OnReplaced() {
  absl::Status loaded;
  for (int attempt = 0;; ++attempt) {
    {
      // Read beside the old table, which reports keep reading: the runner
      // calls this between two live writes (it holds them back), so the
      // view does not move meanwhile. The old table is freed after the
      // lock is released.
      CaseMap cases;
      size_t facts = 0;
      uint64_t checkpoint = 0;
      loaded = ReadView(&cases, &facts, &checkpoint);
      absl::MutexLock lock(&mu_);
      if (loaded.ok()) {
        cases_.swap(cases);
        facts_ = facts;
        checkpoint_ = checkpoint;
      }
      failure_ = loaded;
    }
    constexpr int kAttempts = 50;  // 10 s: a store recovering its database
    if (loaded.code() != absl::StatusCode::kUnavailable ||
        attempt + 1 == kAttempts) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  if (!loaded.ok() && on_failure_) on_failure_(loaded);
}

uint64_t FactTable::checkpoint() const {
  absl::MutexLock lock(&mu_);
  return checkpoint_;
}

absl::Status FactTable::health() const {
  absl::MutexLock lock(&mu_);
  return failure_;
}

size_t FactTable::fact_count() const {
  absl::MutexLock lock(&mu_);
  return facts_;
}

std::shared_ptr<const CaseSnapshot> FactTable::SnapshotOf(
    const std::string& case_id, const CaseEntry& entry, uint64_t position,
    uint64_t change, absl::CivilDay last_day) const {
  for (const Memo& memo : entry.memo) {
    if (memo.snapshot != nullptr && memo.change == change &&
        memo.last_day == last_day) {
      return memo.snapshot;
    }
  }
  auto snapshot = std::make_shared<CaseSnapshot>();
  snapshot->case_id = &case_id;
  for (const StepFact& fact : entry.facts) {
    // At most one fact of a version stands at a position.
    if (!fact.StandsAt(position) || fact.step.cancelled) continue;
    snapshot->all_steps.push_back(&fact.step);
    if (fact.step.occurred_on <= last_day) {
      snapshot->steps.push_back(&fact.step);
      cases::ApplyStep(snapshot->facts, fact.step);
    }
  }
  DeriveSnapshot(*snapshot);
  entry.memo[entry.memo_next] = Memo{change, last_day, snapshot};
  entry.memo_next = (entry.memo_next + 1) % entry.memo.size();
  return snapshot;
}

absl::Status FactTable::Read(
    uint64_t position, absl::CivilDay last_day,
    const std::function<void(const std::vector<const CaseSnapshot*>&)>& read)
    const {
  absl::ReaderMutexLock lock(&mu_);
  if (!failure_.ok()) return failure_;
  // Held here: another reader may replace a memo while this one reads.
  std::vector<std::shared_ptr<const CaseSnapshot>> held;
  std::vector<const CaseSnapshot*> snapshots;
  held.reserve(cases_.size());
  snapshots.reserve(cases_.size());
  {
    absl::MutexLock memo(&memo_mu_);
    for (const auto& [case_id, entry] : cases_) {
      // The last change at or before `position` decides what stands there.
      uint64_t change;
      if (!entry.changes.empty() && entry.changes.back() <= position) {
        change = entry.changes.back();  // known now: no search
      } else {
        auto after = std::upper_bound(entry.changes.begin(),
                                      entry.changes.end(), position);
        if (after == entry.changes.begin()) continue;  // not known yet
        change = *(after - 1);
      }
      std::shared_ptr<const CaseSnapshot> snapshot =
          SnapshotOf(case_id, entry, position, change, last_day);
      if (snapshot->all_steps.empty()) continue;  // every step cancelled
      snapshots.push_back(snapshot.get());
      held.push_back(std::move(snapshot));
    }
  }
  read(snapshots);
  return absl::OkStatus();
}

}  // namespace relog::reports
