#include "clients/relogctl/case_commands.h"

#include <cstdio>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "clients/relogctl/case_printer.h"
#include "relog/v1/case_service.grpc.pb.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;

// --key=value flags (from `allowed`) and positional arguments; false after
// printing a usage error.
struct Args {
  std::map<std::string, std::string> flags;
  std::vector<std::string> positional;
};

bool ParseArgs(const std::vector<std::string>& args,
               const std::vector<std::string>& allowed, const char* usage,
               Args* out) {
  for (const std::string& arg : args) {
    absl::string_view text = arg;
    if (!absl::ConsumePrefix(&text, "--")) {
      out->positional.push_back(arg);
      continue;
    }
    const size_t eq = text.find('=');
    const std::string key(text.substr(0, eq));
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      UsageError(absl::StrCat("--", key, ": unknown flag\nusage: ", usage));
      return false;
    }
    out->flags[key] =
        eq == absl::string_view::npos ? "" : std::string(text.substr(eq + 1));
  }
  return true;
}

bool PageSize(const Args& args, int32_t* size) {
  auto it = args.flags.find("page_size");
  if (it == args.flags.end()) return true;
  if (!absl::SimpleAtoi(it->second, size) || *size < 0) {
    UsageError(
        absl::StrCat("--page_size: \"", it->second, "\" is not a page size"));
    return false;
  }
  return true;
}

std::string Flag(const Args& args, const std::string& key) {
  auto it = args.flags.find(key);
  return it == args.flags.end() ? "" : it->second;
}

}  // namespace

int CaseGet(const Context& ctx, const std::vector<std::string>& args) {
  constexpr char kUsage[] =
      "relogctl case get cases/ID | --reference=R | --tenant_reference=T | "
      "--dwelling_register_id=D | --national_application_number=N";
  Args parsed;
  if (!ParseArgs(args,
                 {"reference", "tenant_reference", "dwelling_register_id",
                  "national_application_number"},
                 kUsage, &parsed)) {
    return kExitUsage;
  }
  v1::GetCaseRequest request;
  if (parsed.positional.size() > 1) {
    return UsageError(absl::StrCat("one case at a time\nusage: ", kUsage));
  }
  if (!parsed.positional.empty()) {
    request.set_name(CaseName(parsed.positional[0]));
  }
  request.set_reference(Flag(parsed, "reference"));
  request.set_tenant_reference(Flag(parsed, "tenant_reference"));
  request.set_dwelling_register_id(Flag(parsed, "dwelling_register_id"));
  request.set_national_application_number(
      Flag(parsed, "national_application_number"));
  if (parsed.positional.size() + parsed.flags.size() != 1) {
    return UsageError(
        absl::StrCat("give exactly one case name or lookup\nusage: ", kUsage));
  }
  auto stub = v1::CaseService::NewStub(ctx.channel);
  v1::Case c;
  grpc::Status status = stub->GetCase(NewCall(ctx).get(), request, &c);
  if (!status.ok()) return Fail(status);
  if (ctx.json) {
    PrintJson(c);
  } else {
    std::fputs(FormatCase(c).c_str(), stdout);
  }
  return kExitOk;
}

int CaseList(const Context& ctx, const std::vector<std::string>& args) {
  constexpr char kUsage[] =
      "relogctl case list [--operation=ID] [--commune=INSEE] "
      "[--landlord=SIREN] [--state=STATE] [--reference_contains=TEXT] "
      "[--page_size=N] [--page_token=T] [--all]";
  Args parsed;
  if (!ParseArgs(args,
                 {"operation", "commune", "landlord", "state",
                  "reference_contains", "page_size", "page_token", "all"},
                 kUsage, &parsed)) {
    return kExitUsage;
  }
  if (!parsed.positional.empty()) {
    return UsageError(absl::StrCat(
        "unexpected argument \"", parsed.positional[0], "\"\nusage: ", kUsage));
  }
  v1::ListCasesRequest request;
  request.set_operation_id(Flag(parsed, "operation"));
  request.set_commune_insee(Flag(parsed, "commune"));
  request.set_landlord_id(Flag(parsed, "landlord"));
  request.set_reference_contains(Flag(parsed, "reference_contains"));
  request.set_page_token(Flag(parsed, "page_token"));
  if (const std::string state = Flag(parsed, "state"); !state.empty()) {
    v1::Case::State value;
    if (!v1::Case::State_Parse(absl::AsciiStrToUpper(state), &value)) {
      return UsageError(absl::StrCat(
          "--state: \"", state,
          "\" is not a state (identified, diagnosed, ready_for_offers, "
          "offer_pending, offer_accepted, allocated, lease_signed, rehoused, "
          "exited, closed)"));
    }
    request.set_state(value);
  }
  int32_t page_size = 0;
  if (!PageSize(parsed, &page_size)) return kExitUsage;
  request.set_page_size(page_size);
  const bool all = parsed.flags.count("all") > 0;
  auto stub = v1::CaseService::NewStub(ctx.channel);
  size_t total = 0;
  for (bool first = true;; first = false) {
    v1::ListCasesResponse response;
    grpc::Status status =
        stub->ListCases(NewCall(ctx).get(), request, &response);
    if (!status.ok()) return Fail(status);
    total += response.cases_size();
    if (ctx.json) {
      PrintJson(response);
    } else {
      std::fputs(FormatCaseList(response, first).c_str(), stdout);
    }
    if (!all || response.next_page_token().empty()) {
      if (!ctx.json) {
        std::printf("%zu case(s) at log position %lu%s\n", total,
                    static_cast<unsigned long>(response.position()),
                    response.next_page_token().empty()
                        ? ""
                        : absl::StrCat("; more with --page_token=",
                                       response.next_page_token(), " or --all")
                              .c_str());
      }
      break;
    }
    request.set_page_token(response.next_page_token());
  }
  return kExitOk;
}

int CaseHistory(const Context& ctx, const std::vector<std::string>& args) {
  constexpr char kUsage[] =
      "relogctl case history cases/ID [--page_size=N] [--page_token=T] "
      "[--all]";
  Args parsed;
  if (!ParseArgs(args, {"page_size", "page_token", "all"}, kUsage, &parsed)) {
    return kExitUsage;
  }
  if (parsed.positional.size() != 1) {
    return UsageError(absl::StrCat("give one case name\nusage: ", kUsage));
  }
  v1::GetCaseHistoryRequest request;
  request.set_name(CaseName(parsed.positional[0]));
  request.set_page_token(Flag(parsed, "page_token"));
  int32_t page_size = 0;
  if (!PageSize(parsed, &page_size)) return kExitUsage;
  request.set_page_size(page_size);
  const bool all = parsed.flags.count("all") > 0;
  auto stub = v1::CaseService::NewStub(ctx.channel);
  for (bool first = true;; first = false) {
    v1::GetCaseHistoryResponse response;
    grpc::Status status =
        stub->GetCaseHistory(NewCall(ctx).get(), request, &response);
    if (!status.ok()) return Fail(status);
    if (ctx.json) {
      PrintJson(response);
    } else {
      std::fputs(FormatHistory(response, first).c_str(), stdout);
    }
    if (!all || response.next_page_token().empty()) {
      if (!ctx.json && !response.next_page_token().empty()) {
        std::printf("more with --page_token=%s or --all\n",
                    response.next_page_token().c_str());
      }
      break;
    }
    request.set_page_token(response.next_page_token());
  }
  return kExitOk;
}

}  // namespace relog::ctl
