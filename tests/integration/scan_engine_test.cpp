// `leakwatch scan` on its one fetch engine, through the real binary: fair turns (small sources
// finish while a big one is still being fetched), the caps on connections (the recording SOCKS5
// proxy, tests/support/socks5_recorder.py, counts its open tunnels and delays each CONNECT like
// a slow circuit), and a bad [[proxy]] max_connections refused by every command.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "model/time.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"
#include "tests/support/support_files.h"

namespace leakwatch {
namespace {

using testing::BackgroundProcess;
using testing::NginxServer;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

Timestamp time_of(const nlohmann::json& scan, const char* key) {
  const auto t = parse_rfc3339(scan[key].get<std::string>());
  if (!t) throw std::runtime_error("not an RFC 3339 time: " + scan.dump());
  return *t;
}

class ScanEngine : public ::testing::Test {
 protected:
  // A proxy whose every CONNECT takes `delay_ms` (through a proxy each request is a new tunnel).
  void start_proxy(int delay_ms) {
    proxy_port_ = testing::free_port();
    proxy_ = BackgroundProcess(
        {"python3", testing::support_file("socks5_recorder.py"), std::to_string(proxy_port_),
         (dir_ / "socks.jsonl").string(), "--delay-ms", std::to_string(delay_ms), "--stats",
         (dir_ / "stats.json").string()},
        dir_ / "socks.out");
    ASSERT_TRUE(testing::wait_for_port(proxy_port_));
  }
  int max_open() const {
    return nlohmann::json::parse(testing::read_file(dir_ / "stats.json"))["max_open"].get<int>();
  }
  std::string proxy_table(const std::string& extra = "") const {
    return "[[proxy]]\nname = \"tor\"\nurl = \"socks5h://127.0.0.1:" + std::to_string(proxy_port_) +
           "\"\nisolate = true\n" + extra;
  }
  static std::string source(const std::string& name, const std::string& url,
                            const std::string& extra = "") {
    return "[[source]]\nname = \"" + name + "\"\nurl = \"" + url +
           "\"\nproxy = \"tor\"\ntimeout = \"20s\"\n" + extra;
  }
  nlohmann::json scan(const std::filesystem::path& config, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {LEAKWATCH_BINARY, "-q",       "--config", config.string(),
                                     "scan",           "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_command(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  TempDir dir_;
  int proxy_port_ = 0;
  BackgroundProcess proxy_;
};

TEST_F(ScanEngine, SmallSourcesFinishWhileABigOneIsStillBeingFetched) {
  // The big source: 160 folders, all wanted at once (concurrency 8 = the whole engine); 24
  // small sources of one folder each, listed after it.
  for (int i = 0; i < 160; ++i)
    write_file(dir_ / "site" / "big" / ("d" + std::to_string(i)) / "f.txt", "x");
  for (int i = 0; i < 24; ++i)
    write_file(dir_ / "site" / ("small" + std::to_string(i)) / "f.txt", "x");
  NginxServer site(dir_ / "site");
  start_proxy(60);
  const auto port = std::to_string(site.port());
  std::string config_text =
      "data_dir = \"data\"\n" + proxy_table() +
      source("big", "http://big.leak.invalid:" + port + "/big/", "depth = 1\nconcurrency = 8\n");
  for (int i = 0; i < 24; ++i) {
    const auto n = std::to_string(i);
    config_text +=
        source("small" + n, "http://small" + n + ".leak.invalid:" + port + "/small" + n + "/");
  }
  write_file(dir_ / "leakwatch.toml", config_text);
  const auto result = scan(dir_ / "leakwatch.toml", {"--jobs", "8", "--max-in-flight", "8"});
  ASSERT_EQ(result["scans"].size(), 25u);
  const auto& big = result["scans"][0];
  ASSERT_EQ(big["source"], "big");
  EXPECT_EQ(big["status"], "ok");
  EXPECT_EQ(big["entries_seen"], 160u);
  Timestamp last_small_end{};
  for (std::size_t i = 1; i < 25; ++i) {
    EXPECT_EQ(result["scans"][i]["status"], "ok") << result["scans"][i].dump();
    last_small_end = std::max(last_small_end, time_of(result["scans"][i], "end"));
  }
  // 161 tunnels of 60 ms at 8 at a time keep the big source busy for over a second; each small
  // source's one request takes a turn beside it instead of waiting behind its 160 pages, so the
  // small ones are all done well before the big one (with first-come turns they finish after
  // it; on a loaded machine with fair turns, at about half way).
  const auto big_start = time_of(big, "start");
  const auto three_quarters = big_start + (time_of(big, "end") - big_start) * 3 / 4;
  EXPECT_LT(last_small_end, three_quarters)
      << "small sources waited behind the big one: last small done at "
      << format_rfc3339(last_small_end) << ", big " << big["start"] << " to " << big["end"];
  EXPECT_LE(max_open(), 8) << "more tunnels at once than --max-in-flight";
}

TEST_F(ScanEngine, NeverOpensMoreTunnelsThroughAProxyThanItsMaxConnections) {
  for (int s = 0; s < 6; ++s)
    for (int i = 0; i < 4; ++i)
      write_file(dir_ / "site" / ("s" + std::to_string(s)) / ("d" + std::to_string(i)) / "f", "x");
  NginxServer site(dir_ / "site");
  start_proxy(150);
  const auto port = std::to_string(site.port());
  std::string config_text = "data_dir = \"data\"\n" + proxy_table("max_connections = 3\n");
  for (int s = 0; s < 6; ++s) {
    const auto n = std::to_string(s);
    config_text += source("s" + n, "http://s" + n + ".leak.invalid:" + port + "/s" + n + "/");
  }
  write_file(dir_ / "leakwatch.toml", config_text);
  const auto result = scan(dir_ / "leakwatch.toml");
  ASSERT_EQ(result["scans"].size(), 6u);
  for (const auto& s : result["scans"]) {
    EXPECT_EQ(s["status"], "ok") << s.dump();
    EXPECT_EQ(s["entries_seen"], 4u) << s.dump();
  }
  EXPECT_LE(max_open(), 3) << "max_connections = 3 did not hold across the sources";
  EXPECT_GE(max_open(), 2) << "the proxy's slots were not used in parallel";
}

TEST_F(ScanEngine, ProgressIsOneUpdatingLineOnATerminalAndNoneWithQuietOrWithoutOne) {
  // Six sources of four requests, two at a time through 200 ms tunnels: a pass of about 2.5 s.
  for (int s = 0; s < 6; ++s)
    for (int i = 0; i < 3; ++i)
      write_file(dir_ / "site" / ("s" + std::to_string(s)) / ("d" + std::to_string(i)) / "f", "x");
  NginxServer site(dir_ / "site");
  start_proxy(200);
  const auto port = std::to_string(site.port());
  std::string config_text = "data_dir = \"data\"\n" + proxy_table();
  for (int s = 0; s < 6; ++s) {
    const auto n = std::to_string(s);
    config_text += source("s" + n, "http://s" + n + ".leak.invalid:" + port + "/s" + n + "/");
  }
  const auto config = dir_ / "leakwatch.toml";
  write_file(config, config_text);
  // On a terminal (script(1) gives the command a pseudo-terminal; its output is the terminal's).
  const std::string command = std::string(LEAKWATCH_BINARY) + " --config " + config.string() +
                              " scan --jobs 2 --max-in-flight 2";
  auto on_terminal = [&](const std::string& options) {
    const auto r = run_command({"script", "-qefc", command + options, "/dev/null"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return r.out;
  };
  const auto shown = on_terminal("");
  const std::regex line(
      "\r\x1b\\[Kscan: [0-6]/6 sources done, [0-2] in flight, [0-6] waiting; [0-9]+ req/s, "
      "[0-2] requests in flight(; slowest: s[0-5] [0-9]+s(, s[0-5] [0-9]+s)*)?");
  EXPECT_TRUE(std::regex_search(shown, line)) << shown;
  EXPECT_NE(shown.find("summary: 6 sources (6 ok"), std::string::npos) << shown;
  // The line is cleared before the summary: the last progress line ends in "\r\x1b[K".
  const auto last = shown.rfind("scan: ");
  ASSERT_NE(last, std::string::npos);
  EXPECT_NE(shown.find("\r\x1b[K", last), std::string::npos) << shown;
  EXPECT_EQ(on_terminal(" -q").find("sources done"), std::string::npos);
  // Not a terminal: a plain line every 10 s, so a pass this short prints none.
  const auto piped = run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--jobs",
                                  "2", "--max-in-flight", "2"});
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.err.find("sources done"), std::string::npos) << piped.err;
  EXPECT_EQ(piped.err.find('\r'), std::string::npos) << piped.err;
}

TEST_F(ScanEngine, ABadMaxConnectionsIsAConfigErrorForEveryCommand) {
  for (const auto* bad : {"0", "100000", "\"lots\""}) {
    const auto config = dir_ / "bad.toml";
    write_file(config,
               "data_dir = \"data\"\n[[proxy]]\nname = \"tor\"\nurl = "
               "\"socks5h://127.0.0.1:9050\"\nmax_connections = " +
                   std::string(bad) + "\n");
    write_file(dir_ / "f.txt", "x");
    for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
             {"scan"},
             {"check", "http://127.0.0.1:1/"},
             {"sign", "--dataset", "d", (dir_ / "f.txt").string()},
             {"signatures", "list"},
             {"sightings"},
             {"verify", "--dataset", "d"},
             {"alerts", "list"},
             {"db", "stats"},
             {"serve"},
             {"daemon"}}) {
      std::vector<std::string> args = {LEAKWATCH_BINARY, "--config", config.string()};
      args.insert(args.end(), command.begin(), command.end());
      const auto r = run_command(args);
      EXPECT_EQ(r.exit_code, 2) << command[0] << " " << bad << ": " << r.err;
      EXPECT_NE(r.err.find(config.string() + ":5:19: proxy[0].max_connections"), std::string::npos)
          << command[0] << ": " << r.err;
    }
    EXPECT_FALSE(std::filesystem::exists(dir_ / "data")) << "a command ran with a bad config";
    EXPECT_FALSE(std::filesystem::exists("leakwatch-data")) << "fell back to ./leakwatch-data";
  }
}

}  // namespace
}  // namespace leakwatch
