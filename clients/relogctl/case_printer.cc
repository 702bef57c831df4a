#include "clients/relogctl/case_printer.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/relogctl/common.h"
#include "clients/relogctl/step_flags.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;

// Display width of UTF-8 text (code points).
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

void Line(std::string& out, absl::string_view label, const std::string& value) {
  if (value.empty()) return;
  absl::StrAppendFormat(&out, "%-22s %s\n", label, value);
}

std::string StepType(const v1::CaseStep& step) {
  const auto* field = step.GetReflection()->GetOneofFieldDescriptor(
      step, step.GetDescriptor()->oneof_decl(0));
  return field == nullptr ? "-" : std::string(field->name());
}

std::string HistoryDetail(const v1::CaseHistoryEvent& e) {
  switch (e.body_case()) {
    case v1::CaseHistoryEvent::kStep: {
      std::string json = ToJson(e.step());
      // {"offer_made":{...}} → the inner values, shortened.
      if (json.size() > 90) json = json.substr(0, 87) + "...";
      return json;
    }
    case v1::CaseHistoryEvent::kCorrection:
      return absl::StrCat(
          "corrects v", e.correction().corrected_version(),
          e.correction().occurred_on().empty()
              ? ""
              : absl::StrCat(" date→", e.correction().occurred_on()),
          e.correction().has_replacement()
              ? absl::StrCat(" new ", StepType(e.correction().replacement()))
              : "",
          " (", ShortEnum(e.correction().reason()), ")");
    case v1::CaseHistoryEvent::kCancellation:
      return absl::StrCat("cancels v", e.cancellation().cancelled_version(),
                          " (", ShortEnum(e.cancellation().reason()), ")");
    case v1::CaseHistoryEvent::BODY_NOT_SET:
      break;
  }
  return "";
}

}  // namespace

template <typename E>
std::string ShortEnum(E value) {
  const auto* descriptor = google::protobuf::GetEnumDescriptor<E>();
  const auto* v = descriptor->FindValueByNumber(static_cast<int>(value));
  if (v == nullptr) return absl::StrCat(static_cast<int>(value));
  if (v->number() == 0) return "-";
  return EnumShortName(v);
}

Table::Table(std::vector<std::string> header) {
  rows_.push_back(std::move(header));
}

void Table::AddRow(std::vector<std::string> row) {
  rows_.push_back(std::move(row));
}

std::string Table::Render(int indent) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line(indent, ' ');
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(widths[i] - Width(row[i]) + 2, ' ');
      }
    }
    out += line + "\n";
  }
  return out;
}

std::string FormatCents(int64_t cents) {
  const int64_t abs = cents < 0 ? -cents : cents;
  return absl::StrFormat("%s%d.%02d €", cents < 0 ? "-" : "", abs / 100,
                         abs % 100);
}

std::string FormatDwelling(const v1::DwellingFacts& d) {
  std::vector<std::string> parts;
  if (!d.commune_insee().empty()) parts.push_back(d.commune_insee());
  parts.push_back(d.quartier_code().empty() ? "outside QPV"
                                            : d.quartier_code());
  if (!d.landlord_id().empty()) {
    parts.push_back("landlord " + d.landlord_id());
  }
  if (d.typology() != v1::TYPOLOGY_UNSPECIFIED) {
    parts.push_back(ShortEnum(d.typology()));
  }
  if (d.surface_m2() > 0)
    parts.push_back(absl::StrFormat("%g m²", d.surface_m2()));
  parts.push_back(
      absl::StrCat("floor ", d.floor(), d.has_lift() ? " lift" : ""));
  if (d.financing() != v1::FINANCING_UNSPECIFIED) {
    parts.push_back(ShortEnum(d.financing()));
  }
  if (d.rent_cents() != 0 || d.charges_cents() != 0) {
    parts.push_back(absl::StrCat("rent ", FormatCents(d.rent_cents()), " + ",
                                 FormatCents(d.charges_cents())));
  }
  if (!d.programme_id().empty())
    parts.push_back("programme " + d.programme_id());
  return absl::StrJoin(parts, " ");
}

std::string FormatCase(const v1::Case& c) {
  std::string out;
  Line(out, "case", c.name());
  Line(out, "reference", c.reference());
  Line(out, "state",
       absl::StrCat(v1::Case::State_Name(c.state()),
                    c.temporarily_rehoused() ? " (temporarily rehoused)" : ""));
  Line(out, "version", absl::StrCat(c.version()));
  if (c.imported_history()) {
    Line(out, "history",
         "imported, with steps missing (docs/IMPORT.md: offers, acceptance "
         "and CAL were not recorded)");
  }
  Line(out, "operation / building",
       absl::StrCat(c.operation_id(), " / ", c.building_id()));
  const auto& origin = c.identification().origin().facts();
  Line(out, "origin", FormatDwelling(origin));
  Line(out, "occupancy", ShortEnum(c.occupancy()));
  Line(out, "identified on", c.identified_on());
  Line(out, "notice sent on", c.notice_sent_on());
  Line(out, "diagnosed on", c.diagnosed_on());
  if (c.has_diagnosis()) {
    const auto& d = c.diagnosis();
    Line(out, "household",
         absl::StrCat(d.adults(), " adult(s), ", d.children(), " child(ren), ",
                      ShortEnum(d.resource_band()), ", reste à charge ",
                      FormatCents(d.reste_a_charge_cents())));
  }
  Line(out, "committee validated", c.committee_validated_on());
  if (c.offers_size() > 0) {
    Table offers({"OFFER", "STATUS", "COUNTED", "MADE", "NOTIFIED", "DEADLINE",
                  "VISITED", "LOCATION", "DWELLING"});
    for (const auto& o : c.offers()) {
      offers.AddRow({o.offer_id(), o.status(), o.counted() ? "yes" : "no",
                     OrDash(o.made_on()), OrDash(o.notified_on()),
                     OrDash(o.response_deadline()), o.visited() ? "yes" : "no",
                     ShortEnum(o.compliance().location()),
                     FormatDwelling(o.dwelling())});
    }
    absl::StrAppendFormat(&out, "offers (%d counted towards three):\n%s",
                          c.counted_offers(), offers.Render(2));
  }
  if (!c.legal_procedure_since().empty()) {
    Line(out, "legal procedure",
         absl::StrCat("since ", c.legal_procedure_since(),
                      ", right to occupy ends ", c.legal_procedure_ends()));
  }
  if (c.leases_size() > 0) {
    Table leases(
        {"LEASE", "OFFER", "SIGNED", "MOVED", "RESTE À CHARGE", "DWELLING"});
    for (const auto& l : c.leases()) {
      leases.AddRow({ShortEnum(l.kind()), OrDash(l.offer_id()),
                     OrDash(l.signed_on()), OrDash(l.moved_on()),
                     FormatCents(l.reste_a_charge_cents()),
                     FormatDwelling(l.dwelling())});
    }
    out += "leases:\n" + leases.Render(2);
  }
  Line(out, "rehoused on", c.rehoused_on());
  Line(out, "keys returned on", c.keys_returned_on());
  if (c.follow_ups_size() > 0) {
    std::vector<std::string> milestones;
    for (int m : c.follow_ups()) {
      milestones.push_back(ShortEnum(static_cast<v1::FollowUpMilestone>(m)));
    }
    Line(out, "follow-ups", absl::StrJoin(milestones, ", "));
  }
  if (c.has_follow_up_consent()) {
    Line(out, "follow-up consent", c.follow_up_consent() ? "given" : "refused");
  }
  Line(out, "follow-up ended on", c.follow_up_ended_on());
  Line(out, "exited on", c.exited_on());
  if (c.outcome() != v1::CASE_OUTCOME_UNSPECIFIED) {
    Line(out, "outcome", ShortEnum(c.outcome()));
  }
  Line(out, "closed on", c.closed_on());
  Line(out, "parent case", c.parent_case());
  Line(out, "decohabitations", absl::StrJoin(c.decohabitation_cases(), ", "));
  Line(out, "last step on", c.last_step_on());
  Line(out, "updated", FormatTimestamp(c.update_time()));
  out += absl::StrCat(
      "next steps: ",
      c.next_steps().empty() ? "none" : absl::StrJoin(c.next_steps(), ", "),
      "\n");
  return out;
}

std::string FormatCaseList(const v1::ListCasesResponse& list, bool header) {
  Table table({"NAME", "REFERENCE", "STATE", "VERSION", "OPERATION", "BUILDING",
               "COMMUNE", "LANDLORD", "LAST STEP"});
  for (const auto& e : list.cases()) {
    table.AddRow({e.name(), e.reference(), v1::Case::State_Name(e.state()),
                  absl::StrCat(e.version()), e.operation_id(), e.building_id(),
                  OrDash(e.origin().commune_insee()),
                  OrDash(e.origin().landlord_id()), OrDash(e.last_step_on())});
  }
  std::string out = table.Render();
  if (!header) out = out.substr(out.find('\n') + 1);
  return out;
}

std::string FormatHistory(const v1::GetCaseHistoryResponse& history,
                          bool header) {
  Table table(
      {"VERSION", "POSITION", "OCCURRED", "RECORDED", "TYPE", "DETAIL"});
  for (const auto& e : history.events()) {
    std::string type = e.type();
    if (type.rfind("relog.v1.", 0) == 0) type = type.substr(9);
    table.AddRow({absl::StrCat(e.version()), absl::StrCat(e.position()),
                  e.occurred_at(), FormatTimestamp(e.recorded_at()), type,
                  HistoryDetail(e)});
  }
  std::string out = table.Render();
  if (!header) out = out.substr(out.find('\n') + 1);
  return out;
}

void PrintCommandResponse(absl::string_view rpc,
                          const v1::CaseCommandResponse& response) {
  std::string out = absl::StrCat(
      rpc, ": ", response.case_().name(), " at version ",
      response.case_version(), ", log position ", response.position(),
      response.replayed() ? " (replayed: this request was already recorded)"
                          : "",
      "\n");
  if (!response.opened_case().empty()) {
    absl::StrAppend(&out, "opened case ", response.opened_case(), "\n");
  }
  out += "\n" + FormatCase(response.case_());
  std::fputs(out.c_str(), stdout);
}

template std::string ShortEnum(v1::Typology);
template std::string ShortEnum(v1::Financing);
template std::string ShortEnum(v1::CaseOutcome);

}  // namespace relog::ctl
