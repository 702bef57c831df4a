#include "services/api/case_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/api/api_errors.h"
#include "services/api/case_repository.h"
#include "services/api/case_view.h"
#include "services/api/page_tokens.h"
#include "services/api/status_conversion.h"
#include "services/cases/domain_errors.h"
#include "services/cases/event_codec.h"
#include "storage/status_macros.h"

namespace relog::api {
namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
// How long a list waits for the case index to catch up with the log.
constexpr absl::Duration kIndexWait = absl::Seconds(5);

absl::StatusOr<size_t> PageSize(int requested) {
  if (requested < 0 || requested > kMaxPageSize) {
    return cases::InvalidField(
        "page_size", reason::kValueOutOfRange,
        absl::StrCat(requested, " is outside [0, ", kMaxPageSize, "]"));
  }
  return requested == 0 ? kDefaultPageSize : requested;
}

}  // namespace

absl::StatusOr<CaseCommandRequest> CaseService::BuildCommand(
    Context* context, const google::protobuf::Message& request,
    const Common& common,
    const std::function<void(cases::Command&)>& fill) const {
  const Caller caller = callers_->Get(context);
  if (!caller.authenticated()) return UnauthenticatedError();
  ASSIGN_OR_RETURN(CaseCommandRequest out,
                   BuildCaseCommand(request, common, fill));
  out.caller = caller;
  return out;
}

CaseService::Reactor* CaseService::Mutate(
    Context* context, const google::protobuf::Message& request,
    const Common& common, const std::function<void(cases::Command&)>& fill,
    Response* response) {
  Reactor* reactor = context->DefaultReactor();
  absl::StatusOr<CaseCommandRequest> command =
      BuildCommand(context, request, common, fill);
  if (!command.ok()) {
    reactor->Finish(ToGrpcStatus(command.status()));
    return reactor;
  }
  runner_->Execute(*std::move(command),
                   [reactor, response](
                       absl::StatusOr<relog::v1::CaseCommandResponse> result) {
                     if (result.ok()) {
                       *response = *std::move(result);
                       reactor->Finish(grpc::Status::OK);
                     } else {
                       reactor->Finish(ToGrpcStatus(result.status()));
                     }
                   });
  return reactor;
}

CaseService::Reactor* CaseService::Query(Context* context,
                                         std::function<absl::Status()> work) {
  Reactor* reactor = context->DefaultReactor();
  if (!callers_->Get(context).authenticated()) {
    reactor->Finish(ToGrpcStatus(UnauthenticatedError()));
    return reactor;
  }
  const bool queued =
      queries_->Submit([context, reactor, work = std::move(work)] {
        if (context->IsCancelled()) {
          reactor->Finish(grpc::Status::CANCELLED);
          return;
        }
        reactor->Finish(ToGrpcStatus(work()));
      });
  if (!queued) reactor->Finish(ToGrpcStatus(ShuttingDownError()));
  return reactor;
}

absl::Status CaseService::AwaitIndex(Context* context) const {
  absl::Time deadline = absl::Now() + kIndexWait;
  const absl::Time call_deadline = absl::FromChrono(context->deadline());
  if (call_deadline < deadline) deadline = call_deadline;
  absl::Status status =
      index_->WaitFor(store_->GetLogHead().position, deadline);
  // A stale answer states the position it reflects; it is not an error. A
  // case index that stopped for good is.
  if (status.ok() || absl::IsDeadlineExceeded(status)) return absl::OkStatus();
  return status;
}

CaseService::Reactor* CaseService::GetCase(
    Context* context, const relog::v1::GetCaseRequest* request,
    relog::v1::Case* response) {
  const Caller caller = callers_->Get(context);
  return Query(
      context, [this, context, request, response, caller]() -> absl::Status {
        std::vector<std::pair<LookupKind, const std::string*>> lookups;
        if (!request->reference().empty()) {
          lookups.emplace_back(LookupKind::kReference, &request->reference());
        }
        if (!request->tenant_reference().empty()) {
          lookups.emplace_back(LookupKind::kTenant,
                               &request->tenant_reference());
        }
        if (!request->dwelling_register_id().empty()) {
          lookups.emplace_back(LookupKind::kRegister,
                               &request->dwelling_register_id());
        }
        if (!request->national_application_number().empty()) {
          lookups.emplace_back(LookupKind::kNationalNumber,
                               &request->national_application_number());
        }
        const bool by_household = request->has_household_key();
        const int given = static_cast<int>(lookups.size()) +
                          (request->name().empty() ? 0 : 1) +
                          (by_household ? 1 : 0);
        if (given != 1) {
          return cases::InvalidField(
              "name", reason::kFieldRequired,
              "give exactly one of name, reference, tenant_reference, "
              "dwelling_register_id, national_application_number, "
              "household_key");
        }
        std::string case_id;
        if (!request->name().empty()) {
          ASSIGN_OR_RETURN(case_id, CaseIdFromName(request->name(), "name"));
        } else {
          RETURN_IF_ERROR(AwaitIndex(context));
          CaseIndexReader reader(&store_->views(), natural_keys_);
          ASSIGN_OR_RETURN(
              std::optional<std::string> found,
              by_household
                  ? reader.LookupHousehold(request->household_key())
                  : reader.Lookup(lookups[0].first, *lookups[0].second));
          if (!found.has_value()) {
            return MakeError(absl::StatusCode::kNotFound, reason::kCaseNotFound,
                             "no case has that external id");
          }
          case_id = *found;
        }
        ASSIGN_OR_RETURN(LoadedCase loaded,
                         LoadCase(*store_, case_id, std::nullopt,
                                  caller.readable_classes()));
        if (!loaded.state.exists()) {
          return MakeError(absl::StatusCode::kNotFound, reason::kCaseNotFound,
                           absl::StrCat("no case ", CaseName(case_id)));
        }
        *response = ToCaseProto(loaded.state, loaded.updated);
        return absl::OkStatus();
      });
}

CaseService::Reactor* CaseService::ListCases(
    Context* context, const relog::v1::ListCasesRequest* request,
    relog::v1::ListCasesResponse* response) {
  return Query(context, [this, context, request, response]() -> absl::Status {
    ASSIGN_OR_RETURN(size_t page_size, PageSize(request->page_size()));
    CaseListFilter filter;
    filter.operation_id = request->operation_id();
    filter.commune_insee = request->commune_insee();
    filter.landlord_id = request->landlord_id();
    filter.state = request->state();
    filter.reference_contains = request->reference_contains();
    RETURN_IF_ERROR(AwaitIndex(context));
    CaseIndexReader reader(&store_->views());
    ASSIGN_OR_RETURN(CaseListPage page,
                     reader.List(filter, page_size, request->page_token()));
    for (relog::v1::CaseListEntry& entry : page.cases) {
      *response->add_cases() = std::move(entry);
    }
    response->set_next_page_token(page.next_page_token);
    response->set_position(page.position);
    return absl::OkStatus();
  });
}

CaseService::Reactor* CaseService::GetCaseHistory(
    Context* context, const relog::v1::GetCaseHistoryRequest* request,
    relog::v1::GetCaseHistoryResponse* response) {
  const Caller caller = callers_->Get(context);
  return Query(context, [this, request, response, caller]() -> absl::Status {
    ASSIGN_OR_RETURN(std::string case_id,
                     CaseIdFromName(request->name(), "name"));
    ASSIGN_OR_RETURN(size_t page_size, PageSize(request->page_size()));
    ASSIGN_OR_RETURN(const uint64_t from,
                     ParseHistoryPageToken(request->page_token()));
    const std::string stream = CaseStreamId(case_id);
    ASSIGN_OR_RETURN(std::vector<RecordedEvent> events,
                     store_->ReadStreamForward(stream, from, page_size + 1));
    if (events.empty() && from == 0) {
      return MakeError(absl::StatusCode::kNotFound, reason::kCaseNotFound,
                       absl::StrCat("no case ", CaseName(case_id)));
    }
    const bool more = events.size() > page_size;
    if (more) events.pop_back();
    for (const RecordedEvent& recorded : events) {
      ASSIGN_OR_RETURN(
          cases::CaseEvent event,
          cases::DecodeCaseEvent(recorded, caller.readable_classes()));
      ToHistoryEvent(recorded, event, response->add_events());
    }
    if (more) {
      response->set_next_page_token(
          HistoryPageToken(events.back().version + 1));
    }
    return absl::OkStatus();
  });
}

CaseService::Reactor* CaseService::IdentifyHousehold(
    Context* c, const relog::v1::IdentifyHouseholdRequest* r, Response* out) {
  Common common;
  common.request_id = r->request_id();
  common.occurred_at = r->occurred_at();
  return Mutate(
      c, *r, common,
      [r](cases::Command& cmd) {
        *cmd.step.emplace().mutable_household_identified() = r->household();
      },
      out);
}

// The step RPCs differ only in the request's body field and the step it
// fills.
#define RELOG_STEP_RPC(Method, body, step_field)                        \
  CaseService::Reactor* CaseService::Method(                            \
      Context* c, const relog::v1::Method##Request* r, Response* out) { \
    return Mutate(                                                      \
        c, *r, CommonOf(*r),                                            \
        [r](cases::Command& cmd) {                                      \
          *cmd.step.emplace().mutable_##step_field() = r->body();       \
        },                                                              \
        out);                                                           \
  }

RELOG_STEP_RPC(RecordNotice, notice, notice_sent)
RELOG_STEP_RPC(RecordDiagnosis, diagnosis, diagnosis_recorded)
RELOG_STEP_RPC(RecordWishes, wishes, wishes_recorded)
RELOG_STEP_RPC(RecordCommitteeReview, review, committee_reviewed)
RELOG_STEP_RPC(MakeOffer, offer, offer_made)
RELOG_STEP_RPC(RecordOfferVisit, visit, offer_visited)
RELOG_STEP_RPC(AcceptOffer, acceptance, offer_accepted)
RELOG_STEP_RPC(RefuseOffer, refusal, offer_refused)
RELOG_STEP_RPC(RecordOfferLapse, lapse, offer_lapsed)
RELOG_STEP_RPC(WithdrawOffer, withdrawal, offer_withdrawn)
RELOG_STEP_RPC(RecordCalDecision, cal_decision, cal_decision_recorded)
RELOG_STEP_RPC(SignLease, lease, lease_signed)
RELOG_STEP_RPC(RecordMove, move, household_moved)
RELOG_STEP_RPC(RecordKeysReturned, keys, keys_returned)
RELOG_STEP_RPC(RecordFollowUp, follow_up, follow_up_recorded)
RELOG_STEP_RPC(RecordFollowUpConsent, consent, follow_up_consent_recorded)
RELOG_STEP_RPC(HandOverFollowUp, hand_over, follow_up_handed_over)
RELOG_STEP_RPC(EndFollowUp, end, follow_up_ended)
RELOG_STEP_RPC(RecordDeparture, departure, household_left)
RELOG_STEP_RPC(RecordDeath, death, household_deceased)
RELOG_STEP_RPC(RecordEviction, eviction, household_evicted)
RELOG_STEP_RPC(RecordRentReductionAllowance, allowance,
               rent_reduction_allowance_recorded)
RELOG_STEP_RPC(CloseCase, closure, case_closed)
RELOG_STEP_RPC(ReopenCase, reopening, case_reopened)
#undef RELOG_STEP_RPC

CaseService::Reactor* CaseService::RecordDecohabitation(
    Context* c, const relog::v1::RecordDecohabitationRequest* r,
    Response* out) {
  return Mutate(
      c, *r, CommonOf(*r),
      [r](cases::Command& cmd) {
        cmd.step.emplace().mutable_decohabitation_recorded();
        cmd.new_household = r->new_household();
      },
      out);
}

CaseService::Reactor* CaseService::CorrectStep(
    Context* c, const relog::v1::CorrectStepRequest* r, Response* out) {
  return Mutate(
      c, *r, CommonOf(*r),
      [r](cases::Command& cmd) { cmd.correction = r->correction(); }, out);
}

CaseService::Reactor* CaseService::CancelStep(
    Context* c, const relog::v1::CancelStepRequest* r, Response* out) {
  return Mutate(
      c, *r, CommonOf(*r),
      [r](cases::Command& cmd) { cmd.cancellation = r->cancellation(); }, out);
}

}  // namespace relog::api
