// relog.v1.CaseService: requests → domain commands and back. A thin
// adapter: the rules are in services/cases; per-case ordering and the
// request records in CaseCommandRunner; lists in the case-index view.
#ifndef RELOG_SERVICES_API_CASE_SERVICE_H_
#define RELOG_SERVICES_API_CASE_SERVICE_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "services/api/caller_interceptor.h"
#include "services/api/case_command_runner.h"
#include "services/api/case_index.h"
#include "services/api/case_requests.h"
#include "services/api/executor.h"
#include "services/projections/projection_runner.h"
#include "storage/event_store.h"

namespace relog::api {

class CaseService final : public relog::v1::CaseService::CallbackService {
 public:
  // Every pointer must outlive the service. `index` follows the log into
  // the case-index view. Reads run on `queries`, apart from the commands'
  // executor: a list waiting for the case index to catch up holds a query
  // thread, never one that commands need.
  // `natural_keys` hashes GetCase's household_key as the index does.
  CaseService(EventStore* store, Executor* queries, CaseCommandRunner* runner,
              const projections::ProjectionRunner* index,
              const CallerRegistry* callers,
              const NaturalKeyHasher* natural_keys)
      : store_(store),
        queries_(queries),
        runner_(runner),
        index_(index),
        callers_(callers),
        natural_keys_(natural_keys) {}

  using Reactor = grpc::ServerUnaryReactor;
  using Context = grpc::CallbackServerContext;
  using Response = relog::v1::CaseCommandResponse;

  Reactor* GetCase(Context* context, const relog::v1::GetCaseRequest* request,
                   relog::v1::Case* response) override;
  Reactor* ListCases(Context* context,
                     const relog::v1::ListCasesRequest* request,
                     relog::v1::ListCasesResponse* response) override;
  Reactor* GetCaseHistory(Context* context,
                          const relog::v1::GetCaseHistoryRequest* request,
                          relog::v1::GetCaseHistoryResponse* response) override;

  Reactor* IdentifyHousehold(Context* c,
                             const relog::v1::IdentifyHouseholdRequest* r,
                             Response* out) override;
  Reactor* RecordNotice(Context* c, const relog::v1::RecordNoticeRequest* r,
                        Response* out) override;
  Reactor* RecordDiagnosis(Context* c,
                           const relog::v1::RecordDiagnosisRequest* r,
                           Response* out) override;
  Reactor* RecordWishes(Context* c, const relog::v1::RecordWishesRequest* r,
                        Response* out) override;
  Reactor* RecordCommitteeReview(
      Context* c, const relog::v1::RecordCommitteeReviewRequest* r,
      Response* out) override;
  Reactor* MakeOffer(Context* c, const relog::v1::MakeOfferRequest* r,
                     Response* out) override;
  Reactor* RecordOfferVisit(Context* c,
                            const relog::v1::RecordOfferVisitRequest* r,
                            Response* out) override;
  Reactor* AcceptOffer(Context* c, const relog::v1::AcceptOfferRequest* r,
                       Response* out) override;
  Reactor* RefuseOffer(Context* c, const relog::v1::RefuseOfferRequest* r,
                       Response* out) override;
  Reactor* RecordOfferLapse(Context* c,
                            const relog::v1::RecordOfferLapseRequest* r,
                            Response* out) override;
  Reactor* WithdrawOffer(Context* c, const relog::v1::WithdrawOfferRequest* r,
                         Response* out) override;
  Reactor* RecordCalDecision(Context* c,
                             const relog::v1::RecordCalDecisionRequest* r,
                             Response* out) override;
  Reactor* SignLease(Context* c, const relog::v1::SignLeaseRequest* r,
                     Response* out) override;
  Reactor* RecordMove(Context* c, const relog::v1::RecordMoveRequest* r,
                      Response* out) override;
  Reactor* RecordKeysReturned(Context* c,
                              const relog::v1::RecordKeysReturnedRequest* r,
                              Response* out) override;
  Reactor* RecordFollowUp(Context* c, const relog::v1::RecordFollowUpRequest* r,
                          Response* out) override;
  Reactor* RecordFollowUpConsent(
      Context* c, const relog::v1::RecordFollowUpConsentRequest* r,
      Response* out) override;
  Reactor* HandOverFollowUp(Context* c,
                            const relog::v1::HandOverFollowUpRequest* r,
                            Response* out) override;
  Reactor* EndFollowUp(Context* c, const relog::v1::EndFollowUpRequest* r,
                       Response* out) override;
  Reactor* RecordDeparture(Context* c,
                           const relog::v1::RecordDepartureRequest* r,
                           Response* out) override;
  Reactor* RecordDeath(Context* c, const relog::v1::RecordDeathRequest* r,
                       Response* out) override;
  Reactor* RecordEviction(Context* c, const relog::v1::RecordEvictionRequest* r,
                          Response* out) override;
  Reactor* RecordDecohabitation(Context* c,
                                const relog::v1::RecordDecohabitationRequest* r,
                                Response* out) override;
  Reactor* RecordRentReductionAllowance(
      Context* c, const relog::v1::RecordRentReductionAllowanceRequest* r,
      Response* out) override;
  Reactor* CloseCase(Context* c, const relog::v1::CloseCaseRequest* r,
                     Response* out) override;
  Reactor* ReopenCase(Context* c, const relog::v1::ReopenCaseRequest* r,
                      Response* out) override;
  Reactor* CorrectStep(Context* c, const relog::v1::CorrectStepRequest* r,
                       Response* out) override;
  Reactor* CancelStep(Context* c, const relog::v1::CancelStepRequest* r,
                      Response* out) override;

 private:
  // The fields every mutation request shares.
  using Common = MutationCommon;
  template <typename Request>
  static Common CommonOf(const Request& r) {
    Common c;
    c.name = r.name();
    c.request_id = r.request_id();
    if (r.has_expected_version()) c.expected_version = r.expected_version();
    c.occurred_at = r.occurred_at();
    return c;
  }

  // Validates the shared fields, builds the command with `fill`, and runs
  // it; answers through the reactor.
  Reactor* Mutate(Context* context, const google::protobuf::Message& request,
                  const Common& common,
                  const std::function<void(cases::Command&)>& fill,
                  Response* response);
  absl::StatusOr<CaseCommandRequest> BuildCommand(
      Context* context, const google::protobuf::Message& request,
      const Common& common,
      const std::function<void(cases::Command&)>& fill) const;
  // Runs `work` on the executor if the caller is authenticated; finishes
  // the reactor with its status.
  Reactor* Query(Context* context, std::function<absl::Status()> work);
  // Waits (bounded) until the case index has applied the log as it stands
  // now, so that a list reflects the caller's own earlier writes. An error
  // only when the index stopped for good.
  absl::Status AwaitIndex(Context* context) const;

  EventStore* const store_;
  Executor* const queries_;
  CaseCommandRunner* const runner_;
  const projections::ProjectionRunner* const index_;
  const CallerRegistry* const callers_;
  const NaturalKeyHasher* const natural_keys_;
};

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_CASE_SERVICE_H_
