// relog-verify: checks an audit export of relog against signed checkpoints,
// without relogd and without any of relog's code — only the format of
// docs/AUDIT.md, the C++ standard library and OpenSSL (CMake refuses to
// build it otherwise). An auditor can read this one file and convince
// themselves that it checks what it says.
//
//   relog-verify --public-key=KEY.pem [--checkpoint=FILE]... EXPORT
//
// Recomputes every stream hash of the export's events and the global hash
// of every position it covers, then checks the checkpoint embedded at its
// end and each --checkpoint given: each must carry the key's valid Ed25519
// signature and name a position whose recomputed global hash is the one
// it signed. A checkpoint beyond the export's end means the newest events
// were deleted.
//
// Exit codes: 0 verified; 1 a file cannot be read, or a checkpoint cannot
// be checked against this export (it precedes the export's range); 2 usage;
// 3 broken — the first bad position and what is wrong there are printed.
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "openssl/evp.h"
#include "openssl/pem.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitBroken = 3;

// ---- bytes -----------------------------------------------------------------

bool FromHex(const std::string& hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  out->reserve(hex.size() / 2);
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int high = digit(hex[i]), low = digit(hex[i + 1]);
    if (high < 0 || low < 0) return false;
    out->push_back(static_cast<char>(high * 16 + low));
  }
  return true;
}

std::string ToHex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Sha256(const std::string& data) {
  unsigned char digest[32];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), 32);
}

std::string U64BigEndian(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

bool ParseDecimal(const std::string& text, uint64_t* value) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != v) return false;  // overflow
    v = next;
  }
  *value = v;
  return true;
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

// Reads big-endian integers and u32-length-prefixed strings.
class Reader {
 public:
  explicit Reader(const std::string& in) : in_(in) {}
  bool Fixed(size_t n, std::string* out) {
    if (in_.size() - at_ < n) return false;
    *out = in_.substr(at_, n);
    at_ += n;
    return true;
  }
  bool U64(uint64_t* v) {
    std::string b;
    if (!Fixed(8, &b)) return false;
    *v = 0;
    for (unsigned char c : b) *v = (*v << 8) | c;
    return true;
  }
  bool String(std::string* out) {
    std::string b;
    if (!Fixed(4, &b)) return false;
    uint32_t n = 0;
    for (unsigned char c : b) n = (n << 8) | c;
    return Fixed(n, out);
  }
  bool empty() const { return at_ == in_.size(); }

 private:
  const std::string& in_;
  size_t at_ = 0;
};

// The fields of canonical_event (docs/AUDIT.md) this verifier needs.
struct Event {
  std::string stream_id;
  uint64_t version = 0;
  uint64_t position = 0;
  int64_t recorded_at_us = 0;
};

bool DecodeCanonical(const std::string& bytes, Event* event) {
  Reader in(bytes);
  std::string tag, id, field;
  uint64_t recorded = 0;
  if (!in.Fixed(4, &tag) || tag != "RLE1" || !in.String(&event->stream_id) ||
      !in.U64(&event->version) || !in.U64(&event->position) ||
      !in.U64(&recorded) || !in.Fixed(16, &id)) {
    return false;
  }
  event->recorded_at_us = static_cast<int64_t>(recorded);
  // type, actor, correlation_id, causation_id, occurred_at, payload
  for (int i = 0; i < 6; ++i) {
    if (!in.String(&field)) return false;
  }
  return in.empty();
}

// "YYYY-MM-DDTHH:MM:SS.ffffffZ" of microseconds since the epoch (UTC).
std::string FormatMicros(int64_t micros) {
  int64_t seconds = micros / 1000000, fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  const time_t t = static_cast<time_t>(seconds);
  struct tm parts;
  gmtime_r(&t, &parts);
  char out[64];
  std::snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                parts.tm_hour, parts.tm_min, parts.tm_sec,
                static_cast<long long>(fraction));
  return out;
}

// ---- keys and checkpoints ---------------------------------------------------

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

struct PublicKey {
  Key key;
  std::string key_id;  // 16 hex digits of SHA-256(raw key)
};

bool LoadPublicKey(const std::string& pem, PublicKey* out) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return false;
  out->key.reset(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  if (out->key == nullptr ||
      EVP_PKEY_get_id(out->key.get()) != EVP_PKEY_ED25519) {
    return false;
  }
  std::string raw(32, '\0');
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(out->key.get(),
                                  reinterpret_cast<unsigned char*>(raw.data()),
                                  &size) != 1 ||
      size != 32) {
    return false;
  }
  out->key_id = ToHex(Sha256(raw)).substr(0, 16);
  return true;
}

bool VerifySignature(const PublicKey& key, const std::string& message,
                     const std::string& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return false;
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key.key.get()) ==
          1 &&
      EVP_DigestVerify(ctx,
                       reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

struct Checkpoint {
  std::string source;  // for messages
  uint64_t position = 0;
  std::string global_hash;  // 32 bytes
  std::string recorded_at;  // as written
  std::string signed_at;
  std::string key_id;
};

// A verdict: empty `problem` when fine.
struct Verdict {
  std::string problem;  // altered, missing, reordered, truncated, ...
  uint64_t position = 0;
  std::string detail;
  bool broken() const { return !problem.empty(); }
};

Verdict Broken(const std::string& problem, uint64_t position,
               const std::string& detail) {
  return Verdict{problem, position, detail};
}

bool IsLowerHex(const std::string& text, size_t size) {
  if (text.size() != size) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Parses the seven lines and checks the signature over the first six, as
// they are in the file.
Verdict ReadCheckpoint(const std::string& text, const std::string& source,
                       const PublicKey& key, Checkpoint* out) {
  out->source = source;
  const char* const kKeys[] = {"position",  "global_hash", "recorded_at",
                               "signed_at", "key_id",      "signature"};
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      return Broken("checkpoint malformed", 0,
                    source + ": the last line does not end with a newline");
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (lines.size() != 7 || lines[0] != "relog-checkpoint-v1") {
    return Broken("checkpoint malformed", 0,
                  source + ": not the 7 lines of relog-checkpoint-v1");
  }
  std::string values[6];
  for (int i = 0; i < 6; ++i) {
    const std::string prefix = std::string(kKeys[i]) + "=";
    if (lines[i + 1].compare(0, prefix.size(), prefix) != 0) {
      return Broken(
          "checkpoint malformed", 0,
          source + ": line " + std::to_string(i + 2) + " is not " + prefix);
    }
    values[i] = lines[i + 1].substr(prefix.size());
  }
  std::string signature;
  if (!ParseDecimal(values[0], &out->position) || out->position == 0 ||
      values[0][0] == '0' || !IsLowerHex(values[1], 64) ||
      !FromHex(values[1], &out->global_hash) || !IsLowerHex(values[4], 16) ||
      !IsLowerHex(values[5], 128) || !FromHex(values[5], &signature)) {
    return Broken("checkpoint malformed", 0,
                  source + ": a field does not have its format");
  }
  out->recorded_at = values[2];
  out->signed_at = values[3];
  out->key_id = values[4];
  if (out->key_id != key.key_id) {
    return Broken("wrong key", out->position,
                  source + " names key " + out->key_id +
                      ", not the key given (" + key.key_id + ")");
  }
  const size_t signed_size = text.size() - lines[6].size() - 1;
  if (!VerifySignature(key, text.substr(0, signed_size), signature)) {
    return Broken("bad signature", out->position,
                  source +
                      ": the signature does not verify: the checkpoint was "
                      "edited or forged");
  }
  return Verdict{};
}

// ---- the export ------------------------------------------------------------

struct Export {
  std::string scope_stream;  // empty for the whole log
  uint64_t first = 0, last = 0;
  std::string previous_global;
  uint64_t events = 0, links = 0;
  uint64_t verified_to = 0;  // the last position recomputed
  // Recomputed global hash and recorded_at at the checkpoints' positions.
  std::map<uint64_t, std::string> global_at;
  std::map<uint64_t, int64_t> recorded_at;
  std::string checkpoint_text;
};

struct StreamState {
  uint64_t next_version = 0;
  std::string last_hash;
};

// Reads and recomputes the export; `wanted` are the positions whose global
// hash the checkpoints need.
Verdict CheckExport(std::istream& in, const std::map<uint64_t, bool>& wanted,
                    Export* out) {
  std::string line;
  auto header = [&](const std::string& key, std::string* value) {
    if (!std::getline(in, line)) return false;
    const std::vector<std::string> f = SplitTabs(line);
    if (f.size() != 2 || f[0] != key) return false;
    *value = f[1];
    return true;
  };
  if (!std::getline(in, line) || line != "relog-export-v1") {
    return Broken("malformed", 0, "not a relog-export-v1 file");
  }
  if (!std::getline(in, line)) return Broken("malformed", 0, "no scope line");
  const std::vector<std::string> scope = SplitTabs(line);
  if (scope.size() == 2 && scope[0] == "scope" && scope[1] == "log") {
  } else if (scope.size() == 3 && scope[0] == "scope" && scope[1] == "stream" &&
             FromHex(scope[2], &out->scope_stream) &&
             !out->scope_stream.empty()) {
  } else {
    return Broken("malformed", 0, "the scope line does not parse");
  }
  std::string first, last, previous;
  if (!header("first_position", &first) || !ParseDecimal(first, &out->first) ||
      out->first == 0 || !header("last_position", &last) ||
      !ParseDecimal(last, &out->last) || out->last + 1 < out->first ||
      !header("previous_global_hash", &previous) || !IsLowerHex(previous, 64) ||
      !FromHex(previous, &out->previous_global)) {
    return Broken("malformed", 0, "the header lines do not parse");
  }
  if (out->scope_stream.empty() &&
      (out->first != 1 || out->previous_global != std::string(32, '\0'))) {
    return Broken("malformed", 0,
                  "an export of the whole log starts at position 1 from 32 "
                  "zero bytes");
  }
  std::map<std::string, StreamState> streams;
  std::string global = out->previous_global;
  uint64_t expected = out->first;
  int64_t last_recorded = INT64_MIN;
  out->global_at[out->first - 1] = global;
  for (;;) {
    if (!std::getline(in, line)) {
      return Broken("malformed", expected,
                    "the export ends without its end line");
    }
    const std::vector<std::string> f = SplitTabs(line);
    if (f[0] == "end") {
      uint64_t events = 0, links = 0;
      if (f.size() != 3 || !ParseDecimal(f[1], &events) ||
          !ParseDecimal(f[2], &links) || events != out->events ||
          links != out->links) {
        return Broken("malformed", expected,
                      "the end line does not count the rows given");
      }
      break;
    }
    uint64_t position = 0;
    if ((f[0] != "e" || f.size() != 5) && (f[0] != "l" || f.size() != 4)) {
      return Broken("malformed", expected,
                    "a row does not parse: " + line.substr(0, 40));
    }
    if (!ParseDecimal(f[1], &position)) {
      return Broken("malformed", expected, "a row's position does not parse");
    }
    if (position < expected || position > out->last) {
      return Broken("reordered", expected,
                    "a row for position " + f[1] + " comes where position " +
                        std::to_string(expected) + " was due");
    }
    if (position > expected) {
      return Broken("missing", expected,
                    "position " + std::to_string(expected) +
                        " is absent; the next stored is " + f[1]);
    }
    std::string stream_hash, stored_global;
    const std::string& stream_hex = f[0] == "e" ? f[3] : f[2];
    const std::string& global_hex = f[0] == "e" ? f[4] : f[3];
    if (!IsLowerHex(stream_hex, 64) || !IsLowerHex(global_hex, 64)) {
      return Broken("altered", position,
                    "the stored record is too short to hold its two hashes");
    }
    FromHex(stream_hex, &stream_hash);
    FromHex(global_hex, &stored_global);
    if (f[0] == "e") {
      std::string canonical;
      Event event;
      if (!FromHex(f[2], &canonical) || !DecodeCanonical(canonical, &event)) {
        return Broken("altered", position, "the event's bytes do not decode");
      }
      if (event.position != position) {
        return Broken(
            "reordered", position,
            "the record stored at position " + std::to_string(position) +
                " is the event of position " + std::to_string(event.position));
      }
      if (!out->scope_stream.empty() && event.stream_id != out->scope_stream) {
        return Broken("altered", position,
                      "the event belongs to stream \"" + event.stream_id +
                          "\", not to the stream exported");
      }
      StreamState& stream = streams[event.stream_id];
      if (event.version != stream.next_version) {
        return Broken(
            event.version > stream.next_version ? "missing" : "reordered",
            position,
            "stream \"" + event.stream_id + "\" has version " +
                std::to_string(event.version) + " where version " +
                std::to_string(stream.next_version) + " was due");
      }
      if (event.recorded_at_us < last_recorded) {
        return Broken("reordered", position, "recorded_at goes back in time");
      }
      const std::string computed =
          Sha256((stream.next_version == 0 ? std::string(32, '\0')
                                           : stream.last_hash) +
                 canonical);
      if (computed != stream_hash) {
        return Broken("altered", position,
                      "the event's bytes do not match its stream hash");
      }
      stream.next_version++;
      stream.last_hash = computed;
      last_recorded = event.recorded_at_us;
      if (wanted.count(position)) out->recorded_at[position] = last_recorded;
      ++out->events;
    } else {
      ++out->links;
    }
    global = Sha256(global + U64BigEndian(position) + stream_hash);
    if (global != stored_global) {
      return Broken("altered", position,
                    "the stored global hash does not chain from the previous "
                    "one");
    }
    if (wanted.count(position)) out->global_at[position] = global;
    out->verified_to = position;
    ++expected;
  }
  if (out->verified_to < out->last) {
    return Broken("missing", out->verified_to + 1,
                  "the export declares positions up to " +
                      std::to_string(out->last) + " but its rows end at " +
                      std::to_string(out->verified_to));
  }
  out->checkpoint_text.assign(std::istreambuf_iterator<char>(in),
                              std::istreambuf_iterator<char>());
  return Verdict{};
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  *out = bytes.str();
  return true;
}

int Usage(const std::string& message) {
  std::fprintf(stderr,
               "relog-verify: %s\nusage: relog-verify --public-key=KEY.pem "
               "[--checkpoint=FILE]... EXPORT\n",
               message.c_str());
  return kExitUsage;
}

int Report(const Verdict& verdict) {
  std::printf("BROKEN at position %llu (%s): %s\n",
              static_cast<unsigned long long>(verdict.position),
              verdict.problem.c_str(), verdict.detail.c_str());
  return kExitBroken;
}

// Checks one signed checkpoint against the recomputed export.
Verdict CheckAgainstExport(const Checkpoint& checkpoint, const Export& ex) {
  const uint64_t c = checkpoint.position;
  if (c > ex.verified_to) {
    return Broken("truncated", c,
                  checkpoint.source + " signed position " + std::to_string(c) +
                      " but the log exported ends at position " +
                      std::to_string(ex.verified_to) +
                      ": the newest events were deleted");
  }
  const std::string& computed = ex.global_at.at(c);
  if (computed != checkpoint.global_hash) {
    return Broken("rewritten", c,
                  "the global hash at position " + std::to_string(c) + " is " +
                      ToHex(computed) + ", " + checkpoint.source + " signed " +
                      ToHex(checkpoint.global_hash) +
                      ": the history up to it was changed");
  }
  auto recorded = ex.recorded_at.find(c);
  if (recorded != ex.recorded_at.end() &&
      FormatMicros(recorded->second) != checkpoint.recorded_at) {
    return Broken("rewritten", c,
                  "the event at position " + std::to_string(c) +
                      " was recorded at " + FormatMicros(recorded->second) +
                      ", " + checkpoint.source + " signed " +
                      checkpoint.recorded_at);
  }
  return Verdict{};
}

}  // namespace

int main(int argc, char** argv) {
  std::string key_path, export_path;
  std::vector<std::string> checkpoint_paths;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const std::string& flag, std::string* out) {
      if (arg == flag && i + 1 < argc) {
        *out = argv[++i];
        return true;
      }
      if (arg.compare(0, flag.size() + 1, flag + "=") == 0) {
        *out = arg.substr(flag.size() + 1);
        return true;
      }
      return false;
    };
    std::string v;
    if (value("--public-key", &key_path) || value("--public_key", &key_path)) {
      continue;
    }
    if (value("--checkpoint", &v)) {
      checkpoint_paths.push_back(v);
      continue;
    }
    if (arg.compare(0, 2, "--") == 0) return Usage("unknown flag " + arg);
    if (!export_path.empty()) return Usage("one export at a time");
    export_path = arg;
  }
  if (key_path.empty()) return Usage("--public-key is required");
  if (export_path.empty()) return Usage("no export given");

  std::string pem;
  PublicKey key;
  if (!ReadFile(key_path, &pem)) {
    std::fprintf(stderr, "relog-verify: cannot read %s\n", key_path.c_str());
    return kExitError;
  }
  if (!LoadPublicKey(pem, &key)) {
    std::fprintf(stderr,
                 "relog-verify: %s is not an Ed25519 public key (PEM)\n",
                 key_path.c_str());
    return kExitError;
  }

  // The checkpoints given are read and their signatures checked first: a
  // forged one proves nothing, whatever the export holds.
  std::vector<Checkpoint> checkpoints;
  std::map<uint64_t, bool> wanted;
  for (const std::string& path : checkpoint_paths) {
    std::string text;
    if (!ReadFile(path, &text)) {
      std::fprintf(stderr, "relog-verify: cannot read %s\n", path.c_str());
      return kExitError;
    }
    Checkpoint checkpoint;
    Verdict verdict = ReadCheckpoint(text, path, key, &checkpoint);
    if (verdict.broken()) return Report(verdict);
    wanted[checkpoint.position] = true;
    checkpoints.push_back(checkpoint);
  }

  std::ifstream in(export_path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "relog-verify: cannot read %s\n", export_path.c_str());
    return kExitError;
  }
  // The embedded checkpoint is at last_position, which the header gives:
  // peek at it so that its global hash is kept too.
  {
    std::string line;
    for (int i = 0; i < 4 && std::getline(in, line); ++i) {
      if (line.compare(0, 14, "last_position\t") == 0) {
        uint64_t last = 0;
        if (ParseDecimal(line.substr(14), &last)) wanted[last] = true;
      }
    }
    in.clear();
    in.seekg(0);
  }
  Export ex;
  Verdict verdict = CheckExport(in, wanted, &ex);
  if (verdict.broken()) return Report(verdict);

  Checkpoint embedded;
  verdict = ReadCheckpoint(ex.checkpoint_text, "the export's checkpoint", key,
                           &embedded);
  if (verdict.broken()) return Report(verdict);
  if (embedded.position != ex.last) {
    return Report(Broken("malformed", embedded.position,
                         "the export's checkpoint is at position " +
                             std::to_string(embedded.position) +
                             ", not at its last position " +
                             std::to_string(ex.last)));
  }
  // Given checkpoints first: an old one kept elsewhere is what detects
  // the deletion of the newest events.
  checkpoints.insert(checkpoints.begin(), embedded);
  for (const Checkpoint& checkpoint : checkpoints) {
    if (checkpoint.position + 1 < ex.first) {
      std::fprintf(stderr,
                   "relog-verify: %s (position %llu) precedes this export, "
                   "which starts at position %llu: export from before it\n",
                   checkpoint.source.c_str(),
                   static_cast<unsigned long long>(checkpoint.position),
                   static_cast<unsigned long long>(ex.first));
      return kExitError;
    }
  }
  for (size_t i = 1; i < checkpoints.size(); ++i) {
    verdict = CheckAgainstExport(checkpoints[i], ex);
    if (verdict.broken()) return Report(verdict);
  }
  verdict = CheckAgainstExport(embedded, ex);
  if (verdict.broken()) return Report(verdict);

  std::printf("OK: %s, positions %llu-%llu: %llu events, %llu links\n",
              ex.scope_stream.empty()
                  ? "the whole log"
                  : ("stream \"" + ex.scope_stream + "\"").c_str(),
              static_cast<unsigned long long>(ex.first),
              static_cast<unsigned long long>(ex.last),
              static_cast<unsigned long long>(ex.events),
              static_cast<unsigned long long>(ex.links));
  for (const Checkpoint& checkpoint : checkpoints) {
    std::printf("checkpoint at position %llu (signed %s, key %s): %s\n",
                static_cast<unsigned long long>(checkpoint.position),
                checkpoint.signed_at.c_str(), checkpoint.key_id.c_str(),
                checkpoint.source.c_str());
  }
  return kExitOk;
}
