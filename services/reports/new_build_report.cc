// Report 5, New-build mobilisation (docs/REPORTS.md "5.", D3, D9): (a) the
// share of definitive rehousings into new or under-5-year dwellings, the
// IML eligibility and claims; (b) the share of the new offer mobilised and
// its PLAI share, only over a period programmes.csv is declared complete.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/reports/definitions.h"
#include "services/reports/report_builders.h"
#include "services/reports/report_table.h"

namespace relog::reports {
namespace {

using relog::v1::CaseStep;
using relog::v1::RentReductionAllowanceRecorded;

constexpr char kTotal[] = "TOTAL";
constexpr char kNoLandlord[] = "NO_LANDLORD";

std::string LandlordName(const reference::ReferenceData& reference,
                         const std::string& id, absl::CivilDay on) {
  if (id == kNoLandlord) return "no landlord (private dwelling)";
  const reference::Landlord* landlord = reference.FindLandlord(id, on);
  return landlord == nullptr ? "" : landlord->name;
}

struct AgeCounts {
  int64_t all = 0, new_build = 0, older = 0, unknown = 0;
  void Add(DwellingAge age) {
    ++all;
    if (age == DwellingAge::kNewOrUnder5) ++new_build;
    if (age == DwellingAge::kOlder) ++older;
    if (age == DwellingAge::kUnknown) ++unknown;
  }
};

struct Iml {
  int64_t new_build = 0, eligible = 0, unknown = 0, amount_cents = 0,
          amount_unknown = 0;
};

// One definitive rehousing of the period (D3) passing the filters.
struct Fact {
  std::string landlord, commune, operation;
  DwellingAge age;
  // IML eligibility (5a): nullopt = not assessable (no diagnosis, zone or
  // ceiling); the amount when eligible and the scale has a row.
  std::optional<bool> eligible;
  std::optional<int64_t> amount_cents;
};

// 5a: eligible iff new or under 5 years and the lease's rent is at most
// the APL rent ceiling of the arrival commune's zone and the household's
// category (latest diagnosis on or before the move), all ref@move date.
void AssessIml(const reference::ReferenceData& reference,
               const CaseSnapshot& snapshot, const Rehousing& rehousing,
               Fact& fact) {
  const relog::v1::DwellingFacts& dwelling =
      rehousing.lease->dwelling().facts();
  const absl::CivilDay on = rehousing.moved_on;
  const cases::EffectiveStep* diagnosis =
      LatestStepOnOrBefore(snapshot.steps, CaseStep::kDiagnosisRecorded, on);
  const reference::CommuneZone* zone =
      reference.FindCommuneZone(dwelling.commune_insee(), "APL", on);
  if (diagnosis == nullptr || zone == nullptr) return;
  const relog::v1::DiagnosisRecorded& d = diagnosis->step.diagnosis_recorded();
  reference::AplCeilingCategory category;
  if (d.dependants() > 0) {
    category = reference::AplCeilingCategory::kWithDependants;
  } else if (d.allowance_category() == relog::v1::ALLOWANCE_CATEGORY_SINGLE) {
    category = reference::AplCeilingCategory::kSingle;
  } else if (d.allowance_category() == relog::v1::ALLOWANCE_CATEGORY_COUPLE) {
    category = reference::AplCeilingCategory::kCouple;
  } else {
    return;
  }
  const std::optional<int64_t> ceiling =
      reference.AplRentCeilingCents(zone->zone, category, d.dependants(), on);
  if (!ceiling.has_value()) return;
  fact.eligible = rehousing.lease->rent_cents() <= *ceiling;
  if (!*fact.eligible) return;
  if (const reference::ImlRate* rate = reference.FindImlRateForCommune(
          dwelling.commune_insee(), TypologyNumber(dwelling.typology()), on)) {
    fact.amount_cents = rate->amount_cents;
  }
}

relog::v1::ReportTable RatioTable(
    const std::string& id, const std::string& title,
    const std::string& key_column, const std::string& key_title,
    const std::map<std::string, AgeCounts>& groups, const AgeCounts& total,
    const std::function<std::string(const std::string&)>& name) {
  TableBuilder table(id, title);
  table.Text(key_column, key_title)
      .Text("name", "Name")
      .Rate("new_build", "New or under 5 years at the move")
      .Integer("older", "5 years or older")
      .Integer("age_unknown", "Age unknown (in the denominator)")
      .Note(
          "Definitive rehousings (D3) moved in the period; new or under 5 "
          "years computed at the move date (D9); age unknown: in every "
          "denominator, never in a numerator.");
  auto add = [&table](const std::string& key, const std::string& n,
                      const AgeCounts& r) {
    table.AddRow()
        .Text(key)
        .Text(n)
        .Rate(r.new_build, r.all)
        .Int(r.older)
        .Int(r.unknown);
  };
  for (const auto& [key, ratio] : groups) add(key, name(key), ratio);
  add(kTotal, "", total);
  return table.Build();
}

// 5b: the programmes delivered in the period, the rehousings into them
// new or under 5 years at the move, their PLAI share.
void NewOfferTables(const ReportContext& context, ReportTables& tables) {
  const reference::ReferenceData& reference = context.reference();
  const ReportQuery& query = context.query();
  TableBuilder offer("new_offer",
                     "(b) Share of the new offer mobilised: programmes "
                     "delivered in the period");
  offer.Text("programme_id", "Programme")
      .Text("programme_name", "Name")
      .Text("landlord_id", "Landlord")
      .Text("insee", "Commune")
      .Column("delivered_on", "Delivered on",
              relog::v1::ReportColumn::KIND_DATE)
      .Rate("mobilised",
            "Definitive rehousings new or under 5 years at the move ÷ "
            "dwellings");
  TableBuilder plai("plai_share",
                    "(b) PLAI share of the programmes delivered in the period");
  plai.Text("programme_id", "Programme")
      .Text("programme_name", "Name")
      .Text("financing", "Financing")
      .Column("delivered_on", "Delivered on",
              relog::v1::ReportColumn::KIND_DATE)
      .Rate("plai", "PLAI dwellings ÷ dwellings (split known)")
      .Integer("split_unknown", "Dwellings whose PLAI split is unknown")
      .Column("target_min_pct", "Charter minimum (%)",
              relog::v1::ReportColumn::KIND_PERCENT)
      .Column("target_max_pct", "Charter maximum (%)",
              relog::v1::ReportColumn::KIND_PERCENT)
      .Text("within_target", "Within the charter's range");
  if (!reference.Covered("programmes.csv", query.from, query.to)) {
    const std::string note = absl::StrCat(
        "programmes.csv is not declared complete (coverage.csv) over [",
        absl::FormatCivilTime(query.from), ", ",
        absl::FormatCivilTime(query.to),
        "): the share of the new offer and its PLAI share are not given.");
    offer.Note(note);
    plai.Note(note);
    tables.push_back(offer.Build());
    tables.push_back(plai.Build());
    return;
  }
  offer.Note(
      "Denominator: programmes.csv dwellings of the programmes delivered in "
      "the period (no delivery date: excluded); numerator: definitive "
      "rehousings into them new or under 5 years at the move, moved at any "
      "date known at the report's time (rehousings, not distinct "
      "dwellings).");
  plai.Note(
      "The PLAI share counts the programmes whose split is known; the "
      "others are shown as split unknown.");
  std::vector<const reference::Programme*> delivered;
  for (const reference::Programme* p : reference.Programmes()) {
    if (!p->delivered_on.has_value() || !context.InPeriod(*p->delivered_on)) {
      continue;
    }
    if (!context.PartyMatches(p->landlord_id, p->insee, *p->delivered_on)) {
      continue;
    }
    delivered.push_back(p);
  }
  std::map<std::string, int64_t> mobilised;
  for (const CaseSnapshot* snapshot : context.cases()) {
    const std::optional<Rehousing> rehousing =
        DefinitiveRehousing(snapshot->all_steps);
    if (!rehousing.has_value()) continue;
    const std::string& programme =
        rehousing->lease->dwelling().facts().programme_id();
    if (programme.empty() ||
        !context.OperationAndSiteMatch(snapshot->all_steps)) {
      continue;
    }
    if (AgeAtMove(reference, *rehousing->lease, rehousing->moved_on) ==
        DwellingAge::kNewOrUnder5) {
      ++mobilised[programme];
    }
  }
  const reference::Target* target =
      reference.FindTarget("PLAI_SHARE_NEW", "EPCI", query.last_day);
  const std::optional<int> min =
      target == nullptr ? std::nullopt : target->min_permille;
  const std::optional<int> max =
      target == nullptr ? std::nullopt : target->max_permille;
  auto within = [&](int64_t n, int64_t d) -> std::string {
    if (d == 0 || (!min.has_value() && !max.has_value())) return "";
    const bool ok = (!min.has_value() || n * 1000 >= *min * d) &&
                    (!max.has_value() || n * 1000 <= *max * d);
    return ok ? "yes" : "no";
  };
  int64_t total_mobilised = 0, total_dwellings = 0, total_plai = 0,
          total_known = 0, total_unknown = 0;
  for (const reference::Programme* p : delivered) {
    auto it = mobilised.find(p->id);
    const int64_t n = it == mobilised.end() ? 0 : it->second;
    offer.AddRow()
        .Text(p->id)
        .Text(p->name)
        .Text(p->landlord_id)
        .Text(p->insee)
        .Date(*p->delivered_on)
        .Rate(n, p->dwellings);
    total_mobilised += n;
    total_dwellings += p->dwellings;
    TableBuilder::Row row = plai.AddRow();
    row.Text(p->id).Text(p->name).Text(p->financing).Date(*p->delivered_on);
    if (p->dwellings_plai.has_value()) {
      row.Rate(*p->dwellings_plai, p->dwellings).Int(0);
      total_plai += *p->dwellings_plai;
      total_known += p->dwellings;
    } else {
      row.Empty().Empty().Empty().Int(p->dwellings);
      total_unknown += p->dwellings;
    }
    row.Empty().Empty().Empty();
  }
  offer.AddRow().Text(kTotal).Text("").Text("").Text("").Empty().Rate(
      total_mobilised, total_dwellings);
  plai.AddRow()
      .Text(kTotal)
      .Text("")
      .Text("")
      .Empty()
      .Rate(total_plai, total_known)
      .Int(total_unknown)
      .Dec(PermilleAsPercent(min))
      .Dec(PermilleAsPercent(max))
      .Text(within(total_plai, total_known));
  tables.push_back(offer.Build());
  tables.push_back(plai.Build());
}

}  // namespace

ReportTables NewBuildReport(const ReportContext& context) {
  const reference::ReferenceData& reference = context.reference();
  const ReportQuery& query = context.query();
  std::map<std::string, AgeCounts> by_landlord, by_commune, by_operation;
  std::map<std::string, Iml> iml;
  AgeCounts total;
  Iml iml_total;
  for (const CaseSnapshot* snapshot : context.RehousedInPeriod()) {
    const std::optional<Rehousing>& rehousing = snapshot->rehousing;
    const relog::v1::DwellingFacts& arrival =
        rehousing->lease->dwelling().facts();
    Fact fact;
    fact.landlord =
        arrival.landlord_id().empty() ? kNoLandlord : arrival.landlord_id();
    fact.commune = arrival.commune_insee();
    fact.operation = snapshot->identification->operation_id();
    fact.age = AgeAtMove(reference, *rehousing->lease, rehousing->moved_on);
    by_landlord[fact.landlord].Add(fact.age);
    by_commune[fact.commune].Add(fact.age);
    by_operation[fact.operation].Add(fact.age);
    total.Add(fact.age);
    if (fact.age != DwellingAge::kNewOrUnder5) continue;
    AssessIml(reference, *snapshot, *rehousing, fact);
    for (Iml* i : {&iml[fact.landlord], &iml_total}) {
      ++i->new_build;
      if (!fact.eligible.has_value()) ++i->unknown;
      if (fact.eligible.value_or(false)) {
        ++i->eligible;
        if (fact.amount_cents.has_value()) {
          i->amount_cents += *fact.amount_cents;
        } else {
          ++i->amount_unknown;
        }
      }
    }
  }

  ReportTables tables;
  tables.push_back(RatioTable(
      "ratio_by_landlord", "(a) New-build ratio by receiving landlord",
      "arrival_landlord_id", "Receiving landlord", by_landlord, total,
      [&](const std::string& id) {
        return LandlordName(reference, id, query.last_day);
      }));
  tables.push_back(RatioTable(
      "ratio_by_commune", "(a) New-build ratio by commune of arrival",
      "arrival_commune_insee", "Commune of arrival", by_commune, total,
      [&](const std::string& insee) -> std::string {
        const reference::Commune* c =
            reference.FindCommune(insee, query.last_day);
        return c == nullptr ? "" : c->name;
      }));
  tables.push_back(RatioTable("ratio_by_operation",
                              "(a) New-build ratio by operation of origin",
                              "operation_id", "Operation", by_operation, total,
                              [&](const std::string& id) -> std::string {
                                const reference::Operation* o =
                                    reference.FindOperation(id, query.last_day);
                                return o == nullptr ? "" : o->name;
                              }));

  TableBuilder eligible("iml_eligible",
                        "(a) Rehousings eligible for the IML, by receiving "
                        "landlord");
  eligible.Text("arrival_landlord_id", "Receiving landlord")
      .Text("arrival_landlord_name", "Name")
      .Integer("new_build", "Rehousings new or under 5 years")
      .Integer("iml_eligible", "Eligible (rent ≤ APL rent ceiling)")
      .Integer("eligibility_unknown",
               "Not assessable (no diagnosis, zone or ceiling)")
      .Column("iml_amount", "IML amount of the eligible (EUR)",
              relog::v1::ReportColumn::KIND_EUROS)
      .Integer("amount_unknown", "Eligible with no IML scale row")
      .Note(
          "Eligible: new or under 5 years (D9) and the lease's rent at most "
          "the APL rent ceiling of the arrival commune's zone and the "
          "household's category (latest diagnosis on or before the move), "
          "ref@move date; amount: iml_scale.csv for the typology and zone.");
  auto add_iml = [&](const std::string& key, const std::string& name,
                     const Iml& i) {
    eligible.AddRow()
        .Text(key)
        .Text(name)
        .Int(i.new_build)
        .Int(i.eligible)
        .Int(i.unknown)
        .Dec(Euros(i.amount_cents))
        .Int(i.amount_unknown);
  };
  for (const auto& [key, i] : iml) {
    add_iml(key, LandlordName(reference, key, query.last_day), i);
  }
  add_iml(kTotal, "", iml_total);
  tables.push_back(eligible.Build());

  // IML claimed: the latest effective RentReductionAllowanceRecorded of
  // each case on or before the period's last day, placed by its date.
  struct Claims {
    int64_t count[4] = {0, 0, 0, 0};
    int64_t cents[4] = {0, 0, 0, 0};
  };
  std::map<std::string, Claims> claims;
  Claims claims_total;
  for (const CaseSnapshot* snapshot : context.cases()) {
    const cases::EffectiveStep* latest = LatestStepOnOrBefore(
        snapshot->steps, CaseStep::kRentReductionAllowanceRecorded,
        query.last_day);
    if (latest == nullptr || !context.InPeriod(latest->occurred_on)) continue;
    const RentReductionAllowanceRecorded& r =
        latest->step.rent_reduction_allowance_recorded();
    const std::optional<Rehousing> rehousing = snapshot->rehousing;
    const std::string arrival_commune =
        rehousing.has_value()
            ? rehousing->lease->dwelling().facts().commune_insee()
            : "";
    if (!context.OriginOrArrivalMatches(*snapshot, r.landlord_id(),
                                        arrival_commune, latest->occurred_on)) {
      continue;
    }
    const int status = static_cast<int>(r.status());
    if (status < 1 || status > 3) continue;
    for (Claims* c : {&claims[r.landlord_id()], &claims_total}) {
      ++c->count[status];
      c->cents[status] += r.amount_cents();
    }
  }
  TableBuilder claimed("iml_claims",
                       "(a) IML claimed, paid and rejected, by landlord");
  claimed.Text("landlord_id", "Landlord claiming")
      .Text("landlord_name", "Name")
      .Integer("claimed", "Claimed (latest status)")
      .Column("claimed_amount", "Claimed (EUR)",
              relog::v1::ReportColumn::KIND_EUROS)
      .Integer("paid", "Paid")
      .Column("paid_amount", "Paid (EUR)", relog::v1::ReportColumn::KIND_EUROS)
      .Integer("rejected", "Rejected")
      .Column("rejected_amount", "Rejected (EUR)",
              relog::v1::ReportColumn::KIND_EUROS)
      .Note(
          "Each case's latest effective IML status recorded on or before "
          "the period's last day, placed by that record's date.");
  auto add_claims = [&](const std::string& key, const std::string& name,
                        const Claims& c) {
    claimed.AddRow()
        .Text(key)
        .Text(name)
        .Int(c.count[1])
        .Dec(Euros(c.cents[1]))
        .Int(c.count[2])
        .Dec(Euros(c.cents[2]))
        .Int(c.count[3])
        .Dec(Euros(c.cents[3]));
  };
  for (const auto& [key, c] : claims) {
    add_claims(key, LandlordName(reference, key, query.last_day), c);
  }
  add_claims(kTotal, "", claims_total);
  tables.push_back(claimed.Build());

  NewOfferTables(context, tables);
  return tables;
}

}  // namespace relog::reports
