// The CLI contract through the real binary: help, usage errors, config errors, commands that
// have not landed yet, and `scan` over a config file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "store/rocks_fixtures.h"
#include "tests/support/nginx_server.h"
#include "tests/support/process.h"

namespace leakwatch {
namespace {

using testing::CommandResult;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

CommandResult leakwatch(const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {LEAKWATCH_BINARY, "--data-dir", (dir / "data").string()});
  return run_command(args);
}

TEST(Cli, HelpListsEveryContractCommandAndExitsZero) {
  TempDir dir;
  const auto r = leakwatch(dir, {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const auto* cmd :
       {"sign", "signatures", "scan", "check", "sightings", "verify", "daemon", "alerts", "db"}) {
    EXPECT_NE(r.out.find(std::string("  ") + cmd + " "), std::string::npos) << cmd << "\n" << r.out;
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  TempDir dir;
  EXPECT_EQ(leakwatch(dir, {}).exit_code, 2);
  EXPECT_EQ(leakwatch(dir, {"frobnicate"}).exit_code, 2);
  EXPECT_EQ(leakwatch(dir, {"sign", "x"}).exit_code, 2) << "--dataset is required";
  EXPECT_EQ(leakwatch(dir, {"sightings", "--format", "xml"}).exit_code, 2);
  const auto r = leakwatch(dir, {"sightings", "--since", "yesterday"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not an RFC 3339 time"), std::string::npos) << r.err;
}

TEST(Cli, BadConfigNamesFileLineAndKey) {
  TempDir dir;
  const auto config = dir / "bad.toml";
  write_file(config,
             "data_dir = \"d\"\n"
             "[[source]]\n"
             "name = \"s\"\n"
             "url = \"http://example.org/\"\n"
             "proxy = \"tor\"\n"
             "colour = \"red\"\n");
  const auto r = run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(config.string() + ":5:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unknown proxy or pool 'tor'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(config.string() + ":6:1: source 's'.colour: unknown key"), std::string::npos)
      << r.err;
}

TEST(Cli, ScanRecordsEverySourceFromTheConfig) {
  TempDir dir;
  write_file(dir / "dataset" / "a.bin", testing::random_bytes(4096, 7));
  write_file(dir / "site" / "a.bin", testing::random_bytes(4096, 7));
  testing::NginxServer server(dir / "site");
  const auto config = dir / "leakwatch.toml";
  write_file(config, "data_dir = \"data\"\n[[source]]\nname = \"site\"\nurl = \"" +
                         server.url("/") +
                         "\"\nfetch_content = \"candidates\"\n[[source]]\nname = \"down\"\nurl = "
                         "\"http://127.0.0.1:" +
                         std::to_string(testing::free_port()) + "/\"\ntimeout = \"5s\"\n");
  auto r = run_command({LEAKWATCH_BINARY, "--config", config.string(), "sign", "--dataset", "d",
                        (dir / "dataset").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << "one source is down: " << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["scans"].size(), 2u);
  EXPECT_EQ(j["scans"][0]["source"], "site");
  EXPECT_EQ(j["scans"][0]["status"], "ok");
  EXPECT_EQ(j["scans"][1]["source"], "down");
  EXPECT_EQ(j["scans"][1]["status"], "failed");
  ASSERT_EQ(j["sightings"].size(), 1u);
  EXPECT_EQ(j["sightings"][0]["confidence"], "confirmed");
  // data_dir is relative to the config file.
  EXPECT_TRUE(std::filesystem::exists(dir / "data" / "db" / "CURRENT"));
  r = run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--source", "nope"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(Cli, DbStatsBackupAndCompactWorkOnARealDatabase) {
  TempDir dir;
  const auto missing = leakwatch(dir, {"db", "stats"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no leakwatch database"), std::string::npos) << missing.err;

  write_file(dir / "one.csv", "id,name\n1,alice\n");
  ASSERT_EQ(leakwatch(dir, {"sign", "--dataset", "hr", (dir / "one.csv").string()}).exit_code, 0);
  const auto stats = leakwatch(dir, {"db", "stats"});
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("schema version 4"), std::string::npos) << stats.out;
  EXPECT_TRUE(std::regex_search(stats.out, std::regex("\\nsignatures +1 "))) << stats.out;
  EXPECT_NE(stats.out.find("retention: scan records kept of any age, any number per source"),
            std::string::npos)
      << stats.out;
  EXPECT_NE(stats.out.find("manifest history 100 change records per locator"), std::string::npos)
      << stats.out;
  EXPECT_NE(stats.out.find("oldest scan kept: none"), std::string::npos) << stats.out;

  EXPECT_EQ(leakwatch(dir, {"db", "compact"}).exit_code, 0);
  const auto backup = leakwatch(dir, {"db", "backup", (dir / "backup").string()});
  EXPECT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "backup" / "db" / "CURRENT"));
  const auto again = leakwatch(dir, {"db", "backup", (dir / "backup").string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("exists already"), std::string::npos) << again.err;
  EXPECT_EQ(leakwatch(dir, {"db"}).exit_code, 2);
}

TEST(Cli, ADataDirThatIsAFileIsAClearErrorForEveryStoreCommand) {
  TempDir dir;
  write_file(dir / "data", "not a folder");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"db", "stats"}, {"db", "compact"}, {"sightings"}}) {
    const auto r = leakwatch(dir, args);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_NE(r.err.find("is not a folder"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace leakwatch

namespace leakwatch {
namespace {

// An nginx site publishing SHA256SUMS for a file of a signed dataset, and a config with that
// list as its only source.
struct ChecksumSite {
  TempDir dir;
  std::optional<testing::NginxServer> server;
  std::filesystem::path config = dir / "leakwatch.toml";
  std::string url;

  void start(std::uint64_t seed) {
    write_file(dir / "dataset" / "plate.jpg", testing::random_bytes(5000, seed));
    write_file(dir / "site" / "plate.jpg", testing::random_bytes(5000, seed));
    const auto sums =
        run_command({"sh", "-c", "cd '" + (dir / "site").string() + "' && sha256sum plate.jpg"});
    ASSERT_EQ(sums.exit_code, 0);
    write_file(dir / "site" / "SHA256SUMS", sums.out);
    server.emplace(dir / "site");
    url = server->url("/SHA256SUMS");
    write_file(config, "data_dir = \"data\"\n[[source]]\nname = \"sums\"\nurl = \"" + url + "\"\n");
    const auto r = run_command({LEAKWATCH_BINARY, "--config", config.string(), "sign", "--dataset",
                                "d", (dir / "dataset").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult scan() const {
    return run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--format", "json"});
  }
};

TEST(Cli, AnUnchangedChecksumListIsAskedConditionallyAndStillMatched) {
  ChecksumSite site;
  ASSERT_NO_FATAL_FAILURE(site.start(3));
  CommandResult r;
  std::string first_seen;
  for (int run = 0; run < 2; ++run) {
    r = site.scan();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["sightings"].size(), 1u) << "run " << run << ": " << r.out;
    EXPECT_EQ(j["sightings"][0]["confidence"], "confirmed");
    if (run == 0) first_seen = j["sightings"][0]["first_seen"];
    EXPECT_EQ(j["sightings"][0]["first_seen"], first_seen);
  }
  const auto log = site.server->access_log();
  EXPECT_NE(log.find("\"GET /SHA256SUMS HTTP/1.1\" 200"), std::string::npos) << log;
  EXPECT_NE(log.find("\"GET /SHA256SUMS HTTP/1.1\" 304"), std::string::npos)
      << "the second scan was not conditional:\n"
      << log;
}

TEST(Cli, A304WithTheLastManifestDamagedFetchesTheIndexAgainInFull) {
  ChecksumSite site;
  ASSERT_NO_FATAL_FAILURE(site.start(4));
  auto r = site.scan();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(store::fixtures::raw_value(site.dir / "data", "manifests", site.url))
      << "stored under its URL";
  ASSERT_TRUE(
      store::fixtures::put_raw_value(site.dir / "data", "manifests", site.url, "{\"damaged"));

  r = site.scan();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["sightings"].size(), 1u) << r.out;
  EXPECT_EQ(j["sightings"][0]["confidence"], "confirmed");
  EXPECT_EQ(j["scans"][0]["status"], "ok") << r.out;
  EXPECT_NE(r.err.find("fetching it again in full"), std::string::npos) << r.err;
  // Asked conditionally (304), then in full (200): two 200s in all, one 304.
  const auto count = [](const std::string& log, const std::string& what) {
    std::size_t n = 0;
    for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  const std::string ok = "\"GET /SHA256SUMS HTTP/1.1\" 200";
  const std::string unchanged = "\"GET /SHA256SUMS HTTP/1.1\" 304";
  auto log = site.server->access_log();
  EXPECT_EQ(count(log, ok), 2u) << log;
  EXPECT_EQ(count(log, unchanged), 1u) << log;
  // The damaged manifest was replaced: a third scan is answered 304 and scores it again.
  r = site.scan();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["sightings"].size(), 1u) << r.out;
  log = site.server->access_log();
  EXPECT_EQ(count(log, ok), 2u) << log;
  EXPECT_EQ(count(log, unchanged), 2u) << log;
}

}  // namespace
}  // namespace leakwatch

namespace leakwatch {
namespace {

TEST(Cli, ScanRecordsAvailabilityAndMarksASourceDownAfterRepeatedFailures) {
  TempDir dir;
  write_file(dir / "site" / "a.txt", "a");
  testing::NginxServer server(dir / "site");
  const auto config = dir / "leakwatch.toml";
  write_file(config, "data_dir = \"data\"\n[[source]]\nname = \"up\"\nurl = \"" + server.url("/") +
                         "\"\n[[source]]\nname = \"down\"\nurl = \"http://127.0.0.1:" +
                         std::to_string(testing::free_port()) + "/\"\ntimeout = \"5s\"\n");
  for (int run = 1; run <= 3; ++run) {
    const auto r =
        run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--format", "json"});
    ASSERT_EQ(r.exit_code, 1) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["scans"][0]["http_status"], 200);
    EXPECT_FALSE(j["scans"][0]["marked_down"]);
    EXPECT_EQ(j["scans"][1]["http_status"], 0);
    EXPECT_EQ(j["scans"][1]["marked_down"], run == 3) << "run " << run;
  }
}

}  // namespace
}  // namespace leakwatch
