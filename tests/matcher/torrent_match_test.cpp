// The matcher on real torrents: v2 pieces roots prove files whatever their names, v1 head pieces
// prove aligned files, and with kept originals (`sign --keep-source`) a LocalPieceVerifier proves
// files that a v1 torrent splits at unaligned offsets. Torrents come from mktorrent and libtorrent.
#include <gtest/gtest.h>

#include <algorithm>

#include "crawler/torrent_links.h"
#include "matcher/piece_verifier.h"
#include "matcher/score.h"
#include "matcher/signer.h"
#include "model/json.h"
#include "tests/support/process.h"
#include "tests/support/support_files.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::matcher {
namespace {

using leakwatch::testing::random_bytes;
using leakwatch::testing::run_command;
using leakwatch::testing::TempDir;
using leakwatch::testing::write_file;

using leakwatch::testing::kSystemPython;
using leakwatch::testing::support_file;

// The originals, and a renamed copy of them as a leak would carry them.
struct Fixture {
  TempDir dir;
  std::filesystem::path originals = dir / "originals";
  std::filesystem::path leak = dir / "dump";
  Fixture() {
    const std::string a = random_bytes(100'000, 11), b = random_bytes(300'001, 12), c = "five\n";
    write_file(originals / "payroll.xlsx", a);
    write_file(originals / "hr" / "staff.csv", b);
    write_file(originals / "note.txt", c);
    write_file(leak / "aaa.bin", a);
    write_file(leak / "zzz" / "bbb.bin", b);
    write_file(leak / "ccc.bin", c);
  }
  Signature sign(bool keep_source) const {
    auto r = sign_paths({originals}, {.dataset = "hr", .keep_source = keep_source});
    EXPECT_TRUE(r) << r.error().message;
    return r->signature;
  }
};

Manifest torrent_manifest(const std::filesystem::path& torrent) {
  auto m = crawler::read_torrent_file(torrent);
  EXPECT_TRUE(m) << m.error().message;
  m->source = "test";
  return std::move(m).value();
}

const Evidence* evidence_for(const Sighting& s, const std::string& file) {
  for (const auto& e : s.evidence) {
    if (e.file == file) return &e;
  }
  return nullptr;
}

TEST(TorrentMatch, V2RootsProveRenamedFilesInAHybridTorrentWithPadFiles) {
  Fixture fx;
  const auto torrent = fx.dir / "dump.torrent";
  const auto r = run_command({kSystemPython, support_file("torrent_peer.py"), "make",
                              fx.leak.string(), torrent.string(), "16384", "hybrid"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const FingerprintIndex index({fx.sign(false)});
  const auto sightings = score(torrent_manifest(torrent), index);
  ASSERT_EQ(sightings.size(), 1u);
  const auto& s = sightings[0];
  EXPECT_EQ(s.confidence, Confidence::confirmed);
  EXPECT_EQ(s.files_matched, 3u);
  EXPECT_EQ(s.bytes_matched, 400'006u);
  for (const auto* file : {"payroll.xlsx", "hr/staff.csv", "note.txt"}) {
    const auto* e = evidence_for(s, file);
    ASSERT_NE(e, nullptr) << file;
    EXPECT_EQ(e->kind, "btv2-root") << file;
  }
  EXPECT_EQ(evidence_for(s, "payroll.xlsx")->remote_path, "dump/aaa.bin");
}

TEST(TorrentMatch, V1UnalignedFilesNeedTheLocalOriginal) {
  Fixture fx;
  const auto torrent = fx.dir / "dump.torrent";
  // mktorrent 1.1 concatenates without padding: aaa.bin at 0, ccc.bin at 100000, bbb.bin at
  // 100005 with 32 KiB pieces, so only aaa.bin starts on a piece boundary.
  const auto r = run_command({"mktorrent", "-l", "15", "-o", torrent.string(), fx.leak.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto manifest = torrent_manifest(torrent);

  {  // Head pieces alone: the aligned file only.
    const FingerprintIndex index({fx.sign(false)});
    const auto s = score(manifest, index);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].confidence, Confidence::confirmed);
    EXPECT_EQ(s[0].files_matched, 1u);
    const auto* e = evidence_for(s[0], "payroll.xlsx");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->kind, "btv1-pieces");
    EXPECT_NE(e->detail.find("1 piece checked: piece 0 (length 32768"), std::string::npos)
        << e->detail;
  }
  {  // Kept originals: bbb.bin is proved by hashing ranges of hr/staff.csv on demand.
    const FingerprintIndex index({fx.sign(true)});
    const LocalPieceVerifier verifier;
    ScoreRules rules;
    rules.piece_verifier = &verifier;
    const auto s = score(manifest, index, rules);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].files_matched, 2u);
    const auto* e = evidence_for(s[0], "hr/staff.csv");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->kind, "btv1-pieces");
    EXPECT_EQ(e->remote_path, "dump/zzz/bbb.bin");
    // Pieces 4..12 lie inside [100005, 400006): the last one is the torrent's short tail piece.
    EXPECT_NE(e->detail.find("3 pieces checked against the local original: pieces 4, 8, 12 of 9"),
              std::string::npos)
        << e->detail;
    EXPECT_GE(verifier.bytes_read(), 2u * 32768);
    EXPECT_LE(verifier.bytes_read(), 3u * 32768);
    // note.txt (5 bytes) holds no whole piece: nothing can prove it from v1 hashes.
    EXPECT_EQ(evidence_for(s[0], "note.txt"), nullptr);
  }
}

TEST(TorrentMatch, AnOriginalThatDiffersOrIsGoneProvesNothing) {
  Fixture fx;
  const auto torrent = fx.dir / "dump.torrent";
  ASSERT_EQ(
      run_command({"mktorrent", "-l", "15", "-o", torrent.string(), fx.leak.string()}).exit_code,
      0);
  const auto manifest = torrent_manifest(torrent);
  auto sig = fx.sign(true);
  const LocalPieceVerifier verifier;
  ScoreRules rules;
  rules.piece_verifier = &verifier;
  // Same size, one byte changed inside piece 8 (one of the pieces checked: 4, 8, 12).
  // Pieces not checked are not evidence either way: the detail names the ones that were.
  auto changed = random_bytes(300'001, 12);
  changed[8 * 32768 - 100'005 + 100] ^= 0x5a;
  write_file(fx.originals / "hr" / "staff.csv", changed);
  {
    const FingerprintIndex index({sig});
    const auto s = score(manifest, index, rules);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(evidence_for(s[0], "hr/staff.csv"), nullptr);
  }
  std::filesystem::remove(fx.originals / "hr" / "staff.csv");
  {
    const FingerprintIndex index({sig});
    const auto s = score(manifest, index, rules);
    EXPECT_EQ(evidence_for(s[0], "hr/staff.csv"), nullptr);
  }
}

TEST(TorrentMatch, TheVerifierStopsAtItsBudget) {
  Fixture fx;
  const auto torrent = fx.dir / "dump.torrent";
  ASSERT_EQ(
      run_command({"mktorrent", "-l", "15", "-o", torrent.string(), fx.leak.string()}).exit_code,
      0);
  const FingerprintIndex index({fx.sign(true)});
  const LocalPieceVerifier verifier({.budget_bytes = 40'000});
  ScoreRules rules;
  rules.piece_verifier = &verifier;
  const auto s = score(torrent_manifest(torrent), index, rules);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(evidence_for(s[0], "hr/staff.csv"), nullptr) << "3 pieces do not fit in 40000 bytes";
  EXPECT_LE(verifier.bytes_read(), 40'000u);
}

TEST(TorrentMatch, KeepSourceRecordsAbsolutePathsOnlyWhenAsked) {
  Fixture fx;
  const auto sig = fx.sign(true);
  for (const auto& f : sig.files) {
    EXPECT_TRUE(std::filesystem::path(f.original_path).is_absolute()) << f.original_path;
    EXPECT_TRUE(std::filesystem::exists(f.original_path)) << f.original_path;
  }
  for (const auto& f : fx.sign(false).files) EXPECT_TRUE(f.original_path.empty());
}

}  // namespace
}  // namespace leakwatch::matcher

namespace leakwatch {
namespace {

TEST(TorrentModel, KeptOriginalsAndScanNotesSurviveTheirJsonForms) {
  Signature sig;
  sig.dataset = "hr";
  sig.files.push_back({.path = "a.bin", .size = 3, .original_path = "/srv/hr/a.bin"});
  sig.files.push_back({.path = "b.bin", .size = 4});
  const auto sig_text = to_json_text(sig);
  EXPECT_EQ(sig_text.find("original_path", sig_text.find("b.bin")), std::string::npos)
      << "written only when kept: " << sig_text;
  auto back = signature_from_json_text(sig_text, "test");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, sig);

  ScanRecord rec;
  rec.source = "s";
  rec.notes = {"1 UDP tracker(s) skipped: a SOCKS proxy like Tor's carries no UDP"};
  auto rec_back = scan_record_from_json_text(to_json_text(rec), "test");
  ASSERT_TRUE(rec_back) << rec_back.error().message;
  EXPECT_EQ(*rec_back, rec);
  EXPECT_EQ(to_json_text(ScanRecord{}).find("notes"), std::string::npos);
}

}  // namespace
}  // namespace leakwatch
