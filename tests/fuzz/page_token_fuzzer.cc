// libFuzzer target for the page tokens of ListCases and GetCaseHistory
// (services/api/page_tokens.h): any bytes as page_token. A token the
// service did not make is INVALID_ARGUMENT with a field violation naming
// page_token; one it accepts reads back the same after a round trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/api/page_tokens.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using relog::fuzz::Check;
  const std::string token(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<uint64_t> from = relog::api::ParseHistoryPageToken(token);
  if (from.ok()) {
    Check(!token.empty() || *from == 0, "empty history token not at 0");
    absl::StatusOr<uint64_t> again =
        relog::api::ParseHistoryPageToken(relog::api::HistoryPageToken(*from));
    Check(again.ok() && *again == *from, "history token round trip",
          again.status());
  } else {
    relog::fuzz::CheckFieldViolation(from.status(), "page_token");
  }

  absl::StatusOr<std::string> after = relog::api::ParseListPageToken(token);
  if (after.ok()) {
    Check(token.empty() == after->empty(), "list token read as the start");
    if (!after->empty()) {
      absl::StatusOr<std::string> again =
          relog::api::ParseListPageToken(relog::api::ListPageToken(*after));
      Check(again.ok() && *again == *after, "list token round trip",
            again.status());
    }
  } else {
    relog::fuzz::CheckFieldViolation(after.status(), "page_token");
  }
  return 0;
}
