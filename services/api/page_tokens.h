// The page tokens of CaseService's lists: what GetCaseHistory and ListCases
// hand out as next_page_token and read back from page_token. Opaque to
// callers; anything these functions did not make is INVALID_ARGUMENT naming
// page_token.
#ifndef RELOG_SERVICES_API_PAGE_TOKENS_H_
#define RELOG_SERVICES_API_PAGE_TOKENS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace relog::api {

// GetCaseHistory: "v:{next version}".
std::string HistoryPageToken(uint64_t next_version);
// The version a history page starts at: 0 for an empty token.
absl::StatusOr<uint64_t> ParseHistoryPageToken(absl::string_view token);

// ListCases: "after:{last case id returned}".
std::string ListPageToken(absl::string_view last_case_id);
// The case id a list page starts after: "" (from the start) for an empty
// token.
absl::StatusOr<std::string> ParseListPageToken(absl::string_view token);

}  // namespace relog::api

#endif  // RELOG_SERVICES_API_PAGE_TOKENS_H_
