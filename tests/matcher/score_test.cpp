// Scoring manifests against signatures: evidence, confidence and counts (docs/CONTRACTS.md
// "Confidence", docs/MATCHING.md).
#include "matcher/score.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "matcher/fingerprint_index.h"

namespace leakwatch::matcher {
namespace {

// A digest whose hex is `seed` repeated: distinct per (kind, seed), readable in failures.
Digest digest(DigestKind kind, int seed) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(2 * digest_size(kind), kHex[seed % 16]);
  hex[0] = kHex[(seed / 16) % 16];
  return *Digest::from_hex(kind, hex);
}

// Dataset `name` with `files` files "<name>/file-<i>.csv" of size 1000 + i, each with a sha256,
// an xxh3 and a crc32 derived from `seed_base + i`.
Signature dataset(const std::string& name, int files, int seed_base) {
  Signature s;
  s.dataset = name;
  for (int i = 0; i < files; ++i) {
    SignatureFile f;
    f.path = name + "/file-" + std::to_string(i) + ".csv";
    f.size = 1000 + static_cast<std::uint64_t>(i);
    f.digests = {digest(DigestKind::sha256, seed_base + i),
                 digest(DigestKind::xxh3_128, seed_base + i),
                 digest(DigestKind::crc32, seed_base + i)};
    s.files.push_back(f);
  }
  return s;
}

FileEntry entry(std::string path, std::optional<std::uint64_t> size,
                std::vector<Digest> digests = {}) {
  FileEntry e;
  e.path = std::move(path);
  e.size = size;
  e.digests = std::move(digests);
  return e;
}

Manifest manifest(std::vector<FileEntry> entries) {
  Manifest m;
  m.source = "mirror-a";
  m.locator = "https://mirror.example/leaks/";
  m.fetched_at = *parse_rfc3339("2026-11-23T14:22:37Z");
  m.entries.assign(std::make_move_iterator(entries.begin()),
                   std::make_move_iterator(entries.end()));
  return m;
}

std::vector<std::string> evidence_kinds(const Sighting& s) {
  std::vector<std::string> out;
  for (const auto& e : s.evidence) out.push_back(e.kind);
  return out;
}

TEST(Score, ContentDigestMatchIsConfirmedWithSha256Evidence) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  const auto sightings =
      score(manifest({entry("dump/file-4.csv", 1004, {digest(DigestKind::sha256, 4)})}), index);
  ASSERT_EQ(sightings.size(), 1u);
  const auto& s = sightings[0];
  EXPECT_EQ(s.dataset, "hr");
  EXPECT_EQ(s.source, "mirror-a");
  EXPECT_EQ(s.locator, "https://mirror.example/leaks/");
  EXPECT_EQ(s.confidence, Confidence::confirmed);
  EXPECT_EQ(s.files_matched, 1u);
  EXPECT_EQ(s.dataset_files, 10u);
  EXPECT_EQ(s.bytes_matched, 1004u);
  EXPECT_EQ(s.first_seen, *parse_rfc3339("2026-11-23T14:22:37Z"));
  EXPECT_EQ(s.last_seen, s.first_seen);
  ASSERT_EQ(s.evidence.size(), 1u);
  EXPECT_EQ(s.evidence[0].kind, "sha256");
  EXPECT_EQ(s.evidence[0].file, "hr/file-4.csv");
  EXPECT_EQ(s.evidence[0].remote_path, "dump/file-4.csv");
  EXPECT_EQ(s.evidence[0].detail, digest(DigestKind::sha256, 4).hex());
}

TEST(Score, Xxh3MatchIsConfirmedWithXxh3Evidence) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  // Size unknown: a content digest needs no size.
  const auto sightings =
      score(manifest({entry("x.bin", std::nullopt, {digest(DigestKind::xxh3_128, 2)})}), index);
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(sightings[0].confidence, Confidence::confirmed);
  EXPECT_EQ(evidence_kinds(sightings[0]), std::vector<std::string>{"xxh3"});
  EXPECT_EQ(sightings[0].evidence[0].file, "hr/file-2.csv");
}

TEST(Score, RenamedFileWithMatchingDigestIsConfirmed) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  const auto sightings = score(
      manifest({entry("totally/unrelated-name.7z", 1007, {digest(DigestKind::sha256, 7)})}), index);
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(sightings[0].confidence, Confidence::confirmed);
  EXPECT_EQ(sightings[0].evidence[0].file, "hr/file-7.csv");
  EXPECT_EQ(sightings[0].evidence[0].remote_path, "totally/unrelated-name.7z");
}

TEST(Score, NameAndSizeOnThreeFilesIsLikely) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  const auto sightings = score(manifest({entry("a/file-0.csv", 1000), entry("b/file-1.csv", 1001),
                                         entry("c/FILE-2.CSV", 1002)}),
                               index);
  ASSERT_EQ(sightings.size(), 1u);
  const auto& s = sightings[0];
  EXPECT_EQ(s.confidence, Confidence::likely);
  EXPECT_EQ(s.files_matched, 3u);
  EXPECT_EQ(s.dataset_files, 10u);
  EXPECT_EQ(s.bytes_matched, 3003u);
  EXPECT_EQ(evidence_kinds(s), (std::vector<std::string>{"name+size", "name+size", "name+size"}));
  EXPECT_EQ(s.evidence[2].remote_path, "c/FILE-2.CSV");
  EXPECT_EQ(s.evidence[2].file, "hr/file-2.csv");
}

TEST(Score, NameAndSizeOnOneFileOfTenIsOnlyPossible) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  const auto sightings = score(manifest({entry("file-5.csv", 1005)}), index);
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(sightings[0].confidence, Confidence::possible);
  EXPECT_EQ(sightings[0].files_matched, 1u);
  EXPECT_EQ(sightings[0].bytes_matched, 1005u);
  EXPECT_EQ(evidence_kinds(sightings[0]), std::vector<std::string>{"name+size"});
}

TEST(Score, NameAndSizeOnEveryFileOfASmallDatasetIsLikely) {
  const FingerprintIndex index({dataset("tiny", 2, 0)});
  const auto sightings =
      score(manifest({entry("file-0.csv", 1000), entry("file-1.csv", 1001)}), index);
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(sightings[0].confidence, Confidence::likely);
}

TEST(Score, DecoysWithTheSameNamesButOtherSizesAreOnlyPossible) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  std::vector<FileEntry> decoys;
  for (int i = 0; i < 10; ++i) decoys.push_back(entry("file-" + std::to_string(i) + ".csv", 5));
  const auto sightings = score(manifest(decoys), index);
  ASSERT_EQ(sightings.size(), 1u);
  const auto& s = sightings[0];
  EXPECT_EQ(s.confidence, Confidence::possible);
  EXPECT_EQ(s.files_matched, 10u);
  EXPECT_EQ(s.bytes_matched, 0u);  // a name alone proves no bytes
  ASSERT_EQ(s.evidence.size(), 10u);
  for (const auto& e : s.evidence) EXPECT_EQ(e.kind, "name");
  EXPECT_EQ(s.evidence[0].detail, "size 5 differs from 1000");
}

TEST(Score, CaseAndTrailingDotsDoNotHideAName) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  const auto sightings = score(manifest({entry("Leak/FILE-3.CSV. ", 1003)}), index);
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(evidence_kinds(sightings[0]), std::vector<std::string>{"name+size"});
}

TEST(Score, Crc32WithMatchingSizeOnTwoFilesIsConfirmed) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  const auto one = score(manifest({entry("z/a", 1000, {digest(DigestKind::crc32, 0)})}), index);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].confidence, Confidence::possible);  // one crc32 could be a collision
  EXPECT_EQ(evidence_kinds(one[0]), std::vector<std::string>{"crc32+size"});

  const auto two = score(manifest({entry("z/a", 1000, {digest(DigestKind::crc32, 0)}),
                                   entry("z/b", 1001, {digest(DigestKind::crc32, 1)})}),
                         index);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].confidence, Confidence::confirmed);
  EXPECT_EQ(two[0].bytes_matched, 2001u);
}

TEST(Score, Crc32WithADifferentSizeIsNoEvidence) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  EXPECT_TRUE(score(manifest({entry("z/a", 999, {digest(DigestKind::crc32, 0)})}), index).empty());
  EXPECT_TRUE(
      score(manifest({entry("z/a", std::nullopt, {digest(DigestKind::crc32, 0)})}), index).empty());
}

TEST(Score, CountsAFileOnceWithItsStrongestEvidenceFirst) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  // file-1 matches by name+size only; file-0 by name+size and by sha256 (two entries).
  const auto sightings =
      score(manifest({entry("file-1.csv", 1001), entry("file-0.csv", 1000),
                      entry("renamed.bin", 1000, {digest(DigestKind::sha256, 0)})}),
            index);
  ASSERT_EQ(sightings.size(), 1u);
  const auto& s = sightings[0];
  EXPECT_EQ(s.confidence, Confidence::confirmed);
  EXPECT_EQ(s.files_matched, 2u);
  EXPECT_EQ(s.bytes_matched, 2001u);
  EXPECT_EQ(evidence_kinds(s), (std::vector<std::string>{"sha256", "name+size"}));
  EXPECT_EQ(s.evidence[0].file, "hr/file-0.csv");
}

TEST(Score, TwoDatasetsInOneManifestGiveTwoSightings) {
  const FingerprintIndex index({dataset("hr", 10, 0), dataset("finance", 4, 100)});
  const auto sightings = score(manifest({entry("x/1", 1, {digest(DigestKind::sha256, 3)}),
                                         entry("y/1", 1, {digest(DigestKind::sha256, 101)}),
                                         entry("y/2", 1, {digest(DigestKind::sha256, 102)})}),
                               index);
  ASSERT_EQ(sightings.size(), 2u);
  const auto hr = std::find_if(sightings.begin(), sightings.end(),
                               [](const Sighting& s) { return s.dataset == "hr"; });
  const auto finance = std::find_if(sightings.begin(), sightings.end(),
                                    [](const Sighting& s) { return s.dataset == "finance"; });
  ASSERT_NE(hr, sightings.end());
  ASSERT_NE(finance, sightings.end());
  EXPECT_EQ(hr->files_matched, 1u);
  EXPECT_EQ(hr->dataset_files, 10u);
  EXPECT_EQ(hr->bytes_matched, 1003u);
  EXPECT_EQ(finance->files_matched, 2u);
  EXPECT_EQ(finance->dataset_files, 4u);
  EXPECT_EQ(finance->bytes_matched, 1001u + 1002u);
  EXPECT_EQ(finance->confidence, Confidence::confirmed);
  EXPECT_EQ(finance->source, "mirror-a");
}

TEST(Score, IgnoresPadFilesAndUnrelatedEntries) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  auto pad = entry(".pad/1000", 1000, {digest(DigestKind::sha256, 0)});
  pad.pad = true;
  EXPECT_TRUE(
      score(manifest({pad, entry("holiday.jpg", 1000), entry("file-0.csv.bak", 1000)}), index)
          .empty());
}

TEST(Score, CapsEvidenceButKeepsCountsExact) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  std::vector<FileEntry> entries;
  for (int i = 0; i < 10; ++i) {
    entries.push_back(
        entry("file-" + std::to_string(i) + ".csv", 1000 + static_cast<std::uint64_t>(i)));
  }
  entries.push_back(entry("r.bin", 1009, {digest(DigestKind::sha256, 9)}));
  ScoreRules rules;
  rules.max_evidence = 2;
  const auto sightings = score(manifest(entries), index, rules);
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(sightings[0].files_matched, 10u);
  ASSERT_EQ(sightings[0].evidence.size(), 2u);
  EXPECT_EQ(sightings[0].evidence[0].kind, "sha256");  // the proof survives the cap
}

TEST(NormaliseName, TakesTheBasenameCaseFoldedWithoutTrailingSpacesOrDots) {
  EXPECT_EQ(normalise_name("Payroll/2025/Q1 Report.PDF"), "q1 report.pdf");
  EXPECT_EQ(normalise_name("dump/report.pdf. "), "report.pdf");
  EXPECT_EQ(normalise_name("report.pdf..."), "report.pdf");
  EXPECT_EQ(normalise_name("report.pdf \t"), "report.pdf");
  EXPECT_EQ(normalise_name("C:\\Users\\HR\\SALARIES.XLSX"), "salaries.xlsx");
  EXPECT_EQ(normalise_name("folder/sub/"), "sub");
  EXPECT_EQ(normalise_name(" leading space.txt"), " leading space.txt");
  EXPECT_EQ(normalise_name(""), "");
  EXPECT_EQ(normalise_name("..."), "");
}

TEST(FingerprintIndex, FindsFilesByDigestNameSizeAndSize) {
  const FingerprintIndex index({dataset("hr", 3, 0), dataset("finance", 2, 100)});
  const auto by_digest = index.by_digest(digest(DigestKind::sha256, 101));
  ASSERT_EQ(by_digest.size(), 1u);
  EXPECT_EQ(index.file(by_digest[0]).path, "finance/file-1.csv");
  // The same bytes under another kind are another digest.
  EXPECT_TRUE(index
                  .by_digest(*Digest::from_hex(DigestKind::btv2_root,
                                               digest(DigestKind::sha256, 101).hex()))
                  .empty());
  // Both datasets have a "file-1.csv" of 1001 bytes.
  EXPECT_EQ(index.by_name_size("file-1.csv", 1001).size(), 2u);
  EXPECT_TRUE(index.by_name_size("file-1.csv", 1000).empty());
  EXPECT_EQ(index.by_name("file-2.csv").size(), 1u);
  EXPECT_TRUE(index.has_size(1002));
  EXPECT_FALSE(index.has_size(1003));
}

TEST(Score, Sha1Md5AndV2RootMatchesAreConfirmedWithTheirKinds) {
  Signature s = dataset("hr", 3, 0);
  s.files[0].digests.push_back(digest(DigestKind::sha1, 50));
  s.files[1].digests.push_back(digest(DigestKind::md5, 51));
  s.files[2].digests.push_back(digest(DigestKind::btv2_root, 52));
  const FingerprintIndex index({s});
  for (const auto& [d, kind] : {std::pair{digest(DigestKind::sha1, 50), "sha1"},
                                std::pair{digest(DigestKind::md5, 51), "md5"},
                                std::pair{digest(DigestKind::btv2_root, 52), "btv2-root"}}) {
    const auto sightings = score(manifest({entry("renamed.bin", std::nullopt, {d})}), index);
    ASSERT_EQ(sightings.size(), 1u) << kind;
    EXPECT_EQ(sightings[0].confidence, Confidence::confirmed) << kind;
    ASSERT_EQ(sightings[0].evidence.size(), 1u);
    EXPECT_EQ(sightings[0].evidence[0].kind, kind);
  }
}

TEST(Score, SameNameAndSizeWithAnotherSha256IsADecoyAndOnlyPossible) {
  const FingerprintIndex index({dataset("hr", 3, 0)});
  std::vector<FileEntry> entries;
  for (int i = 0; i < 3; ++i) {
    entries.push_back(entry("dump/file-" + std::to_string(i) + ".csv", 1000 + i,
                            {digest(DigestKind::sha256, 200 + i)}));
  }
  const auto sightings = score(manifest(entries), index);
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(sightings[0].confidence, Confidence::possible);
  EXPECT_EQ(evidence_kinds(sightings[0]), (std::vector<std::string>{"name", "name", "name"}));
  EXPECT_NE(sightings[0].evidence[0].detail.find("sha256"), std::string::npos);
}

// A torrent whose v1 pieces are `length` bytes, with `hashes` as its piece hashes.
TorrentLayout layout(std::uint64_t length, std::vector<std::array<std::uint8_t, 20>> hashes) {
  TorrentLayout t;
  t.name = "leak";
  t.piece_length = length;
  t.piece_hashes = std::move(hashes);
  return t;
}

std::array<std::uint8_t, 20> sha1_bytes(int seed) {
  std::array<std::uint8_t, 20> out{};
  out.fill(static_cast<std::uint8_t>(seed));
  return out;
}

TEST(Score, AlignedFileWhoseFirstPieceHashMatchesIsConfirmedByV1Pieces) {
  Signature s = dataset("images", 2, 0);
  s.files[1].size = 3 * 65536 + 10;
  s.files[1].head_pieces = {{32768, sha1_bytes(7)}, {65536, sha1_bytes(9)}};
  const FingerprintIndex index({s});
  Manifest m = manifest({entry("leak/a.bin", 65536), entry("leak/renamed.bin", 3 * 65536 + 10)});
  m.entries[0].torrent_offset = 0;
  m.entries[1].torrent_offset = 65536;  // starts piece 1
  m.torrent = layout(65536, {sha1_bytes(1), sha1_bytes(9), sha1_bytes(2), sha1_bytes(3)});
  const auto sightings = score(m, index);
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(sightings[0].confidence, Confidence::confirmed);
  ASSERT_EQ(sightings[0].evidence.size(), 1u);
  EXPECT_EQ(sightings[0].evidence[0].kind, "btv1-pieces");
  EXPECT_EQ(sightings[0].evidence[0].file, "images/file-1.csv");
  EXPECT_NE(sightings[0].evidence[0].detail.find("1 piece checked: piece 1"), std::string::npos)
      << sightings[0].evidence[0].detail;
}

TEST(Score, UnalignedOrOtherPieceLengthGivesNoV1Evidence) {
  Signature s = dataset("images", 1, 0);
  s.files[0].size = 200'000;
  s.files[0].head_pieces = {{65536, sha1_bytes(9)}};
  const FingerprintIndex index({s});
  Manifest unaligned = manifest({entry("leak/x.bin", 200'000)});
  unaligned.entries[0].torrent_offset = 1000;
  unaligned.torrent = layout(65536, {sha1_bytes(9), sha1_bytes(9), sha1_bytes(9), sha1_bytes(9)});
  EXPECT_TRUE(score(unaligned, index).empty());
  Manifest other_length = manifest({entry("leak/x.bin", 200'000)});
  other_length.entries[0].torrent_offset = 0;
  other_length.torrent = layout(32768, {sha1_bytes(9), sha1_bytes(9)});
  EXPECT_TRUE(score(other_length, index).empty());
}

TEST(Score, HoneytokenAsAnEntryNameOrItsStemIsConfirmed) {
  Signature s = dataset("hr", 2, 0);
  // SHA-256 of "canary-7f3k9q" (python3 hashlib): the signature never holds the token itself.
  s.honeytoken_hashes = {*Digest::from_hex(
      DigestKind::sha256, "bf79e3c36177ada2a33dc6b1bc9d39ca9cce0d808fb587d0ffc5faff243cfc90")};
  const FingerprintIndex index({s});
  for (const char* path : {"share/canary-7f3k9q", "share/canary-7f3k9q.pdf"}) {
    const auto sightings = score(manifest({entry(path, 10)}), index);
    ASSERT_EQ(sightings.size(), 1u) << path;
    EXPECT_EQ(sightings[0].confidence, Confidence::confirmed);
    ASSERT_EQ(sightings[0].evidence.size(), 1u);
    EXPECT_EQ(sightings[0].evidence[0].kind, "honeytoken");
    EXPECT_EQ(sightings[0].evidence[0].remote_path, path);
  }
  EXPECT_TRUE(score(manifest({entry("share/canary-7f3k9.pdf", 10)}), index).empty());
}

TEST(Score, PatternMatchesArePossibleWithThePatternAsDetail) {
  Signature s = dataset("hr", 2, 0);
  s.name_patterns = {"payroll*.xlsx"};
  const FingerprintIndex index({s});
  const auto sightings = score(manifest({entry("dump/PAYROLL-2025.XLSX", 5)}), index);
  ASSERT_EQ(sightings.size(), 1u);
  EXPECT_EQ(sightings[0].confidence, Confidence::possible);
  EXPECT_EQ(sightings[0].files_matched, 0u);
  ASSERT_EQ(sightings[0].evidence.size(), 1u);
  EXPECT_EQ(sightings[0].evidence[0].kind, "pattern");
  EXPECT_EQ(sightings[0].evidence[0].detail, "payroll*.xlsx");
  EXPECT_EQ(sightings[0].evidence[0].remote_path, "dump/PAYROLL-2025.XLSX");
}

TEST(Score, RulesChangeTheLikelyThreshold) {
  const FingerprintIndex index({dataset("hr", 10, 0)});
  const auto m = manifest({entry("a/file-1.csv", 1001), entry("a/file-2.csv", 1002)});
  EXPECT_EQ(score(m, index)[0].confidence, Confidence::possible);
  ScoreRules rules;
  rules.likely_name_size_files = 2;
  EXPECT_EQ(score(m, index, rules)[0].confidence, Confidence::likely);
}

}  // namespace
}  // namespace leakwatch::matcher
