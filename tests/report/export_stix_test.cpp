// STIX 2.1 export: every object carries the properties the STIX 2.1 specification (and the
// oasis-open/cti-stix2-json-schemas) require, references resolve inside the bundle, and ids are
// stable across re-exports.
#include "report/export_stix.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::app {
namespace {

using nlohmann::json;

Sighting sample(std::string dataset, std::string locator, std::string source) {
  Sighting s;
  s.dataset = std::move(dataset);
  s.source = std::move(source);
  s.locator = std::move(locator);
  s.confidence = Confidence::confirmed;
  s.evidence = {{"sha256", "db/customers.csv", "dump/customers.csv", std::string(64, 'a')},
                {"md5", "db/customers.csv", "dump/customers.csv", std::string(32, 'b')},
                {"name+size", "db/orders.csv", "dump/it's orders.csv", "1234"}};
  s.files_matched = 2;
  s.dataset_files = 3;
  s.bytes_matched = 5000;
  s.first_seen = *parse_rfc3339("2026-11-20T10:00:00Z");
  s.last_seen = *parse_rfc3339("2026-11-23T12:30:00.250Z");
  return s;
}

// STIX 2.1 section 3.2 / 3.3: identifier and timestamp forms.
const std::regex kIdentifier(
    "^[a-z][a-z0-9-]+[a-z0-9]--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-"
    "[0-9a-f]{12}$");
const std::regex kTimestamp(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$)");

// Required properties per type (STIX 2.1: 3.2 common properties of SDOs/SROs, 4.7 identity, 4.7
// indicator, 4.14 observed-data, 5.2 sighting, 6.7 file, 6.12 url; bundle 8).
const std::map<std::string, std::vector<std::string>> kRequired = {
    {"identity", {"type", "spec_version", "id", "created", "modified", "name"}},
    {"indicator",
     {"type", "spec_version", "id", "created", "modified", "pattern", "pattern_type",
      "valid_from"}},
    {"observed-data",
     {"type", "spec_version", "id", "created", "modified", "first_observed", "last_observed",
      "number_observed", "object_refs"}},
    {"sighting", {"type", "spec_version", "id", "created", "modified", "sighting_of_ref"}},
    {"file", {"type", "id"}},
    {"url", {"type", "id", "value"}},
};

void expect_valid_bundle(const json& bundle) {
  ASSERT_EQ(bundle.at("type"), "bundle");
  EXPECT_TRUE(std::regex_match(bundle.at("id").get<std::string>(), kIdentifier));
  EXPECT_FALSE(bundle.contains("spec_version")) << "2.1 bundles have no spec_version";
  std::set<std::string> ids;
  for (const auto& o : bundle.at("objects")) ids.insert(o.at("id").get<std::string>());
  EXPECT_EQ(ids.size(), bundle.at("objects").size()) << "ids are unique";
  for (const auto& o : bundle.at("objects")) {
    const auto type = o.at("type").get<std::string>();
    ASSERT_TRUE(kRequired.contains(type)) << type;
    for (const auto& key : kRequired.at(type)) EXPECT_TRUE(o.contains(key)) << type << "." << key;
    const auto id = o.at("id").get<std::string>();
    EXPECT_TRUE(std::regex_match(id, kIdentifier)) << id;
    EXPECT_TRUE(id.starts_with(type + "--")) << id;
    if (o.contains("spec_version")) {
      EXPECT_EQ(o["spec_version"], "2.1");
    }
    for (const auto* key : {"created", "modified", "first_seen", "last_seen", "first_observed",
                            "last_observed", "valid_from"}) {
      if (o.contains(key)) {
        EXPECT_TRUE(std::regex_match(o[key].get<std::string>(), kTimestamp)) << o[key];
      }
    }
    if (o.contains("created")) {
      EXPECT_LE(o["created"], o["modified"]);
    }
    for (const auto& [key, value] : o.items()) {
      // 3.1: property names are lowercase ASCII, digits and underscore, 3 to 250 characters.
      EXPECT_TRUE(std::regex_match(key, std::regex("^[a-z0-9_]{2,250}$"))) << key;
    }
    if (type == "file") {
      EXPECT_TRUE(o.contains("hashes") || o.contains("name"));
    }
    if (type == "identity") {
      EXPECT_EQ(o["identity_class"], "system");
    }
    if (type == "observed-data") {
      EXPECT_GE(o["number_observed"].get<int>(), 1);
      EXPECT_FALSE(o["object_refs"].empty());
      for (const auto& ref : o["object_refs"]) EXPECT_TRUE(ids.contains(ref)) << ref;
    }
    if (type == "sighting") {
      EXPECT_TRUE(ids.contains(o["sighting_of_ref"])) << o["sighting_of_ref"];
      EXPECT_TRUE(o["sighting_of_ref"].get<std::string>().starts_with("indicator--"));
      for (const auto& ref : o["observed_data_refs"]) EXPECT_TRUE(ids.contains(ref));
      for (const auto& ref : o["where_sighted_refs"]) {
        EXPECT_TRUE(ids.contains(ref));
        EXPECT_TRUE(ref.get<std::string>().starts_with("identity--"));
      }
      EXPECT_GE(o["count"].get<int>(), 0);
      EXPECT_LE(o["count"].get<int>(), 999'999'999);
      EXPECT_GE(o["confidence"].get<int>(), 0);
      EXPECT_LE(o["confidence"].get<int>(), 100);
      EXPECT_LE(o["first_seen"], o["last_seen"]);
    }
    if (type == "indicator") {
      EXPECT_EQ(o["pattern_type"], "stix");
    }
  }
}

const json* find(const json& bundle, const std::string& type) {
  for (const auto& o : bundle["objects"]) {
    if (o["type"] == type) return &o;
  }
  return nullptr;
}

TEST(Uuid, Version5MatchesRfc4122Reference) {
  // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") in Python's standard library.
  const Uuid dns = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                    0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
  EXPECT_EQ(uuid_text(uuid_v5(dns, "python.org")), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST(StixExport, BundleHasEveryRequiredPropertyAndResolvingReferences) {
  const auto bundle = stix_bundle({sample("customers", "http://leak.onion/dump/", "onion-a"),
                                   sample("customers", "magnet:?xt=urn:btih:abc", "torrents"),
                                   sample("payroll", "http://leak.onion/dump/", "onion-a")});
  expect_valid_bundle(bundle);
  std::map<std::string, int> counts;
  for (const auto& o : bundle["objects"]) ++counts[o["type"]];
  EXPECT_EQ(counts["sighting"], 3);
  EXPECT_EQ(counts["indicator"], 3);
  EXPECT_EQ(counts["observed-data"], 3);
  EXPECT_EQ(counts["identity"], 2) << "one identity per source";
  EXPECT_EQ(counts["url"], 2) << "one url SCO per distinct locator";
}

TEST(StixExport, SightingCarriesTimesCountConfidenceAndSource) {
  const auto bundle = stix_bundle({sample("customers", "http://leak.onion/dump/", "onion-a")});
  const auto* s = find(bundle, "sighting");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ((*s)["first_seen"], "2026-11-20T10:00:00.000Z") << "milliseconds, always";
  EXPECT_EQ((*s)["last_seen"], "2026-11-23T12:30:00.250Z");
  EXPECT_EQ((*s)["count"], 2);
  EXPECT_EQ((*s)["confidence"], 90);
  EXPECT_EQ((*s)["x_leakwatch_locator"], "http://leak.onion/dump/");
  const auto* identity = find(bundle, "identity");
  EXPECT_EQ((*s)["where_sighted_refs"][0], (*identity)["id"]);
  EXPECT_EQ((*identity)["name"], "onion-a");
  const auto other = stix_bundle({sample("payroll", "http://x.onion/", "onion-a")});
  EXPECT_EQ(*find(other, "identity"), *identity) << "the same identity in every export";
}

TEST(StixExport, FilesCarryHashesNamesAndSizesAndThePatternListsTheHashes) {
  const auto bundle = stix_bundle({sample("customers", "http://leak.onion/dump/", "onion-a")});
  std::vector<json> files;
  for (const auto& o : bundle["objects"]) {
    if (o["type"] == "file") files.push_back(o);
  }
  ASSERT_EQ(files.size(), 2u);
  const auto& hashed = files[0]["name"] == "customers.csv" ? files[0] : files[1];
  const auto& sized = files[0]["name"] == "customers.csv" ? files[1] : files[0];
  EXPECT_EQ(hashed["hashes"]["SHA-256"], std::string(64, 'a'));
  EXPECT_EQ(hashed["hashes"]["MD5"], std::string(32, 'b'));
  EXPECT_EQ(sized["name"], "it's orders.csv");
  EXPECT_EQ(sized["size"], 1234);
  const auto pattern = (*find(bundle, "indicator"))["pattern"].get<std::string>();
  EXPECT_NE(pattern.find("[file:hashes.'SHA-256' = '" + std::string(64, 'a') + "']"),
            std::string::npos)
      << pattern;
  EXPECT_NE(pattern.find("[file:hashes.'MD5' = '" + std::string(32, 'b') + "'] OR "),
            std::string::npos)
      << pattern;
}

TEST(StixExport, NameOnlyEvidenceGivesANamePatternWithQuotesEscaped) {
  auto s = sample("customers", "http://leak.onion/dump/", "onion-a");
  s.evidence = {{"name", "db/orders.csv", "dump/it's orders.csv", ""}};
  s.confidence = Confidence::possible;
  const auto bundle = stix_bundle({s});
  expect_valid_bundle(bundle);
  EXPECT_EQ((*find(bundle, "indicator"))["pattern"], R"([file:name = 'it\'s orders.csv'])");
  EXPECT_EQ((*find(bundle, "sighting"))["confidence"], 30);
}

TEST(StixExport, ReExportingGivesTheSameIds) {
  const auto a = stix_bundle({sample("customers", "http://leak.onion/dump/", "onion-a")});
  const auto b = stix_bundle({sample("customers", "http://leak.onion/dump/", "onion-a")});
  EXPECT_EQ(a.dump(), b.dump());
  auto later = sample("customers", "http://leak.onion/dump/", "onion-a");
  later.last_seen += std::chrono::hours{24};
  const auto c = stix_bundle({later});
  EXPECT_EQ((*find(a, "sighting"))["id"], (*find(c, "sighting"))["id"])
      << "the same sighting keeps its id when seen again";
  EXPECT_NE((*find(a, "sighting"))["modified"], (*find(c, "sighting"))["modified"]);
}

TEST(StixExport, FileIdFollowsTheSpecsDeterministicIdRule) {
  // STIX 2.1 2.9: UUIDv5 in namespace 00abedb4-aa42-466c-9c01-fed23315a9b7 over the canonical
  // JSON of the contributing properties; for file the MD5 hash wins over SHA-256.
  const auto bundle = stix_bundle({sample("customers", "http://leak.onion/dump/", "onion-a")});
  const Uuid sco_ns = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                       0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};
  const auto expected =
      "file--" + uuid_text(uuid_v5(sco_ns, R"({"hashes":{"MD5":")" + std::string(32, 'b') +
                                               R"("},"name":"customers.csv"})"));
  bool found = false;
  for (const auto& o : bundle["objects"]) found = found || o["id"] == expected;
  EXPECT_TRUE(found) << expected;
}

// Every kind of evidence, a name-only decoy and a locator seen by two sources.
std::vector<Sighting> every_kind() {
  auto hashed = sample("customers", "http://leak.onion/dump/", "onion-a");
  auto crc = sample("customers", "http://leak.onion/dump/all.zip", "onion-a");
  crc.evidence = {{"crc32+size", "db/customers.csv", "all.zip!customers.csv", "1a2b3c4d 5000"}};
  crc.first_seen = *parse_rfc3339("2026-11-21T00:00:00Z");
  auto torrent = sample("customers", "magnet:?xt=urn:btih:" + std::string(40, 'e'), "torrents");
  torrent.evidence = {{"btv2-root", "db/customers.csv", "dump/customers.csv", std::string(64, 'd')},
                      {"btv1-pieces", "db/orders.csv", "dump/orders.csv",
                       std::string(40, 'f') + " (piece length 16384, 1 piece)"}};
  torrent.sources = {{"torrents", torrent.first_seen, torrent.last_seen},
                     {"onion-a", torrent.first_seen, torrent.first_seen}};
  auto decoy = sample("payroll", "http://leak.onion/other/", "onion-a");
  decoy.confidence = Confidence::possible;
  decoy.evidence = {{"name", "pay/2026.xlsx", "other/2026.xlsx", "size unknown"}};
  return {hashed, crc, torrent, decoy};
}

TEST(StixExport, EveryObjectIsValidAgainstTheOasisSchemas) {
  // tests/report/stix2-json-schemas: the OASIS cti-stix2-json-schemas, vendored (README there).
  const leakwatch::testing::TempDir dir;
  const auto file = dir.path() / "bundle.json";
  std::ofstream(file) << stix_bundle(every_kind()).dump(2);
  const auto checked = leakwatch::testing::run_command(
      {"python3", LEAKWATCH_SOURCE_DIR "/tests/report/stix_schema_check.py", file.string()});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_NE(checked.err.find("0 errors"), std::string::npos) << checked.err;
}

TEST(StixExport, TheSchemaCheckFailsABundleThatBreaksTheSpec) {
  auto bundle = stix_bundle(every_kind());
  for (auto& o : bundle["objects"]) {
    if (o["type"] == "identity") o["created"] = "2026-01-01T00:00:00Z";  // no milliseconds
  }
  const leakwatch::testing::TempDir dir;
  const auto file = dir.path() / "bundle.json";
  std::ofstream(file) << bundle.dump(2);
  const auto checked = leakwatch::testing::run_command(
      {"python3", LEAKWATCH_SOURCE_DIR "/tests/report/stix_schema_check.py", file.string()});
  EXPECT_EQ(checked.exit_code, 1) << checked.out << checked.err;
  EXPECT_NE(checked.out.find("identity identity--"), std::string::npos) << checked.out;
}

TEST(StixExport, APossibleSightingIsNotACompromisedIndicator) {
  const auto bundle = stix_bundle(every_kind());
  for (const auto& o : bundle["objects"]) {
    if (o["type"] != "indicator") continue;
    const bool decoy = o["name"].get<std::string>().find("payroll") != std::string::npos;
    EXPECT_EQ(o["indicator_types"][0], decoy ? "unknown" : "compromised") << o["name"];
  }
}

TEST(StixExport, TorrentAndCrcProofAreHashObservablesNotNamePatterns) {
  const auto bundle = stix_bundle(every_kind());
  std::map<std::string, json> files;
  std::vector<std::string> patterns;
  for (const auto& o : bundle["objects"]) {
    if (o["type"] == "file" && o.contains("hashes")) {
      for (const auto& [k, v] : o["hashes"].items()) files[k] = o;
    }
    if (o["type"] == "indicator") patterns.push_back(o["pattern"]);
  }
  ASSERT_TRUE(files.contains("x_btv2_pieces_root"));
  EXPECT_EQ(files["x_btv2_pieces_root"]["hashes"]["x_btv2_pieces_root"], std::string(64, 'd'));
  ASSERT_TRUE(files.contains("x_btv1_piece_sha1"));
  EXPECT_EQ(files["x_btv1_piece_sha1"]["hashes"]["x_btv1_piece_sha1"], std::string(40, 'f'));
  ASSERT_TRUE(files.contains("x_crc32")) << "crc32+size evidence is kept";
  EXPECT_EQ(files["x_crc32"]["hashes"]["x_crc32"], "1a2b3c4d");
  EXPECT_EQ(files["x_crc32"]["size"], 5000);
  bool crc_pattern = false, root_pattern = false;
  for (const auto& p : patterns) {
    crc_pattern |= p == "[file:hashes.'x_crc32' = '1a2b3c4d' AND file:size = 5000]";
    if (p.find("x_btv2_pieces_root") != std::string::npos) {
      root_pattern = true;
      EXPECT_EQ(p.find("file:name"), std::string::npos) << "hash proof, not a name pattern: " << p;
    }
  }
  EXPECT_TRUE(crc_pattern);
  EXPECT_TRUE(root_pattern);
}

TEST(StixExport, ALocatorSeenByTwoSourcesIsSightedWhereBothAre) {
  const auto bundle = stix_bundle(every_kind());
  for (const auto& o : bundle["objects"]) {
    if (o["type"] == "sighting" &&
        o["x_leakwatch_locator"].get<std::string>().starts_with("magnet:")) {
      EXPECT_EQ(o["where_sighted_refs"].size(), 2u);
    }
  }
}

TEST(StixExport, NoSightingsIsAnEmptyValidBundle) {
  const auto bundle = stix_bundle({});
  expect_valid_bundle(bundle);
  EXPECT_TRUE(bundle["objects"].empty());
}

}  // namespace
}  // namespace leakwatch::app
