// File hashing, checked against the reference tools run for real: sha256sum, sha1sum, md5sum,
// xxhsum -H2, the CRC-32 that `zip` stores, and torrents made by mktorrent (v1) and libtorrent
// (hybrid v1+v2), read back by tests/matcher/torrent_reference.py.
#include "matcher/file_hasher.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "tests/support/process.h"
#include "tests/support/support_files.h"
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
    for (const char* tool : {"sha256sum", "sha1sum", "md5sum", "xxhsum"}) {
      if (find_program(tool).empty()) GTEST_SKIP() << tool << " is not installed";
    }
  }
};

TEST_P(HashFileAgainstReferenceTools, MatchesSha256sumSha1sumMd5sumAndXxhsum) {
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
  const auto sha1 = find_digest(*hashed, DigestKind::sha1);
  const auto md5 = find_digest(*hashed, DigestKind::md5);
  ASSERT_TRUE(sha1 && md5);
  EXPECT_EQ(sha1->hex(), reference_hex({"sha1sum"}, file));
  EXPECT_EQ(md5->hex(), reference_hex({"md5sum"}, file));
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
  EXPECT_EQ(hasher.head_pieces(), whole->head_pieces);
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

namespace leakwatch::matcher {
namespace {

using leakwatch::testing::find_program;
using leakwatch::testing::random_bytes;
using leakwatch::testing::run_command;
using leakwatch::testing::TempDir;
using leakwatch::testing::write_file;

using leakwatch::testing::kSystemPython;

std::string reference_script() {
  return std::string(LEAKWATCH_SOURCE_DIR) + "/tests/matcher/torrent_reference.py";
}

// `key value` lines printed by torrent_reference.py read.
std::map<std::string, std::string> read_torrent(const std::filesystem::path& torrent) {
  const auto result = run_command({kSystemPython, reference_script(), "read", torrent.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::map<std::string, std::string> out;
  std::istringstream lines(result.out);
  std::string key, value;
  while (lines >> key >> value) out[key] = value;
  return out;
}

std::optional<Digest> digest_of(const SignatureFile& file, DigestKind kind) {
  for (const auto& d : file.digests) {
    if (d.kind == kind) return d;
  }
  return std::nullopt;
}

std::string head_piece_hex(const SignatureFile& file, std::uint64_t piece_length) {
  for (const auto& p : file.head_pieces) {
    if (p.piece_length == piece_length) return to_hex(p.sha1);
  }
  return "(none)";
}

bool have_libtorrent() {
  return run_command({kSystemPython, "-c", "import libtorrent"}).exit_code == 0;
}

TEST(HashFile, Crc32MatchesTheCrcThatZipStores) {
  if (find_program("zip").empty()) GTEST_SKIP() << "zip is not installed";
  TempDir dir;
  for (const std::size_t size :
       {std::size_t{1}, std::size_t{70'001}, std::size_t{(2u << 20) + 3}}) {
    const auto file = dir / ("f" + std::to_string(size));
    write_file(file, random_bytes(size, size * 7));
    const auto zip = dir / ("f" + std::to_string(size) + ".zip");
    ASSERT_EQ(run_command({"zip", "-q", "-j", zip.string(), file.string()}).exit_code, 0);
    const auto crc = run_command(
        {kSystemPython, "-c",
         "import sys, zipfile; print('%08x' % zipfile.ZipFile(sys.argv[1]).infolist()[0].CRC)",
         zip.string()});
    ASSERT_EQ(crc.exit_code, 0) << crc.err;
    const auto hashed = hash_file(file, "f");
    ASSERT_TRUE(hashed) << hashed.error().message;
    ASSERT_TRUE(digest_of(*hashed, DigestKind::crc32));
    EXPECT_EQ(digest_of(*hashed, DigestKind::crc32)->hex() + "\n", crc.out) << "size " << size;
  }
}

TEST(HashFile, HeadPiecesMatchFirstPieceHashesOfMktorrentTorrents) {
  if (find_program("mktorrent").empty()) GTEST_SKIP() << "mktorrent is not installed";
  TempDir dir;
  // 17 MiB + 5: reaches every piece length up to the 16 MiB maximum.
  const auto file = dir / "payload.bin";
  write_file(file, random_bytes((17u << 20) + 5, 99));
  const auto hashed = hash_file(file, "payload.bin");
  ASSERT_TRUE(hashed) << hashed.error().message;
  ASSERT_EQ(hashed->head_pieces.size(), 11u);  // 16 KiB .. 16 MiB
  // mktorrent accepts piece lengths from 2^15.
  for (int log2 = 15; log2 <= 24; ++log2) {
    const auto torrent = dir / ("p" + std::to_string(log2) + ".torrent");
    const auto made =
        run_command({"mktorrent", "-l", std::to_string(log2), "-a", "http://tracker.invalid/", "-o",
                     torrent.string(), file.string()});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    const auto meta = read_torrent(torrent);
    const std::uint64_t piece_length = std::uint64_t{1} << log2;
    EXPECT_EQ(meta.at("piece-length"), std::to_string(piece_length));
    EXPECT_EQ(head_piece_hex(*hashed, piece_length), meta.at("piece0")) << "2^" << log2;
  }
}

TEST(HashFile, HeadPiecesStopAtTheLargestPieceLengthTheFileReaches) {
  TempDir dir;
  write_file(dir / "short", random_bytes(16 * 1024 - 1, 1));
  write_file(dir / "exact", random_bytes(16 * 1024, 2));
  write_file(dir / "middle", random_bytes(100'000, 3));
  const auto short_file = hash_file(dir / "short", "short");
  const auto exact = hash_file(dir / "exact", "exact");
  const auto middle = hash_file(dir / "middle", "middle");
  ASSERT_TRUE(short_file && exact && middle);
  EXPECT_TRUE(short_file->head_pieces.empty());
  ASSERT_EQ(exact->head_pieces.size(), 1u);
  EXPECT_EQ(exact->head_pieces[0].piece_length, 16u * 1024);
  // 16, 32 and 64 KiB: 100000 bytes do not reach 128 KiB.
  ASSERT_EQ(middle->head_pieces.size(), 3u);
  EXPECT_EQ(middle->head_pieces.back().piece_length, 64u * 1024);
}

class HashFileAgainstLibtorrent : public ::testing::TestWithParam<std::size_t> {
 protected:
  void SetUp() override {
    if (!have_libtorrent()) GTEST_SKIP() << "python3-libtorrent is not installed";
  }
};

TEST_P(HashFileAgainstLibtorrent, V2RootAndV1FirstPieceMatchAHybridTorrent) {
  const std::size_t size = GetParam();
  TempDir dir;
  const auto file = dir / "payload.bin";
  write_file(file, random_bytes(size, size + 5));
  const auto torrent = dir / "payload.torrent";
  const auto made = run_command(
      {kSystemPython, reference_script(), "libtorrent", file.string(), "16384", torrent.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const auto meta = read_torrent(torrent);

  const auto hashed = hash_file(file, "payload.bin");
  ASSERT_TRUE(hashed) << hashed.error().message;
  const auto root = digest_of(*hashed, DigestKind::btv2_root);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->hex(), meta.at("pieces-root"));
  if (size >= 16 * 1024) {
    EXPECT_EQ(head_piece_hex(*hashed, 16 * 1024), meta.at("piece0"));
  }
}

// One short block; exactly one block; one block and a byte (two leaves); 7 leaves padded to 8;
// 2^6 + 1 leaves padded to 128 with a short last block.
INSTANTIATE_TEST_SUITE_P(Sizes, HashFileAgainstLibtorrent,
                         ::testing::Values(std::size_t{1}, std::size_t{16384}, std::size_t{16385},
                                           std::size_t{100'000}, std::size_t{65 * 16384 - 1000}),
                         [](const auto& info) { return "Bytes" + std::to_string(info.param); });

TEST(HashFile, EmptyFileHasNoV2RootAndNoHeadPieces) {
  TempDir dir;
  write_file(dir / "empty", "");
  const auto hashed = hash_file(dir / "empty", "empty");
  ASSERT_TRUE(hashed) << hashed.error().message;
  EXPECT_FALSE(digest_of(*hashed, DigestKind::btv2_root));
  EXPECT_TRUE(hashed->head_pieces.empty());
  ASSERT_TRUE(digest_of(*hashed, DigestKind::crc32));
  EXPECT_EQ(digest_of(*hashed, DigestKind::crc32)->hex(), "00000000");
}

TEST(HashFile, SmallFileV2RootIsItsSha256) {
  TempDir dir;
  write_file(dir / "small", "hello\n");
  const auto hashed = hash_file(dir / "small", "small");
  ASSERT_TRUE(hashed) << hashed.error().message;
  EXPECT_EQ(digest_of(*hashed, DigestKind::btv2_root)->hex(),
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
}

}  // namespace
}  // namespace leakwatch::matcher
