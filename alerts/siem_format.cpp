#include "alerts/siem_format.h"

#include <fmt/format.h>

namespace leakwatch::alerts {

namespace {

// The evidence of a sighting in one line: "sha256 data/a.csv@dump/x.csv; name ...".
std::string evidence_summary(const Sighting& s, std::size_t limit = 10) {
  std::string out;
  for (std::size_t i = 0; i < s.evidence.size() && i < limit; ++i) {
    const auto& e = s.evidence[i];
    if (!out.empty()) out += "; ";
    out += e.kind + " " + e.file + " at " + e.remote_path;
  }
  if (s.evidence.size() > limit) {
    out += "; and " + std::to_string(s.evidence.size() - limit) + " more";
  }
  return out;
}

std::string first_remote_path(const Sighting& s) {
  return s.evidence.empty() ? std::string() : s.evidence.front().remote_path;
}

// A printable US-ASCII token without spaces for RFC 5424 header fields.
std::string header_token(std::string_view s, std::size_t max) {
  std::string out;
  for (const char c : s) {
    if (out.size() >= max) break;
    if (c > 32 && c < 127) out.push_back(c);
  }
  return out.empty() ? "-" : out;
}

// Valid UTF-8 of `value`, each byte replaced by what `replace` gives for it (nullptr: kept).
template <typename Replace>
std::string escape_each(std::string_view value, Replace replace) {
  std::string out;
  for (const char c : valid_utf8(value)) {
    if (const char* r = replace(c)) {
      out += r;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string sd_param_escape(std::string_view value) {
  return escape_each(value, [](char c) -> const char* {
    if (c == '"') return "\\\"";
    if (c == '\\') return "\\\\";
    if (c == ']') return "\\]";
    return nullptr;
  });
}

std::string cef_header_escape(std::string_view value) {
  return escape_each(value, [](char c) -> const char* {
    if (c == '\\') return "\\\\";
    if (c == '|') return "\\|";
    if (c == '\r' || c == '\n') return " ";
    return nullptr;
  });
}

std::string cef_extension_escape(std::string_view value) {
  return escape_each(value, [](char c) -> const char* {
    if (c == '\\') return "\\\\";
    if (c == '=') return "\\=";
    if (c == '\r') return "\\r";
    if (c == '\n') return "\\n";
    return nullptr;
  });
}

std::string leef_header_escape(std::string_view value) {
  return cef_header_escape(value);
}

std::string leef_value_escape(std::string_view value) {
  return escape_each(value, [](char c) -> const char* {
    if (c == '\\') return "\\\\";
    if (c == '\t') return "\\t";
    if (c == '\r') return "\\r";
    if (c == '\n') return "\\n";
    return nullptr;
  });
}

std::string cef_message(const Alert& alert, std::string_view version) {
  const Sighting& s = alert.sighting;
  std::string out = "CEF:0|leakwatch|leakwatch|" + cef_header_escape(version) + "|" +
                    cef_header_escape(alert_event_name(alert.event)) + "|" +
                    cef_header_escape(alert_title(alert)) + "|" +
                    std::to_string(cef_severity(alert)) + "|";
  bool first = true;
  auto ext = [&](std::string_view key, std::string_view value) {
    if (!first) out.push_back(' ');
    first = false;
    out.append(key);
    out.push_back('=');
    out += cef_extension_escape(value);
  };
  ext("externalId", alert.id);
  ext("rt", std::to_string(to_unix_ms(alert.sent_at)));
  ext("cs1Label", "dataset");
  ext("cs1", s.dataset);
  ext("cs2Label", "source");
  ext("cs2", s.source);
  ext("cs3Label", "confidence");
  ext("cs3", confidence_name(s.confidence));
  ext("cs4Label", "evidence");
  ext("cs4", evidence_summary(s));
  ext("request", s.locator);
  ext("fname", first_remote_path(s));
  ext("cn1Label", "filesMatched");
  ext("cn1", std::to_string(s.files_matched));
  ext("cn2Label", "bytesMatched");
  ext("cn2", std::to_string(s.bytes_matched));
  ext("cn3Label", "recordsMatched");
  ext("cn3", std::to_string(s.records_matched));
  ext("start", std::to_string(to_unix_ms(s.first_seen)));
  ext("end", std::to_string(to_unix_ms(s.last_seen)));
  return out;
}

std::string leef_message(const Alert& alert, std::string_view version) {
  const Sighting& s = alert.sighting;
  std::string out = "LEEF:2.0|leakwatch|leakwatch|" + leef_header_escape(version) + "|" +
                    leef_header_escape(alert_event_name(alert.event)) + "|x09|";
  bool first = true;
  auto attr = [&](std::string_view key, std::string_view value) {
    if (!first) out.push_back('\t');
    first = false;
    out.append(key);
    out.push_back('=');
    out += leef_value_escape(value);
  };
  attr("devTime", format_rfc3339(alert.sent_at));
  attr("devTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSX");
  attr("sev", std::to_string(cef_severity(alert)));
  attr("externalId", alert.id);
  attr("dataset", s.dataset);
  attr("source", s.source);
  attr("confidence", confidence_name(s.confidence));
  attr("url", s.locator);
  attr("fileName", first_remote_path(s));
  attr("evidence", evidence_summary(s));
  attr("filesMatched", std::to_string(s.files_matched));
  attr("bytesMatched", std::to_string(s.bytes_matched));
  attr("recordsMatched", std::to_string(s.records_matched));
  attr("firstSeen", format_rfc3339(s.first_seen));
  attr("lastSeen", format_rfc3339(s.last_seen));
  attr("title", alert_title(alert));
  return out;
}

std::string syslog_message(const Alert& alert, SyslogPayload payload, const SyslogHeader& header,
                           std::string_view version) {
  const Sighting& s = alert.sighting;
  const int pri = header.facility * 8 + syslog_severity(alert);
  std::string msg;
  switch (payload) {
    case SyslogPayload::rfc5424_json:
      msg = alert_json_text(alert);
      break;
    case SyslogPayload::cef:
      msg = cef_message(alert, version);
      break;
    case SyslogPayload::leef:
      msg = leef_message(alert, version);
      break;
  }
  // 32473 is the private enterprise number RFC 5612 reserves for documentation and examples.
  return fmt::format(
      "<{}>1 {} {} leakwatch {} sighting [leakwatch@32473 id=\"{}\" event=\"{}\" dataset=\"{}\" "
      "source=\"{}\" confidence=\"{}\" locator=\"{}\"] {}",
      pri, format_rfc3339(alert.sent_at), header_token(header.hostname, 255),
      header_token(header.procid, 128), sd_param_escape(alert.id),
      sd_param_escape(alert_event_name(alert.event)), sd_param_escape(s.dataset),
      sd_param_escape(s.source), sd_param_escape(confidence_name(s.confidence)),
      sd_param_escape(s.locator), msg);
}

std::string octet_frame(std::string_view message) {
  return std::to_string(message.size()) + " " + std::string(message);
}

}  // namespace leakwatch::alerts
