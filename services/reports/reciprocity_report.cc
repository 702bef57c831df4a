// Reports 2 and 3, inter-landlord and inter-commune reciprocity
// (docs/REPORTS.md "2." and "3.", D3, D8, D12): the matrix origin ×
// arrival of the definitive rehousings moved in the period, each party's
// sent / received / net balance, the réservataire flows used, and the
// communes' commitments.
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "services/reports/commitment_figures.h"
#include "services/reports/definitions.h"
#include "services/reports/report_builders.h"
#include "services/reports/report_table.h"

namespace relog::reports {
namespace {

constexpr char kTotal[] = "TOTAL";
// The arrival "party" of a rehousing into a private dwelling (no receiving
// landlord, D12): its own column, outside sent and received.
constexpr char kNoLandlord[] = "NO_LANDLORD";
constexpr char kNoLandlordName[] = "no landlord (private dwelling)";

// One definitive rehousing of the period, by its keys.
struct Flow {
  std::string origin, arrival;
  absl::CivilDay moved_on;
  const relog::v1::LeaseSigned* lease = nullptr;
};

// The definitive rehousings moved in the period that pass the D18 filters
// (origin or arrival), keyed by `keys`.
std::vector<Flow> Flows(
    const ReportContext& context,
    const std::function<std::pair<std::string, std::string>(
        const relog::v1::HouseholdIdentified&, const Rehousing&)>& keys) {
  std::vector<Flow> flows;
  for (const CaseSnapshot* snapshot : context.RehousedInPeriod()) {
    const std::optional<Rehousing>& rehousing = snapshot->rehousing;
    auto [origin, to] = keys(*snapshot->identification, *rehousing);
    flows.push_back(Flow{origin, to, rehousing->moved_on, rehousing->lease});
  }
  return flows;
}

// Names as of the period's last day, else as of the move date of a fact
// naming the party (a party that ceased during the period).
class Names {
 public:
  explicit Names(
      std::function<std::string(const std::string&, absl::CivilDay)> find)
      : find_(std::move(find)) {}
  void Saw(const std::string& id, absl::CivilDay on) {
    if (id == kNoLandlord) return;
    const std::string name = find_(id, on);
    if (!name.empty()) fallback_[id] = name;
  }
  std::string Of(const std::string& id, absl::CivilDay last_day) const {
    if (id == kNoLandlord) return kNoLandlordName;
    if (id == kTotal) return "";
    std::string name = find_(id, last_day);
    if (!name.empty()) return name;
    auto it = fallback_.find(id);
    return it == fallback_.end() ? "" : it->second;
  }

 private:
  std::function<std::string(const std::string&, absl::CivilDay)> find_;
  std::map<std::string, std::string> fallback_;
};

// D12 over `flows`: the matrix in long form (every origin party × every
// arrival party, zeros included, the "no landlord" column when used) and
// the balances with a TOTAL row (Σ net = 0).
void ReciprocityTables(const ReportContext& context,
                       const std::vector<Flow>& flows, const Names& names,
                       const std::string& prefix, const std::string& key,
                       const std::string& what, bool landlords,
                       ReportTables& tables) {
  const absl::CivilDay last_day = context.query().last_day;
  std::map<std::pair<std::string, std::string>, int64_t> cells;
  std::set<std::string> parties;
  bool private_used = false;
  for (const Flow& flow : flows) {
    ++cells[{flow.origin, flow.arrival}];
    if (flow.origin != kNoLandlord) parties.insert(flow.origin);
    if (flow.arrival != kNoLandlord) parties.insert(flow.arrival);
    private_used = private_used || flow.arrival == kNoLandlord ||
                   flow.origin == kNoLandlord;
  }
  std::vector<std::string> rows(parties.begin(), parties.end());
  std::vector<std::string> columns = rows;
  if (private_used) {
    rows.push_back(kNoLandlord);
    columns.push_back(kNoLandlord);
  }
  auto cell = [&](const std::string& o, const std::string& a) -> int64_t {
    auto it = cells.find({o, a});
    return it == cells.end() ? 0 : it->second;
  };

  TableBuilder matrix("matrix", "Definitive rehousings, " + what +
                                    " of origin × " + what + " of arrival");
  matrix.Text("origin_" + prefix + "_" + key, "Origin " + what)
      .Text("origin_" + prefix + "_name", "Origin " + what + " name")
      .Text("arrival_" + prefix + "_" + key, "Arrival " + what)
      .Text("arrival_" + prefix + "_name", "Arrival " + what + " name")
      .Integer("diagonal", "1 on the diagonal (same origin and arrival)")
      .Integer("rehousings", "Definitive rehousings")
      .Matrix("origin_" + prefix + "_" + key, "arrival_" + prefix + "_" + key,
              "rehousings")
      .Note(
          "Definitive rehousings (D3) placed by their move date; the "
          "diagonal is shown and excluded from sent and received (D12).");
  for (const std::string& o : rows) {
    for (const std::string& a : columns) {
      if (o == kNoLandlord && a == kNoLandlord && cell(o, a) == 0) continue;
      matrix.AddRow()
          .Text(o)
          .Text(names.Of(o, last_day))
          .Text(a)
          .Text(names.Of(a, last_day))
          .Int(o == a && o != kNoLandlord ? 1 : 0)
          .Int(cell(o, a));
    }
  }
  if (private_used) {
    matrix.Note(
        "NO_LANDLORD: rehousings into a private dwelling, outside sent and "
        "received.");
  }
  tables.push_back(matrix.Build());

  TableBuilder balances("balances",
                        "Sent, received and net balance per " + what);
  balances.Text(prefix + "_" + key, what)
      .Text(prefix + "_name", "Name")
      .Integer("sent", "Sent (row off the diagonal)")
      .Integer("received", "Received (column off the diagonal)")
      .Integer("net", "Net = received − sent")
      .Integer("diagonal", "Within the same " + what);
  if (landlords) {
    balances.Integer("to_no_landlord", "Into a private dwelling")
        .Note("Σ net = 0: private dwellings are outside sent and received.");
  }
  int64_t total_sent = 0, total_received = 0, total_diagonal = 0,
          total_private = 0;
  for (const std::string& x : parties) {
    int64_t sent = 0, received = 0;
    for (const std::string& y : parties) {
      if (y == x) continue;
      sent += cell(x, y);
      received += cell(y, x);
    }
    const int64_t diagonal = cell(x, x), to_private = cell(x, kNoLandlord);
    TableBuilder::Row row = balances.AddRow();
    row.Text(x)
        .Text(names.Of(x, last_day))
        .Int(sent)
        .Int(received)
        .Int(received - sent)
        .Int(diagonal);
    if (landlords) row.Int(to_private);
    total_sent += sent;
    total_received += received;
    total_diagonal += diagonal;
    total_private += to_private;
  }
  TableBuilder::Row total = balances.AddRow();
  total.Text(kTotal)
      .Text("")
      .Int(total_sent)
      .Int(total_received)
      .Int(total_received - total_sent)
      .Int(total_diagonal);
  if (landlords) total.Int(total_private);
  tables.push_back(balances.Build());
}

std::string LandlordName(const reference::ReferenceData& reference,
                         const std::string& id, absl::CivilDay on) {
  const reference::Landlord* landlord = reference.FindLandlord(id, on);
  return landlord == nullptr ? "" : landlord->name;
}

std::string CommuneName(const reference::ReferenceData& reference,
                        const std::string& insee, absl::CivilDay on) {
  const reference::Commune* commune = reference.FindCommune(insee, on);
  return commune == nullptr ? "" : commune->name;
}

// Réservataire flows used: receiving landlord × réservataire kind (and the
// réservataire itself), reservataires.csv ref@move date.
relog::v1::ReportTable ReservataireTable(const ReportContext& context,
                                         const std::vector<Flow>& flows,
                                         const Names& names) {
  const reference::ReferenceData& reference = context.reference();
  struct Used {
    std::string name;
    int64_t rehousings = 0;
  };
  // (arrival landlord, kind, réservataire id) → its name and count.
  std::map<std::tuple<std::string, std::string, std::string>, Used> used;
  for (const Flow& flow : flows) {
    const std::string& id = flow.lease->reservataire_id();
    std::string kind = "UNKNOWN", name;
    if (const reference::Reservataire* r =
            id.empty() ? nullptr
                       : reference.FindReservataire(id, flow.moved_on)) {
      kind = reference::ReservataireKindName(r->kind);
      name = r->name;
    }
    Used& entry = used[{flow.arrival, kind, id}];
    if (!name.empty()) entry.name = name;
    ++entry.rehousings;
  }
  TableBuilder table("reservataire_flows",
                     "Réservataire flows used, per receiving landlord");
  table.Text("arrival_landlord_id", "Receiving landlord")
      .Text("arrival_landlord_name", "Receiving landlord name")
      .Text("reservataire_kind",
            "Réservataire kind (STATE, ACTION_LOGEMENT, COMMUNE, EPCI, "
            "LANDLORD, OTHER, UNKNOWN)")
      .Text("reservataire_id", "Réservataire")
      .Text("reservataire_name", "Réservataire name (as of the move date)")
      .Integer("rehousings", "Definitive rehousings")
      .Note(
          "UNKNOWN: the lease names no réservataire, or one unknown to "
          "reservataires.csv on the move date.");
  int64_t total = 0;
  for (const auto& [key, entry] : used) {
    table.AddRow()
        .Text(std::get<0>(key))
        .Text(names.Of(std::get<0>(key), context.query().last_day))
        .Text(std::get<1>(key))
        .Text(std::get<2>(key))
        .Text(entry.name)
        .Int(entry.rehousings);
    total += entry.rehousings;
  }
  table.AddRow().Text(kTotal).Text("").Text("").Text("").Text("").Int(total);
  return table.Build();
}

}  // namespace

ReportTables LandlordReciprocityReport(const ReportContext& context) {
  const reference::ReferenceData& reference = context.reference();
  Names names([&reference](const std::string& id, absl::CivilDay on) {
    return LandlordName(reference, id, on);
  });
  const std::vector<Flow> flows = Flows(
      context,
      [](const relog::v1::HouseholdIdentified& id, const Rehousing& rehousing) {
        const std::string& origin = id.origin().facts().landlord_id();
        const std::string& arrival =
            rehousing.lease->dwelling().facts().landlord_id();
        return std::make_pair(origin.empty() ? kNoLandlord : origin,
                              arrival.empty() ? kNoLandlord : arrival);
      });
  for (const Flow& flow : flows) {
    names.Saw(flow.origin, flow.moved_on);
    names.Saw(flow.arrival, flow.moved_on);
  }
  ReportTables tables;
  ReciprocityTables(context, flows, names, "landlord", "id", "landlord", true,
                    tables);
  tables.push_back(ReservataireTable(context, flows, names));
  return tables;
}

ReportTables CommuneReciprocityReport(const ReportContext& context) {
  const reference::ReferenceData& reference = context.reference();
  Names names([&reference](const std::string& id, absl::CivilDay on) {
    return CommuneName(reference, id, on);
  });
  // Both codes mapped to their successor on the move date (G16): a merged
  // commune is not "elsewhere".
  const std::vector<Flow> flows =
      Flows(context, [&reference](const relog::v1::HouseholdIdentified& id,
                                  const Rehousing& rehousing) {
        return std::make_pair(
            reference.SuccessorOf(id.origin().facts().commune_insee(),
                                  rehousing.moved_on),
            reference.SuccessorOf(
                rehousing.lease->dwelling().facts().commune_insee(),
                rehousing.moved_on));
      });
  for (const Flow& flow : flows) {
    names.Saw(flow.origin, flow.moved_on);
    names.Saw(flow.arrival, flow.moved_on);
  }
  ReportTables tables;
  ReciprocityTables(context, flows, names, "commune", "insee", "commune", false,
                    tables);
  tables.push_back(CommitmentsTable(context, {reference::PartyKind::kCommune},
                                    "commitments",
                                    "Communes' achievements against their "
                                    "charter commitments (as in report 4)"));
  return tables;
}

}  // namespace relog::reports
