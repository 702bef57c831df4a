// Error reasons and helpers of the case domain (google.rpc.ErrorInfo
// reasons, UPPER_SNAKE). Each reason names one rule.
#ifndef RELOG_SERVICES_CASES_DOMAIN_ERRORS_H_
#define RELOG_SERVICES_CASES_DOMAIN_ERRORS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/errors.h"

namespace relog {
namespace reason {
// INVALID_ARGUMENT, with the field.
inline constexpr char kFieldRequired[] = "FIELD_REQUIRED";
inline constexpr char kValueOutOfRange[] = "VALUE_OUT_OF_RANGE";
inline constexpr char kInvalidDate[] = "INVALID_DATE";
inline constexpr char kDateInFuture[] = "DATE_IN_FUTURE";
inline constexpr char kReferenceNotFound[] = "REFERENCE_NOT_FOUND";
inline constexpr char kFieldNotAllowed[] = "FIELD_NOT_ALLOWED";
// NOT_FOUND / ALREADY_EXISTS.
inline constexpr char kCaseNotFound[] = "CASE_NOT_FOUND";
inline constexpr char kCaseAlreadyExists[] = "CASE_ALREADY_EXISTS";
// FAILED_PRECONDITION: the case's state or a rule forbids the step.
inline constexpr char kStepOutOfOrder[] = "STEP_OUT_OF_ORDER";
inline constexpr char kCaseClosed[] = "CASE_CLOSED";
inline constexpr char kCaseExited[] = "CASE_EXITED";
inline constexpr char kOfferInProgress[] = "OFFER_IN_PROGRESS";
inline constexpr char kOfferNotFound[] = "OFFER_NOT_FOUND";
inline constexpr char kOfferNotInProgress[] = "OFFER_NOT_IN_PROGRESS";
inline constexpr char kDateBeforePrerequisite[] = "DATE_BEFORE_PREREQUISITE";
inline constexpr char kDeadlineNotPassed[] = "DEADLINE_NOT_PASSED";
inline constexpr char kOfferNotNotified[] = "OFFER_NOT_NOTIFIED";
inline constexpr char kLocationNotCompliant[] = "LOCATION_NOT_COMPLIANT";
inline constexpr char kAlreadyRecorded[] = "ALREADY_RECORDED";
inline constexpr char kConsentRequired[] = "CONSENT_REQUIRED";
inline constexpr char kOutcomeMismatch[] = "OUTCOME_MISMATCH";
inline constexpr char kStepNotFound[] = "STEP_NOT_FOUND";
inline constexpr char kCorrectionMismatch[] = "CORRECTION_MISMATCH";
inline constexpr char kCorrectionBreaksHistory[] = "CORRECTION_BREAKS_HISTORY";
}  // namespace reason

namespace meta {
inline constexpr char kPhase[] = "phase";
inline constexpr char kRule[] = "rule";
inline constexpr char kOfferId[] = "offer_id";
inline constexpr char kVersion[] = "version";
}  // namespace meta

namespace cases {

// INVALID_ARGUMENT naming `field` (a path in the RPC's request, e.g.
// "offer.dwelling.facts.surface_m2").
absl::Status InvalidField(absl::string_view field, absl::string_view reason,
                          absl::string_view message);

// FAILED_PRECONDITION with `reason`.
absl::Status RuleViolated(absl::string_view reason, absl::string_view message);

}  // namespace cases
}  // namespace relog

#endif  // RELOG_SERVICES_CASES_DOMAIN_ERRORS_H_
