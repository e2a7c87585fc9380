// The compact key tables behind FingerprintIndex, and lookups verified against full values.
#include "matcher/fingerprint_index.h"

#include <gtest/gtest.h>

namespace leakwatch::matcher {
namespace {

TEST(KeyTable, FindsEveryEntryOfAKeyAndNothingForAbsentKeys) {
  const auto key_of = [](std::uint32_t i) { return std::uint64_t{i} * 0x9E3779B97F4A7C15ull; };
  std::vector<KeyTable::Input> inputs;
  for (std::uint32_t i = 1; i <= 5000; ++i) {
    inputs.push_back({key_of(i), 2 * i});
    if (i % 7 == 0) inputs.push_back({key_of(i), 2 * i + 1});
  }
  const KeyTable table(inputs);
  for (std::uint32_t i = 1; i <= 5000; ++i) {
    const auto found = table.find(key_of(i));
    ASSERT_EQ(found.size(), i % 7 == 0 ? 2u : 1u) << i;
    EXPECT_EQ(found[0].id, 2 * i);
    // A key differing in the tag bits (bits 0..43 here) finds nothing.
    EXPECT_TRUE(table.find(key_of(i) ^ (std::uint64_t{1} << 20)).empty()) << i;
  }
  EXPECT_TRUE(table.find(0).empty());
}

TEST(KeyTable, EmptyTableFindsNothing) {
  const KeyTable table;
  EXPECT_TRUE(table.find(42).empty());
}

TEST(FingerprintIndex, IndexMemoryStaysUnder256BytesPerFile) {
  Signature s;
  s.dataset = "big";
  for (int i = 0; i < 20000; ++i) {
    SignatureFile f;
    f.path = "folder/some-long-file-name-" + std::to_string(i) + ".jpg";
    f.size = 100'000 + static_cast<std::uint64_t>(i);
    for (const auto kind : kAllDigestKinds) {
      Digest d;
      d.kind = kind;
      d.bytes[0] = static_cast<std::uint8_t>(i);
      d.bytes[1] = static_cast<std::uint8_t>(i >> 8);
      f.digests.push_back(d);
    }
    f.head_pieces = {{16384, {}}, {32768, {}}, {65536, {}}};
    s.files.push_back(f);
  }
  const FingerprintIndex index({s});
  EXPECT_LT(index.index_memory_bytes() / 20000, 256u);
  EXPECT_EQ(index.by_name("some-long-file-name-123.jpg").size(), 1u);
}

TEST(FingerprintIndex, NameLookupsUseNormalisedNames) {
  Signature s;
  s.dataset = "cv";
  s.files = {SignatureFile{"docs/R\xC3\xA9sum\xC3\xA9.DOCX", 77, {}, {}}};
  const FingerprintIndex index({s});
  EXPECT_EQ(index.by_name(normalise_name("leak/re\xCC\x81sume\xCC\x81.docx")).size(), 1u);
  EXPECT_EQ(index.by_name_size(normalise_name("RESUME.docx"), 77).size(), 0u);
}

}  // namespace
}  // namespace leakwatch::matcher
