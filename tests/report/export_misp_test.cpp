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

void expect_valid_misp(const json& doc) {
  ASSERT_TRUE(doc.at("response").is_array());
  std::set<std::string> attribute_uuids;
  for (const auto& wrapper : doc["response"]) {
    const auto& e = wrapper.at("Event");
    // Event: uuid, published, info, date, timestamp, publish_timestamp, distribution MUST;
    // threat_level_id, analysis, attribute_count SHALL.
    for (const auto* key : {"uuid", "info", "date", "timestamp", "publish_timestamp",
                            "distribution", "threat_level_id", "analysis", "attribute_count"}) {
      ASSERT_TRUE(e.contains(key)) << key;
      EXPECT_TRUE(e[key].is_string()) << key;
    }
    EXPECT_TRUE(e.at("published").is_boolean());
    EXPECT_TRUE(std::regex_match(e["uuid"].get<std::string>(), kUuid));
    EXPECT_TRUE(
        std::regex_match(e["date"].get<std::string>(), std::regex(R"(^\d{4}-\d{2}-\d{2}$)")));
    EXPECT_TRUE(std::regex_match(e["timestamp"].get<std::string>(), kDecimal));
    EXPECT_LE(e["info"].get<std::string>().size(), 256u);
    EXPECT_EQ(e["info"].get<std::string>().find('\n'), std::string::npos);
    EXPECT_TRUE(std::set<std::string>({"0", "1", "2", "3", "4"}).contains(e["distribution"]));
    EXPECT_TRUE(std::set<std::string>({"1", "2", "3", "4"}).contains(e["threat_level_id"]));
    EXPECT_TRUE(std::set<std::string>({"0", "1", "2"}).contains(e["analysis"]));
    EXPECT_EQ(e["attribute_count"], std::to_string(e["Attribute"].size()));
    for (const auto& a : e.at("Attribute")) {
      // Attribute: uuid, type, category, value (the category-type-value triplet).
      for (const auto* key : {"uuid", "type", "category", "value", "timestamp", "distribution"}) {
        ASSERT_TRUE(a.contains(key)) << key;
        EXPECT_TRUE(a[key].is_string()) << key;
      }
      EXPECT_TRUE(a.at("to_ids").is_boolean());
      EXPECT_TRUE(std::regex_match(a["uuid"].get<std::string>(), kUuid));
      EXPECT_TRUE(attribute_uuids.insert(a["uuid"]).second) << "attribute uuids are unique";
      // Valid category-type combinations of the "External analysis" category.
      EXPECT_EQ(a["category"], "External analysis");
      EXPECT_TRUE(std::set<std::string>({"url", "link", "filename", "filename|sha256",
                                         "filename|sha1", "filename|md5"})
                      .contains(a["type"]))
          << a["type"];
      if (a["type"].get<std::string>().starts_with("filename|")) {
        EXPECT_NE(a["value"].get<std::string>().find('|'), std::string::npos);
      }
      ASSERT_FALSE(a.at("Sighting").empty());
      for (const auto& s : a["Sighting"]) {
        // Sighting: type, uuid (the attribute's), date_sighting MUST; source MAY.
        EXPECT_EQ(s.at("type"), "0");
        EXPECT_EQ(s.at("uuid"), a["uuid"]);
        EXPECT_TRUE(std::regex_match(s.at("date_sighting").get<std::string>(), kDecimal));
        EXPECT_TRUE(s.at("source").is_string());
      }
    }
  }
}

TEST(MispExport, EventsAttributesAndSightingsHaveTheRequiredFields) {
  const auto doc = misp_events({sample("customers", "http://leak.onion/dump/"),
                                sample("customers", "magnet:?xt=urn:btih:abc"),
                                sample("payroll", "https://leak.example/x.zip")});
  expect_valid_misp(doc);
  ASSERT_EQ(doc["response"].size(), 2u) << "one event per dataset";
  const auto& customers = doc["response"][0]["Event"];
  EXPECT_EQ(customers["date"], "2026-11-20");
  EXPECT_EQ(customers["timestamp"],
            std::to_string(to_unix_ms(*parse_rfc3339("2026-11-23T12:30:00Z")) / 1000));
}

TEST(MispExport, SightingsAreAtFirstAndLastSeenFromTheSource) {
  const auto doc = misp_events({sample("customers", "http://leak.onion/dump/")});
  const auto& attributes = doc["response"][0]["Event"]["Attribute"];
  ASSERT_EQ(attributes.size(), 3u) << "url, filename|sha256, filename";
  EXPECT_EQ(attributes[0]["type"], "url");
  EXPECT_EQ(attributes[0]["value"], "http://leak.onion/dump/");
  EXPECT_EQ(attributes[1]["type"], "filename|sha256");
  EXPECT_EQ(attributes[1]["value"], "customers.csv|" + std::string(64, 'c'));
  EXPECT_TRUE(attributes[1]["to_ids"].get<bool>());
  EXPECT_EQ(attributes[2]["type"], "filename");
  const auto& sightings = attributes[0]["Sighting"];
  ASSERT_EQ(sightings.size(), 2u);
  EXPECT_EQ(sightings[0]["date_sighting"],
            std::to_string(to_unix_ms(*parse_rfc3339("2026-11-20T10:00:00Z")) / 1000));
  EXPECT_EQ(sightings[1]["date_sighting"],
            std::to_string(to_unix_ms(*parse_rfc3339("2026-11-23T12:30:00Z")) / 1000));
  EXPECT_EQ(sightings[0]["source"], "leakwatch/onion-a");
}

TEST(MispExport, ReExportKeepsEventAndAttributeUuids) {
  auto later = sample("customers", "http://leak.onion/dump/");
  const auto a = misp_events({later});
  later.last_seen += std::chrono::hours{5};
  const auto b = misp_events({later});
  EXPECT_EQ(a["response"][0]["Event"]["uuid"], b["response"][0]["Event"]["uuid"]);
  EXPECT_EQ(a["response"][0]["Event"]["Attribute"][1]["uuid"],
            b["response"][0]["Event"]["Attribute"][1]["uuid"]);
}

TEST(MispExport, NoSightingsIsAnEmptyResponse) {
  const auto doc = misp_events({});
  expect_valid_misp(doc);
  EXPECT_TRUE(doc["response"].empty());
}

}  // namespace
}  // namespace leakwatch::app
