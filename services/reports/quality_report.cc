// Report 6, Quality of rehousing (docs/REPORTS.md "6.", D3, D10, D11,
// D13): outside QPV, outside the commune of origin, fragility class of the
// arrival, the 25 % outside-QPV allocation rule, reste à charge, surface
// and typology, over-occupation.
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/reports/definitions.h"
#include "services/reports/report_builders.h"
#include "services/reports/report_table.h"

namespace relog::reports {
namespace {

using relog::v1::CaseStep;

constexpr char kTotal[] = "TOTAL";
constexpr char kNoLandlord[] = "NO_LANDLORD";
constexpr char kClassUnknown[] = "CLASS_UNKNOWN";

std::string LandlordName(const reference::ReferenceData& reference,
                         const std::string& id, absl::CivilDay on) {
  if (id == kNoLandlord) return "no landlord (private dwelling)";
  if (id == kTotal) return "";
  const reference::Landlord* landlord = reference.FindLandlord(id, on);
  return landlord == nullptr ? "" : landlord->name;
}

std::string CommuneName(const reference::ReferenceData& reference,
                        const std::string& insee, absl::CivilDay on) {
  const reference::Commune* commune = reference.FindCommune(insee, on);
  return commune == nullptr ? "" : commune->name;
}

const char* QpvName(QpvStatus status) {
  switch (status) {
    case QpvStatus::kInQpv:
      return "IN_QPV";
    case QpvStatus::kOutside:
      return "OUTSIDE_QPV";
    case QpvStatus::kUnknown:
      break;
  }
  return "QPV_UNKNOWN";
}

// Norm-based over-occupation: the surface or the typology below the
// occupancy norm's minimum (an unknown surface or typology never makes a
// dwelling over-occupied).
bool OverOccupied(const reference::OccupancyNorm& norm, double surface_m2,
                  relog::v1::Typology typology) {
  if (surface_m2 > 0 && surface_m2 < norm.min_surface_m2) return true;
  const int n = TypologyNumber(typology);
  return n > 0 && n < norm.min_typology;
}

int64_t CentiSquareMetres(double m2) { return std::llround(m2 * 100); }

// One definitive rehousing of the period (D3) that passes the filters.
struct Fact {
  const CaseSnapshot* snapshot = nullptr;
  Rehousing rehousing;
  const relog::v1::HouseholdIdentified* id = nullptr;
  absl::CivilDay identified_on;
  std::string landlord;  // receiving; kNoLandlord for a private dwelling
};

// The receiving landlord's groups then TOTAL, for the tables by landlord.
template <typename Figures>
struct ByLandlord {
  std::map<std::string, Figures> groups;
  Figures total;
  template <typename F>
  void Add(const std::string& landlord, F&& f) {
    f(groups[landlord]);
    f(total);
  }
};

relog::v1::ReportTable QpvTable(const ReportContext& context,
                                const std::vector<Fact>& facts) {
  struct Counts {
    int64_t all = 0, outside = 0, in = 0, unknown = 0;
  };
  std::map<std::string, Counts> by_origin;
  Counts total;
  for (const Fact& f : facts) {
    const QpvStatus origin = DwellingQpvOn(
        context.reference(), f.id->origin().facts(), f.identified_on);
    const QpvStatus arrival = ArrivalQpv(context.reference(), f.rehousing);
    for (Counts* c : {&by_origin[QpvName(origin)], &total}) {
      ++c->all;
      if (arrival == QpvStatus::kOutside) ++c->outside;
      if (arrival == QpvStatus::kInQpv) ++c->in;
      if (arrival == QpvStatus::kUnknown) ++c->unknown;
    }
  }
  TableBuilder table("qpv", "Rehoused outside QPV, by origin in QPV");
  table.Text("origin_qpv", "Origin (IN_QPV, OUTSIDE_QPV, QPV_UNKNOWN)")
      .Rate("outside_qpv", "Arrival outside QPV")
      .Integer("in_qpv", "Arrival in QPV")
      .Integer("qpv_unknown", "Arrival QPV status unknown (in the denominator)")
      .Note(
          "Arrival: the move's QPV code against quartiers.csv on the move "
          "date (D10); origin: the identification's code on the "
          "identification date.");
  auto add = [&table](const std::string& key, const Counts& c) {
    table.AddRow().Text(key).Rate(c.outside, c.all).Int(c.in).Int(c.unknown);
  };
  for (const auto& [key, c] : by_origin) add(key, c);
  add(kTotal, total);
  return table.Build();
}

relog::v1::ReportTable CommuneChangeTable(const ReportContext& context,
                                          const std::vector<Fact>& facts) {
  const reference::ReferenceData& reference = context.reference();
  std::map<std::string, std::pair<int64_t, int64_t>> by_origin;
  std::pair<int64_t, int64_t> total;
  for (const Fact& f : facts) {
    const absl::CivilDay on = f.rehousing.moved_on;
    const std::string origin =
        reference.SuccessorOf(f.id->origin().facts().commune_insee(), on);
    const std::string arrival = reference.SuccessorOf(
        f.rehousing.lease->dwelling().facts().commune_insee(), on);
    for (auto* c : {&by_origin[origin], &total}) {
      if (origin != arrival) ++c->first;
      ++c->second;
    }
  }
  TableBuilder table("commune_change",
                     "Rehoused outside the commune of origin");
  table.Text("origin_commune_insee", "Commune of origin")
      .Text("origin_commune_name", "Name")
      .Rate("outside_origin_commune", "Outside the commune of origin")
      .Note(
          "Both codes mapped to their successor on the move date "
          "(commune_successions.csv).");
  for (const auto& [insee, c] : by_origin) {
    table.AddRow()
        .Text(insee)
        .Text(CommuneName(reference, insee, context.query().last_day))
        .Rate(c.first, c.second);
  }
  table.AddRow().Text(kTotal).Text("").Rate(total.first, total.second);
  return table.Build();
}

relog::v1::ReportTable FragilityTable(const ReportContext& context,
                                      const std::vector<Fact>& facts) {
  const reference::ReferenceData& reference = context.reference();
  std::map<std::string, int64_t> by_class;
  for (const Fact& f : facts) {
    const relog::v1::DwellingFacts& dwelling =
        f.rehousing.lease->dwelling().facts();
    std::string iris = dwelling.iris_code();
    if (!dwelling.programme_id().empty()) {
      const reference::Programme* p =
          reference.FindProgramme(dwelling.programme_id());
      if (p != nullptr && !p->iris.empty()) iris = p->iris;
    }
    const reference::FragilityClass* c =
        iris.empty() ? nullptr
                     : reference.FindFragilityClass(iris, f.rehousing.moved_on);
    ++by_class[c == nullptr ? kClassUnknown : c->fragility_class];
  }
  TableBuilder table("fragility",
                     "Rehousings by fragility class of the arrival IRIS");
  table
      .Text("fragility_class",
            "Fragility class (CLASS_UNKNOWN: no IRIS or "
            "no class)")
      .Rate("share", "Of all definitive rehousings")
      .Note(
          "IRIS: programmes.csv iris of the lease's programme, else the "
          "lease's iris_code; class ref@move date. CLASS_UNKNOWN is in the "
          "denominator.");
  const int64_t all = static_cast<int64_t>(facts.size());
  for (const auto& [name, n] : by_class) {
    if (name == kClassUnknown) continue;
    table.AddRow().Text(name).Rate(n, all);
  }
  auto unknown = by_class.find(kClassUnknown);
  table.AddRow()
      .Text(kClassUnknown)
      .Rate(unknown == by_class.end() ? 0 : unknown->second, all);
  table.AddRow().Text(kTotal).Rate(all, all);
  return table.Build();
}

// The 25 % rule: NPRU allocations (D13) outside QPV on the allocation date,
// per receiving landlord and per EPCI, per calendar year of the period.
relog::v1::ReportTable OutsideQpvRuleTable(const ReportContext& context) {
  const reference::ReferenceData& reference = context.reference();
  const ReportQuery& query = context.query();
  TableBuilder table("outside_qpv_rule",
                     "NPRU allocations outside QPV towards the 25 % rule, "
                     "per year");
  table.Text("scope", "Scope (LANDLORD, EPCI)")
      .Text("party_id", "SIREN")
      .Text("party_name", "Name")
      .Integer("year", "Calendar year")
      .Integer("npru_allocations", "NPRU allocations (D13)")
      .Integer("qpv_unknown",
               "Of which QPV status unknown on the allocation date")
      .Rate("outside_qpv",
            "NPRU allocations outside QPV ÷ all allocations outside QPV")
      .Column("target_min_pct", "Rule: at least (%) for Q1 or NPRU",
              relog::v1::ReportColumn::KIND_PERCENT)
      .Note(
          "Numerator: NPRU allocations (D13) whose dwelling is not in a QPV "
          "on the allocation date, placed by the allocation date; "
          "denominator: allocations.csv allocations_outside_qpv of the "
          "year. The rule counts the lowest-income quartile too: this is "
          "the NPRU part only.");
  std::vector<int64_t> uncovered;
  for (int64_t year = query.from.year(); year <= query.last_day.year();
       ++year) {
    const absl::CivilDay year_last(year, 12, 31);
    const bool covered =
        reference.Covered("allocations.csv", absl::CivilDay(year, 1, 1),
                          absl::CivilDay(year + 1, 1, 1));
    if (!covered) uncovered.push_back(year);
    struct Cell {
      int64_t npru = 0, unknown = 0, outside = 0, denominator = 0;
    };
    // (0 landlord / 1 EPCI, id) → figures.
    std::map<std::pair<int, std::string>, Cell> cells;
    for (const CaseSnapshot* snapshot : context.cases()) {
      if (!context.OperationAndSiteMatch(snapshot->all_steps)) continue;
      const std::optional<Allocation> allocation =
          NpruAllocation(snapshot->all_steps);
      if (!allocation.has_value() || allocation->allocated_on.year() != year) {
        continue;
      }
      const relog::v1::DwellingFacts& facts =
          allocation->lease->dwelling().facts();
      const absl::CivilDay on = allocation->allocated_on;
      if (!context.PartyMatches(facts.landlord_id(), facts.commune_insee(),
                                on)) {
        continue;
      }
      const QpvStatus qpv = DwellingQpvOn(reference, facts, on);
      const reference::Commune* commune =
          reference.FindCommune(facts.commune_insee(), on);
      std::vector<Cell*> targets = {&cells[{0, facts.landlord_id()}]};
      if (commune != nullptr) {
        targets.push_back(&cells[{1, commune->epci_siren}]);
      }
      for (Cell* c : targets) {
        ++c->npru;
        if (qpv == QpvStatus::kUnknown) ++c->unknown;
        if (qpv == QpvStatus::kOutside) ++c->outside;
      }
    }
    for (const reference::Allocations* row :
         reference.AllocationsOf(static_cast<int>(year))) {
      if (!context.PartyMatches(row->landlord_id, row->insee, year_last)) {
        continue;
      }
      cells[{0, row->landlord_id}].denominator += row->allocations_outside_qpv;
      if (const reference::Commune* commune =
              reference.FindCommune(row->insee, year_last)) {
        cells[{1, commune->epci_siren}].denominator +=
            row->allocations_outside_qpv;
      }
    }
    for (const auto& [key, c] : cells) {
      const char* scope = key.first == 0 ? "LANDLORD" : "EPCI";
      const reference::Target* target =
          reference.FindTarget("OUTSIDE_QPV_Q1_OR_NPRU", scope, query.last_day);
      TableBuilder::Row row = table.AddRow();
      row.Text(scope)
          .Text(key.second)
          .Text(key.first == 0
                    ? LandlordName(reference, key.second, query.last_day)
                    : "")
          .Int(year)
          .Int(c.npru)
          .Int(c.unknown);
      if (covered) {
        row.Rate(c.outside, c.denominator);
      } else {
        row.Int(c.outside).Empty().Empty();
      }
      row.Dec(PermilleAsPercent(target == nullptr ? std::nullopt
                                                  : target->min_permille));
    }
  }
  if (!uncovered.empty()) {
    table.Note(absl::StrCat(
        "allocations.csv is not declared complete (coverage.csv) for ",
        absl::StrJoin(uncovered, ", "),
        ": the rate is not given, only the NPRU allocations outside QPV."));
  }
  return table.Build();
}

relog::v1::ReportTable ResteAChargeTable(const ReportContext& context,
                                         const std::vector<Fact>& facts) {
  const int64_t threshold = context.query().rent_increase_threshold_cents;
  struct Figures {
    int64_t all = 0, no_diagnosis = 0, rose = 0;
    std::vector<int64_t> before, after, change, actual;
  };
  ByLandlord<Figures> by;
  for (const Fact& f : facts) {
    const cases::EffectiveStep* diagnosis = LatestStepOnOrBefore(
        f.snapshot->steps, CaseStep::kDiagnosisRecorded, f.rehousing.moved_on);
    const int64_t after = f.rehousing.lease->reste_a_charge_cents();
    // The 3-month follow-up may be recorded after the period: every step
    // known at the report's time counts (the latest such follow-up).
    std::optional<int64_t> actual;
    for (const cases::EffectiveStep* step : f.snapshot->all_steps) {
      if (!step->step.has_follow_up_recorded()) continue;
      const relog::v1::FollowUpRecorded& follow_up =
          step->step.follow_up_recorded();
      if (follow_up.milestone() == relog::v1::FOLLOW_UP_MILESTONE_3_MONTHS &&
          follow_up.has_actual_reste_a_charge_cents()) {
        actual = follow_up.actual_reste_a_charge_cents();
      }
    }
    by.Add(f.landlord, [&](Figures& g) {
      ++g.all;
      if (actual.has_value()) g.actual.push_back(*actual);
      if (diagnosis == nullptr) {
        ++g.no_diagnosis;
        return;
      }
      const int64_t before =
          diagnosis->step.diagnosis_recorded().reste_a_charge_cents();
      g.before.push_back(before);
      g.after.push_back(after);
      g.change.push_back(after - before);
      if (after - before > threshold) ++g.rose;
    });
  }
  TableBuilder table("reste_a_charge",
                     "Reste à charge before and after, by receiving landlord");
  const auto euros = relog::v1::ReportColumn::KIND_EUROS;
  table.Text("arrival_landlord_id", "Receiving landlord")
      .Text("arrival_landlord_name", "Name")
      .Integer("rehousings", "Definitive rehousings")
      .Integer("no_diagnosis", "No diagnosis (no \"before\")")
      .Column("before_mean", "Before, mean (EUR/month)", euros)
      .Column("before_median", "Before, median", euros)
      .Column("after_mean", "After, mean", euros)
      .Column("after_median", "After, median", euros)
      .Column("change_mean", "Change (after − before), mean", euros)
      .Column("change_median", "Change, median", euros)
      .Rate("rose_above_threshold",
            "Rose by more than the threshold (of those with a diagnosis)")
      .Integer("actual_3m_recorded", "Actual at 3 months recorded")
      .Column("actual_3m_mean", "Actual at 3 months, mean", euros)
      .Column("actual_3m_median", "Actual at 3 months, median", euros)
      .Note(absl::StrCat(
          "Before: the latest diagnosis on or before the move; after: the "
          "definitive lease (D11). Before, after and change are over the "
          "rehousings with a diagnosis; threshold: ",
          threshold,
          " cents (after − before > threshold). Not indexed for "
          "inflation."));
  auto add = [&](const std::string& key, const Figures& g) {
    table.AddRow()
        .Text(key)
        .Text(LandlordName(context.reference(), key, context.query().last_day))
        .Int(g.all)
        .Int(g.no_diagnosis)
        .Dec(MeanCents(g.before))
        .Dec(MedianCents(g.before))
        .Dec(MeanCents(g.after))
        .Dec(MedianCents(g.after))
        .Dec(MeanCents(g.change))
        .Dec(MedianCents(g.change))
        .Rate(g.rose, static_cast<int64_t>(g.before.size()))
        .Int(static_cast<int64_t>(g.actual.size()))
        .Dec(MeanCents(g.actual))
        .Dec(MedianCents(g.actual));
  };
  for (const auto& [key, g] : by.groups) add(key, g);
  add(kTotal, by.total);
  return table.Build();
}

void SurfaceTables(const ReportContext& context, const std::vector<Fact>& facts,
                   ReportTables& tables) {
  struct Figures {
    int64_t all = 0, larger = 0, same = 0, smaller = 0, typology_unknown = 0;
    std::vector<int64_t> origin, arrival, change;  // centi-m², both known
  };
  ByLandlord<Figures> by;
  std::map<std::pair<std::string, std::string>, int64_t> typologies;
  std::set<std::string> seen;
  for (const Fact& f : facts) {
    const relog::v1::DwellingFacts& origin = f.id->origin().facts();
    const relog::v1::DwellingFacts& arrival =
        f.rehousing.lease->dwelling().facts();
    const int o = TypologyNumber(origin.typology());
    const int a = TypologyNumber(arrival.typology());
    ++typologies[{TypologyName(origin.typology()),
                  TypologyName(arrival.typology())}];
    seen.insert(TypologyName(origin.typology()));
    seen.insert(TypologyName(arrival.typology()));
    by.Add(f.landlord, [&](Figures& g) {
      ++g.all;
      if (o == 0 || a == 0) {
        ++g.typology_unknown;
      } else if (a > o) {
        ++g.larger;
      } else if (a == o) {
        ++g.same;
      } else {
        ++g.smaller;
      }
      if (origin.surface_m2() > 0 && arrival.surface_m2() > 0) {
        const int64_t before = CentiSquareMetres(origin.surface_m2());
        const int64_t after = CentiSquareMetres(arrival.surface_m2());
        g.origin.push_back(before);
        g.arrival.push_back(after);
        g.change.push_back(after - before);
      }
    });
  }
  const auto m2 = relog::v1::ReportColumn::KIND_DECIMAL;
  TableBuilder table("surface_typology",
                     "Surface and typology, origin against arrival, by "
                     "receiving landlord");
  table.Text("arrival_landlord_id", "Receiving landlord")
      .Text("arrival_landlord_name", "Name")
      .Integer("rehousings", "Definitive rehousings")
      .Integer("surface_known", "Both surfaces known")
      .Column("origin_surface_mean", "Origin surface, mean (m²)", m2)
      .Column("arrival_surface_mean", "Arrival surface, mean (m²)", m2)
      .Column("surface_change_mean", "Surface change, mean (m²)", m2)
      .Column("surface_change_median", "Surface change, median (m²)", m2)
      .Integer("typology_larger", "Larger typology")
      .Integer("typology_same", "Same typology")
      .Integer("typology_smaller", "Smaller typology")
      .Integer("typology_unknown", "Typology unknown")
      .Note(
          "Origin: the identification's dwelling; arrival: the definitive "
          "lease's. Surfaces to 0.01 m², over the rehousings where both are "
          "known.");
  auto add = [&](const std::string& key, const Figures& g) {
    table.AddRow()
        .Text(key)
        .Text(LandlordName(context.reference(), key, context.query().last_day))
        .Int(g.all)
        .Int(static_cast<int64_t>(g.change.size()))
        .Dec(MeanCents(g.origin))
        .Dec(MeanCents(g.arrival))
        .Dec(MeanCents(g.change))
        .Dec(MedianCents(g.change))
        .Int(g.larger)
        .Int(g.same)
        .Int(g.smaller)
        .Int(g.typology_unknown);
  };
  for (const auto& [key, g] : by.groups) add(key, g);
  add(kTotal, by.total);
  tables.push_back(table.Build());

  TableBuilder matrix("typology_matrix",
                      "Typology of origin × typology of arrival");
  matrix.Text("origin_typology", "Origin typology (T1…T6, ? unknown)")
      .Text("arrival_typology", "Arrival typology")
      .Integer("rehousings", "Definitive rehousings")
      .Matrix("origin_typology", "arrival_typology", "rehousings");
  for (const std::string& o : seen) {
    for (const std::string& a : seen) {
      auto it = typologies.find({o, a});
      matrix.AddRow().Text(o).Text(a).Int(it == typologies.end() ? 0
                                                                 : it->second);
    }
  }
  tables.push_back(matrix.Build());
}

relog::v1::ReportTable OverOccupationTable(const ReportContext& context,
                                           const std::vector<Fact>& facts) {
  const reference::ReferenceData& reference = context.reference();
  struct Figures {
    int64_t all = 0, size_known = 0, before_finding = 0, before_norm = 0,
            after_norm = 0, resolved_finding = 0, resolved_norm = 0;
  };
  ByLandlord<Figures> by;
  for (const Fact& f : facts) {
    const absl::CivilDay on = f.rehousing.moved_on;
    const cases::EffectiveStep* step = LatestStepOnOrBefore(
        f.snapshot->steps, CaseStep::kDiagnosisRecorded, on);
    const relog::v1::DiagnosisRecorded* diagnosis =
        step == nullptr ? nullptr : &step->step.diagnosis_recorded();
    const reference::OccupancyNorm* norm =
        diagnosis == nullptr
            ? nullptr
            : reference.FindOccupancyNorm(
                  diagnosis->adults() + diagnosis->children(), on);
    const bool finding =
        diagnosis != nullptr &&
        diagnosis->occupancy_fit() == relog::v1::OCCUPANCY_FIT_OVER_OCCUPIED;
    const relog::v1::DwellingFacts& origin = f.id->origin().facts();
    const relog::v1::DwellingFacts& arrival =
        f.rehousing.lease->dwelling().facts();
    const bool before_norm =
        norm != nullptr &&
        OverOccupied(*norm, origin.surface_m2(), origin.typology());
    const bool after_norm =
        norm != nullptr &&
        OverOccupied(*norm, arrival.surface_m2(), arrival.typology());
    by.Add(f.landlord, [&](Figures& g) {
      ++g.all;
      if (norm != nullptr) ++g.size_known;
      if (finding) ++g.before_finding;
      if (before_norm) ++g.before_norm;
      if (after_norm) ++g.after_norm;
      // "After" is always judged by the norm (no finding exists after the
      // move); a finding without a known size counts as not resolved.
      if (finding && norm != nullptr && !after_norm) ++g.resolved_finding;
      if (before_norm && !after_norm) ++g.resolved_norm;
    });
  }
  TableBuilder table("over_occupation",
                     "Over-occupation before the move and resolved by it, by "
                     "receiving landlord");
  table.Text("arrival_landlord_id", "Receiving landlord")
      .Text("arrival_landlord_name", "Name")
      .Integer("rehousings", "Definitive rehousings")
      .Integer("size_known", "Household size known (diagnosis)")
      .Integer("over_occupied_before_finding",
               "Over-occupied before (operator's finding)")
      .Integer("over_occupied_before_norm", "Over-occupied before (norm)")
      .Integer("over_occupied_after_norm", "Over-occupied after (norm)")
      .Rate("resolved_finding",
            "Resolved, of those found over-occupied by the operator")
      .Rate("resolved_norm", "Resolved, of those over-occupied by the norm")
      .Note(
          "Household size: adults + children of the latest diagnosis on or "
          "before the move (stale after a later decohabitation); norm: "
          "occupancy_norms.csv ref@move date (surface or typology below its "
          "minimum).");
  auto add = [&](const std::string& key, const Figures& g) {
    table.AddRow()
        .Text(key)
        .Text(LandlordName(reference, key, context.query().last_day))
        .Int(g.all)
        .Int(g.size_known)
        .Int(g.before_finding)
        .Int(g.before_norm)
        .Int(g.after_norm)
        .Rate(g.resolved_finding, g.before_finding)
        .Rate(g.resolved_norm, g.before_norm);
  };
  for (const auto& [key, g] : by.groups) add(key, g);
  add(kTotal, by.total);
  return table.Build();
}

}  // namespace

ReportTables QualityReport(const ReportContext& context) {
  std::vector<Fact> facts;
  for (const CaseSnapshot* snapshot : context.RehousedInPeriod()) {
    const std::optional<Rehousing>& rehousing = snapshot->rehousing;
    const relog::v1::DwellingFacts& arrival =
        rehousing->lease->dwelling().facts();
    Fact fact;
    fact.snapshot = snapshot;
    fact.rehousing = *rehousing;
    fact.id = snapshot->identification;
    fact.identified_on = *snapshot->identified_on;
    fact.landlord =
        arrival.landlord_id().empty() ? kNoLandlord : arrival.landlord_id();
    facts.push_back(std::move(fact));
  }
  ReportTables tables;
  tables.push_back(QpvTable(context, facts));
  tables.push_back(CommuneChangeTable(context, facts));
  tables.push_back(FragilityTable(context, facts));
  tables.push_back(OutsideQpvRuleTable(context));
  tables.push_back(ResteAChargeTable(context, facts));
  SurfaceTables(context, facts, tables);
  tables.push_back(OverOccupationTable(context, facts));
  return tables;
}

}  // namespace relog::reports
