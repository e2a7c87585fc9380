#include "model/digest.h"

#include <algorithm>
#include <cassert>

namespace leakwatch {

std::size_t digest_size(DigestKind kind) {
  switch (kind) {
    case DigestKind::sha256:
    case DigestKind::btv2_root:
      return 32;
    case DigestKind::sha1:
      return 20;
    case DigestKind::md5:
    case DigestKind::xxh3_128:
      return 16;
    case DigestKind::crc32:
      return 4;
  }
  return 0;
}

std::string_view digest_kind_name(DigestKind kind) {
  switch (kind) {
    case DigestKind::sha256:
      return "sha256";
    case DigestKind::sha1:
      return "sha1";
    case DigestKind::md5:
      return "md5";
    case DigestKind::xxh3_128:
      return "xxh3";
    case DigestKind::crc32:
      return "crc32";
    case DigestKind::btv2_root:
      return "btv2-root";
  }
  return "unknown";
}

std::optional<DigestKind> parse_digest_kind(std::string_view name) {
  for (const auto kind : kAllDigestKinds) {
    if (digest_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

std::string Digest::hex() const {
  return to_hex(view());
}

Digest Digest::from_bytes(DigestKind kind, std::span<const std::uint8_t> raw) {
  assert(raw.size() == digest_size(kind));
  Digest d;
  d.kind = kind;
  std::copy_n(raw.begin(), std::min(raw.size(), d.bytes.size()), d.bytes.begin());
  return d;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<Digest> Digest::from_hex(DigestKind kind, std::string_view hex) {
  const std::size_t n = digest_size(kind);
  if (hex.size() != 2 * n) return std::nullopt;
  Digest d;
  d.kind = kind;
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return d;
}

}  // namespace leakwatch
