// File hashing, checked against the reference tools (`sha256sum`, `xxhsum -H2`) run for real.
#include "matcher/file_hasher.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::matcher {
namespace {

using leakwatch::testing::find_program;
using leakwatch::testing::random_bytes;
using leakwatch::testing::run_command;
using leakwatch::testing::TempDir;
using leakwatch::testing::write_file;

// The first word of `tool args... file`'s output: the hex digest both tools print first.
std::string reference_hex(const std::vector<std::string>& tool, const std::filesystem::path& file) {
  auto argv = tool;
  argv.push_back(file.string());
  const auto result = run_command(argv);
  EXPECT_EQ(result.exit_code, 0) << tool[0] << ": " << result.err;
  return result.out.substr(0, result.out.find_first_of(" \t\n"));
}

std::optional<Digest> find_digest(const SignatureFile& file, DigestKind kind) {
  for (const auto& d : file.digests) {
    if (d.kind == kind) return d;
  }
  return std::nullopt;
}

class HashFileAgainstReferenceTools : public ::testing::TestWithParam<std::size_t> {
 protected:
  void SetUp() override {
    for (const char* tool : {"sha256sum", "xxhsum"}) {
      if (find_program(tool).empty()) GTEST_SKIP() << tool << " is not installed";
    }
  }
};

TEST_P(HashFileAgainstReferenceTools, MatchesSha256sumAndXxhsum) {
  const std::size_t size = GetParam();
  TempDir dir;
  const auto file = dir / "sample.bin";
  write_file(file, random_bytes(size, size + 1));

  const auto hashed = hash_file(file, "data/sample.bin");
  ASSERT_TRUE(hashed) << hashed.error().message;
  EXPECT_EQ(hashed->path, "data/sample.bin");
  EXPECT_EQ(hashed->size, size);
  const auto sha256 = find_digest(*hashed, DigestKind::sha256);
  const auto xxh3 = find_digest(*hashed, DigestKind::xxh3_128);
  ASSERT_TRUE(sha256 && xxh3);
  EXPECT_EQ(sha256->hex(), reference_hex({"sha256sum"}, file));
  EXPECT_EQ(xxh3->hex(), reference_hex({"xxhsum", "-H2"}, file));
}

// Empty, one byte, and 3 MiB + 7 bytes: several full 1 MiB read buffers and a short last one.
INSTANTIATE_TEST_SUITE_P(Sizes, HashFileAgainstReferenceTools,
                         ::testing::Values(std::size_t{0}, std::size_t{1},
                                           std::size_t{(3u << 20) + 7}),
                         [](const auto& info) { return "Bytes" + std::to_string(info.param); });

TEST(HashFile, EmptyFileHasTheWellKnownSha256) {
  TempDir dir;
  write_file(dir / "empty", "");
  const auto hashed = hash_file(dir / "empty", "empty");
  ASSERT_TRUE(hashed) << hashed.error().message;
  EXPECT_EQ(find_digest(*hashed, DigestKind::sha256)->hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HashFile, MissingFileGivesAnErrorNamingIt) {
  TempDir dir;
  const auto missing = dir / "no-such-file.csv";
  const auto hashed = hash_file(missing, "no-such-file.csv");
  ASSERT_FALSE(hashed);
  EXPECT_NE(hashed.error().message.find(missing.string()), std::string::npos)
      << hashed.error().message;
}

TEST(HashFile, UnreadableFileGivesAnErrorNamingIt) {
  // A folder opens but cannot be read (EISDIR), even for root, unlike a chmod 000 file.
  TempDir dir;
  std::filesystem::create_directories(dir / "folder");
  const auto hashed = hash_file(dir / "folder", "folder");
  ASSERT_FALSE(hashed);
  EXPECT_NE(hashed.error().message.find((dir / "folder").string()), std::string::npos)
      << hashed.error().message;
}

TEST(MultiHasher, ChunkedUpdatesGiveTheSameDigestsAsOneFileRead) {
  TempDir dir;
  const auto bytes = random_bytes(100'003, 42);
  write_file(dir / "f", bytes);
  const auto whole = hash_file(dir / "f", "f");
  ASSERT_TRUE(whole) << whole.error().message;

  MultiHasher hasher;
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t offset = 0;
  for (std::size_t chunk = 1; offset < bytes.size(); chunk = chunk * 3 + 1) {
    const auto n = std::min(chunk, bytes.size() - offset);
    hasher.update({data + offset, n});
    offset += n;
  }
  EXPECT_EQ(hasher.bytes(), bytes.size());
  EXPECT_EQ(hasher.finish(), whole->digests);
}

TEST(MultiHasher, DifferentContentGivesDifferentDigests) {
  MultiHasher a;
  MultiHasher b;
  const std::uint8_t x[] = {'x'};
  const std::uint8_t y[] = {'y'};
  a.update(x);
  b.update(y);
  const auto da = a.finish();
  const auto db = b.finish();
  ASSERT_EQ(da.size(), db.size());
  for (std::size_t i = 0; i < da.size(); ++i) EXPECT_NE(da[i], db[i]);
}

}  // namespace
}  // namespace leakwatch::matcher
