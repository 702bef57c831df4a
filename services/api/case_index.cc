#include "services/api/case_index.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "relog/v1/case_index.pb.h"
#include "services/api/case_repository.h"
#include "services/api/case_view.h"
#include "services/cases/domain_errors.h"
#include "services/cases/event_codec.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

constexpr char kCasePrefix[] = "case/";
constexpr char kCaseEnd[] = "case0";  // '0' follows '/'
constexpr char kPageTokenPrefix[] = "after:";

const char* KindName(LookupKind kind) {
  switch (kind) {
    case LookupKind::kReference:
      return "reference";
    case LookupKind::kTenant:
      return "tenant";
    case LookupKind::kRegister:
      return "register";
    case LookupKind::kNationalNumber:
      return "nun";
  }
  return "?";
}

std::string LookupKey(LookupKind kind, const std::string& value) {
  return absl::StrCat("lookup/", KindName(kind), "/", value);
}

std::vector<std::string> LookupKeys(const cases::CaseFacts& facts) {
  const auto& id = facts.identification;
  std::vector<std::string> keys;
  auto add = [&](LookupKind kind, const std::string& value) {
    if (!value.empty()) keys.push_back(LookupKey(kind, value));
  };
  add(LookupKind::kReference, id.reference());
  add(LookupKind::kTenant, id.tenant_reference());
  add(LookupKind::kRegister, id.origin().location().register_id());
  add(LookupKind::kNationalNumber, id.national_application_number());
  return keys;
}

bool Matches(const relog::v1::CaseListEntry& entry,
             const CaseListFilter& filter) {
  if (!filter.operation_id.empty() &&
      entry.operation_id() != filter.operation_id) {
    return false;
  }
  if (!filter.commune_insee.empty() &&
      entry.origin().commune_insee() != filter.commune_insee) {
    return false;
  }
  if (!filter.landlord_id.empty() &&
      entry.origin().landlord_id() != filter.landlord_id) {
    return false;
  }
  if (filter.state != relog::v1::Case::STATE_UNSPECIFIED &&
      entry.state() != filter.state) {
    return false;
  }
  if (!filter.reference_contains.empty() &&
      !absl::StrContains(absl::AsciiStrToLower(entry.reference()),
                         absl::AsciiStrToLower(filter.reference_contains))) {
    return false;
  }
  return true;
}

}  // namespace

absl::Status CaseIndexProjection::Apply(const RecordedEvent& event,
                                        projections::ViewTransaction& view) {
  absl::string_view stream = event.stream_id;
  if (!absl::ConsumePrefix(&stream, kCaseStreamPrefix)) return absl::OkStatus();
  const std::string case_id(stream);
  ASSIGN_OR_RETURN(cases::CaseState state, StateBefore(case_id, event.version));
  ASSIGN_OR_RETURN(cases::CaseEvent decoded,
                   cases::DecodeCaseEvent(event, cases::AllDataClasses()));
  state = cases::Evolve(std::move(state), decoded);
  const std::string key = absl::StrCat(kCasePrefix, case_id);

  relog::v1::CaseIndexRecord old_record;
  ASSIGN_OR_RETURN(std::optional<std::string> old_bytes, view.Get(key));
  if (old_bytes.has_value() && !old_record.ParseFromString(*old_bytes)) {
    return MakeError(
        absl::StatusCode::kDataLoss, reason::kCorruptRecord,
        absl::StrCat("case-index entry of ", case_id, " does not decode"));
  }
  relog::v1::CaseIndexRecord record;
  relog::v1::CaseListEntry* entry = record.mutable_entry();
  entry->set_name(CaseName(case_id));
  entry->set_reference(state.facts.identification.reference());
  entry->set_state(ToProtoState(state.facts.phase));
  entry->set_version(state.version());
  entry->set_operation_id(state.facts.identification.operation_id());
  entry->set_building_id(state.facts.identification.building_id());
  *entry->mutable_origin() = state.facts.identification.origin().facts();
  if (state.facts.last_step_on.has_value()) {
    entry->set_last_step_on(absl::FormatCivilTime(*state.facts.last_step_on));
  }
  if (!state.facts.identification.parent_case_id().empty()) {
    entry->set_parent_case(
        CaseName(state.facts.identification.parent_case_id()));
  }
  const std::vector<std::string> keys = LookupKeys(state.facts);
  const std::set<std::string> current(keys.begin(), keys.end());
  for (const std::string& old_key : old_record.lookup_keys()) {
    if (current.count(old_key) > 0) continue;
    // Another case may have taken the key since (a decohabitation shares
    // its parent's dwelling): only this case's own entry goes.
    ASSIGN_OR_RETURN(std::optional<std::string> owner, view.Get(old_key));
    if (owner == case_id) view.Delete(old_key);
  }
  for (const std::string& lookup : current) {
    view.Put(lookup, case_id);
    record.add_lookup_keys(lookup);
  }
  view.Put(key, record.SerializeAsString());
  Remember(std::move(state));
  return absl::OkStatus();
}

absl::StatusOr<cases::CaseState> CaseIndexProjection::StateBefore(
    const std::string& case_id, uint64_t version) {
  {
    absl::MutexLock lock(&memo_mu_);
    auto it = memo_.find(case_id);
    if (it != memo_.end() && it->second.event_count == version) {
      cases::CaseState state = std::move(it->second);
      memo_.erase(it);
      return state;
    }
  }
  if (version == 0) {
    cases::CaseState state;
    state.case_id = case_id;
    return state;
  }
  ASSIGN_OR_RETURN(LoadedCase loaded, LoadCase(*store_, case_id, version - 1,
                                               cases::AllDataClasses()));
  return std::move(loaded.state);
}

void CaseIndexProjection::Remember(cases::CaseState state) {
  // Bounded: the cases being worked on at once are far fewer.
  constexpr size_t kMaxCases = 16384;
  absl::MutexLock lock(&memo_mu_);
  if (memo_.size() >= kMaxCases) memo_.clear();
  memo_[state.case_id] = std::move(state);
}

absl::StatusOr<CaseListPage> CaseIndexReader::List(
    const CaseListFilter& filter, size_t page_size,
    const std::string& page_token) const {
  std::string start = kCasePrefix;
  if (!page_token.empty()) {
    absl::string_view after = page_token;
    if (!absl::ConsumePrefix(&after, kPageTokenPrefix) || after.empty()) {
      return cases::InvalidField("page_token", reason::kValueOutOfRange,
                                 "was not given by ListCases");
    }
    // The smallest key after the last one returned.
    start = absl::StrCat(kCasePrefix, after, std::string(1, '\0'));
  }
  CaseListPage page;
  ASSIGN_OR_RETURN(page.position, views_->Checkpoint(kCaseIndexView));
  // One match beyond the page tells whether another page follows.
  constexpr size_t kScanBatch = 512;
  while (page.cases.size() <= page_size) {
    ASSIGN_OR_RETURN(std::vector<ViewEntry> batch,
                     views_->Scan(kCaseIndexView, start, kCaseEnd, kScanBatch));
    for (const ViewEntry& item : batch) {
      relog::v1::CaseIndexRecord record;
      if (!record.ParseFromString(item.value)) {
        return MakeError(
            absl::StatusCode::kDataLoss, reason::kCorruptRecord,
            absl::StrCat("case-index entry ", item.key, " does not decode"));
      }
      if (Matches(record.entry(), filter)) {
        page.cases.push_back(std::move(*record.mutable_entry()));
        if (page.cases.size() > page_size) break;
      }
    }
    if (batch.size() < kScanBatch) break;
    start = batch.back().key + std::string(1, '\0');
  }
  if (page.cases.size() > page_size) {
    page.cases.pop_back();
    absl::string_view last = page.cases.back().name();
    absl::ConsumePrefix(&last, "cases/");
    page.next_page_token = absl::StrCat(kPageTokenPrefix, last);
  }
  return page;
}

absl::StatusOr<std::optional<std::string>> CaseIndexReader::Lookup(
    LookupKind kind, const std::string& value) const {
  return views_->Get(kCaseIndexView, LookupKey(kind, value));
}

}  // namespace relog::api
