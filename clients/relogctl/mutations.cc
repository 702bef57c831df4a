#include "clients/relogctl/mutations.h"

#include <cstdio>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "clients/relogctl/case_printer.h"
#include "clients/relogctl/step_flags.h"
#include "google/protobuf/util/json_util.h"
#include "relog/v1/case_service.pb.h"
#include "services/reference/reference_data.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

#define RELOG_MUTATION(COMMAND, RPC, SUMMARY)                            \
  Mutation {                                                             \
    COMMAND, #RPC, SUMMARY, &v1::RPC##Request::default_instance(),       \
        [](CaseStub& stub, grpc::ClientContext* context,                 \
           const Message& request, v1::CaseCommandResponse* response) {  \
          return stub.RPC(context,                                       \
                          static_cast<const v1::RPC##Request&>(request), \
                          response);                                     \
        }                                                                \
  }

}  // namespace

const FieldDescriptor* Mutation::body_field() const {
  return request_prototype->GetDescriptor()->FindFieldByNumber(5);
}

bool Mutation::needs_case_name() const {
  return request_prototype->GetDescriptor()->FindFieldByName("name") != nullptr;
}

const std::vector<Mutation>& Mutations() {
  static const auto* const kMutations = new std::vector<Mutation>{
      RELOG_MUTATION("identify", IdentifyHousehold,
                     "open a case: a household in a building to demolish"),
      RELOG_MUTATION("notice", RecordNotice,
                     "the registered letter giving six months' notice"),
      RELOG_MUTATION("diagnosis", RecordDiagnosis, "the social diagnosis"),
      RELOG_MUTATION("wishes", RecordWishes, "the household's wishes"),
      RELOG_MUTATION("committee", RecordCommitteeReview,
                     "the rehousing committee's review"),
      RELOG_MUTATION("offer make", MakeOffer, "offer a dwelling"),
      RELOG_MUTATION("offer visit", RecordOfferVisit,
                     "the household visited the offered dwelling"),
      RELOG_MUTATION("offer accept", AcceptOffer, "the household accepts"),
      RELOG_MUTATION("offer refuse", RefuseOffer,
                     "the household refuses (counts when notified)"),
      RELOG_MUTATION("offer lapse", RecordOfferLapse,
                     "no answer by the deadline (counts)"),
      RELOG_MUTATION("offer withdraw", WithdrawOffer,
                     "the landlord withdraws the offer (never counts)"),
      RELOG_MUTATION("cal", RecordCalDecision,
                     "the CAL's decision on the accepted offer"),
      RELOG_MUTATION("lease", SignLease, "the lease is signed"),
      RELOG_MUTATION("move", RecordMove, "the household moved"),
      RELOG_MUTATION("keys", RecordKeysReturned,
                     "the keys of the origin dwelling were handed back"),
      RELOG_MUTATION("followup record", RecordFollowUp,
                     "a follow-up visit (3, 6, 12 months)"),
      RELOG_MUTATION("followup consent", RecordFollowUpConsent,
                     "the household's consent to social follow-up"),
      RELOG_MUTATION("followup handover", HandOverFollowUp,
                     "hand the follow-up over to the arrival commune"),
      RELOG_MUTATION("followup end", EndFollowUp, "end the follow-up"),
      RELOG_MUTATION("departure", RecordDeparture,
                     "the household left on its own"),
      RELOG_MUTATION("death", RecordDeath, "the household died"),
      RELOG_MUTATION("eviction", RecordEviction, "evicted for another cause"),
      RELOG_MUTATION("decohabitation", RecordDecohabitation,
                     "an adult leaves to form a household (opens its case)"),
      RELOG_MUTATION("iml", RecordRentReductionAllowance,
                     "the rent-reduction allowance (IML): claimed, paid, "
                     "rejected"),
      RELOG_MUTATION("close", CloseCase, "close the case with an outcome"),
      RELOG_MUTATION("reopen", ReopenCase, "reopen a closed case"),
      RELOG_MUTATION("correct", CorrectStep,
                     "new values and/or date for an earlier step"),
      RELOG_MUTATION("cancel", CancelStep, "cancel a step recorded by mistake"),
  };
  return *kMutations;
}

const Mutation* FindMutationByRpc(absl::string_view rpc) {
  for (const Mutation& m : Mutations()) {
    if (rpc == m.rpc) return &m;
  }
  return nullptr;
}

absl::Status BuildMutationRequest(const Mutation& mutation,
                                  const std::vector<std::string>& args,
                                  Message* request) {
  const auto* descriptor = request->GetDescriptor();
  const auto* reflection = request->GetReflection();
  const FieldDescriptor* body = mutation.body_field();
  Message* step = reflection->MutableMessage(request, body);
  const std::vector<FieldFlag> flags = ListFieldFlags(step->GetDescriptor());
  std::string name, request_id, occurred_at, body_json;
  std::optional<uint64_t> expected_version;
  std::vector<std::pair<std::string, std::string>> field_flags;
  for (const std::string& arg : args) {
    absl::string_view text = arg;
    if (!absl::ConsumePrefix(&text, "--")) {
      if (!mutation.needs_case_name()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unexpected argument \"", arg, "\" (", mutation.command,
            " opens a case: it takes no case name)"));
      }
      if (!name.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected argument \"", arg, "\""));
      }
      name = CaseName(arg);
      continue;
    }
    const size_t eq = text.find('=');
    const std::string key(text.substr(0, eq));
    const std::string value(
        eq == absl::string_view::npos ? "" : text.substr(eq + 1));
    if (key == "request_id") {
      request_id = value;
    } else if (key == "occurred_at") {
      if (!reference::ParseIsoDay(value).has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--occurred_at: \"", value, "\" is not a YYYY-MM-DD date"));
      }
      occurred_at = value;
    } else if (key == "expected_version") {
      uint64_t v = 0;
      if (!absl::SimpleAtoi(value, &v)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--expected_version: \"", value, "\" is not a version"));
      }
      expected_version = v;
    } else if (key == "body_json") {
      body_json = value;
    } else {
      field_flags.push_back({key, value});
    }
  }
  if (mutation.needs_case_name() && name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(mutation.command, " needs a case name (cases/ID)"));
  }
  if (!body_json.empty()) {
    google::protobuf::util::JsonParseOptions options;
    auto status =
        google::protobuf::util::JsonStringToMessage(body_json, step, options);
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--body_json: ",
          std::string(status.message().data(), status.message().size())));
    }
  }
  for (const auto& [key, value] : field_flags) {
    absl::Status status = ApplyFieldFlag(flags, key, value, step);
    if (!status.ok()) return status;
  }
  if (request_id.empty()) request_id = NewRequestId();
  if (occurred_at.empty()) occurred_at = FormatDay(TodayInParis());
  if (mutation.needs_case_name()) {
    reflection->SetString(request, descriptor->FindFieldByName("name"), name);
  }
  reflection->SetString(request, descriptor->FindFieldByName("request_id"),
                        request_id);
  reflection->SetString(request, descriptor->FindFieldByName("occurred_at"),
                        occurred_at);
  if (expected_version.has_value()) {
    const FieldDescriptor* field =
        descriptor->FindFieldByName("expected_version");
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("--expected_version: ", mutation.command,
                       " opens a case and takes none"));
    }
    reflection->SetUInt64(request, field, *expected_version);
  }
  return absl::OkStatus();
}

int RunMutation(const Context& ctx, const Mutation& mutation,
                const std::vector<std::string>& args) {
  std::unique_ptr<Message> request(mutation.request_prototype->New());
  absl::Status built = BuildMutationRequest(mutation, args, request.get());
  if (!built.ok()) {
    return UsageError(absl::StrCat(built.message(), "\n(relogctl help ",
                                   mutation.command, " lists the flags)"));
  }
  const std::string request_id = request->GetReflection()->GetString(
      *request, request->GetDescriptor()->FindFieldByName("request_id"));
  // On stderr, so that --json output stays one JSON document.
  std::fprintf(stderr, "request_id %s (to retry: --request_id=%s)\n",
               request_id.c_str(), request_id.c_str());
  auto stub = relog::v1::CaseService::NewStub(ctx.channel);
  v1::CaseCommandResponse response;
  grpc::Status status =
      mutation.call(*stub, NewCall(ctx).get(), *request, &response);
  if (!status.ok()) return Fail(status);
  if (ctx.json) {
    PrintJson(response);
  } else {
    PrintCommandResponse(mutation.rpc, response);
  }
  return kExitOk;
}

}  // namespace relog::ctl
