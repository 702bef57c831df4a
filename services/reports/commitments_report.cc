// Report 4, Commitments (docs/REPORTS.md "4. Commitments (charter
// amendments)"): each commune's and landlord's commitment against what it
// achieved, and the weight of NPRU allocations (D13) in all allocations.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/reports/commitment_figures.h"
#include "services/reports/definitions.h"
#include "services/reports/report_builders.h"
#include "services/reports/report_table.h"

namespace relog::reports {
namespace {

using reference::PartyKind;

constexpr char kTotal[] = "TOTAL";

std::string PartyName(const reference::ReferenceData& reference, PartyKind kind,
                      const std::string& id, absl::CivilDay on) {
  if (kind == PartyKind::kCommune) {
    const reference::Commune* commune = reference.FindCommune(id, on);
    return commune == nullptr ? "" : commune->name;
  }
  const reference::Landlord* landlord = reference.FindLandlord(id, on);
  return landlord == nullptr ? "" : landlord->name;
}

// A party row is shown when the party itself passes the filters of its
// kind; the filters of the other kind only narrow the rehousings counted.
bool PartyRowMatches(const ReportContext& context, PartyKind kind,
                     const std::string& id) {
  const relog::v1::ReportFilters& f = context.query().filters;
  if (kind == PartyKind::kLandlord) {
    return f.landlord_id().empty() || f.landlord_id() == id;
  }
  if (!f.commune_insee().empty() && f.commune_insee() != id) return false;
  if (!f.coordination_body_id().empty()) {
    bool member = false;
    for (const reference::CoordinationBodyMember* m :
         context.reference().CoordinationBodyMembers(
             f.coordination_body_id(), context.query().last_day)) {
      member = member || m->insee == id;
    }
    if (!member) return false;
  }
  return true;
}

bool AnyFilter(const relog::v1::ReportFilters& f) {
  return !f.operation_id().empty() || !f.site().empty() ||
         !f.landlord_id().empty() || !f.commune_insee().empty() ||
         !f.coordination_body_id().empty();
}

struct Achieved {
  int64_t total = 0, from_elsewhere = 0, new_build = 0, age_unknown = 0;
};

// One definitive rehousing (D3) into a party, whatever the period.
struct Arrival {
  absl::CivilDay moved_on;
  bool from_elsewhere = false;
  DwellingAge age = DwellingAge::kUnknown;
};
using Arrivals =
    std::map<std::pair<PartyKind, std::string>, std::vector<Arrival>>;

// Every definitive rehousing that passes the filters (operation and site
// on the origin, the party filters on the arrival), by the commune and the
// landlord it arrives in: one pass over the cases for all the parties.
Arrivals ArrivalsByParty(const ReportContext& context) {
  const reference::ReferenceData& reference = context.reference();
  Arrivals arrivals;
  for (const CaseSnapshot* snapshot : context.cases()) {
    if (!context.OperationAndSiteMatch(*snapshot)) continue;
    const std::optional<Rehousing> rehousing = snapshot->rehousing;
    if (!rehousing.has_value()) continue;
    const relog::v1::DwellingFacts& arrival =
        rehousing->lease->dwelling().facts();
    const absl::CivilDay on = rehousing->moved_on;
    if (!context.PartyMatches(arrival.landlord_id(), arrival.commune_insee(),
                              on)) {
      continue;
    }
    const relog::v1::DwellingFacts& origin =
        snapshot->identification->origin().facts();
    const DwellingAge age = AgeAtMove(reference, *rehousing->lease, on);
    // Codes mapped to their successor on the move date (G16), so that a
    // merged commune's arrivals count towards the new commune.
    const std::string commune =
        reference.SuccessorOf(arrival.commune_insee(), on);
    arrivals[{PartyKind::kCommune, commune}].push_back(Arrival{
        on, reference.SuccessorOf(origin.commune_insee(), on) != commune, age});
    arrivals[{PartyKind::kLandlord, arrival.landlord_id()}].push_back(
        Arrival{on, origin.landlord_id() != arrival.landlord_id(), age});
  }
  return arrivals;
}

Achieved AchievedBy(const Arrivals& arrivals, PartyKind kind,
                    const std::string& party, absl::CivilDay window_from,
                    absl::CivilDay window_to) {
  Achieved achieved;
  auto it = arrivals.find({kind, party});
  if (it == arrivals.end()) return achieved;
  for (const Arrival& arrival : it->second) {
    if (arrival.moved_on < window_from || arrival.moved_on >= window_to) {
      continue;
    }
    ++achieved.total;
    if (arrival.from_elsewhere) ++achieved.from_elsewhere;
    if (arrival.age == DwellingAge::kNewOrUnder5) ++achieved.new_build;
    if (arrival.age == DwellingAge::kUnknown) ++achieved.age_unknown;
  }
  return achieved;
}

// The NPRU weight in all allocations (4, last row), per commune, landlord
// and calendar year of the period.
relog::v1::ReportTable NpruWeightTable(const ReportContext& context) {
  const reference::ReferenceData& reference = context.reference();
  const ReportQuery& query = context.query();
  TableBuilder table("npru_weight",
                     "Weight of NPRU allocations (D13) in all social-housing "
                     "allocations, per calendar year");
  table.Text("scope", "Scope (COMMUNE, LANDLORD, ALL)")
      .Text("party_id", "INSEE code or SIREN")
      .Text("party_name", "Name")
      .Integer("year", "Calendar year")
      .Rate("weight", "NPRU allocations in all allocations")
      .Column("target_max_pct", "Expected at most (%)",
              relog::v1::ReportColumn::KIND_PERCENT)
      .Text("within_target", "Within the expectation");
  table.Note(
      "Numerator: definitive social leases of NPRU rehousings (D13), "
      "placed by their allocation date in the calendar year, whether or not "
      "the move followed; denominator: allocations.csv allocations.");
  table.Note(
      "Each calendar year the period touches is shown whole: the "
      "denominator is a yearly figure.");
  std::vector<int64_t> uncovered;
  for (int64_t year = query.from.year(); year <= query.last_day.year();
       ++year) {
    const absl::CivilDay year_from(year, 1, 1), year_to(year + 1, 1, 1),
        year_last(year, 12, 31);
    const bool covered =
        reference.Covered("allocations.csv", year_from, year_to);
    if (!covered) uncovered.push_back(year);
    // (scope, party) → {npru, allocations}.
    std::map<std::pair<int, std::string>, std::pair<int64_t, int64_t>> cells;
    int64_t total_npru = 0, total_allocations = 0;
    for (const CaseSnapshot* snapshot : context.cases()) {
      if (!context.OperationAndSiteMatch(*snapshot)) continue;
      // All known steps: an allocation of the year whose lease was signed
      // after the period still counts in the year of its allocation.
      const std::optional<Allocation> allocation =
          NpruAllocation(snapshot->all_steps);
      if (!allocation.has_value() || allocation->allocated_on.year() != year) {
        continue;
      }
      const relog::v1::DwellingFacts& facts =
          allocation->lease->dwelling().facts();
      if (!context.PartyMatches(facts.landlord_id(), facts.commune_insee(),
                                allocation->allocated_on)) {
        continue;
      }
      ++cells[{0, facts.commune_insee()}].first;
      ++cells[{1, facts.landlord_id()}].first;
      ++total_npru;
    }
    for (const reference::Allocations* row :
         reference.AllocationsOf(static_cast<int>(year))) {
      if (!context.PartyMatches(row->landlord_id, row->insee, year_last)) {
        continue;
      }
      cells[{0, row->insee}].second += row->allocations;
      cells[{1, row->landlord_id}].second += row->allocations;
      total_allocations += row->allocations;
    }
    auto add = [&](const std::string& scope, const std::string& id,
                   const std::string& name, int64_t npru, int64_t all,
                   const reference::Target* target) {
      TableBuilder::Row row = table.AddRow();
      row.Text(scope).Text(id).Text(name).Int(year);
      if (covered) {
        row.Rate(npru, all);
      } else {
        row.Int(npru).Empty().Empty();
      }
      const std::optional<int> max =
          target == nullptr ? std::nullopt : target->max_permille;
      row.Dec(PermilleAsPercent(max));
      if (covered && all > 0 && max.has_value()) {
        row.Text(npru * 1000 <= static_cast<int64_t>(*max) * all ? "yes"
                                                                 : "no");
      } else {
        row.Empty();
      }
    };
    for (const auto& [key, figures] : cells) {
      const PartyKind kind =
          key.first == 0 ? PartyKind::kCommune : PartyKind::kLandlord;
      const char* scope = reference::PartyKindName(kind);
      add(scope, key.second,
          PartyName(reference, kind, key.second, query.last_day), figures.first,
          figures.second,
          reference.FindTarget("NPRU_WEIGHT_IN_ALLOCATIONS", scope,
                               query.last_day));
    }
    add("ALL", kTotal, "", total_npru, total_allocations, nullptr);
  }
  if (!uncovered.empty()) {
    table.Note(absl::StrCat(
        "allocations.csv is not declared complete (coverage.csv) for ",
        absl::StrJoin(uncovered, ", "),
        ": the weight is not given, only the NPRU allocations."));
  }
  if (AnyFilter(query.filters)) {
    table.Note(
        "Filtered: the landlord, commune and coordination-body filters "
        "apply to the allocation's landlord and commune, in the numerator "
        "and the denominator alike.");
  }
  return table.Build();
}

}  // namespace

relog::v1::ReportTable CommitmentsTable(const ReportContext& context,
                                        const std::vector<PartyKind>& kinds,
                                        const std::string& id,
                                        const std::string& title) {
  const reference::ReferenceData& reference = context.reference();
  const ReportQuery& query = context.query();
  TableBuilder table(id, title);
  table.Text("party_kind", "Party kind (COMMUNE, LANDLORD)")
      .Text("party_id", "INSEE code or SIREN")
      .Text("party_name", "Name")
      .Text("amendment_ref", "Charter amendment")
      .Column("adopted_on", "Adopted on", relog::v1::ReportColumn::KIND_DATE)
      .Column("period_from", "Commitment from",
              relog::v1::ReportColumn::KIND_DATE)
      .Column("period_to", "Commitment to (exclusive)",
              relog::v1::ReportColumn::KIND_DATE)
      .Column("counted_to", "Counted up to (exclusive)",
              relog::v1::ReportColumn::KIND_DATE)
      .Integer("target_households", "Households to take in")
      .Integer("achieved", "Households taken in")
      .Integer("achieved_from_elsewhere",
               "Of which from another commune / landlord")
      .Integer("gap", "Gap (target − achieved; > 0 = shortfall)")
      .Rate("achievement", "Achieved of the target")
      .Column("min_new_build_pct", "Minimum new-build share (%)",
              relog::v1::ReportColumn::KIND_PERCENT)
      .Rate("new_build", "New or under 5 years")
      .Integer("age_unknown", "Age unknown (in the denominator)")
      .Text("new_build_target_met", "New-build minimum met");
  table.Note(
      "Commitment: the latest adopted amendment covering the period's last "
      "day; achieved: definitive rehousings (D3) arriving in the party "
      "from the commitment's start to the earlier of its end and the "
      "period's end, the party's own households included (diagonal). The "
      "rate is not prorated.");
  const Arrivals arrivals = ArrivalsByParty(context);
  for (const PartyKind kind : kinds) {
    std::vector<std::string> parties;
    if (kind == PartyKind::kCommune) {
      for (const reference::Commune* c : reference.Communes(query.last_day)) {
        parties.push_back(c->insee);
      }
    } else {
      for (const reference::Landlord* l : reference.Landlords(query.last_day)) {
        parties.push_back(l->id);
      }
    }
    std::sort(parties.begin(), parties.end());
    for (const std::string& party : parties) {
      if (!PartyRowMatches(context, kind, party)) continue;
      const reference::Commitment* commitment =
          reference.FindCommitment(kind, party, query.last_day);
      if (commitment == nullptr) continue;
      const absl::CivilDay counted_to =
          std::min(commitment->period.to.value_or(query.to), query.to);
      const Achieved achieved = AchievedBy(arrivals, kind, party,
                                           commitment->period.from, counted_to);
      TableBuilder::Row row = table.AddRow();
      row.Text(reference::PartyKindName(kind))
          .Text(party)
          .Text(PartyName(reference, kind, party, query.last_day))
          .Text(commitment->amendment_ref)
          .Date(commitment->adopted_on)
          .Date(commitment->period.from);
      if (commitment->period.to.has_value()) {
        row.Date(*commitment->period.to);
      } else {
        row.Empty();
      }
      row.Date(counted_to)
          .Int(commitment->households)
          .Int(achieved.total)
          .Int(achieved.from_elsewhere)
          .Int(commitment->households - achieved.total)
          .Rate(achieved.total, commitment->households)
          .Dec(PermilleAsPercent(commitment->min_new_build_permille))
          .Rate(achieved.new_build, achieved.total)
          .Int(achieved.age_unknown);
      if (commitment->min_new_build_permille.has_value() &&
          achieved.total > 0) {
        row.Text(
            achieved.new_build * 1000 >=
                    static_cast<int64_t>(*commitment->min_new_build_permille) *
                        achieved.total
                ? "yes"
                : "no");
      } else {
        row.Empty();
      }
    }
  }
  if (AnyFilter(query.filters)) {
    table.Note(
        "Filtered: a party is shown when it passes the filter of its own "
        "kind; the rehousings counted are those whose arrival passes the "
        "landlord, commune and coordination-body filters and whose origin "
        "passes the operation and site filters. Targets are never "
        "filtered.");
  }
  return table.Build();
}

ReportTables CommitmentsReport(const ReportContext& context) {
  ReportTables tables;
  tables.push_back(CommitmentsTable(
      context, {PartyKind::kCommune, PartyKind::kLandlord}, "commitments",
      "Charter commitments against achievements"));
  tables.push_back(NpruWeightTable(context));
  return tables;
}

}  // namespace relog::reports
