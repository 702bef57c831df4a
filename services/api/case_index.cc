#include "services/api/case_index.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "relog/v1/case_index.pb.h"
#include "services/api/case_repository.h"
#include "services/api/case_view.h"
#include "services/api/page_tokens.h"
#include "services/cases/domain_errors.h"
#include "services/cases/event_codec.h"
#include "storage/sha256.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

constexpr char kCasePrefix[] = "case/";
constexpr char kCaseEnd[] = "case0";  // '0' follows '/'

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

// Every lookup key of `facts`: its external ids, then its natural keys
// (`tenant_key`, `national_key`, hashed by the caller).
std::vector<std::string> LookupKeys(const cases::CaseFacts& facts,
                                    const std::string& tenant_key,
                                    const std::string& national_key) {
  const auto& id = facts.identification;
  std::vector<std::string> keys;
  auto add = [&](LookupKind kind, const std::string& value) {
    if (!value.empty()) keys.push_back(LookupKey(kind, value));
  };
  add(LookupKind::kReference, id.reference());
  add(LookupKind::kTenant, id.tenant_reference());
  add(LookupKind::kRegister, id.origin().location().register_id());
  add(LookupKind::kNationalNumber, id.national_application_number());
  for (const std::string& natural : {tenant_key, national_key}) {
    if (!natural.empty()) keys.push_back(natural);
  }
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

std::string NaturalKeyHasher::Key(
    absl::string_view kind,
    std::initializer_list<absl::string_view> parts) const {
  std::string message(kind);
  for (absl::string_view part : parts) {
    if (part.empty()) return "";
    // 0x1F (unit separator) cannot occur in a reference typed or exported
    // as text, so ("a", "bc") and ("ab", "c") never meet.
    absl::StrAppend(&message, "\x1f", part);
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       mac, &mac_size);
  return absl::StrCat(
      "natural/", kind, "/",
      ToHex(absl::string_view(reinterpret_cast<const char*>(mac), mac_size)));
}

std::string NaturalKeyHasher::TenantKey(
    absl::string_view landlord_id, absl::string_view tenant_reference) const {
  return Key("lt", {landlord_id, tenant_reference});
}

std::string NaturalKeyHasher::NationalNumberKey(
    absl::string_view number) const {
  return Key("nun", {number});
}

absl::StatusOr<std::string> LoadOrCreateNaturalKeySecret(
    const std::string& path) {
  constexpr size_t kMinSecret = 16;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    const std::filesystem::path parent =
        std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, error);
    unsigned char secret[32];
    if (RAND_bytes(secret, sizeof(secret)) != 1) {
      return absl::InternalError("no random bytes for the natural-key secret");
    }
    // O_EXCL: two processes starting at once never overwrite each other's.
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      const bool written = write(fd, secret, sizeof(secret)) ==
                               static_cast<ssize_t>(sizeof(secret)) &&
                           fsync(fd) == 0;
      close(fd);
      if (!written) {
        return absl::InternalError(
            absl::StrCat("cannot write the natural-key secret ", path));
      }
    } else if (errno != EEXIST) {
      return absl::InternalError(
          absl::StrCat("cannot create the natural-key secret ", path, ": ",
                       std::strerror(errno)));
    }
  }
  // Whoever reads the secret can test tenant references against the index:
  // refuse one the group or others may read, as the checkpoint key is.
  const std::filesystem::perms perms =
      std::filesystem::status(path, error).permissions();
  if (!error && (perms & (std::filesystem::perms::group_all |
                          std::filesystem::perms::others_all)) !=
                    std::filesystem::perms::none) {
    return absl::FailedPreconditionError(
        absl::StrCat("the natural-key secret ", path,
                     " may be read by its group or others: chmod 600 ", path));
  }
  std::ifstream in(path, std::ios::binary);
  std::string secret((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return absl::InternalError(
        absl::StrCat("cannot read the natural-key secret ", path));
  }
  if (secret.size() < kMinSecret) {
    return absl::FailedPreconditionError(
        absl::StrCat("the natural-key secret ", path, " holds ", secret.size(),
                     " bytes, fewer than ", kMinSecret));
  }
  return secret;
}

absl::Status CaseIndexProjection::Apply(const RecordedEvent& event,
                                        projections::ViewTransaction& view) {
  absl::string_view stream = event.stream_id;
  if (!absl::ConsumePrefix(&stream, kCaseStreamPrefix)) return absl::OkStatus();
  const std::string case_id(stream);
  ASSIGN_OR_RETURN(Applied applied, AppliedBefore(case_id, event.version));
  ASSIGN_OR_RETURN(cases::CaseEvent decoded,
                   cases::DecodeCaseEvent(event, cases::AllDataClasses()));
  cases::CaseState state = cases::Evolve(std::move(applied.state), decoded);
  const std::string key = absl::StrCat(kCasePrefix, case_id);

  // The keys the entry holds now: remembered, or read from the entry.
  std::set<std::string> previous;
  if (applied.keys_known) {
    previous.insert(std::make_move_iterator(applied.lookup_keys.begin()),
                    std::make_move_iterator(applied.lookup_keys.end()));
  } else {
    relog::v1::CaseIndexRecord old_record;
    ASSIGN_OR_RETURN(std::optional<std::string> old_bytes, view.Get(key));
    if (old_bytes.has_value() && !old_record.ParseFromString(*old_bytes)) {
      return MakeError(
          absl::StatusCode::kDataLoss, reason::kCorruptRecord,
          absl::StrCat("case-index entry of ", case_id, " does not decode"));
    }
    previous.insert(old_record.lookup_keys().begin(),
                    old_record.lookup_keys().end());
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
  NaturalKeys natural = HashNaturalKeys(
      state.facts, applied.keys_known ? &applied.natural : nullptr);
  const std::vector<std::string> keys =
      LookupKeys(state.facts, natural.tenant_key, natural.national_key);
  const std::set<std::string> current(keys.begin(), keys.end());
  for (const std::string& old_key : previous) {
    if (current.count(old_key) > 0) continue;
    // Another case may have taken the key since (a decohabitation shares
    // its parent's dwelling): only this case's own entry goes.
    ASSIGN_OR_RETURN(std::optional<std::string> owner, view.Get(old_key));
    if (owner == case_id) view.Delete(old_key);
  }
  // Every key is written again: two cases may hold one key (a
  // decohabitation shares its parent's dwelling), and the one whose event
  // came last holds it; writing only new keys would leave a key nobody
  // points at once the other case drops it.
  for (const std::string& lookup : current) {
    view.Put(lookup, case_id);
    record.add_lookup_keys(lookup);
  }
  view.Put(key, record.SerializeAsString());
  Remember(Applied{std::move(state), /*keys_known=*/true,
                   std::vector<std::string>(current.begin(), current.end()),
                   std::move(natural)});
  return absl::OkStatus();
}

CaseIndexProjection::NaturalKeys CaseIndexProjection::HashNaturalKeys(
    const cases::CaseFacts& facts, const NaturalKeys* previous) const {
  const auto& id = facts.identification;
  NaturalKeys keys;
  keys.landlord_id = id.origin().facts().landlord_id();
  keys.tenant_reference = id.tenant_reference();
  keys.national_number = id.national_application_number();
  if (previous != nullptr && previous->landlord_id == keys.landlord_id &&
      previous->tenant_reference == keys.tenant_reference) {
    keys.tenant_key = previous->tenant_key;
  } else {
    keys.tenant_key =
        natural_keys_->TenantKey(keys.landlord_id, keys.tenant_reference);
  }
  if (previous != nullptr &&
      previous->national_number == keys.national_number) {
    keys.national_key = previous->national_key;
  } else {
    keys.national_key = natural_keys_->NationalNumberKey(keys.national_number);
  }
  return keys;
}

absl::StatusOr<CaseIndexProjection::Applied> CaseIndexProjection::AppliedBefore(
    const std::string& case_id, uint64_t version) {
  {
    absl::MutexLock lock(&memo_mu_);
    auto it = memo_.find(case_id);
    if (it != memo_.end() && it->second.state.event_count == version) {
      Applied applied = std::move(it->second);
      memo_.erase(it);
      return applied;
    }
  }
  Applied applied;
  if (version == 0) {
    // No event yet; the entry is still read (none is expected).
    applied.state.case_id = case_id;
    return applied;
  }
  ASSIGN_OR_RETURN(LoadedCase loaded, LoadCase(*store_, case_id, version - 1,
                                               cases::AllDataClasses()));
  applied.state = std::move(loaded.state);
  return applied;
}

void CaseIndexProjection::Remember(Applied applied) {
  // Bounded: the cases being worked on at once are far fewer.
  constexpr size_t kMaxCases = 16384;
  absl::MutexLock lock(&memo_mu_);
  if (memo_.size() >= kMaxCases) memo_.clear();
  const std::string case_id = applied.state.case_id;
  memo_[case_id] = std::move(applied);
}

absl::StatusOr<CaseListPage> CaseIndexReader::List(
    const CaseListFilter& filter, size_t page_size,
    const std::string& page_token) const {
  std::string start = kCasePrefix;
  ASSIGN_OR_RETURN(const std::string after, ParseListPageToken(page_token));
  if (!after.empty()) {
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
    page.next_page_token = ListPageToken(last);
  }
  return page;
}

absl::StatusOr<std::optional<std::string>> CaseIndexReader::Lookup(
    LookupKind kind, const std::string& value) const {
  return views_->Get(kCaseIndexView, LookupKey(kind, value));
}

absl::StatusOr<std::optional<std::string>> CaseIndexReader::LookupHousehold(
    const relog::v1::HouseholdKey& key) const {
  if (key.landlord_id().empty() != key.tenant_reference().empty()) {
    return cases::InvalidField(
        key.landlord_id().empty() ? "household_key.landlord_id"
                                  : "household_key.tenant_reference",
        reason::kFieldRequired,
        "a tenant reference is the landlord's: give both or neither");
  }
  if (key.tenant_reference().empty() &&
      key.national_application_number().empty()) {
    return cases::InvalidField("household_key", reason::kFieldRequired,
                               "give landlord_id and tenant_reference, or "
                               "national_application_number");
  }
  if (natural_keys_ == nullptr) {
    return absl::FailedPreconditionError("no natural-key hasher");
  }
  if (!key.tenant_reference().empty()) {
    ASSIGN_OR_RETURN(std::optional<std::string> found,
                     views_->Get(kCaseIndexView, natural_keys_->TenantKey(
                                                     key.landlord_id(),
                                                     key.tenant_reference())));
    if (found.has_value() || key.national_application_number().empty()) {
      return found;
    }
  }
  return views_->Get(kCaseIndexView, natural_keys_->NationalNumberKey(
                                         key.national_application_number()));
}

}  // namespace relog::api
