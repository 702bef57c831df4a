#include "services/audit/signing_key.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "glog/logging.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "services/audit/atomic_file.h"
#include "storage/errors.h"
#include "storage/sha256.h"

namespace relog::audit {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

absl::Status InvalidPublicKey(absl::string_view what) {
  return MakeError(absl::StatusCode::kInvalidArgument, kReasonPublicKeyInvalid,
                   absl::StrCat("not an Ed25519 public key: ", what));
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size))
                  : std::string();
}

std::string RawPublicKey(EVP_PKEY* key) {
  std::string raw(kPublicKeySize, '\0');
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(
          key, reinterpret_cast<unsigned char*>(raw.data()), &size) != 1 ||
      size != kPublicKeySize) {
    return "";
  }
  return raw;
}

std::string PublicPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key) != 1) return "";
  return BioContents(bio.get());
}

}  // namespace

PublicKey::PublicKey(std::string raw, std::string pem)
    : raw_(std::move(raw)),
      pem_(std::move(pem)),
      key_id_(ToHex(Sha256({raw_})).substr(0, 16)) {}

absl::StatusOr<PublicKey> PublicKey::FromPem(absl::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return InvalidPublicKey("out of memory");
  Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) return InvalidPublicKey("no PEM PUBLIC KEY block");
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return InvalidPublicKey("another algorithm");
  }
  std::string raw = RawPublicKey(key.get());
  if (raw.empty()) return InvalidPublicKey("no raw key");
  return PublicKey(std::move(raw), PublicPem(key.get()));
}

absl::StatusOr<PublicKey> PublicKey::FromRaw(absl::string_view raw) {
  if (raw.size() != kPublicKeySize) {
    return InvalidPublicKey(absl::StrCat(raw.size(), " bytes, not 32"));
  }
  Pkey key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
  if (key == nullptr) return InvalidPublicKey("rejected by OpenSSL");
  return PublicKey(std::string(raw), PublicPem(key.get()));
}

bool PublicKey::Verify(absl::string_view message,
                       absl::string_view signature) const {
  if (signature.size() != kSignatureSize) return false;
  Pkey key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(raw_.data()), raw_.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  if (key == nullptr || ctx == nullptr) return false;
  // Ed25519 hashes the message itself: no digest is named.
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) !=
      1) {
    return false;
  }
  return EVP_DigestVerify(
             ctx.get(),
             reinterpret_cast<const unsigned char*>(signature.data()),
             signature.size(),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size()) == 1;
}

struct SigningKey::Impl {
  Pkey key;
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl, PublicKey public_key)
    : impl_(std::move(impl)), public_key_(std::move(public_key)) {}

SigningKey::~SigningKey() = default;

std::unique_ptr<SigningKey> SigningKey::GenerateForTesting() {
  auto impl = std::make_unique<Impl>();
  impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  CHECK(impl->key != nullptr) << "Ed25519 key generation failed";
  absl::StatusOr<PublicKey> public_key =
      PublicKey::FromRaw(RawPublicKey(impl->key.get()));
  CHECK(public_key.ok()) << public_key.status();
  return std::unique_ptr<SigningKey>(
      new SigningKey(std::move(impl), *std::move(public_key)));
}

absl::StatusOr<std::unique_ptr<SigningKey>> SigningKey::LoadOrCreate(
    const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) {
      return MakeError(absl::StatusCode::kInternal, kReasonKeyFileIo,
                       absl::StrCat("cannot stat the checkpoint key ", path,
                                    ": ", strerror(errno)));
    }
    // First start: a new key, in a folder only relogd's user may enter.
    const std::filesystem::path folder =
        std::filesystem::path(path).parent_path();
    if (!folder.empty() && !std::filesystem::exists(folder)) {
      std::error_code error;
      std::filesystem::create_directories(folder, error);
      if (error || chmod(folder.c_str(), 0700) != 0) {
        return MakeError(
            absl::StatusCode::kInternal, kReasonKeyFileIo,
            absl::StrCat("cannot create the key folder ", folder.string(), ": ",
                         error ? error.message() : strerror(errno)));
      }
    }
    std::unique_ptr<SigningKey> key = GenerateForTesting();
    Bio bio(BIO_new(BIO_s_mem()));
    if (bio == nullptr ||
        PEM_write_bio_PrivateKey(bio.get(), key->impl_->key.get(), nullptr,
                                 nullptr, 0, nullptr, nullptr) != 1) {
      return MakeError(absl::StatusCode::kInternal, kReasonKeyFileIo,
                       "cannot encode the new checkpoint key");
    }
    if (absl::Status written = WriteFileAtomically(path, BioContents(bio.get()),
                                                   0600, kReasonKeyFileIo);
        !written.ok()) {
      return written;
    }
    LOG(INFO) << "new checkpoint key " << key->public_key().key_id()
              << " written to " << path;
    return key;
  }
  if (!S_ISREG(info.st_mode)) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, kReasonKeyFileInvalid,
        absl::StrCat("the checkpoint key ", path, " is not a regular file"));
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, kReasonKeyFilePermissions,
        absl::StrFormat("the checkpoint key %s may be accessed by group or "
                        "others (mode %04o): whoever reads it can sign "
                        "checkpoints; run chmod 600 %s",
                        path, info.st_mode & 07777, path));
  }
  absl::StatusOr<std::string> pem = ReadWholeFile(path, kReasonKeyFileIo);
  if (!pem.ok()) return pem.status();
  Bio bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  auto impl = std::make_unique<Impl>();
  if (bio != nullptr) {
    impl->key.reset(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  }
  if (impl->key == nullptr ||
      EVP_PKEY_get_id(impl->key.get()) != EVP_PKEY_ED25519) {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     kReasonKeyFileInvalid,
                     absl::StrCat("the checkpoint key ", path,
                                  " is not an Ed25519 private key in PEM"));
  }
  absl::StatusOr<PublicKey> public_key =
      PublicKey::FromRaw(RawPublicKey(impl->key.get()));
  if (!public_key.ok()) return public_key.status();
  return std::unique_ptr<SigningKey>(
      new SigningKey(std::move(impl), *std::move(public_key)));
}

std::string SigningKey::Sign(absl::string_view message) const {
  std::string signature(kSignatureSize, '\0');
  size_t size = signature.size();
  MdCtx ctx(EVP_MD_CTX_new());
  CHECK(ctx != nullptr &&
        EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr,
                           impl_->key.get()) == 1 &&
        EVP_DigestSign(
            ctx.get(), reinterpret_cast<unsigned char*>(signature.data()),
            &size, reinterpret_cast<const unsigned char*>(message.data()),
            message.size()) == 1 &&
        size == kSignatureSize)
      << "Ed25519 signing failed";
  return signature;
}

}  // namespace relog::audit
