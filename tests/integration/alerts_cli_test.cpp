// Alert hooks end to end: the real leakwatch binary (`scan`, `alerts list|retry|test`) against
// real receivers on 127.0.0.1 started by the tests: rsyslog over TCP and TLS (a test CA made by
// openssl; the fields asserted as rsyslog parsed them), a UDP socket, an HTTPS webhook receiver
// checking the published signature scheme, a Splunk-HEC-like receiver answering 503 with
// Retry-After, aiosmtpd with STARTTLS, a receiver down at first, a SIGKILL mid-delivery, and a
// rescan (no new alert) and an upgrade (one).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/alert_receivers.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"

namespace leakwatch {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::run_command;
using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

// A leak site file name that breaks every format that does not escape (| = \ and non-ASCII).
const std::string kHostileName = "pay|roll=2025\\q\xC3\xA9.bin";

// Datasets signed from files, a site (nginx) offering copies of them, and a config with the
// source plus the hooks a test adds.
class AlertSite : public ::testing::Test {
 protected:
  void SetUp() override { testing::make_test_ca(dir / "ca"); }

  // Signs `count` datasets (d0, d1, ...), one file each, and puts copies on the site.
  void sign_datasets(int count, const std::string& file_name = kHostileName) {
    for (int i = 0; i < count; ++i) {
      const std::string d = "d" + std::to_string(i);
      const auto bytes = testing::random_bytes(4096, 100 + static_cast<std::uint64_t>(i));
      write_file(dir / "datasets" / d / file_name, bytes);
      write_file(dir / "site" / d / file_name, bytes);
    }
    site = std::make_unique<testing::NginxServer>(dir / "site");
    write_config("");
    for (int i = 0; i < count; ++i) {
      const std::string d = "d" + std::to_string(i);
      const auto r = lw({"sign", "--dataset", d, (dir / "datasets" / d).string()});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }

  void write_config(const std::string& hooks, const std::string& fetch = "candidates") {
    write_file(config, "data_dir = \"data\"\n[[source]]\nname = \"site\"\nurl = \"" +
                           (site ? site->url("/") : std::string("http://127.0.0.1:9/")) +
                           "\"\nfetch_content = \"" + fetch + "\"\n" + hooks);
  }

  CommandResult lw(std::vector<std::string> args) {
    args.insert(args.begin(), {LEAKWATCH_BINARY, "-q", "--config", config.string()});
    return run_command(args);
  }

  std::vector<json> alerts_list(const std::string& state = "") {
    std::vector<std::string> args = {"alerts", "list", "--format", "json"};
    if (!state.empty()) args.insert(args.end(), {"--state", state});
    const auto r = lw(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<json> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }

  std::string secret_file(const std::string& secret) {
    const auto f = dir / "hook.secret";
    write_file(f, secret + "\n");
    ::chmod(f.c_str(), 0600);
    return f.string();
  }

  TempDir dir;
  fs::path config = dir / "leakwatch.toml";
  std::unique_ptr<testing::NginxServer> site;
};

std::string hook(const std::string& name, const std::string& kind, const std::string& url,
                 const std::string& extra = "") {
  return "[[hook]]\nname = \"" + name + "\"\nkind = \"" + kind + "\"\nurl = \"" + url + "\"\n" +
         "backoff = \"200ms\"\nbackoff_max = \"1s\"\ntimeout = \"5s\"\n" + extra;
}

std::map<std::string, int> id_counts(const std::vector<json>& lines) {
  std::map<std::string, int> out;
  for (const auto& l : lines) {
    if (l.contains("id")) ++out[l["id"].get<std::string>()];
  }
  return out;
}

TEST_F(AlertSite, RsyslogParsesTcpCefAndTlsJsonFieldByField) {
  sign_datasets(1);
  testing::RsyslogServer tcp(false);
  testing::RsyslogServer tls(true, dir / "ca");
  write_config(hook("siem", "syslog", "tcp://127.0.0.1:" + std::to_string(tcp.port()),
                    "format = \"cef\"\n") +
               hook("siem-tls", "syslog", "tls://127.0.0.1:" + std::to_string(tls.port()),
                    "format = \"rfc5424\"\nca_file = \"" + (dir / "ca/ca.pem").string() + "\"\n"));
  const auto r = lw({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto list = alerts_list("delivered");
  ASSERT_EQ(list.size(), 2u) << lw({"alerts", "list"}).out;
  const std::string id = list[0]["id"];

  const auto cef = testing::wait_for_lines(tcp.output(), 1);
  ASSERT_EQ(cef.size(), 1u);
  EXPECT_EQ(cef[0]["app"], "leakwatch");
  EXPECT_EQ(cef[0]["msgid"], "sighting");
  EXPECT_EQ(cef[0]["pri"], "82");  // security/authorization, critical: a confirmed sighting
  const std::string sd = cef[0]["sd"];
  EXPECT_NE(sd.find("[leakwatch@32473 id=\"" + id + "\""), std::string::npos) << sd;
  EXPECT_NE(sd.find("dataset=\"d0\""), std::string::npos) << sd;
  const std::string msg = cef[0]["msg"];
  EXPECT_EQ(msg.rfind("CEF:0|leakwatch|leakwatch|0.1.0|sighting.new|confirmed sighting of 'd0'", 0),
            0u)
      << msg;
  EXPECT_NE(msg.find("externalId=" + id + " "), std::string::npos) << msg;
  // The hostile name, escaped: '=' and '\' in an extension value.
  EXPECT_NE(msg.find("fname=d0/pay|roll\\=2025\\\\q\xC3\xA9.bin"), std::string::npos) << msg;

  const auto parsed = testing::wait_for_lines(tls.output(), 1);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0]["app"], "leakwatch");
  EXPECT_EQ(parsed[0]["msgid"], "sighting");
  const auto alert = json::parse(parsed[0]["msg"].get<std::string>());
  EXPECT_EQ(alert["id"], id);
  EXPECT_EQ(alert["event"], "sighting.new");
  EXPECT_EQ(alert["sighting"]["dataset"], "d0");
  EXPECT_EQ(alert["sighting"]["evidence"][0]["remote_path"], "d0/" + kHostileName);
}

TEST_F(AlertSite, TlsRefusesACertificateFromAnotherCa) {
  testing::RsyslogServer tls(true, dir / "ca");
  write_config(hook("wrong-ca", "syslog", "tls://127.0.0.1:" + std::to_string(tls.port()),
                    "ca_file = \"" + (dir / "ca/other-ca.pem").string() + "\"\n") +
               hook("right-ca", "syslog", "tls://localhost:" + std::to_string(tls.port()),
                    "ca_file = \"" + (dir / "ca/ca.pem").string() + "\"\n"));
  auto r = lw({"alerts", "test", "wrong-ca"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("certificate"), std::string::npos) << r.err;
  r = lw({"alerts", "test", "right-ca"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto parsed = testing::wait_for_lines(tls.output(), 1);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_NE(parsed[0]["msg"].get<std::string>().find("|test|TEST: "), std::string::npos);
}

TEST_F(AlertSite, UdpSendsOneRfc5424MessagePerDatagram) {
  sign_datasets(1);
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  write_config(hook("udp", "syslog", "udp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)),
                    "format = \"leef\"\n"));
  ASSERT_EQ(lw({"scan"}).exit_code, 0);
  char buf[65536];
  const auto n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  ASSERT_GT(n, 0);
  const std::string datagram(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(datagram.rfind("<82>1 ", 0), 0u) << datagram;  // no octet count on UDP
  EXPECT_NE(datagram.find(" leakwatch "), std::string::npos);
  EXPECT_NE(datagram.find(" sighting [leakwatch@32473 id=\"lw1-"), std::string::npos);
  EXPECT_NE(datagram.find("\"] LEEF:2.0|leakwatch|leakwatch|0.1.0|sighting.new|x09|"),
            std::string::npos);
  EXPECT_EQ(alerts_list("delivered").size(), 1u);
}

TEST_F(AlertSite, HttpsWebhookReceiverVerifiesThePublishedSignature) {
  sign_datasets(2);
  testing::PythonReceiver receiver(
      "webhook", {"--secret", "whsec_local", "--https", (dir / "ca/server.pem").string(),
                  (dir / "ca/server.key").string()});
  const std::string url = "https://localhost:" + std::to_string(receiver.port()) + "/leakwatch";
  write_config(hook("web", "webhook", url,
                    "secret_file = \"" + secret_file("whsec_local") + "\"\nca_file = \"" +
                        (dir / "ca/ca.pem").string() +
                        "\"\nheaders = { \"X-Team\" = \"secops\" }\n") +
               hook("forged", "webhook", url,
                    "secret = \"not-the-secret\"\nca_file = \"" + (dir / "ca/ca.pem").string() +
                        "\"\ndatasets = [\"none\"]\n"));
  const auto r = lw({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = testing::wait_for_lines(receiver.log(), 2);
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& l : lines) {
    EXPECT_TRUE(l["valid"].get<bool>()) << l.dump();
    EXPECT_EQ(l["delivery"], l["id"]);
    EXPECT_EQ(l["content_type"], "application/json");
    EXPECT_EQ(l["team"], "secops");
    EXPECT_EQ(l["path"], "/leakwatch");
    EXPECT_EQ(l["alert"]["event"], "sighting.new");
  }
  EXPECT_EQ(id_counts(lines).size(), 2u);

  EXPECT_EQ(lw({"alerts", "test", "web"}).exit_code, 0);
  lines = testing::wait_for_lines(receiver.log(), 3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2]["alert"]["event"], "test");
  // A wrong secret: the receiver answers 401, so the test is not acknowledged.
  const auto forged = lw({"alerts", "test", "forged"});
  EXPECT_EQ(forged.exit_code, 1);
  EXPECT_NE(forged.err.find("HTTP 401"), std::string::npos) << forged.err;
}

TEST_F(AlertSite, HecReceiverAnswering503WithRetryAfterGetsEveryEventOnce) {
  sign_datasets(3);
  testing::PythonReceiver hec(
      "hec", {"--token", "hec-token-1", "--fail-first", "3", "--retry-after", "1"});
  write_config(hook("hec", "splunk-hec", "http://127.0.0.1:" + std::to_string(hec.port()),
                    "token = \"hec-token-1\"\n"));
  const auto r = lw({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = testing::json_lines(hec.log());
  const auto busy = std::count_if(lines.begin(), lines.end(), [](const json& l) {
    return l.contains("answer") && l["answer"] == 503;
  });
  EXPECT_EQ(busy, 3);
  const auto ids = id_counts(lines);
  ASSERT_EQ(ids.size(), 3u);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
  for (const auto& l : lines) {
    if (!l.contains("event")) continue;
    EXPECT_EQ(l["event"]["source"], "leakwatch");
    EXPECT_EQ(l["event"]["sourcetype"], "leakwatch:sighting");
    EXPECT_TRUE(l["event"]["time"].is_number());
  }
  const auto delivered = alerts_list("delivered");
  ASSERT_EQ(delivered.size(), 3u);
  EXPECT_EQ(delivered[0]["attempts"], 4);  // three 503s, then the batch went through
}

TEST_F(AlertSite, EmailGoesThroughAiosmtpdWithStarttls) {
  sign_datasets(1);
  testing::SmtpReceiver smtp(dir / "ca");
  write_config(hook("mail", "email", "smtp://localhost:" + std::to_string(smtp.port()),
                    "to = [\"soc@example.org\"]\nfrom = \"leakwatch@example.org\"\nca_file = \"" +
                        (dir / "ca/ca.pem").string() + "\"\n"));
  const auto r = lw({"scan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto mails = testing::wait_for_lines(smtp.log(), 1);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(mails[0]["tls"].get<bool>());
  EXPECT_EQ(mails[0]["from"], "leakwatch@example.org");
  EXPECT_EQ(mails[0]["to"], json::array({"soc@example.org"}));
  const std::string data = mails[0]["data"];
  const std::string id = alerts_list("delivered").at(0)["id"];
  EXPECT_NE(data.find("X-Leakwatch-Delivery: " + id), std::string::npos) << data;
  EXPECT_NE(data.find("Subject: [leakwatch] confirmed sighting of 'd0' at site (1/1 files)"),
            std::string::npos)
      << data;
  EXPECT_NE(data.find("Dataset:     d0"), std::string::npos) << data;
  EXPECT_NE(data.find("seen as d0/" + kHostileName), std::string::npos) << data;
}

TEST_F(AlertSite, AReceiverDownAtFirstGetsEverythingOnceWhenItComesUp) {
  sign_datasets(3);
  const int port = testing::free_port();
  const std::string secret = secret_file("s3cret-value");
  write_config(hook("web", "webhook", "http://127.0.0.1:" + std::to_string(port) + "/",
                    "secret_file = \"" + secret + "\"\n"));
  auto r = lw({"scan"});
  EXPECT_EQ(r.exit_code, 0) << "a receiver that is down does not fail the scan: " << r.err;
  auto waiting = alerts_list();
  ASSERT_EQ(waiting.size(), 3u);
  EXPECT_EQ(waiting[0]["state"], "failing");
  EXPECT_NE(waiting[0]["last_error"].get<std::string>().find("127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << waiting[0].dump();
  EXPECT_EQ(lw({"alerts", "retry"}).exit_code, 1);  // still down

  testing::PythonReceiver receiver("webhook", {"--secret", "s3cret-value"}, port);
  r = lw({"alerts", "retry"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("hook web: 3 delivered, 0 waiting"), std::string::npos) << r.out;
  EXPECT_EQ(lw({"alerts", "retry"}).exit_code, 0);
  ASSERT_EQ(lw({"scan"}).exit_code, 0);  // re-seeing: nothing new
  const auto lines = testing::wait_for_lines(receiver.log(), 3);
  const auto ids = id_counts(lines);
  ASSERT_EQ(ids.size(), 3u);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(lines.size(), 3u);
  EXPECT_EQ(alerts_list("delivered").size(), 3u);
}

TEST_F(AlertSite, SigkillMidDeliveryThenRerunDeliversEverythingRepeatingOnlyTheCutOne) {
  sign_datasets(3);
  const int port = testing::free_port();
  const std::string secret = secret_file("kill-secret");
  write_config(hook("web", "webhook", "http://127.0.0.1:" + std::to_string(port) + "/",
                    "secret_file = \"" + secret + "\"\n"));
  ASSERT_EQ(lw({"scan"}).exit_code, 0);  // receiver down: all three pending
  std::vector<json> before_kill;
  {
    // The receiver holds its answer to the first request; leakwatch is killed meanwhile, between
    // send and acknowledgement.
    testing::PythonReceiver receiver("webhook", {"--secret", "kill-secret", "--hold", "10"}, port);
    testing::BackgroundProcess sender(
        {LEAKWATCH_BINARY, "-q", "--config", config.string(), "alerts", "retry"},
        dir / "sender.log");
    before_kill = testing::wait_for_lines(receiver.log(), 1);
    ASSERT_EQ(before_kill.size(), 1u);
    ::kill(sender.pid(), SIGKILL);
    sender.stop();
    EXPECT_EQ(testing::json_lines(receiver.log()).size(), 1u);
  }
  const std::string cut = before_kill[0]["id"];
  testing::PythonReceiver receiver("webhook", {"--secret", "kill-secret"}, port);
  const auto r = lw({"alerts", "retry"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto after = testing::json_lines(receiver.log());
  auto all = after;
  all.insert(all.end(), before_kill.begin(), before_kill.end());
  const auto ids = id_counts(all);
  ASSERT_EQ(ids.size(), 3u);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, id == cut ? 2 : 1) << id;
  for (const auto& l : all) EXPECT_TRUE(l["valid"].get<bool>());
  const auto delivered = alerts_list("delivered");
  ASSERT_EQ(delivered.size(), 3u);
  for (const auto& d : delivered) EXPECT_TRUE(ids.count(d["id"].get<std::string>()));
}

TEST_F(AlertSite, ARescanRaisesNoNewAlertAndAnUpgradeRaisesOne) {
  // First the site offers files of the right names and sizes but other bytes: likely.
  for (int i = 0; i < 2; ++i) {
    const auto bytes = testing::random_bytes(4096, 300 + static_cast<std::uint64_t>(i));
    write_file(dir / ("datasets/d/f" + std::to_string(i) + ".bin"), bytes);
    write_file(dir / ("site/d/f" + std::to_string(i) + ".bin"), testing::random_bytes(4096, 9));
  }
  site = std::make_unique<testing::NginxServer>(dir / "site");
  const std::string hooks = hook("file", "jsonl", (dir / "alerts.jsonl").string());
  write_config(hooks, "never");
  ASSERT_EQ(lw({"sign", "--dataset", "d", (dir / "datasets/d").string()}).exit_code, 0);
  ASSERT_EQ(lw({"scan"}).exit_code, 0);
  ASSERT_EQ(testing::json_lines(dir / "alerts.jsonl").size(), 1u);
  ASSERT_EQ(lw({"scan"}).exit_code, 0);
  ASSERT_EQ(lw({"scan"}).exit_code, 0);
  EXPECT_EQ(testing::json_lines(dir / "alerts.jsonl").size(), 1u) << "re-seeing never re-alerts";

  // Then the real bytes, hashed: confirmed, one more alert with a new id.
  for (int i = 0; i < 2; ++i) {
    fs::copy_file(dir / ("datasets/d/f" + std::to_string(i) + ".bin"),
                  dir / ("site/d/f" + std::to_string(i) + ".bin"),
                  fs::copy_options::overwrite_existing);
  }
  write_config(hooks, "candidates");
  ASSERT_EQ(lw({"scan"}).exit_code, 0);
  ASSERT_EQ(lw({"scan"}).exit_code, 0);
  const auto lines = testing::json_lines(dir / "alerts.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["leakwatch"]["sighting"]["confidence"], "likely");
  EXPECT_EQ(lines[1]["leakwatch"]["sighting"]["confidence"], "confirmed");
  EXPECT_EQ(lines[1]["event"]["action"], "sighting.upgraded");
  EXPECT_NE(lines[0]["event"]["id"], lines[1]["event"]["id"]);
  EXPECT_EQ(alerts_list("delivered").size(), 2u);
}

TEST_F(AlertSite, AlertsCommandsNeedAKnownHook) {
  write_config(hook("file", "jsonl", (dir / "a.jsonl").string()));
  EXPECT_EQ(lw({"alerts", "test", "nope"}).exit_code, 2);
  EXPECT_EQ(lw({"alerts", "retry", "--hook", "nope"}).exit_code, 2);
  EXPECT_EQ(lw({"alerts", "list", "--state", "lost"}).exit_code, 2);
  EXPECT_EQ(lw({"alerts", "test", "file"}).exit_code, 0);
  const auto lines = testing::json_lines(dir / "a.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["event"]["action"], "test");
}

}  // namespace
}  // namespace leakwatch
