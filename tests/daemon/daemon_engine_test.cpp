// The daemon's scans share one fetch engine: `[daemon] max_requests_in_flight` caps the requests
// on the wire across every scan in flight, witnessed by a real SOCKS5 proxy
// (tests/support/socks5_recorder.py) that counts its open tunnels and answers each CONNECT late
// like a slow circuit; and a bad value is refused by every command that reads the config.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/daemon/daemon_process.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/support_files.h"
#include "tests/support/temp_dir.h"

namespace leakwatch {
namespace {

using namespace std::chrono_literals;
using testing::BackgroundProcess;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

constexpr int kSources = 6;

class DaemonEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < kSources; ++i) {
      for (int d = 0; d < 3; ++d)
        write_file(dir_ / "site" / ("s" + std::to_string(i)) / ("d" + std::to_string(d)) / "f.txt",
                   "x");
    }
    site_.emplace(dir_ / "site");
    proxy_port_ = testing::free_port();
    proxy_ = BackgroundProcess({"python3", testing::support_file("socks5_recorder.py"),
                                std::to_string(proxy_port_), (dir_ / "socks.jsonl").string(),
                                "--delay-ms", "300", "--stats", (dir_ / "stats.json").string()},
                               dir_ / "socks.out");
    ASSERT_TRUE(testing::wait_for_port(proxy_port_));
    api_port_ = testing::free_port();
  }

  // Every source a different .onion name through the one proxy, all due at once.
  std::string config_text(const std::string& daemon_keys) const {
    std::string text =
        "data_dir = \"data\"\n[api]\nlisten = \"127.0.0.1:" + std::to_string(api_port_) +
        "\"\ntokens = [\"" + testing::kDaemonToken + "\"]\n[daemon]\ngrace = \"5s\"\n" +
        daemon_keys +
        "[[proxy]]\nname = \"tor\"\nurl = \"socks5h://127.0.0.1:" + std::to_string(proxy_port_) +
        "\"\n";
    const auto port = std::to_string(site_->port());
    for (int i = 0; i < kSources; ++i) {
      const auto n = std::to_string(i);
      text += "[[source]]\nname = \"s" + n + "\"\nurl = \"http://site" + n + ".onion:" + port +
              "/s" + n + "/\"\nproxy = \"tor\"\ndepth = 1\nconcurrency = 4\nschedule = \"1h\"\n";
    }
    return text;
  }

  double scans_ok() const {
    const auto metrics = testing::http_get(api_port_, "/metrics").body;
    double total = 0;
    for (int i = 0; i < kSources; ++i) {
      total += std::max(0.0, testing::sample(metrics, "leakwatch_scans_total{source=\"s" +
                                                          std::to_string(i) + "\",status=\"ok\"}"));
    }
    return total;
  }

  int max_open() const {
    return nlohmann::json::parse(testing::read_file(dir_ / "stats.json"))["max_open"].get<int>();
  }

  TempDir dir_;
  std::optional<testing::NginxServer> site_;
  int proxy_port_ = 0;
  int api_port_ = 0;
  BackgroundProcess proxy_;
  std::filesystem::path config_ = dir_ / "leakwatch.toml";
};

TEST_F(DaemonEngine, MaxRequestsInFlightCapsTheRequestsOfEveryScanAtOnce) {
  // Six sources of four requests each may start at once (max_concurrent_sources 6, concurrency
  // 4): without the engine's cap the proxy would see up to 24 tunnels at once.
  write_file(config_, config_text("max_concurrent_sources = 6\nmax_requests_in_flight = 2\n"));
  BackgroundProcess daemon(
      {LEAKWATCH_BINARY, "--config", config_.string(), "--log-format", "json", "daemon"},
      dir_ / "daemon.log");
  ASSERT_TRUE(testing::eventually([&] { return scans_ok() >= kSources; }, 60s))
      << testing::read_file(dir_ / "daemon.log");
  EXPECT_EQ(max_open(), 2) << "the cap was not reached, or exceeded";
  EXPECT_EQ(daemon.stop(), 0);
}

TEST_F(DaemonEngine, ABadMaxRequestsInFlightIsAnErrorForEveryCommand) {
  write_file(config_, config_text("max_requests_in_flight = 0\n"));
  const std::vector<std::vector<std::string>> commands = {
      {"daemon"}, {"scan"}, {"sightings"}, {"db", "stats"}};
  for (const auto& command : commands) {
    std::vector<std::string> argv = {LEAKWATCH_BINARY, "--config", config_.string()};
    argv.insert(argv.end(), command.begin(), command.end());
    const auto r = run_command(argv, 20s);
    EXPECT_EQ(r.exit_code, 2) << command[0] << ": " << r.err;
    EXPECT_NE(r.err.find("daemon.max_requests_in_flight"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("between 1 and 4096"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace leakwatch
