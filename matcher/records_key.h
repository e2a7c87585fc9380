// The per-dataset secret key of record fingerprints, and the keyed hash itself.
// A key lives in <data dir>/keys/<dataset>.key (64 hex digits, mode 0600), created by
// `leakwatch sign --records`; it is never part of a signature, and only part of an exported
// bundle when asked (`signatures export --with-key`). Without the key a signature's record
// fingerprints match nothing, and a different key matches nothing either.
#pragma once

#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "model/result.h"

namespace leakwatch::matcher {

struct RecordKey {
  std::array<std::uint8_t, 32> bytes{};

  std::string hex() const;
  static Result<RecordKey> from_hex(std::string_view hex, std::string_view what);
  // Names the key without revealing it (RecordSet::key_id).
  std::string id() const;
  static RecordKey random();
  friend bool operator==(const RecordKey&, const RecordKey&) = default;
};

std::filesystem::path record_key_path(const std::filesystem::path& data_dir,
                                      std::string_view dataset);
// Reads a key file; refuses one that others may read (mode wider than 0600).
Result<RecordKey> load_record_key(const std::filesystem::path& file);
// Writes a key file with mode 0600 (created that way, never widened), replacing an existing one.
Result<void> save_record_key(const std::filesystem::path& file, const RecordKey& key);
// The dataset's key, created when there is none yet.
Result<RecordKey> load_or_create_record_key(const std::filesystem::path& data_dir,
                                            std::string_view dataset);

// HMAC-SHA256 under one key, truncated to its first 8 bytes (big-endian): the fingerprint of a
// normalised value. The key's inner and outer pad states are computed once, so a value costs
// two SHA-256 compressions. Copyable; one per thread.
class RecordHasher {
 public:
  explicit RecordHasher(const RecordKey& key);
  std::uint64_t fingerprint(std::string_view normalised) const;

 private:
  SHA256_CTX inner_{};  // SHA-256 state after the key XOR ipad block
  SHA256_CTX outer_{};  // after the key XOR opad block
};

}  // namespace leakwatch::matcher
