// docs/STATES.md is generated from the phase rules: a rule changed without
// regenerating it fails here.
#include "services/cases/states_doc.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/cases/commands.h"
#include "services/cases/phase_rules.h"

namespace relog::cases {
namespace {

TEST(StatesDocTest, CommittedFileIsCurrent) {
  const std::string path = std::string(RELOG_SOURCE_DIR) + "/docs/STATES.md";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing " << path
                  << ": build and run relog_states_doc, then commit it";
  const std::string committed((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
  EXPECT_TRUE(committed == RenderStatesMarkdown())
      << path
      << " is not what the phase rules give: regenerate it with `ninja -C "
         "build/test relog_states_doc && build/bin/test/relog_states_doc` "
         "(or the relog_states_doc of your build) and commit it";
}

TEST(StatesDocTest, NamesEveryCommandAndEveryRefusal) {
  const std::string doc = RenderStatesMarkdown();
  for (CommandKind kind : AllCommandKinds()) {
    EXPECT_NE(doc.find(std::string("### ") + CommandName(kind) + "\n"),
              std::string::npos)
        << CommandName(kind);
    EXPECT_NE(doc.find(CommandEmits(kind)), std::string::npos);
    EXPECT_NE(doc.find(CommandConditions(kind)), std::string::npos);
    for (Phase phase : kAllPhases) {
      const std::string reason = PhaseRefusalReason(kind, phase);
      if (!reason.empty()) {
        EXPECT_NE(
            doc.find(std::string("`") + PhaseName(phase) + "` → " + reason),
            std::string::npos);
      }
    }
  }
}

TEST(StatesDocTest, AllowedPhasesAgreeWithRefusals) {
  for (CommandKind kind : AllCommandKinds()) {
    std::vector<Phase> allowed = AllowedPhases(kind);
    for (Phase phase : kAllPhases) {
      const bool listed =
          std::find(allowed.begin(), allowed.end(), phase) != allowed.end();
      EXPECT_EQ(listed, std::string(PhaseRefusalReason(kind, phase)).empty())
          << CommandName(kind) << " in " << PhaseName(phase);
    }
  }
}

}  // namespace
}  // namespace relog::cases
