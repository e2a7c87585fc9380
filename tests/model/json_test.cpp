// JSON forms of the model types: the contract shapes of `--format json`, the store and bundles.
#include "model/json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tests/support/test_time.h"

namespace leakwatch {
namespace {

using nlohmann::json;

Digest digest_of(DigestKind kind, char fill) {
  return *Digest::from_hex(kind, std::string(2 * digest_size(kind), fill));
}

using testing::at;

Sighting sample_sighting() {
  Sighting s;
  s.dataset = "hr-2025";
  s.source = "perceptics-dump";
  s.locator = "http://exampleleakxyz.onion/files/";
  s.confidence = Confidence::likely;
  s.evidence = {{"name+size", "payroll/2025.csv", "dump/PAYROLL/2025.csv", "1048576"},
                {"sha256", "contracts/a.pdf", "dump/a.pdf", std::string(64, 'a')}};
  s.files_matched = 2;
  s.dataset_files = 10;
  s.bytes_matched = 1048576 + 2000;
  s.records_matched = 7;
  s.first_seen = at("2026-11-23T14:22:37Z");
  s.last_seen = at("2026-11-24T08:00:00.125Z");
  s.sources = {{"perceptics-dump", s.first_seen, s.last_seen},
               {"torrent-watch", at("2026-11-24T00:00:00Z"), at("2026-11-24T01:00:00Z")}};
  s.history = {{.at = s.first_seen,
                .confidence = Confidence::possible,
                .evidence = 1,
                .files_matched = 1,
                .bytes_matched = 1048576},
               {.at = at("2026-11-24T00:00:00Z"),
                .confidence = Confidence::likely,
                .evidence = 2,
                .files_matched = 2,
                .bytes_matched = 1050576,
                .records_matched = 7,
                .inferred = true}};
  return s;
}

TEST(SightingJson, UsesExactlyTheContractFieldNames) {
  const auto j = json::parse(to_json_text(sample_sighting()));
  std::set<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.insert(key);
  // The contract's fields, and the additive sources and history (docs/VERIFY.md).
  EXPECT_EQ(keys, (std::set<std::string>{"dataset", "source", "locator", "confidence", "evidence",
                                         "files_matched", "dataset_files", "bytes_matched",
                                         "records_matched", "first_seen", "last_seen", "sources",
                                         "history"}));
  ASSERT_EQ(j.at("evidence").size(), 2u);
  std::set<std::string> evidence_keys;
  for (const auto& [key, value] : j.at("evidence")[0].items()) evidence_keys.insert(key);
  EXPECT_EQ(evidence_keys, (std::set<std::string>{"kind", "file", "remote_path", "detail"}));
}

TEST(SightingJson, WritesContractValuesAsNamesNumbersAndUtcTimes) {
  const auto j = json::parse(to_json_text(sample_sighting()));
  EXPECT_EQ(j.at("dataset"), "hr-2025");
  EXPECT_EQ(j.at("source"), "perceptics-dump");
  EXPECT_EQ(j.at("locator"), "http://exampleleakxyz.onion/files/");
  EXPECT_EQ(j.at("confidence"), "likely");
  EXPECT_EQ(j.at("evidence")[0].at("kind"), "name+size");
  EXPECT_EQ(j.at("evidence")[0].at("file"), "payroll/2025.csv");
  EXPECT_EQ(j.at("evidence")[0].at("remote_path"), "dump/PAYROLL/2025.csv");
  EXPECT_EQ(j.at("evidence")[0].at("detail"), "1048576");
  EXPECT_EQ(j.at("files_matched"), 2);
  EXPECT_EQ(j.at("dataset_files"), 10);
  EXPECT_EQ(j.at("bytes_matched"), 1050576);
  EXPECT_EQ(j.at("records_matched"), 7);
  EXPECT_EQ(j.at("first_seen"), "2026-11-23T14:22:37Z");
  EXPECT_EQ(j.at("last_seen"), "2026-11-24T08:00:00.125Z");
}

TEST(SightingJson, RoundTripsEveryField) {
  const auto original = sample_sighting();
  const auto back = sighting_from_json_text(to_json_text(original), "test");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, original);
}

TEST(SightingJson, ASightingWrittenBeforeSourcesAndHistoryReadsAsSeenByItsOneSource) {
  auto j = json::parse(to_json_text(sample_sighting()));
  j.erase("sources");
  j.erase("history");
  const auto back = sighting_from_json_text(j.dump(), "old");
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->sources.size(), 1u);
  EXPECT_EQ(back->sources[0].source, "perceptics-dump");
  EXPECT_EQ(back->sources[0].first_seen, back->first_seen);
  EXPECT_EQ(back->sources[0].last_seen, back->last_seen);
  EXPECT_TRUE(back->history.empty());
}

TEST(SightingJson, MatchedMembersStayOutOfTheJson) {
  auto s = sample_sighting();
  s.matched_files = {1, 2};
  s.matched_rows = {7};
  const auto j = json::parse(to_json_text(s));
  EXPECT_FALSE(j.contains("matched_files"));
  EXPECT_FALSE(j.contains("matched_rows"));
}

TEST(SightingJson, RoundTripsEachConfidence) {
  for (const auto c : {Confidence::possible, Confidence::likely, Confidence::confirmed}) {
    auto s = sample_sighting();
    s.confidence = c;
    const auto back = sighting_from_json_text(to_json_text(s), "test");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->confidence, c);
  }
}

TEST(SightingJson, RejectsUnknownConfidenceAndBadTimes) {
  auto j = json::parse(to_json_text(sample_sighting()));
  j["confidence"] = "certain";
  EXPECT_FALSE(sighting_from_json_text(j.dump(), "test"));
  j = json::parse(to_json_text(sample_sighting()));
  j["first_seen"] = "2026-02-30T00:00:00Z";
  const auto bad_time = sighting_from_json_text(j.dump(), "sightings.jsonl:3");
  ASSERT_FALSE(bad_time);
  EXPECT_NE(bad_time.error().message.find("sightings.jsonl:3"), std::string::npos);
  EXPECT_NE(bad_time.error().message.find("2026-02-30"), std::string::npos);
}

TEST(ScanRecordJson, RoundTripsEveryField) {
  ScanRecord r;
  r.scan_id = "20261123T142237Z-1";
  r.source = "mirror-a";
  r.locator = "https://mirror.example/files/";
  r.started = at("2026-11-23T14:22:37Z");
  r.ended = at("2026-11-23T14:25:01.500Z");
  r.status = ScanStatus::partial;
  r.error = "page limit reached after 2000 pages";
  r.entries_seen = 123456;
  r.bytes_fetched = 9876543210;
  r.pages_fetched = 2000;
  r.proxy = "tor";
  r.content_checked = true;
  r.http_status = 200;
  r.latency_ms = 1234;
  r.marked_down = true;
  r.files_hashed = 3;
  r.content_bytes = 300000;
  r.archives_listed = 2;
  r.archive_bytes = 70000;
  r.size_probes = 4;
  r.documents = {{"listing", "https://mirror.example/files/", at("2026-11-23T14:22:38Z"),
                  std::string(64, 'c'), 4096}};
  r.documents_omitted = 2;
  const auto text = to_json_text(r);
  const auto j = json::parse(text);
  EXPECT_EQ(j.at("start"), "2026-11-23T14:22:37Z");
  EXPECT_EQ(j.at("end"), "2026-11-23T14:25:01.500Z");
  EXPECT_EQ(j.at("status"), "partial");
  EXPECT_EQ(j.at("proxy"), "tor");
  EXPECT_EQ(j.at("archive_bytes"), 70000);
  EXPECT_EQ(j.at("size_probes"), 4);
  EXPECT_EQ(j.at("documents")[0].at("sha256"), std::string(64, 'c'));
  EXPECT_EQ(j.at("documents")[0].at("size"), 4096);
  const auto back = scan_record_from_json_text(text, "test");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(ScanRecordJson, RejectsUnknownStatus) {
  auto j = json::parse(to_json_text(ScanRecord{}));
  j["source"] = "s";
  EXPECT_TRUE(scan_record_from_json_text(j.dump(), "test"));
  j["status"] = "crashed";
  EXPECT_FALSE(scan_record_from_json_text(j.dump(), "test"));
}

Signature sample_signature() {
  Signature s;
  s.dataset = "hr-2025";
  s.description = "HR exports, quarterly";
  s.created = at("2026-01-02T03:04:05.006Z");
  SignatureFile big;
  big.path = "payroll/2025 Q1.csv";
  big.size = 40u << 20;
  big.digests = {digest_of(DigestKind::sha256, '1'), digest_of(DigestKind::xxh3_128, '2'),
                 digest_of(DigestKind::sha1, '3'),   digest_of(DigestKind::md5, '4'),
                 digest_of(DigestKind::crc32, '5'),  digest_of(DigestKind::btv2_root, '6')};
  for (std::uint64_t len = 16 << 10; len <= 32ull << 20 && len <= big.size; len *= 2) {
    HeadPiece p;
    p.piece_length = len;
    p.sha1.fill(static_cast<std::uint8_t>(len >> 14));
    big.head_pieces.push_back(p);
  }
  SignatureFile small;
  small.path = "readme.txt";
  small.size = 3;
  small.digests = {digest_of(DigestKind::sha256, 'f')};
  s.files = {big, small};
  s.name_patterns = {"*payroll*", "hr-export-*.zip"};
  s.honeytoken_hashes = {digest_of(DigestKind::sha256, 'c'), digest_of(DigestKind::sha256, 'd')};
  return s;
}

TEST(SignatureJson, RoundTripsFilesHeadPiecesPatternsAndHoneytokenHashes) {
  const auto original = sample_signature();
  ASSERT_EQ(original.files[0].head_pieces.size(), 12u);  // 16 KiB .. 32 MiB
  const auto back = signature_from_json_text(to_json_text(original), "bundle.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, original);
}

TEST(SignatureJson, WritesDigestsAsKindAndLowerCaseHex) {
  const auto j = json::parse(to_json_text(sample_signature()));
  const auto& digests = j.at("files")[0].at("digests");
  ASSERT_EQ(digests.size(), 6u);
  EXPECT_EQ(digests[1].at("kind"), "xxh3");
  EXPECT_EQ(digests[1].at("hex"), std::string(32, '2'));
  EXPECT_EQ(digests[5].at("kind"), "btv2-root");
  EXPECT_EQ(j.at("honeytoken_hashes")[0].at("kind"), "sha256");
  EXPECT_EQ(j.at("files")[0].at("head_pieces")[0].at("piece_length"), 16384);
  std::string first_head_piece;
  for (int i = 0; i < 20; ++i) first_head_piece += "01";
  EXPECT_EQ(j.at("files")[0].at("head_pieces")[0].at("sha1"), first_head_piece);
  // A file without head pieces writes no head_pieces key at all.
  EXPECT_FALSE(j.at("files")[1].contains("head_pieces"));
}

TEST(SignatureJson, RejectsDigestsOfUnknownKindOrWrongLength) {
  auto j = json::parse(to_json_text(sample_signature()));
  j["files"][0]["digests"][0]["kind"] = "sha512";
  const auto unknown = signature_from_json_text(j.dump(), "bundle.json");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("sha512"), std::string::npos);
  j = json::parse(to_json_text(sample_signature()));
  j["files"][0]["digests"][0]["hex"] = "abcd";
  EXPECT_FALSE(signature_from_json_text(j.dump(), "bundle.json"));
}

Manifest sample_manifest() {
  Manifest m;
  m.source = "adhoc";
  m.locator = "magnet:?xt=urn:btih:" + std::string(40, 'a');
  m.fetched_at = at("2026-11-23T14:22:37.250Z");
  FileEntry sized;
  sized.path = "leak/payroll.csv";
  sized.size = 1048576;
  sized.digests = {digest_of(DigestKind::sha1, 'b')};
  sized.url = "https://mirror.example/leak/payroll.csv";
  sized.torrent_offset = 0;
  FileEntry pad;
  pad.path = ".pad/16";
  pad.size = 16;
  pad.torrent_offset = 1048576;
  pad.pad = true;
  FileEntry unknown_size;
  unknown_size.path = "leak/unknown.bin";
  m.entries = {sized, pad, unknown_size};
  m.texts = {{"https://paste.example/raw/1", "alice@example.com,555-0100\n"}};
  TorrentLayout t;
  t.name = "leak";
  t.infohash_v1 = std::string(40, 'a');
  t.piece_length = 262144;
  std::array<std::uint8_t, 20> h1{};
  h1.fill(0x11);
  std::array<std::uint8_t, 20> h2{};
  h2.fill(0xfe);
  t.piece_hashes = {h1, h2};
  m.torrent = t;
  return m;
}

TEST(ManifestJson, RoundTripsEntriesTextsAndTorrentLayout) {
  const auto original = sample_manifest();
  const auto back = manifest_from_json_text(to_json_text(original), "manifest");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->source, original.source);
  EXPECT_EQ(back->locator, original.locator);
  EXPECT_EQ(back->fetched_at, original.fetched_at);
  ASSERT_EQ(back->entries.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& a = back->entries[i];
    const auto& b = original.entries[i];
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.size, b.size) << a.path;
    EXPECT_EQ(a.digests, b.digests) << a.path;
    EXPECT_EQ(a.url, b.url) << a.path;
    EXPECT_EQ(a.torrent_offset, b.torrent_offset) << a.path;
    EXPECT_EQ(a.pad, b.pad) << a.path;
  }
  EXPECT_FALSE(back->entries[2].size);  // unknown size stays unknown, not 0
  ASSERT_EQ(back->texts.size(), 1u);
  EXPECT_EQ(back->texts[0].origin, original.texts[0].origin);
  EXPECT_EQ(back->texts[0].text, original.texts[0].text);
  ASSERT_TRUE(back->torrent);
  EXPECT_EQ(back->torrent->name, "leak");
  EXPECT_EQ(back->torrent->infohash_v1, original.torrent->infohash_v1);
  EXPECT_EQ(back->torrent->infohash_v2, "");
  EXPECT_EQ(back->torrent->piece_length, 262144u);
  EXPECT_EQ(back->torrent->piece_hashes, original.torrent->piece_hashes);
}

TEST(ManifestJson, StreamedTextIsTheSameDocumentAsTheJsonForm) {
  // The store writes manifests value by value; the document must be the contract's shape.
  const auto m = sample_manifest();
  EXPECT_EQ(json::parse(to_json_text(m)), json(m));
  auto without = json(m);
  without.erase("texts");
  EXPECT_EQ(json::parse(to_json_text(m, ManifestTexts::drop)), without)
      << "texts may be leaked data: the store drops them";
}

TEST(ManifestJson, ReadsTheOlderWholeDocumentTextToo) {
  // Stores written before the streamed form hold one dump of the document (keys sorted).
  const auto m = sample_manifest();
  const auto back = manifest_from_json_text(dump_json(json(m)), "old manifest");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(json(*back), json(m));
}

TEST(ManifestJson, RoundTripsAManifestOfManyEntriesAndPieces) {
  Manifest m;
  m.source = "big";
  m.locator = "http://big.example/";
  m.fetched_at = at("2026-11-23T00:00:00Z");
  for (int i = 0; i < 20000; ++i) {
    FileEntry e;
    e.path = "d" + std::to_string(i % 97) + "/file_" + std::to_string(i) + ".jpg";
    if (i % 3 == 0) e.size = static_cast<std::uint64_t>(i);
    if (i % 5 == 0) e.size_estimate = static_cast<std::uint64_t>(i) * 1000;
    if (i % 7 == 0) e.digests.push_back(digest_of(DigestKind::crc32, 'a'));
    m.entries.push_back(std::move(e));
  }
  TorrentLayout t;
  t.name = "big";
  t.piece_length = 16384;
  for (int p = 0; p < 5000; ++p) {
    std::array<std::uint8_t, 20> h{};
    h.fill(static_cast<std::uint8_t>(p));
    h[0] = static_cast<std::uint8_t>(p >> 8);
    t.piece_hashes.push_back(h);
  }
  m.torrent = t;
  const auto back = manifest_from_json_text(to_json_text(m), "big");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(json(*back), json(m));
  ASSERT_EQ(back->entries.size(), 20000u);
  EXPECT_EQ(back->entries[19999].path, m.entries[19999].path);
  EXPECT_EQ(back->torrent->piece_hashes, m.torrent->piece_hashes);
}

TEST(ManifestJson, VisitingHandsOverEachEntryAndKeepsOnlyTheRest) {
  const auto m = sample_manifest();
  std::vector<std::string> paths;
  const auto header = visit_manifest_json_text(to_json_text(m), "manifest",
                                               [&](FileEntry&& e) { paths.push_back(e.path); });
  ASSERT_TRUE(header) << header.error().message;
  EXPECT_EQ(paths, (std::vector<std::string>{"leak/payroll.csv", ".pad/16", "leak/unknown.bin"}));
  EXPECT_TRUE(header->entries.empty());
  EXPECT_EQ(header->locator, m.locator);
  ASSERT_EQ(header->texts.size(), 1u);
  ASSERT_TRUE(header->torrent);
  EXPECT_EQ(header->torrent->piece_hashes, m.torrent->piece_hashes);
}

TEST(ManifestJson, ABadEntryOrPieceHashIsAnErrorNamingTheInput) {
  auto j = json(sample_manifest());
  j["entries"][1]["size"] = "sixteen";
  auto bad = manifest_from_json_text(j.dump(), "store key m1");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("store key m1"), std::string::npos);
  j = json(sample_manifest());
  j["torrent"]["piece_hashes"][1] = "zz";
  bad = manifest_from_json_text(j.dump(), "store key m2");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("store key m2"), std::string::npos);
  EXPECT_FALSE(manifest_from_json_text(to_json_text(sample_manifest()).substr(0, 90), "cut"));
}

TEST(JsonText, NamesTheFormOfAStringThatDoesNotReadBackAsItself) {
  EXPECT_EQ(json_text_replacement("plain/ascii.txt"), std::nullopt);
  EXPECT_EQ(json_text_replacement("r\xc3\xa9sum\xc3\xa9.pdf"), std::nullopt);  // UTF-8
  const std::string latin1 = "r\xe9sum\xe9.pdf";
  const auto replaced = json_text_replacement(latin1);
  ASSERT_TRUE(replaced);
  EXPECT_EQ(*replaced, "r\xef\xbf\xbdsum\xef\xbf\xbd.pdf");
  // It is what the text round trip gives.
  EXPECT_EQ(json::parse(dump_json(json(latin1))).get<std::string>(), *replaced);
}

TEST(ManifestJson, OmitsTextsAndTorrentWhenThereAreNone) {
  Manifest m;
  m.source = "mirror-a";
  m.locator = "https://mirror.example/";
  const auto j = json::parse(to_json_text(m));
  EXPECT_FALSE(j.contains("texts"));
  EXPECT_FALSE(j.contains("torrent"));
  const auto back = manifest_from_json_text(j.dump(), "manifest");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_FALSE(back->torrent);
  EXPECT_TRUE(back->texts.empty());
  EXPECT_TRUE(back->entries.empty());
}

TEST(JsonText, InvalidTextGivesAnErrorNamingTheInput) {
  const auto broken = sighting_from_json_text("{\"dataset\": ", "sightings.jsonl line 7");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("sightings.jsonl line 7"), std::string::npos);
  EXPECT_NE(broken.error().message.find("invalid JSON"), std::string::npos);

  EXPECT_FALSE(scan_record_from_json_text("", "scans/x"));
  EXPECT_NE(scan_record_from_json_text("", "scans/x").error().message.find("scans/x"),
            std::string::npos);
  const auto wrong_shape = signature_from_json_text("[1, 2, 3]", "bundle.json");
  ASSERT_FALSE(wrong_shape);
  EXPECT_NE(wrong_shape.error().message.find("bundle.json"), std::string::npos);
  const auto missing = manifest_from_json_text("{\"source\": \"a\"}", "manifest of a");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("manifest of a"), std::string::npos);
}

TEST(JsonText, SerialisesPathsThatAreNotUtf8InsteadOfThrowing) {
  // Listings carry whatever bytes the leaker's file system had, e.g. Latin-1 names.
  auto s = sample_sighting();
  s.evidence[0].remote_path = "dump/r\xe9sum\xe9.pdf";
  std::string text;
  EXPECT_NO_THROW(text = to_json_text(s));
  const auto back = sighting_from_json_text(text, "test");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->evidence[0].file, s.evidence[0].file);
  EXPECT_NE(back->evidence[0].remote_path.find("sum"), std::string::npos);
}

}  // namespace
}  // namespace leakwatch
