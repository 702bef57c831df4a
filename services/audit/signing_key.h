// The Ed25519 key pair of relogd's checkpoints (OpenSSL), and the public
// half that verifiers load. docs/AUDIT.md, "The checkpoint key".
//
// The private key lives in one PEM file (PKCS#8, unencrypted), by default
// <data_dir>/keys/checkpoint-ed25519.pem: mode 0600 in a folder created
// 0700. A key file that group or others may access is refused: anyone who
// can read it can sign checkpoints of a history that never was.
#ifndef RELOG_SERVICES_AUDIT_SIGNING_KEY_H_
#define RELOG_SERVICES_AUDIT_SIGNING_KEY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace relog::audit {

// Reasons of the errors below (google.rpc.ErrorInfo).
inline constexpr char kReasonKeyFilePermissions[] = "KEY_FILE_PERMISSIONS";
inline constexpr char kReasonKeyFileInvalid[] = "KEY_FILE_INVALID";
inline constexpr char kReasonKeyFileIo[] = "KEY_FILE_IO";
inline constexpr char kReasonPublicKeyInvalid[] = "PUBLIC_KEY_INVALID";

// Raw Ed25519 sizes.
inline constexpr size_t kPublicKeySize = 32;
inline constexpr size_t kSignatureSize = 64;

// An Ed25519 public key. Immutable, so thread-safe.
class PublicKey {
 public:
  // From a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo), as GetPublicKey
  // and `relogctl audit public-key` give it. INVALID_ARGUMENT
  // PUBLIC_KEY_INVALID if it is not one, or not Ed25519.
  static absl::StatusOr<PublicKey> FromPem(absl::string_view pem);
  // From the 32 raw bytes. INVALID_ARGUMENT PUBLIC_KEY_INVALID otherwise.
  static absl::StatusOr<PublicKey> FromRaw(absl::string_view raw);

  // The 32 raw bytes.
  const std::string& raw() const { return raw_; }
  // The PEM "PUBLIC KEY" block, ending with a newline.
  const std::string& pem() const { return pem_; }
  // The first 16 lowercase hex digits of SHA-256(raw()): how a checkpoint
  // names the key that signed it.
  const std::string& key_id() const { return key_id_; }

  // True if `signature` (64 bytes) is this key's Ed25519 signature of
  // `message`.
  bool Verify(absl::string_view message, absl::string_view signature) const;

 private:
  PublicKey(std::string raw, std::string pem);
  std::string raw_;
  std::string pem_;
  std::string key_id_;
};

// An Ed25519 private key. Thread-safe: Sign() creates its own OpenSSL
// context per call.
class SigningKey {
 public:
  // Loads the key in `path`, or, if no file is there, generates one and
  // writes it there (mode 0600, atomically: temporary file, fsync, rename,
  // fsync of the folder), creating missing folders with mode 0700.
  // Errors: FAILED_PRECONDITION KEY_FILE_PERMISSIONS (group or others may
  // access the file), FAILED_PRECONDITION KEY_FILE_INVALID (not an Ed25519
  // private key in PEM), INTERNAL KEY_FILE_IO (cannot read or write it).
  static absl::StatusOr<std::unique_ptr<SigningKey>> LoadOrCreate(
      const std::string& path);
  // A fresh key held in memory only (tests).
  static std::unique_ptr<SigningKey> GenerateForTesting();

  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  // The Ed25519 signature (64 bytes) of `message`.
  std::string Sign(absl::string_view message) const;
  const PublicKey& public_key() const { return public_key_; }

 private:
  struct Impl;
  SigningKey(std::unique_ptr<Impl> impl, PublicKey public_key);
  std::unique_ptr<Impl> impl_;
  PublicKey public_key_;
};

}  // namespace relog::audit

#endif  // RELOG_SERVICES_AUDIT_SIGNING_KEY_H_
