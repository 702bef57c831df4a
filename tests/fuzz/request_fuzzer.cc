// libFuzzer target for the validation of CaseService's mutation requests:
// arbitrary bytes parsed as one of the requests, turned into a command as
// the service does it (BuildCaseCommand, services/api/case_requests.h),
// then decided (Decide) against a small fixed case of each phase with the
// tests' reference data (tests/cases/case_given_when_then.h). Never a
// crash. A refusal is INVALID_ARGUMENT with a field violation naming a
// field of the request, or NOT_FOUND / ALREADY_EXISTS / FAILED_PRECONDITION
// with a reason; an accepted command is dated no later than today, has well
// formed dates in its events, and its events store and replay.
//
// Input: u8(request) u8(state) then the request's bytes. `request` indexes
// the methods of relog.v1.CaseService that answer a CaseCommandResponse,
// `state` the fixed cases (empty, then one per phase).
//
// RELOG_FUZZ_WRITE_CORPUS=DIR request_fuzzer writes its seed corpus (one
// valid request of each kind, tests/fuzz/corpus/request_fuzzer/) and exits.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/stubs/logging.h"
#include "relog/v1/case_service.pb.h"
#include "services/api/case_requests.h"
#include "services/cases/decide.h"
#include "services/cases/event_codec.h"
#include "services/cases/sealing.h"
#include "tests/cases/case_given_when_then.h"
#include "tests/fuzz/fuzz_checks.h"

namespace {

namespace cases = relog::cases;
namespace cgwt = relog::cases::testing;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using relog::fuzz::Check;
using relog::fuzz::Fail;

struct RequestKind {
  const Descriptor* descriptor;
  cases::CommandKind kind;
};

// The mutation requests, in the service's method order.
const std::vector<RequestKind>& Requests() {
  static const auto* const kRequests = [] {
    auto* out = new std::vector<RequestKind>;
    const google::protobuf::ServiceDescriptor* service =
        relog::v1::CaseCommandResponse::descriptor()->file()->FindServiceByName(
            "CaseService");
    if (service == nullptr) Fail("no relog.v1.CaseService");
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor* method = service->method(i);
      if (method->output_type() != relog::v1::CaseCommandResponse::descriptor())
        continue;
      bool found = false;
      for (cases::CommandKind kind : cases::AllCommandKinds()) {
        if (method->name() == cases::CommandName(kind)) {
          out->push_back({method->input_type(), kind});
          found = true;
        }
      }
      if (!found) Fail(absl::StrCat("no command for ", method->name()));
    }
    Check(out->size() == cases::kCommandKindCount, "a command without an RPC");
    return out;
  }();
  return *kRequests;
}

// The fixed cases: none, then one of each phase (case id cgwt::kCaseId).
const std::vector<cases::CaseState>& States() {
  static const auto* const kStates = [] {
    auto* out = new std::vector<cases::CaseState>;
    cases::CaseState empty;
    empty.case_id = cgwt::kCaseId;
    out->push_back(empty);
    for (const std::vector<cases::CaseEvent>& history : {
             cgwt::IdentifiedHistory(),
             cgwt::DiagnosedHistory(),
             cgwt::ReadyForOffersHistory(),
             cgwt::OfferPendingHistory(),
             cgwt::OfferAcceptedHistory(),
             cgwt::AllocatedHistory(),
             cgwt::LeaseSignedHistory(),
             cgwt::RehousedHistory(),
             cgwt::ClosedHistory(),
             cgwt::ExitedHistory(),
         }) {
      out->push_back(cgwt::Fold(history));
    }
    return out;
  }();
  return *kStates;
}

std::string StringField(const Message& m, const char* name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  return f == nullptr ? "" : m.GetReflection()->GetString(m, f);
}

relog::api::MutationCommon CommonOf(const Message& request) {
  relog::api::MutationCommon common;
  common.name = StringField(request, "name");
  common.request_id = StringField(request, "request_id");
  common.occurred_at = StringField(request, "occurred_at");
  const FieldDescriptor* expected =
      request.GetDescriptor()->FindFieldByName("expected_version");
  if (expected != nullptr &&
      request.GetReflection()->HasField(request, expected)) {
    common.expected_version =
        request.GetReflection()->GetUInt64(request, expected);
  }
  return common;
}

// The body of the command, as the service's RPC methods fill it.
std::function<void(cases::Command&)> FillOf(cases::CommandKind kind,
                                            const Message& request) {
  const FieldDescriptor* body_field =
      request.GetDescriptor()->FindFieldByName(cases::CommandBodyField(kind));
  if (body_field == nullptr) Fail("a request without its body field");
  const Message* body =
      &request.GetReflection()->GetMessage(request, body_field);
  return [kind, body](cases::Command& cmd) {
    switch (kind) {
      case cases::CommandKind::kIdentifyHousehold:
        cmd.step.emplace().mutable_household_identified()->CopyFrom(*body);
        return;
      case cases::CommandKind::kRecordDecohabitation:
        cmd.step.emplace().mutable_decohabitation_recorded();
        cmd.new_household.CopyFrom(*body);
        return;
      case cases::CommandKind::kCorrectStep:
        cmd.correction.emplace().CopyFrom(*body);
        return;
      case cases::CommandKind::kCancelStep:
        cmd.cancellation.emplace().CopyFrom(*body);
        return;
      default:
        break;
    }
    relog::v1::CaseStep& step = cmd.step.emplace();
    const google::protobuf::OneofDescriptor* oneof =
        relog::v1::CaseStep::descriptor()->FindOneofByName("step");
    for (int i = 0; i < oneof->field_count(); ++i) {
      const FieldDescriptor* member = oneof->field(i);
      if (cases::CommandForStep(static_cast<relog::v1::CaseStep::StepCase>(
              member->number())) == kind) {
        step.GetReflection()->MutableMessage(&step, member)->CopyFrom(*body);
        return;
      }
    }
    Fail("a step command without its step");
  };
}

bool IsDateField(const FieldDescriptor* field) {
  return field->type() == FieldDescriptor::TYPE_STRING &&
         (absl::EndsWith(field->name(), "_on") ||
          absl::EndsWith(field->name(), "_date") ||
          absl::EndsWith(field->name(), "deadline"));
}

// Every date field of `message` (at any depth) empty or YYYY-MM-DD.
void CheckDates(const Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          CheckDates(reflection->GetRepeatedMessage(message, field, i));
        }
      } else {
        CheckDates(reflection->GetMessage(message, field));
      }
    } else if (IsDateField(field) && !field->is_repeated()) {
      const std::string value = reflection->GetString(message, field);
      absl::CivilDay day;
      Check(value.empty() ||
                (value.size() == 10 && absl::ParseCivilTime(value, &day)),
            absl::StrCat("accepted with a malformed date in ",
                         field->full_name(), ": \"", value, "\""));
    }
  }
}

// A decided event: well-dated, storable, and read back as decided.
void CheckDecidedEvent(const cases::CaseEvent& event,
                       const cases::DecideContext& context) {
  Check(event.occurred_on <= context.today, "an event dated after today");
  Check(!cases::EventType(event).empty(), "a decided event without a type");
  if (event.step.has_value()) CheckDates(*event.step);
  if (event.correction.has_value()) CheckDates(*event.correction);
  if (event.cancellation.has_value()) CheckDates(*event.cancellation);
  absl::StatusOr<relog::NewEvent> encoded = cases::EncodeCaseEvent(event);
  if (!encoded.ok()) {
    // Unknown fields in the request's body have no data class.
    Check(
        absl::IsFailedPrecondition(encoded.status()) &&
            relog::ErrorReason(encoded.status()) == cases::kReasonUnknownFields,
        "a decided event does not encode", encoded.status());
    return;
  }
  relog::RecordedEvent recorded;
  recorded.stream_id = "case-fuzz";
  recorded.type = encoded->type;
  recorded.payload = encoded->payload;
  recorded.metadata = encoded->metadata;
  absl::StatusOr<cases::CaseEvent> decoded =
      cases::DecodeCaseEvent(recorded, cases::AllDataClasses());
  Check(decoded.ok(), "a decided event does not decode", decoded.status());
  Check(decoded->occurred_on == event.occurred_on, "decoded at another date");
}

void CheckDecideError(const absl::Status& status, const Message& request) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: {
      relog::fuzz::CheckFieldViolation(status);
      // The field is a path in the request: its first part is a field of
      // the request message.
      const std::string field =
          relog::GetErrorMetadata(status)[relog::meta::kField];
      const std::string head = field.substr(0, field.find_first_of(".["));
      Check(
          request.GetDescriptor()->FindFieldByName(head) != nullptr,
          absl::StrCat("INVALID_ARGUMENT names \"", field,
                       "\", not a field of ", request.GetDescriptor()->name()),
          status);
      return;
    }
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
      Check(!relog::ErrorReason(status).empty(), "a refusal without a reason",
            status);
      return;
    default:
      Fail("Decide refused with an undocumented code", status);
  }
}

// ---- The seed corpus. ----

struct Seed {
  cases::CommandKind kind;
  size_t state;
  std::string day;
  std::function<void(Message&)> body;
};

std::function<void(Message&)> StepBody(const relog::v1::CaseStep& step) {
  return [step](Message& body) {
    const FieldDescriptor* member =
        step.GetDescriptor()->FindFieldByNumber(step.step_case());
    body.CopyFrom(step.GetReflection()->GetMessage(step, member));
  };
}

void WriteCorpus(const std::string& dir) {
  using cases::CommandKind;
  const std::vector<
      std::pair<relog::v1::CaseStep, std::pair<size_t, const char*>>>
      steps = {
          {cgwt::Identification(), {0, cgwt::kIdentifiedOn}},
          {cgwt::Notice(), {1, "2025-01-15"}},
          {cgwt::Wishes(), {1, cgwt::kWishesOn}},
          {cgwt::Diagnosis(), {1, cgwt::kDiagnosedOn}},
          {cgwt::Committee(), {2, cgwt::kCommitteeOn}},
          {cgwt::Offer("1", cgwt::kNotifiedOn, cgwt::kDeadline),
           {3, cgwt::kOfferOn}},
          {cgwt::Visit("1"), {4, "2025-03-15"}},
          {cgwt::Accept("1"), {4, cgwt::kAcceptedOn}},
          {cgwt::Refuse("1"), {4, cgwt::kAcceptedOn}},
          {cgwt::Lapse("1"), {4, "2025-03-27"}},
          {cgwt::Withdraw("1"), {4, "2025-03-20"}},
          {cgwt::Cal("1"), {5, cgwt::kCalOn}},
          {cgwt::Lease("1"), {6, cgwt::kLeaseOn}},
          {cgwt::LeaseWithoutOffer(), {3, cgwt::kLeaseOn}},
          {cgwt::Consent(), {6, cgwt::kConsentOn}},
          {cgwt::Move(), {7, cgwt::kMoveOn}},
          {cgwt::Keys(), {8, "2025-06-05"}},
          {cgwt::FollowUp(relog::v1::FOLLOW_UP_MILESTONE_3_MONTHS),
           {8, "2025-09-01"}},
          {cgwt::HandOver(), {8, "2025-09-02"}},
          {cgwt::EndFollowUp(), {8, "2025-12-01"}},
          {cgwt::Departure(), {3, cgwt::kDepartureOn}},
          {cgwt::Death(), {3, cgwt::kDepartureOn}},
          {cgwt::Eviction(), {3, cgwt::kDepartureOn}},
          {cgwt::Close(relog::v1::CASE_OUTCOME_REHOUSED), {8, cgwt::kClosedOn}},
          {cgwt::Close(relog::v1::CASE_OUTCOME_LEFT_ON_OWN),
           {10, cgwt::kClosedOn}},
          {cgwt::Reopen(), {9, "2026-01-05"}},
      };
  std::vector<Seed> seeds;
  for (const auto& [step, where] : steps) {
    seeds.push_back({cases::CommandForStep(step.step_case()), where.first,
                     where.second, StepBody(step)});
  }
  seeds.push_back({CommandKind::kRecordRentReductionAllowance, 8, "2025-07-01",
                   [](Message&) {}});
  seeds.push_back({CommandKind::kRecordDecohabitation, 2, "2025-02-10",
                   [](Message& body) { body.CopyFrom(cgwt::NewHousehold()); }});
  seeds.push_back(
      {CommandKind::kCorrectStep, 2, "2025-02-15", [](Message& body) {
         body.CopyFrom(cgwt::Correction(1, std::nullopt, "2025-01-21"));
       }});
  seeds.push_back(
      {CommandKind::kCancelStep, 2, "2025-02-15",
       [](Message& body) { body.CopyFrom(cgwt::Cancellation(1)); }});

  google::protobuf::DynamicMessageFactory factory;
  int n = 0;
  for (const Seed& seed : seeds) {
    size_t index = 0;
    while (Requests()[index].kind != seed.kind) ++index;
    const Descriptor* descriptor = Requests()[index].descriptor;
    std::unique_ptr<Message> request(factory.GetPrototype(descriptor)->New());
    const google::protobuf::Reflection* r = request->GetReflection();
    auto set = [&](const char* name, const std::string& value) {
      const FieldDescriptor* f = descriptor->FindFieldByName(name);
      if (f != nullptr) r->SetString(request.get(), f, value);
    };
    set("name", absl::StrCat("cases/", cgwt::kCaseId));
    set("request_id",
        absl::StrFormat("123e4567-e89b-42d3-a456-4266141740%02d", n));
    set("occurred_at", seed.day);
    if (const FieldDescriptor* f =
            descriptor->FindFieldByName("expected_version");
        f != nullptr && seed.state > 0 && n % 2 == 0) {
      r->SetUInt64(request.get(), f, States()[seed.state].version());
    }
    seed.body(*r->MutableMessage(
        request.get(),
        descriptor->FindFieldByName(cases::CommandBodyField(seed.kind)),
        &factory));
    std::string bytes;
    bytes.push_back(static_cast<char>(index));
    bytes.push_back(static_cast<char>(seed.state));
    request->AppendToString(&bytes);
    const std::string path =
        absl::StrFormat("%s/%02d-%s", dir, n, cases::CommandName(seed.kind));
    std::ofstream(path, std::ios::binary) << bytes;
    ++n;
  }
  std::fprintf(stderr, "wrote %d requests to %s\n", n, dir.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Invalid UTF-8 in a string field is refused by parsing; not worth a
  // line per input.
  google::protobuf::SetLogHandler(nullptr);
  (void)Requests();
  (void)States();
  if (const char* dir = std::getenv("RELOG_FUZZ_WRITE_CORPUS"); dir) {
    WriteCorpus(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const RequestKind& kind = Requests()[data[0] % Requests().size()];
  const cases::CaseState& state = States()[data[1] % States().size()];
  google::protobuf::DynamicMessageFactory factory;
  // The generated type, as the service gets it.
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(
          kind.descriptor);
  std::unique_ptr<Message> request(prototype->New());
  if (!request->ParseFromArray(data + 2, static_cast<int>(size - 2))) {
    return 0;  // gRPC refuses it before the service
  }

  absl::StatusOr<relog::api::CaseCommandRequest> built =
      relog::api::BuildCaseCommand(*request, CommonOf(*request),
                                   FillOf(kind.kind, *request));
  if (!built.ok()) {
    relog::fuzz::CheckFieldViolation(built.status());
    return 0;
  }
  Check(built->command.kind() == kind.kind, "the command of another RPC");
  absl::CivilDay day;
  Check(absl::ParseCivilTime(StringField(*request, "occurred_at"), &day) &&
            day == built->command.occurred_on,
        "the command at another date than occurred_at");

  const cases::DecideContext context = cgwt::TestContext();
  absl::StatusOr<cases::Decision> decision =
      cases::Decide(built->command, state, context);
  if (!decision.ok()) {
    CheckDecideError(decision.status(), *request);
    return 0;
  }
  Check(built->command.occurred_on <= context.today,
        "accepted a date after today");
  Check(!decision->events.empty(), "accepted without an event");
  cases::CaseState after = state;
  for (const cases::CaseEvent& event : decision->events) {
    CheckDecidedEvent(event, context);
    after = cases::Evolve(std::move(after), event);
  }
  if (decision->opened.has_value()) {
    Check(!decision->opened->events.empty(), "opened a case without events");
    for (const cases::CaseEvent& event : decision->opened->events) {
      CheckDecidedEvent(event, context);
    }
  }
  return 0;
}
