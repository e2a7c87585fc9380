#include "alerts/email_format.h"

#include <ctime>

namespace leakwatch::alerts {

namespace {

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(in[i]) << 16) |
                   (static_cast<unsigned char>(in[i + 1]) << 8) |
                   static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    const auto n = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const auto n =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// A body value on one line: control characters shown as escapes, at most 900 bytes.
std::string body_value(std::string_view value) {
  std::string out;
  for (const char c : valid_utf8(value)) {
    if (out.size() >= 900) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 32 || u == 127) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string rfc5322_date(Timestamp t) {
  const std::time_t secs = static_cast<std::time_t>(to_unix_ms(t) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace

std::string mail_header_text(std::string_view value) {
  std::string v = valid_utf8(value);  // not const: `return v` moves it
  bool plain = v.size() < 900;
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 32 || u >= 127) plain = false;
  }
  if (plain) return v;
  std::string clean;
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    clean.push_back(u < 32 || u == 127 ? ' ' : c);
  }
  if (clean.size() > 600) clean.resize(600);
  return "=?UTF-8?B?" + base64(valid_utf8(clean)) + "?=";
}

std::string email_message(const Alert& alert, const MailEnvelope& envelope,
                          std::string_view hostname) {
  const Sighting& s = alert.sighting;
  std::string to;
  for (const auto& r : envelope.to) to += (to.empty() ? "" : ", ") + mail_header_text(r);
  std::string m;
  auto header = [&](std::string_view name, std::string_view value) {
    m.append(name);
    m += ": ";
    m.append(value);
    m += "\r\n";
  };
  header("From", mail_header_text(envelope.from));
  header("To", to);
  header("Subject", mail_header_text("[leakwatch] " + alert_title(alert)));
  header("Date", rfc5322_date(alert.sent_at));
  header("Message-ID", "<" + alert.id + "." + std::to_string(to_unix_ms(alert.sent_at)) + "@" +
                           mail_header_text(hostname) + ">");
  header("X-Leakwatch-Delivery", alert.id);
  header("X-Leakwatch-Event", alert_event_name(alert.event));
  header("MIME-Version", "1.0");
  header("Content-Type", "text/plain; charset=utf-8");
  header("Content-Transfer-Encoding", "8bit");
  m += "\r\n";
  auto line = [&](std::string_view text) {
    m.append(text);
    m += "\r\n";
  };
  if (alert.event == AlertEvent::test) {
    line("THIS IS A TEST ALERT sent by `leakwatch alerts test`; no leak was seen.");
    line("");
  }
  line(body_value(alert_title(alert)));
  line("");
  line("Alert id:    " + alert.id);
  line("Event:       " + std::string(alert_event_name(alert.event)));
  line("Dataset:     " + body_value(s.dataset));
  line("Source:      " + body_value(s.source));
  line("Locator:     " + body_value(s.locator));
  line("Confidence:  " + std::string(confidence_name(s.confidence)));
  line("Files:       " + std::to_string(s.files_matched) + " of " +
       std::to_string(s.dataset_files) + " dataset files matched");
  line("Bytes:       " + std::to_string(s.bytes_matched));
  if (s.records_matched) line("Records:     " + std::to_string(s.records_matched));
  line("First seen:  " + format_rfc3339(s.first_seen));
  line("Last seen:   " + format_rfc3339(s.last_seen));
  line("");
  line("Evidence (" + std::to_string(s.evidence.size()) + "):");
  std::size_t shown = 0;
  for (const auto& e : s.evidence) {
    if (++shown > 50) {
      line("  ... and " + std::to_string(s.evidence.size() - 50) + " more");
      break;
    }
    line("  - " + body_value(e.kind) + ": " + body_value(e.file) + " seen as " +
         body_value(e.remote_path) + (e.detail.empty() ? "" : " (" + body_value(e.detail) + ")"));
  }
  line("");
  line("-- ");
  line("leakwatch; `leakwatch sightings --dataset " + body_value(s.dataset) +
       "` lists every sighting.");
  return m;
}

}  // namespace leakwatch::alerts
