// relogctl: the command-line client of relogd. `relogctl help` lists the
// commands; clients/relogctl/README section "Using relogctl" of the top
// README shows a session.
//
// Human-readable output by default, proto JSON with --json. Exit codes: 0
// OK; 1 an error (it prints the server's code, message, ErrorInfo reason
// and field); 2 a usage error; 3 `log verify` found the log broken (or an
// `audit verify…` command: the log broken or not extending a checkpoint).
//
// Global flags (--server, --json, --timeout_seconds) are Abseil flags and
// may appear anywhere; every other --flag belongs to the command, which
// parses it itself (step flags come from the request descriptors).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "clients/relogctl/admin_commands.h"
#include "clients/relogctl/audit_commands.h"
#include "clients/relogctl/case_commands.h"
#include "clients/relogctl/common.h"
#include "clients/relogctl/demo.h"
#include "clients/relogctl/help.h"
#include "clients/relogctl/import_command.h"
#include "clients/relogctl/log_commands.h"
#include "clients/relogctl/mutations.h"
#include "clients/relogctl/report_commands.h"
#include "clients/relogctl/subscribe_command.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "relogd's host:port");
ABSL_FLAG(bool, json, false, "print proto JSON instead of text");
ABSL_FLAG(int, timeout_seconds, 60, "deadline of each call");

namespace relog::ctl {
namespace {

// Arguments that go to Abseil: the global flags and Abseil's own.
bool IsGlobalFlag(absl::string_view arg) {
  if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
    return false;
  }
  const absl::string_view name = arg.substr(0, arg.find('='));
  for (const char* global : {"server", "json", "nojson", "timeout_seconds",
                             "helpfull", "version", "flagfile"}) {
    if (name == global) return true;
  }
  return false;
}

int Dispatch(const Context& ctx, const std::vector<std::string>& args) {
  // The command is the leading words; a mutation's words are matched
  // longest first ("offer make" before any one-word command).
  std::vector<std::string> words;
  for (const std::string& arg : args) {
    if (absl::StartsWith(arg, "--")) break;
    words.push_back(arg);
  }
  auto rest = [&](size_t n) {
    return std::vector<std::string>(args.begin() + n, args.end());
  };
  const std::string first = words.empty() ? "" : words[0];
  const std::string two =
      words.size() >= 2 ? absl::StrCat(words[0], " ", words[1]) : first;
  if (first.empty() || first == "help" || first == "--help") {
    if (words.size() >= 2) {
      const std::string command = absl::StrJoin(rest(1), " ");
      std::string help = CommandHelp(command);
      if (help.empty()) {
        return UsageError(
            absl::StrCat("no command \"", command, "\"\n\n", Usage()));
      }
      std::fputs(help.c_str(), stdout);
      return kExitOk;
    }
    std::fputs(Usage().c_str(), first.empty() ? stderr : stdout);
    return first.empty() ? kExitUsage : kExitOk;
  }
  if (two == "log head" && args.size() == 2) return LogHead(ctx);
  if (two == "log verify" && args.size() == 2) return LogVerify(ctx);
  if (two == "case get") return CaseGet(ctx, rest(2));
  if (two == "case list") return CaseList(ctx, rest(2));
  if (two == "case history") return CaseHistory(ctx, rest(2));
  if (first == "demo") return RunDemo(ctx, rest(1));
  if (first == "import") return RunImport(ctx, rest(1));
  if (first == "report") return ReportCommand(ctx, rest(1));
  if (first == "subscribe") return Subscribe(ctx, rest(1));
  if (first == "audit") return AuditCommand(ctx, rest(1));
  if (first == "admin") return AdminCommand(ctx, rest(1));
  if (two == "projections list") return ProjectionsList(ctx, rest(2));
  if (two == "projections rebuild") return ProjectionsRebuild(ctx, rest(2));
  for (const Mutation& m : Mutations()) {
    const std::string command = m.command;
    const size_t n = command.find(' ') == std::string::npos ? 1 : 2;
    if ((n == 1 ? first : two) == command) return RunMutation(ctx, m, rest(n));
  }
  return UsageError(absl::StrCat("unknown command \"",
                                 absl::StrJoin(words, " "), "\"\n\n", Usage()));
}

}  // namespace
}  // namespace relog::ctl

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(relog::ctl::Usage());
  std::vector<char*> globals = {argv[0]};
  std::vector<std::string> command;
  for (int i = 1; i < argc; ++i) {
    if (relog::ctl::IsGlobalFlag(argv[i])) {
      globals.push_back(argv[i]);
    } else {
      command.emplace_back(argv[i]);
    }
  }
  absl::ParseCommandLine(static_cast<int>(globals.size()), globals.data());
  relog::ctl::Context ctx;
  ctx.channel = grpc::CreateChannel(absl::GetFlag(FLAGS_server),
                                    grpc::InsecureChannelCredentials());
  ctx.json = absl::GetFlag(FLAGS_json);
  ctx.timeout =
      absl::Seconds(std::max(1, absl::GetFlag(FLAGS_timeout_seconds)));
  return relog::ctl::Dispatch(ctx, command);
}
