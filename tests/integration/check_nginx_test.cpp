// The first end-to-end slice through the real binary: sign a dataset, serve a leak site with a
// real nginx, `leakwatch check` it (directly and through a real SOCKS5 proxy), and read the
// recorded sightings back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/nginx_server.h"
#include "tests/support/process.h"

namespace leakwatch {
namespace {

using testing::BackgroundProcess;
using testing::CommandResult;
using testing::NginxServer;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

class CheckSlice : public ::testing::Test {
 protected:
  void SetUp() override {
    // The sensitive dataset: 5 "images" and a CSV.
    for (int i = 0; i < 5; ++i) {
      write_file(dataset_ / "plates" / ("plate_" + std::to_string(i) + ".jpg"),
                 testing::random_bytes(2000 + 100 * static_cast<std::size_t>(i),
                                       static_cast<std::uint64_t>(i)));
    }
    write_file(dataset_ / "travellers.csv", "name,plate\nA,XYZ123\n");
    // The leak: three images under other folder names, one renamed; plus unrelated files.
    write_file(site_ / "dump" / "img" / "plate_0.jpg", testing::random_bytes(2000, 0));
    write_file(site_ / "dump" / "img" / "plate_1.jpg", testing::random_bytes(2100, 1));
    write_file(site_ / "dump" / "renamed.jpg", testing::random_bytes(2200, 2));
    write_file(site_ / "dump" / "readme.txt", "free download");
    // A decoy site: the same names with other content and sizes.
    write_file(decoy_ / "plate_0.jpg", "fake");
    write_file(decoy_ / "plate_1.jpg", "fake too");
  }

  CommandResult leakwatch(std::vector<std::string> args) {
    args.insert(args.begin(), {LEAKWATCH_BINARY, "--data-dir", (dir_ / "data").string()});
    return run_command(args);
  }

  static nlohmann::json parse_json(const CommandResult& r) {
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON: " << e.what() << "\nstdout: " << r.out << "\nstderr: " << r.err;
      return {};
    }
  }

  void sign() {
    const auto r = leakwatch(
        {"sign", "--dataset", "perceptics", "--description", "plate images", dataset_.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("6 files"), std::string::npos) << r.out;
  }

  TempDir dir_;
  std::filesystem::path dataset_ = dir_ / "dataset";
  std::filesystem::path site_ = dir_ / "site";
  std::filesystem::path decoy_ = dir_ / "decoy";
};

TEST_F(CheckSlice, FindsTheDatasetByNameAndSizeThenConfirmsItByContent) {
  sign();
  NginxServer server(site_);

  auto r = leakwatch({"check", "--format", "json", server.url("/dump/")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse_json(r);
  ASSERT_EQ(j["sightings"].size(), 1u) << r.out;
  auto s = j["sightings"][0];
  EXPECT_EQ(s["dataset"], "perceptics");
  EXPECT_EQ(s["source"], "adhoc");
  EXPECT_EQ(s["locator"], server.url("/dump/"));
  EXPECT_EQ(s["confidence"], "possible")
      << "two name+size matches of a 6-file dataset are not yet likely";
  EXPECT_EQ(s["files_matched"], 2);
  EXPECT_EQ(s["dataset_files"], 6);
  EXPECT_EQ(j["scans"][0]["status"], "ok");
  EXPECT_EQ(j["scans"][0]["entries_seen"], 4);

  // With content fetching, the renamed file is proven by its digest: confirmed.
  r = leakwatch({"check", "--fetch-content", "--format", "json", server.url("/dump/")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = parse_json(r);
  ASSERT_EQ(j["sightings"].size(), 1u) << r.out;
  s = j["sightings"][0];
  EXPECT_EQ(s["confidence"], "confirmed");
  EXPECT_EQ(s["files_matched"], 3);
  EXPECT_EQ(s["bytes_matched"], 2000 + 2100 + 2200);
  bool renamed_proven = false;
  for (const auto& e : s["evidence"]) {
    if (e["remote_path"] == "renamed.jpg" && e["kind"] == "sha256" &&
        e["file"] == "plates/plate_2.jpg") {
      renamed_proven = true;
    }
  }
  EXPECT_TRUE(renamed_proven) << s.dump(2);
  EXPECT_TRUE(j["scans"][0]["content_checked"]);

  // Both checks hit the same dataset+locator: one recorded sighting, first_seen kept.
  r = leakwatch({"sightings", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 1u) << r.out;
  EXPECT_EQ(rows[0]["confidence"], "confirmed");
  EXPECT_LT(rows[0]["first_seen"].get<std::string>(), rows[0]["last_seen"].get<std::string>());

  // The text form names the verdict, the dataset and the evidence.
  r = leakwatch({"check", "--fetch-content", "--no-record", server.url("/dump/")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("CONFIRMED  dataset 'perceptics'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sha256"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("as  renamed.jpg"), std::string::npos) << r.out;
}

TEST_F(CheckSlice, DecoysWithTheSameNamesStayPossible) {
  sign();
  NginxServer server(decoy_);
  const auto r = leakwatch({"check", "--fetch-content", "--format", "json", server.url("/")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = parse_json(r);
  ASSERT_EQ(j["sightings"].size(), 1u);
  EXPECT_EQ(j["sightings"][0]["confidence"], "possible");
  for (const auto& e : j["sightings"][0]["evidence"]) EXPECT_EQ(e["kind"], "name");
  EXPECT_EQ(j["sightings"][0]["bytes_matched"], 0);
}

TEST_F(CheckSlice, GoesThroughASocksProxyAndFailsClosedWithoutIt) {
  const auto microsocks = testing::find_program("microsocks");
  ASSERT_FALSE(microsocks.empty()) << "microsocks is installed by deploy/install-deps.sh";
  sign();
  NginxServer server(site_);
  const int port = testing::free_port();
  {
    BackgroundProcess proxy({microsocks, "-i", "127.0.0.1", "-p", std::to_string(port)},
                            dir_ / "socks.log");
    ASSERT_TRUE(testing::wait_for_port(port));
    const auto r = leakwatch({"check", "--format", "json", "--proxy",
                              "socks5h://127.0.0.1:" + std::to_string(port), server.url("/dump/")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = parse_json(r);
    EXPECT_EQ(j["scans"][0]["proxy"], "cli");
    EXPECT_EQ(j["sightings"].size(), 1u);
  }
  const auto served = server.request_count();
  EXPECT_GT(served, 0u);
  // The proxy is gone now: the check fails, names the proxy, and the site sees nothing new.
  const auto r = leakwatch({"check", "--format", "json", "--proxy",
                            "socks5h://127.0.0.1:" + std::to_string(port), server.url("/dump/")});
  EXPECT_EQ(r.exit_code, 1);
  const auto j = parse_json(r);
  EXPECT_EQ(j["scans"][0]["status"], "failed");
  EXPECT_NE(j["scans"][0]["error"].get<std::string>().find("via proxy socks5h://127.0.0.1"),
            std::string::npos);
  EXPECT_EQ(server.request_count(), served) << server.access_log();
}

TEST_F(CheckSlice, RefusesAnOnionUrlWithoutASocks5hProxy) {
  sign();
  auto r = leakwatch({"check", "http://exampleleakxyz.onion/files/"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("socks5h"), std::string::npos) << r.err;
  r = leakwatch({"check", "--proxy", "http://127.0.0.1:1", "http://exampleleakxyz.onion/files/"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace leakwatch
