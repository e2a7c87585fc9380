// .torrent files made by real tools (mktorrent 1.1 for v1 without alignment, libtorrent 2.0.8
// through python3-libtorrent for v2 and hybrid with pad files), read into manifests; hostile
// metadata rejected with errors that name the source; magnet links normalised.
#include "crawler/torrent_file.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "crawler/torrent_links.h"
#include "matcher/file_hasher.h"
#include "tests/support/process.h"
#include "tests/support/support_files.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::crawler {
namespace {

using leakwatch::testing::random_bytes;
using leakwatch::testing::read_file;
using leakwatch::testing::run_command;
using leakwatch::testing::TempDir;
using leakwatch::testing::write_file;

using leakwatch::testing::kSystemPython;
using leakwatch::testing::support_file;

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Three files whose sizes are not multiples of any piece length.
void make_dataset(const std::filesystem::path& root) {
  write_file(root / "a.bin", random_bytes(100'000, 1));
  write_file(root / "sub" / "b.bin", random_bytes(300'001, 2));
  write_file(root / "c.txt", "tiny\n");
}

void make_with_libtorrent(const std::filesystem::path& root, const std::filesystem::path& out,
                          const std::string& version, int piece_length = 32768) {
  const auto r = run_command({kSystemPython, support_file("torrent_peer.py"), "make", root.string(),
                              out.string(), std::to_string(piece_length), version});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

std::string infohash_of(const std::filesystem::path& torrent) {
  const auto r =
      run_command({kSystemPython, support_file("torrent_peer.py"), "infohash", torrent.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out.substr(0, r.out.find('\n'));
}

// The payload as BitTorrent concatenates it (pad files as zeros), for reference piece hashes.
std::string payload_of(const Manifest& m, const std::filesystem::path& parent) {
  std::string out;
  for (const auto& e : m.entries) {
    EXPECT_EQ(*e.torrent_offset, out.size()) << e.path;
    out += e.pad ? std::string(*e.size, '\0') : read_file(parent / e.path);
  }
  return out;
}

std::string sha1_hex(std::string_view bytes) {
  matcher::MultiHasher h;
  h.update({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  for (const auto& d : h.finish()) {
    if (d.kind == DigestKind::sha1) return d.hex();
  }
  return "";
}

TEST(TorrentFile, ReadsAMktorrentV1TorrentWithUnalignedFiles) {
  TempDir dir;
  make_dataset(dir / "leak");
  const auto torrent = dir / "leak.torrent";
  const auto r = run_command({"mktorrent", "-l", "15", "-a", "http://127.0.0.1:1/announce", "-o",
                              torrent.string(), (dir / "leak").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  auto m = read_torrent_file(torrent);
  ASSERT_TRUE(m) << m.error().message;
  ASSERT_TRUE(m->torrent);
  EXPECT_EQ(m->torrent->name, "leak");
  EXPECT_EQ(m->torrent->piece_length, 32768u);
  EXPECT_EQ(m->torrent->infohash_v1, infohash_of(torrent));
  EXPECT_TRUE(m->torrent->infohash_v2.empty());
  EXPECT_EQ(m->locator, "magnet:?xt=urn:btih:" + infohash_of(torrent));
  ASSERT_EQ(m->entries.size(), 3u);
  std::map<std::string, std::uint64_t> sizes;
  for (const auto& e : m->entries) {
    EXPECT_FALSE(e.pad);
    EXPECT_TRUE(e.digests.empty()) << "a v1 torrent has no per-file digest";
    sizes[e.path] = *e.size;
  }
  EXPECT_EQ(sizes["leak/a.bin"], 100'000u);
  EXPECT_EQ(sizes["leak/sub/b.bin"], 300'001u);
  EXPECT_EQ(sizes["leak/c.txt"], 5u);
  // Offsets are the concatenation: every v1 piece hash is the SHA-1 of that slice of it.
  const auto payload = payload_of(*m, dir.path());
  ASSERT_EQ(m->torrent->piece_hashes.size(), (payload.size() + 32767) / 32768);
  for (std::size_t p = 0; p < m->torrent->piece_hashes.size(); ++p) {
    EXPECT_EQ(to_hex(m->torrent->piece_hashes[p]),
              sha1_hex(std::string_view(payload).substr(p * 32768, 32768)))
        << "piece " << p;
  }
}

TEST(TorrentFile, ReadsALibtorrentHybridWithPadFilesAndV2Roots) {
  TempDir dir;
  make_dataset(dir / "leak");
  const auto torrent = dir / "leak.torrent";
  make_with_libtorrent(dir / "leak", torrent, "hybrid");
  auto m = read_torrent_file(torrent);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->torrent->infohash_v1.size(), 40u);
  EXPECT_EQ(m->torrent->infohash_v2.size(), 64u);
  EXPECT_EQ(m->locator, "magnet:?xt=urn:btih:" + m->torrent->infohash_v1);
  std::size_t pads = 0, files = 0;
  for (const auto& e : m->entries) {
    if (e.pad) {
      ++pads;
      EXPECT_TRUE(e.digests.empty());
      continue;
    }
    ++files;
    // BEP 47: pad files put every file on a piece boundary.
    EXPECT_EQ(*e.torrent_offset % 32768, 0u) << e.path;
    const auto ours = matcher::hash_file(dir / e.path, e.path);
    ASSERT_TRUE(ours) << ours.error().message;
    std::optional<Digest> root;
    for (const auto& d : ours->digests) {
      if (d.kind == DigestKind::btv2_root) root = d;
    }
    ASSERT_EQ(e.digests.size(), 1u) << e.path;
    EXPECT_EQ(e.digests[0].kind, DigestKind::btv2_root);
    EXPECT_EQ(e.digests[0], *root) << e.path << ": pieces root differs from file_hasher's";
  }
  EXPECT_EQ(files, 3u);
  EXPECT_GE(pads, 1u);
  const auto payload = payload_of(*m, dir.path());
  EXPECT_EQ(to_hex(m->torrent->piece_hashes.front()),
            sha1_hex(std::string_view(payload).substr(0, 32768)));
}

TEST(TorrentFile, AV2OnlyTorrentIsLocatedByItsBtmh) {
  TempDir dir;
  make_dataset(dir / "leak");
  const auto torrent = dir / "leak.torrent";
  make_with_libtorrent(dir / "leak", torrent, "v2");
  auto m = read_torrent_file(torrent);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->torrent->infohash_v1.empty());
  EXPECT_TRUE(m->torrent->piece_hashes.empty());
  EXPECT_EQ(m->locator, "magnet:?xt=urn:btmh:1220" + m->torrent->infohash_v2);
  EXPECT_EQ(m->torrent->infohash_v2, infohash_of(torrent));
}

TEST(TorrentFile, AnInfoDictionaryAloneReadsLikeTheWholeFile) {
  TempDir dir;
  make_dataset(dir / "leak");
  const auto torrent = dir / "leak.torrent";
  make_with_libtorrent(dir / "leak", torrent, "v1");
  const auto whole = read_file(torrent);
  // The info dictionary is the value of the "4:info" key, up to the file's final 'e'.
  const auto at = whole.find("4:infod");
  ASSERT_NE(at, std::string::npos);
  const auto info = whole.substr(at + 6, whole.size() - (at + 6) - 1);
  auto a = parse_torrent_file(bytes_of(whole), "file");
  auto b = parse_torrent_info(bytes_of(info), "metadata");
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(a->locator, b->locator);
  EXPECT_EQ(a->entries.size(), b->entries.size());
  EXPECT_EQ(a->torrent->piece_hashes, b->torrent->piece_hashes);
}

TEST(TorrentFile, HostileMetadataIsRefusedWithAnErrorNamingTheSource) {
  const auto expect_error = [](const std::string& bytes, const std::string& needle,
                               const TorrentLimits& limits = {}) {
    auto m = parse_torrent_file(bytes_of(bytes), "http://leak.example/x.torrent", limits);
    ASSERT_FALSE(m) << "accepted: " << bytes.substr(0, 60);
    EXPECT_NE(m.error().message.find("http://leak.example/x.torrent"), std::string::npos)
        << m.error().message;
    EXPECT_NE(m.error().message.find(needle), std::string::npos) << m.error().message;
  };
  expect_error("", "empty");
  expect_error("<html>not a torrent</html>", "not a torrent");
  expect_error("d4:infod4:name1:xee", "not a valid torrent");
  expect_error("d4:info", "not a torrent");
  expect_error("i42e", "not a bencoded dictionary");
  expect_error(std::string(20000, 'l') + std::string(20000, 'e'), "not a torrent");
  TorrentLimits small;
  small.max_bytes = 100;
  expect_error(std::string(200, 'x'), "over the limit", small);
  // A torrent with more files than allowed.
  std::string many = "d4:infod5:filesl";
  for (int i = 0; i < 20; ++i) {
    many += "d6:lengthi1e4:pathl1:" + std::string(1, static_cast<char>('a' + i)) + "ee";
  }
  many += "e4:name1:x12:piece lengthi16384e6:pieces20:" + std::string(20, 'z') + "ee";
  const auto valid = parse_torrent_file(bytes_of(many), "ok");
  ASSERT_TRUE(valid) << "the fixture itself must be valid: " << valid.error().message;
  TorrentLimits few;
  few.max_files = 10;
  expect_error(many, "more than the limit of 10", few);
}

TEST(Magnet, NormalisesBtihHexBase32AndBtmhLinks) {
  const std::string hex = "2c85e493a3c1692feccac3c7ac2f3e5de42d838e";
  auto a = parse_magnet(
      "magnet:?xt=urn:btih:2C85E493A3C1692FECCAC3C7AC2F3E5DE42D838E&dn=leak"
      "&tr=udp%3A%2F%2Ftracker.example%3A6969&tr=http%3A%2F%2Ft.example%2Fannounce"
      "&x.pe=127.0.0.1:6881");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->infohash_v1, hex);
  EXPECT_EQ(a->locator, "magnet:?xt=urn:btih:" + hex);
  EXPECT_EQ(a->name, "leak");
  ASSERT_EQ(a->trackers.size(), 2u);
  EXPECT_EQ(a->trackers[0], "udp://tracker.example:6969");
  ASSERT_EQ(a->peers.size(), 1u);
  EXPECT_EQ(a->peers[0], "127.0.0.1:6881");
  // The same hash in base32 is the same torrent.
  auto b = parse_magnet("magnet:?xt=urn:btih:FSC6JE5DYFUS73GKYPD2YLZ6LXSC3A4O");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->locator, a->locator);
  const std::string v2(64, 'a');
  auto c = parse_magnet("magnet:?xt=urn:btmh:1220" + v2 + "&dn=x");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->infohash_v2, v2);
  EXPECT_EQ(c->locator, "magnet:?xt=urn:btmh:1220" + v2);
  const std::vector<std::string> bad_links{"magnet:?dn=nohash", "http://x/y",
                                           "magnet:?xt=urn:btih:xyz",
                                           "magnet:?" + std::string(70000, 'a')};
  for (const auto& bad : bad_links) {
    EXPECT_FALSE(parse_magnet(bad)) << bad.substr(0, 40);
  }
}

}  // namespace
}  // namespace leakwatch::crawler
