// Alert: what a hook delivers for one sighting that is new or whose confidence rose
// (docs/CONTRACTS.md "Alerts", docs/ALERTS.md). Its `id` is a stable idempotency key derived from
// dataset, locator and confidence: the same on every retry, through every hook and in every
// format. This file only builds values and text; it never does I/O.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "model/sighting.h"
#include "model/time.h"

namespace leakwatch::alerts {

enum class AlertEvent { sighting_new, sighting_upgraded, test };
std::string_view alert_event_name(AlertEvent e);  // "sighting.new" | "sighting.upgraded" | "test"

struct Alert {
  std::string id;
  AlertEvent event = AlertEvent::sighting_new;
  Timestamp sent_at{};
  Sighting sighting;
};

// "lw1-" and 32 hex digits: the first 128 bits of SHA-256 over
// "leakwatch-alert\0<dataset>\0<locator>\0<confidence>".
std::string alert_id(std::string_view dataset, std::string_view locator, Confidence confidence);
// An alert for the outbox's reason ("new" | "upgraded"), id derived from the sighting.
Alert make_alert(const Sighting& sighting, std::string_view reason, Timestamp sent_at);
// The clearly marked alert `alerts test` sends: event "test", dataset "leakwatch-test".
Alert make_test_alert(std::string_view hook, Timestamp sent_at);

// {"id", "event", "sent_at", "sighting": {...the sighting contract...}}
nlohmann::json alert_json(const Alert& alert);
std::string alert_json_text(const Alert& alert);  // one line, invalid UTF-8 as U+FFFD

// Text helpers for the formatters: bytes that are not UTF-8 become U+FFFD (a leak site's file
// name is attacker text, and receivers choke on broken UTF-8).
std::string valid_utf8(std::string_view s);
// A one-line summary: "confirmed sighting of 'payroll' at perceptics-dump (3/12 files)".
std::string alert_title(const Alert& alert);
// Syslog severity (RFC 5424 6.2.1) and CEF severity (0..10) for the sighting's confidence.
int syslog_severity(const Alert& alert);
int cef_severity(const Alert& alert);

}  // namespace leakwatch::alerts
