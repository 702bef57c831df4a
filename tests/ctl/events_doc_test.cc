// docs/EVENTS.md is generated from the case event protos: a field or an
// event added without regenerating it fails here.
#include "clients/relogctl/events_doc.h"

#include <fstream>
#include <iterator>
#include <string>

#include "gtest/gtest.h"
#include "services/cases/event_codec.h"

namespace relog::ctl {
namespace {

TEST(EventsDocTest, CommittedFileIsCurrent) {
  const std::string path = std::string(RELOG_SOURCE_DIR) + "/docs/EVENTS.md";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing " << path;
  const std::string committed((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
  EXPECT_TRUE(committed == RenderEventsMarkdown() + "\n")
      << path
      << " is not what the protos give: regenerate it with "
         "`build/bin/relogctl help events > docs/EVENTS.md` and commit it";
}

TEST(EventsDocTest, DescribesEveryEventTypeWithItsCommentsAndClasses) {
  const std::string doc = RenderEventsMarkdown();
  for (const std::string& type : cases::AllCaseEventTypes()) {
    const std::string name = type.substr(type.rfind('.') + 1);
    EXPECT_NE(doc.find("\n### " + name + "\n"), std::string::npos) << type;
  }
  // Comments come from the .proto, classes from the field options.
  EXPECT_NE(doc.find("| 6 | `tenant_reference` | string | PERSONAL_ALLOCATION "
                     "| The landlord's tenant reference. |"),
            std::string::npos);
  EXPECT_NE(doc.find("### relog.v1.DwellingFacts"), std::string::npos);
  EXPECT_NE(doc.find("| 1 | `REFUSAL_REASON_LOCATION` |"), std::string::npos);
  EXPECT_EQ(doc.find("`sealed`"), std::string::npos);
}

}  // namespace
}  // namespace relog::ctl
