// Writes the golden bytes of the case events (tests/cases/golden/) from
// event_samples.cc: for every type, <type>.bin (the payload as stored,
// sealed) and <type>.textproto (the event unsealed, in text format).
//
// Golden bytes are decoded forever: by default only the missing files are
// written (a new event type). --overwrite rewrites them all, which only a
// deliberate change of the samples (never of a stored format) justifies.
//
//   relog_golden_writer [--overwrite] [DIR]   (DIR: the source tree's golden)
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "google/protobuf/text_format.h"
#include "services/cases/event_codec.h"
#include "tests/cases/event_samples.h"

namespace {

bool WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  bool overwrite = false;
  std::filesystem::path dir =
      std::filesystem::path(RELOG_SOURCE_DIR) / "tests/cases/golden";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--overwrite") == 0) {
      overwrite = true;
    } else {
      dir = argv[i];
    }
  }
  std::filesystem::create_directories(dir);
  int written = 0;
  for (const relog::cases::CaseEvent& event :
       relog::cases::testing::SampleEventOfEveryType()) {
    const std::string type = relog::cases::EventType(event);
    const std::filesystem::path bin = dir / (type + ".bin");
    const std::filesystem::path text = dir / (type + ".textproto");
    if (!overwrite && std::filesystem::exists(bin) &&
        std::filesystem::exists(text)) {
      continue;
    }
    absl::StatusOr<relog::NewEvent> encoded =
        relog::cases::EncodeCaseEvent(event);
    if (!encoded.ok()) {
      std::cerr << type << ": " << encoded.status() << "\n";
      return 1;
    }
    std::string printed;
    google::protobuf::TextFormat::Printer printer;
    printer.SetUseUtf8StringEscaping(true);
    printer.PrintToString(relog::cases::testing::StoredMessage(event),
                          &printed);
    const std::string header =
        "# proto-file: relog/v1/case_events.proto\n# proto-message: " + type +
        "\n# The event unsealed; " + type +
        ".bin holds its stored (sealed) bytes.\n# Written by "
        "relog_golden_writer (tests/cases/golden_writer.cc).\n\n";
    if (!WriteFile(bin, encoded->payload) ||
        !WriteFile(text, header + printed)) {
      std::cerr << "cannot write " << bin << " or " << text << "\n";
      return 1;
    }
    std::cout << "wrote " << bin << " and " << text << "\n";
    ++written;
  }
  std::cout << written << " type(s) written to " << dir << "\n";
  return 0;
}
