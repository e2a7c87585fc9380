// Alerts as documents for log platforms: Splunk HTTP Event Collector events and Elastic Common
// Schema (ECS) lines for the jsonl hook. Pure text; no I/O.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>

#include "alerts/alert.h"

namespace leakwatch::alerts {

// {"time": <epoch seconds>, "host", "source": "leakwatch", "sourcetype": "leakwatch:sighting",
//  "event": <alert JSON>}
nlohmann::json hec_event(const Alert& alert, std::string_view host);
// The events back to back in one body (one per line), for POST /services/collector/event.
std::string hec_batch(std::span<const Alert> alerts, std::string_view host);

// One ECS document: @timestamp, event.{kind,id,dataset,action,severity,created},
// threat.indicator.*, message, and the sighting under leakwatch.*.
nlohmann::json ecs_document(const Alert& alert);
std::string ecs_line(const Alert& alert);  // one line of JSON text, with its '\n'

}  // namespace leakwatch::alerts
