#include "services/cases/case_parties.h"

namespace relog::cases {
namespace {

bool EndedWithoutLease(OfferState::Status status) {
  switch (status) {
    case OfferState::Status::kRefused:
    case OfferState::Status::kLapsed:
    case OfferState::Status::kWithdrawn:
    case OfferState::Status::kCalRefused:
      return true;
    case OfferState::Status::kPending:
    case OfferState::Status::kAccepted:
    case OfferState::Status::kAllocated:
    case OfferState::Status::kLeased:
      return false;
  }
  return false;
}

void AddDwelling(const relog::v1::DwellingFacts& dwelling,
                 CaseParties& parties) {
  if (!dwelling.landlord_id().empty()) {
    parties.landlords.insert(dwelling.landlord_id());
  }
  if (!dwelling.commune_insee().empty()) {
    parties.communes.insert(dwelling.commune_insee());
  }
}

}  // namespace

CaseParties PartiesOf(const CaseFacts& facts) {
  CaseParties parties;
  parties.operation_id = facts.identification.operation_id();
  AddDwelling(facts.identification.origin().facts(), parties);
  // A cancelled offer is absent from facts.offers: its landlord is no
  // longer named by any effective step.
  for (const OfferState& offer : facts.offers) {
    if (EndedWithoutLease(offer.status)) continue;
    AddDwelling(offer.offer.dwelling().facts(), parties);
  }
  // Leases on the import path name no offer: their dwelling is their own.
  for (const CaseFacts::Lease& lease : facts.leases) {
    AddDwelling(lease.lease.dwelling().facts(), parties);
  }
  return parties;
}

}  // namespace relog::cases
