// Internal to relog_reference: not part of its API (see reference_files.h).
// The checks across rows and files, once each row is parsed on its own.
#ifndef RELOG_SERVICES_REFERENCE_REFERENCE_INTEGRITY_H_
#define RELOG_SERVICES_REFERENCE_REFERENCE_INTEGRITY_H_

#include "absl/status/status.h"
#include "services/reference/reference_rows.h"

namespace relog::reference::internal {

// No duplicate key with overlapping validity; one adoption date per
// amendment; one name per coordination body and per quartier at a time;
// referential integrity (communes, landlords, quartiers, operations valid
// during the referencing row); commune successions. Sets the validity of
// each building to the span of its operation's versions.
absl::Status CheckIntegrity(ParsedRows& rows);

}  // namespace relog::reference::internal

#endif  // RELOG_SERVICES_REFERENCE_REFERENCE_INTEGRITY_H_
