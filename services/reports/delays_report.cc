// Report 7, Delays (docs/REPORTS.md "### 7. Delays", D14, D16): calendar
// days between the steps of the definitive rehousing's path, over the
// cases whose later step falls in the period; overall and by operation.
// Filters on the origin only (D18), as of the later step's date.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "relog/v1/case_events.pb.h"
#include "services/cases/case_state.h"
#include "services/reports/definitions.h"
#include "services/reports/report_builders.h"
#include "services/reports/report_table.h"

namespace relog::reports {
namespace {

using relog::v1::CalDecisionRecorded;
using Steps = std::vector<const cases::EffectiveStep*>;

// The intervals of D14, in the order printed.
enum Interval { kIDg, kDgO, kOA, kAC, kCL, kLM, kIM, kIntervalCount };

struct IntervalName {
  const char* id;
  const char* label;
};
constexpr IntervalName kIntervals[kIntervalCount] = {
    {"I_DG", "I→Dg"}, {"DG_O", "Dg→O"}, {"O_A", "O→A"}, {"A_C", "A→C"},
    {"C_L", "C→L"},   {"L_M", "L→M"},   {"I_M", "I→M"}};

using Values = std::vector<std::vector<int64_t>>;  // by Interval

bool Allocating(CalDecisionRecorded::Decision decision) {
  return decision == CalDecisionRecorded::DECISION_ALLOCATED ||
         decision == CalDecisionRecorded::DECISION_ALLOCATED_UNDER_CONDITION ||
         decision == CalDecisionRecorded::DECISION_INFORMED;
}

// The steps of D14 of one case; absent ones are nullopt.
struct Path {
  std::optional<absl::CivilDay> i, dg, o, a, c, l, m;
};

// Over `all_steps` (every effective step known at the position, any
// date): A, C and L are on the definitive path once the definitive lease
// is known, whatever its date (D14); the later step's date then decides
// the period.
Path PathOf(const Steps& steps) {
  Path path;
  path.i = IdentifiedOn(steps);
  for (const cases::EffectiveStep* step : steps) {
    if (step->step.has_diagnosis_recorded() &&
        (!path.dg.has_value() || step->occurred_on < *path.dg)) {
      path.dg = step->occurred_on;
    }
    if (step->step.has_offer_made() &&
        (!path.o.has_value() || step->occurred_on < *path.o)) {
      path.o = step->occurred_on;
    }
  }
  // The definitive lease: the one of the definitive move (D3) if any, else
  // the latest definitive lease (signed, not yet moved).
  const relog::v1::LeaseSigned* lease = nullptr;
  if (const std::optional<Rehousing> rehousing = DefinitiveRehousing(steps)) {
    lease = rehousing->lease;
    path.l = rehousing->lease_on;
    path.m = rehousing->moved_on;
  } else {
    for (const cases::EffectiveStep* step : steps) {
      if (step->step.has_lease_signed() &&
          step->step.lease_signed().kind() ==
              relog::v1::LEASE_KIND_DEFINITIVE) {
        lease = &step->step.lease_signed();
        path.l = step->occurred_on;
      }
    }
  }
  // Import path (no offer): no A, no C.
  if (lease == nullptr || lease->offer_id().empty()) return path;
  for (const cases::EffectiveStep* step : steps) {
    if (step->step.has_offer_accepted() &&
        step->step.offer_accepted().offer_id() == lease->offer_id()) {
      path.a = step->occurred_on;
    }
    if (step->step.has_cal_decision_recorded()) {
      const CalDecisionRecorded& cal = step->step.cal_decision_recorded();
      if (cal.offer_id() == lease->offer_id() && Allocating(cal.decision())) {
        path.c = step->occurred_on;
      }
    }
  }
  return path;
}

class DelaysBuilder {
 public:
  explicit DelaysBuilder(const ReportContext& context) : context_(context) {}

  ReportTables Build() {
    overall_.assign(kIntervalCount, {});
    for (const CaseSnapshot* snapshot : context_.cases()) AddCase(*snapshot);
    ReportTables tables;
    {
      TableBuilder table("intervals", "Delays between steps (calendar days)");
      table.Text("interval", "Interval").Text("label", "Interval (label)");
      AddStatColumns(table);
      table.Note(
          "over the cases whose later step falls in the period (D14); "
          "median to 0.5 day, p90 by nearest rank (D16)");
      for (int i = 0; i < kIntervalCount; ++i) {
        TableBuilder::Row row = table.AddRow();
        row.Text(kIntervals[i].id).Text(kIntervals[i].label);
        AddStatCells(row, overall_[i]);
      }
      tables.push_back(table.Build());
    }
    {
      TableBuilder table("by_operation",
                         "Delays between steps by operation (calendar days)");
      table.Text("operation_id", "Operation")
          .Text("operation_name", "Operation name")
          .Text("interval", "Interval")
          .Text("label", "Interval (label)");
      AddStatColumns(table);
      for (const auto& [operation, values] : by_operation_) {
        const reference::Operation* op = context_.reference().FindOperation(
            operation, context_.query().last_day);
        for (int i = 0; i < kIntervalCount; ++i) {
          TableBuilder::Row row = table.AddRow();
          row.Text(operation).Text(op == nullptr ? "" : op->name);
          row.Text(kIntervals[i].id).Text(kIntervals[i].label);
          AddStatCells(row, values[i]);
        }
      }
      tables.push_back(table.Build());
    }
    return tables;
  }

 private:
  static void AddStatColumns(TableBuilder& table) {
    table.Integer("n", "Cases")
        .Column("median_days", "Median (days)",
                relog::v1::ReportColumn::KIND_DAYS)
        .Column("p90_days", "90th percentile (days)",
                relog::v1::ReportColumn::KIND_DAYS);
  }
  static void AddStatCells(TableBuilder::Row& row,
                           const std::vector<int64_t>& values) {
    row.Int(static_cast<int64_t>(values.size()))
        .Dec(MedianDays(values))
        .OptInt(Percentile90(values));
  }

  void AddCase(const CaseSnapshot& snapshot) {
    const relog::v1::HouseholdIdentified* id =
        Identification(snapshot.all_steps);
    if (id == nullptr) return;
    const Path path = PathOf(snapshot.all_steps);
    Add(snapshot, *id, kIDg, path.i, path.dg);
    Add(snapshot, *id, kDgO, path.dg, path.o);
    Add(snapshot, *id, kOA, path.o, path.a);
    Add(snapshot, *id, kAC, path.a, path.c);
    Add(snapshot, *id, kCL, path.c, path.l);
    Add(snapshot, *id, kLM, path.l, path.m);
    Add(snapshot, *id, kIM, path.i, path.m);
  }

  // One interval X→Y of a case, placed by Y.
  void Add(const CaseSnapshot& snapshot,
           const relog::v1::HouseholdIdentified& id, Interval interval,
           std::optional<absl::CivilDay> x, std::optional<absl::CivilDay> y) {
    if (!x.has_value() || !y.has_value() || !context_.InPeriod(*y) ||
        !context_.OriginMatches(snapshot, *y)) {
      return;
    }
    const int64_t days = DaysBetween(*x, *y);
    overall_[interval].push_back(days);
    Values& values = by_operation_[id.operation_id()];
    if (values.empty()) values.assign(kIntervalCount, {});
    values[interval].push_back(days);
  }

  const ReportContext& context_;
  Values overall_;
  std::map<std::string, Values> by_operation_;
};

}  // namespace

ReportTables DelaysReport(const ReportContext& context) {
  return DelaysBuilder(context).Build();
}

}  // namespace relog::reports
