#include "report/export_misp.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "report/export_stix.h"

namespace leakwatch::app {

namespace {

using nlohmann::json;

std::string epoch_seconds(Timestamp t) {
  return std::to_string(to_unix_ms(t) / 1000);
}

std::string base_name(std::string_view path) {
  const auto slash = path.find_last_of("/!");
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string attribute_uuid(const Sighting& s, std::string_view type, std::string_view value) {
  return uuid_text(uuid_v5(kLeakwatchUuidNamespace, "misp-attribute\n" + s.dataset + "\n" +
                                                        s.locator + "\n" + std::string(type) +
                                                        "\n" + std::string(value)));
}

// The one local id this export uses for its event and its organisation: ids are the receiving
// instance's business (it assigns its own on import and matches by uuid), but the core format
// has every Attribute name its event_id and the Event its org_id and orgc_id.
constexpr const char* kLocalId = "1";

// MISP core format, Sighting: type "0" (the attribute was seen), date_sighting, its own uuid and
// the source; no other keys.
json sightings_of(const Sighting& s, const std::string& attribute) {
  json list = json::array();
  auto sources = s.sources;
  if (sources.empty()) sources.push_back({s.source, s.first_seen, s.last_seen});
  for (const auto& seen : sources) {
    std::vector<Timestamp> times{seen.first_seen};
    if (seen.last_seen != seen.first_seen) times.push_back(seen.last_seen);
    for (const auto t : times) {
      const auto uuid =
          uuid_text(uuid_v5(kLeakwatchUuidNamespace, "misp-sighting\n" + attribute + "\n" +
                                                         seen.source + "\n" + epoch_seconds(t)));
      list.push_back(json{{"type", "0"},
                          {"uuid", uuid},
                          {"date_sighting", epoch_seconds(t)},
                          {"source", "leakwatch/" + seen.source}});
    }
  }
  return list;
}

json attribute_tags(const Sighting& s) {
  return json::array({json{{"name", "leakwatch:dataset=\"" + s.dataset + "\""}},
                      json{{"name", "leakwatch:confidence=\"" +
                                        std::string(confidence_name(s.confidence)) + "\""}}});
}

json attribute(const Sighting& s, const std::string& type, const std::string& value, bool to_ids,
               const std::string& comment) {
  const auto uuid = attribute_uuid(s, type, value);
  return json{{"uuid", uuid},
              {"event_id", kLocalId},
              {"type", type},
              {"category", "External analysis"},
              {"value", value},
              {"to_ids", to_ids},
              {"deleted", false},
              {"distribution", "5"},  // inherit the event's
              {"timestamp", epoch_seconds(s.last_seen)},
              {"first_seen", format_rfc3339(s.first_seen)},
              {"last_seen", format_rfc3339(s.last_seen)},
              {"comment", comment},
              {"Tag", attribute_tags(s)},
              {"Sighting", sightings_of(s, uuid)}};
}

// The MISP attribute type and value for an evidence row: a filename with its content hash where
// the evidence is one MISP names; otherwise the file name (the proof stays in the comment).
std::pair<std::string, std::string> typed_value(const Evidence& e, const std::string& name) {
  if (e.kind == "sha256" || e.kind == "sha1" || e.kind == "md5") {
    return {"filename|" + e.kind, name + "|" + e.detail};
  }
  return {"filename", name};
}

}  // namespace

json misp_events(const std::vector<Sighting>& sightings) {
  std::set<std::string> datasets;
  for (const auto& s : sightings) datasets.insert(s.dataset);
  json attributes = json::array();
  json tags = json::array();
  std::string names;
  for (const auto& d : datasets) {
    tags.push_back(json{{"name", "leakwatch:dataset=\"" + d + "\""}});
    names += (names.empty() ? "'" : ", '") + d + "'";
  }
  Timestamp earliest = sightings.empty() ? Timestamp{} : sightings.front().first_seen;
  Timestamp latest = sightings.empty() ? Timestamp{} : sightings.front().last_seen;
  std::set<std::string> done;  // attribute uuids: one attribute per dataset, locator and value
  for (const auto& s : sightings) {
    earliest = std::min(earliest, s.first_seen);
    latest = std::max(latest, s.last_seen);
    const std::string where = std::string(confidence_name(s.confidence)) + " sighting at " +
                              s.locator + " (source " + s.source + ")";
    const bool web = s.locator.starts_with("http://") || s.locator.starts_with("https://");
    const auto locator_type = web ? "url" : "link";
    if (done.insert(attribute_uuid(s, locator_type, s.locator)).second) {
      attributes.push_back(attribute(s, locator_type, s.locator, false,
                                     "where dataset '" + s.dataset + "' was seen; " + where));
    }
    for (const auto& e : s.evidence) {
      const auto& path = e.remote_path.empty() ? e.file : e.remote_path;
      if (path.empty()) continue;
      const auto [type, value] = typed_value(e, base_name(path));
      if (!done.insert(attribute_uuid(s, type, value)).second) continue;
      // Only a content hash of a confirmed or likely sighting is fit for detection (to_ids).
      const bool ids = type != "filename" && s.confidence != Confidence::possible;
      attributes.push_back(attribute(
          s, type, value, ids,
          e.kind + " match of dataset file '" + e.file + "' [" + e.detail + "]; " + where));
    }
  }
  std::string all;
  for (const auto& d : datasets) all += d + "\n";
  const auto event_uuid = uuid_text(uuid_v5(kLeakwatchUuidNamespace, "misp-event\n" + all));
  const auto org =
      json{{"id", kLocalId},
           {"name", "leakwatch"},
           {"uuid", uuid_text(uuid_v5(kLeakwatchUuidNamespace, "misp-org\nleakwatch"))}};
  json event{{"id", kLocalId},
             {"uuid", event_uuid},
             {"org_id", kLocalId},
             {"orgc_id", kLocalId},
             {"Orgc", org},
             {"info", "leakwatch: dataset(s) " + (names.empty() ? std::string("(none)") : names) +
                          " seen on leak sites"},
             {"date", format_rfc3339(earliest).substr(0, 10)},
             {"timestamp", epoch_seconds(latest)},
             {"published", false},
             {"publish_timestamp", "0"},
             {"threat_level_id", "2"},  // medium; a taxonomy tag can refine it
             {"analysis", "0"},
             {"distribution", "0"},  // your organisation only: leak intelligence is sensitive
             {"sharing_group_id", "0"},
             {"attribute_count", std::to_string(attributes.size())},
             {"Tag", std::move(tags)},
             {"Attribute", std::move(attributes)}};
  return json{{"Event", std::move(event)}};
}

}  // namespace leakwatch::app
