// MISP export: events, attributes and sightings carry what the MISP core format
// (draft-dulaunoy-misp-core-format, sections Event, Attribute, Sighting) says MUST be present,
// with the JSON types it prescribes (strings for ids, times and enumerations).
#include "report/export_misp.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

namespace leakwatch::app {
namespace {

using nlohmann::json;

Sighting sample(std::string dataset, std::string locator) {
  Sighting s;
  s.dataset = std::move(dataset);
  s.source = "onion-a";
  s.locator = std::move(locator);
  s.confidence = Confidence::likely;
  s.evidence = {{"sha256", "db/customers.csv", "dump/customers.csv", std::string(64, 'c')},
                {"name+size", "db/orders.csv", "dump/orders.csv", "99"}};
  s.files_matched = 2;
  s.first_seen = *parse_rfc3339("2026-11-20T10:00:00Z");
  s.last_seen = *parse_rfc3339("2026-11-23T12:30:00Z");
  return s;
}

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
const std::regex kDecimal("^[0-9]+$");

// The Sighting keys of the core format; nothing else (attribute_uuid, for one, is not one).
const std::set<std::string> kSightingKeys = {"id",     "attribute_id", "event_id",
                                             "org_id", "uuid",         "date_sighting",
                                             "source", "type",         "Organisation"};

void expect_valid_misp(const json& doc) {
  // One event: {"Event": {...}}, not MISP's restSearch wrapper.
  ASSERT_TRUE(doc.is_object());
  ASSERT_EQ(doc.size(), 1u);
  const auto& e = doc.at("Event");
  // Event: uuid, published, info, date, timestamp, publish_timestamp, distribution MUST;
  // threat_level_id, analysis, attribute_count SHALL; org_id and orgc_id with Orgc.
  for (const auto* key : {"uuid", "info", "date", "timestamp", "publish_timestamp", "distribution",
                          "threat_level_id", "analysis", "attribute_count", "org_id", "orgc_id"}) {
    ASSERT_TRUE(e.contains(key)) << key;
    EXPECT_TRUE(e[key].is_string()) << key;
  }
  EXPECT_TRUE(std::regex_match(e["org_id"].get<std::string>(), kDecimal));
  ASSERT_TRUE(e.contains("Orgc"));
  EXPECT_EQ(e["Orgc"].at("id"), e["orgc_id"]);
  EXPECT_TRUE(e["Orgc"].at("name").is_string());
  EXPECT_TRUE(std::regex_match(e["Orgc"].at("uuid").get<std::string>(), kUuid));
  EXPECT_TRUE(e.at("published").is_boolean());
  EXPECT_TRUE(std::regex_match(e["uuid"].get<std::string>(), kUuid));
  EXPECT_TRUE(std::regex_match(e["date"].get<std::string>(), std::regex(R"(^\d{4}-\d{2}-\d{2}$)")));
  EXPECT_TRUE(std::regex_match(e["timestamp"].get<std::string>(), kDecimal));
  EXPECT_LE(e["info"].get<std::string>().size(), 256u);
  EXPECT_EQ(e["info"].get<std::string>().find('\n'), std::string::npos);
  EXPECT_TRUE(std::set<std::string>({"0", "1", "2", "3", "4"}).contains(e["distribution"]));
  EXPECT_TRUE(std::set<std::string>({"1", "2", "3", "4"}).contains(e["threat_level_id"]));
  EXPECT_TRUE(std::set<std::string>({"0", "1", "2"}).contains(e["analysis"]));
  EXPECT_EQ(e["attribute_count"], std::to_string(e["Attribute"].size()));
  std::set<std::string> attribute_uuids, sighting_uuids;
  for (const auto& a : e.at("Attribute")) {
    // Attribute: uuid, type, category, value (the category-type-value triplet), event_id,
    // deleted.
    for (const auto* key :
         {"uuid", "type", "category", "value", "timestamp", "distribution", "event_id"}) {
      ASSERT_TRUE(a.contains(key)) << key;
      EXPECT_TRUE(a[key].is_string()) << key;
    }
    EXPECT_EQ(a["event_id"], e.value("id", std::string("?")));
    EXPECT_TRUE(a.at("deleted").is_boolean());
    EXPECT_TRUE(a.at("to_ids").is_boolean());
    EXPECT_TRUE(std::regex_match(a["uuid"].get<std::string>(), kUuid));
    EXPECT_TRUE(attribute_uuids.insert(a["uuid"]).second) << "attribute uuids are unique";
    // Valid category-type combinations of the "External analysis" category.
    EXPECT_EQ(a["category"], "External analysis");
    EXPECT_TRUE(std::set<std::string>(
                    {"url", "link", "filename", "filename|sha256", "filename|sha1", "filename|md5"})
                    .contains(a["type"]))
        << a["type"];
    if (a["type"].get<std::string>().starts_with("filename|")) {
      EXPECT_NE(a["value"].get<std::string>().find('|'), std::string::npos);
    }
    ASSERT_FALSE(a.at("Sighting").empty());
    for (const auto& s : a["Sighting"]) {
      // Sighting: type, uuid (its own), date_sighting MUST; source MAY; no other keys.
      for (const auto& [key, value] : s.items()) EXPECT_TRUE(kSightingKeys.contains(key)) << key;
      EXPECT_EQ(s.at("type"), "0");
      EXPECT_TRUE(std::regex_match(s.at("uuid").get<std::string>(), kUuid));
      EXPECT_NE(s.at("uuid"), a["uuid"]) << "a sighting has a uuid of its own";
      EXPECT_TRUE(sighting_uuids.insert(s["uuid"]).second) << "sighting uuids are unique";
      EXPECT_TRUE(std::regex_match(s.at("date_sighting").get<std::string>(), kDecimal));
      EXPECT_TRUE(s.at("source").is_string());
    }
  }
}

TEST(MispExport, OneEventHoldsEveryDatasetWithTheRequiredFields) {
  const auto doc = misp_events({sample("customers", "http://leak.onion/dump/"),
                                sample("customers", "magnet:?xt=urn:btih:abc"),
                                sample("payroll", "https://leak.example/x.zip")});
  expect_valid_misp(doc);
  const auto& event = doc["Event"];
  EXPECT_EQ(event["date"], "2026-11-20");
  EXPECT_EQ(event["timestamp"],
            std::to_string(to_unix_ms(*parse_rfc3339("2026-11-23T12:30:00Z")) / 1000));
  ASSERT_EQ(event["Tag"].size(), 2u) << "a tag per dataset";
  EXPECT_EQ(event["Tag"][0]["name"], "leakwatch:dataset=\"customers\"");
  EXPECT_EQ(event["Tag"][1]["name"], "leakwatch:dataset=\"payroll\"");
}

TEST(MispExport, SightingsAreAtFirstAndLastSeenFromEverySource) {
  auto s = sample("customers", "http://leak.onion/dump/");
  s.sources = {
      {"onion-a", s.first_seen, s.last_seen},
      {"watch", *parse_rfc3339("2026-11-22T00:00:00Z"), *parse_rfc3339("2026-11-22T00:00:00Z")}};
  const auto doc = misp_events({s});
  expect_valid_misp(doc);
  const auto& attributes = doc["Event"]["Attribute"];
  ASSERT_EQ(attributes.size(), 3u) << "url, filename|sha256, filename";
  EXPECT_EQ(attributes[0]["type"], "url");
  EXPECT_EQ(attributes[0]["value"], "http://leak.onion/dump/");
  EXPECT_EQ(attributes[1]["type"], "filename|sha256");
  EXPECT_EQ(attributes[1]["value"], "customers.csv|" + std::string(64, 'c'));
  EXPECT_TRUE(attributes[1]["to_ids"].get<bool>());
  EXPECT_EQ(attributes[2]["type"], "filename");
  const auto& sightings = attributes[0]["Sighting"];
  ASSERT_EQ(sightings.size(), 3u);
  EXPECT_EQ(sightings[0]["date_sighting"],
            std::to_string(to_unix_ms(*parse_rfc3339("2026-11-20T10:00:00Z")) / 1000));
  EXPECT_EQ(sightings[1]["date_sighting"],
            std::to_string(to_unix_ms(*parse_rfc3339("2026-11-23T12:30:00Z")) / 1000));
  EXPECT_EQ(sightings[0]["source"], "leakwatch/onion-a");
  EXPECT_EQ(sightings[2]["source"], "leakwatch/watch");
}

TEST(MispExport, APossibleSightingIsNotForDetection) {
  auto s = sample("customers", "http://leak.onion/dump/");
  s.confidence = Confidence::possible;
  const auto doc = misp_events({s});
  for (const auto& a : doc["Event"]["Attribute"]) EXPECT_FALSE(a["to_ids"].get<bool>());
}

TEST(MispExport, ReExportKeepsEventAndAttributeUuids) {
  auto later = sample("customers", "http://leak.onion/dump/");
  const auto a = misp_events({later});
  later.last_seen += std::chrono::hours{5};
  const auto b = misp_events({later});
  EXPECT_EQ(a["Event"]["uuid"], b["Event"]["uuid"]);
  EXPECT_EQ(a["Event"]["Attribute"][1]["uuid"], b["Event"]["Attribute"][1]["uuid"]);
}

TEST(MispExport, NoSightingsIsAnEventWithNoAttributes) {
  const auto doc = misp_events({});
  expect_valid_misp(doc);
  EXPECT_TRUE(doc["Event"]["Attribute"].empty());
}

}  // namespace
}  // namespace leakwatch::app
