#include "services/api/case_view.h"

#include "absl/time/civil_time.h"
#include "services/api/case_repository.h"
#include "services/cases/phase_rules.h"
#include "storage/sha256.h"

namespace relog::api {
namespace {

using cases::Phase;

std::string Day(const std::optional<absl::CivilDay>& day) {
  return day.has_value() ? absl::FormatCivilTime(*day) : std::string();
}

}  // namespace

relog::v1::Case::State ToProtoState(Phase phase) {
  using C = relog::v1::Case;
  switch (phase) {
    case Phase::kNone:
      return C::STATE_UNSPECIFIED;
    case Phase::kIdentified:
      return C::IDENTIFIED;
    case Phase::kDiagnosed:
      return C::DIAGNOSED;
    case Phase::kReadyForOffers:
      return C::READY_FOR_OFFERS;
    case Phase::kOfferPending:
      return C::OFFER_PENDING;
    case Phase::kOfferAccepted:
      return C::OFFER_ACCEPTED;
    case Phase::kAllocated:
      return C::ALLOCATED;
    case Phase::kLeaseSigned:
      return C::LEASE_SIGNED;
    case Phase::kRehoused:
      return C::REHOUSED;
    case Phase::kExited:
      return C::EXITED;
    case Phase::kClosed:
      return C::CLOSED;
  }
  return C::STATE_UNSPECIFIED;
}

std::vector<std::string> NextSteps(const cases::CaseFacts& facts) {
  std::vector<std::string> steps;
  for (cases::CommandKind kind : cases::AllCommandKinds()) {
    const bool allowed =
        cases::PhaseRefusalReason(kind, facts.phase)[0] == '\0' ||
        (kind == cases::CommandKind::kRecordKeysReturned &&
         facts.temporarily_rehoused() && !facts.closed());
    if (!allowed) continue;
    // Rules that make a step impossible whatever its values.
    if ((kind == cases::CommandKind::kRecordNotice &&
         facts.notice_sent_on.has_value()) ||
        (kind == cases::CommandKind::kRecordKeysReturned &&
         facts.keys_returned_on.has_value()) ||
        (kind == cases::CommandKind::kEndFollowUp &&
         facts.follow_up_ended_on.has_value())) {
      continue;
    }
    steps.push_back(cases::CommandName(kind));
  }
  return steps;
}

void SetTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(time);
  out->set_seconds(micros / 1000000);
  out->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
}

void ToHistoryEvent(const RecordedEvent& recorded,
                    const cases::CaseEvent& event,
                    relog::v1::CaseHistoryEvent* out) {
  out->set_version(recorded.version);
  out->set_position(recorded.position);
  out->set_event_id(EventIdToHex(recorded.id));
  out->set_type(recorded.type);
  out->set_occurred_at(absl::FormatCivilTime(event.occurred_on));
  SetTimestamp(recorded.recorded_at, out->mutable_recorded_at());
  out->set_actor(recorded.metadata.actor);
  out->set_correlation_id(recorded.metadata.correlation_id);
  out->set_causation_id(recorded.metadata.causation_id);
  out->set_stream_hash(ToHex(recorded.stream_hash));
  out->set_global_hash(ToHex(recorded.global_hash));
  if (event.step.has_value()) *out->mutable_step() = *event.step;
  if (event.correction.has_value()) {
    *out->mutable_correction() = *event.correction;
  }
  if (event.cancellation.has_value()) {
    *out->mutable_cancellation() = *event.cancellation;
  }
}

relog::v1::Case ToCaseProto(const cases::CaseState& state, absl::Time updated) {
  const cases::CaseFacts& f = state.facts;
  relog::v1::Case out;
  out.set_name(CaseName(state.case_id));
  out.set_reference(f.identification.reference());
  out.set_state(ToProtoState(f.phase));
  out.set_version(state.version());
  out.set_operation_id(f.identification.operation_id());
  out.set_building_id(f.identification.building_id());
  out.set_occupancy(f.identification.occupancy());
  if (state.exists())
    out.set_identified_on(absl::FormatCivilTime(f.identified_on));
  out.set_notice_sent_on(Day(f.notice_sent_on));
  out.set_diagnosed_on(Day(f.diagnosed_on));
  out.set_committee_validated_on(Day(f.committee_validated_on));
  for (const cases::OfferState& offer : f.offers) {
    relog::v1::OfferSummary* s = out.add_offers();
    s->set_offer_id(offer.id);
    s->set_status(cases::OfferStatusName(offer.status));
    s->set_made_on(absl::FormatCivilTime(offer.made_on));
    s->set_notified_on(offer.offer.notified_on());
    s->set_response_deadline(offer.offer.response_deadline());
    s->set_visited(offer.visited);
    s->set_counted(offer.Counted());
    *s->mutable_dwelling() = offer.offer.dwelling().facts();
    s->set_reservataire_id(offer.offer.reservataire_id());
    *s->mutable_compliance() = offer.offer.compliance();
  }
  out.set_counted_offers(f.CountedOffers());
  if (f.legal_procedure_since.has_value()) {
    out.set_legal_procedure_since(
        absl::FormatCivilTime(*f.legal_procedure_since));
    out.set_legal_procedure_ends(absl::FormatCivilTime(
        cases::LegalProcedureEnd(*f.legal_procedure_since)));
  }
  for (const cases::CaseFacts::Lease& lease : f.leases) {
    relog::v1::LeaseSummary* s = out.add_leases();
    s->set_kind(lease.lease.kind());
    s->set_offer_id(lease.lease.offer_id());
    s->set_signed_on(absl::FormatCivilTime(lease.signed_on));
    s->set_moved_on(Day(lease.moved_on));
    *s->mutable_dwelling() = lease.lease.dwelling().facts();
    s->set_reste_a_charge_cents(lease.lease.reste_a_charge_cents());
  }
  out.set_temporarily_rehoused(f.temporarily_rehoused());
  out.set_rehoused_on(Day(f.definitive_move_on));
  out.set_keys_returned_on(Day(f.keys_returned_on));
  for (const auto& [milestone, day] : f.follow_ups)
    out.add_follow_ups(milestone);
  if (f.follow_up_consent.has_value()) {
    out.set_follow_up_consent(*f.follow_up_consent);
  }
  out.set_follow_up_ended_on(Day(f.follow_up_ended_on));
  out.set_exited_on(Day(f.exited_on));
  out.set_outcome(f.outcome);
  out.set_closed_on(Day(f.closed_on));
  if (!f.identification.parent_case_id().empty()) {
    out.set_parent_case(CaseName(f.identification.parent_case_id()));
  }
  for (const std::string& id : f.decohabitation_case_ids) {
    out.add_decohabitation_cases(CaseName(id));
  }
  for (std::string& step : NextSteps(f)) out.add_next_steps(std::move(step));
  *out.mutable_identification() = f.identification;
  out.set_imported_history(f.identification.imported_history());
  if (f.diagnosis.has_value()) *out.mutable_diagnosis() = *f.diagnosis;
  out.set_last_step_on(Day(f.last_step_on));
  if (state.exists()) SetTimestamp(updated, out.mutable_update_time());
  return out;
}

}  // namespace relog::api
