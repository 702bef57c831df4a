#include "clients/relogctl/import_rows.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/relogctl/common.h"
#include "google/protobuf/descriptor.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;
using google::protobuf::EnumDescriptor;
using google::protobuf::Message;
using v1::CaseStep;

constexpr char kIdentify[] = "IdentifyHousehold";

// The layout. `required`: "yes", "no", or the condition under which the
// column must be filled.
const std::vector<ImportColumn>& Columns() {
  static const auto* const kColumns = new std::vector<ImportColumn>{
      // The household and its origin dwelling.
      {"reference", "text (≤ 64)", "yes", kIdentify, "the MOUS's file number"},
      {"landlord_id", "SIREN", "yes", kIdentify,
       "the demolishing landlord (the building's); natural key"},
      {"tenant_reference", "text", "yes, unless national_application_number",
       kIdentify, "the landlord's tenant reference; natural key"},
      {"national_application_number", "text", "no", kIdentify,
       "the social-housing application number; natural key when there is "
       "no tenant reference"},
      {"parent_tenant_reference", "text", "no", "RecordDecohabitation",
       "decohabitation: the tenant reference (same landlord) of the "
       "household this one leaves"},
      {"parent_national_application_number", "text", "no",
       "RecordDecohabitation",
       "decohabitation: the parent household's application number"},
      {"operation_id", "reference id", "yes, unless a decohabitation",
       kIdentify, "the NPRU operation (operations.csv)"},
      {"building_id", "reference id", "yes, unless a decohabitation", kIdentify,
       "the building of the operation (buildings.csv)"},
      {"occupancy", "titular_tenant | occupant_without_title | sheltered",
       "yes", kIdentify, "who occupies the dwelling"},
      {"identified_on", "date", "yes", kIdentify,
       "identification (a decohabitation: the day it was recorded)"},
      {"head_name", "text", "no", kIdentify, "personal"},
      {"phone", "text", "no", kIdentify, "personal"},
      {"email", "text", "no", kIdentify, "personal"},
      {"address", "text", "no", kIdentify, "personal"},
      {"register_id", "text", "no", kIdentify, "RPLS number; personal"},
      {"typology", "T1…T6", "yes, unless a decohabitation", kIdentify,
       "origin dwelling"},
      {"surface_m2", "decimal", "yes, unless a decohabitation", kIdentify,
       "origin dwelling, 9 to 300"},
      {"floor", "integer", "yes, unless a decohabitation", kIdentify,
       "origin dwelling, 0 = ground floor"},
      {"has_lift", "yes/no", "no", kIdentify, "origin dwelling"},
      {"financing", "plai | plus | pls | pli | old_regime | private | other",
       "yes, unless a decohabitation", kIdentify, "origin dwelling"},
      {"rent", "euros", "yes, unless a decohabitation",
       "IdentifyHousehold, RecordDiagnosis",
       "monthly rent without charges (origin, and at the diagnosis)"},
      {"charges", "euros", "yes, unless a decohabitation",
       "IdentifyHousehold, RecordDiagnosis", "monthly charges"},
      // The registered letter.
      {"notice_sent_on", "date", "no", "RecordNotice", "six months' notice"},
      {"notice_method", "registered_letter | hand_delivered",
       "no (registered_letter)", "RecordNotice", ""},
      // The social diagnosis.
      {"diagnosed_on", "date", "no", "RecordDiagnosis", ""},
      {"adults", "integer", "with diagnosed_on", "RecordDiagnosis", "1 to 20"},
      {"children", "integer", "no (0)", "RecordDiagnosis", "0 to 20"},
      {"resource_band", "under_plai | plai_to_plus | plus_to_pls | above_pls",
       "with diagnosed_on", "RecordDiagnosis", ""},
      {"housing_allowance", "euros", "no (0)", "RecordDiagnosis",
       "monthly housing allowance"},
      {"occupancy_fit", "adequate | over_occupied | under_occupied",
       "with diagnosed_on", "RecordDiagnosis", ""},
      {"support_level", "none | light | reinforced", "with diagnosed_on",
       "RecordDiagnosis", ""},
      // The committee.
      {"committee_validated_on", "date", "no", "RecordCommitteeReview",
       "validated by the rehousing committee; needs diagnosed_on"},
      // The lease (import path: no offer, the dwelling in full).
      {"lease_signed_on", "date", "no", "SignLease",
       "flags the case imported_history (its offers are not in the file)"},
      {"lease_kind", "definitive | temporary", "no (definitive)", "SignLease",
       ""},
      {"arrival_landlord_id", "SIREN", "with lease_signed_on, unless private",
       "SignLease", "the receiving landlord"},
      {"arrival_commune_insee", "INSEE code", "with lease_signed_on",
       "SignLease", ""},
      {"arrival_quartier_code", "QPV code", "no (outside QPV)", "SignLease",
       "as the list in force on the lease date codes it"},
      {"arrival_typology", "T1…T6", "with lease_signed_on", "SignLease", ""},
      {"arrival_surface_m2", "decimal", "with lease_signed_on", "SignLease",
       ""},
      {"arrival_floor", "integer", "with lease_signed_on", "SignLease", ""},
      {"arrival_has_lift", "yes/no", "no", "SignLease", ""},
      {"arrival_financing", "as financing", "with lease_signed_on", "SignLease",
       ""},
      {"arrival_programme_id", "reference id", "no", "SignLease",
       "programmes.csv: dates the new-build rule"},
      {"arrival_rent", "euros", "with lease_signed_on", "SignLease", ""},
      {"arrival_charges", "euros", "with lease_signed_on", "SignLease", ""},
      {"arrival_housing_allowance", "euros", "no (0)", "SignLease", ""},
      // The move and the keys.
      {"moved_on", "date", "no", "RecordMove", "needs lease_signed_on"},
      {"keys_returned_on", "date", "no", "RecordKeysReturned",
       "needs moved_on or an exit"},
      // Exits.
      {"exit", "departure | death | eviction", "with exit_on",
       "RecordDeparture, RecordDeath, RecordEviction",
       "not after a definitive move"},
      {"exit_on", "date", "with exit",
       "RecordDeparture, RecordDeath, "
       "RecordEviction",
       ""},
      {"departure_destination",
       "other_social_housing | private_rental | ownership | family | "
       "care_home | unknown",
       "no (unknown)", "RecordDeparture", ""},
      {"departure_commune_insee", "INSEE code", "no", "RecordDeparture", ""},
      // Closure.
      {"closed_on", "date", "no", "CloseCase", ""},
      {"closure_outcome",
       "rehoused | left_on_own | deceased | evicted | opened_in_error",
       "no (from the row: rehoused after a definitive move, the exit's)",
       "CloseCase", ""},
  };
  return *kColumns;
}

std::string Upper(absl::string_view text) {
  std::string out = absl::AsciiStrToUpper(text);
  std::replace(out.begin(), out.end(), '-', '_');
  std::replace(out.begin(), out.end(), ' ', '_');
  return out;
}

// Reads one record's cells by column name, collecting errors.
class RowReader {
 public:
  RowReader(const std::vector<std::string>& header, const CsvRecord& record,
            absl::CivilDay today, std::vector<RowError>* errors)
      : record_(record), today_(today), errors_(errors) {
    for (size_t i = 0; i < header.size(); ++i) index_[header[i]] = i;
  }

  int line() const { return record_.line; }
  size_t error_count() const { return errors_->size() - first_error_; }

  void Error(absl::string_view column, std::string reason) {
    errors_->push_back({record_.line, std::string(column), std::move(reason)});
  }

  std::string Text(absl::string_view column) const {
    auto it = index_.find(std::string(column));
    if (it == index_.end()) return "";
    return std::string(absl::StripAsciiWhitespace(record_.fields[it->second]));
  }
  bool Has(absl::string_view column) const { return !Text(column).empty(); }

  std::string RequiredText(absl::string_view column) {
    std::string text = Text(column);
    if (text.empty()) Error(column, "is required");
    return text;
  }

  std::optional<absl::CivilDay> Date(absl::string_view column,
                                     bool required = false) {
    const std::string text = Text(column);
    if (text.empty()) {
      if (required) Error(column, "is required");
      return std::nullopt;
    }
    absl::StatusOr<absl::CivilDay> day = ParseCsvDate(text);
    if (!day.ok()) {
      Error(column, std::string(day.status().message()));
      return std::nullopt;
    }
    if (*day > today_) {
      Error(column, absl::StrCat(FormatDay(*day), " is after today (",
                                 FormatDay(today_), ")"));
      return std::nullopt;
    }
    return *day;
  }

  // Each of these: the value, or its default (0, false) when the cell is
  // empty and not required; an error otherwise.
  int64_t Cents(absl::string_view column, bool required) {
    return Parse<int64_t>(column, required, ParseCsvEuroCents);
  }
  int64_t Integer(absl::string_view column, bool required) {
    return Parse<int64_t>(column, required, ParseCsvInteger);
  }
  double Decimal(absl::string_view column, bool required) {
    return Parse<double>(column, required, ParseCsvDecimal);
  }
  bool Bool(absl::string_view column) {
    return Parse<bool>(column, false, ParseCsvBool);
  }

  // An enum value by its name without `prefix` ("titular_tenant" for
  // OCCUPANCY_STATUS_TITULAR_TENANT), case-insensitive; 0 when empty.
  int Enum(absl::string_view column, const EnumDescriptor* type,
           absl::string_view prefix, bool required) {
    const std::string text = Text(column);
    if (text.empty()) {
      if (required) Error(column, "is required");
      return 0;
    }
    std::string name = Upper(text);
    if (absl::StartsWith(prefix, "TYPOLOGY_") && !name.empty() &&
        absl::ascii_isdigit(name[0])) {
      name = "T" + name;  // "3" for T3
    }
    const auto* value = type->FindValueByName(absl::StrCat(prefix, name));
    if (value == nullptr || value->number() == 0) {
      std::vector<std::string> names;
      for (int i = 1; i < type->value_count(); ++i) {
        names.push_back(absl::AsciiStrToLower(
            absl::StripPrefix(type->value(i)->name(), prefix)));
      }
      Error(column, absl::StrCat("\"", text, "\" is not one of ",
                                 absl::StrJoin(names, ", ")));
      return 0;
    }
    return value->number();
  }

 private:
  template <typename T, typename F>
  T Parse(absl::string_view column, bool required, F parse) {
    const std::string text = Text(column);
    if (text.empty()) {
      if (required) Error(column, "is required");
      return T{};
    }
    absl::StatusOr<T> value = parse(text);
    if (!value.ok()) {
      Error(column, std::string(value.status().message()));
      return T{};
    }
    return *value;
  }

  const CsvRecord& record_;
  const absl::CivilDay today_;
  std::vector<RowError>* const errors_;
  const size_t first_error_ = errors_->size();
  std::map<std::string, size_t> index_;
};

google::protobuf::FieldMask Mask(std::initializer_list<const char*> paths) {
  google::protobuf::FieldMask mask;
  for (const char* p : paths) mask.add_paths(p);
  return mask;
}

template <typename Request>
Request* AddStep(HouseholdImport& h, const char* rpc, CaseStep::StepCase kind,
                 absl::CivilDay day, const char* date_column,
                 const char* dwelling_prefix = "") {
  ImportStep step;
  step.mutation = FindMutationByRpc(rpc);
  auto request = std::make_unique<Request>();
  request->set_occurred_at(FormatDay(day));
  Request* raw = request.get();
  step.request = std::move(request);
  step.kind = kind;
  step.day = day;
  step.date_column = date_column;
  step.dwelling_prefix = dwelling_prefix;
  h.steps.push_back(std::move(step));
  return raw;
}

}  // namespace

const std::vector<ImportColumn>& ImportColumns() { return Columns(); }

std::string NaturalKey::Canonical() const {
  if (!tenant_reference.empty()) {
    return absl::StrCat("lt\x1f", landlord_id, "\x1f", tenant_reference);
  }
  return absl::StrCat("nun\x1f", national_application_number);
}

relog::v1::HouseholdKey NaturalKey::ToProto() const {
  relog::v1::HouseholdKey key;
  if (!tenant_reference.empty()) {
    key.set_landlord_id(landlord_id);
    key.set_tenant_reference(tenant_reference);
  }
  key.set_national_application_number(national_application_number);
  return key;
}

std::string NaturalKey::Describe() const {
  if (!tenant_reference.empty()) {
    return absl::StrCat("landlord ", landlord_id, ", tenant reference ",
                        tenant_reference);
  }
  return absl::StrCat("national number ", national_application_number);
}

const google::protobuf::FieldMask& OwnedFields(CaseStep::StepCase kind) {
  static const auto* const kMasks =
      new std::map<CaseStep::StepCase, google::protobuf::FieldMask>{
          {CaseStep::kHouseholdIdentified, Mask({"reference",
                                                 "operation_id",
                                                 "building_id",
                                                 "occupancy",
                                                 "tenant_reference",
                                                 "national_application_number",
                                                 "contact.head_name",
                                                 "contact.phone",
                                                 "contact.email",
                                                 "origin.location.address",
                                                 "origin.location.register_id",
                                                 "origin.facts.landlord_id",
                                                 "origin.facts.typology",
                                                 "origin.facts.surface_m2",
                                                 "origin.facts.floor",
                                                 "origin.facts.has_lift",
                                                 "origin.facts.financing",
                                                 "origin.facts.rent_cents",
                                                 "origin.facts.charges_cents",
                                                 "imported_history"})},
          {CaseStep::kNoticeSent, Mask({"method"})},
          {CaseStep::kDiagnosisRecorded,
           Mask({"adults", "children", "resource_band",
                 "housing_allowance_cents", "rent_cents", "charges_cents",
                 "occupancy_fit", "support_level"})},
          {CaseStep::kCommitteeReviewed, Mask({"decision"})},
          {CaseStep::kLeaseSigned,
           Mask({"kind", "dwelling.facts.landlord_id",
                 "dwelling.facts.commune_insee", "dwelling.facts.quartier_code",
                 "dwelling.facts.typology", "dwelling.facts.surface_m2",
                 "dwelling.facts.floor", "dwelling.facts.has_lift",
                 "dwelling.facts.financing", "dwelling.facts.programme_id",
                 "dwelling.facts.rent_cents", "dwelling.facts.charges_cents",
                 "rent_cents", "charges_cents", "housing_allowance_cents"})},
          {CaseStep::kHouseholdLeft, Mask({"destination", "commune_insee"})},
          {CaseStep::kCaseClosed, Mask({"outcome"})},
      };
  static const auto* const kNone = new google::protobuf::FieldMask();
  auto it = kMasks->find(kind);
  return it == kMasks->end() ? *kNone : it->second;
}

const Message& StepOfRequest(const Message& request) {
  const auto* field = request.GetDescriptor()->FindFieldByNumber(5);
  return request.GetReflection()->GetMessage(request, field);
}

std::vector<RowError> CheckHeader(const std::vector<std::string>& header) {
  std::vector<RowError> errors;
  std::map<std::string, int> seen;
  for (const std::string& name : header) {
    bool known = false;
    for (const ImportColumn& c : Columns()) known = known || name == c.name;
    if (!known) {
      errors.push_back({1, name,
                        "unknown column (docs/IMPORT.md lists the layout; a "
                        "misspelt column would lose its values)"});
    }
    if (++seen[name] == 2) errors.push_back({1, name, "appears twice"});
  }
  for (const char* required :
       {"reference", "landlord_id", "occupancy", "identified_on"}) {
    if (seen.count(required) == 0) {
      errors.push_back({1, required, "required column missing"});
    }
  }
  if (seen.count("tenant_reference") == 0 &&
      seen.count("national_application_number") == 0) {
    errors.push_back({1, "tenant_reference",
                      "give tenant_reference or national_application_number "
                      "(the natural key)"});
  }
  return errors;
}

std::optional<HouseholdImport> ParseHouseholdRow(
    const std::vector<std::string>& header, const CsvRecord& record,
    absl::CivilDay today, std::vector<RowError>* errors) {
  RowReader row(header, record, today, errors);
  HouseholdImport h;
  h.line = record.line;
  h.key.landlord_id = row.RequiredText("landlord_id");
  h.key.tenant_reference = row.Text("tenant_reference");
  h.key.national_application_number = row.Text("national_application_number");
  if (h.key.tenant_reference.empty() &&
      h.key.national_application_number.empty()) {
    row.Error("tenant_reference",
              "give the tenant reference or the national application number: "
              "a household is identified by them, never by the row's content");
  }
  const bool decohabitation = row.Has("parent_tenant_reference") ||
                              row.Has("parent_national_application_number");
  if (decohabitation) {
    NaturalKey parent;
    parent.landlord_id = h.key.landlord_id;
    parent.tenant_reference = row.Text("parent_tenant_reference");
    parent.national_application_number =
        row.Text("parent_national_application_number");
    if (parent.Canonical() == h.key.Canonical()) {
      row.Error("parent_tenant_reference", "names the household itself");
    }
    h.parent = parent;
  }

  // The identification (or, for a decohabitation, the new household).
  const std::optional<absl::CivilDay> identified =
      row.Date("identified_on", true);
  h.identified_on = identified.value_or(today);
  v1::HouseholdIdentified household;
  household.set_reference(row.RequiredText("reference"));
  if (household.reference().size() > 64) {
    row.Error("reference", "is longer than 64 characters");
  }
  household.set_occupancy(static_cast<v1::OccupancyStatus>(
      row.Enum("occupancy", v1::OccupancyStatus_descriptor(),
               "OCCUPANCY_STATUS_", true)));
  household.set_tenant_reference(h.key.tenant_reference);
  household.set_national_application_number(h.key.national_application_number);
  if (row.Has("head_name")) {
    household.mutable_contact()->set_head_name(row.Text("head_name"));
  }
  if (row.Has("phone"))
    household.mutable_contact()->set_phone(row.Text("phone"));
  if (row.Has("email"))
    household.mutable_contact()->set_email(row.Text("email"));
  if (row.Has("address")) {
    household.mutable_origin()->mutable_location()->set_address(
        row.Text("address"));
  }
  if (row.Has("register_id")) {
    household.mutable_origin()->mutable_location()->set_register_id(
        row.Text("register_id"));
  }
  const int64_t rent = row.Cents("rent", !decohabitation);
  const int64_t charges = row.Cents("charges", !decohabitation);
  if (decohabitation) {
    // The new household lives in its parent's dwelling: relog copies it.
    for (const char* column :
         {"operation_id", "building_id", "typology", "surface_m2", "floor",
          "has_lift", "financing"}) {
      if (row.Has(column)) {
        row.Error(column,
                  "a decohabitation takes its parent's dwelling: leave empty");
      }
    }
  } else {
    household.set_operation_id(row.RequiredText("operation_id"));
    household.set_building_id(row.RequiredText("building_id"));
    v1::DwellingFacts* origin = household.mutable_origin()->mutable_facts();
    origin->set_landlord_id(h.key.landlord_id);
    origin->set_typology(static_cast<v1::Typology>(
        row.Enum("typology", v1::Typology_descriptor(), "TYPOLOGY_", true)));
    origin->set_surface_m2(row.Decimal("surface_m2", true));
    origin->set_floor(static_cast<int32_t>(row.Integer("floor", true)));
    origin->set_has_lift(row.Bool("has_lift"));
    origin->set_financing(static_cast<v1::Financing>(
        row.Enum("financing", v1::Financing_descriptor(), "FINANCING_", true)));
    origin->set_rent_cents(rent);
    origin->set_charges_cents(charges);
  }

  // The steps, and the order their dates must keep (docs/CASES.md 6).
  const auto notice = row.Date("notice_sent_on");
  const auto diagnosed = row.Date("diagnosed_on");
  const auto committee = row.Date("committee_validated_on");
  const auto lease = row.Date("lease_signed_on");
  const auto moved = row.Date("moved_on");
  const auto keys = row.Date("keys_returned_on");
  const auto exit_on = row.Date("exit_on");
  const auto closed = row.Date("closed_on");
  auto not_before = [&](const std::optional<absl::CivilDay>& day,
                        const char* column,
                        const std::optional<absl::CivilDay>& earlier,
                        const char* earlier_column) {
    if (day.has_value() && earlier.has_value() && *day < *earlier) {
      row.Error(column, absl::StrCat(FormatDay(*day), " is before ",
                                     earlier_column, " ", FormatDay(*earlier)));
    }
  };
  not_before(notice, "notice_sent_on", identified, "identified_on");
  not_before(diagnosed, "diagnosed_on", identified, "identified_on");
  not_before(committee, "committee_validated_on", diagnosed, "diagnosed_on");
  if (committee.has_value() && !diagnosed.has_value() &&
      !row.Has("diagnosed_on")) {
    row.Error("committee_validated_on",
              "needs diagnosed_on: the committee reviews a diagnosed "
              "household (relog never invents a date)");
  }
  not_before(lease, "lease_signed_on", identified, "identified_on");
  not_before(lease, "lease_signed_on", diagnosed, "diagnosed_on");
  not_before(lease, "lease_signed_on", committee, "committee_validated_on");
  if (moved.has_value() && !lease.has_value() && !row.Has("lease_signed_on")) {
    row.Error("moved_on", "needs lease_signed_on (a move is into a lease)");
  }
  not_before(moved, "moved_on", lease, "lease_signed_on");
  const bool temporary =
      row.Enum("lease_kind", v1::LeaseKind_descriptor(), "LEASE_KIND_",
               false) == v1::LEASE_KIND_TEMPORARY;
  const bool definitive_move = moved.has_value() && !temporary;
  if (notice.has_value() && definitive_move && *notice > *moved) {
    row.Error("notice_sent_on", "is after the definitive move");
  }
  const std::string exit_kind = absl::AsciiStrToLower(row.Text("exit"));
  if (!exit_kind.empty() && exit_kind != "departure" && exit_kind != "death" &&
      exit_kind != "eviction") {
    row.Error("exit", absl::StrCat("\"", row.Text("exit"),
                                   "\" is not one of departure, death, "
                                   "eviction"));
  }
  if (exit_kind.empty() != !row.Has("exit_on")) {
    row.Error(exit_kind.empty() ? "exit" : "exit_on",
              "exit and exit_on go together");
  }
  if (!exit_kind.empty() && definitive_move) {
    row.Error("exit", "a household rehoused definitively cannot exit");
  }
  for (const auto& [day, column] :
       std::vector<std::pair<std::optional<absl::CivilDay>, const char*>>{
           {identified, "identified_on"},
           {notice, "notice_sent_on"},
           {diagnosed, "diagnosed_on"},
           {committee, "committee_validated_on"},
           {lease, "lease_signed_on"},
           {moved, "moved_on"}}) {
    // An exit is not dated before the case's last recorded step.
    not_before(exit_on, "exit_on", day, column);
  }
  if (keys.has_value() && !moved.has_value() && !exit_on.has_value() &&
      !row.Has("moved_on") && !row.Has("exit_on")) {
    row.Error("keys_returned_on", "needs moved_on or an exit");
  }
  not_before(keys, "keys_returned_on", moved, "moved_on");
  not_before(keys, "keys_returned_on", exit_on, "exit_on");
  for (const auto& [day, column] :
       std::vector<std::pair<std::optional<absl::CivilDay>, const char*>>{
           {identified, "identified_on"},
           {notice, "notice_sent_on"},
           {diagnosed, "diagnosed_on"},
           {committee, "committee_validated_on"},
           {lease, "lease_signed_on"},
           {moved, "moved_on"},
           {keys, "keys_returned_on"},
           {exit_on, "exit_on"}}) {
    not_before(closed, "closed_on", day, column);
  }

  if (notice.has_value()) {
    auto* r = AddStep<v1::RecordNoticeRequest>(
        h, "RecordNotice", CaseStep::kNoticeSent, *notice, "notice_sent_on");
    const int method = row.Enum(
        "notice_method", v1::NoticeSent::Method_descriptor(), "METHOD_", false);
    r->mutable_notice()->set_method(
        method == 0 ? v1::NoticeSent::METHOD_REGISTERED_LETTER
                    : static_cast<v1::NoticeSent::Method>(method));
  }
  if (diagnosed.has_value()) {
    auto* r = AddStep<v1::RecordDiagnosisRequest>(h, "RecordDiagnosis",
                                                  CaseStep::kDiagnosisRecorded,
                                                  *diagnosed, "diagnosed_on");
    v1::DiagnosisRecorded* d = r->mutable_diagnosis();
    d->set_adults(static_cast<int32_t>(row.Integer("adults", true)));
    d->set_children(static_cast<int32_t>(row.Integer("children", false)));
    d->set_resource_band(static_cast<v1::ResourceBand>(
        row.Enum("resource_band", v1::ResourceBand_descriptor(),
                 "RESOURCE_BAND_", true)));
    d->set_housing_allowance_cents(row.Cents("housing_allowance", false));
    d->set_rent_cents(rent);
    d->set_charges_cents(charges);
    d->set_occupancy_fit(static_cast<v1::OccupancyFit>(
        row.Enum("occupancy_fit", v1::OccupancyFit_descriptor(),
                 "OCCUPANCY_FIT_", true)));
    d->set_support_level(static_cast<v1::SupportLevel>(
        row.Enum("support_level", v1::SupportLevel_descriptor(),
                 "SUPPORT_LEVEL_", true)));
  }
  if (committee.has_value()) {
    AddStep<v1::RecordCommitteeReviewRequest>(
        h, "RecordCommitteeReview", CaseStep::kCommitteeReviewed, *committee,
        "committee_validated_on")
        ->mutable_review()
        ->set_decision(v1::CommitteeReviewed::DECISION_VALIDATED);
  }
  if (lease.has_value()) {
    // The import path: a lease without its offers, the dwelling in full.
    h.imported_history = true;
    auto* r =
        AddStep<v1::SignLeaseRequest>(h, "SignLease", CaseStep::kLeaseSigned,
                                      *lease, "lease_signed_on", "arrival_");
    v1::LeaseSigned* l = r->mutable_lease();
    l->set_kind(temporary ? v1::LEASE_KIND_TEMPORARY
                          : v1::LEASE_KIND_DEFINITIVE);
    v1::DwellingFacts* d = l->mutable_dwelling()->mutable_facts();
    d->set_financing(static_cast<v1::Financing>(row.Enum(
        "arrival_financing", v1::Financing_descriptor(), "FINANCING_", true)));
    d->set_landlord_id(row.Text("arrival_landlord_id"));
    if (d->landlord_id().empty() && d->financing() != v1::FINANCING_PRIVATE) {
      row.Error("arrival_landlord_id", "is required for a social dwelling");
    }
    d->set_commune_insee(row.RequiredText("arrival_commune_insee"));
    d->set_quartier_code(row.Text("arrival_quartier_code"));
    d->set_typology(static_cast<v1::Typology>(row.Enum(
        "arrival_typology", v1::Typology_descriptor(), "TYPOLOGY_", true)));
    d->set_surface_m2(row.Decimal("arrival_surface_m2", true));
    d->set_floor(static_cast<int32_t>(row.Integer("arrival_floor", true)));
    d->set_has_lift(row.Bool("arrival_has_lift"));
    d->set_programme_id(row.Text("arrival_programme_id"));
    d->set_rent_cents(row.Cents("arrival_rent", true));
    d->set_charges_cents(row.Cents("arrival_charges", true));
    l->set_rent_cents(d->rent_cents());
    l->set_charges_cents(d->charges_cents());
    l->set_housing_allowance_cents(
        row.Cents("arrival_housing_allowance", false));
  } else {
    for (const ImportColumn& c : Columns()) {
      if (absl::StartsWith(c.name, "arrival_") && row.Has(c.name)) {
        row.Error(c.name, "needs lease_signed_on");
      }
    }
  }
  if (moved.has_value()) {
    AddStep<v1::RecordMoveRequest>(h, "RecordMove", CaseStep::kHouseholdMoved,
                                   *moved, "moved_on")
        ->mutable_move();
  }
  if (exit_on.has_value() && exit_kind == "departure") {
    auto* r = AddStep<v1::RecordDepartureRequest>(
        h, "RecordDeparture", CaseStep::kHouseholdLeft, *exit_on, "exit_on");
    const int destination = row.Enum(
        "departure_destination", v1::HouseholdLeft::Destination_descriptor(),
        "DESTINATION_", false);
    r->mutable_departure()->set_destination(
        destination == 0
            ? v1::HouseholdLeft::DESTINATION_UNKNOWN
            : static_cast<v1::HouseholdLeft::Destination>(destination));
    r->mutable_departure()->set_commune_insee(
        row.Text("departure_commune_insee"));
  } else if (exit_on.has_value() && exit_kind == "death") {
    AddStep<v1::RecordDeathRequest>(
        h, "RecordDeath", CaseStep::kHouseholdDeceased, *exit_on, "exit_on")
        ->mutable_death();
  } else if (exit_on.has_value() && exit_kind == "eviction") {
    AddStep<v1::RecordEvictionRequest>(
        h, "RecordEviction", CaseStep::kHouseholdEvicted, *exit_on, "exit_on")
        ->mutable_eviction();
  }
  if (keys.has_value()) {
    AddStep<v1::RecordKeysReturnedRequest>(h, "RecordKeysReturned",
                                           CaseStep::kKeysReturned, *keys,
                                           "keys_returned_on")
        ->mutable_keys();
  }
  if (closed.has_value()) {
    int outcome = row.Enum("closure_outcome", v1::CaseOutcome_descriptor(),
                           "CASE_OUTCOME_", false);
    if (outcome == 0) {
      if (definitive_move) {
        outcome = v1::CASE_OUTCOME_REHOUSED;
      } else if (exit_kind == "departure") {
        outcome = v1::CASE_OUTCOME_LEFT_ON_OWN;
      } else if (exit_kind == "death") {
        outcome = v1::CASE_OUTCOME_DECEASED;
      } else if (exit_kind == "eviction") {
        outcome = v1::CASE_OUTCOME_EVICTED;
      } else {
        row.Error("closure_outcome",
                  "is required to close a case neither rehoused nor exited "
                  "(opened_in_error)");
      }
    }
    AddStep<v1::CloseCaseRequest>(h, "CloseCase", CaseStep::kCaseClosed,
                                  *closed, "closed_on")
        ->mutable_closure()
        ->set_outcome(static_cast<v1::CaseOutcome>(outcome));
  } else if (row.Has("closure_outcome")) {
    row.Error("closure_outcome", "needs closed_on");
  }
  household.set_imported_history(h.imported_history);
  h.identify.set_occurred_at(FormatDay(h.identified_on));
  *h.identify.mutable_household() = std::move(household);

  // Same-day steps keep the order above (each depends on the previous).
  std::stable_sort(
      h.steps.begin(), h.steps.end(),
      [](const ImportStep& a, const ImportStep& b) { return a.day < b.day; });
  if (row.error_count() > 0) return std::nullopt;
  return h;
}

std::string ColumnOfField(const ImportStep& step, absl::string_view field) {
  if (field == "occurred_at") return step.date_column;
  absl::string_view last = field;
  const size_t dot = field.rfind('.');
  if (dot != absl::string_view::npos) last = field.substr(dot + 1);
  std::string name(last);
  if (absl::ConsumeSuffix(&last, "_cents")) name = std::string(last);
  if (name == "housing_allowance" && step.kind == CaseStep::kLeaseSigned) {
    return "arrival_housing_allowance";
  }
  if (name == "destination") return "departure_destination";
  if (name == "commune_insee" && step.kind == CaseStep::kHouseholdLeft) {
    return "departure_commune_insee";
  }
  if (name == "outcome") return "closure_outcome";
  if (name == "method") return "notice_method";
  if (absl::StrContains(field, "dwelling.") ||
      absl::StrContains(field, "origin.facts.")) {
    name = absl::StrCat(step.dwelling_prefix, name);
  }
  for (const ImportColumn& c : Columns()) {
    if (name == c.name) return name;
  }
  return "";
}

}  // namespace relog::ctl
