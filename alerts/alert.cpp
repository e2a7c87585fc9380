#include "alerts/alert.h"

#include <openssl/sha.h>

#include <array>
#include <nlohmann/json.hpp>

#include "model/json.h"

namespace leakwatch::alerts {

std::string_view alert_event_name(AlertEvent e) {
  switch (e) {
    case AlertEvent::sighting_new:
      return "sighting.new";
    case AlertEvent::sighting_upgraded:
      return "sighting.upgraded";
    case AlertEvent::test:
      return "test";
  }
  return "sighting.new";
}

std::string alert_id(std::string_view dataset, std::string_view locator, Confidence confidence) {
  std::string input = "leakwatch-alert";
  input.push_back('\0');
  input.append(dataset);
  input.push_back('\0');
  input.append(locator);
  input.push_back('\0');
  input.append(confidence_name(confidence));
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "lw1-";
  for (std::size_t i = 0; i < 16; ++i) {
    id.push_back(kHex[digest[i] >> 4]);
    id.push_back(kHex[digest[i] & 15]);
  }
  return id;
}

Alert make_alert(const Sighting& sighting, std::string_view reason, Timestamp sent_at) {
  Alert a;
  a.id = alert_id(sighting.dataset, sighting.locator, sighting.confidence);
  a.event = reason == "upgraded" ? AlertEvent::sighting_upgraded : AlertEvent::sighting_new;
  a.sent_at = sent_at;
  a.sighting = sighting;
  return a;
}

Alert make_test_alert(std::string_view hook, Timestamp sent_at) {
  Alert a;
  a.event = AlertEvent::test;
  a.sent_at = sent_at;
  Sighting& s = a.sighting;
  s.dataset = "leakwatch-test";
  s.source = "leakwatch";
  // Unique per test, so a receiver that deduplicates by id still shows every test.
  s.locator = "leakwatch:test/" + std::string(hook) + "/" + std::to_string(to_unix_ms(sent_at));
  s.confidence = Confidence::confirmed;
  s.evidence.push_back(
      {"name", "TEST.txt", "TEST.txt", "a test alert from `leakwatch alerts test`"});
  s.files_matched = 1;
  s.dataset_files = 1;
  s.first_seen = sent_at;
  s.last_seen = sent_at;
  a.id = alert_id(s.dataset, s.locator, s.confidence);
  return a;
}

nlohmann::json alert_json(const Alert& alert) {
  nlohmann::json j = nlohmann::json::object();
  j["id"] = alert.id;
  j["event"] = alert_event_name(alert.event);
  j["sent_at"] = format_rfc3339(alert.sent_at);
  j["sighting"] = alert.sighting;
  return j;
}

std::string alert_json_text(const Alert& alert) {
  return dump_json(alert_json(alert));
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t min = 0;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      min = 0x10000;
    }
    bool ok = len != 0 && i + len <= s.size();
    std::uint32_t cp = ok ? (c & (0x7F >> len)) : 0;
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

std::string alert_title(const Alert& alert) {
  const Sighting& s = alert.sighting;
  std::string title = alert.event == AlertEvent::test ? "TEST: " : "";
  title += std::string(confidence_name(s.confidence)) + " sighting of '" + s.dataset + "' at " +
           s.source + " (" + std::to_string(s.files_matched) + "/" +
           std::to_string(s.dataset_files) + " files)";
  return valid_utf8(title);
}

int syslog_severity(const Alert& alert) {
  if (alert.event == AlertEvent::test) return 6;  // informational
  switch (alert.sighting.confidence) {
    case Confidence::confirmed:
      return 2;  // critical
    case Confidence::likely:
      return 4;  // warning
    case Confidence::possible:
      return 5;  // notice
  }
  return 5;
}

int cef_severity(const Alert& alert) {
  if (alert.event == AlertEvent::test) return 1;
  switch (alert.sighting.confidence) {
    case Confidence::confirmed:
      return 9;
    case Confidence::likely:
      return 7;
    case Confidence::possible:
      return 4;
  }
  return 4;
}

}  // namespace leakwatch::alerts
