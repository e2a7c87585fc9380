// Alert ids and payloads against hand-worked examples. The evidence of the sample alert holds
// a hostile file name (|, =, \, CR, LF, non-ASCII and a byte that is not UTF-8): every format
// must carry it without breaking a field, and the values must read back as they were sent.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "alerts/alert.h"
#include "alerts/document_format.h"
#include "alerts/email_format.h"
#include "alerts/siem_format.h"
#include "alerts/webhook_signature.h"
#include "tests/support/test_time.h"

namespace leakwatch::alerts {
namespace {

using testing::at;

// What a leak site may call a file: a field break of every format, and a byte that is not UTF-8.
const std::string kHostile = "dump|x=1\\y\r\nevil\xC3\xA9\xFF.csv";
// The same after UTF-8 repair (the \xFF becomes U+FFFD).
const std::string kHostileRepaired = "dump|x=1\\y\r\nevil\xC3\xA9\xEF\xBF\xBD.csv";

Alert sample_alert() {
  Sighting s;
  s.dataset = "payroll";
  s.source = "dump-site";
  s.locator = "http://x.onion/a/";
  s.confidence = Confidence::confirmed;
  s.evidence = {{"sha256", "staff.csv", kHostile, ""}};
  s.files_matched = 1;
  s.dataset_files = 3;
  s.bytes_matched = 100;
  s.first_seen = at("2026-11-23T14:00:00Z");
  s.last_seen = at("2026-11-23T14:10:00Z");
  return make_alert(s, "new", at("2026-11-23T14:22:37Z"));
}

TEST(AlertId, IsTheFirst128BitsOfSha256OverDatasetLocatorAndConfidence) {
  // python3: hashlib.sha256(b'leakwatch-alert\0payroll\0http://x.onion/a/\0confirmed')
  EXPECT_EQ(alert_id("payroll", "http://x.onion/a/", Confidence::confirmed),
            "lw1-aec35deebd1f4a6cc243805b502c528c");
  EXPECT_EQ(sample_alert().id, "lw1-aec35deebd1f4a6cc243805b502c528c");
  EXPECT_NE(alert_id("payroll", "http://x.onion/a/", Confidence::likely), sample_alert().id);
  // The separator keeps ("ab", "c") and ("a", "bc") apart.
  EXPECT_NE(alert_id("ab", "c", Confidence::likely), alert_id("a", "bc", Confidence::likely));
}

TEST(AlertId, DoesNotDependOnCountsTimesOrEvidence) {
  Alert a = sample_alert();
  Sighting later = a.sighting;
  later.files_matched = 3;
  later.last_seen = at("2027-01-01T00:00:00Z");
  later.evidence.clear();
  EXPECT_EQ(make_alert(later, "new", at("2027-01-02T00:00:00Z")).id, a.id);
}

TEST(AlertJson, HasTheContractFields) {
  const auto j = nlohmann::json::parse(alert_json_text(sample_alert()));
  EXPECT_EQ(j["id"], "lw1-aec35deebd1f4a6cc243805b502c528c");
  EXPECT_EQ(j["event"], "sighting.new");
  EXPECT_EQ(j["sent_at"], "2026-11-23T14:22:37Z");
  EXPECT_EQ(j["sighting"]["dataset"], "payroll");
  EXPECT_EQ(j["sighting"]["confidence"], "confirmed");
  EXPECT_EQ(j["sighting"]["evidence"][0]["remote_path"], kHostileRepaired);
  EXPECT_EQ(make_alert(sample_alert().sighting, "upgraded", Timestamp{}).event,
            AlertEvent::sighting_upgraded);
}

TEST(Utf8, RepairsBrokenSequencesAndKeepsValidOnes) {
  EXPECT_EQ(valid_utf8("M\xC3\xBCller"), "M\xC3\xBCller");
  EXPECT_EQ(valid_utf8("a\xFF"), "a\xEF\xBF\xBD");
  EXPECT_EQ(valid_utf8("\xC3"), "\xEF\xBF\xBD");                                  // cut short
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(valid_utf8("\xF0\x9F\x94\x91"), "\xF0\x9F\x94\x91");
}

TEST(StructuredData, EscapesQuoteBackslashAndBracket) {
  EXPECT_EQ(sd_param_escape(R"(a"b\c]d)"), R"(a\"b\\c\]d)");
  EXPECT_EQ(sd_param_escape("caf\xC3\xA9 [x]"), "caf\xC3\xA9 [x\\]");
}

TEST(Cef, EscapesHeaderPipesAndBackslashes) {
  EXPECT_EQ(cef_header_escape("a|b\\c\r\nd"), "a\\|b\\\\c  d");
}

TEST(Cef, EscapesExtensionBackslashEqualsAndNewlines) {
  EXPECT_EQ(cef_extension_escape("x=1\\2|3\r\n"), "x\\=1\\\\2|3\\r\\n");
}

TEST(Cef, WholeMessageMatchesTheHandWorkedExample) {
  const std::string hostile = "dump|x\\=1\\\\y\\r\\nevil\xC3\xA9\xEF\xBF\xBD.csv";
  const std::string expected =
      "CEF:0|leakwatch|leakwatch|0.1.0|sighting.new|confirmed sighting of 'payroll' at "
      "dump-site (1/3 files)|9|externalId=lw1-aec35deebd1f4a6cc243805b502c528c "
      "rt=1795443757000 cs1Label=dataset cs1=payroll cs2Label=source cs2=dump-site "
      "cs3Label=confidence cs3=confirmed cs4Label=evidence cs4=sha256 staff.csv at " +
      hostile + " request=http://x.onion/a/ fname=" + hostile +
      " cn1Label=filesMatched cn1=1 cn2Label=bytesMatched cn2=100 cn3Label=recordsMatched cn3=0 "
      "start=1795442400000 end=1795443000000";
  EXPECT_EQ(cef_message(sample_alert(), "0.1.0"), expected);
}

// A CEF reader as the spec describes it: 7 header fields split on unescaped '|', then
// extensions "key=value" where a key starts after a space and a value runs to the next key.
std::vector<std::string> cef_header_fields(const std::string& m, std::string& rest) {
  std::vector<std::string> fields;
  std::string cur;
  std::size_t i = 0;
  for (; i < m.size() && fields.size() < 7; ++i) {
    if (m[i] == '\\' && i + 1 < m.size()) {
      cur.push_back(m[++i]);
    } else if (m[i] == '|') {
      fields.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(m[i]);
    }
  }
  rest = m.substr(i);
  return fields;
}

std::map<std::string, std::string> cef_extensions(const std::string& ext) {
  std::map<std::string, std::string> out;
  // Positions of unescaped '='; each key is the word before it.
  std::vector<std::pair<std::size_t, std::size_t>> keys;  // key start, '=' position
  for (std::size_t i = 0; i < ext.size(); ++i) {
    if (ext[i] == '\\') {
      ++i;
      continue;
    }
    if (ext[i] == '=') {
      std::size_t k = i;
      while (k > 0 && std::isalnum(static_cast<unsigned char>(ext[k - 1]))) --k;
      keys.emplace_back(k, i);
    }
  }
  for (std::size_t n = 0; n < keys.size(); ++n) {
    const auto end = n + 1 < keys.size() ? keys[n + 1].first - 1 : ext.size();
    const std::string raw = ext.substr(keys[n].second + 1, end - keys[n].second - 1);
    std::string value;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) {
        const char c = raw[++i];
        value.push_back(c == 'n' ? '\n' : c == 'r' ? '\r' : c);
      } else {
        value.push_back(raw[i]);
      }
    }
    out[ext.substr(keys[n].first, keys[n].second - keys[n].first)] = value;
  }
  return out;
}

TEST(Cef, HostileValuesReadBackExactlyWithACefReader) {
  Alert a = sample_alert();
  a.sighting.dataset = "pay|roll\\";  // header text too
  a.sighting.locator = "http://x.onion/a b=c/ cs1=forged";
  std::string rest;
  const auto fields = cef_header_fields(cef_message(a, "0.1.0"), rest);
  ASSERT_EQ(fields.size(), 7u);
  EXPECT_EQ(fields[5], "confirmed sighting of 'pay|roll\\' at dump-site (1/3 files)");
  EXPECT_EQ(fields[6], "9");
  const auto ext = cef_extensions(rest);
  EXPECT_EQ(ext.at("fname"), kHostileRepaired);
  EXPECT_EQ(ext.at("request"), "http://x.onion/a b=c/ cs1=forged");
  EXPECT_EQ(ext.at("cs1"), "pay|roll\\");
  EXPECT_EQ(ext.at("externalId"), a.id);
}

TEST(Leef, WholeMessageMatchesTheHandWorkedExample) {
  const std::string hostile = "dump|x=1\\\\y\\r\\nevil\xC3\xA9\xEF\xBF\xBD.csv";
  const std::string expected =
      "LEEF:2.0|leakwatch|leakwatch|0.1.0|sighting.new|x09|devTime=2026-11-23T14:22:37Z\t"
      "devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSX\tsev=9\t"
      "externalId=lw1-aec35deebd1f4a6cc243805b502c528c\tdataset=payroll\tsource=dump-site\t"
      "confidence=confirmed\turl=http://x.onion/a/\tfileName=" +
      hostile + "\tevidence=sha256 staff.csv at " + hostile +
      "\tfilesMatched=1\tbytesMatched=100\trecordsMatched=0\tfirstSeen=2026-11-23T14:00:00Z\t"
      "lastSeen=2026-11-23T14:10:00Z\ttitle=confirmed sighting of 'payroll' at dump-site (1/3 "
      "files)";
  EXPECT_EQ(leef_message(sample_alert(), "0.1.0"), expected);
}

TEST(Leef, TabsInValuesNeverSplitAnAttribute) {
  Alert a = sample_alert();
  a.sighting.evidence[0].remote_path = "a\tsev=0";
  const auto m = leef_message(a, "0.1.0");
  EXPECT_NE(m.find("fileName=a\\tsev=0\t"), std::string::npos) << m;
  EXPECT_EQ(m.find("\tsev=0"), std::string::npos);
}

TEST(Syslog, Rfc5424MessageMatchesTheHandWorkedExample) {
  Alert a = sample_alert();
  a.sighting.locator = "http://x.onion/a/\"]x";
  const SyslogHeader header{.hostname = "host 1", .procid = "42"};
  const auto m = syslog_message(a, SyslogPayload::rfc5424_json, header, "0.1.0");
  const std::string prefix =
      "<82>1 2026-11-23T14:22:37Z host1 leakwatch 42 sighting [leakwatch@32473 "
      "id=\"" +
      a.id +
      "\" event=\"sighting.new\" dataset=\"payroll\" source=\"dump-site\" "
      "confidence=\"confirmed\" locator=\"http://x.onion/a/\\\"\\]x\"] {\"event\":";
  EXPECT_EQ(m.substr(0, prefix.size()), prefix);
  const auto json_start = m.find("] {") + 2;
  const auto j = nlohmann::json::parse(m.substr(json_start));
  EXPECT_EQ(j["id"], a.id);
  EXPECT_EQ(m.find('\n'), std::string::npos);  // JSON escapes the CR LF of the file name
}

TEST(Syslog, CefAndLeefPayloadsFollowTheStructuredData) {
  const auto cef = syslog_message(sample_alert(), SyslogPayload::cef, {}, "0.1.0");
  EXPECT_NE(cef.find("\"] CEF:0|leakwatch|"), std::string::npos);
  EXPECT_EQ(cef.substr(0, 33), "<82>1 2026-11-23T14:22:37Z - leak");
  const auto leef = syslog_message(sample_alert(), SyslogPayload::leef, {}, "0.1.0");
  EXPECT_NE(leef.find("\"] LEEF:2.0|leakwatch|"), std::string::npos);
}

TEST(Syslog, TestAlertsAreInformationalAndSayTest) {
  const auto a = make_test_alert("siem", at("2026-11-23T14:22:37Z"));
  EXPECT_EQ(a.event, AlertEvent::test);
  const auto m = syslog_message(a, SyslogPayload::cef, {}, "0.1.0");
  EXPECT_EQ(m.substr(0, 4), "<86>");
  EXPECT_NE(m.find("|test|TEST: confirmed sighting of 'leakwatch-test'"), std::string::npos);
}

TEST(OctetCounting, CountsBytesNotCharacters) {
  EXPECT_EQ(octet_frame("hello"), "5 hello");
  EXPECT_EQ(octet_frame("\xC3\xA9"), "2 \xC3\xA9");
  EXPECT_EQ(octet_frame(""), "0 ");
}

TEST(WebhookSignature, MatchesTheFixedTestVector) {
  // python3: hmac.new(b'whsec_test', b'1700000000.{"id":"lw1-0"}', hashlib.sha256).hexdigest()
  EXPECT_EQ(webhook_signature("whsec_test", 1700000000, R"({"id":"lw1-0"})"),
            "sha256=b53946f35a318c01eb27b81008196c73d2c4f30091ef191d8d88b683b854b00d");
  EXPECT_NE(webhook_signature("whsec_test", 1700000001, R"({"id":"lw1-0"})"),
            webhook_signature("whsec_test", 1700000000, R"({"id":"lw1-0"})"));
}

TEST(SplunkHec, BatchIsOneEventPerLineWithTheContractFields) {
  const std::vector<Alert> alerts = {sample_alert(), make_test_alert("hec", Timestamp{})};
  std::istringstream body(hec_batch(alerts, "scanner-1"));
  std::vector<nlohmann::json> events;
  for (std::string line; std::getline(body, line);) events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_DOUBLE_EQ(events[0]["time"].get<double>(), 1795443757.0);
  EXPECT_EQ(events[0]["host"], "scanner-1");
  EXPECT_EQ(events[0]["source"], "leakwatch");
  EXPECT_EQ(events[0]["sourcetype"], "leakwatch:sighting");
  EXPECT_EQ(events[0]["event"]["id"], sample_alert().id);
  EXPECT_EQ(events[1]["event"]["event"], "test");
}

TEST(Ecs, DocumentHasTheEcsFieldsAndTheSighting) {
  const std::string line = ecs_line(sample_alert());
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["@timestamp"], "2026-11-23T14:22:37Z");
  EXPECT_EQ(j["event"]["kind"], "alert");
  EXPECT_EQ(j["event"]["id"], sample_alert().id);
  EXPECT_EQ(j["event"]["dataset"], "leakwatch.sighting");
  EXPECT_EQ(j["threat"]["indicator"]["url"]["full"], "http://x.onion/a/");
  EXPECT_EQ(j["threat"]["indicator"]["confidence"], "High");
  EXPECT_EQ(j["threat"]["indicator"]["file"]["name"], kHostileRepaired);
  EXPECT_EQ(j["leakwatch"]["sighting"]["dataset"], "payroll");
}

TEST(Email, HostileTextNeverReachesAHeaderOrStartsALine) {
  Alert a = sample_alert();
  a.sighting.evidence[0].remote_path = "x\r\nBcc: victim@example.org\r\n.\r\nQUIT";
  a.sighting.dataset = "pay\xC3\xA9";
  const auto m = email_message(a, {"leakwatch@example.org", {"soc@example.org"}}, "scanner");
  const auto end_of_headers = m.find("\r\n\r\n");
  ASSERT_NE(end_of_headers, std::string::npos);
  const std::string headers = m.substr(0, end_of_headers);
  EXPECT_EQ(headers.find("Bcc:"), std::string::npos);
  EXPECT_NE(headers.find("Subject: =?UTF-8?B?"), std::string::npos) << headers;
  EXPECT_NE(headers.find("X-Leakwatch-Delivery: " + a.id), std::string::npos);
  EXPECT_NE(m.find("seen as x\\r\\nBcc: victim@example.org\\r\\n.\\r\\nQUIT"), std::string::npos);
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(m.find("\r\n.\r\n"), std::string::npos);
  // Every line ends in CRLF: no bare CR or LF.
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\n') {
      EXPECT_TRUE(i > 0 && m[i - 1] == '\r') << i;
    }
    if (m[i] == '\r') {
      EXPECT_TRUE(i + 1 < m.size() && m[i + 1] == '\n') << i;
    }
  }
}

TEST(Email, SubjectOfAnAsciiAlertIsPlain) {
  EXPECT_EQ(mail_header_text("[leakwatch] confirmed"), "[leakwatch] confirmed");
  EXPECT_EQ(mail_header_text("caf\xC3\xA9"), "=?UTF-8?B?Y2Fmw6k=?=");
}

}  // namespace
}  // namespace leakwatch::alerts
