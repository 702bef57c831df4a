// The formatting and flag parsing of `relogctl report` and `projections`:
// no server needed.
#include "clients/relogctl/report_format.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/relogctl/report_commands.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relog::ctl {
namespace {

namespace v1 = ::relog::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::Decimal Dec(int64_t units, int32_t scale) {
  v1::Decimal d;
  d.set_units(units);
  d.set_scale(scale);
  return d;
}

v1::ReportCell TextCell(const std::string& text) {
  v1::ReportCell c;
  c.set_text(text);
  return c;
}
v1::ReportCell IntCell(int64_t value) {
  v1::ReportCell c;
  c.set_integer(value);
  return c;
}
v1::ReportCell DecCell(int64_t units, int32_t scale) {
  v1::ReportCell c;
  *c.mutable_decimal() = Dec(units, scale);
  return c;
}

void AddColumn(v1::ReportTable* table, const std::string& id,
               const std::string& title, v1::ReportColumn::Kind kind) {
  v1::ReportColumn* c = table->add_columns();
  c->set_id(id);
  c->set_title(title);
  c->set_kind(kind);
}

void AddRow(v1::ReportTable* table, std::vector<v1::ReportCell> cells) {
  v1::ReportRow* row = table->add_rows();
  for (auto& cell : cells) *row->add_cells() = std::move(cell);
}

// A landlord-reciprocity-like matrix in long form: origin × receiving
// landlord, households.
v1::ReportTable ReciprocityTable() {
  v1::ReportTable t;
  t.set_id("matrix");
  t.set_title("Origin landlord × receiving landlord");
  AddColumn(&t, "origin", "Origin", v1::ReportColumn::KIND_TEXT);
  AddColumn(&t, "receiving", "Receiving", v1::ReportColumn::KIND_TEXT);
  AddColumn(&t, "households", "Households", v1::ReportColumn::KIND_INTEGER);
  AddRow(&t, {TextCell("Vilogia"), TextCell("LMH"), IntCell(3)});
  AddRow(&t, {TextCell("Vilogia"), TextCell("Vilogia"), IntCell(2)});
  AddRow(&t, {TextCell("LMH"), TextCell("Vilogia"), IntCell(1)});
  AddRow(&t, {TextCell("Partenord"), TextCell("LMH"), IntCell(10)});
  t.mutable_matrix()->set_row_column("origin");
  t.mutable_matrix()->set_column_column("receiving");
  t.mutable_matrix()->set_value_column("households");
  t.add_notes("decohabitations counted once per new case");
  return t;
}

v1::Report SampleReport() {
  v1::Report r;
  r.set_report(v1::REPORT_KIND_LANDLORD_RECIPROCITY);
  r.set_definitions_version("v1");
  r.set_position(1234);
  r.set_head_hash(std::string("\x01\xab\xff", 3));
  r.mutable_period()->set_from("2024-01-01");
  r.mutable_period()->set_to("2025-01-01");
  r.mutable_filters()->set_operation_id("OP-ROU-ALMA");
  r.set_reference_sha256(
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  *r.add_tables() = ReciprocityTable();
  v1::ReportTable* rates = r.add_tables();
  rates->set_id("rates");
  rates->set_title("Rates");
  AddColumn(rates, "label", "Label", v1::ReportColumn::KIND_TEXT);
  AddColumn(rates, "share_pct", "Share %", v1::ReportColumn::KIND_PERCENT);
  AddColumn(rates, "median_days", "Median days", v1::ReportColumn::KIND_DAYS);
  AddColumn(rates, "rent", "Rent €", v1::ReportColumn::KIND_EUROS);
  AddRow(rates, {TextCell("Lille; centre"), DecCell(667, 1), DecCell(285, 1),
                 DecCell(41250, 2)});
  AddRow(rates, {TextCell("say \"hi\""), v1::ReportCell(), DecCell(5, 1),
                 DecCell(-5, 2)});
  return r;
}

absl::TimeZone Paris() {
  absl::TimeZone paris;
  if (!absl::LoadTimeZone("Europe/Paris", &paris)) {
    paris = absl::FixedTimeZone(3600);
  }
  return paris;
}

// ---- Cells ----

TEST(ReportFormatTest, DecimalsKeepExactlyTheirScale) {
  EXPECT_EQ(FormatDecimal(Dec(667, 1)), "66.7");
  EXPECT_EQ(FormatDecimal(Dec(285, 1)), "28.5");
  EXPECT_EQ(FormatDecimal(Dec(41250, 2)), "412.50");
  EXPECT_EQ(FormatDecimal(Dec(1000, 1)), "100.0");
  EXPECT_EQ(FormatDecimal(Dec(0, 1)), "0.0");
  EXPECT_EQ(FormatDecimal(Dec(5, 3)), "0.005");
  EXPECT_EQ(FormatDecimal(Dec(-5, 2)), "-0.05");
  EXPECT_EQ(FormatDecimal(Dec(-41250, 2)), "-412.50");
  EXPECT_EQ(FormatDecimal(Dec(12, 0)), "12");
  EXPECT_EQ(FormatDecimal(Dec(12, -2)), "1200");
  EXPECT_EQ(FormatDecimal(Dec(667, 1), ','), "66,7");
  EXPECT_EQ(FormatDecimal(Dec(std::numeric_limits<int64_t>::min(), 2)),
            "-92233720368547758.08");
}

TEST(ReportFormatTest, CellText) {
  EXPECT_EQ(CellText(TextCell("LMH")), "LMH");
  EXPECT_EQ(CellText(IntCell(-42)), "-42");
  EXPECT_EQ(CellText(DecCell(285, 1), ','), "28,5");
  EXPECT_EQ(CellText(v1::ReportCell()), "");
}

TEST(ReportFormatTest, ReportNamesMapToKinds) {
  EXPECT_EQ(ParseReportName("progress"), v1::REPORT_KIND_PROGRESS);
  EXPECT_EQ(ParseReportName("landlord-reciprocity"),
            v1::REPORT_KIND_LANDLORD_RECIPROCITY);
  EXPECT_EQ(ParseReportName("commune-reciprocity"),
            v1::REPORT_KIND_COMMUNE_RECIPROCITY);
  EXPECT_EQ(ParseReportName("commitments"), v1::REPORT_KIND_COMMITMENTS);
  EXPECT_EQ(ParseReportName("new-build"), v1::REPORT_KIND_NEW_BUILD);
  EXPECT_EQ(ParseReportName("quality"), v1::REPORT_KIND_QUALITY);
  EXPECT_EQ(ParseReportName("delays"), v1::REPORT_KIND_DELAYS);
  EXPECT_EQ(ParseReportName("offers"), v1::REPORT_KIND_OFFERS);
  EXPECT_EQ(ParseReportName("new_build"), std::nullopt);
  EXPECT_EQ(ParseReportName(""), std::nullopt);
  for (const std::string& name : ReportNames()) {
    EXPECT_EQ(ReportName(*ParseReportName(name)), name);
  }
}

// ---- CSV ----

TEST(ReportFormatTest, CsvEscapingPerRfc4180) {
  EXPECT_EQ(CsvField("plain", ','), "plain");
  EXPECT_EQ(CsvField("", ','), "");
  EXPECT_EQ(CsvField("a,b", ','), "\"a,b\"");
  EXPECT_EQ(CsvField("a,b", ';'), "a,b");
  EXPECT_EQ(CsvField("a;b", ';'), "\"a;b\"");
  EXPECT_EQ(CsvField("a;b", ','), "a;b");
  EXPECT_EQ(CsvField("say \"hi\"", ','), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines", ','), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r", ';'), "\"cr\r\"");
  EXPECT_EQ(CsvField("Hauts-de-France é", ';'), "Hauts-de-France é");
  EXPECT_EQ(CsvLine({"a", "b,c", ""}, ','), "a,\"b,c\",\r\n");
}

TEST(ReportFormatTest, CsvHasBomPreambleEmptyLineHeaderAndCrlf) {
  const v1::Report report = SampleReport();
  const std::string csv = TableCsv(report, report.tables(1), CsvOptions());
  ASSERT_THAT(csv, StartsWith("\xEF\xBB\xBF"));
  EXPECT_EQ(csv,
            "\xEF\xBB\xBF"
            "report,landlord-reciprocity\r\n"
            "definitions_version,v1\r\n"
            "position,1234\r\n"
            "head_hash,01abff\r\n"
            "known_at,now\r\n"
            "period_from,2024-01-01\r\n"
            "period_to,2025-01-01\r\n"
            "filters,operation_id=OP-ROU-ALMA\r\n"
            "\r\n"
            "label,share_pct,median_days,rent\r\n"
            "Lille; centre,66.7,28.5,412.50\r\n"
            "\"say \"\"hi\"\"\",,0.5,-0.05\r\n");
  // Every line feed ends a CRLF.
  for (size_t i = 0; i < csv.size(); ++i) {
    if (csv[i] == '\n') {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(csv[i - 1], '\r') << "at byte " << i;
    }
  }
}

TEST(ReportFormatTest, CsvSemicolonAndDecimalComma) {
  v1::Report report = SampleReport();
  report.mutable_filters()->set_landlord_id("999000011");
  google::protobuf::Timestamp known_at;
  known_at.set_seconds(1719784799);  // 2024-06-30T21:59:59Z
  known_at.set_nanos(999999999);
  *report.mutable_known_at() = known_at;
  CsvOptions options;
  options.separator = ';';
  options.decimal_comma = true;
  const std::string csv = TableCsv(report, report.tables(1), options);
  EXPECT_EQ(csv,
            "\xEF\xBB\xBF"
            "report;landlord-reciprocity\r\n"
            "definitions_version;v1\r\n"
            "position;1234\r\n"
            "head_hash;01abff\r\n"
            "known_at;2024-06-30T21:59:59.999999999Z\r\n"
            "period_from;2024-01-01\r\n"
            "period_to;2025-01-01\r\n"
            "filters;operation_id=OP-ROU-ALMA landlord_id=999000011\r\n"
            "\r\n"
            "label;share_pct;median_days;rent\r\n"
            "\"Lille; centre\";66,7;28,5;412,50\r\n"
            "\"say \"\"hi\"\"\";;0,5;-0,05\r\n");
}

TEST(ReportFormatTest, CsvIntegersAndShortRows) {
  v1::Report report = SampleReport();
  v1::ReportTable table = ReciprocityTable();
  AddRow(&table, {TextCell("Short")});
  const std::string csv = TableCsv(report, table, CsvOptions());
  EXPECT_THAT(csv, HasSubstr("\r\n\r\norigin,receiving,households\r\n"
                             "Vilogia,LMH,3\r\n"));
  EXPECT_THAT(csv, HasSubstr("Partenord,LMH,10\r\nShort,,\r\n"));
}

TEST(ReportFormatTest, CsvFileNames) {
  v1::Report report = SampleReport();
  EXPECT_EQ(CsvFileName(report, report.tables(0)),
            "landlord-reciprocity-matrix.csv");
  v1::ReportTable odd;
  odd.set_id("../../etc/passwd");
  EXPECT_EQ(CsvFileName(report, odd),
            "landlord-reciprocity-.._.._etc_passwd.csv");
  odd.set_id("..");
  EXPECT_EQ(CsvFileName(report, odd), "landlord-reciprocity-table.csv");
}

TEST(ReportFormatTest, WritesOneAnnexPerTable) {
  const std::string dir = ::testing::TempDir() + "/relogctl_annexes/sub";
  std::filesystem::remove_all(::testing::TempDir() + "/relogctl_annexes");
  v1::Report report = SampleReport();
  absl::StatusOr<std::vector<CsvAnnex>> annexes =
      WriteCsvAnnexes(report, dir, CsvOptions());
  ASSERT_TRUE(annexes.ok()) << annexes.status();
  ASSERT_EQ(annexes->size(), 2u);
  EXPECT_EQ((*annexes)[0].path, dir + "/landlord-reciprocity-matrix.csv");
  EXPECT_EQ((*annexes)[0].rows, 4);
  EXPECT_EQ((*annexes)[1].path, dir + "/landlord-reciprocity-rates.csv");
  std::ifstream in((*annexes)[1].path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), TableCsv(report, report.tables(1), CsvOptions()));
  EXPECT_FALSE(std::filesystem::exists((*annexes)[1].path + ".tmp"));
  std::filesystem::remove_all(::testing::TempDir() + "/relogctl_annexes");
}

// ---- Matrix ----

TEST(ReportFormatTest, PivotsAMatrixInFirstAppearanceOrderWithTotals) {
  absl::StatusOr<Pivot> pivot = PivotMatrix(ReciprocityTable());
  ASSERT_TRUE(pivot.ok()) << pivot.status();
  EXPECT_THAT(pivot->row_labels, ElementsAre("Vilogia", "LMH", "Partenord"));
  EXPECT_THAT(pivot->column_labels, ElementsAre("LMH", "Vilogia"));
  ASSERT_EQ(pivot->cells.size(), 3u);
  EXPECT_EQ(pivot->cells[0][0]->integer(), 3);
  EXPECT_EQ(pivot->cells[0][1]->integer(), 2);
  EXPECT_FALSE(pivot->cells[1][0].has_value());
  EXPECT_EQ(pivot->cells[1][1]->integer(), 1);
  EXPECT_EQ(pivot->cells[2][0]->integer(), 10);
  EXPECT_FALSE(pivot->cells[2][1].has_value());
  ASSERT_TRUE(pivot->simple);
  EXPECT_THAT(pivot->row_totals, ElementsAre(5, 1, 10));
  EXPECT_THAT(pivot->column_totals, ElementsAre(13, 3));
  EXPECT_EQ(pivot->total, 16);
  EXPECT_EQ(FormatPivot(*pivot, 2),
            "  Origin \\ Receiving  LMH  Vilogia  total\n"
            "  Vilogia               3        2      5\n"
            "  LMH                            1      1\n"
            "  Partenord            10              10\n"
            "  total                13        3     16\n");
}

TEST(ReportFormatTest, PivotOfDecimalsHasNoTotals) {
  v1::ReportTable table = ReciprocityTable();
  *table.mutable_rows(0)->mutable_cells(2) = DecCell(667, 1);
  absl::StatusOr<Pivot> pivot = PivotMatrix(table);
  ASSERT_TRUE(pivot.ok()) << pivot.status();
  EXPECT_FALSE(pivot->simple);
  EXPECT_EQ(FormatPivot(*pivot, 0),
            "Origin \\ Receiving   LMH  Vilogia\n"
            "Vilogia             66.7        2\n"
            "LMH                             1\n"
            "Partenord             10\n");
}

TEST(ReportFormatTest, PivotRefusesBadMatrices) {
  v1::ReportTable table = ReciprocityTable();
  AddRow(&table, {TextCell("LMH"), TextCell("Vilogia"), IntCell(7)});
  EXPECT_THAT(std::string(PivotMatrix(table).status().message()),
              HasSubstr("two rows for (LMH, Vilogia)"));
  table = ReciprocityTable();
  table.mutable_matrix()->set_value_column("nope");
  EXPECT_THAT(std::string(PivotMatrix(table).status().message()),
              HasSubstr("no column \"nope\""));
  table.clear_matrix();
  EXPECT_FALSE(PivotMatrix(table).ok());
}

// ---- Terminal ----

TEST(ReportFormatTest, AlignedTablesRightAlignNumbers) {
  const v1::Report report = SampleReport();
  EXPECT_EQ(FormatTable(report.tables(1), 2),
            "  Label          Share %  Median days  Rent €\n"
            "  Lille; centre     66.7         28.5  412.50\n"
            "  say \"hi\"                        0.5   -0.05\n");
  v1::ReportTable empty;
  AddColumn(&empty, "a", "A", v1::ReportColumn::KIND_TEXT);
  EXPECT_EQ(FormatTable(empty, 2), "  (no rows)\n");
}

TEST(ReportFormatTest, UnspecifiedKindsAreNumericWhenEveryCellIs) {
  v1::ReportTable t;
  AddColumn(&t, "n", "", v1::ReportColumn::KIND_UNSPECIFIED);
  AddColumn(&t, "s", "", v1::ReportColumn::KIND_UNSPECIFIED);
  AddRow(&t, {IntCell(1), TextCell("x")});
  AddRow(&t, {v1::ReportCell(), IntCell(2)});
  EXPECT_TRUE(IsNumericColumn(t, 0));
  EXPECT_FALSE(IsNumericColumn(t, 1));
  EXPECT_FALSE(IsNumericColumn(t, 7));
}

TEST(ReportFormatTest, ReportHeaderTablesNotesAndMatrix) {
  const std::string out = FormatReport(SampleReport());
  EXPECT_THAT(out, StartsWith("report            landlord-reciprocity\n"
                              "definitions       v1\n"
                              "period            [2024-01-01, 2025-01-01)\n"
                              "filters           operation_id=OP-ROU-ALMA\n"
                              "position          1234\n"
                              "head hash         01abff\n"
                              "known at          now\n"
                              "reference sha256  0123456789ab…\n"));
  EXPECT_THAT(out, HasSubstr("\nOrigin landlord × receiving landlord [matrix]\n"
                             "  Origin     Receiving  Households\n"
                             "  Vilogia    LMH                 3\n"));
  EXPECT_THAT(out,
              HasSubstr("  note: decohabitations counted once per new case\n"
                        "\n  as a matrix (Households):\n"
                        "  Origin \\ Receiving  LMH  Vilogia  total\n"));
  EXPECT_THAT(out, HasSubstr("\nRates [rates]\n  Label"));
}

TEST(ReportFormatTest, Projections) {
  google::protobuf::RepeatedPtrField<v1::ProjectionStatus> list;
  v1::ProjectionStatus* a = list.Add();
  a->set_name("case_index");
  a->set_checkpoint(120);
  a->set_running(true);
  EXPECT_FALSE(AnyProjectionFailed(list));
  v1::ProjectionStatus* b = list.Add();
  b->set_name("report_facts");
  b->set_checkpoint(41);
  b->set_failure("DATA_LOSS PROJECTION_FAILED at position 42");
  EXPECT_TRUE(AnyProjectionFailed(list));
  EXPECT_EQ(FormatProjections(list, 120),
            "NAME          CHECKPOINT  BEHIND  RUNNING  FAILURE\n"
            "case_index           120       0  yes      -\n"
            "report_facts          41      79  no       DATA_LOSS "
            "PROJECTION_FAILED at position 42\n");
  EXPECT_THAT(FormatProjections(list, 0), Not(HasSubstr("BEHIND")));
}

// ---- Flags ----

absl::StatusOr<ReportArgs> Parse(std::vector<std::string> args) {
  return ParseReportArgs(args, absl::CivilDay(2025, 3, 14), Paris());
}

std::string ParseError(std::vector<std::string> args) {
  absl::StatusOr<ReportArgs> parsed = Parse(std::move(args));
  if (parsed.ok()) return "OK";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST(ReportFlagsTest, DefaultsToTheCurrentYear) {
  absl::StatusOr<ReportArgs> parsed = Parse({"progress"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->request.report(), v1::REPORT_KIND_PROGRESS);
  EXPECT_EQ(parsed->request.year(), 2025);
  EXPECT_FALSE(parsed->request.has_period());
  EXPECT_FALSE(parsed->request.has_filters());
  EXPECT_FALSE(parsed->request.has_known_at());
  EXPECT_TRUE(parsed->csv_dir.empty());
  EXPECT_EQ(parsed->csv.separator, ',');
  EXPECT_FALSE(parsed->csv.decimal_comma);
}

TEST(ReportFlagsTest, EveryFlag) {
  absl::StatusOr<ReportArgs> parsed = Parse(
      {"quality", "--from=2024-07-01", "--to=2025-01-01",
       "--operation=OP-ROU-ALMA", "--site=ROUBAIX", "--landlord=999000011",
       "--commune=59512", "--body=CIL-ROUBAIX", "--known_at=2024-06-30",
       "--min_position=77", "--rent_increase_threshold=12.50", "--csv=/tmp/out",
       "--separator=;", "--decimal_comma", "--table=stats"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const v1::GetReportRequest& r = parsed->request;
  EXPECT_EQ(r.report(), v1::REPORT_KIND_QUALITY);
  EXPECT_EQ(r.year(), 0);
  EXPECT_EQ(r.period().from(), "2024-07-01");
  EXPECT_EQ(r.period().to(), "2025-01-01");
  EXPECT_EQ(r.filters().operation_id(), "OP-ROU-ALMA");
  EXPECT_EQ(r.filters().site(), "ROUBAIX");
  EXPECT_EQ(r.filters().landlord_id(), "999000011");
  EXPECT_EQ(r.filters().commune_insee(), "59512");
  EXPECT_EQ(r.filters().coordination_body_id(), "CIL-ROUBAIX");
  EXPECT_EQ(r.min_position(), 77u);
  EXPECT_EQ(r.rent_increase_threshold_cents(), 1250);
  EXPECT_EQ(parsed->csv_dir, "/tmp/out");
  EXPECT_EQ(parsed->csv.separator, ';');
  EXPECT_TRUE(parsed->csv.decimal_comma);
  EXPECT_EQ(parsed->table, "stats");
  // End of 2024-06-30 in Paris (summer time, UTC+2).
  EXPECT_EQ(r.known_at().seconds(), 1719784799);
  EXPECT_EQ(r.known_at().nanos(), 999999999);
}

TEST(ReportFlagsTest, KnownAtAsRfc3339OrADay) {
  absl::StatusOr<google::protobuf::Timestamp> t =
      ParseKnownAt("2024-06-30T12:00:00.5+02:00", Paris());
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->seconds(), 1719741600);
  EXPECT_EQ(t->nanos(), 500000000);
  t = ParseKnownAt("2024-01-31", Paris());  // winter: UTC+1
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->seconds(), 1706741999);
  EXPECT_FALSE(ParseKnownAt("2024-06-30T12:00:00", Paris()).ok());
  EXPECT_FALSE(ParseKnownAt("2024-02-30", Paris()).ok());
  EXPECT_FALSE(ParseKnownAt("yesterday", Paris()).ok());
}

TEST(ReportFlagsTest, ErrorsNameTheFlag) {
  EXPECT_THAT(ParseError({}), HasSubstr("name a report"));
  EXPECT_THAT(ParseError({"nope"}), HasSubstr("no report \"nope\""));
  EXPECT_THAT(ParseError({"progress", "delays"}),
              HasSubstr("unexpected argument \"delays\""));
  EXPECT_THAT(ParseError({"progress", "--yaer=2024"}),
              StartsWith("--yaer: unknown flag"));
  EXPECT_THAT(ParseError({"progress", "--year"}), StartsWith("--year: needs"));
  EXPECT_THAT(ParseError({"progress", "--year=24x"}), StartsWith("--year:"));
  EXPECT_THAT(ParseError({"progress", "--year=2024", "--year=2025"}),
              StartsWith("--year: given twice"));
  EXPECT_THAT(ParseError({"progress", "--year=2024", "--from=2024-01-01",
                          "--to=2024-02-01"}),
              StartsWith("--year:"));
  EXPECT_THAT(ParseError({"progress", "--from=2024-01-01"}),
              StartsWith("--from:"));
  EXPECT_THAT(ParseError({"progress", "--to=2024-01-01"}), StartsWith("--to:"));
  EXPECT_THAT(ParseError({"progress", "--from=2024-1-1", "--to=2024-02-01"}),
              StartsWith("--from:"));
  EXPECT_THAT(ParseError({"progress", "--from=2024-01-01", "--to=2024-01-01"}),
              StartsWith("--to:"));
  EXPECT_THAT(ParseError({"progress", "--known_at=tomorrow"}),
              StartsWith("--known_at:"));
  EXPECT_THAT(ParseError({"progress", "--min_position=-1"}),
              StartsWith("--min_position:"));
  EXPECT_THAT(ParseError({"progress", "--operation="}),
              StartsWith("--operation:"));
  EXPECT_THAT(ParseError({"progress", "--rent_increase_threshold=10"}),
              StartsWith("--rent_increase_threshold: only for"));
  EXPECT_THAT(ParseError({"quality", "--rent_increase_threshold=ten"}),
              StartsWith("--rent_increase_threshold:"));
  EXPECT_THAT(ParseError({"progress", "--separator=;"}),
              StartsWith("--separator: only with --csv"));
  EXPECT_THAT(ParseError({"progress", "--csv=d", "--separator=tab"}),
              StartsWith("--separator:"));
  EXPECT_THAT(ParseError({"progress", "--csv=d", "--decimal_comma"}),
              StartsWith("--decimal_comma: needs --separator=';'"));
  EXPECT_THAT(
      ParseError({"progress", "--csv=d", "--separator=,", "--decimal_comma"}),
      StartsWith("--decimal_comma: needs --separator=';'"));
  EXPECT_THAT(ParseError({"progress", "--decimal_comma"}),
              StartsWith("--decimal_comma: only with --csv"));
  EXPECT_THAT(ParseError({"progress", "--csv=d", "--separator=;",
                          "--decimal_comma=maybe"}),
              StartsWith("--decimal_comma:"));
  EXPECT_THAT(ParseError({"progress", "--csv="}), StartsWith("--csv:"));
  EXPECT_THAT(ParseError({"progress", "--table="}), StartsWith("--table:"));
  // Accepted: an explicit false, the comma separator spelled out.
  EXPECT_EQ(ParseError({"progress", "--csv=d", "--separator=comma",
                        "--decimal_comma=false"}),
            "OK");
}

}  // namespace
}  // namespace relog::ctl
