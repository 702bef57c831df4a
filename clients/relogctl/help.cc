#include "clients/relogctl/help.h"

#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/relogctl/audit_commands.h"
#include "clients/relogctl/case_printer.h"
#include "clients/relogctl/events_doc.h"
#include "clients/relogctl/mutations.h"
#include "clients/relogctl/report_commands.h"
#include "clients/relogctl/step_flags.h"
#include "clients/relogctl/subscribe_command.h"
#include "google/protobuf/descriptor.pb.h"

// From the build (embed_file.cmake): a FileDescriptorSet of the relog.v1
// protos with their comments.
extern const unsigned char relogctl_descriptors[];
extern const size_t relogctl_descriptors_size;

namespace relog::ctl {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;

const DescriptorPool* CommentedPool() {
  static const DescriptorPool* const pool = [] {
    auto* p = new DescriptorPool();
    google::protobuf::FileDescriptorSet set;
    if (set.ParseFromArray(relogctl_descriptors,
                           static_cast<int>(relogctl_descriptors_size))) {
      for (const auto& file : set.file()) (void)p->BuildFile(file);
    }
    return p;
  }();
  return pool;
}

constexpr char kCommonFlags[] =
    "  --request_id=UUID        the request's id (default: a new UUIDv4, "
    "printed: retry with it)\n"
    "  --expected_version=N     fail with ABORTED if the case moved on\n"
    "  --occurred_at=YYYY-MM-DD the business date (default: today, "
    "Europe/Paris)\n"
    "  --body_json=JSON         the step as proto JSON (flags below apply "
    "on top)\n";

std::string MutationHelp(const Mutation& m) {
  std::string out = absl::StrCat(
      "relogctl ", m.command, m.needs_case_name() ? " cases/ID" : "",
      " [FLAGS]\n  ", m.summary, " (CaseService.", m.rpc, ")\n\n",
      "common flags:\n", kCommonFlags, "\nstep flags (",
      m.body_field()->message_type()->name(),
      "; a unique suffix of a path works too, e.g. --commune_insee):\n");
  Table table({"FLAG", "TYPE", "MEANING"});
  for (const FieldFlag& flag : ListFieldFlags(m.body_field()->message_type())) {
    std::string name = "--" + flag.path;
    std::string type = DescribeFieldType(flag.field());
    if (flag.has_euro_alias()) {
      name += absl::StrCat(" | --", flag.path.substr(0, flag.path.size() - 6));
      type += " cents | euros";
    }
    table.AddRow({name, type, FieldComment(flag.field())});
  }
  out += table.Render(2);
  out +=
      "\nrepeated values: comma-separated (--reasons=location,rent_too_high);"
      "\nenums: the short lowercase name (--typology=t3); bools: "
      "--flag=true|false;\namounts: --x_cents=41250 or --x=412.50 (euros).\n";
  return out;
}

}  // namespace

namespace {

// A comment on one line: leading, else trailing; "" when none.
std::string OneLine(const google::protobuf::SourceLocation& location) {
  std::string text = location.leading_comments.empty()
                         ? location.trailing_comments
                         : location.leading_comments;
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) lines.emplace_back(line);
  }
  return absl::StrJoin(lines, " ");
}

}  // namespace

std::string FieldComment(const FieldDescriptor* field) {
  const auto* message = CommentedPool()->FindMessageTypeByName(
      field->containing_type()->full_name());
  if (message == nullptr) return "";
  const FieldDescriptor* commented = message->FindFieldByName(field->name());
  if (commented == nullptr) return "";
  google::protobuf::SourceLocation location;
  if (!commented->GetSourceLocation(&location)) return "";
  return OneLine(location);
}

std::string MessageComment(const google::protobuf::Descriptor* message) {
  const auto* commented =
      CommentedPool()->FindMessageTypeByName(message->full_name());
  google::protobuf::SourceLocation location;
  if (commented == nullptr || !commented->GetSourceLocation(&location)) {
    return "";
  }
  return OneLine(location);
}

std::string EnumValueComment(
    const google::protobuf::EnumValueDescriptor* value) {
  const auto* commented =
      CommentedPool()->FindEnumValueByName(value->full_name());
  google::protobuf::SourceLocation location;
  if (commented == nullptr || !commented->GetSourceLocation(&location)) {
    return "";
  }
  return OneLine(location);
}

std::string Usage() {
  std::string out =
      "relogctl [--server=HOST:PORT] [--json] [--timeout_seconds=N] COMMAND "
      "[ARGS]\n"
      "Global flags may come anywhere on the line.\n\n"
      "queries:\n"
      "  case get cases/ID | --reference=R | --tenant_reference=T |\n"
      "           --dwelling_register_id=D | --national_application_number=N\n"
      "  case list [--operation= --commune= --landlord= --state= "
      "--reference_contains=\n"
      "             --page_size= --page_token=] [--all]\n"
      "  case history cases/ID [--page_size= --page_token=] [--all]\n"
      "  log head      the last position of the log and its global hash\n"
      "  log verify    walk both hash chains and the indexes\n\n"
      "administration:\n"
      "  admin backup DIR   relogd copies its database into DIR (an absolute "
      "path on\n"
      "                     its machine), online; prints the position it "
      "holds\n\n"
      "audit (relogctl help audit):\n"
      "  audit checkpoint [--out=FILE]   relogd signs its head now\n"
      "  audit public-key [--out=FILE]   the checkpoints' Ed25519 key\n"
      "  audit verify                    = log verify\n"
      "  audit verify-checkpoint FILE [--public-key=KEY.pem]\n"
      "                the log still extends that checkpoint\n"
      "  audit export --out=FILE [--case=cases/ID]\n"
      "                for relog-verify or verify_export.py\n"
      "  audit replay cases/ID [--known_at=T]\n"
      "                the case event by event, as known at T\n\n"
      "back-office feeds (relogctl help subscribe):\n"
      "  subscribe [--after=N | --from_now] [--position_file=FILE] "
      "[--type=T]...\n"
      "            [--operation=ID]... [--commune=INSEE]... "
      "[--landlord=SIREN]...\n"
      "            [--until_caught_up] [--json]\n"
      "                the case events as they are committed\n\n"
      "reports (relogctl help report):\n"
      "  report NAME [--year=Y | --from=D --to=D] [--operation= --site= "
      "--landlord=\n"
      "              --commune= --body=] [--known_at=T] [--min_position=N] "
      "[--table=ID]\n"
      "              [--csv=DIR [--separator=';'] [--decimal_comma]]\n"
      "              NAME: progress, landlord-reciprocity, "
      "commune-reciprocity,\n"
      "              commitments, new-build, quality, delays, offers\n"
      "  projections list           checkpoints and health (exit 1 if one "
      "failed)\n"
      "  projections rebuild [NAME] rebuild from position 0, then swap in\n\n"
      "steps (relogctl help COMMAND lists a command's flags):\n";
  Table table({"COMMAND", "RPC", "WHAT"});
  for (const Mutation& m : Mutations()) {
    table.AddRow(
        {absl::StrCat(m.command, m.needs_case_name() ? " cases/ID" : ""), m.rpc,
         m.summary});
  }
  out += table.Render(2);
  out +=
      "\nimport FILE [--parallel=8] [--encoding=auto|utf-8|windows-1252] "
      "[--dry_run]\n"
      "              households from a CSV file (relogctl help import)\n"
      "demo --households=N [--seed=S] [--in_flight=64] "
      "[--reference_dir=deploy/reference/mel]\n"
      "              a synthetic dataset through the public API\n"
      "help [COMMAND]\n"
      "help events   every case event type, its fields and data classes "
      "(docs/EVENTS.md)\n\n"
      "exit codes: 0 ok, 1 error, 2 usage, 3 the log is broken\n";
  return out;
}

std::string CommandHelp(absl::string_view command) {
  for (const Mutation& m : Mutations()) {
    if (command == m.command || command == m.rpc) return MutationHelp(m);
  }
  if (command == "demo") {
    return "relogctl demo --households=N [--seed=1] [--in_flight=64]\n"
           "              [--reference_dir=deploy/reference/mel]\n"
           "  Builds a synthetic dataset through CaseService only: N "
           "households spread over\n  the sample's operations, with offers, "
           "refusals, legal procedures, CAL\n  decisions, temporary "
           "rehousings, decohabitations, exits, follow-ups,\n  corrections "
           "and closures, dated from 2018 up to today. Deterministic for\n"
           "  a seed: rerunning the same seed replays the same request ids.\n"
           "  --dry_run plans without a server and prints the shares.\n";
  }
  if (command == "import") {
    return "relogctl import FILE [--parallel=8] "
           "[--encoding=auto|utf-8|windows-1252]\n"
           "                [--dry_run] [--id_secret_file=PATH]\n"
           "  Loads households from a CSV file, one row per household "
           "(layout: docs/IMPORT.md),\n  through the same commands as "
           "interactive use. ';' or ',' separators, UTF-8 or\n  "
           "Windows-1252, decimal commas, dd/mm/yyyy dates. A household is "
           "found by its\n  natural key (landlord + tenant reference, or "
           "national number): importing a\n  file twice changes nothing, a "
           "corrected file records corrections. A bad row\n  is reported "
           "with its line, column and reason and rejects that household "
           "only.\n"
           "  --parallel=N        households in flight at once (default 8)\n"
           "  --dry_run           check the rows, send nothing\n"
           "  --id_secret_file=F  the secret request ids derive from "
           "(default\n"
           "                      ~/.config/relog/import-id.secret, created "
           "if missing)\n"
           "  exit 0: no row rejected; 1: some rejected (the others "
           "imported); 2: usage or\n  unreadable file (nothing sent).\n";
  }
  if (absl::StartsWith(command, "audit")) return AuditHelp();
  if (command == "subscribe") return SubscribeHelp();
  if (command == "admin" || command == "admin backup") return Usage();
  if (command == "events") return RenderEventsMarkdown() + "\n";
  if (command == "report" || command == "projections" ||
      command == "projections list" || command == "projections rebuild") {
    return ReportHelp();
  }
  if (command == "case get" || command == "case list" ||
      command == "case history" || command == "case" || command == "log" ||
      command == "log head" || command == "log verify") {
    return Usage();
  }
  return "";
}

}  // namespace relog::ctl
