// The case-index view: one entry per case (reference, state, operation,
// origin dwelling) and the lookups by external id, maintained by the
// projection runner from the global log (DESIGN.md "Projections"). It
// serves ListCases and GetCase by external id, so that neither scans
// streams.
//
// Keys (in the view "case-index"):
//   case/{case_id}                      → CaseIndexRecord
//   lookup/{kind}/{value}               → case_id
// with kind one of reference, tenant, register, nun (the national
// application number). External ids are personal data: the erasure issue
// must drop these keys with the household's key.
//   natural/lt/{hex HMAC-SHA-256(secret, "lt" 0x1F landlord 0x1F tenant)}
//   natural/nun/{hex HMAC-SHA-256(secret, "nun" 0x1F number)}  → case_id
// The households' natural keys (docs/IMPORT.md), as keyed hashes only:
// a tenant reference or a national number has few enough possible values
// that a plain hash would be reversed by trying them all; without the
// secret (a file outside the store, NaturalKeyHasher) these keys name no
// household. (The older lookup/tenant and lookup/nun keys above still hold
// those values in clear, until the erasure issue replaces them.) A lost or
// rotated secret costs a rebuild of the view.
#ifndef RELOG_SERVICES_API_CASE_INDEX_H_
#define RELOG_SERVICES_API_CASE_INDEX_H_

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "relog/v1/case_service.pb.h"
#include "services/cases/case_state.h"
#include "services/projections/projection.h"
#include "storage/event_store.h"

namespace relog::api {

inline constexpr char kCaseIndexView[] = "case-index";

enum class LookupKind { kReference, kTenant, kRegister, kNationalNumber };

// The keyed hashes of natural keys. Thread-safe (immutable).
class NaturalKeyHasher {
 public:
  // `secret`: at least 16 bytes (LoadOrCreateNaturalKeySecret).
  explicit NaturalKeyHasher(std::string secret) : secret_(std::move(secret)) {}

  // The view keys of a landlord's tenant reference and of a national
  // application number; empty when a part is empty.
  std::string TenantKey(absl::string_view landlord_id,
                        absl::string_view tenant_reference) const;
  std::string NationalNumberKey(absl::string_view number) const;

 private:
  std::string Key(absl::string_view kind,
                  std::initializer_list<absl::string_view> parts) const;

  const std::string secret_;
};

// The secret in `path`: read, or created (32 random bytes, mode 0600, the
// folder created) when the file does not exist. Errors: the file cannot be
// read or written, or holds fewer than 16 bytes.
absl::StatusOr<std::string> LoadOrCreateNaturalKeySecret(
    const std::string& path);

class CaseIndexProjection final : public projections::Projection {
 public:
  // `store` must outlive the projection: a case event whose case was not
  // just folded re-folds it from the stream up to that event (a stream
  // prefix never changes, so rebuilds reach the same view).
  // `natural_keys` too (it hashes the natural keys the view holds).
  CaseIndexProjection(const EventStore* store,
                      const NaturalKeyHasher* natural_keys)
      : store_(store), natural_keys_(natural_keys) {}

  std::string name() const override { return kCaseIndexView; }
  absl::Status Apply(const RecordedEvent& event,
                     projections::ViewTransaction& view) override
      ABSL_LOCKS_EXCLUDED(memo_mu_);

 private:
  // A case's natural keys and the values they were hashed from.
  struct NaturalKeys {
    std::string landlord_id, tenant_reference, national_number;
    std::string tenant_key, national_key;
  };
  // A case as the index applied its last event: its state, and the lookup
  // keys its entry holds (`keys_known`: the entry need not be read back)
  // with the natural keys they came from (not hashed again while their
  // values stay the same). All are functions of the stream prefix.
  struct Applied {
    cases::CaseState state;
    bool keys_known = false;
    std::vector<std::string> lookup_keys;
    NaturalKeys natural;
  };

  // The case as applied up to (not including) `version`, from the memo or
  // folded from its stream.
  absl::StatusOr<Applied> AppliedBefore(const std::string& case_id,
                                        uint64_t version)
      ABSL_LOCKS_EXCLUDED(memo_mu_);
  void Remember(Applied applied) ABSL_LOCKS_EXCLUDED(memo_mu_);
  // The natural keys of `facts`, reusing `previous`'s hashes where their
  // values did not change.
  NaturalKeys HashNaturalKeys(const cases::CaseFacts& facts,
                              const NaturalKeys* previous) const;

  const EventStore* const store_;
  const NaturalKeyHasher* const natural_keys_;
  // Each case as applied after its last event: a memo of the fold of a
  // stream prefix, which never changes, so Apply stays deterministic and
  // the live view and a rebuild may share it. Without it each event would
  // re-read and re-fold its whole stream (quadratic per case).
  absl::Mutex memo_mu_;
  std::map<std::string, Applied> memo_ ABSL_GUARDED_BY(memo_mu_);
};

struct CaseListFilter {
  std::string operation_id;
  std::string commune_insee;
  std::string landlord_id;
  relog::v1::Case::State state = relog::v1::Case::STATE_UNSPECIFIED;
  std::string reference_contains;  // case-insensitive
};

struct CaseListPage {
  std::vector<relog::v1::CaseListEntry> cases;
  std::string next_page_token;  // empty at the end
  uint64_t position = 0;        // the view's checkpoint
};

// Reads over the view (thread-safe; they read committed view data only).
class CaseIndexReader {
 public:
  // `natural_keys` may be null when LookupHousehold is not used.
  explicit CaseIndexReader(const ViewStore* views,
                           const NaturalKeyHasher* natural_keys = nullptr)
      : views_(views), natural_keys_(natural_keys) {}

  // Cases matching `filter`, by case id, after `page_token`.
  // Errors: INVALID_ARGUMENT (a page_token this method did not give).
  absl::StatusOr<CaseListPage> List(const CaseListFilter& filter,
                                    size_t page_size,
                                    const std::string& page_token) const;

  // The case id an external id points at, if any.
  absl::StatusOr<std::optional<std::string>> Lookup(
      LookupKind kind, const std::string& value) const;

  // The case of a natural key: by landlord and tenant reference when both
  // are given, else (or when they find nothing) by national number.
  // Errors: INVALID_ARGUMENT (household_key.*: a landlord without tenant
  // reference or the reverse, or nothing to look up), FAILED_PRECONDITION
  // without a hasher.
  absl::StatusOr<std::optional<std::string>> LookupHousehold(
      const relog::v1::HouseholdKey& key) const;

 private:
  const ViewStore* const views_;
  const NaturalKeyHasher* const natural_keys_;
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_CASE_INDEX_H_
