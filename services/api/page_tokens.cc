#include "services/api/page_tokens.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/cases/domain_errors.h"

namespace relog::api {
namespace {

constexpr char kHistoryPrefix[] = "v:";
constexpr char kListPrefix[] = "after:";

}  // namespace

std::string HistoryPageToken(uint64_t next_version) {
  return absl::StrCat(kHistoryPrefix, next_version);
}

absl::StatusOr<uint64_t> ParseHistoryPageToken(absl::string_view token) {
  uint64_t from = 0;
  if (token.empty()) return from;
  if (!absl::ConsumePrefix(&token, kHistoryPrefix) ||
      !absl::SimpleAtoi(token, &from)) {
    return cases::InvalidField("page_token", reason::kValueOutOfRange,
                               "was not given by GetCaseHistory");
  }
  return from;
}

std::string ListPageToken(absl::string_view last_case_id) {
  return absl::StrCat(kListPrefix, last_case_id);
}

absl::StatusOr<std::string> ParseListPageToken(absl::string_view token) {
  if (token.empty()) return std::string();
  if (!absl::ConsumePrefix(&token, kListPrefix) || token.empty()) {
    return cases::InvalidField("page_token", reason::kValueOutOfRange,
                               "was not given by ListCases");
  }
  return std::string(token);
}

}  // namespace relog::api
