#include "storage/event_id.h"

#include <openssl/evp.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace relog {
namespace {

// relog's UUID namespace (a random UUIDv4 chosen once; never change it, or
// retried requests stop matching their events).
constexpr uint8_t kNamespace[16] = {0x6b, 0x1f, 0x3c, 0x2e, 0x9a, 0x47,
                                    0x4d, 0x1b, 0x8e, 0x55, 0x0c, 0x6a,
                                    0xd2, 0x71, 0x93, 0xf4};

}  // namespace

EventId DeriveEventId(absl::string_view request_id, uint32_t index) {
  std::string name = absl::StrCat(request_id, "/", index);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  CHECK(ctx != nullptr);
  CHECK_EQ(EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr), 1);
  CHECK_EQ(EVP_DigestUpdate(ctx, kNamespace, sizeof(kNamespace)), 1);
  CHECK_EQ(EVP_DigestUpdate(ctx, name.data(), name.size()), 1);
  CHECK_EQ(EVP_DigestFinal_ex(ctx, digest, &len), 1);
  EVP_MD_CTX_free(ctx);
  EventId id;
  std::memcpy(id.data(), digest, id.size());
  id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x50);  // version 5
  id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return id;
}

}  // namespace relog
