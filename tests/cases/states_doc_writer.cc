// Writes docs/STATES.md from the phase rules (RenderStatesMarkdown). Run it
// after changing services/cases/phase_rules.cc, then commit the file;
// StatesDocTest fails until the committed file is current.
//   relog_states_doc [PATH]   (default: <source dir>/docs/STATES.md)
#include <fstream>
#include <iostream>
#include <string>

#include "services/cases/states_doc.h"

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1] : std::string(RELOG_SOURCE_DIR) + "/docs/STATES.md";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << relog::cases::RenderStatesMarkdown();
  out.close();
  if (!out) {
    std::cerr << "cannot write " << path << "\n";
    return 1;
  }
  std::cout << "wrote " << path << "\n";
  return 0;
}
