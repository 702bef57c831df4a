// The import file reader (no server): encodings, separators, quoting,
// French number and date formats, and the rows' errors with their line,
// column and reason.
#include "clients/relogctl/import_csv.h"

#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/relogctl/import_rows.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace relog::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::CivilDay kToday(2026, 6, 1);

TEST(ImportCsvTest, DetectsUtf8WithOrWithoutBomAndWindows1252) {
  // "Bâtiment é" in UTF-8, with a BOM.
  absl::StatusOr<CsvFile> utf8 =
      ParseCsv("\xEF\xBB\xBFnom;ville\nB\xC3\xA2timent;\xC3\xA9\n");
  ASSERT_OK(utf8);
  EXPECT_EQ(utf8->encoding, CsvEncoding::kUtf8);
  EXPECT_THAT(utf8->header, ElementsAre("nom", "ville"));  // BOM dropped
  EXPECT_THAT(utf8->records[0].fields, ElementsAre("Bâtiment", "é"));

  // The same in Windows-1252 (â = 0xE2, é = 0xE9, € = 0x80, œ = 0x9C):
  // not valid UTF-8, so read as Windows-1252.
  absl::StatusOr<CsvFile> cp1252 =
      ParseCsv("nom;ville\nB\xE2timent \x80;\xE9\x9C\n");
  ASSERT_OK(cp1252);
  EXPECT_EQ(cp1252->encoding, CsvEncoding::kWindows1252);
  EXPECT_THAT(cp1252->records[0].fields, ElementsAre("Bâtiment €", "éœ"));

  // Forced: UTF-8 refuses Windows-1252 bytes; Windows-1252 reads anything.
  EXPECT_EQ(ParseCsv("a\n\xE9\n", CsvEncoding::kUtf8).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<CsvFile> forced =
      ParseCsv("a\n\xC3\xA9\n", CsvEncoding::kWindows1252);
  ASSERT_OK(forced);
  EXPECT_EQ(forced->records[0].fields[0], "Ã©");
  EXPECT_OK(ParseEncodingName("cp1252"));
  EXPECT_FALSE(ParseEncodingName("ebcdic").ok());
}

TEST(ImportCsvTest, Utf8ValidationRejectsOverlongSurrogatesAndTruncation) {
  EXPECT_TRUE(IsValidUtf8("plain \xE2\x82\xAC \xF0\x9F\x8F\xA0"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));         // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));     // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));         // cut short
  EXPECT_FALSE(IsValidUtf8("caf\xE9 au lait"));  // Windows-1252 é
}

TEST(ImportCsvTest, DetectsTheSeparatorFromTheHeader) {
  absl::StatusOr<CsvFile> semi = ParseCsv("a;b;c\n1,5;2;3\n");
  ASSERT_OK(semi);
  EXPECT_EQ(semi->separator, ';');
  EXPECT_THAT(semi->records[0].fields, ElementsAre("1,5", "2", "3"));
  absl::StatusOr<CsvFile> comma = ParseCsv("a,b,\"c;d\"\r\n1;5,2,3\r\n");
  ASSERT_OK(comma);
  EXPECT_EQ(comma->separator, ',');
  EXPECT_THAT(comma->header, ElementsAre("a", "b", "c;d"));
  EXPECT_THAT(comma->records[0].fields, ElementsAre("1;5", "2", "3"));
}

TEST(ImportCsvTest, QuotedFieldsHoldSeparatorsNewlinesAndQuotes) {
  const std::string text =
      "id;address;note\r\n"
      "1;\"Bât. A; esc. 3\r\nappt \"\"32\"\"\";x\r\n"
      "\r\n"  // blank line: skipped, but counted
      "2;plain;\"\"\r\n"
      "3;short\r\n";
  absl::StatusOr<CsvFile> file = ParseCsv(text);
  ASSERT_OK(file);
  ASSERT_EQ(file->records.size(), 3u);
  EXPECT_EQ(file->records[0].line, 2);
  EXPECT_THAT(file->records[0].fields,
              ElementsAre("1", "Bât. A; esc. 3\nappt \"32\"", "x"));
  // The quoted newline moved the next records down one line.
  EXPECT_EQ(file->records[1].line, 5);
  EXPECT_THAT(file->records[1].fields, ElementsAre("2", "plain", ""));
  // Spreadsheets drop trailing empty cells: padded.
  EXPECT_EQ(file->records[2].line, 6);
  EXPECT_THAT(file->records[2].fields, ElementsAre("3", "short", ""));
}

TEST(ImportCsvTest, StructuralErrorsNameTheLine) {
  absl::StatusOr<CsvFile> open = ParseCsv("a;b\n1;2\n3;\"never closed\n4;5\n");
  EXPECT_EQ(open.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(open.status().message()), HasSubstr("line 3"));
  // A row wider than the header rejects that row only.
  absl::StatusOr<CsvFile> wide = ParseCsv("a;b\n1;2\n1;2;3\n4;5\n");
  ASSERT_OK(wide.status());
  ASSERT_EQ(wide->records.size(), 3u);
  EXPECT_EQ(wide->records[0].error, "");
  EXPECT_EQ(wide->records[1].line, 3);
  EXPECT_THAT(wide->records[1].error, HasSubstr("3 fields, the header has 2"));
  EXPECT_EQ(wide->records[2].error, "");
  EXPECT_OK(ParseCsv("a;b\n1;2;;\n"));  // empty cells beyond are harmless
  EXPECT_FALSE(ParseCsv("").ok());
}

TEST(ImportCsvTest, CsvQuoteRoundTrips) {
  const std::string field = "a;b \"c\"\nd";
  absl::StatusOr<CsvFile> file =
      ParseCsv(absl::StrCat("h\n", CsvQuote(field, ';'), "\n"));
  ASSERT_OK(file);
  EXPECT_EQ(file->records[0].fields[0], field);
  EXPECT_EQ(CsvQuote("plain", ';'), "plain");
}

TEST(ImportCsvTest, DatesFrenchOrIso) {
  EXPECT_EQ(*ParseCsvDate("05/03/2020"), absl::CivilDay(2020, 3, 5));
  EXPECT_EQ(*ParseCsvDate("5/3/2020"), absl::CivilDay(2020, 3, 5));
  EXPECT_EQ(*ParseCsvDate("2020-03-05"), absl::CivilDay(2020, 3, 5));
  for (const char* bad : {"31/02/2020", "2020/03/05", "05-03-2020", "5/3/20",
                          "13/13/2020", "hier", "2020-3-5"}) {
    EXPECT_FALSE(ParseCsvDate(bad).ok()) << bad;
  }
}

TEST(ImportCsvTest, DecimalCommasAndEuros) {
  EXPECT_DOUBLE_EQ(*ParseCsvDecimal("64,5"), 64.5);
  EXPECT_DOUBLE_EQ(*ParseCsvDecimal("64.5"), 64.5);
  EXPECT_DOUBLE_EQ(*ParseCsvDecimal("1 234,5"), 1234.5);
  EXPECT_DOUBLE_EQ(*ParseCsvDecimal("1\xC2\xA0"
                                    "234,5"),
                   1234.5);  // nbsp
  for (const char* bad : {"1,234.5", "1.234,5", "abc", "6e2", "", ","}) {
    EXPECT_FALSE(ParseCsvDecimal(bad).ok()) << bad;
  }
  EXPECT_EQ(*ParseCsvEuroCents("380,50"), 38050);
  EXPECT_EQ(*ParseCsvEuroCents("380,5 €"), 38050);
  EXPECT_EQ(*ParseCsvEuroCents("1 204"), 120400);
  EXPECT_EQ(*ParseCsvEuroCents("0,07"), 7);
  EXPECT_FALSE(ParseCsvEuroCents("380,505").ok());
  EXPECT_FALSE(ParseCsvEuroCents("trois cents").ok());
  EXPECT_EQ(*ParseCsvInteger("-1"), -1);
  EXPECT_FALSE(ParseCsvInteger("2,5").ok());
  EXPECT_TRUE(*ParseCsvBool("Oui"));
  EXPECT_FALSE(*ParseCsvBool("non"));
  EXPECT_FALSE(ParseCsvBool("peut-être").ok());
}

// A record of `header` with the given cells at `line`.
CsvRecord Record(const std::vector<std::string>& header,
                 std::map<std::string, std::string> cells, int line = 7) {
  CsvRecord record;
  record.line = line;
  for (const std::string& column : header) {
    record.fields.push_back(cells.count(column) ? cells[column] : "");
  }
  return record;
}

std::vector<std::string> Header() {
  std::vector<std::string> header;
  for (const ImportColumn& c : ImportColumns()) header.push_back(c.name);
  return header;
}

std::map<std::string, std::string> Identified() {
  return {{"reference", "R-1"},
          {"landlord_id", "999000029"},
          {"tenant_reference", "T-1"},
          {"operation_id", "OP-LIL-CONCORDE-1"},
          {"building_id", "BAT-A"},
          {"occupancy", "titular_tenant"},
          {"identified_on", "02/03/2020"},
          {"typology", "T3"},
          {"surface_m2", "64,5"},
          {"floor", "2"},
          {"financing", "plus"},
          {"rent", "380,50"},
          {"charges", "60"}};
}

std::vector<std::string> Errors(std::map<std::string, std::string> cells) {
  std::vector<RowError> errors;
  std::optional<HouseholdImport> h =
      ParseHouseholdRow(Header(), Record(Header(), cells), kToday, &errors);
  EXPECT_EQ(h.has_value(), errors.empty());
  std::vector<std::string> out;
  for (const RowError& e : errors) {
    EXPECT_EQ(e.line, 7);
    out.push_back(absl::StrCat(e.column, ": ", e.reason));
  }
  return out;
}

TEST(ImportRowsTest, AGoodRowBecomesTheRequestsInDateOrder) {
  auto cells = Identified();
  cells["diagnosed_on"] = "10/04/2020";
  cells["adults"] = "2";
  cells["resource_band"] = "under_plai";
  cells["occupancy_fit"] = "adequate";
  cells["support_level"] = "light";
  cells["housing_allowance"] = "210,00";
  cells["notice_sent_on"] = "2020-05-01";  // after the diagnosis
  cells["lease_signed_on"] = "01/06/2020";
  cells["arrival_landlord_id"] = "999000011";
  cells["arrival_commune_insee"] = "59350";
  cells["arrival_typology"] = "t3";
  cells["arrival_surface_m2"] = "68";
  cells["arrival_floor"] = "1";
  cells["arrival_financing"] = "PLUS";
  cells["arrival_rent"] = "412,30";
  cells["arrival_charges"] = "75";
  cells["moved_on"] = "01/06/2020";  // the same day as the lease
  cells["closed_on"] = "01/07/2020";
  std::vector<RowError> errors;
  std::optional<HouseholdImport> h =
      ParseHouseholdRow(Header(), Record(Header(), cells), kToday, &errors);
  ASSERT_TRUE(h.has_value()) << (errors.empty() ? "" : errors[0].reason);
  EXPECT_EQ(h->key.Canonical(),
            "lt\x1f"
            "999000029\x1fT-1");
  const auto& id = h->identify.household();
  EXPECT_EQ(id.origin().facts().surface_m2(), 64.5);
  EXPECT_EQ(id.origin().facts().rent_cents(), 38050);
  EXPECT_EQ(id.origin().facts().landlord_id(), "999000029");
  EXPECT_EQ(h->identify.occurred_at(), "2020-03-02");
  // A lease without its offers: the imported-history path, flagged.
  EXPECT_TRUE(h->imported_history);
  EXPECT_TRUE(id.imported_history());
  std::vector<std::string> rpcs;
  for (const ImportStep& s : h->steps) rpcs.push_back(s.mutation->rpc);
  EXPECT_THAT(rpcs, ElementsAre("RecordDiagnosis", "RecordNotice", "SignLease",
                                "RecordMove", "CloseCase"));
  const auto& lease =
      static_cast<const relog::v1::SignLeaseRequest&>(*h->steps[2].request);
  EXPECT_EQ(lease.lease().rent_cents(), 41230);
  EXPECT_EQ(lease.lease().kind(), relog::v1::LEASE_KIND_DEFINITIVE);
  const auto& close =
      static_cast<const relog::v1::CloseCaseRequest&>(*h->steps[4].request);
  EXPECT_EQ(close.closure().outcome(), relog::v1::CASE_OUTCOME_REHOUSED);
}

TEST(ImportRowsTest, BadValuesNameTheColumnAndTheReason) {
  auto cells = Identified();
  cells["surface_m2"] = "soixante";
  cells["occupancy"] = "owner";
  cells["typology"] = "T9";
  EXPECT_THAT(Errors(cells),
              ElementsAre(HasSubstr("occupancy: \"owner\" is not one of "
                                    "titular_tenant"),
                          HasSubstr("typology: \"T9\" is not one of t1"),
                          "surface_m2: \"soixante\" is not a number"));
  cells = Identified();
  cells.erase("tenant_reference");
  EXPECT_THAT(Errors(cells), ElementsAre(HasSubstr("tenant_reference: give")));
  cells["national_application_number"] = "059122000123";
  EXPECT_THAT(Errors(cells), ElementsAre());
}

TEST(ImportRowsTest, DatesMustKeepTheRulesOrder) {
  auto cells = Identified();
  cells["diagnosed_on"] = "01/03/2099";
  cells["adults"] = "1";
  cells["resource_band"] = "under_plai";
  cells["occupancy_fit"] = "adequate";
  cells["support_level"] = "none";
  EXPECT_THAT(Errors(cells), ElementsAre("diagnosed_on: 2099-03-01 is after "
                                         "today (2026-06-01)"));
  cells["diagnosed_on"] = "01/09/2021";
  cells["committee_validated_on"] = "01/07/2021";
  EXPECT_THAT(Errors(cells),
              ElementsAre("committee_validated_on: 2021-07-01 is before "
                          "diagnosed_on 2021-09-01"));
  cells = Identified();
  cells["moved_on"] = "01/06/2021";
  EXPECT_THAT(Errors(cells), ElementsAre(HasSubstr("moved_on: needs "
                                                   "lease_signed_on")));
  cells = Identified();
  cells["committee_validated_on"] = "01/06/2021";
  EXPECT_THAT(Errors(cells),
              ElementsAre(HasSubstr("committee_validated_on: needs "
                                    "diagnosed_on")));
  cells = Identified();
  cells["notice_sent_on"] = "01/01/2020";
  cells["exit"] = "departure";
  EXPECT_THAT(Errors(cells),
              ElementsAre("notice_sent_on: 2020-01-01 is before identified_on "
                          "2020-03-02",
                          "exit_on: exit and exit_on go together"));
  cells = Identified();
  cells["closed_on"] = "01/04/2020";
  EXPECT_THAT(Errors(cells), ElementsAre(HasSubstr("closure_outcome: is "
                                                   "required")));
  cells["closure_outcome"] = "opened_in_error";
  EXPECT_THAT(Errors(cells), ElementsAre());
}

TEST(ImportRowsTest, DecohabitationTakesItsParentsDwelling) {
  std::map<std::string, std::string> cells = {
      {"reference", "R-1-D"},          {"landlord_id", "999000029"},
      {"tenant_reference", "T-1-B"},   {"parent_tenant_reference", "T-1"},
      {"occupancy", "titular_tenant"}, {"identified_on", "01/09/2020"}};
  std::vector<RowError> errors;
  std::optional<HouseholdImport> h =
      ParseHouseholdRow(Header(), Record(Header(), cells), kToday, &errors);
  ASSERT_TRUE(h.has_value());
  ASSERT_TRUE(h->parent.has_value());
  EXPECT_EQ(h->parent->Canonical(),
            "lt\x1f"
            "999000029\x1fT-1");
  EXPECT_FALSE(h->identify.household().has_origin() &&
               h->identify.household().origin().has_facts());
  cells["building_id"] = "BAT-A";
  EXPECT_THAT(Errors(cells), ElementsAre(HasSubstr("building_id: a "
                                                   "decohabitation")));
}

TEST(ImportRowsTest, HeaderColumnsAreKnownAndRequiredOnesPresent) {
  EXPECT_TRUE(CheckHeader(Header()).empty());
  std::vector<RowError> errors =
      CheckHeader({"reference", "landlord_id", "tenant_reference", "occupancy",
                   "identified_on", "surface", "floor", "floor"});
  std::vector<std::string> columns;
  for (const RowError& e : errors) columns.push_back(e.column);
  EXPECT_THAT(columns, ElementsAre("surface", "floor"));
}

TEST(ImportRowsTest, ServerFieldsMapBackToColumns) {
  ImportStep lease;
  lease.kind = relog::v1::CaseStep::kLeaseSigned;
  lease.date_column = "lease_signed_on";
  lease.dwelling_prefix = "arrival_";
  EXPECT_EQ(ColumnOfField(lease, "lease.dwelling.facts.commune_insee"),
            "arrival_commune_insee");
  EXPECT_EQ(ColumnOfField(lease, "lease.dwelling.facts.rent_cents"),
            "arrival_rent");
  EXPECT_EQ(ColumnOfField(lease, "occurred_at"), "lease_signed_on");
  ImportStep identify;
  identify.kind = relog::v1::CaseStep::kHouseholdIdentified;
  EXPECT_EQ(ColumnOfField(identify, "household.origin.facts.surface_m2"),
            "surface_m2");
  EXPECT_EQ(ColumnOfField(identify, "household.building_id"), "building_id");
  EXPECT_EQ(ColumnOfField(identify, "household.sealed"), "");
}

// docs/IMPORT.md documents every column, and the example file reads
// without a structural error.
TEST(ImportRowsTest, DocsListEveryColumnAndTheExampleParses) {
  std::ifstream in(std::string(RELOG_SOURCE_DIR) + "/docs/IMPORT.md");
  const std::string doc((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
  ASSERT_FALSE(doc.empty());
  for (const ImportColumn& c : ImportColumns()) {
    EXPECT_THAT(doc, HasSubstr(absl::StrCat("| `", c.name, "` |"))) << c.name;
  }
  std::ifstream example(std::string(RELOG_SOURCE_DIR) +
                        "/deploy/import/example.csv");
  const std::string bytes((std::istreambuf_iterator<char>(example)),
                          std::istreambuf_iterator<char>());
  absl::StatusOr<CsvFile> file = ParseCsv(bytes);
  ASSERT_OK(file);
  EXPECT_EQ(file->records.size(), 20u);
  EXPECT_TRUE(CheckHeader(file->header).empty());
}

}  // namespace
}  // namespace relog::ctl
