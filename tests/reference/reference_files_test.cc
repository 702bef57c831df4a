// Reference files: the shipped MEL sample parses and builds; every rule of
// the parser is enforced with the file, line and column in the message;
// the index answers "as of a date".
#include "services/reference/reference_files.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/reference/reference_data.h"
#include "storage/errors.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace relog::reference {
namespace {

using ::relog::testing::StatusIs;
using ::relog::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kSampleDir =
    std::string(RELOG_SOURCE_DIR) + "/deploy/reference/mel";

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

// A small valid set; `overrides` replaces whole files.
std::map<std::string, std::string> MinimalFiles() {
  return {
      {"communes.csv",
       "insee;name;epci_siren;valid_from;valid_to;source\n"
       "59350;Lille;200093201;2015-01-01;;verified\n"
       "59512;Roubaix;200093201;2015-01-01;;verified\n"},
      {"adjacency.csv",
       "insee_a;insee_b;valid_from;valid_to;source\n"
       "59350;59512;2015-01-01;;illustrative\n"},
      {"quartiers.csv",
       "code;name;insee;valid_from;valid_to;source\n"
       "QP059001;Q1;59350;2015-01-01;2024-01-01;illustrative\n"},
      {"landlords.csv",
       "id;name;rpls_id;valid_from;valid_to;source\n"
       "999000011;L1;R1;2015-01-01;;illustrative\n"},
      {"reservataires.csv",
       "id;name;kind;insee;landlord_id;valid_from;valid_to;source\n"
       "RES-1;State;STATE;;;2015-01-01;;verified\n"},
      {"operations.csv",
       "id;name;site;quartier_code;insee;valid_from;valid_to;source\n"
       "OP-1;Op;Site;QP059001;59350;2018-01-01;2024-01-01;illustrative\n"},
      {"buildings.csv",
       "operation_id;id;address;insee;quartier_code;landlord_id;dwellings;"
       "demolition_planned;source\n"
       "OP-1;B1;addr;59350;QP059001;999000011;10;2022-01-01;illustrative\n"},
      {"programmes.csv",
       "id;name;landlord_id;insee;quartier_code;dwellings;delivered_on;"
       "first_conventionnement;financing;dwellings_plai;dwellings_plus;"
       "dwellings_pls;iris;source\n"
       "P1;Prog;999000011;59350;;10;2020-01-01;;PLUS;;;;;illustrative\n"},
      // The further files may hold only their header.
      {"commitments.csv",
       "amendment_ref;adopted_on;party_kind;party_id;period_from;period_to;"
       "households;min_new_build_permille;source\n"},
      {"allocations.csv",
       "year;landlord_id;insee;allocations;allocations_outside_qpv;source\n"},
      {"iml_scale.csv",
       "zoning;zone;typology_min;typology_max;amount_cents;valid_from;"
       "valid_to;source\n"},
      {"apl_rent_ceilings.csv",
       "zone;category;ceiling_cents;extra_per_dependant_cents;valid_from;"
       "valid_to;source\n"},
      {"commune_zones.csv", "insee;zoning;zone;valid_from;valid_to;source\n"},
      {"targets.csv",
       "target_id;scope;min_permille;max_permille;valid_from;valid_to;"
       "source\n"},
      {"coverage.csv", "file;complete_from;complete_to;source\n"},
      {"fragility_classes.csv", "iris;class;valid_from;valid_to;source\n"},
      {"occupancy_norms.csv",
       "persons;min_surface_m2;min_typology;valid_from;valid_to;source\n"},
      {"coordination_bodies.csv",
       "body_id;name;insee;valid_from;valid_to;source\n"},
      {"commune_successions.csv", "old_insee;new_insee;on;source\n"},
      {"max_rents.csv",
       "financing;zone;max_rent_cents_per_m2;valid_from;valid_to;source\n"},
  };
}

class ReferenceFilesTest : public ::testing::Test {
 protected:
  // Writes the minimal set with `file` replaced by `content` and parses it.
  absl::StatusOr<relog::v1::ReferenceDataLoaded> ParseWith(
      const std::string& file, const std::string& content) {
    std::map<std::string, std::string> files = MinimalFiles();
    files[file] = content;
    for (const auto& [name, text] : files) WriteFile(dir_.Sub(name), text);
    return ParseReferenceDir(dir_.path());
  }
  // Writes `files` and parses them.
  absl::StatusOr<relog::v1::ReferenceDataLoaded> ParseFiles(
      const std::map<std::string, std::string>& files) {
    for (const auto& [name, text] : files) WriteFile(dir_.Sub(name), text);
    return ParseReferenceDir(dir_.path());
  }
  // The minimal set with `rows` appended to the given files, indexed.
  std::shared_ptr<const ReferenceData> BuildWith(
      const std::map<std::string, std::string>& rows) {
    std::map<std::string, std::string> files = MinimalFiles();
    for (const auto& [name, text] : rows) files[name] += text;
    absl::StatusOr<relog::v1::ReferenceDataLoaded> loaded = ParseFiles(files);
    EXPECT_OK(loaded);
    if (!loaded.ok()) return ReferenceData::Empty();
    absl::StatusOr<std::shared_ptr<const ReferenceData>> data =
        ReferenceData::Build(*loaded);
    EXPECT_OK(data);
    return data.ok() ? *data : ReferenceData::Empty();
  }
  // The minimal set with `file`'s header followed by `rows`, parsed.
  absl::StatusOr<relog::v1::ReferenceDataLoaded> ParseRows(
      const std::string& file, const std::string& rows) {
    return ParseWith(file, MinimalFiles()[file] + rows);
  }
  // Appends `line` to `file` of the minimal set and parses it.
  absl::StatusOr<relog::v1::ReferenceDataLoaded> ParseWithExtraLine(
      const std::string& file, const std::string& line) {
    return ParseWith(file, MinimalFiles()[file] + line + "\n");
  }

  TempDir dir_;
};

// The error is REFERENCE_FILE_INVALID, its message starts with
// "<prefix>" ("file:line:column: ") and contains `rule`.
void ExpectRejected(const absl::StatusOr<relog::v1::ReferenceDataLoaded>& r,
                    const std::string& prefix, const std::string& rule) {
  ASSERT_THAT(
      r, StatusIs(absl::StatusCode::kInvalidArgument, kReferenceFileInvalid));
  EXPECT_THAT(std::string(r.status().message()), StartsWith(prefix));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(rule));
  std::vector<std::string> parts =
      absl::StrSplit(prefix, absl::MaxSplits(':', 3));
  ErrorMetadata meta = GetErrorMetadata(r.status());
  EXPECT_EQ(meta[kMetaFile], parts[0]);
  EXPECT_EQ(meta[kMetaLine], parts[1]);
  EXPECT_EQ(meta[kMetaColumn], parts[2]);
}

TEST_F(ReferenceFilesTest, MinimalSetParses) {
  absl::StatusOr<relog::v1::ReferenceDataLoaded> loaded =
      ParseWith("communes.csv", MinimalFiles()["communes.csv"]);
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->communes_size(), 2);
  EXPECT_EQ(loaded->content_sha256().size(), 64u);
  EXPECT_EQ(loaded->loaded_from(), dir_.path());
}

TEST_F(ReferenceFilesTest, CommentsBlankLinesCrlfAndBomAreAccepted) {
  ASSERT_OK(ParseWith("communes.csv",
                      "\xEF\xBB\xBF# a comment\r\n\r\n"
                      "insee;name;epci_siren;valid_from;valid_to;source\r\n"
                      "# another\r\n"
                      "59350;Lille;200093201;2015-01-01;;verified\r\n"
                      "59512;Roubaix;200093201;2015-01-01;;verified\r\n"));
  // Corsican codes: 2A/2B and three digits.
  ASSERT_OK(ParseWithExtraLine("communes.csv",
                               "2A004;Ajaccio;200093201;2015-01-01;;"
                               "illustrative"));
}

TEST_F(ReferenceFilesTest, LineNumbersCountCommentLines) {
  ExpectRejected(ParseWith("communes.csv",
                           "# comment\n"
                           "insee;name;epci_siren;valid_from;valid_to;source\n"
                           "\n"
                           "5935;Lille;200093201;2015-01-01;;verified\n"),
                 "communes.csv:4:1: ", "bad INSEE code \"5935\"");
}

TEST_F(ReferenceFilesTest, RejectsBadInseeCode) {
  ExpectRejected(ParseWithExtraLine("communes.csv",
                                    "5935A;X;200093201;2015-01-01;;verified"),
                 "communes.csv:4:1: ", "bad INSEE code");
  ExpectRejected(ParseWithExtraLine("communes.csv",
                                    "2C004;X;200093201;2015-01-01;;verified"),
                 "communes.csv:4:1: ", "bad INSEE code");
  ExpectRejected(
      ParseWithExtraLine("quartiers.csv",
                         "QP059002;Q2;593500;2015-01-01;;illustrative"),
      "quartiers.csv:3:3: ", "bad INSEE code");
}

TEST_F(ReferenceFilesTest, RejectsBadDates) {
  ExpectRejected(ParseWithExtraLine("communes.csv",
                                    "59009;VdA;200093201;2015-02-30;;verified"),
                 "communes.csv:4:4: ", "bad date \"2015-02-30\"");
  ExpectRejected(ParseWithExtraLine("communes.csv",
                                    "59009;VdA;200093201;2015-1-01;;verified"),
                 "communes.csv:4:4: ", "bad date");
  ExpectRejected(
      ParseWithExtraLine("programmes.csv",
                         "P2;Prog;999000011;59350;;10;15/01/2020;;PLUS;;;;;"
                         "illustrative"),
      "programmes.csv:3:7: ", "bad date");
}

TEST_F(ReferenceFilesTest, RejectsValidToNotAfterValidFrom) {
  ExpectRejected(
      ParseWithExtraLine("communes.csv",
                         "59009;VdA;200093201;2016-01-01;2016-01-01;verified"),
      "communes.csv:4:5: ", "must be after valid_from");
  ExpectRejected(
      ParseWithExtraLine("landlords.csv",
                         "999000029;L2;R2;2016-01-01;2015-01-01;illustrative"),
      "landlords.csv:3:5: ", "must be after valid_from");
}

TEST_F(ReferenceFilesTest, RejectsUnknownCommune) {
  ExpectRejected(
      ParseWithExtraLine("quartiers.csv",
                         "QP059002;Q2;59999;2015-01-01;;illustrative"),
      "quartiers.csv:3:3: ", "unknown commune \"59999\"");
  ExpectRejected(
      ParseWithExtraLine("adjacency.csv", "59350;59009;2015-01-01;;verified"),
      "adjacency.csv:3:2: ", "unknown commune");
}

TEST_F(ReferenceFilesTest, RejectsReferenceOutsideTheReferencedValidity) {
  // Lille is valid from 2015: a quartier row of 2010–2014 cannot name it.
  ExpectRejected(
      ParseWithExtraLine(
          "quartiers.csv",
          "QP059002;Q2;59350;2010-01-01;2014-01-01;illustrative"),
      "quartiers.csv:3:3: ", "is not valid during [2010-01-01, 2014-01-01)");
  // The operation runs into 2024, the quartier only until then: overlap is
  // enough.
  ASSERT_OK(
      ParseWith("operations.csv",
                "id;name;site;quartier_code;insee;valid_from;valid_to;source\n"
                "OP-1;Op;Site;QP059001;59350;2018-01-01;;illustrative\n"));
  // But not an operation that starts after the quartier ended.
  ExpectRejected(ParseWithExtraLine(
                     "operations.csv",
                     "OP-2;Op;Site;QP059001;59350;2024-01-01;;illustrative"),
                 "operations.csv:3:4: ",
                 "quartier \"QP059001\" of quartiers.csv is not "
                 "valid during [2024-01-01, open)");
}

TEST_F(ReferenceFilesTest, RejectsUnknownLandlordOperationAndQuartier) {
  ExpectRejected(ParseWithExtraLine("buildings.csv",
                                    "OP-1;B2;addr;59350;QP059001;999000029;10;;"
                                    "illustrative"),
                 "buildings.csv:3:6: ", "unknown landlord \"999000029\"");
  ExpectRejected(ParseWithExtraLine("buildings.csv",
                                    "OP-9;B2;addr;59350;QP059001;999000011;10;;"
                                    "illustrative"),
                 "buildings.csv:3:1: ", "unknown operation \"OP-9\"");
  ExpectRejected(ParseWithExtraLine("operations.csv",
                                    "OP-2;Op;Site;QP059009;59350;2018-01-01;;"
                                    "illustrative"),
                 "operations.csv:3:4: ", "unknown quartier \"QP059009\"");
  // A quartier of another commune.
  ExpectRejected(
      ParseWithExtraLine("programmes.csv",
                         "P2;Prog;999000011;59512;QP059001;10;;;PLUS;;;;;"
                         "illustrative"),
      "programmes.csv:3:5: ", "has no row for commune 59512");
  ExpectRejected(ParseWithExtraLine("reservataires.csv",
                                    "RES-2;B;LANDLORD;;999000029;2015-01-01;;"
                                    "illustrative"),
                 "reservataires.csv:3:5: ", "unknown landlord");
  ExpectRejected(
      ParseWithExtraLine("reservataires.csv",
                         "RES-2;V;COMMUNE;59009;;2015-01-01;;illustrative"),
      "reservataires.csv:3:4: ", "unknown commune");
}

TEST_F(ReferenceFilesTest, RejectsDuplicatesWithOverlappingValidity) {
  ExpectRejected(
      ParseWithExtraLine("communes.csv",
                         "59350;Lille bis;200093201;2020-01-01;;verified"),
      "communes.csv:4:1: ",
      "duplicate commune \"59350\" with overlapping "
      "validity (line 2");
  ExpectRejected(
      ParseWithExtraLine("landlords.csv",
                         "999000011;L1;R1;2010-01-01;2015-01-02;illustrative"),
      "landlords.csv:3:1: ", "duplicate landlord");
  // Adjacency pairs are unordered.
  ExpectRejected(
      ParseWithExtraLine("adjacency.csv", "59512;59350;2020-01-01;;verified"),
      "adjacency.csv:3:1: ", "duplicate adjacency \"59350-59512\"");
  ExpectRejected(
      ParseWithExtraLine("buildings.csv",
                         "OP-1;B1;addr;59350;;999000011;10;;illustrative"),
      "buildings.csv:3:2: ", "duplicate building \"OP-1/B1\"");
  // Successive versions (valid_to exclusive) are not duplicates.
  ASSERT_OK(ParseWithExtraLine(
      "landlords.csv", "999000011;L0;R0;2010-01-01;2015-01-01;illustrative"));
}

TEST_F(ReferenceFilesTest, RejectsAdjacencyOfACommuneWithItself) {
  ExpectRejected(
      ParseWithExtraLine("adjacency.csv", "59350;59350;2015-01-01;;verified"),
      "adjacency.csv:3:2: ", "not adjacent to itself");
}

TEST_F(ReferenceFilesTest, RejectsMalformedRowsAndValues) {
  ExpectRejected(ParseWithExtraLine("communes.csv", "59009;VdA;200093201"),
                 "communes.csv:4:0: ", "expected 6 fields");
  ExpectRejected(ParseWith("communes.csv", "insee;nom;epci_siren\n"),
                 "communes.csv:1:2: ", "header must be");
  ExpectRejected(ParseWithExtraLine("communes.csv",
                                    "59009;VdA;200093201;2015-01-01;;sure"),
                 "communes.csv:4:6: ", "bad source");
  ExpectRejected(ParseWithExtraLine("landlords.csv",
                                    "99900002;L2;R2;2015-01-01;;illustrative"),
                 "landlords.csv:3:1: ", "bad SIREN");
  ExpectRejected(
      ParseWithExtraLine("quartiers.csv",
                         "QX059002;Q2;59350;2015-01-01;;illustrative"),
      "quartiers.csv:3:1: ", "bad QPV code");
  ExpectRejected(
      ParseWithExtraLine("buildings.csv",
                         "OP-1;B2;addr;59350;;999000011;0;;illustrative"),
      "buildings.csv:3:7: ", "bad dwellings");
  ExpectRejected(
      ParseWithExtraLine("programmes.csv",
                         "P2;Prog;999000011;59350;;10;;;PLAS;;;;;illustrative"),
      "programmes.csv:3:9: ", "bad financing");
  ExpectRejected(ParseWithExtraLine("reservataires.csv",
                                    "RES-2;X;BANK;;;2015-01-01;;illustrative"),
                 "reservataires.csv:3:3: ", "bad kind");
  ExpectRejected(ParseWithExtraLine("communes.csv",
                                    "59009;;200093201;2015-01-01;;verified"),
                 "communes.csv:4:2: ", "name: required");
}

TEST_F(ReferenceFilesTest, MissingFileIsNotFound) {
  for (const auto& [name, text] : MinimalFiles()) {
    WriteFile(dir_.Sub(name), text);
  }
  std::filesystem::remove(dir_.Sub("programmes.csv"));
  EXPECT_THAT(ParseReferenceDir(dir_.path()),
              StatusIs(absl::StatusCode::kNotFound, kReferenceFileInvalid));
}

// ---- The shipped sample ----

class ReferenceSampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<relog::v1::ReferenceDataLoaded> loaded =
        ParseReferenceDir(kSampleDir);
    ASSERT_OK(loaded);
    loaded_ = *loaded;
    absl::StatusOr<std::shared_ptr<const ReferenceData>> data =
        ReferenceData::Build(loaded_);
    ASSERT_OK(data);
    data_ = *data;
  }

  relog::v1::ReferenceDataLoaded loaded_;
  std::shared_ptr<const ReferenceData> data_;
};

TEST_F(ReferenceSampleTest, ParsesWithTheDocumentedSizes) {
  EXPECT_EQ(data_->content_sha256(), loaded_.content_sha256());
  EXPECT_EQ(loaded_.content_sha256().size(), 64u);
  EXPECT_GE(data_->Communes(absl::CivilDay(2024, 1, 1)).size(), 30u);
  EXPECT_EQ(data_->Landlords(absl::CivilDay(2020, 1, 1)).size(), 16u);
  EXPECT_EQ(data_->Landlords(absl::CivilDay(2022, 1, 1)).size(), 15u);
  std::vector<const Operation*> operations =
      data_->Operations(absl::CivilDay(2023, 6, 1));
  EXPECT_GE(operations.size(), 8u);
  int dwellings = 0;
  for (const Operation* operation : operations) {
    EXPECT_GE(operation->buildings.size(), 2u) << operation->id;
    for (const Building& building : operation->buildings) {
      dwellings += building.dwellings;
    }
  }
  EXPECT_GE(dwellings, 200);
  EXPECT_GE(data_->Programmes().size(), 20u);
  EXPECT_GE(data_->Reservataires(absl::CivilDay(2024, 1, 1)).size(), 6u);
}

TEST_F(ReferenceSampleTest, SameFilesGiveTheSameHashWhateverTheRowOrder) {
  TempDir copy;
  for (const char* name : kReferenceFiles) {
    std::ifstream in(kSampleDir + "/" + name, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    if (std::string(name) == "communes.csv") {
      // Reverse the data rows (comments and header stay first).
      std::vector<std::string> lines = absl::StrSplit(text, '\n');
      std::vector<std::string> head, rows;
      for (std::string& line : lines) {
        if (line.empty()) continue;
        (rows.empty() && (line[0] == '#' || line.rfind("insee;", 0) == 0)
             ? head
             : rows)
            .push_back(line);
      }
      text = absl::StrJoin(head, "\n") + "\n" +
             absl::StrJoin(rows.rbegin(), rows.rend(), "\n") + "\n";
    }
    WriteFile(copy.Sub(name), text);
  }
  absl::StatusOr<relog::v1::ReferenceDataLoaded> again =
      ParseReferenceDir(copy.path());
  ASSERT_OK(again);
  EXPECT_EQ(again->content_sha256(), loaded_.content_sha256());
  EXPECT_EQ(again->loaded_from(), copy.path());
  EXPECT_EQ(ComputeContentSha256(*again), loaded_.content_sha256());
}

TEST_F(ReferenceSampleTest, VerifiedFactsAreMarkedSo) {
  const Commune* lille =
      data_->FindCommune("59350", absl::CivilDay(2016, 10, 14));
  ASSERT_NE(lille, nullptr);
  EXPECT_EQ(lille->name, "Lille");
  EXPECT_EQ(lille->epci_siren, "200093201");
  EXPECT_TRUE(lille->verified);
  for (const char* insee :
       {"59512", "59599", "59009", "59650", "59410", "59360", "59299"}) {
    const Commune* commune =
        data_->FindCommune(insee, absl::CivilDay(2020, 6, 1));
    ASSERT_NE(commune, nullptr) << insee;
    EXPECT_TRUE(commune->verified) << insee;
  }
  // Placeholder SIRENs: no landlord row is presented as verified.
  for (const Landlord* landlord :
       data_->Landlords(absl::CivilDay(2020, 1, 1))) {
    EXPECT_FALSE(landlord->verified) << landlord->name;
  }
  const Quartier* concorde =
      data_->FindQuartier("QP059001", absl::CivilDay(2020, 1, 1));
  ASSERT_NE(concorde, nullptr);
  EXPECT_FALSE(concorde->verified);
}

TEST_F(ReferenceSampleTest, CommunesOutsideTheirDatesAreNotFound) {
  // Haute-Deûle communes joined in 2020, the Weppes ones in 2017.
  EXPECT_EQ(data_->FindCommune("59011", absl::CivilDay(2019, 12, 31)), nullptr);
  EXPECT_NE(data_->FindCommune("59011", absl::CivilDay(2020, 6, 1)), nullptr);
  EXPECT_EQ(data_->FindCommune("59025", absl::CivilDay(2016, 12, 31)), nullptr);
  EXPECT_NE(data_->FindCommune("59025", absl::CivilDay(2017, 1, 1)), nullptr);
  EXPECT_EQ(data_->FindCommune("59350", absl::CivilDay(2014, 12, 31)), nullptr);
  EXPECT_EQ(data_->FindCommune("00000", absl::CivilDay(2020, 1, 1)), nullptr);
  size_t in_2019 = data_->Communes(absl::CivilDay(2019, 6, 1)).size();
  size_t in_2021 = data_->Communes(absl::CivilDay(2021, 6, 1)).size();
  EXPECT_EQ(in_2021, in_2019 + 5);
  // Listed in INSEE order.
  std::vector<const Commune*> communes =
      data_->Communes(absl::CivilDay(2021, 6, 1));
  for (size_t i = 1; i < communes.size(); ++i) {
    EXPECT_LT(communes[i - 1]->insee, communes[i]->insee);
  }
}

TEST_F(ReferenceSampleTest, QuartiersFollowTheListInForce) {
  absl::CivilDay last_2015_day(2023, 12, 31), first_2024_day(2024, 1, 1);
  EXPECT_NE(data_->FindQuartier("QP059001", last_2015_day), nullptr);
  EXPECT_EQ(data_->FindQuartier("QP059001", first_2024_day), nullptr);
  EXPECT_EQ(data_->FindQuartier("QN05901M", last_2015_day), nullptr);
  const Quartier* concorde = data_->FindQuartier("QN05901M", first_2024_day);
  ASSERT_NE(concorde, nullptr);
  EXPECT_THAT(concorde->communes, ElementsAre("59350"));
  // A QPV over two communes.
  const Quartier* hem = data_->FindQuartier("QP059008", last_2015_day);
  ASSERT_NE(hem, nullptr);
  EXPECT_THAT(hem->communes, ElementsAre("59299", "59512"));
  // One that left the list in 2024.
  EXPECT_NE(data_->FindQuartier("QP059010", last_2015_day), nullptr);
  EXPECT_EQ(data_->FindQuartier("QP059010", first_2024_day), nullptr);
}

TEST_F(ReferenceSampleTest, AdjacencyIsSymmetricAndDated) {
  absl::CivilDay day(2022, 5, 1);
  EXPECT_TRUE(data_->AreAdjacent("59512", "59599", day));  // Roubaix–Tourcoing
  EXPECT_TRUE(data_->AreAdjacent("59599", "59512", day));
  EXPECT_FALSE(data_->AreAdjacent("59512", "59512", day));
  EXPECT_FALSE(data_->AreAdjacent("59350", "59599", day));  // Lille–Tourcoing
  // Aubers–Fromelles: only once both are in the MEL (2017).
  EXPECT_FALSE(
      data_->AreAdjacent("59025", "59257", absl::CivilDay(2016, 6, 1)));
  EXPECT_TRUE(data_->AreAdjacent("59257", "59025", absl::CivilDay(2017, 6, 1)));
  EXPECT_FALSE(
      data_->AreAdjacent("59011", "59052", absl::CivilDay(2019, 6, 1)));
  EXPECT_TRUE(data_->AreAdjacent("59052", "59011", absl::CivilDay(2021, 6, 1)));
  std::vector<std::string> around_roubaix =
      data_->AdjacentCommunes("59512", day);
  EXPECT_THAT(around_roubaix, ::testing::Contains("59650"));
  EXPECT_THAT(around_roubaix, ::testing::Not(::testing::Contains("59512")));
}

TEST_F(ReferenceSampleTest, OperationsBuildingsProgrammesAndReservataires) {
  const Operation* before =
      data_->FindOperation("OP-LIL-CONCORDE-1", absl::CivilDay(2023, 12, 31));
  const Operation* after =
      data_->FindOperation("OP-LIL-CONCORDE-1", absl::CivilDay(2024, 1, 1));
  ASSERT_NE(before, nullptr);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(before->quartier_code, "QP059001");
  EXPECT_EQ(after->quartier_code, "QN05901M");
  EXPECT_EQ(before->insee, "59350");
  EXPECT_EQ(
      data_->FindOperation("OP-LIL-CONCORDE-1", absl::CivilDay(2016, 12, 31)),
      nullptr);
  const Building* building = data_->FindBuilding("OP-LIL-CONCORDE-1", "BAT-A");
  ASSERT_NE(building, nullptr);
  EXPECT_GT(building->dwellings, 0);
  EXPECT_NE(
      data_->FindLandlord(building->landlord_id, absl::CivilDay(2022, 1, 1)),
      nullptr);
  EXPECT_EQ(data_->FindBuilding("OP-LIL-CONCORDE-1", "BAT-Z"), nullptr);
  EXPECT_EQ(data_->FindBuilding("OP-NONE", "BAT-A"), nullptr);

  int recent = 0, older = 0;
  absl::CivilDay move(2024, 6, 1);
  for (const Programme* programme : data_->Programmes()) {
    std::optional<absl::CivilDay> date =
        programme->delivered_on.has_value() ? programme->delivered_on
                                            : programme->first_conventionnement;
    ASSERT_TRUE(date.has_value()) << programme->id;
    (move - *date < 5 * 365 ? recent : older)++;
  }
  EXPECT_GE(recent, 5);
  EXPECT_GE(older, 5);
  ASSERT_NE(data_->FindProgramme("PRG-001"), nullptr);
  EXPECT_EQ(data_->FindProgramme("PRG-999"), nullptr);

  const Reservataire* state =
      data_->FindReservataire("RES-ETAT-59", absl::CivilDay(2020, 1, 1));
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->kind, ReservataireKind::kState);
  EXPECT_EQ(data_->FindReservataire("RES-ALS", absl::CivilDay(2016, 1, 1)),
            nullptr);
  const Reservataire* lille =
      data_->FindReservataire("RES-C-59350", absl::CivilDay(2020, 1, 1));
  ASSERT_NE(lille, nullptr);
  EXPECT_EQ(lille->kind, ReservataireKind::kCommune);
  EXPECT_EQ(lille->insee, "59350");
}

TEST(ReferenceDataTest, EmptyFindsNothing) {
  std::shared_ptr<const ReferenceData> empty = ReferenceData::Empty();
  EXPECT_EQ(empty->content_sha256(), "");
  EXPECT_EQ(empty->FindCommune("59350", absl::CivilDay(2020, 1, 1)), nullptr);
  EXPECT_FALSE(
      empty->AreAdjacent("59350", "59360", absl::CivilDay(2020, 1, 1)));
  EXPECT_TRUE(empty->Communes(absl::CivilDay(2020, 1, 1)).empty());
  EXPECT_TRUE(empty->Programmes().empty());
}

TEST(ReferenceDataTest, BuildRejectsAMalformedDate) {
  relog::v1::ReferenceDataLoaded loaded;
  relog::v1::Commune* commune = loaded.add_communes();
  commune->set_insee("59350");
  commune->set_valid_from("2015-13-01");
  EXPECT_THAT(
      ReferenceData::Build(loaded),
      StatusIs(absl::StatusCode::kInvalidArgument, kReferenceDataInvalid));
}

TEST(ReferenceValidityTest, FromInclusiveToExclusive) {
  Validity valid;
  valid.from = absl::CivilDay(2015, 1, 1);
  valid.to = absl::CivilDay(2024, 1, 1);
  EXPECT_FALSE(valid.Contains(absl::CivilDay(2014, 12, 31)));
  EXPECT_TRUE(valid.Contains(absl::CivilDay(2015, 1, 1)));
  EXPECT_TRUE(valid.Contains(absl::CivilDay(2023, 12, 31)));
  EXPECT_FALSE(valid.Contains(absl::CivilDay(2024, 1, 1)));
  Validity next;
  next.from = absl::CivilDay(2024, 1, 1);
  EXPECT_FALSE(valid.Overlaps(next));
  EXPECT_FALSE(next.Overlaps(valid));
  next.from = absl::CivilDay(2023, 12, 31);
  EXPECT_TRUE(valid.Overlaps(next));
  EXPECT_TRUE(next.Contains(absl::CivilDay(2100, 1, 1)));
}

TEST(ReferenceParseIsoDayTest, IsStrict) {
  EXPECT_EQ(ParseIsoDay("2024-02-29"), absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(ParseIsoDay("2023-02-29"), std::nullopt);
  EXPECT_EQ(ParseIsoDay("2023-2-01"), std::nullopt);
  EXPECT_EQ(ParseIsoDay("2023-02-01 "), std::nullopt);
  EXPECT_EQ(ParseIsoDay(""), std::nullopt);
}

// ---- The further files (docs/REPORTS.md, Gaps) ----

TEST_F(ReferenceFilesTest, EveryFurtherFileParsesWithRows) {
  std::map<std::string, std::string> files = MinimalFiles();
  files["communes.csv"] +=
      "59001;Ancienne;200093201;2015-01-01;2019-01-01;illustrative\n";
  files["programmes.csv"] +=
      "P2;Mixed;999000011;59350;;10;;;mixed;3;7;0;593500101;illustrative\n";
  files["commitments.csv"] +=
      "AV-1;2019-06-28;COMMUNE;59350;2019-01-01;2025-01-01;120;250;"
      "illustrative\n"
      "AV-1;2019-06-28;LANDLORD;999000011;2019-01-01;2025-01-01;200;;"
      "illustrative\n";
  files["allocations.csv"] += "2023;999000011;59350;400;250;illustrative\n";
  files["iml_scale.csv"] += "*;*;T1;T2;150000;2016-01-01;2021-10-01;verified\n";
  files["apl_rent_ceilings.csv"] +=
      "2;WITH_DEPENDANTS;38400;5600;2023-10-01;;illustrative\n";
  files["commune_zones.csv"] += "59350;ABC;B1;2015-01-01;;illustrative\n";
  files["targets.csv"] += "PLAI_SHARE_NEW;EPCI;250;300;2016-10-14;;verified\n";
  files["coverage.csv"] +=
      "programmes.csv;2016-01-01;2025-01-01;illustrative\n";
  files["fragility_classes.csv"] +=
      "593500101;FRAGILE;2016-10-14;;illustrative\n";
  files["occupancy_norms.csv"] += "1;9;T1;2015-01-01;;illustrative\n";
  files["coordination_bodies.csv"] +=
      "C1;Body;59350;2016-01-01;;illustrative\n";
  files["commune_successions.csv"] += "59001;59350;2019-01-01;illustrative\n";
  files["max_rents.csv"] += "PLAI;*;492;2016-01-01;2017-01-01;verified\n";
  absl::StatusOr<relog::v1::ReferenceDataLoaded> loaded = ParseFiles(files);
  ASSERT_OK(loaded);
  EXPECT_EQ(loaded->commitments_size(), 2);
  EXPECT_EQ(loaded->allocations_size(), 1);
  EXPECT_EQ(loaded->iml_scale_size(), 1);
  EXPECT_EQ(loaded->apl_rent_ceilings_size(), 1);
  EXPECT_EQ(loaded->commune_zones_size(), 1);
  EXPECT_EQ(loaded->targets_size(), 1);
  EXPECT_EQ(loaded->coverage_size(), 1);
  EXPECT_EQ(loaded->fragility_classes_size(), 1);
  EXPECT_EQ(loaded->occupancy_norms_size(), 1);
  EXPECT_EQ(loaded->coordination_bodies_size(), 1);
  EXPECT_EQ(loaded->commune_successions_size(), 1);
  EXPECT_EQ(loaded->max_rents_size(), 1);
  absl::StatusOr<std::shared_ptr<const ReferenceData>> data =
      ReferenceData::Build(*loaded);
  ASSERT_OK(data);
  const Programme* p1 = (*data)->FindProgramme("P1");
  const Programme* p2 = (*data)->FindProgramme("P2");
  ASSERT_NE(p1, nullptr);
  ASSERT_NE(p2, nullptr);
  EXPECT_FALSE(p1->dwellings_plai.has_value());
  EXPECT_EQ(p1->iris, "");
  EXPECT_EQ(p2->dwellings_plai, 3);
  EXPECT_EQ(p2->dwellings_plus, 7);
  EXPECT_EQ(p2->dwellings_pls, 0);
  EXPECT_EQ(p2->iris, "593500101");
  const Commitment* landlord = (*data)->FindCommitment(
      PartyKind::kLandlord, "999000011", absl::CivilDay(2020, 1, 1));
  ASSERT_NE(landlord, nullptr);
  EXPECT_EQ(landlord->households, 200);
  EXPECT_FALSE(landlord->min_new_build_permille.has_value());
  // A new file changes the hash.
  relog::v1::ReferenceDataLoaded without = *loaded;
  without.clear_max_rents();
  EXPECT_NE(ComputeContentSha256(without), loaded->content_sha256());
}

TEST_F(ReferenceFilesTest, CommitmentRules) {
  const std::string l = "commitments.csv";
  ExpectRejected(ParseRows(l,
                           "AV-1;2019-06-28;STATE;59350;2019-01-01;2025-01-01;"
                           "1;;illustrative\n"),
                 "commitments.csv:2:3: ", "bad value \"STATE\"");
  ExpectRejected(ParseRows(l,
                           "AV-1;2019-06-28;LANDLORD;59350;2019-01-01;"
                           "2025-01-01;1;;illustrative\n"),
                 "commitments.csv:2:4: ", "bad SIREN");
  ExpectRejected(ParseRows(l,
                           "AV-1;2019-06-28;COMMUNE;59599;2019-01-01;"
                           "2025-01-01;1;;illustrative\n"),
                 "commitments.csv:2:4: ", "unknown commune \"59599\"");
  ExpectRejected(ParseRows(l,
                           "AV-1;2019-06-28;LANDLORD;999000029;2019-01-01;"
                           "2025-01-01;1;;illustrative\n"),
                 "commitments.csv:2:4: ", "unknown landlord");
  ExpectRejected(
      ParseRows(l,
                "AV-1;2019-06-28;COMMUNE;59350;2019-01-01;;1;;illustrative\n"),
      "commitments.csv:2:6: ", "period_to: required");
  ExpectRejected(ParseRows(l,
                           "AV-1;2019-06-28;COMMUNE;59350;2019-01-01;"
                           "2025-01-01;1;1001;illustrative\n"),
                 "commitments.csv:2:8: ", "an integer from 0 to 1000");
  ExpectRejected(ParseRows(l,
                           "AV-1;2019-06-28;COMMUNE;59350;2019-01-01;"
                           "2025-01-01;-1;;illustrative\n"),
                 "commitments.csv:2:7: ", "households: bad value");
  // Two amendments adopted the same day covering one party on one day:
  // "the latest" would be ambiguous.
  ExpectRejected(ParseRows(l,
                           "AV-1;2019-06-28;COMMUNE;59350;2019-01-01;"
                           "2025-01-01;1;;illustrative\n"
                           "AV-2;2019-06-28;COMMUNE;59350;2024-01-01;"
                           "2026-01-01;1;;illustrative\n"),
                 "commitments.csv:3:4: ",
                 "duplicate commitment of one party adopted on one day "
                 "\"COMMUNE 59350 adopted 2019-06-28\"");
  ExpectRejected(ParseRows(l,
                           "AV-1;2019-06-28;COMMUNE;59350;2019-01-01;"
                           "2025-01-01;1;;illustrative\n"
                           "AV-1;2019-07-01;COMMUNE;59512;2019-01-01;"
                           "2025-01-01;1;;illustrative\n"),
                 "commitments.csv:3:2: ",
                 "amendment AV-1 is adopted on 2019-06-28 on line 2");
  // A later amendment over the same period is the normal case.
  ASSERT_OK(ParseRows(l,
                      "AV-1;2019-06-28;COMMUNE;59350;2019-01-01;2025-01-01;1;;"
                      "illustrative\n"
                      "AV-2;2022-12-09;COMMUNE;59350;2019-01-01;2025-01-01;2;;"
                      "illustrative\n"));
}

TEST_F(ReferenceFilesTest, AllocationRules) {
  const std::string f = "allocations.csv";
  ExpectRejected(ParseRows(f, "2023;999000011;59350;10;11;illustrative\n"),
                 "allocations.csv:2:5: ", "exceeds allocations 10");
  ExpectRejected(ParseRows(f, "23;999000011;59350;10;1;illustrative\n"),
                 "allocations.csv:2:1: ", "an integer from 1900 to 2999");
  ExpectRejected(ParseRows(f, "2023;999000029;59350;10;1;illustrative\n"),
                 "allocations.csv:2:2: ", "unknown landlord");
  // Both the landlord and the commune must be valid during the year.
  ExpectRejected(
      ParseRows(f, "2014;999000011;59350;10;1;illustrative\n"),
      "allocations.csv:2:2: ", "is not valid during [2014-01-01, 2015-01-01)");
  ExpectRejected(ParseRows(f, "2023;999000011;59599;10;1;illustrative\n"),
                 "allocations.csv:2:3: ", "unknown commune \"59599\"");
  ExpectRejected(ParseRows(f,
                           "2023;999000011;59350;10;1;illustrative\n"
                           "2023;999000011;59350;12;1;illustrative\n"),
                 "allocations.csv:3:1: ",
                 "duplicate allocations \"2023 999000011 59350\"");
}

TEST_F(ReferenceFilesTest, ImlScaleRules) {
  const std::string f = "iml_scale.csv";
  ExpectRejected(ParseRows(f, "APL;B1;T1;T2;100;2021-10-01;;illustrative\n"),
                 "iml_scale.csv:2:2: ", "bad zone \"B1\" of zoning APL");
  ExpectRejected(ParseRows(f, "*;B1;T1;T2;100;2021-10-01;;illustrative\n"),
                 "iml_scale.csv:2:2: ", "bad zone");
  ExpectRejected(ParseRows(f, "ZZ;B1;T1;T2;100;2021-10-01;;illustrative\n"),
                 "iml_scale.csv:2:1: ", "bad value \"ZZ\"");
  ExpectRejected(ParseRows(f, "*;*;T0;T2;100;2016-01-01;;verified\n"),
                 "iml_scale.csv:2:3: ", "bad typology \"T0\"");
  ExpectRejected(ParseRows(f, "*;*;T3;T2;100;2016-01-01;;verified\n"),
                 "iml_scale.csv:2:4: ", "below typology_min");
  ExpectRejected(ParseRows(f, "*;*;T1;T2;0;2016-01-01;;verified\n"),
                 "iml_scale.csv:2:5: ", "amount_cents: bad value");
  ExpectRejected(ParseRows(f,
                           "*;*;T1;T6;150000;2016-01-01;;verified\n"
                           "ABC;B1;T1;T2;200000;2021-10-01;;illustrative\n"),
                 "iml_scale.csv:3:1: ", "one scale at a time");
  ExpectRejected(ParseRows(f,
                           "ABC;B1;T1;T3;1;2021-10-01;;illustrative\n"
                           "ABC;B1;T3;T4;1;2022-01-01;;illustrative\n"),
                 "iml_scale.csv:3:2: ", "duplicate IML rate for zone B1");
  ASSERT_OK(ParseRows(f,
                      "*;*;T1;T2;150000;2016-01-01;2021-10-01;verified\n"
                      "ABC;B1;T1;T2;200000;2021-10-01;;illustrative\n"
                      "ABC;B1;T3;T6;400000;2021-10-01;;illustrative\n"
                      "ABC;A;T1;T6;400000;2021-10-01;;illustrative\n"));
}

TEST_F(ReferenceFilesTest, AplCeilingAndZoneRules) {
  const std::string f = "apl_rent_ceilings.csv";
  ExpectRejected(ParseRows(f, "2;SINGLE;27900;100;2023-10-01;;illustrative\n"),
                 "apl_rent_ceilings.csv:2:4: ", "only WITH_DEPENDANTS");
  ExpectRejected(
      ParseRows(f, "2;WITH_DEPENDANTS;38400;;2023-10-01;;illustrative\n"),
      "apl_rent_ceilings.csv:2:4: ", "an integer from 0");
  ExpectRejected(ParseRows(f, "4;SINGLE;27900;;2023-10-01;;illustrative\n"),
                 "apl_rent_ceilings.csv:2:1: ", "bad zone \"4\"");
  ExpectRejected(ParseRows(f, "2;FAMILY;27900;;2023-10-01;;illustrative\n"),
                 "apl_rent_ceilings.csv:2:2: ", "bad value \"FAMILY\"");
  ExpectRejected(ParseRows(f,
                           "2;SINGLE;27000;;2022-10-01;2023-10-02;"
                           "illustrative\n"
                           "2;SINGLE;27900;;2023-10-01;;illustrative\n"),
                 "apl_rent_ceilings.csv:3:1: ",
                 "duplicate APL ceiling \"2 APL_CEILING_CATEGORY_SINGLE\"");

  const std::string z = "commune_zones.csv";
  ExpectRejected(ParseRows(z, "59599;APL;2;2015-01-01;;illustrative\n"),
                 "commune_zones.csv:2:1: ", "unknown commune");
  ExpectRejected(ParseRows(z, "59350;ABC;2;2015-01-01;;illustrative\n"),
                 "commune_zones.csv:2:3: ", "bad zone \"2\" of zoning ABC");
  ExpectRejected(ParseRows(z, "59350;*;*;2015-01-01;;illustrative\n"),
                 "commune_zones.csv:2:2: ", "bad value \"*\"");
  ExpectRejected(ParseRows(z,
                           "59350;ABC;B1;2015-01-01;;illustrative\n"
                           "59350;ABC;A;2023-10-01;;illustrative\n"),
                 "commune_zones.csv:3:1: ", "duplicate commune zone");
}

TEST_F(ReferenceFilesTest, TargetAndCoverageRules) {
  const std::string t = "targets.csv";
  ExpectRejected(ParseRows(t, "X;EPCI;;;2016-10-14;;verified\n"),
                 "targets.csv:2:3: ", "min_permille or max_permille");
  ExpectRejected(ParseRows(t, "X;EPCI;300;250;2016-10-14;;verified\n"),
                 "targets.csv:2:4: ", "below min_permille");
  ExpectRejected(ParseRows(t, "plai;EPCI;250;;2016-10-14;;verified\n"),
                 "targets.csv:2:1: ", "bad identifier");
  ExpectRejected(ParseRows(t,
                           "X;EPCI;250;;2016-10-14;;verified\n"
                           "X;EPCI;260;;2020-01-01;;verified\n"),
                 "targets.csv:3:1: ", "duplicate target \"X EPCI\"");

  const std::string c = "coverage.csv";
  ExpectRejected(ParseRows(c, "foo.csv;2016-01-01;;illustrative\n"),
                 "coverage.csv:2:1: ", "unknown reference file \"foo.csv\"");
  ExpectRejected(ParseRows(c, "coverage.csv;2016-01-01;;illustrative\n"),
                 "coverage.csv:2:1: ", "unknown reference file");
  ExpectRejected(
      ParseRows(c, "programmes.csv;2016-01-01;2016-01-01;illustrative\n"),
      "coverage.csv:2:3: ", "must be after");
  ExpectRejected(ParseRows(c,
                           "programmes.csv;2016-01-01;2020-01-01;verified\n"
                           "programmes.csv;2019-01-01;;verified\n"),
                 "coverage.csv:3:1: ", "duplicate coverage");
}

TEST_F(ReferenceFilesTest, FragilityNormBodyAndMaxRentRules) {
  const std::string f = "fragility_classes.csv";
  ExpectRejected(ParseRows(f, "59350010;A;2016-01-01;;illustrative\n"),
                 "fragility_classes.csv:2:1: ", "bad IRIS code \"59350010\"");
  ExpectRejected(ParseRows(f, "59350010A;A;2016-01-01;;illustrative\n"),
                 "fragility_classes.csv:2:1: ", "bad IRIS code");
  ExpectRejected(ParseRows(f, "595990101;A;2016-01-01;;illustrative\n"),
                 "fragility_classes.csv:2:1: ", "unknown commune \"59599\"");
  ExpectRejected(ParseRows(f, "593500101;;2016-01-01;;illustrative\n"),
                 "fragility_classes.csv:2:2: ", "class: required");
  ExpectRejected(ParseRows(f,
                           "593500101;A;2016-01-01;;illustrative\n"
                           "593500101;B;2020-01-01;;illustrative\n"),
                 "fragility_classes.csv:3:1: ", "duplicate IRIS");

  const std::string n = "occupancy_norms.csv";
  ExpectRejected(ParseRows(n, "0;9;T1;2015-01-01;;illustrative\n"),
                 "occupancy_norms.csv:2:1: ", "an integer from 1 to 99");
  ExpectRejected(ParseRows(n, "1;9;T7;2015-01-01;;illustrative\n"),
                 "occupancy_norms.csv:2:3: ", "bad typology \"T7\"");
  ExpectRejected(ParseRows(n,
                           "1;9;T1;2015-01-01;;illustrative\n"
                           "1;10;T1;2016-01-01;;illustrative\n"),
                 "occupancy_norms.csv:3:1: ", "duplicate occupancy norm");

  const std::string b = "coordination_bodies.csv";
  ExpectRejected(ParseRows(b, "C1;Body;59599;2016-01-01;;illustrative\n"),
                 "coordination_bodies.csv:2:3: ", "unknown commune");
  ExpectRejected(ParseRows(b,
                           "C1;Body;59350;2016-01-01;;illustrative\n"
                           "C1;Other;59512;2016-01-01;;illustrative\n"),
                 "coordination_bodies.csv:3:2: ",
                 "coordination body C1 is named \"Body\" on line 2");
  ExpectRejected(
      ParseRows(b,
                "C1;Body;59350;2016-01-01;;illustrative\n"
                "C1;Body;59350;2018-01-01;;illustrative\n"),
      "coordination_bodies.csv:3:3: ", "duplicate member of coordination body");

  const std::string m = "max_rents.csv";
  ExpectRejected(ParseRows(m, "PLAI;4;492;2016-01-01;;verified\n"),
                 "max_rents.csv:2:2: ", "bad value \"4\"");
  ExpectRejected(ParseRows(m, "mixed;*;492;2016-01-01;;verified\n"),
                 "max_rents.csv:2:1: ", "bad value \"mixed\"");
  ExpectRejected(ParseRows(m,
                           "PLAI;*;492;2016-01-01;2017-01-01;verified\n"
                           "PLAI;*;500;2016-06-01;;illustrative\n"),
                 "max_rents.csv:3:2: ", "duplicate maximum rent");
}

TEST_F(ReferenceFilesTest, SuccessionRules) {
  std::map<std::string, std::string> files = MinimalFiles();
  files["communes.csv"] +=
      "59001;Ancienne;200093201;2015-01-01;2019-01-01;illustrative\n"
      "59002;Nouvelle;200093201;2019-06-01;;illustrative\n";
  const std::string header = MinimalFiles()["commune_successions.csv"];
  auto parse = [&](const std::string& rows) {
    files["commune_successions.csv"] = header + rows;
    return ParseFiles(files);
  };
  ExpectRejected(parse("59350;59350;2019-01-01;illustrative\n"),
                 "commune_successions.csv:2:2: ", "does not succeed itself");
  ExpectRejected(parse("59001;59999;2019-01-01;illustrative\n"),
                 "commune_successions.csv:2:2: ", "unknown commune \"59999\"");
  // The successor must exist on the day of the succession.
  ExpectRejected(parse("59001;59002;2019-01-01;illustrative\n"),
                 "commune_successions.csv:2:2: ",
                 "is not valid during [2019-01-01, 2019-01-02)");
  // The old commune must have ended by then.
  ExpectRejected(parse("59512;59350;2019-01-01;illustrative\n"),
                 "commune_successions.csv:2:1: ",
                 "has a row in communes.csv valid on or after its succession");
  ExpectRejected(parse("59999;59350;2019-01-01;illustrative\n"),
                 "commune_successions.csv:2:1: ", "unknown commune \"59999\"");
  // ... and have existed before.
  ExpectRejected(parse("59002;59350;2019-06-01;illustrative\n"),
                 "commune_successions.csv:2:1: ", "is not valid during");
  ExpectRejected(parse("59001;59350;2019-01-01;illustrative\n"
                       "59001;59512;2019-01-01;illustrative\n"),
                 "commune_successions.csv:3:1: ",
                 "duplicate succession of commune \"59001\"");
  ExpectRejected(parse("59001;59350;2019/01/01;illustrative\n"),
                 "commune_successions.csv:2:3: ", "bad date");
  ASSERT_OK(parse("59001;59350;2019-01-01;verified\n"));
}

TEST_F(ReferenceFilesTest, ProgrammeSplitAndIrisRules) {
  const std::string p = "programmes.csv";
  const std::string prefix = "P2;Prog;999000011;59350;;10;;;";
  ExpectRejected(ParseWithExtraLine(p, prefix + "mixed;3;;;;illustrative"),
                 "programmes.csv:3:11: ", "all set or all empty");
  ExpectRejected(ParseWithExtraLine(p, prefix + "mixed;;4;;;illustrative"),
                 "programmes.csv:3:10: ", "all set or all empty");
  ExpectRejected(ParseWithExtraLine(p, prefix + "mixed;3;3;3;;illustrative"),
                 "programmes.csv:3:10: ", "= 9, must equal dwellings 10");
  ExpectRejected(ParseWithExtraLine(p, prefix + "PLAI;5;5;0;;illustrative"),
                 "programmes.csv:3:9: ", "a PLAI programme has all");
  ExpectRejected(ParseWithExtraLine(p, prefix + "mixed;x;5;5;;illustrative"),
                 "programmes.csv:3:10: ", "dwellings_plai: bad value");
  ExpectRejected(
      ParseWithExtraLine(p, prefix + "PLUS;;;;59350010;illustrative"),
      "programmes.csv:3:13: ", "bad IRIS code");
  ExpectRejected(
      ParseWithExtraLine(p, prefix + "PLUS;;;;595120101;illustrative"),
      "programmes.csv:3:13: ", "not in the programme's commune 59350");
  ASSERT_OK(
      ParseWithExtraLine(p, prefix + "PLUS;0;10;0;593500101;illustrative"));
}

TEST_F(ReferenceFilesTest, LatestAdoptedAmendmentWins) {
  // Listed out of order on purpose; AV-0 is older and longer.
  std::shared_ptr<const ReferenceData> data =
      BuildWith({{"commitments.csv",
                  "AV-2;2022-12-09;COMMUNE;59350;2023-01-01;2027-01-01;140;300;"
                  "illustrative\n"
                  "AV-0;2017-03-01;COMMUNE;59350;2017-01-01;2030-01-01;50;;"
                  "illustrative\n"
                  "AV-1;2019-06-28;COMMUNE;59350;2019-01-01;2025-01-01;120;250;"
                  "illustrative\n"}});
  auto ref = [&](absl::CivilDay on) -> std::string {
    const Commitment* c =
        data->FindCommitment(PartyKind::kCommune, "59350", on);
    return c == nullptr ? "none" : c->amendment_ref;
  };
  EXPECT_EQ(ref(absl::CivilDay(2016, 12, 31)), "none");
  EXPECT_EQ(ref(absl::CivilDay(2018, 6, 1)), "AV-0");
  EXPECT_EQ(ref(absl::CivilDay(2019, 1, 1)), "AV-1");
  EXPECT_EQ(ref(absl::CivilDay(2022, 12, 31)), "AV-1");
  EXPECT_EQ(ref(absl::CivilDay(2023, 1, 1)), "AV-2");
  EXPECT_EQ(ref(absl::CivilDay(2026, 12, 31)), "AV-2");
  // AV-2's period is over: the older amendment still covering applies.
  EXPECT_EQ(ref(absl::CivilDay(2027, 1, 1)), "AV-0");
  EXPECT_EQ(ref(absl::CivilDay(2030, 1, 1)), "none");
  const Commitment* av2 = data->FindCommitment(PartyKind::kCommune, "59350",
                                               absl::CivilDay(2024, 1, 1));
  ASSERT_NE(av2, nullptr);
  EXPECT_EQ(av2->households, 140);
  EXPECT_EQ(av2->min_new_build_permille, 300);
  EXPECT_EQ(av2->adopted_on, absl::CivilDay(2022, 12, 9));
  EXPECT_EQ(av2->period.to, absl::CivilDay(2027, 1, 1));
  // Parties are looked up by kind and id.
  EXPECT_EQ(data->FindCommitment(PartyKind::kLandlord, "59350",
                                 absl::CivilDay(2024, 1, 1)),
            nullptr);
  EXPECT_EQ(data->FindCommitment(PartyKind::kCommune, "59512",
                                 absl::CivilDay(2024, 1, 1)),
            nullptr);
}

TEST_F(ReferenceFilesTest, SuccessorChainsAreFollowedAsOfADate) {
  std::shared_ptr<const ReferenceData> data =
      BuildWith({{"communes.csv",
                  "59001;A;200093201;2015-01-01;2018-01-01;illustrative\n"
                  "59002;B;200093201;2018-01-01;2021-01-01;illustrative\n"},
                 {"commune_successions.csv",
                  "59002;59350;2021-01-01;illustrative\n"
                  "59001;59002;2018-01-01;illustrative\n"}});
  EXPECT_EQ(data->SuccessorOf("59001", absl::CivilDay(2017, 12, 31)), "59001");
  EXPECT_EQ(data->SuccessorOf("59001", absl::CivilDay(2018, 1, 1)), "59002");
  EXPECT_EQ(data->SuccessorOf("59001", absl::CivilDay(2020, 12, 31)), "59002");
  EXPECT_EQ(data->SuccessorOf("59001", absl::CivilDay(2021, 1, 1)), "59350");
  EXPECT_EQ(data->SuccessorOf("59002", absl::CivilDay(2024, 1, 1)), "59350");
  EXPECT_EQ(data->SuccessorOf("59350", absl::CivilDay(2024, 1, 1)), "59350");
  EXPECT_EQ(data->SuccessorOf("12345", absl::CivilDay(2024, 1, 1)), "12345");
}

TEST_F(ReferenceFilesTest, CoverageIsTheUnionOfItsPeriods) {
  std::shared_ptr<const ReferenceData> data =
      BuildWith({{"coverage.csv",
                  "programmes.csv;2020-01-01;2022-01-01;illustrative\n"
                  "programmes.csv;2016-01-01;2020-01-01;illustrative\n"
                  "programmes.csv;2023-01-01;;illustrative\n"}});
  auto day = [](int y, int m, int d) { return absl::CivilDay(y, m, d); };
  EXPECT_TRUE(
      data->Covered("programmes.csv", day(2016, 1, 1), day(2022, 1, 1)));
  EXPECT_TRUE(
      data->Covered("programmes.csv", day(2019, 6, 1), day(2020, 6, 1)));
  EXPECT_FALSE(
      data->Covered("programmes.csv", day(2015, 12, 31), day(2017, 1, 1)));
  EXPECT_FALSE(
      data->Covered("programmes.csv", day(2021, 6, 1), day(2022, 1, 2)));
  EXPECT_FALSE(
      data->Covered("programmes.csv", day(2022, 6, 1), day(2023, 6, 1)));
  EXPECT_TRUE(
      data->Covered("programmes.csv", day(2023, 1, 1), day(2100, 1, 1)));
  EXPECT_FALSE(
      data->Covered("allocations.csv", day(2023, 1, 1), day(2024, 1, 1)));
  EXPECT_TRUE(
      data->Covered("allocations.csv", day(2023, 1, 1), day(2023, 1, 1)));
}

TEST_F(ReferenceFilesTest, ImlScaleByZoneTypologyAndDate) {
  std::shared_ptr<const ReferenceData> data = BuildWith(
      {{"iml_scale.csv",
        "*;*;T1;T2;150000;2016-01-01;2021-10-01;verified\n"
        "*;*;T3;T4;400000;2016-01-01;2021-10-01;verified\n"
        "*;*;T5;T6;500000;2016-01-01;2021-10-01;verified\n"
        "ABC;B1;T1;T2;200000;2021-10-01;;illustrative\n"
        "ABC;B1;T3;T6;450000;2021-10-01;;illustrative\n"},
       {"commune_zones.csv", "59350;ABC;B1;2015-01-01;;illustrative\n"}});
  auto amount = [](const ImlRate* rate) -> int64_t {
    return rate == nullptr ? -1 : rate->amount_cents;
  };
  absl::CivilDay in_2018(2018, 1, 1), last_flat(2021, 9, 30),
      first_zoned(2021, 10, 1);
  EXPECT_EQ(amount(data->FindImlRate("*", "*", 1, in_2018)), 150000);
  EXPECT_EQ(amount(data->FindImlRate("*", "*", 4, in_2018)), 400000);
  EXPECT_EQ(amount(data->FindImlRate("*", "*", 6, in_2018)), 500000);
  // A zone asked while the flat scale is in force gets the flat amount.
  EXPECT_EQ(amount(data->FindImlRate("ABC", "B1", 3, last_flat)), 400000);
  EXPECT_EQ(amount(data->FindImlRate("ABC", "B1", 3, first_zoned)), 450000);
  EXPECT_EQ(amount(data->FindImlRate("ABC", "A", 3, first_zoned)), -1);
  EXPECT_EQ(amount(data->FindImlRate("*", "*", 3, absl::CivilDay(2015, 6, 1))),
            -1);
  EXPECT_EQ(amount(data->FindImlRateForCommune("59350", 5, last_flat)), 500000);
  EXPECT_EQ(amount(data->FindImlRateForCommune("59350", 2, first_zoned)),
            200000);
  // No zone known for Roubaix: no amount under the zoned scale.
  EXPECT_EQ(amount(data->FindImlRateForCommune("59512", 2, first_zoned)), -1);
  const ImlRate* flat = data->FindImlRate("*", "*", 2, in_2018);
  ASSERT_NE(flat, nullptr);
  EXPECT_TRUE(flat->verified);
  EXPECT_EQ(flat->typology_min, 1);
  EXPECT_EQ(flat->typology_max, 2);
}

TEST_F(ReferenceFilesTest, OtherDatedLookups) {
  std::shared_ptr<const ReferenceData> data = BuildWith(
      {{"allocations.csv",
        "2023;999000011;59512;300;100;illustrative\n"
        "2023;999000011;59350;400;250;illustrative\n"
        "2022;999000011;59350;390;240;illustrative\n"},
       {"apl_rent_ceilings.csv",
        "2;WITH_DEPENDANTS;37200;5400;2022-10-01;2023-10-01;illustrative\n"
        "2;WITH_DEPENDANTS;38400;5600;2023-10-01;;illustrative\n"
        "2;SINGLE;27900;;2023-10-01;;illustrative\n"},
       {"commune_zones.csv",
        "59350;APL;2;2015-01-01;;illustrative\n"
        "59350;ABC;B1;2015-01-01;2023-10-01;illustrative\n"
        "59350;ABC;A;2023-10-01;;illustrative\n"},
       {"targets.csv",
        "PLAI_SHARE_NEW;EPCI;250;300;2016-10-14;;verified\n"
        "NPRU_WEIGHT;COMMUNE;;50;2016-10-14;;illustrative\n"},
       {"fragility_classes.csv",
        "593500101;FRAGILE;2016-01-01;2022-01-01;illustrative\n"
        "593500101;INTERMEDIATE;2022-01-01;;illustrative\n"},
       {"occupancy_norms.csv",
        "1;9;T1;2015-01-01;;illustrative\n"
        "2;16;T1;2015-01-01;;illustrative\n"
        "3;25;T2;2015-01-01;;illustrative\n"},
       {"coordination_bodies.csv",
        "C2;Second;59350;2016-01-01;;illustrative\n"
        "C1;First;59512;2016-01-01;;illustrative\n"
        "C1;First;59350;2016-01-01;2020-01-01;illustrative\n"},
       {"max_rents.csv",
        "PLAI;*;492;2016-01-01;2017-01-01;verified\n"
        "PLAI;2;500;2017-01-01;;illustrative\n"}});
  absl::CivilDay day(2024, 1, 1);

  const Allocations* a = data->FindAllocations(2023, "999000011", "59350");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->allocations, 400);
  EXPECT_EQ(a->allocations_outside_qpv, 250);
  EXPECT_EQ(data->FindAllocations(2021, "999000011", "59350"), nullptr);
  std::vector<const Allocations*> in_2023 = data->AllocationsOf(2023);
  ASSERT_EQ(in_2023.size(), 2u);
  EXPECT_EQ(in_2023[0]->insee, "59350");
  EXPECT_EQ(in_2023[1]->insee, "59512");

  EXPECT_EQ(data->AplRentCeilingCents("2", AplCeilingCategory::kWithDependants,
                                      3, day),
            38400 + 2 * 5600);
  EXPECT_EQ(data->AplRentCeilingCents("2", AplCeilingCategory::kWithDependants,
                                      1, absl::CivilDay(2023, 9, 30)),
            37200);
  EXPECT_EQ(data->AplRentCeilingCents("2", AplCeilingCategory::kWithDependants,
                                      0, day),
            std::nullopt);
  EXPECT_EQ(data->AplRentCeilingCents("2", AplCeilingCategory::kSingle, 0, day),
            27900);
  EXPECT_EQ(data->AplRentCeilingCents("2", AplCeilingCategory::kCouple, 0, day),
            std::nullopt);
  EXPECT_EQ(data->AplRentCeilingCents("2", AplCeilingCategory::kSingle, 0,
                                      absl::CivilDay(2023, 9, 30)),
            std::nullopt);

  const CommuneZone* abc = data->FindCommuneZone("59350", "ABC", day);
  ASSERT_NE(abc, nullptr);
  EXPECT_EQ(abc->zone, "A");
  EXPECT_EQ(
      data->FindCommuneZone("59350", "ABC", absl::CivilDay(2023, 9, 30))->zone,
      "B1");
  EXPECT_EQ(data->FindCommuneZone("59350", "APL", day)->zone, "2");
  EXPECT_EQ(data->FindCommuneZone("59512", "APL", day), nullptr);

  const Target* plai = data->FindTarget("PLAI_SHARE_NEW", "EPCI", day);
  ASSERT_NE(plai, nullptr);
  EXPECT_EQ(plai->min_permille, 250);
  EXPECT_EQ(plai->max_permille, 300);
  EXPECT_TRUE(plai->verified);
  EXPECT_EQ(
      data->FindTarget("PLAI_SHARE_NEW", "EPCI", absl::CivilDay(2016, 10, 13)),
      nullptr);
  const Target* weight = data->FindTarget("NPRU_WEIGHT", "COMMUNE", day);
  ASSERT_NE(weight, nullptr);
  EXPECT_FALSE(weight->min_permille.has_value());

  EXPECT_EQ(data->FindFragilityClass("593500101", absl::CivilDay(2021, 12, 31))
                ->fragility_class,
            "FRAGILE");
  EXPECT_EQ(data->FindFragilityClass("593500101", day)->fragility_class,
            "INTERMEDIATE");
  EXPECT_EQ(data->FindFragilityClass("593500102", day), nullptr);

  EXPECT_EQ(data->FindOccupancyNorm(2, day)->min_surface_m2, 16);
  EXPECT_EQ(data->FindOccupancyNorm(7, day)->persons, 3);  // the last row
  EXPECT_EQ(data->FindOccupancyNorm(0, day), nullptr);
  EXPECT_EQ(data->FindOccupancyNorm(1, absl::CivilDay(2014, 1, 1)), nullptr);

  std::vector<const CoordinationBodyMember*> c1 =
      data->CoordinationBodyMembers("C1", absl::CivilDay(2019, 1, 1));
  ASSERT_EQ(c1.size(), 2u);
  EXPECT_EQ(c1[0]->insee, "59350");
  EXPECT_EQ(c1[1]->insee, "59512");
  EXPECT_EQ(c1[0]->name, "First");
  EXPECT_EQ(data->CoordinationBodyMembers("C1", day).size(), 1u);
  EXPECT_THAT(data->CoordinationBodiesOf("59350", absl::CivilDay(2019, 1, 1)),
              ElementsAre("C1", "C2"));
  EXPECT_THAT(data->CoordinationBodiesOf("59350", day), ElementsAre("C2"));

  const MaxRent* rent2016 =
      data->FindMaxRent("PLAI", "2", absl::CivilDay(2016, 6, 1));
  ASSERT_NE(rent2016, nullptr);  // the "*" row
  EXPECT_EQ(rent2016->max_rent_cents_per_m2, 492);
  EXPECT_EQ(data->FindMaxRent("PLAI", "2", day)->max_rent_cents_per_m2, 500);
  EXPECT_EQ(data->FindMaxRent("PLAI", "3", day), nullptr);
  EXPECT_EQ(data->FindMaxRent("PLUS", "2", day), nullptr);
}

TEST(ReferenceCodesTest, IrisAndInseeFormats) {
  EXPECT_TRUE(IsIrisCode("593500101"));
  EXPECT_TRUE(IsIrisCode("2A0040101"));
  EXPECT_FALSE(IsIrisCode("59350010"));
  EXPECT_FALSE(IsIrisCode("59350010A"));
  EXPECT_FALSE(IsIrisCode("2C0040101"));
  EXPECT_FALSE(IsIrisCode(""));
  EXPECT_TRUE(IsInseeCode("59350"));
  EXPECT_TRUE(IsInseeCode("2B033"));
  EXPECT_FALSE(IsInseeCode("5935"));
}

TEST_F(ReferenceSampleTest, FurtherFilesOfTheSample) {
  auto ref = [&](const char* insee, absl::CivilDay on) -> std::string {
    const Commitment* c = data_->FindCommitment(PartyKind::kCommune, insee, on);
    return c == nullptr ? "none" : c->amendment_ref;
  };
  EXPECT_EQ(ref("59350", absl::CivilDay(2020, 6, 1)), "AV-2019-01");
  EXPECT_EQ(ref("59350", absl::CivilDay(2024, 6, 1)), "AV-2022-02");
  EXPECT_EQ(ref("59599", absl::CivilDay(2024, 6, 1)), "AV-2019-01");
  EXPECT_EQ(ref("59599", absl::CivilDay(2025, 6, 1)), "none");

  // Verified: the 2016 IML amounts and maximum rents, the PLAI target.
  const int64_t iml_2016[] = {150000, 150000, 400000, 400000, 500000, 500000};
  for (int typology = 1; typology <= 6; ++typology) {
    const ImlRate* rate = data_->FindImlRateForCommune(
        "59512", typology, absl::CivilDay(2018, 1, 1));
    ASSERT_NE(rate, nullptr) << typology;
    EXPECT_EQ(rate->amount_cents, iml_2016[typology - 1]);
    EXPECT_TRUE(rate->verified);
    const ImlRate* zoned = data_->FindImlRateForCommune(
        "59512", typology, absl::CivilDay(2022, 1, 1));
    ASSERT_NE(zoned, nullptr) << typology;
    EXPECT_FALSE(zoned->verified);
  }
  absl::CivilDay in_2016(2016, 6, 1);
  ASSERT_NE(data_->FindMaxRent("PLAI", "2", in_2016), nullptr);
  EXPECT_EQ(data_->FindMaxRent("PLAI", "2", in_2016)->max_rent_cents_per_m2,
            492);
  EXPECT_EQ(data_->FindMaxRent("PLUS", "2", in_2016)->max_rent_cents_per_m2,
            554);
  EXPECT_TRUE(data_->FindMaxRent("PLUS", "2", in_2016)->verified);
  const Target* plai =
      data_->FindTarget("PLAI_SHARE_NEW", "EPCI", absl::CivilDay(2023, 1, 1));
  ASSERT_NE(plai, nullptr);
  EXPECT_TRUE(plai->verified);
  EXPECT_EQ(plai->min_permille, 250);
  EXPECT_EQ(plai->max_permille, 300);

  // Everything else of the further files is illustrative.
  for (const auto& row : loaded_.commitments()) {
    EXPECT_EQ(row.source(), relog::v1::REFERENCE_SOURCE_ILLUSTRATIVE);
  }
  for (const auto& row : loaded_.apl_rent_ceilings()) {
    EXPECT_EQ(row.source(), relog::v1::REFERENCE_SOURCE_ILLUSTRATIVE);
  }
  for (const auto& row : loaded_.commune_zones()) {
    EXPECT_EQ(row.source(), relog::v1::REFERENCE_SOURCE_ILLUSTRATIVE);
  }

  // Programme splits, when known, sum to the dwellings.
  int with_split = 0;
  for (const Programme* programme : data_->Programmes()) {
    if (!programme->dwellings_plai.has_value()) continue;
    ++with_split;
    EXPECT_EQ(*programme->dwellings_plai + *programme->dwellings_plus +
                  *programme->dwellings_pls,
              programme->dwellings)
        << programme->id;
  }
  EXPECT_GE(with_split, 15);
  ASSERT_NE(data_->FindProgramme("PRG-001"), nullptr);
  const FragilityClass* fragility = data_->FindFragilityClass(
      data_->FindProgramme("PRG-001")->iris, absl::CivilDay(2023, 1, 1));
  ASSERT_NE(fragility, nullptr);

  // The sample declares no complete list, and no commune succession.
  EXPECT_FALSE(data_->Covered("programmes.csv", absl::CivilDay(2023, 1, 1),
                              absl::CivilDay(2024, 1, 1)));
  EXPECT_EQ(data_->SuccessorOf("59350", absl::CivilDay(2024, 1, 1)), "59350");
  EXPECT_EQ(
      data_->FindOccupancyNorm(10, absl::CivilDay(2024, 1, 1))->min_surface_m2,
      70);
  EXPECT_FALSE(
      data_
          ->CoordinationBodyMembers("COORD-ROUBAIX", absl::CivilDay(2024, 1, 1))
          .empty());
  EXPECT_EQ(data_->AllocationsOf(2023).size(), 6u);
  EXPECT_TRUE(data_->FindCommuneZone("59350", "APL",
                                     absl::CivilDay(2024, 1, 1)) != nullptr);
}

}  // namespace
}  // namespace relog::reference
