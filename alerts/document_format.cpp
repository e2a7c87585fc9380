#include "alerts/document_format.h"

#include <nlohmann/json.hpp>

#include "model/json.h"

namespace leakwatch::alerts {

nlohmann::json hec_event(const Alert& alert, std::string_view host) {
  nlohmann::json j = nlohmann::json::object();
  // HEC "time" is epoch seconds, with milliseconds as a fraction.
  j["time"] = static_cast<double>(to_unix_ms(alert.sent_at)) / 1000.0;
  j["host"] = host;
  j["source"] = "leakwatch";
  j["sourcetype"] = "leakwatch:sighting";
  j["event"] = alert_json(alert);
  return j;
}

std::string hec_batch(std::span<const Alert> alerts, std::string_view host) {
  std::string body;
  for (const auto& a : alerts) {
    body += dump_json(hec_event(a, host));
    body.push_back('\n');
  }
  return body;
}

nlohmann::json ecs_document(const Alert& alert) {
  const Sighting& s = alert.sighting;
  nlohmann::json j = nlohmann::json::object();
  j["@timestamp"] = format_rfc3339(alert.sent_at);
  j["message"] = alert_title(alert);
  j["ecs"] = {{"version", "8.11.0"}};
  j["event"] = {{"kind", "alert"},
                {"id", alert.id},
                {"dataset", "leakwatch.sighting"},
                {"module", "leakwatch"},
                {"action", alert_event_name(alert.event)},
                {"category", {"threat"}},
                {"type", {"indicator"}},
                {"severity", cef_severity(alert)},
                {"created", format_rfc3339(alert.sent_at)}};
  const char* ecs_confidence = s.confidence == Confidence::confirmed ? "High"
                               : s.confidence == Confidence::likely  ? "Medium"
                                                                     : "Low";
  nlohmann::json indicator = {{"type", "url"},
                              {"url", {{"full", s.locator}}},
                              {"provider", s.source},
                              {"confidence", ecs_confidence},
                              {"first_seen", format_rfc3339(s.first_seen)},
                              {"last_seen", format_rfc3339(s.last_seen)},
                              {"description", alert_title(alert)}};
  if (!s.evidence.empty()) indicator["file"] = {{"name", s.evidence.front().remote_path}};
  j["threat"] = {{"indicator", indicator}};
  j["leakwatch"] = {{"alert_id", alert.id}, {"sighting", s}};
  return j;
}

std::string ecs_line(const Alert& alert) {
  return dump_json(ecs_document(alert)) + "\n";
}

}  // namespace leakwatch::alerts
