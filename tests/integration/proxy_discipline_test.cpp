// Never unmask the operator: every request of a proxied source goes through its SOCKS5 proxy
// with the hostname for the proxy to resolve (never a locally resolved IP), isolated sources
// present distinct credentials, and with the proxy gone nothing reaches the site directly.
// The proxy is a recording SOCKS5 server (tests/support/socks5_recorder.py) on 127.0.0.1.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/support/nginx_server.h"
#include "tests/support/process.h"

namespace leakwatch {
namespace {

using testing::BackgroundProcess;
using testing::NginxServer;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

class ProxyDiscipline : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_ / "dataset" / "plate_1.jpg", testing::random_bytes(3000, 1));
    write_file(dir_ / "site" / "a" / "plate_1.jpg", testing::random_bytes(3000, 1));
    write_file(dir_ / "site" / "b" / "sub" / "other.bin", "x");
    proxy_port_ = testing::free_port();
    proxy_ = BackgroundProcess(
        {"python3", std::string(LEAKWATCH_SOURCE_DIR) + "/tests/support/socks5_recorder.py",
         std::to_string(proxy_port_), (dir_ / "socks.jsonl").string()},
        dir_ / "socks.out");
    ASSERT_TRUE(testing::wait_for_port(proxy_port_));
  }

  std::vector<nlohmann::json> proxy_log() {
    std::vector<nlohmann::json> out;
    std::istringstream in(testing::read_file(dir_ / "socks.jsonl"));
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  std::filesystem::path write_config(const NginxServer& site, const std::string& scheme) {
    const auto port = std::to_string(site.port());
    auto config = dir_ / "leakwatch.toml";
    write_file(config, "data_dir = \"data\"\n[[proxy]]\nname = \"tor\"\nurl = \"" + scheme +
                           "://127.0.0.1:" + std::to_string(proxy_port_) +
                           "\"\nisolate = true\n"
                           "[[source]]\nname = \"onion-dump\"\nurl = \"http://leakdumpxyz.onion:" +
                           port +
                           "/a/\"\nproxy = \"tor\"\ntimeout = \"10s\"\n"
                           "[[source]]\nname = \"mirror\"\nurl = \"http://mirror.leak.invalid:" +
                           port + "/b/\"\nproxy = \"tor\"\ntimeout = \"10s\"\n");
    return config;
  }

  TempDir dir_;
  int proxy_port_ = 0;
  BackgroundProcess proxy_;
};

TEST_F(ProxyDiscipline, EveryRequestReachesTheProxyAsAHostnameWithPerSourceCredentials) {
  NginxServer site(dir_ / "site");
  const auto config = write_config(site, "socks5h");
  auto r = run_command({LEAKWATCH_BINARY, "--config", config.string(), "sign", "--dataset", "d",
                        (dir_ / "dataset").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  const auto result = nlohmann::json::parse(r.out);
  EXPECT_EQ(result["scans"][0]["status"], "ok");
  EXPECT_EQ(result["scans"][1]["status"], "ok");
  EXPECT_EQ(result["sightings"].size(), 1u);

  const auto log = proxy_log();
  ASSERT_FALSE(log.empty());
  std::map<std::string, std::set<std::string>> users_by_host;
  for (const auto& entry : log) {
    EXPECT_EQ(entry["atyp"], "domain")
        << "a request arrived as an address, resolved locally: " << entry.dump();
    EXPECT_EQ(entry["cmd"], 1);
    users_by_host[entry["host"]].insert(entry["user"]);
  }
  ASSERT_EQ(users_by_host.size(), 2u);
  const auto& onion_users = users_by_host["leakdumpxyz.onion"];
  const auto& mirror_users = users_by_host["mirror.leak.invalid"];
  ASSERT_EQ(onion_users.size(), 1u) << "one source, one circuit";
  ASSERT_EQ(mirror_users.size(), 1u);
  EXPECT_NE(*onion_users.begin(), *mirror_users.begin()) << "isolated sources share credentials";
  // Every request the site served came through the proxy: one proxied connection per request.
  EXPECT_EQ(site.request_count(), log.size()) << site.access_log();
}

TEST_F(ProxyDiscipline, APlainSocks5ProxyStillNeverResolvesNamesLocally) {
  NginxServer site(dir_ / "site");
  // socks5:// is allowed for clearnet names, and leakwatch still hands the name to the proxy.
  auto config = write_config(site, "socks5");
  auto text = testing::read_file(config);
  text.replace(text.find("[[source]]"),
               text.find("[[source]]", text.find("[[source]]") + 1) - text.find("[[source]]"), "");
  write_file(config, text);
  const auto r =
      run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  for (const auto& entry : proxy_log()) EXPECT_EQ(entry["atyp"], "domain") << entry.dump();
  EXPECT_FALSE(proxy_log().empty());
}

TEST_F(ProxyDiscipline, WithTheProxyDownTheScanFailsAndTheSiteSeesNothing) {
  NginxServer site(dir_ / "site");
  const auto config = write_config(site, "socks5h");
  proxy_.stop();
  const auto r =
      run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--format", "json"});
  EXPECT_EQ(r.exit_code, 1);
  const auto result = nlohmann::json::parse(r.out);
  for (const auto& scan : result["scans"]) {
    EXPECT_EQ(scan["status"], "failed");
    EXPECT_NE(scan["error"].get<std::string>().find("via proxy socks5h://"), std::string::npos)
        << scan.dump();
    EXPECT_EQ(scan["error"].get<std::string>().find("isolate"), std::string::npos)
        << "credentials are not printed";
  }
  EXPECT_EQ(site.request_count(), 0u) << site.access_log();
}

TEST_F(ProxyDiscipline, APoolFailsOverToAReachableMemberAndNeverGoesDirect) {
  NginxServer site(dir_ / "site");
  const auto config = dir_ / "pool.toml";
  const auto dead = std::to_string(testing::free_port());
  const auto write = [&](const std::string& second_port) {
    write_file(config,
               "data_dir = \"data\"\n"
               "[[proxy]]\nname = \"tor-a\"\nurl = \"socks5h://127.0.0.1:" +
                   dead +
                   "\"\npool = \"tor\"\n"
                   "[[proxy]]\nname = \"tor-b\"\nurl = \"socks5h://127.0.0.1:" +
                   second_port +
                   "\"\npool = \"tor\"\n"
                   "[[source]]\nname = \"onion-dump\"\nurl = \"http://leakdumpxyz.onion:" +
                   std::to_string(site.port()) + "/a/\"\nproxy = \"tor\"\ntimeout = \"10s\"\n");
  };
  write(std::to_string(proxy_port_));
  auto r = run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  auto result = nlohmann::json::parse(r.out);
  EXPECT_EQ(result["scans"][0]["status"], "ok");
  EXPECT_EQ(result["scans"][0]["proxy"], "tor-b");
  EXPECT_NE(r.err.find("tor-a down"), std::string::npos) << r.err;
  const auto served = site.request_count();
  EXPECT_EQ(served, proxy_log().size());

  write(std::to_string(testing::free_port()));  // both members down now
  r = run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--format", "json"});
  EXPECT_EQ(r.exit_code, 1);
  result = nlohmann::json::parse(r.out);
  EXPECT_EQ(result["scans"][0]["status"], "failed");
  EXPECT_NE(
      result["scans"][0]["error"].get<std::string>().find("no proxy of pool 'tor' is reachable"),
      std::string::npos);
  EXPECT_EQ(site.request_count(), served) << "nothing went direct";
}

TEST_F(ProxyDiscipline, TheProxyRefusesUdpAssociateLikeTor) {
  // Guard for the torrent work: the witness behaves like Tor's SOCKS port.
  const auto r = run_command({"python3", "-c",
                              "import socket,sys\ns=socket.create_connection(('127.0.0.1'," +
                                  std::to_string(proxy_port_) +
                                  "))\ns.sendall(b'\\x05\\x01\\x00')\ns.recv(2)\ns.sendall(b'"
                                  "\\x05\\x03\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00')\n"
                                  "sys.stdout.write(str(s.recv(10)[1]))"});
  EXPECT_EQ(r.out, "7") << r.err;
}

}  // namespace
}  // namespace leakwatch
