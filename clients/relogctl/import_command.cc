#include "clients/relogctl/import_command.h"

#include <openssl/hmac.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "clients/relogctl/import_csv.h"
#include "clients/relogctl/import_rows.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "relog/v1/case_service.grpc.pb.h"
#include "services/api/case_index.h"
#include "services/api/status_conversion.h"
#include "storage/sha256.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;
using google::protobuf::FieldMask;
using google::protobuf::Message;
using google::protobuf::util::FieldMaskUtil;
using google::protobuf::util::MessageDifferencer;
using v1::CaseStep;

struct Options {
  std::string file;
  int parallel = 8;
  CsvEncoding encoding = CsvEncoding::kAuto;
  bool dry_run = false;
  std::string id_secret_file;
};

enum class Outcome { kImported, kPresent, kCorrected, kRejected };

// Deterministic request ids: a retry, a second run of the same file, or
// two operators' runs with the same secret send the same id for the same
// intended change, so the server's request records answer them.
//   id = UUID-shaped(HMAC-SHA-256(secret,
//            "relog-import/v1" ‖ natural key ‖ command ‖ content version))
// with the content version the SHA-256 of the request's bytes (without its
// id). The identification and a decohabitation have no content version:
// the case id derives from the request id, so it is a function of the
// natural key alone, and a household can never be opened twice (a second
// body for it is REQUEST_ID_REUSED). Keyed, because a request id is stored
// unsealed and a plain hash of a tenant reference could be reversed by
// trying every reference (docs/IMPORT.md).
class RequestIds {
 public:
  explicit RequestIds(std::string secret) : secret_(std::move(secret)) {}

  std::string For(const NaturalKey& key, absl::string_view command,
                  absl::string_view content) const {
    const std::string message =
        absl::StrCat("relog-import/v1\x1f", key.Canonical(), "\x1f", command,
                     "\x1f", content.empty() ? "" : Sha256({content}));
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(),
         mac, &size);
    uint64_t high = 0, low = 0;
    for (int i = 0; i < 8; ++i) high = (high << 8) | mac[i];
    for (int i = 8; i < 16; ++i) low = (low << 8) | mac[i];
    return UuidFromBits(high, low);
  }

 private:
  const std::string secret_;
};

// The request's bytes, deterministic (map order fixed), without request_id.
std::string ContentOf(const Message& request) {
  std::unique_ptr<Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* field = copy->GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy->SerializeToCodedStream(&coded);
  }
  return bytes;
}

void SetString(Message& m, const char* field, const std::string& value) {
  m.GetReflection()->SetString(&m, m.GetDescriptor()->FindFieldByName(field),
                               value);
}

// A case's effective steps (after corrections and cancellations), by
// version, as GetCaseHistory shows them.
struct Effective {
  CaseStep step;
  std::string occurred_on;
};
using EffectiveSteps = std::map<uint64_t, Effective>;

// The step message of `step` (its set oneof field).
const Message& Body(const CaseStep& step) {
  const auto* field = CaseStep::descriptor()->FindFieldByNumber(
      static_cast<int>(step.step_case()));
  return step.GetReflection()->GetMessage(step, field);
}

// `step`'s fields in `mask` only.
std::unique_ptr<Message> Trimmed(const Message& step, const FieldMask& mask) {
  std::unique_ptr<Message> copy(step.New());
  copy->CopyFrom(step);
  FieldMaskUtil::TrimMessage(mask, copy.get());
  return copy;
}

// The mask of a decohabitation's identification: its dwelling and
// operation are its parent's, copied by relog.
FieldMask ChildMask(const FieldMask& mask) {
  FieldMask out;
  for (const std::string& path : mask.paths()) {
    if (path == "operation_id" || path == "building_id" ||
        absl::StartsWith(path, "origin.facts.")) {
      continue;
    }
    out.add_paths(path);
  }
  return out;
}

struct HouseholdResult {
  Outcome outcome = Outcome::kRejected;
  std::string case_name;
  RowError error;
  int commands = 0;  // corrections and added steps on an existing case
  // What they were, for the report: "corrected HouseholdMoved (date)".
  std::vector<std::string> changes;
};

class Importer {
 public:
  Importer(const Context& ctx, const Options& options, RequestIds ids)
      : ctx_(ctx),
        options_(options),
        ids_(std::move(ids)),
        stub_(v1::CaseService::NewStub(ctx.channel)),
        today_(FormatDay(TodayInParis())) {}

  // A household and the decohabitations of it found in the same file.
  struct Unit {
    HouseholdImport* parent = nullptr;  // null: the parent is not in the file
    std::vector<HouseholdImport*> children;
  };

  void Run(std::vector<Unit>& units) {
    std::atomic<size_t> next{0};
    std::vector<std::thread> workers;
    const int n = std::max(
        1, std::min<int>(options_.parallel, static_cast<int>(units.size())));
    for (int i = 0; i < n; ++i) {
      workers.emplace_back([&] {
        for (size_t u = next.fetch_add(1); u < units.size();
             u = next.fetch_add(1)) {
          RunUnit(units[u]);
        }
      });
    }
    for (std::thread& t : workers) t.join();
  }

  // Results by line.
  std::map<int, HouseholdResult> TakeResults() {
    absl::MutexLock lock(&mu_);
    return std::move(results_);
  }
  int64_t rpcs() const { return rpcs_.load(); }
  int64_t retries() const { return retries_.load(); }

 private:
  void Record(const HouseholdImport& h, HouseholdResult result) {
    absl::MutexLock lock(&mu_);
    results_[h.line] = std::move(result);
  }

  void RunUnit(const Unit& unit) {
    std::string parent_case;
    std::vector<HouseholdImport*> pending = unit.children;
    if (unit.parent != nullptr) {
      HouseholdResult result = Household(*unit.parent, "", &pending);
      parent_case = result.case_name;
      const bool ok = result.outcome != Outcome::kRejected;
      const int line = unit.parent->line;
      Record(*unit.parent, std::move(result));
      if (!ok) {
        for (HouseholdImport* child : pending) {
          Record(*child, Rejected(*child, "parent_tenant_reference",
                                  absl::StrCat("the household it leaves (line ",
                                               line, ") was rejected")));
        }
        return;
      }
    }
    for (HouseholdImport* child : pending) {
      std::string parent_name = parent_case;
      if (parent_name.empty()) {
        // The parent is not in this file: it was imported before.
        absl::StatusOr<std::optional<v1::Case>> parent = Lookup(*child->parent);
        if (!parent.ok() || !parent->has_value()) {
          Record(
              *child,
              Rejected(*child, "parent_tenant_reference",
                       parent.ok() ? "no case has the parent's natural key"
                                   : std::string(parent.status().message())));
          continue;
        }
        parent_name = (*parent)->name();
      }
      Record(*child, Household(*child, parent_name, nullptr));
    }
  }

  static HouseholdResult Rejected(const HouseholdImport& h, std::string column,
                                  std::string reason) {
    HouseholdResult r;
    r.outcome = Outcome::kRejected;
    r.error = {h.line, std::move(column), std::move(reason)};
    return r;
  }

  // Calls one command, retrying UNAVAILABLE and DEADLINE_EXCEEDED with the
  // same request id (DESIGN.md: retries are safe).
  grpc::Status Call(const Mutation& mutation, const Message& request,
                    v1::CaseCommandResponse* response) {
    grpc::Status status;
    for (int attempt = 0; attempt < 20; ++attempt) {
      if (attempt > 0) {
        retries_.fetch_add(1);
        absl::SleepFor(
            absl::Milliseconds(std::min(2000, 25 * attempt * attempt)));
      }
      rpcs_.fetch_add(1);
      status = mutation.call(*stub_, NewCall(ctx_).get(), request, response);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
          status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        break;
      }
    }
    return status;
  }

  // The case of a natural key, or nullopt.
  absl::StatusOr<std::optional<v1::Case>> Lookup(const NaturalKey& key) {
    v1::GetCaseRequest request;
    *request.mutable_household_key() = key.ToProto();
    grpc::Status status;
    v1::Case found;
    for (int attempt = 0; attempt < 20; ++attempt) {
      if (attempt > 0) {
        retries_.fetch_add(1);
        absl::SleepFor(absl::Milliseconds(25 * attempt * attempt));
      }
      rpcs_.fetch_add(1);
      found.Clear();
      status = stub_->GetCase(NewCall(ctx_).get(), request, &found);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
          status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        break;
      }
    }
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      return std::optional<v1::Case>();
    }
    if (!status.ok()) return ToError(status);
    return std::optional<v1::Case>(std::move(found));
  }

  static absl::Status ToError(const grpc::Status& status) {
    const api::ErrorDetails details = api::ReadErrorDetails(status);
    return absl::Status(
        static_cast<absl::StatusCode>(status.error_code()),
        absl::StrCat(status.error_message(), details.reason.empty() ? "" : " [",
                     details.reason, details.reason.empty() ? "" : "]"));
  }

  // A server refusal of `step` as a row error: the column it comes from
  // when the error names a field of it.
  HouseholdResult Refused(const HouseholdImport& h, const ImportStep& step,
                          const grpc::Status& status) {
    const api::ErrorDetails details = api::ReadErrorDetails(status);
    std::string column = ColumnOfField(step, details.field);
    std::string reason =
        absl::StrCat(step.mutation->rpc, ": ", status.error_message());
    if (!details.reason.empty()) absl::StrAppend(&reason, " [", details.reason);
    if (column.empty() && !details.field.empty()) {
      absl::StrAppend(&reason, ", field ", details.field);
    }
    if (!details.reason.empty()) absl::StrAppend(&reason, "]");
    return Rejected(h, std::move(column), std::move(reason));
  }

  // The opening of `h` as a step: IdentifyHousehold, or for a
  // decohabitation RecordDecohabitation on `parent_name`.
  ImportStep Opening(const HouseholdImport& h,
                     const std::string& parent_name) const {
    ImportStep step;
    step.kind = CaseStep::kHouseholdIdentified;
    step.day = h.identified_on;
    step.date_column = "identified_on";
    if (parent_name.empty()) {
      step.mutation = FindMutationByRpc("IdentifyHousehold");
      auto request = std::make_unique<v1::IdentifyHouseholdRequest>(h.identify);
      request->set_request_id(ids_.For(h.key, "IdentifyHousehold", ""));
      step.request = std::move(request);
    } else {
      step.mutation = FindMutationByRpc("RecordDecohabitation");
      auto request = std::make_unique<v1::RecordDecohabitationRequest>();
      request->set_name(parent_name);
      request->set_occurred_at(h.identify.occurred_at());
      *request->mutable_new_household() = h.identify.household();
      request->set_request_id(ids_.For(h.key, "RecordDecohabitation", ""));
      step.request = std::move(request);
    }
    return step;
  }

  // Sends `step` on `case_name` with its deterministic request id.
  grpc::Status Send(const HouseholdImport& h, const ImportStep& step,
                    const std::string& case_name,
                    v1::CaseCommandResponse* response) {
    Message& request = *step.request;
    SetString(request, "name", case_name);
    SetString(request, "request_id",
              ids_.For(h.key, step.mutation->rpc, ContentOf(request)));
    return Call(*step.mutation, request, response);
  }

  // One household: opened with all its steps when no case has its natural
  // key, else compared with its case (corrections, missing steps added).
  // `children`: for a new household, the decohabitations of this file to
  // open at their dates in its history (those sent are removed).
  HouseholdResult Household(HouseholdImport& h, const std::string& parent_name,
                            std::vector<HouseholdImport*>* children) {
    absl::StatusOr<std::optional<v1::Case>> found = Lookup(h.key);
    if (!found.ok()) {
      return Rejected(h, "", std::string(found.status().message()));
    }
    if (found->has_value()) return Existing(h, **found, parent_name);

    ImportStep opening = Opening(h, parent_name);
    v1::CaseCommandResponse response;
    grpc::Status status = Call(*opening.mutation, *opening.request, &response);
    if (!status.ok()) return Refused(h, opening, status);
    HouseholdResult result;
    result.case_name =
        parent_name.empty() ? response.case_().name() : response.opened_case();
    if (response.replayed()) {
      // Opened by an earlier run whose case the index did not show yet:
      // compare with it like any existing case.
      absl::StatusOr<std::optional<v1::Case>> again = Lookup(h.key);
      if (again.ok() && again->has_value()) {
        return Existing(h, **again, parent_name);
      }
    }
    // The decohabitations of this household, each at its date (before the
    // household's own steps of that day: it may move the same day).
    std::vector<HouseholdImport*> openings;
    if (children != nullptr) {
      openings = *children;
      std::stable_sort(openings.begin(), openings.end(),
                       [](const HouseholdImport* a, const HouseholdImport* b) {
                         return a->identified_on < b->identified_on;
                       });
    }
    size_t next_child = 0;
    std::vector<HouseholdImport*> opened;
    auto open_children_until = [&](std::optional<absl::CivilDay> day) {
      while (
          next_child < openings.size() &&
          (!day.has_value() || openings[next_child]->identified_on <= *day)) {
        opened.push_back(openings[next_child++]);
        HouseholdImport& child = *opened.back();
        Record(child, NewCase(child, result.case_name));
      }
    };
    for (const ImportStep& step : h.steps) {
      open_children_until(step.day);
      status = Send(h, step, result.case_name, &response);
      if (!status.ok()) {
        HouseholdResult refused = Refused(h, step, status);
        refused.case_name = result.case_name;
        if (children != nullptr) RemoveSent(children, opened);
        return refused;
      }
    }
    open_children_until(std::nullopt);
    if (children != nullptr) RemoveSent(children, opened);
    result.outcome = Outcome::kImported;
    return result;
  }

  static void RemoveSent(std::vector<HouseholdImport*>* children,
                         const std::vector<HouseholdImport*>& sent) {
    children->erase(std::remove_if(children->begin(), children->end(),
                                   [&](HouseholdImport* c) {
                                     return std::find(sent.begin(), sent.end(),
                                                      c) != sent.end();
                                   }),
                    children->end());
  }

  // A decohabitation of a household opened in this run: it cannot exist
  // yet, unless an earlier run opened it (then it is compared).
  HouseholdResult NewCase(HouseholdImport& child,
                          const std::string& parent_name) {
    return Household(child, parent_name, nullptr);
  }

  absl::StatusOr<EffectiveSteps> History(const std::string& name) {
    EffectiveSteps steps;
    v1::GetCaseHistoryRequest request;
    request.set_name(name);
    request.set_page_size(1000);
    while (true) {
      v1::GetCaseHistoryResponse page;
      rpcs_.fetch_add(1);
      grpc::Status status =
          stub_->GetCaseHistory(NewCall(ctx_).get(), request, &page);
      if (!status.ok()) return ToError(status);
      for (const v1::CaseHistoryEvent& event : page.events()) {
        if (event.has_step()) {
          steps[event.version()] = {event.step(), event.occurred_at()};
        } else if (event.has_correction()) {
          auto it = steps.find(event.correction().corrected_version());
          if (it == steps.end()) continue;
          if (event.correction().has_replacement()) {
            it->second.step = event.correction().replacement();
          }
          if (!event.correction().occurred_on().empty()) {
            it->second.occurred_on = event.correction().occurred_on();
          }
        } else if (event.has_cancellation()) {
          steps.erase(event.cancellation().cancelled_version());
        }
      }
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }
    return steps;
  }

  // The case's step a row step of `kind` stands for, or steps.end().
  static EffectiveSteps::const_iterator Match(const EffectiveSteps& steps,
                                              CaseStep::StepCase kind) {
    auto found = steps.end();
    for (auto it = steps.begin(); it != steps.end(); ++it) {
      if (it->second.step.step_case() != kind) continue;
      switch (kind) {
        case CaseStep::kCommitteeReviewed:
          // The validation, the first (offers follow from it).
          if (it->second.step.committee_reviewed().decision() ==
                  v1::CommitteeReviewed::DECISION_VALIDATED &&
              found == steps.end()) {
            found = it;
          }
          break;
        case CaseStep::kDiagnosisRecorded:
        case CaseStep::kLeaseSigned:
        case CaseStep::kHouseholdMoved:
        case CaseStep::kCaseClosed:
          found = it;  // the latest stands
          break;
        default:
          if (found == steps.end()) found = it;  // recorded once
      }
    }
    return found;
  }

  // Compares the row with its case: a correction (CorrectStep) for each
  // step whose columns or date differ, then the steps the case lacks.
  HouseholdResult Existing(HouseholdImport& h, const v1::Case& found,
                           const std::string& parent_name) {
    HouseholdResult result;
    result.case_name = found.name();
    if (!parent_name.empty() && found.parent_case() != parent_name) {
      return Rejected(
          h, "parent_tenant_reference",
          absl::StrCat("the household's case ", found.name(),
                       " is not a decohabitation of ", parent_name));
    }
    absl::StatusOr<EffectiveSteps> steps = History(found.name());
    if (!steps.ok()) {
      return Rejected(h, "", std::string(steps.status().message()));
    }
    // The identification, then each step: corrections first, in the
    // case's order, so that added steps meet the corrected history.
    struct Planned {
      const ImportStep* step;  // the row's
      EffectiveSteps::const_iterator existing;
    };
    ImportStep opening = Opening(h, parent_name);
    std::vector<Planned> planned = {{&opening, steps->find(0)}};
    for (const ImportStep& step : h.steps) {
      planned.push_back({&step, Match(*steps, step.kind)});
      for (CaseStep::StepCase exit :
           {CaseStep::kHouseholdLeft, CaseStep::kHouseholdDeceased,
            CaseStep::kHouseholdEvicted}) {
        const bool row_exit = step.kind == CaseStep::kHouseholdLeft ||
                              step.kind == CaseStep::kHouseholdDeceased ||
                              step.kind == CaseStep::kHouseholdEvicted;
        if (row_exit && exit != step.kind &&
            Match(*steps, exit) != steps->end()) {
          return Rejected(
              h, "exit",
              absl::StrCat("the case records another exit (", StepName(exit),
                           "): cancel it first, a correction "
                           "keeps the step's type"));
        }
      }
    }
    std::vector<const ImportStep*> missing;
    std::vector<std::unique_ptr<v1::CorrectStepRequest>> corrections;
    for (const Planned& p : planned) {
      if (p.existing == steps->end()) {
        missing.push_back(p.step);
        continue;
      }
      const Message& mine = StepOfRequest(*p.step->request);
      const Message& theirs = Body(p.existing->second.step);
      FieldMask mask = OwnedFields(p.step->kind);
      if (p.step->kind == CaseStep::kHouseholdIdentified &&
          !parent_name.empty()) {
        mask = ChildMask(mask);
      }
      // For a decohabitation, `mine` is RecordDecohabitation's
      // new_household (its field 5 too).
      const Message& own_source = mine;
      // Equivalent, not Equals: an empty sub-message (a correction's
      // contact with no phone) is the same as none.
      const bool same_values = MessageDifferencer::Equivalent(
          *Trimmed(own_source, mask), *Trimmed(theirs, mask));
      const std::string day = FormatDay(p.step->day);
      const bool same_day = p.existing->second.occurred_on == day;
      if (same_values && same_day) continue;
      auto request = std::make_unique<v1::CorrectStepRequest>();
      request->set_occurred_at(today_);
      v1::StepCorrected* c = request->mutable_correction();
      c->set_corrected_version(p.existing->first);
      c->set_reason(v1::CORRECTION_REASON_OTHER);
      c->set_comment("relogctl import: the file gives other values");
      if (!same_day) c->set_occurred_on(day);
      result.changes.push_back(absl::StrCat(
          "corrected ", StepName(p.step->kind), " (",
          same_values ? "" : "values", !same_values && !same_day ? ", " : "",
          same_day ? ""
                   : absl::StrCat("date ", p.existing->second.occurred_on,
                                  " -> ", day),
          ")"));
      if (!same_values) {
        CaseStep replacement = p.existing->second.step;
        const auto* field = CaseStep::descriptor()->FindFieldByNumber(
            static_cast<int>(p.step->kind));
        Message* body =
            replacement.GetReflection()->MutableMessage(&replacement, field);
        FieldMaskUtil::MergeOptions merge;
        merge.set_replace_message_fields(false);
        merge.set_replace_repeated_fields(true);
        FieldMaskUtil::MergeMessageTo(own_source, mask, merge, body);
        if (p.step->kind == CaseStep::kHouseholdIdentified) {
          // relog fills them again from the (corrected) building and date.
          auto* origin = replacement.mutable_household_identified()
                             ->mutable_origin()
                             ->mutable_facts();
          origin->clear_commune_insee();
          origin->clear_quartier_code();
        }
        if (p.step->kind == CaseStep::kHouseholdMoved) {
          replacement.mutable_household_moved()->clear_quartier_code();
        }
        *c->mutable_replacement() = std::move(replacement);
      }
      corrections.push_back(std::move(request));
    }
    const Mutation* correct = FindMutationByRpc("CorrectStep");
    for (auto& request : corrections) {
      request->set_name(found.name());
      request->set_request_id(
          ids_.For(h.key,
                   absl::StrCat("CorrectStep/",
                                request->correction().corrected_version()),
                   ContentOf(*request)));
      v1::CaseCommandResponse response;
      grpc::Status status = Call(*correct, *request, &response);
      if (!status.ok()) {
        ImportStep as_step;
        as_step.mutation = correct;
        as_step.kind = CaseStep::STEP_NOT_SET;
        for (const Planned& p : planned) {
          if (p.existing != steps->end() &&
              p.existing->first == request->correction().corrected_version()) {
            as_step.kind = p.step->kind;
            as_step.date_column = p.step->date_column;
            as_step.dwelling_prefix = p.step->dwelling_prefix;
          }
        }
        HouseholdResult refused = Refused(h, as_step, status);
        refused.case_name = found.name();
        return refused;
      }
      ++result.commands;
    }
    for (const ImportStep* step : missing) {
      if (step == &opening) continue;  // version 0 always exists
      v1::CaseCommandResponse response;
      grpc::Status status = Send(h, *step, found.name(), &response);
      if (!status.ok()) {
        HouseholdResult refused = Refused(h, *step, status);
        refused.case_name = found.name();
        return refused;
      }
      result.changes.push_back(absl::StrCat("added ", StepName(step->kind)));
      ++result.commands;
    }
    result.outcome =
        result.commands == 0 ? Outcome::kPresent : Outcome::kCorrected;
    return result;
  }

  static std::string StepName(CaseStep::StepCase kind) {
    return CaseStep::descriptor()
        ->FindFieldByNumber(static_cast<int>(kind))
        ->message_type()
        ->name();
  }

  const Context& ctx_;
  const Options& options_;
  const RequestIds ids_;
  std::unique_ptr<v1::CaseService::Stub> stub_;
  const std::string today_;
  std::atomic<int64_t> rpcs_{0}, retries_{0};
  absl::Mutex mu_;
  std::map<int, HouseholdResult> results_ ABSL_GUARDED_BY(mu_);
};

std::string DefaultSecretFile() {
  const char* config = std::getenv("XDG_CONFIG_HOME");
  if (config != nullptr && config[0] != '\0') {
    return absl::StrCat(config, "/relog/import-id.secret");
  }
  const char* home = std::getenv("HOME");
  return absl::StrCat(home == nullptr ? "." : home,
                      "/.config/relog/import-id.secret");
}

void PrintError(const RowError& e) {
  std::printf("line %d%s%s: %s\n", e.line, e.column.empty() ? "" : ", column ",
              e.column.c_str(), e.reason.c_str());
}

}  // namespace

int RunImport(const Context& ctx, const std::vector<std::string>& args) {
  Options options;
  for (const std::string& arg : args) {
    absl::string_view text = arg;
    if (!absl::ConsumePrefix(&text, "--")) {
      if (!options.file.empty()) {
        return UsageError(absl::StrCat("import: unexpected argument \"", arg,
                                       "\" (one file at a time)"));
      }
      options.file = arg;
      continue;
    }
    const size_t eq = text.find('=');
    const std::string key(text.substr(0, eq));
    const std::string value(
        eq == absl::string_view::npos ? "" : text.substr(eq + 1));
    bool ok = true;
    if (key == "parallel") {
      ok = absl::SimpleAtoi(value, &options.parallel) &&
           options.parallel >= 1 && options.parallel <= 256;
    } else if (key == "encoding") {
      absl::StatusOr<CsvEncoding> encoding = ParseEncodingName(value);
      ok = encoding.ok();
      if (ok) options.encoding = *encoding;
    } else if (key == "dry_run") {
      options.dry_run = value.empty() || value == "true";
    } else if (key == "id_secret_file") {
      options.id_secret_file = value;
      ok = !value.empty();
    } else {
      return UsageError(absl::StrCat("--", key, ": unknown flag of import"));
    }
    if (!ok) {
      return UsageError(absl::StrCat("--", key, ": bad value \"", value, "\""));
    }
  }
  if (options.file.empty()) return UsageError("import needs a FILE");
  if (options.id_secret_file.empty()) {
    options.id_secret_file = DefaultSecretFile();
  }

  std::ifstream in(options.file, std::ios::binary);
  if (!in) {
    return UsageError(absl::StrCat("import: cannot read ", options.file));
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  absl::StatusOr<CsvFile> csv = ParseCsv(bytes, options.encoding);
  if (!csv.ok()) {
    return UsageError(absl::StrCat("import: ", options.file, ": ",
                                   csv.status().message(),
                                   "; nothing imported"));
  }
  std::vector<RowError> header_errors = CheckHeader(csv->header);
  if (!header_errors.empty()) {
    for (const RowError& e : header_errors) PrintError(e);
    return UsageError(absl::StrCat("import: ", options.file,
                                   ": the header does not match the layout "
                                   "(docs/IMPORT.md); nothing imported"));
  }
  std::fprintf(stderr, "import: %s: %zu rows, %s, separator '%c'\n",
               options.file.c_str(), csv->records.size(),
               EncodingName(csv->encoding), csv->separator);

  // Every row parsed before anything is sent; a bad row rejects its
  // household only.
  const absl::Time start = absl::Now();
  const absl::CivilDay today = TodayInParis();
  std::vector<RowError> errors;
  std::vector<HouseholdImport> households;
  households.reserve(csv->records.size());
  std::map<std::string, int> line_of_key;
  for (const CsvRecord& record : csv->records) {
    if (!record.error.empty()) {
      errors.push_back({record.line, "", record.error});
      continue;
    }
    std::optional<HouseholdImport> h =
        ParseHouseholdRow(csv->header, record, today, &errors);
    if (!h.has_value()) continue;
    auto [it, inserted] = line_of_key.emplace(h->key.Canonical(), h->line);
    if (!inserted) {
      errors.push_back({h->line,
                        h->key.tenant_reference.empty()
                            ? "national_application_number"
                            : "tenant_reference",
                        absl::StrCat("the same household as line ", it->second,
                                     " (one row per household)")});
      continue;
    }
    households.push_back(std::move(*h));
  }
  // Decohabitations travel with their parent household when it is in the
  // file (its history is sent first, the new case opened at its date).
  std::map<std::string, size_t> unit_of_key;
  std::vector<Importer::Unit> units;
  for (HouseholdImport& h : households) {
    if (h.parent.has_value()) continue;
    unit_of_key[h.key.Canonical()] = units.size();
    units.push_back({&h, {}});
  }
  for (HouseholdImport& h : households) {
    if (!h.parent.has_value()) continue;
    auto it = unit_of_key.find(h.parent->Canonical());
    if (it != unit_of_key.end()) {
      units[it->second].children.push_back(&h);
    } else {
      units.push_back({nullptr, {&h}});
    }
  }
  int64_t flagged = 0;
  if (options.dry_run) {
    std::stable_sort(
        errors.begin(), errors.end(),
        [](const RowError& a, const RowError& b) { return a.line < b.line; });
    for (const RowError& e : errors) PrintError(e);
    std::set<int> rejected_lines;
    for (const RowError& e : errors) rejected_lines.insert(e.line);
    for (const HouseholdImport& h : households) flagged += h.imported_history;
    std::printf(
        "dry run: %zu households valid, %zu rejected (nothing sent)\n"
        "imported history   %lld (flagged)\n",
        households.size(), rejected_lines.size(),
        static_cast<long long>(flagged));
    return rejected_lines.empty() ? kExitOk : kExitError;
  }

  absl::StatusOr<std::string> secret =
      api::LoadOrCreateNaturalKeySecret(options.id_secret_file);
  if (!secret.ok()) {
    std::fprintf(stderr, "relogctl: import: request-id secret: %s\n",
                 std::string(secret.status().message()).c_str());
    return kExitError;
  }
  Importer importer(ctx, options, RequestIds(*std::move(secret)));
  importer.Run(units);
  std::map<int, HouseholdResult> results = importer.TakeResults();

  std::map<Outcome, int64_t> counts;
  int64_t commands_on_existing = 0;
  // A row rejected before sending: every error found in it is listed, the
  // row counts once.
  std::stable_sort(
      errors.begin(), errors.end(),
      [](const RowError& a, const RowError& b) { return a.line < b.line; });
  for (const RowError& e : errors) {
    HouseholdResult r;
    r.outcome = Outcome::kRejected;
    r.error = e;
    results.emplace(e.line, std::move(r));
  }
  std::map<int, const HouseholdImport*> by_line;
  for (const HouseholdImport& h : households) by_line[h.line] = &h;
  size_t next_error = 0;
  for (const auto& [line, r] : results) {
    bool printed = false;
    while (next_error < errors.size() && errors[next_error].line <= line) {
      PrintError(errors[next_error++]);
      printed = true;
    }
    if (r.outcome == Outcome::kRejected && !printed) {
      PrintError(r.error);
      if (!r.case_name.empty()) {
        std::printf(
            "  (its case %s keeps the steps sent before this one: "
            "fix the row and import again)\n",
            r.case_name.c_str());
      }
    }
    if (r.outcome == Outcome::kCorrected) {
      std::printf("line %d: %s %s\n", line, r.case_name.c_str(),
                  absl::StrJoin(r.changes, "; ").c_str());
    }
    ++counts[r.outcome];
    commands_on_existing += r.commands;
    if (r.outcome != Outcome::kRejected) {
      auto h = by_line.find(line);
      if (h != by_line.end() && h->second->imported_history) ++flagged;
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const int64_t done = static_cast<int64_t>(results.size());
  std::printf(
      "imported           %lld\n"
      "already present    %lld\n"
      "corrected          %lld (%lld corrections or added steps)\n"
      "rejected           %lld\n"
      "imported history   %lld (flagged: steps missing from the file)\n"
      "households         %lld in %.2f s (%.0f households/s), %lld calls, "
      "%lld retries, %d in parallel\n",
      static_cast<long long>(counts[Outcome::kImported]),
      static_cast<long long>(counts[Outcome::kPresent]),
      static_cast<long long>(counts[Outcome::kCorrected]),
      static_cast<long long>(commands_on_existing),
      static_cast<long long>(counts[Outcome::kRejected]),
      static_cast<long long>(flagged), static_cast<long long>(done), seconds,
      done / std::max(seconds, 1e-3), static_cast<long long>(importer.rpcs()),
      static_cast<long long>(importer.retries()), options.parallel);
  return counts[Outcome::kRejected] == 0 ? kExitOk : kExitError;
}

}  // namespace relog::ctl
