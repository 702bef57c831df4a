// RETURN_IF_ERROR / ASSIGN_OR_RETURN for Abseil 20220623, which predates
// ABSL_RETURN_IF_ERROR. Header-only; used by every layer.
#ifndef RELOG_STORAGE_STATUS_MACROS_H_
#define RELOG_STORAGE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RELOG_CONCAT_INNER_(a, b) a##b
#define RELOG_CONCAT_(a, b) RELOG_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status relog_status_ = (expr);         \
    if (!relog_status_.ok()) return relog_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(lhs, expr)`: evaluates the StatusOr `expr`; on error
// returns its status, otherwise moves the value into `lhs` (which may be a
// declaration such as `auto x`).
#define ASSIGN_OR_RETURN(lhs, expr)                                           \
  RELOG_ASSIGN_OR_RETURN_IMPL_(RELOG_CONCAT_(relog_statusor_, __LINE__), lhs, \
                               expr)

#define RELOG_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)  \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

#endif  // RELOG_STORAGE_STATUS_MACROS_H_
