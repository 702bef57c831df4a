#include "storage/sha256.h"

#include <openssl/evp.h>

#include <memory>

#include "glog/logging.h"
#include "storage/byte_codec.h"

namespace relog {
namespace {

// Fetched once: OpenSSL 3 otherwise looks the algorithm up on every digest.
const EVP_MD* Sha256Algorithm() {
  static const EVP_MD* const kMd = [] {
    const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    CHECK(md != nullptr) << "OpenSSL has no SHA256";
    return md;
  }();
  return kMd;
}

struct CtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::string Sha256(std::initializer_list<absl::string_view> parts) {
  // One context per thread: allocation would otherwise dominate short inputs.
  thread_local std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
  CHECK(ctx != nullptr);
  CHECK_EQ(EVP_DigestInit_ex(ctx.get(), Sha256Algorithm(), nullptr), 1);
  for (absl::string_view part : parts) {
    CHECK_EQ(EVP_DigestUpdate(ctx.get(), part.data(), part.size()), 1);
  }
  std::string out(kHashSize, '\0');
  unsigned int len = 0;
  CHECK_EQ(EVP_DigestFinal_ex(
               ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len),
           1);
  CHECK_EQ(len, kHashSize);
  return out;
}

const std::string& ZeroHash() {
  static const std::string* const kZero = new std::string(kHashSize, '\0');
  return *kZero;
}

std::string NextStreamHash(absl::string_view previous,
                           absl::string_view canonical_event) {
  return Sha256({previous, canonical_event});
}

std::string NextGlobalHash(absl::string_view previous, uint64_t position,
                           absl::string_view stream_hash) {
  std::string be_position;
  bytes::PutU64(&be_position, position);
  return Sha256({previous, be_position, stream_hash});
}

std::string ToHex(absl::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

}  // namespace relog
