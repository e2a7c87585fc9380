// Digest: fixed-size hashes with their kind, hex text form and contract kind names.
#include "model/digest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace leakwatch {
namespace {

// SHA-256 of the empty string (FIPS 180-4 test vector).
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(Digest, SizesMatchEachAlgorithm) {
  EXPECT_EQ(digest_size(DigestKind::sha256), 32u);
  EXPECT_EQ(digest_size(DigestKind::btv2_root), 32u);
  EXPECT_EQ(digest_size(DigestKind::sha1), 20u);
  EXPECT_EQ(digest_size(DigestKind::md5), 16u);
  EXPECT_EQ(digest_size(DigestKind::xxh3_128), 16u);
  EXPECT_EQ(digest_size(DigestKind::crc32), 4u);
}

TEST(Digest, HexRoundTripsForEveryKind) {
  for (const auto kind : kAllDigestKinds) {
    std::string hex;
    for (std::size_t i = 0; i < digest_size(kind); ++i) {
      static constexpr char kDigits[] = "0123456789abcdef";
      hex += kDigits[(i * 7 + 3) % 16];
      hex += kDigits[(i * 5 + 11) % 16];
    }
    const auto d = Digest::from_hex(kind, hex);
    ASSERT_TRUE(d) << digest_kind_name(kind);
    EXPECT_EQ(d->kind, kind);
    EXPECT_EQ(d->hex(), hex);
    EXPECT_EQ(d->view().size(), digest_size(kind));
  }
}

TEST(Digest, ParsesUpperCaseHexAndPrintsLowerCase) {
  std::string upper(kEmptySha256);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto d = Digest::from_hex(DigestKind::sha256, upper);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->hex(), kEmptySha256);
  EXPECT_EQ(d->bytes[0], 0xe3);
  EXPECT_EQ(d->bytes[31], 0x55);
}

TEST(Digest, RejectsHexOfTheWrongLength) {
  EXPECT_FALSE(Digest::from_hex(DigestKind::sha256, ""));
  EXPECT_FALSE(Digest::from_hex(DigestKind::sha256, kEmptySha256.substr(1)));
  EXPECT_FALSE(Digest::from_hex(DigestKind::sha256, std::string(kEmptySha256) + "00"));
  // A SHA-256 is not a valid SHA-1 or MD5, even though it is valid hex.
  EXPECT_FALSE(Digest::from_hex(DigestKind::sha1, kEmptySha256));
  EXPECT_FALSE(Digest::from_hex(DigestKind::md5, kEmptySha256));
  EXPECT_FALSE(Digest::from_hex(DigestKind::crc32, "1234567"));
  EXPECT_TRUE(Digest::from_hex(DigestKind::crc32, "12345678"));
}

TEST(Digest, RejectsNonHexCharacters) {
  EXPECT_FALSE(Digest::from_hex(DigestKind::crc32, "1234567g"));
  EXPECT_FALSE(Digest::from_hex(DigestKind::crc32, "12 45678"));
  EXPECT_FALSE(Digest::from_hex(DigestKind::crc32, "0x123456"));
  EXPECT_FALSE(Digest::from_hex(DigestKind::crc32, "-1234567"));
}

TEST(Digest, FromBytesKeepsOnlyTheKindsLength) {
  const std::vector<std::uint8_t> raw = {0xde, 0xad, 0xbe, 0xef};
  const auto d = Digest::from_bytes(DigestKind::crc32, raw);
  EXPECT_EQ(d.hex(), "deadbeef");
  EXPECT_EQ(d, *Digest::from_hex(DigestKind::crc32, "DEADBEEF"));
}

TEST(Digest, EqualityComparesKindAsWellAsBytes) {
  const auto sha256 = *Digest::from_hex(DigestKind::sha256, kEmptySha256);
  const auto root = *Digest::from_hex(DigestKind::btv2_root, kEmptySha256);
  EXPECT_NE(sha256, root);
  EXPECT_EQ(sha256, *Digest::from_hex(DigestKind::sha256, kEmptySha256));
}

TEST(DigestKind, NamesAreTheContractEvidenceKinds) {
  EXPECT_EQ(digest_kind_name(DigestKind::sha256), "sha256");
  EXPECT_EQ(digest_kind_name(DigestKind::sha1), "sha1");
  EXPECT_EQ(digest_kind_name(DigestKind::md5), "md5");
  EXPECT_EQ(digest_kind_name(DigestKind::xxh3_128), "xxh3");
  EXPECT_EQ(digest_kind_name(DigestKind::crc32), "crc32");
  EXPECT_EQ(digest_kind_name(DigestKind::btv2_root), "btv2-root");
}

TEST(DigestKind, ParsesEveryNameBackAndRejectsOthers) {
  for (const auto kind : kAllDigestKinds)
    EXPECT_EQ(parse_digest_kind(digest_kind_name(kind)), kind);
  EXPECT_FALSE(parse_digest_kind(""));
  EXPECT_FALSE(parse_digest_kind("SHA256"));
  EXPECT_FALSE(parse_digest_kind("xxh3_128"));
  EXPECT_FALSE(parse_digest_kind("sha512"));
}

TEST(ToHex, PrintsTwoLowerCaseDigitsPerByte) {
  const std::vector<std::uint8_t> bytes = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(to_hex(bytes), "000fa0ff");
  EXPECT_EQ(to_hex({}), "");
}

}  // namespace
}  // namespace leakwatch
