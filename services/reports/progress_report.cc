// Report 1, Progress (docs/REPORTS.md "### 1. Progress"): households to
// rehouse, in progress by state, rehoused (definitive and temporary),
// exited otherwise, and the households still blocking each building to
// demolish. Filters on the origin only (D18, OriginMatches), each figure
// at its own placing date.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/strip.h"
#include "relog/v1/case_events.pb.h"
#include "services/cases/case_state.h"
#include "services/reports/definitions.h"
#include "services/reports/report_builders.h"
#include "services/reports/report_table.h"

namespace relog::reports {
namespace {

using relog::v1::CaseStep;
using relog::v1::HouseholdLeft;
using Steps = std::vector<const cases::EffectiveStep*>;

constexpr char kTotal[] = "TOTAL";

// The figures of one case, or the sum over a group of cases. "Stock" is
// on the period's last day, "in period" is a flow over [from, to).
struct Figures {
  int64_t to_rehouse = 0;
  int64_t identified_in_period = 0;
  int64_t decohabitations = 0;
  int64_t decohabitations_in_period = 0;
  int64_t rehoused_definitive = 0;
  int64_t rehoused_definitive_in_period = 0;
  int64_t in_progress = 0;
  int64_t temporarily_rehoused = 0;
  int64_t temporary_moves_in_period = 0;
  int64_t exited_otherwise = 0;
  int64_t exited_otherwise_in_period = 0;

  std::array<int64_t*, 11> Fields() {
    return {&to_rehouse,
            &identified_in_period,
            &decohabitations,
            &decohabitations_in_period,
            &rehoused_definitive,
            &rehoused_definitive_in_period,
            &in_progress,
            &temporarily_rehoused,
            &temporary_moves_in_period,
            &exited_otherwise,
            &exited_otherwise_in_period};
  }
  void Add(Figures other) {
    std::array<int64_t*, 11> mine = Fields(), theirs = other.Fields();
    for (size_t i = 0; i < mine.size(); ++i) *mine[i] += *theirs[i];
  }
  bool Empty() {
    for (int64_t* field : Fields()) {
      if (*field != 0) return false;
    }
    return true;
  }
};

// The figure columns, in Figures::Fields() order.
void AddFigureColumns(TableBuilder& table) {
  table.Integer("to_rehouse", "Households to rehouse (stock)")
      .Integer("identified_in_period", "Identified in the period")
      .Integer("decohabitations", "of which decohabitations (stock)")
      .Integer("decohabitations_in_period",
               "Decohabitations identified in the period")
      .Integer("rehoused_definitive", "Rehoused definitively (stock)")
      .Integer("rehoused_definitive_in_period",
               "Rehoused definitively in the period")
      .Integer("in_progress", "In progress (stock)")
      .Integer("temporarily_rehoused", "of which temporarily rehoused (stock)")
      .Integer("temporary_moves_in_period", "Temporary moves in the period")
      .Integer("exited_otherwise", "Exited otherwise (stock)")
      .Integer("exited_otherwise_in_period", "Exited otherwise in the period");
}

void AddFigureCells(TableBuilder::Row& row, Figures figures) {
  for (int64_t* field : figures.Fields()) row.Int(*field);
}

// D15: the last move on or before the cut-off was under a temporary lease.
bool LastMoveTemporary(const Steps& steps) {
  const cases::EffectiveStep* lease = nullptr;
  bool temporary = false;
  for (const cases::EffectiveStep* step : steps) {
    if (step->step.has_lease_signed()) lease = step;
    if (step->step.has_household_moved() && lease != nullptr) {
      temporary =
          lease->step.lease_signed().kind() == relog::v1::LEASE_KIND_TEMPORARY;
    }
  }
  return temporary;
}

// The effective exit step (D5) of the folded facts, nullptr if none.
const cases::EffectiveStep* ExitStep(const CaseSnapshot& snapshot) {
  if (!snapshot.facts.exited_on.has_value()) return nullptr;
  const cases::EffectiveStep* found = nullptr;
  for (const cases::EffectiveStep* step : snapshot.steps) {
    if (step->step.step_case() == snapshot.facts.exit) found = step;
  }
  return found;
}

// "LEFT_ON_OWN", "DECEASED", "EVICTED" (the matching CaseOutcome names).
std::string ExitOutcome(CaseStep::StepCase exit) {
  switch (exit) {
    case CaseStep::kHouseholdLeft:
      return "LEFT_ON_OWN";
    case CaseStep::kHouseholdDeceased:
      return "DECEASED";
    case CaseStep::kHouseholdEvicted:
      return "EVICTED";
    default:
      return "UNKNOWN";
  }
}

std::string DestinationName(HouseholdLeft::Destination destination) {
  return std::string(absl::StripPrefix(
      HouseholdLeft::Destination_Name(destination), "DESTINATION_"));
}

std::string OccupancyName(relog::v1::OccupancyStatus status) {
  return std::string(absl::StripPrefix(relog::v1::OccupancyStatus_Name(status),
                                       "OCCUPANCY_STATUS_"));
}

// A group of cases keyed by id, with the date its name is asked as of when
// the period's last day has no valid row (the first fact's date).
struct Group {
  Figures figures;
  absl::CivilDay fallback_day;
};
using Groups = std::map<std::string, Group>;

void AddTo(Groups& groups, const std::string& key, absl::CivilDay fallback,
           Figures figures) {
  auto [it, inserted] = groups.try_emplace(key);
  if (inserted) it->second.fallback_day = fallback;
  it->second.figures.Add(figures);
}

// The households of one building (stock on the last day).
struct BuildingFigures {
  int64_t households = 0;
  int64_t keys_returned = 0;
  int64_t not_out = 0;
  int64_t still_in_place = 0;
  int64_t moved_keys_not_returned = 0;
  int64_t exited_keys_not_returned = 0;
  int64_t closed_keys_not_returned = 0;

  void Add(const BuildingFigures& o) {
    households += o.households;
    keys_returned += o.keys_returned;
    not_out += o.not_out;
    still_in_place += o.still_in_place;
    moved_keys_not_returned += o.moved_keys_not_returned;
    exited_keys_not_returned += o.exited_keys_not_returned;
    closed_keys_not_returned += o.closed_keys_not_returned;
  }
};

class ProgressBuilder {
 public:
  explicit ProgressBuilder(const ReportContext& context)
      : context_(context),
        reference_(context.reference()),
        last_day_(context.query().last_day) {}

  ReportTables Build() {
    for (const CaseSnapshot* snapshot : context_.cases()) AddCase(*snapshot);
    ReportTables tables;
    tables.push_back(SummaryTable());
    tables.push_back(ByOperationTable());
    tables.push_back(BySiteTable());
    tables.push_back(ByLandlordTable());
    tables.push_back(ByCommuneTable());
    tables.push_back(ByOccupancyTable());
    tables.push_back(StateTable());
    tables.push_back(ExitTable());
    tables.push_back(LeftByCommuneTable());
    tables.push_back(BuildingTable());
    return tables;
  }

 private:
  bool Matches(const CaseSnapshot& snapshot, absl::CivilDay on) const {
    return context_.OriginMatches(snapshot, on);
  }

  void AddCase(const CaseSnapshot& snapshot) {
    const relog::v1::HouseholdIdentified* id = snapshot.identification;
    if (id == nullptr) return;  // identified after the last day
    const absl::CivilDay identified_on = *snapshot.identified_on;
    const cases::CaseFacts& facts = snapshot.facts;
    const bool decohabitation = !id->parent_case_id().empty();

    Figures f;
    // Households to rehouse: placed by the identification (D6 for a
    // decohabitation: from its own identification).
    if (Matches(snapshot, identified_on)) {
      f.to_rehouse = 1;
      f.decohabitations = decohabitation ? 1 : 0;
      if (context_.InPeriod(identified_on)) {
        f.identified_in_period = 1;
        f.decohabitations_in_period = decohabitation ? 1 : 0;
      }
      // Loaded from a legacy file with steps missing (docs/IMPORT.md):
      // its delays and offers are not those of a recorded history.
      if (id->imported_history()) ++imported_history_;
    }
    // D3, once per case, placed by the definitive move.
    const std::optional<Rehousing> rehousing = snapshot.rehousing;
    if (rehousing.has_value() && Matches(snapshot, rehousing->moved_on)) {
      f.rehoused_definitive = 1;
      if (context_.InPeriod(rehousing->moved_on)) {
        f.rehoused_definitive_in_period = 1;
      }
    }
    // D4: each temporary move of the period.
    for (const Rehousing& temporary : TemporaryRehousings(snapshot.steps)) {
      if (context_.InPeriod(temporary.moved_on) &&
          Matches(snapshot, temporary.moved_on)) {
        ++f.temporary_moves_in_period;
      }
    }
    // D5, never a rehousing; a definitive rehousing takes precedence (the
    // rules allow no exit after the definitive move).
    const cases::EffectiveStep* exit =
        rehousing.has_value() ? nullptr : ExitStep(snapshot);
    if (exit != nullptr && Matches(snapshot, exit->occurred_on)) {
      f.exited_otherwise = 1;
      if (context_.InPeriod(exit->occurred_on)) {
        f.exited_otherwise_in_period = 1;
      }
      AddExit(snapshot, *exit);
    }
    // In progress: the state (D15) on the last day, neither rehoused
    // definitively nor exited.
    const bool in_progress = !rehousing.has_value() && exit == nullptr &&
                             !facts.exited_on.has_value();
    if (in_progress && Matches(snapshot, last_day_)) {
      f.in_progress = 1;
      const bool temporary = LastMoveTemporary(snapshot.steps);
      f.temporarily_rehoused = temporary ? 1 : 0;
      // A closed case is rehoused or exited (docs/CASES.md 11); should one
      // be neither, it is shown under the phase it was closed in.
      const cases::Phase phase = facts.phase == cases::Phase::kClosed
                                     ? facts.phase_before_closure
                                     : facts.phase;
      StateCount& state = states_[phase];
      ++state.cases;
      if (temporary) ++state.temporarily_rehoused;
    }
    if (Matches(snapshot, last_day_)) AddBuilding(snapshot, *id);

    if (f.Empty()) return;
    const relog::v1::DwellingFacts& origin = id->origin().facts();
    total_.Add(f);
    AddTo(by_operation_, id->operation_id(), identified_on, f);
    AddTo(by_site_, SiteOf(reference_, *id, identified_on), identified_on, f);
    AddTo(by_landlord_, origin.landlord_id(), identified_on, f);
    AddTo(by_commune_, origin.commune_insee(), identified_on, f);
    AddTo(by_occupancy_, OccupancyName(id->occupancy()), identified_on, f);
  }

  void AddExit(const CaseSnapshot& snapshot, const cases::EffectiveStep& exit) {
    std::string destination;
    if (exit.step.has_household_left()) {
      const HouseholdLeft& left = exit.step.household_left();
      destination = DestinationName(left.destination());
      ExitCount& commune = left_by_commune_[left.commune_insee()];
      if (commune.stock == 0) commune.day = exit.occurred_on;
      ++commune.stock;
      if (context_.InPeriod(exit.occurred_on)) ++commune.in_period;
    }
    ExitCount& outcome =
        exits_[{ExitOutcome(snapshot.facts.exit), std::move(destination)}];
    ++outcome.stock;
    if (context_.InPeriod(exit.occurred_on)) ++outcome.in_period;
  }

  // A household is out of its building once it returned its keys on or
  // before the last day; until then it blocks the demolition, moved or not.
  void AddBuilding(const CaseSnapshot& snapshot,
                   const relog::v1::HouseholdIdentified& id) {
    const cases::CaseFacts& facts = snapshot.facts;
    BuildingFigures b;
    b.households = 1;
    if (facts.keys_returned_on.has_value()) {
      b.keys_returned = 1;
    } else {
      b.not_out = 1;
      if (facts.moved_out()) {
        b.moved_keys_not_returned = 1;
      } else if (facts.exited_on.has_value()) {
        b.exited_keys_not_returned = 1;
      } else {
        b.still_in_place = 1;
      }
      if (facts.closed()) b.closed_keys_not_returned = 1;
    }
    buildings_[{id.operation_id(), id.building_id()}].Add(b);
  }

  std::string OperationName(const std::string& id,
                            absl::CivilDay fallback) const {
    const reference::Operation* op = reference_.FindOperation(id, last_day_);
    if (op == nullptr) op = reference_.FindOperation(id, fallback);
    return op == nullptr ? "" : op->name;
  }
  std::string LandlordName(const std::string& id,
                           absl::CivilDay fallback) const {
    const reference::Landlord* l = reference_.FindLandlord(id, last_day_);
    if (l == nullptr) l = reference_.FindLandlord(id, fallback);
    return l == nullptr ? "" : l->name;
  }
  std::string CommuneName(const std::string& insee,
                          absl::CivilDay fallback) const {
    const reference::Commune* c = reference_.FindCommune(insee, last_day_);
    if (c == nullptr) c = reference_.FindCommune(insee, fallback);
    return c == nullptr ? "" : c->name;
  }

  relog::v1::ReportTable SummaryTable() {
    TableBuilder table("summary", "Progress: all households");
    table.Text("scope", "Scope");
    AddFigureColumns(table);
    table.Integer("imported_history",
                  "of which imported with an incomplete history (stock)");
    TableBuilder::Row row = table.AddRow();
    row.Text(kTotal);
    AddFigureCells(row, total_);
    row.Int(imported_history_);
    table.Note(
        "each household to rehouse is, on the last day, in exactly one of "
        "rehoused_definitive, in_progress and exited_otherwise (a "
        "coordination-body filter is applied on each figure's own placing "
        "date: identification, move, exit, or the last day)");
    return table.Build();
  }

  // One row per group — its key cells from `keys`, then the figures —
  // then the TOTAL row (kTotal, the other key cells empty).
  relog::v1::ReportTable GroupTable(
      TableBuilder table, const Groups& groups, int key_columns,
      const std::function<void(TableBuilder::Row&, const std::string&,
                               const Group&)>& keys) {
    AddFigureColumns(table);
    for (const auto& [key, group] : groups) {
      TableBuilder::Row row = table.AddRow();
      keys(row, key, group);
      AddFigureCells(row, group.figures);
    }
    TableBuilder::Row row = table.AddRow();
    row.Text(kTotal);
    for (int i = 1; i < key_columns; ++i) row.Text("");
    AddFigureCells(row, total_);
    return table.Build();
  }

  relog::v1::ReportTable ByOperationTable() {
    TableBuilder table("by_operation", "Progress by operation");
    table.Text("operation_id", "Operation")
        .Text("operation_name", "Operation name")
        .Text("site", "Site");
    return GroupTable(
        std::move(table), by_operation_, 3,
        [&](TableBuilder::Row& row, const std::string& id, const Group& group) {
          const reference::Operation* op =
              reference_.FindOperation(id, last_day_);
          if (op == nullptr) {
            op = reference_.FindOperation(id, group.fallback_day);
          }
          row.Text(id)
              .Text(op == nullptr ? "" : op->name)
              .Text(op == nullptr ? "" : op->site);
        });
  }

  relog::v1::ReportTable BySiteTable() {
    TableBuilder table("by_site", "Progress by NPRU site");
    table.Text("site", "Site (operations.csv site)");
    return GroupTable(std::move(table), by_site_, 1,
                      [](TableBuilder::Row& row, const std::string& site,
                         const Group&) { row.Text(site); });
  }

  relog::v1::ReportTable ByLandlordTable() {
    TableBuilder table("by_origin_landlord",
                       "Progress by demolishing (origin) landlord");
    table.Text("landlord_id", "Landlord (SIREN)")
        .Text("landlord_name", "Landlord");
    return GroupTable(
        std::move(table), by_landlord_, 2,
        [&](TableBuilder::Row& row, const std::string& id, const Group& group) {
          row.Text(id).Text(LandlordName(id, group.fallback_day));
        });
  }

  relog::v1::ReportTable ByCommuneTable() {
    TableBuilder table("by_origin_commune", "Progress by commune of origin");
    table.Text("commune_insee", "Commune (INSEE)")
        .Text("commune_name", "Commune");
    return GroupTable(
        std::move(table), by_commune_, 2,
        [&](TableBuilder::Row& row, const std::string& insee,
            const Group& group) {
          row.Text(insee).Text(CommuneName(insee, group.fallback_day));
        });
  }

  relog::v1::ReportTable ByOccupancyTable() {
    TableBuilder table("by_occupancy", "Progress by occupancy status");
    table.Text("occupancy", "Occupancy status");
    return GroupTable(std::move(table), by_occupancy_, 1,
                      [](TableBuilder::Row& row, const std::string& occupancy,
                         const Group&) { row.Text(occupancy); });
  }

  relog::v1::ReportTable StateTable() {
    TableBuilder table("in_progress_by_state",
                       "Households in progress by state on the last day");
    table.Text("state", "State (phase on the last day)")
        .Integer("cases", "Households")
        .Integer("temporarily_rehoused", "of which temporarily rehoused");
    // The phases of a case in progress, always listed; any other only when
    // it occurs.
    constexpr cases::Phase kInProgress[] = {
        cases::Phase::kIdentified,     cases::Phase::kDiagnosed,
        cases::Phase::kReadyForOffers, cases::Phase::kOfferPending,
        cases::Phase::kOfferAccepted,  cases::Phase::kAllocated,
        cases::Phase::kLeaseSigned};
    StateCount total;
    for (cases::Phase phase : cases::kAllPhases) {
      bool listed = false;
      for (cases::Phase p : kInProgress) listed = listed || p == phase;
      auto it = states_.find(phase);
      if (!listed && it == states_.end()) continue;
      const StateCount count = it == states_.end() ? StateCount() : it->second;
      table.AddRow()
          .Text(cases::PhaseName(phase))
          .Int(count.cases)
          .Int(count.temporarily_rehoused);
      total.cases += count.cases;
      total.temporarily_rehoused += count.temporarily_rehoused;
    }
    table.AddRow()
        .Text(kTotal)
        .Int(total.cases)
        .Int(total.temporarily_rehoused);
    return table.Build();
  }

  relog::v1::ReportTable ExitTable() {
    TableBuilder table("exits_by_outcome", "Exited otherwise, by outcome");
    table.Text("outcome", "Outcome")
        .Text("destination", "Destination (left on own)")
        .Integer("exited_otherwise", "Exited otherwise (stock)")
        .Integer("exited_otherwise_in_period", "Exited in the period");
    // Every outcome listed, so that the CSV has stable rows; an
    // unspecified destination only when it occurs.
    std::vector<std::pair<std::string, std::string>> keys;
    for (HouseholdLeft::Destination d :
         {HouseholdLeft::DESTINATION_OTHER_SOCIAL_HOUSING,
          HouseholdLeft::DESTINATION_PRIVATE_RENTAL,
          HouseholdLeft::DESTINATION_OWNERSHIP,
          HouseholdLeft::DESTINATION_FAMILY,
          HouseholdLeft::DESTINATION_CARE_HOME,
          HouseholdLeft::DESTINATION_UNKNOWN}) {
      keys.emplace_back("LEFT_ON_OWN", DestinationName(d));
    }
    const std::pair<std::string, std::string> unspecified(
        "LEFT_ON_OWN", DestinationName(HouseholdLeft::DESTINATION_UNSPECIFIED));
    if (exits_.count(unspecified) > 0) keys.push_back(unspecified);
    keys.emplace_back("DECEASED", "");
    keys.emplace_back("EVICTED", "");
    ExitCount total;
    for (const auto& key : keys) {
      auto it = exits_.find(key);
      const ExitCount count = it == exits_.end() ? ExitCount() : it->second;
      table.AddRow()
          .Text(key.first)
          .Text(key.second)
          .Int(count.stock)
          .Int(count.in_period);
      total.stock += count.stock;
      total.in_period += count.in_period;
    }
    table.AddRow().Text(kTotal).Text("").Int(total.stock).Int(total.in_period);
    return table.Build();
  }

  relog::v1::ReportTable LeftByCommuneTable() {
    TableBuilder table("left_by_destination_commune",
                       "Left on their own, by commune of destination");
    table.Text("commune_insee", "Commune of destination (INSEE)")
        .Text("commune_name", "Commune")
        .Integer("left", "Left on own (stock)")
        .Integer("left_in_period", "Left in the period");
    ExitCount total;
    for (const auto& [insee, count] : left_by_commune_) {
      table.AddRow()
          .Text(insee)
          .Text(insee.empty() ? "(not recorded)"
                              : CommuneName(insee, count.day))
          .Int(count.stock)
          .Int(count.in_period);
      total.stock += count.stock;
      total.in_period += count.in_period;
    }
    table.AddRow().Text(kTotal).Text("").Int(total.stock).Int(total.in_period);
    return table.Build();
  }

  relog::v1::ReportTable BuildingTable() {
    TableBuilder table("buildings",
                       "Households still in each building to demolish");
    table.Text("operation_id", "Operation")
        .Text("operation_name", "Operation name")
        .Text("building_id", "Building")
        .Integer("dwellings", "Dwellings (buildings.csv)")
        .Column("demolition_planned", "Demolition planned",
                relog::v1::ReportColumn::KIND_DATE)
        .Integer("households", "Households identified")
        .Integer("keys_returned", "Keys returned")
        .Integer("not_out", "Not yet out (keys not returned)")
        .Integer("still_in_place", "of which still living there")
        .Integer("moved_keys_not_returned", "of which moved, keys not returned")
        .Integer("exited_keys_not_returned",
                 "of which exited, keys not returned")
        .Integer("closed_keys_not_returned",
                 "of which closed cases, keys not returned");
    table.Note(
        "a household is out of its building once KeysReturned is recorded "
        "on or before the last day; one that moved or exited without "
        "returning its keys still blocks the demolition");
    BuildingFigures total;
    for (const auto& [key, figures] : buildings_) {
      const reference::Building* building =
          reference_.FindBuilding(key.first, key.second);
      TableBuilder::Row row = table.AddRow();
      row.Text(key.first).Text(OperationName(key.first, last_day_));
      row.Text(key.second);
      if (building == nullptr) {
        row.Empty().Empty();
      } else {
        row.Int(building->dwellings);
        if (building->demolition_planned.has_value()) {
          row.Date(*building->demolition_planned);
        } else {
          row.Empty();
        }
      }
      AddBuildingCells(row, figures);
      total.Add(figures);
    }
    TableBuilder::Row row = table.AddRow();
    row.Text(kTotal).Text("").Text("").Empty().Empty();
    AddBuildingCells(row, total);
    return table.Build();
  }

  static void AddBuildingCells(TableBuilder::Row& row,
                               const BuildingFigures& b) {
    row.Int(b.households)
        .Int(b.keys_returned)
        .Int(b.not_out)
        .Int(b.still_in_place)
        .Int(b.moved_keys_not_returned)
        .Int(b.exited_keys_not_returned)
        .Int(b.closed_keys_not_returned);
  }

  struct StateCount {
    int64_t cases = 0;
    int64_t temporarily_rehoused = 0;
  };
  struct ExitCount {
    int64_t stock = 0;
    int64_t in_period = 0;
    absl::CivilDay day;  // of the first exit counted, for names
  };

  const ReportContext& context_;
  const reference::ReferenceData& reference_;
  const absl::CivilDay last_day_;

  Figures total_;
  // Households to rehouse (stock) whose identification is flagged
  // imported_history.
  int64_t imported_history_ = 0;
  Groups by_operation_, by_site_, by_landlord_, by_commune_, by_occupancy_;
  std::map<cases::Phase, StateCount> states_;
  std::map<std::pair<std::string, std::string>, ExitCount> exits_;
  std::map<std::string, ExitCount> left_by_commune_;
  std::map<std::pair<std::string, std::string>, BuildingFigures> buildings_;
};

}  // namespace

ReportTables ProgressReport(const ReportContext& context) {
  return ProgressBuilder(context).Build();
}

}  // namespace relog::reports
