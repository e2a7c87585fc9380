// Alert delivery by the real `leakwatch daemon`: what its scans of a real nginx leak site raise
// reaches a real HTTPS webhook receiver (checking the signature scheme) and a real rsyslog over
// TLS exactly once per alert and receiver: with the webhook down at first (retried with the
// hook's backoff while the daemon keeps scanning), across SIGTERM and two restarts, with a new
// dataset signed between runs.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/daemon/daemon_process.h"
#include "tests/support/alert_receivers.h"
#include "tests/support/nginx_server.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::BackgroundProcess;
using testing::eventually;
using testing::read_file;
using testing::run_command;
using testing::sample;
using testing::TempDir;
using testing::wait_exit;
using testing::write_file;

std::map<std::string, int> id_counts(const std::vector<json>& lines,
                                     const std::function<std::string(const json&)>& id_of) {
  std::map<std::string, int> out;
  for (const auto& l : lines) ++out[id_of(l)];
  return out;
}

std::string webhook_id(const json& line) {
  return line.value("id", "");
}
std::string syslog_id(const json& line) {
  return json::parse(line["msg"].get<std::string>()).value("id", "");
}

class DaemonAlerts : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::make_test_ca(dir_ / "ca");
    syslog_.emplace(true, dir_ / "ca");
    plant("plates", 11);
    site_.emplace(dir_ / "site");
    api_port_ = testing::free_port();
    web_port_ = testing::free_port();
    write_file(dir_ / "hook.secret", "whsec_daemon\n");
    ::chmod((dir_ / "hook.secret").c_str(), 0600);
    const std::string ca = (dir_ / "ca/ca.pem").string();
    write_file(config_,
               "data_dir = \"data\"\n[api]\nlisten = \"127.0.0.1:" + std::to_string(api_port_) +
                   "\"\ntokens = [\"" + testing::kDaemonToken +
                   "\"]\n[daemon]\ngrace = \"5s\"\n"
                   "[[source]]\nname = \"site\"\nurl = \"" +
                   site_->url("/dump/") +
                   "\"\nschedule = \"1s\"\nfetch_content = \"candidates\"\n"
                   "[[hook]]\nname = \"web\"\nkind = \"webhook\"\nurl = \"https://localhost:" +
                   std::to_string(web_port_) + "/leakwatch\"\nsecret_file = \"" +
                   (dir_ / "hook.secret").string() + "\"\nca_file = \"" + ca +
                   "\"\nbackoff = \"200ms\"\nbackoff_max = \"1s\"\ntimeout = \"5s\"\n"
                   "[[hook]]\nname = \"siem\"\nkind = \"syslog\"\nformat = \"rfc5424\"\n"
                   "url = \"tls://127.0.0.1:" +
                   std::to_string(syslog_->port()) + "\"\nca_file = \"" + ca + "\"\n");
    sign("plates");
  }

  // A dataset of one file, signed from dir/datasets/NAME, with a copy on the site's /dump/.
  void plant(const std::string& name, std::uint64_t seed) {
    const auto bytes = testing::random_bytes(8192, seed);
    write_file(dir_ / "datasets" / name / (name + ".bin"), bytes);
    write_file(dir_ / "site" / "dump" / (name + ".bin"), bytes);
  }
  void sign(const std::string& name) {
    const auto r = run_command({LEAKWATCH_BINARY, "--config", config_.string(), "sign", "--dataset",
                                name, (dir_ / "datasets" / name).string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  BackgroundProcess start_daemon(const std::string& log) {
    auto p = BackgroundProcess(
        {LEAKWATCH_BINARY, "--config", config_.string(), "--log-format", "json", "daemon"},
        dir_ / log);
    EXPECT_TRUE(testing::wait_for_port(api_port_)) << read_file(dir_ / log);
    return p;
  }
  std::string metrics() const { return testing::http_get(api_port_, "/metrics").body; }
  double scans() const {
    return sample(metrics(), "leakwatch_scans_total{source=\"site\",status=\"ok\"}");
  }
  void stop(BackgroundProcess& daemon, const std::string& log) {
    ::kill(daemon.pid(), SIGTERM);
    EXPECT_EQ(wait_exit(daemon, 15s), 0) << read_file(dir_ / log);
  }
  std::vector<json> delivered() {
    const auto r = run_command({LEAKWATCH_BINARY, "-q", "--config", config_.string(), "alerts",
                                "list", "--state", "delivered", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<json> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
  }

  TempDir dir_;
  std::optional<testing::RsyslogServer> syslog_;  // TLS, with the test CA's certificate
  std::optional<testing::NginxServer> site_;
  std::filesystem::path config_ = dir_ / "leakwatch.toml";
  int api_port_ = 0;
  int web_port_ = 0;
};

TEST_F(DaemonAlerts, DeliversEachAlertOnceToWebhookAndRsyslogWithRetriesAndAcrossRestarts) {
  // Run 1: the webhook receiver is down. rsyslog gets the alert of the first scan; the webhook
  // is retried (backoff 200 ms doubling to 1 s) while the daemon keeps scanning.
  auto daemon = start_daemon("run1.log");
  auto syslog_lines = testing::wait_for_lines(syslog_->output(), 1, 20s);
  ASSERT_EQ(syslog_lines.size(), 1u) << read_file(dir_ / "run1.log");
  const std::string plates_id = syslog_id(syslog_lines[0]);
  EXPECT_EQ(plates_id.rfind("lw1-", 0), 0u) << syslog_lines[0].dump();
  ASSERT_TRUE(eventually([&] {
    return sample(metrics(), "leakwatch_alert_failures_total{hook=\"web\"}") >= 3;
  })) << metrics()
      << read_file(dir_ / "run1.log");
  auto m = metrics();
  EXPECT_EQ(sample(m, "leakwatch_alerts_pending{hook=\"web\"}"), 1) << m;
  EXPECT_EQ(sample(m, "leakwatch_alerts_delivered_total{hook=\"siem\"}"), 1) << m;
  EXPECT_EQ(sample(m, "leakwatch_alerts_pending{hook=\"siem\"}"), 0) << m;
  EXPECT_GE(scans(), 2) << "a receiver that is down never holds up the scans";
  stop(daemon, "run1.log");
  EXPECT_NE(read_file(dir_ / "run1.log").find("alerts hook=web still pending=1 last_error="),
            std::string::npos)
      << read_file(dir_ / "run1.log");

  // Between runs: the receiver comes up, a second dataset is signed and planted.
  testing::PythonReceiver web(
      "webhook",
      {"--secret", "whsec_daemon", "--https", (dir_ / "ca/server.pem").string(),
       (dir_ / "ca/server.key").string()},
      web_port_);
  plant("permits", 12);
  sign("permits");

  // Run 2: the pending alert reaches the webhook; the new sighting reaches both, once.
  daemon = start_daemon("run2.log");
  auto web_lines = testing::wait_for_lines(web.log(), 2, 20s);
  ASSERT_EQ(web_lines.size(), 2u) << read_file(dir_ / "run2.log");
  syslog_lines = testing::wait_for_lines(syslog_->output(), 2, 20s);
  ASSERT_EQ(syslog_lines.size(), 2u) << read_file(dir_ / "run2.log");
  const double after_delivery = scans();
  ASSERT_TRUE(eventually([&] { return scans() >= after_delivery + 3; })) << "re-seeing, 3 times";
  m = metrics();
  EXPECT_EQ(sample(m, "leakwatch_alerts_delivered_total{hook=\"web\"}"), 2) << m;
  EXPECT_EQ(sample(m, "leakwatch_alerts_pending{hook=\"web\"}"), 0) << m;
  stop(daemon, "run2.log");

  // Run 3: nothing new; several scans re-see both datasets and raise nothing.
  daemon = start_daemon("run3.log");
  ASSERT_TRUE(eventually([&] { return scans() >= 3; })) << read_file(dir_ / "run3.log");
  stop(daemon, "run3.log");

  web_lines = testing::json_lines(web.log());
  syslog_lines = testing::json_lines(syslog_->output());
  const auto web_ids = id_counts(web_lines, webhook_id);
  const auto syslog_ids = id_counts(syslog_lines, syslog_id);
  ASSERT_EQ(web_ids.size(), 2u) << web_lines.size();
  EXPECT_EQ(web_ids, syslog_ids) << "the same alert ids through every hook";
  for (const auto& [id, n] : web_ids) EXPECT_EQ(n, 1) << id;
  for (const auto& [id, n] : syslog_ids) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(web_ids.count(plates_id), 1u);
  for (const auto& l : web_lines) {
    EXPECT_TRUE(l["valid"].get<bool>()) << "signature and timestamp check: " << l.dump();
    EXPECT_EQ(l["alert"]["event"], "sighting.new");
    EXPECT_EQ(l["alert"]["sighting"]["confidence"], "confirmed");
  }
  EXPECT_EQ(delivered().size(), 4u) << "2 alerts x 2 hooks";
}

}  // namespace
}  // namespace leakwatch
