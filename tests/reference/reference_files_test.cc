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
       "first_conventionnement;financing;source\n"
       "P1;Prog;999000011;59350;;10;2020-01-01;;PLUS;illustrative\n"},
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
                         "P2;Prog;999000011;59350;;10;15/01/2020;;PLUS;"
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
                         "P2;Prog;999000011;59512;QP059001;10;;;PLUS;"
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
                         "P2;Prog;999000011;59350;;10;;;PLAS;illustrative"),
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
      data_->FindOperation("OP-LIL-CONCORDE-1", absl::CivilDay(2017, 1, 1)),
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

}  // namespace
}  // namespace relog::reference
