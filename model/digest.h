// Digest: one content hash of one file, as an index published it or as we computed it.
// Fixed-size storage (no heap) because the matcher keeps millions of them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace leakwatch {

enum class DigestKind : std::uint8_t {
  sha256,
  sha1,
  md5,
  xxh3_128,   // XXH3 128-bit, canonical (big-endian) byte order as printed by `xxhsum -H2`
  crc32,      // the zip/gzip CRC-32, big-endian as printed by `crc32` and .sfv files
  btv2_root,  // BitTorrent v2 pieces root (BEP 52)
};

inline constexpr std::array kAllDigestKinds = {DigestKind::sha256, DigestKind::sha1,
                                               DigestKind::md5,    DigestKind::xxh3_128,
                                               DigestKind::crc32,  DigestKind::btv2_root};

std::size_t digest_size(DigestKind kind);
std::string_view digest_kind_name(DigestKind kind);  // "sha256", "xxh3", "btv2-root", ...
std::optional<DigestKind> parse_digest_kind(std::string_view name);

struct Digest {
  DigestKind kind = DigestKind::sha256;
  std::array<std::uint8_t, 32> bytes{};

  std::span<const std::uint8_t> view() const { return {bytes.data(), digest_size(kind)}; }
  std::string hex() const;

  static Digest from_bytes(DigestKind kind, std::span<const std::uint8_t> raw);
  // Lower or upper case hex of exactly the kind's size; nullopt otherwise.
  static std::optional<Digest> from_hex(DigestKind kind, std::string_view hex);

  friend bool operator==(const Digest& a, const Digest& b) {
    return a.kind == b.kind && a.bytes == b.bytes;
  }
};

std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace leakwatch
