// SHA-256 (OpenSSL) and the two hash chains of DESIGN.md invariant 7.
#ifndef RELOG_STORAGE_SHA256_H_
#define RELOG_STORAGE_SHA256_H_

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"

namespace relog {

inline constexpr size_t kHashSize = 32;

// SHA-256 of the concatenation of `parts`, as 32 raw bytes.
std::string Sha256(std::initializer_list<absl::string_view> parts);

// 32 zero bytes: the "previous hash" of a stream's first event and of
// position 1.
const std::string& ZeroHash();

// stream_hash = SHA-256(previous stream_hash ‖ canonical event bytes)
std::string NextStreamHash(absl::string_view previous,
                           absl::string_view canonical_event);

// global_hash = SHA-256(previous global_hash ‖ u64be(position) ‖ stream_hash)
std::string NextGlobalHash(absl::string_view previous, uint64_t position,
                           absl::string_view stream_hash);

// Lowercase hex, for reports and messages.
std::string ToHex(absl::string_view bytes);

}  // namespace relog

#endif  // RELOG_STORAGE_SHA256_H_
