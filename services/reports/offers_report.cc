// Report 8, Offers and refusals (docs/REPORTS.md "### 8. Offers and
// refusals"): offers per rehoused household, refusal reasons, withdrawals
// and CAL refusals, and the legal procedure (three counted offers).
// Filters on the origin only (D18), as of each figure's placing date.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
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

using relog::v1::CalDecisionRecorded;
using relog::v1::OfferWithdrawn;
using relog::v1::RefusalReason;

constexpr char kTotal[] = "TOTAL";

std::string ReasonName(RefusalReason reason) {
  return std::string(absl::StripPrefix(relog::v1::RefusalReason_Name(reason),
                                       "REFUSAL_REASON_"));
}

std::string WithdrawalName(OfferWithdrawn::Reason reason) {
  return std::string(
      absl::StripPrefix(OfferWithdrawn::Reason_Name(reason), "REASON_"));
}

// How many rehoused households had 0, 1, 2, 3, 4+ offers.
struct Distribution {
  int64_t households = 0;
  int64_t offers = 0;
  int64_t with[5] = {0, 0, 0, 0, 0};  // index 4: four or more

  void Add(int64_t count) {
    ++households;
    offers += count;
    ++with[std::min<int64_t>(count, 4)];
  }
};

// A case in the legal procedure (third counted offer refused or lapsed).
struct Procedure {
  std::string reference, operation_id, landlord_id, commune_insee;
  absl::CivilDay since;       // the third counted offer's notification
  absl::CivilDay entered_on;  // the refusal or lapse that made it counted
  absl::CivilDay ends_on;     // LegalProcedureEnd(since)
  std::string state;          // phase on the last day
  bool listed_on_last_day = false;
  bool entered_in_period = false;
};

class OffersBuilder {
 public:
  explicit OffersBuilder(const ReportContext& context)
      : context_(context), last_day_(context.query().last_day) {}

  ReportTables Build() {
    for (const CaseSnapshot* snapshot : context_.cases()) AddCase(*snapshot);
    std::sort(procedures_.begin(), procedures_.end(),
              [](const Procedure& a, const Procedure& b) {
                return std::tie(a.entered_on, a.reference) <
                       std::tie(b.entered_on, b.reference);
              });
    ReportTables tables;
    tables.push_back(PerHouseholdTable());
    tables.push_back(ReasonsTable());
    tables.push_back(WithdrawalsTable());
    tables.push_back(ProcedureSummaryTable());
    tables.push_back(EnteredTable());
    tables.push_back(InProcedureTable());
    return tables;
  }

 private:
  bool Matches(const CaseSnapshot& snapshot, absl::CivilDay on) const {
    return context_.OriginMatches(snapshot, on);
  }

  void AddCase(const CaseSnapshot& snapshot) {
    const relog::v1::HouseholdIdentified* id = snapshot.identification;
    if (id == nullptr) return;
    const cases::CaseFacts& facts = snapshot.facts;

    // Offers per household: the D3 population of the period, every
    // effective offer made on or before the move.
    if (const std::optional<Rehousing> rehousing = snapshot.rehousing;
        rehousing.has_value() && context_.InPeriod(rehousing->moved_on) &&
        Matches(snapshot, rehousing->moved_on)) {
      int64_t all = 0, counted = 0;
      for (const cases::OfferState& offer : facts.offers) {
        if (offer.made_on > rehousing->moved_on) continue;
        ++all;
        if (offer.Counted()) ++counted;
      }
      all_.Add(all);
      counted_.Add(counted);
    }

    // Refusals, withdrawals and CAL refusals, each by its own date.
    for (const cases::EffectiveStep* step : snapshot.steps) {
      if (!context_.InPeriod(step->occurred_on) ||
          !Matches(snapshot, step->occurred_on)) {
        continue;
      }
      if (step->step.has_offer_refused()) {
        ++refusals_;
        // One count per reason code, however often a refusal repeats it.
        std::set<int> reasons;
        for (int reason : step->step.offer_refused().reasons()) {
          reasons.insert(reason);
        }
        for (int reason : reasons) ++reasons_[reason];
      } else if (step->step.has_offer_withdrawn()) {
        ++withdrawals_[step->step.offer_withdrawn().reason()];
      } else if (step->step.has_cal_decision_recorded() &&
                 step->step.cal_decision_recorded().decision() ==
                     CalDecisionRecorded::DECISION_REFUSED) {
        ++cal_refusals_;
      }
    }

    // The legal procedure, as folded on the last day.
    if (!facts.legal_procedure_since.has_value()) return;
    const cases::OfferState* third =
        facts.FindOffer(facts.legal_procedure_offer_id);
    if (third == nullptr || !third->answered_on.has_value()) return;
    Procedure p;
    p.reference = id->reference();
    p.operation_id = id->operation_id();
    p.landlord_id = id->origin().facts().landlord_id();
    p.commune_insee = id->origin().facts().commune_insee();
    p.since = *facts.legal_procedure_since;
    p.entered_on = *third->answered_on;
    p.ends_on = cases::LegalProcedureEnd(p.since);
    const cases::Phase phase = facts.phase;
    p.state = cases::PhaseName(phase);
    // Listed while neither definitively rehoused, exited nor closed.
    p.listed_on_last_day =
        phase != cases::Phase::kRehoused && phase != cases::Phase::kExited &&
        phase != cases::Phase::kClosed && Matches(snapshot, last_day_);
    p.entered_in_period =
        context_.InPeriod(p.entered_on) && Matches(snapshot, p.entered_on);
    if (p.entered_in_period) ++entered_;
    if (p.entered_in_period || p.listed_on_last_day) {
      procedures_.push_back(std::move(p));
    }
  }

  relog::v1::ReportTable PerHouseholdTable() {
    TableBuilder table("offers_per_household",
                       "Offers per household rehoused in the period");
    table.Text("kind", "Offers counted")
        .Integer("households", "Households rehoused")
        .Integer("offer_count", "Offers made")
        .Column("mean", "Mean offers per household",
                relog::v1::ReportColumn::KIND_DECIMAL)
        .Integer("with_0", "Households with 0")
        .Integer("with_1", "with 1")
        .Integer("with_2", "with 2")
        .Integer("with_3", "with 3")
        .Integer("with_4_plus", "with 4 or more");
    table.Note(
        "ALL: every effective offer made on or before the move (temporary "
        "ones included); COUNTED: those counting towards the three offers "
        "(compliant, notified, then refused or lapsed)");
    AddDistribution(table, "ALL", all_);
    AddDistribution(table, "COUNTED", counted_);
    return table.Build();
  }

  static void AddDistribution(TableBuilder& table, const std::string& key,
                              const Distribution& d) {
    TableBuilder::Row row = table.AddRow();
    row.Text(key).Int(d.households).Int(d.offers);
    if (d.households == 0) {
      row.Empty();
    } else {
      row.Dec(Ratio(d.offers, d.households, 2));
    }
    for (int64_t n : d.with) row.Int(n);
  }

  relog::v1::ReportTable ReasonsTable() {
    TableBuilder table("refusal_reasons",
                       "Refusals by the household in the period, by reason");
    table.Text("reason", "Reason").Rate("refusals", "Refusals citing it");
    table.Note(
        "a refusal counts once under each reason it gives, and once in "
        "TOTAL; shares are of all refusals");
    for (int value = relog::v1::RefusalReason_MIN;
         value <= relog::v1::RefusalReason_MAX; ++value) {
      if (!relog::v1::RefusalReason_IsValid(value) ||
          value == relog::v1::REFUSAL_REASON_UNSPECIFIED) {
        continue;
      }
      auto it = reasons_.find(value);
      table.AddRow()
          .Text(ReasonName(static_cast<RefusalReason>(value)))
          .Rate(it == reasons_.end() ? 0 : it->second, refusals_);
    }
    // An unspecified code in the list counts as one too, shown when used.
    if (auto it = reasons_.find(relog::v1::REFUSAL_REASON_UNSPECIFIED);
        it != reasons_.end()) {
      table.AddRow()
          .Text(ReasonName(relog::v1::REFUSAL_REASON_UNSPECIFIED))
          .Rate(it->second, refusals_);
    }
    table.AddRow().Text(kTotal).Rate(refusals_, refusals_);
    return table.Build();
  }

  relog::v1::ReportTable WithdrawalsTable() {
    TableBuilder table(
        "withdrawals_and_cal_refusals",
        "Offers withdrawn by the landlord and refused by the CAL (context: "
        "never counted towards the three offers)");
    table.Text("event", "Event")
        .Text("reason", "Reason")
        .Integer("count", "In the period");
    int64_t withdrawals = 0;
    for (OfferWithdrawn::Reason reason :
         {OfferWithdrawn::REASON_DWELLING_UNAVAILABLE,
          OfferWithdrawn::REASON_ALLOCATED_TO_ANOTHER,
          OfferWithdrawn::REASON_UNSUITED, OfferWithdrawn::REASON_OTHER,
          OfferWithdrawn::REASON_UNSPECIFIED}) {
      auto it = withdrawals_.find(reason);
      const int64_t n = it == withdrawals_.end() ? 0 : it->second;
      if (reason == OfferWithdrawn::REASON_UNSPECIFIED && n == 0) continue;
      table.AddRow().Text("WITHDRAWN").Text(WithdrawalName(reason)).Int(n);
      withdrawals += n;
    }
    table.AddRow().Text("WITHDRAWN").Text(kTotal).Int(withdrawals);
    table.AddRow().Text("CAL_REFUSED").Text("").Int(cal_refusals_);
    return table.Build();
  }

  relog::v1::ReportTable ProcedureSummaryTable() {
    TableBuilder table("legal_procedure_summary",
                       "The legal procedure (three counted offers)");
    table.Text("scope", "Scope")
        .Integer("entered_in_period", "Cases entering it in the period")
        .Integer("in_procedure", "Cases in it on the last day")
        .Integer("six_months_ended",
                 "of which six months ended on or before the last day");
    int64_t listed = 0, ended = 0;
    for (const Procedure& p : procedures_) {
      if (!p.listed_on_last_day) continue;
      ++listed;
      if (p.ends_on <= last_day_) ++ended;
    }
    table.AddRow().Text(kTotal).Int(entered_).Int(listed).Int(ended);
    return table.Build();
  }

  void AddProcedureColumns(TableBuilder& table) {
    table.Text("reference", "Case reference")
        .Text("operation_id", "Operation")
        .Text("origin_landlord_id", "Origin landlord")
        .Text("origin_commune_insee", "Commune of origin")
        .Column("procedure_since", "Since (third offer notified)",
                relog::v1::ReportColumn::KIND_DATE)
        .Column("entered_on", "Entered on (refusal or lapse)",
                relog::v1::ReportColumn::KIND_DATE)
        .Column("procedure_ends", "End of the six months",
                relog::v1::ReportColumn::KIND_DATE)
        .Text("state", "State on the last day");
  }
  static void AddProcedureCells(TableBuilder::Row& row, const Procedure& p) {
    row.Text(p.reference)
        .Text(p.operation_id)
        .Text(p.landlord_id)
        .Text(p.commune_insee)
        .Date(p.since)
        .Date(p.entered_on)
        .Date(p.ends_on)
        .Text(p.state);
  }

  relog::v1::ReportTable EnteredTable() {
    TableBuilder table("legal_procedure_entered",
                       "Cases entering the legal procedure in the period");
    AddProcedureColumns(table);
    for (const Procedure& p : procedures_) {
      if (!p.entered_in_period) continue;
      TableBuilder::Row row = table.AddRow();
      AddProcedureCells(row, p);
    }
    return table.Build();
  }

  relog::v1::ReportTable InProcedureTable() {
    TableBuilder table("legal_procedure_on_last_day",
                       "Cases in the legal procedure on the last day");
    AddProcedureColumns(table);
    table.Note(
        "listed while not definitively rehoused, exited or closed on the "
        "last day; the end of the six months is derived (LegalProcedureEnd)");
    for (const Procedure& p : procedures_) {
      if (!p.listed_on_last_day) continue;
      TableBuilder::Row row = table.AddRow();
      AddProcedureCells(row, p);
    }
    return table.Build();
  }

  const ReportContext& context_;
  const absl::CivilDay last_day_;

  Distribution all_, counted_;
  int64_t refusals_ = 0;
  std::map<int, int64_t> reasons_;
  std::map<int, int64_t> withdrawals_;
  int64_t cal_refusals_ = 0;
  int64_t entered_ = 0;
  std::vector<Procedure> procedures_;
};

}  // namespace

ReportTables OffersReport(const ReportContext& context) {
  return OffersBuilder(context).Build();
}

}  // namespace relog::reports
