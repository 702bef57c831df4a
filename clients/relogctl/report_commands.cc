#include "clients/relogctl/report_commands.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "clients/relogctl/step_flags.h"
#include "relog/v1/reports.grpc.pb.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;

// Flags that take a value; decimal_comma is the one boolean.
constexpr const char* kValueFlags[] = {"year",
                                       "from",
                                       "to",
                                       "operation",
                                       "site",
                                       "landlord",
                                       "commune",
                                       "body",
                                       "known_at",
                                       "min_position",
                                       "rent_increase_threshold",
                                       "csv",
                                       "separator",
                                       "table"};
constexpr char kBoolFlag[] = "decimal_comma";

absl::Status FlagError(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

bool IsValueFlag(absl::string_view name) {
  for (const char* flag : kValueFlags) {
    if (name == flag) return true;
  }
  return false;
}

// A strict YYYY-MM-DD civil day.
bool ParseDay(absl::string_view text, absl::CivilDay* day) {
  return text.size() == 10 && absl::ParseCivilTime(text, day) &&
         FormatDay(*day) == text;
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  const int64_t seconds = absl::ToUnixSeconds(t);  // rounds down
  google::protobuf::Timestamp out;
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) /
                                     absl::Nanoseconds(1)));
  return out;
}

bool LoadParis(absl::TimeZone* paris) {
  return absl::LoadTimeZone("Europe/Paris", paris);
}

// The tables whose id is `id`; false when there is none.
bool KeepTable(const std::string& id, v1::Report* report) {
  auto* tables = report->mutable_tables();
  for (int i = tables->size() - 1; i >= 0; --i) {
    if (tables->Get(i).id() != id) tables->DeleteSubrange(i, 1);
  }
  return !tables->empty();
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  const std::string temporary = path + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create ", temporary));
  }
  const bool written =
      std::fwrite(content.data(), 1, content.size(), file) == content.size();
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    std::remove(temporary.c_str());
    return absl::InternalError(absl::StrCat("cannot write ", temporary));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return absl::InternalError(absl::StrCat("cannot rename into ", path));
  }
  return absl::OkStatus();
}

int ExpectNoArgs(const std::vector<std::string>& args, const char* usage) {
  if (args.empty()) return kExitOk;
  return UsageError(
      absl::StrCat(absl::StartsWith(args[0], "--")
                       ? absl::StrCat(args[0], ": unknown flag")
                       : absl::StrCat("unexpected argument \"", args[0], "\""),
                   "\nusage: ", usage));
}

}  // namespace

const char kReportUsage[] =
    "relogctl report NAME [--year=Y | --from=YYYY-MM-DD --to=YYYY-MM-DD]\n"
    "    [--operation=ID] [--site=S] [--landlord=ID] [--commune=INSEE] "
    "[--body=ID]\n"
    "    [--known_at=RFC3339|YYYY-MM-DD] [--min_position=N] "
    "[--rent_increase_threshold=EUROS]\n"
    "    [--table=ID] [--csv=DIR [--separator=';'|','] [--decimal_comma]]";

std::string ReportHelp() {
  return absl::StrCat(
      kReportUsage,
      "\n  One report of docs/REPORTS.md (Reports.GetReport). NAME: ",
      absl::StrJoin(ReportNames(), ", "),
      ".\n\n"
      "  --year=Y                 a calendar year (default: the current "
      "year)\n"
      "  --from=D --to=D          or the period [from, to), civil days\n"
      "  --operation= --site= --landlord= --commune= --body=\n"
      "                           filters (AND); --body is a coordination "
      "body\n"
      "  --known_at=T             as known at T: RFC 3339, or YYYY-MM-DD "
      "for the end of\n"
      "                           that day in Europe/Paris (default: now)\n"
      "  --min_position=N         wait until the report reflects log "
      "position N\n"
      "  --rent_increase_threshold=EUROS\n"
      "                           quality: the rise of reste à charge that "
      "counts\n"
      "  --table=ID               only that table\n"
      "  --csv=DIR                write DIR/NAME-<table id>.csv per table "
      "(UTF-8 with BOM,\n"
      "                           CRLF, a key/value preamble, an empty line, "
      "then the\n"
      "                           column ids and the rows) and list the "
      "files\n"
      "  --separator=';'          the CSV separator (default ',')\n"
      "  --decimal_comma          decimals as 12,5 (needs "
      "--separator=';')\n"
      "  --json                   the Report as proto JSON (not with "
      "--csv)\n\n"
      "relogctl projections list\n"
      "  Every projection's checkpoint, lag behind the log, and failure "
      "(exit 1 if one\n  failed).\n"
      "relogctl projections rebuild [NAME]\n"
      "  Rebuilds NAME (default: every projection) from position 0 beside "
      "the live view,\n  then swaps it in; raise --timeout_seconds for a "
      "long log.\n");
}

absl::StatusOr<google::protobuf::Timestamp> ParseKnownAt(absl::string_view text,
                                                         absl::TimeZone paris) {
  absl::CivilDay day;
  if (ParseDay(text, &day)) {
    return ToTimestamp(absl::FromCivil(day + 1, paris) - absl::Nanoseconds(1));
  }
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return FlagError("known_at",
                     absl::StrCat("\"", text,
                                  "\" is neither RFC 3339 "
                                  "(2024-06-30T12:00:00Z) nor YYYY-MM-DD"));
  }
  return ToTimestamp(t);
}

absl::StatusOr<ReportArgs> ParseReportArgs(const std::vector<std::string>& args,
                                           absl::CivilDay today,
                                           absl::TimeZone paris) {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
  for (const std::string& arg : args) {
    absl::string_view text = arg;
    if (!absl::ConsumePrefix(&text, "--")) {
      positional.push_back(arg);
      continue;
    }
    const size_t eq = text.find('=');
    const std::string name(text.substr(0, eq));
    const bool has_value = eq != absl::string_view::npos;
    const std::string value =
        has_value ? std::string(text.substr(eq + 1)) : std::string();
    if (!IsValueFlag(name) && name != kBoolFlag) {
      return FlagError(name, "unknown flag");
    }
    if (IsValueFlag(name) && !has_value) {
      return FlagError(name, "needs a value (--flag=value)");
    }
    if (!flags.emplace(name, value).second) {
      return FlagError(name, "given twice");
    }
  }
  if (positional.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("name a report: ", absl::StrJoin(ReportNames(), ", ")));
  }
  if (positional.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", positional[1], "\""));
  }
  const std::optional<v1::ReportKind> kind = ParseReportName(positional[0]);
  if (!kind.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no report \"", positional[0],
                     "\" (one of: ", absl::StrJoin(ReportNames(), ", "), ")"));
  }
  auto flag = [&flags](const char* name) -> const std::string* {
    auto it = flags.find(name);
    return it == flags.end() ? nullptr : &it->second;
  };

  ReportArgs out;
  v1::GetReportRequest& request = out.request;
  request.set_report(*kind);

  // The period.
  const std::string* year = flag("year");
  const std::string* from = flag("from");
  const std::string* to = flag("to");
  if (year != nullptr && (from != nullptr || to != nullptr)) {
    return FlagError("year", "give --year or --from/--to, not both");
  }
  if ((from == nullptr) != (to == nullptr)) {
    return FlagError(from == nullptr ? "to" : "from",
                     "--from and --to go together");
  }
  if (from != nullptr) {
    absl::CivilDay from_day;
    absl::CivilDay to_day;
    if (!ParseDay(*from, &from_day)) {
      return FlagError("from",
                       absl::StrCat("\"", *from, "\" is not YYYY-MM-DD"));
    }
    if (!ParseDay(*to, &to_day)) {
      return FlagError("to", absl::StrCat("\"", *to, "\" is not YYYY-MM-DD"));
    }
    if (to_day <= from_day) {
      return FlagError("to", "must be after --from (the period is [from, to))");
    }
    request.mutable_period()->set_from(*from);
    request.mutable_period()->set_to(*to);
  } else {
    int32_t y = static_cast<int32_t>(today.year());
    if (year != nullptr &&
        (!absl::SimpleAtoi(*year, &y) || y < 1000 || y > 9999)) {
      return FlagError("year", absl::StrCat("\"", *year, "\" is not a year"));
    }
    request.set_year(y);
  }

  // The filters.
  v1::ReportFilters& filters = *request.mutable_filters();
  struct FilterFlag {
    const char* flag;
    std::string* field;
  };
  const FilterFlag filter_flags[] = {
      {"operation", filters.mutable_operation_id()},
      {"site", filters.mutable_site()},
      {"landlord", filters.mutable_landlord_id()},
      {"commune", filters.mutable_commune_insee()},
      {"body", filters.mutable_coordination_body_id()},
  };
  for (const FilterFlag& filter : filter_flags) {
    if (const std::string* value = flag(filter.flag)) {
      if (value->empty()) return FlagError(filter.flag, "needs a value");
      *filter.field = *value;
    }
  }
  if (FormatFilters(filters).empty()) request.clear_filters();

  if (const std::string* value = flag("known_at")) {
    absl::StatusOr<google::protobuf::Timestamp> known_at =
        ParseKnownAt(*value, paris);
    if (!known_at.ok()) return known_at.status();
    *request.mutable_known_at() = *known_at;
  }
  if (const std::string* value = flag("min_position")) {
    uint64_t position = 0;
    if (!absl::SimpleAtoi(*value, &position)) {
      return FlagError("min_position",
                       absl::StrCat("\"", *value, "\" is not a log position"));
    }
    request.set_min_position(position);
  }
  if (const std::string* value = flag("rent_increase_threshold")) {
    if (*kind != v1::REPORT_KIND_QUALITY) {
      return FlagError("rent_increase_threshold",
                       "only for the quality report");
    }
    absl::StatusOr<int64_t> cents = ParseEuros(*value);
    if (!cents.ok()) {
      return FlagError("rent_increase_threshold",
                       absl::StrCat("\"", *value,
                                    "\" is not an amount in euros (e.g. 20 or "
                                    "12.50)"));
    }
    request.set_rent_increase_threshold_cents(*cents);
  }

  // Output.
  if (const std::string* value = flag("table")) {
    if (value->empty()) return FlagError("table", "needs a table id");
    out.table = *value;
  }
  if (const std::string* value = flag("csv")) {
    if (value->empty()) return FlagError("csv", "needs a directory");
    out.csv_dir = *value;
  }
  if (const std::string* value = flag("separator")) {
    if (out.csv_dir.empty()) return FlagError("separator", "only with --csv");
    if (*value == ";" || *value == "semicolon") {
      out.csv.separator = ';';
    } else if (*value == "," || *value == "comma") {
      out.csv.separator = ',';
    } else {
      return FlagError("separator",
                       absl::StrCat("\"", *value, "\" is not ';' or ','"));
    }
  }
  if (const std::string* value = flag(kBoolFlag)) {
    const std::string lower = absl::AsciiStrToLower(*value);
    if (lower.empty() || lower == "true") {
      out.csv.decimal_comma = true;
    } else if (lower != "false") {
      return FlagError(kBoolFlag,
                       absl::StrCat("\"", *value, "\" is not true or false"));
    }
    if (out.csv.decimal_comma && out.csv_dir.empty()) {
      return FlagError(kBoolFlag, "only with --csv");
    }
    if (out.csv.decimal_comma && out.csv.separator != ';') {
      return FlagError(kBoolFlag,
                       "needs --separator=';' (a comma separates the fields)");
    }
  }
  return out;
}

absl::StatusOr<std::vector<CsvAnnex>> WriteCsvAnnexes(
    const v1::Report& report, const std::string& dir,
    const CsvOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", error.message()));
  }
  std::vector<CsvAnnex> out;
  std::set<std::string> names;
  for (const v1::ReportTable& table : report.tables()) {
    std::string name = CsvFileName(report, table);
    if (!names.insert(name).second) {
      const std::string stem = name.substr(0, name.size() - 4);  // ".csv"
      for (int n = 2;; ++n) {
        name = absl::StrCat(stem, "-", n, ".csv");
        if (names.insert(name).second) break;
      }
    }
    const std::string path = (std::filesystem::path(dir) / name).string();
    absl::Status status = WriteFile(path, TableCsv(report, table, options));
    if (!status.ok()) return status;
    out.push_back(CsvAnnex{path, table.rows_size()});
  }
  return out;
}

int ReportCommand(const Context& ctx, const std::vector<std::string>& args) {
  absl::TimeZone paris;
  if (!LoadParis(&paris)) {
    std::fprintf(stderr,
                 "relogctl: cannot load the time zone Europe/Paris (is "
                 "tzdata installed?)\n");
    return kExitError;
  }
  absl::StatusOr<ReportArgs> parsed =
      ParseReportArgs(args, absl::ToCivilDay(absl::Now(), paris), paris);
  if (!parsed.ok()) {
    return UsageError(
        absl::StrCat(parsed.status().message(), "\nusage: ", kReportUsage));
  }
  if (ctx.json && !parsed->csv_dir.empty()) {
    return UsageError("--csv: not with --json (choose one output)");
  }
  auto stub = v1::Reports::NewStub(ctx.channel);
  v1::Report report;
  grpc::Status status =
      stub->GetReport(NewCall(ctx).get(), parsed->request, &report);
  if (!status.ok()) return Fail(status);
  if (!parsed->table.empty()) {
    std::vector<std::string> ids;
    for (const v1::ReportTable& table : report.tables()) {
      ids.push_back(table.id());
    }
    if (!KeepTable(parsed->table, &report)) {
      return UsageError(absl::StrCat(
          "--table: no table \"", parsed->table, "\" in ",
          ReportName(report.report()),
          ids.empty()
              ? " (it has no table)"
              : absl::StrCat(" (tables: ", absl::StrJoin(ids, ", "), ")")));
    }
  }
  if (!parsed->csv_dir.empty()) {
    absl::StatusOr<std::vector<CsvAnnex>> annexes =
        WriteCsvAnnexes(report, parsed->csv_dir, parsed->csv);
    if (!annexes.ok()) {
      std::fprintf(stderr, "relogctl: %s\n",
                   std::string(annexes.status().message()).c_str());
      return kExitError;
    }
    for (const CsvAnnex& annex : *annexes) {
      std::printf("%s\t%d row(s)\n", annex.path.c_str(), annex.rows);
    }
    std::printf("%zu file(s) at log position %lu\n", annexes->size(),
                static_cast<unsigned long>(report.position()));
    return kExitOk;
  }
  if (ctx.json) {
    PrintJson(report);
  } else {
    std::fputs(FormatReport(report).c_str(), stdout);
  }
  return kExitOk;
}

int ProjectionsList(const Context& ctx, const std::vector<std::string>& args) {
  if (int code = ExpectNoArgs(args, "relogctl projections list"); code != 0) {
    return code;
  }
  auto stub = v1::Reports::NewStub(ctx.channel);
  v1::ListProjectionsResponse response;
  grpc::Status status = stub->ListProjections(
      NewCall(ctx).get(), v1::ListProjectionsRequest(), &response);
  if (!status.ok()) return Fail(status);
  if (ctx.json) {
    PrintJson(response);
  } else {
    std::fputs(
        FormatProjections(response.projections(), response.log_position())
            .c_str(),
        stdout);
    std::printf("log position %lu\n",
                static_cast<unsigned long>(response.log_position()));
  }
  return AnyProjectionFailed(response.projections()) ? kExitError : kExitOk;
}

int ProjectionsRebuild(const Context& ctx,
                       const std::vector<std::string>& args) {
  constexpr char kUsage[] = "relogctl projections rebuild [NAME]";
  v1::RebuildProjectionRequest request;
  for (const std::string& arg : args) {
    if (absl::StartsWith(arg, "--")) {
      return UsageError(absl::StrCat(arg, ": unknown flag\nusage: ", kUsage));
    }
    if (!request.name().empty()) {
      return UsageError(
          absl::StrCat("one projection at a time (or none for "
                       "all)\nusage: ",
                       kUsage));
    }
    request.set_name(arg);
  }
  auto stub = v1::Reports::NewStub(ctx.channel);
  v1::RebuildProjectionResponse response;
  grpc::Status status =
      stub->RebuildProjection(NewCall(ctx).get(), request, &response);
  if (!status.ok()) return Fail(status);
  if (ctx.json) {
    PrintJson(response);
  } else {
    std::printf("rebuilt %d projection(s):\n", response.projections_size());
    std::fputs(FormatProjections(response.projections(), 0).c_str(), stdout);
  }
  return AnyProjectionFailed(response.projections()) ? kExitError : kExitOk;
}

}  // namespace relog::ctl
