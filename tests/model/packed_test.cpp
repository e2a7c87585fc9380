// The packed field types of FileEntry behave like the std types they replace.
#include "model/packed.h"

#include <gtest/gtest.h>

#include <optional>
#include <sstream>

#include "model/manifest.h"

namespace leakwatch {
namespace {

TEST(OptionalU64, BehavesLikeAnOptionalInteger) {
  OptionalU64 none;
  EXPECT_FALSE(none);
  EXPECT_FALSE(none.has_value());
  EXPECT_EQ(none.value_or(7), 7u);
  EXPECT_THROW((void)none.value(), std::bad_optional_access);
  EXPECT_EQ(std::optional<std::uint64_t>(none), std::nullopt);

  OptionalU64 zero = 0;  // zero is a size, not "unknown"
  ASSERT_TRUE(zero);
  EXPECT_EQ(*zero, 0u);
  EXPECT_NE(zero, none);

  OptionalU64 big = std::optional<std::uint64_t>(1ULL << 62);
  EXPECT_EQ(big.value(), 1ULL << 62);
  EXPECT_EQ(big, OptionalU64(1ULL << 62));
  big.reset();
  EXPECT_EQ(big, none);
  big = std::nullopt;
  EXPECT_FALSE(big);
  OptionalU64 from_empty = std::optional<std::uint64_t>();
  EXPECT_FALSE(from_empty);

  // Against std::optional too, both ways, empty ones included.
  EXPECT_TRUE(none == std::optional<std::uint64_t>());
  EXPECT_TRUE(std::optional<std::uint64_t>() == none);
  EXPECT_FALSE(none != std::optional<std::uint64_t>());
  EXPECT_TRUE(zero == std::optional<std::uint64_t>(0));
  EXPECT_FALSE(zero == std::optional<std::uint64_t>());
  EXPECT_TRUE(std::optional<std::uint64_t>(0) != none);

  std::ostringstream out;
  out << OptionalU64(42) << ' ' << none;
  EXPECT_EQ(out.str(), "42 (none)");
}

TEST(OptionalU64, TheLargestValueIsTheEmptyOne) {
  // Documented: no size or offset reaches 2^64-1, which stands for "none".
  const OptionalU64 v = std::numeric_limits<std::uint64_t>::max();
  EXPECT_FALSE(v);
}

TEST(SparseString, HoldsTextAndCopiesIt) {
  SparseString empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.str(), "");
  SparseString url = std::string("https://mirror.example/a.zip");
  EXPECT_FALSE(url.empty());
  EXPECT_EQ(url, "https://mirror.example/a.zip");
  EXPECT_EQ(url, std::string("https://mirror.example/a.zip"));
  SparseString copy = url;
  url = std::string("https://mirror.example/b.zip");
  EXPECT_EQ(copy, "https://mirror.example/a.zip") << "a copy owns its text";
  copy = url;
  EXPECT_EQ(copy, url);
  url = std::string();
  EXPECT_TRUE(url.empty()) << "an empty string frees the text";
  const std::string& as_string = copy;
  EXPECT_EQ(as_string + "!", "https://mirror.example/b.zip!");
  SparseString moved = std::move(copy);
  EXPECT_EQ(moved, "https://mirror.example/b.zip");
}

TEST(DigestList, IsAVectorOfDigestsThatCopiesDeeply) {
  const auto a = *Digest::from_hex(DigestKind::crc32, "0badf00d");
  const auto b = *Digest::from_hex(DigestKind::md5, std::string(32, 'c'));
  DigestList list;
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.begin(), list.end());
  list.push_back(a);
  DigestList copy = list;
  list.push_back(b);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0], a);
  EXPECT_EQ(list[1], b);
  ASSERT_EQ(copy.size(), 1u) << "a copy owns its digests";
  EXPECT_EQ(copy.front(), a);
  EXPECT_NE(copy, list);
  copy = list;
  EXPECT_EQ(copy, list);
  const DigestList braced = {a, b};
  EXPECT_EQ(braced, list);
  list.clear();
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(copy.size(), 2u);
}

TEST(FileEntry, StaysSmall) {
  // A 200,000-entry listing is held whole (docs/PERFORMANCE.md, "Crawler memory"): an entry
  // growing back to std::optional and std::string fields (144 bytes) would show here first.
  EXPECT_LE(sizeof(FileEntry), 80u);
}

}  // namespace
}  // namespace leakwatch
