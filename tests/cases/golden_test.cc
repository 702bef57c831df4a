// Golden bytes: every stored case event type has, in tests/cases/golden/,
// <type>.bin (the payload as stored) and <type>.textproto (the event
// unsealed). They are decoded forever: a change of the schema that breaks
// them breaks stored events. relog_golden_writer writes the missing ones.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/cases/event_codec.h"
#include "storage/event_store.h"
#include "tests/cases/event_samples.h"
#include "tests/testing/status_matchers.h"

namespace relog::cases {
namespace {

using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;

const std::filesystem::path& GoldenDir() {
  static const auto* dir = new std::filesystem::path(
      std::filesystem::path(RELOG_SOURCE_DIR) / "tests/cases/golden");
  return *dir;
}

bool ReadFile(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in),
             std::istreambuf_iterator<char>());
  return true;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, DecodesToTheTextprotoAndReencodesToTheSameBytes) {
  const std::string& type = GetParam();
  std::string bin;
  std::string text;
  ASSERT_TRUE(ReadFile(GoldenDir() / (type + ".bin"), bin))
      << "no golden bytes for " << type
      << ": run relog_golden_writer and commit tests/cases/golden/";
  ASSERT_TRUE(ReadFile(GoldenDir() / (type + ".textproto"), text)) << type;

  std::unique_ptr<Message> expected = testing::NewMessageOfType(type);
  ASSERT_NE(expected, nullptr) << type;
  ASSERT_TRUE(
      google::protobuf::TextFormat::ParseFromString(text, expected.get()))
      << type;

  RecordedEvent recorded;
  recorded.stream_id = "case-golden";
  recorded.version = 7;
  recorded.type = type;
  recorded.payload = bin;
  recorded.metadata.occurred_at = absl::CivilDay(2024, 3, 4);
  absl::StatusOr<CaseEvent> decoded =
      DecodeCaseEvent(recorded, AllDataClasses());
  ASSERT_OK(decoded);
  EXPECT_EQ(EventType(*decoded), type);
  EXPECT_EQ(decoded->occurred_on, absl::CivilDay(2024, 3, 4));
  const Message& actual = testing::StoredMessage(*decoded);
  EXPECT_TRUE(MessageDifferencer::Equals(actual, *expected))
      << "decoded:\n"
      << actual.DebugString() << "golden:\n"
      << expected->DebugString();

  absl::StatusOr<NewEvent> encoded = EncodeCaseEvent(
      testing::CaseEventFromMessage(*expected, absl::CivilDay(2024, 3, 4)));
  ASSERT_OK(encoded);
  EXPECT_EQ(encoded->type, type);
  EXPECT_TRUE(encoded->payload == bin)
      << type << ": re-encoding the golden textproto gives other bytes";
}

INSTANTIATE_TEST_SUITE_P(EveryType, GoldenTest,
                         ::testing::ValuesIn(AllCaseEventTypes()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '.') c = '_';
                           }
                           return name;
                         });

TEST(GoldenDirTest, HoldsExactlyTheStoredTypes) {
  std::set<std::string> bins;
  std::set<std::string> texts;
  for (const auto& entry : std::filesystem::directory_iterator(GoldenDir())) {
    const std::filesystem::path& path = entry.path();
    if (path.extension() == ".bin") bins.insert(path.stem().string());
    if (path.extension() == ".textproto") texts.insert(path.stem().string());
  }
  const std::vector<std::string> all = AllCaseEventTypes();
  const std::set<std::string> types(all.begin(), all.end());
  EXPECT_EQ(types.size(), all.size()) << "a type is listed twice";
  EXPECT_EQ(bins, types);
  EXPECT_EQ(texts, types);
}

TEST(GoldenDirTest, SamplesCoverEveryType) {
  std::vector<std::string> sampled;
  for (const CaseEvent& event : testing::SampleEventOfEveryType()) {
    sampled.push_back(EventType(event));
  }
  EXPECT_EQ(sampled, AllCaseEventTypes());
}

}  // namespace
}  // namespace relog::cases
