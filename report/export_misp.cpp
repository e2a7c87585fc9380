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

// MISP sighting type "0": the attribute was seen (core format, Sighting).
json sightings_of(const Sighting& s, const std::string& attribute) {
  json list = json::array();
  std::vector<Timestamp> times{s.first_seen};
  if (s.last_seen != s.first_seen) times.push_back(s.last_seen);
  for (const auto t : times) {
    list.push_back(json{{"type", "0"},
                        {"uuid", attribute},
                        {"attribute_uuid", attribute},
                        {"date_sighting", epoch_seconds(t)},
                        {"source", "leakwatch/" + s.source}});
  }
  return list;
}

json attribute(const Sighting& s, const std::string& type, const std::string& value, bool to_ids,
               const std::string& comment) {
  const auto uuid = attribute_uuid(s, type, value);
  return json{{"uuid", uuid},
              {"type", type},
              {"category", "External analysis"},
              {"value", value},
              {"to_ids", to_ids},
              {"distribution", "5"},  // inherit the event's
              {"timestamp", epoch_seconds(s.last_seen)},
              {"first_seen", format_rfc3339(s.first_seen)},
              {"last_seen", format_rfc3339(s.last_seen)},
              {"comment", comment},
              {"Sighting", sightings_of(s, uuid)}};
}

}  // namespace

json misp_events(const std::vector<Sighting>& sightings) {
  std::map<std::string, std::vector<const Sighting*>> by_dataset;
  for (const auto& s : sightings) by_dataset[s.dataset].push_back(&s);
  json response = json::array();
  for (const auto& [dataset, list] : by_dataset) {
    json attributes = json::array();
    Timestamp earliest = list.front()->first_seen, latest = list.front()->last_seen;
    for (const auto* s : list) {
      earliest = std::min(earliest, s->first_seen);
      latest = std::max(latest, s->last_seen);
      const std::string where = std::string(confidence_name(s->confidence)) + " sighting at " +
                                s->locator + " (source " + s->source + ")";
      const bool web = s->locator.starts_with("http://") || s->locator.starts_with("https://");
      attributes.push_back(attribute(
          *s, web ? "url" : "link", s->locator, false,
          std::string("where dataset '").append(dataset).append("' was seen; ").append(where)));
      std::set<std::string> done;
      for (const auto& e : s->evidence) {
        const auto& path = e.remote_path.empty() ? e.file : e.remote_path;
        if (path.empty()) continue;
        const auto name = base_name(path);
        std::string type = "filename", value = name;
        if (e.kind == "sha256" || e.kind == "sha1" || e.kind == "md5") {
          type = "filename|" + e.kind;
          value = name + "|" + e.detail;
        }
        if (!done.insert(std::string(type).append("\n").append(value)).second) continue;
        attributes.push_back(
            attribute(*s, type, value, type != "filename",
                      e.kind + " match of dataset file '" + e.file + "'; " + where));
      }
    }
    const auto event_uuid = uuid_text(uuid_v5(kLeakwatchUuidNamespace, "misp-event\n" + dataset));
    const auto day = format_rfc3339(earliest).substr(0, 10);
    json event{{"uuid", event_uuid},
               {"info", "leakwatch: dataset '" + dataset + "' seen on leak sites"},
               {"date", day},
               {"timestamp", epoch_seconds(latest)},
               {"published", false},
               {"publish_timestamp", "0"},
               {"threat_level_id", "2"},  // medium; a taxonomy tag can refine it
               {"analysis", "0"},
               {"distribution", "0"},  // your organisation only: leak intelligence is sensitive
               {"sharing_group_id", "0"},
               {"attribute_count", std::to_string(attributes.size())},
               {"Tag", json::array({json{{"name", "leakwatch:dataset=\"" + dataset + "\""}}})},
               {"Attribute", std::move(attributes)}};
    response.push_back(json{{"Event", std::move(event)}});
  }
  return json{{"response", std::move(response)}};
}

}  // namespace leakwatch::app
