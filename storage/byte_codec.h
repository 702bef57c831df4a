// Big-endian integers and length-prefixed strings, the building blocks of
// every stored format (see key_layout.h and event_record.h). Big-endian so
// that byte order is numeric order in keys.
#ifndef RELOG_STORAGE_BYTE_CODEC_H_
#define RELOG_STORAGE_BYTE_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace relog::bytes {

inline void PutU32(std::string* out, uint32_t v) {
  char buf[4];
  for (int i = 3; i >= 0; --i, v >>= 8) buf[i] = static_cast<char>(v & 0xff);
  out->append(buf, 4);
}

inline void PutU64(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i, v >>= 8) buf[i] = static_cast<char>(v & 0xff);
  out->append(buf, 8);
}

inline void PutI64(std::string* out, int64_t v) {
  PutU64(out, static_cast<uint64_t>(v));
}

// u32(len(s)) s
inline void PutString(std::string* out, absl::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s.data(), s.size());
}

inline std::string U64Key(uint64_t v) {
  std::string out;
  PutU64(&out, v);
  return out;
}

// Reads what the Put functions wrote. Every getter returns false, consuming
// nothing, when the input is too short.
class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in) {}

  bool U32(uint32_t* v) {
    if (in_.size() < 4) return false;
    uint32_t r = 0;
    for (int i = 0; i < 4; ++i) r = (r << 8) | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(4);
    *v = r;
    return true;
  }
  bool U64(uint64_t* v) {
    if (in_.size() < 8) return false;
    uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r = (r << 8) | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(8);
    *v = r;
    return true;
  }
  bool I64(int64_t* v) {
    uint64_t u;
    if (!U64(&u)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool Fixed(size_t n, absl::string_view* v) {
    if (in_.size() < n) return false;
    *v = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool String(absl::string_view* v) {
    absl::string_view saved = in_;
    uint32_t n;
    if (!U32(&n) || !Fixed(n, v)) {
      in_ = saved;
      return false;
    }
    return true;
  }
  bool empty() const { return in_.empty(); }
  absl::string_view rest() const { return in_; }

 private:
  absl::string_view in_;
};

}  // namespace relog::bytes

#endif  // RELOG_STORAGE_BYTE_CODEC_H_
