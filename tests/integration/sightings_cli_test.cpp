// `leakwatch sightings` through the real binary over a real RocksDB: newest first, every filter,
// table / JSON Lines / CSV, and leak-site strings that cannot reach the terminal raw.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/verify/verify_fixture.h"

namespace leakwatch {
namespace {

using testing::at;
using testing::run_command;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class SightingsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::StoreFiller fill(dir / "data");
    fill.sight("hr", "alpha", "http://a.example/1/", Confidence::confirmed,
               at("2026-11-01T00:00:00Z"), at("2026-11-03T00:00:00Z"));
    fill.sight("hr", "beta", "http://b.example/\x1b[2J,\"quoted\"/", Confidence::possible,
               at("2026-11-02T00:00:00Z"), at("2026-11-05T00:00:00Z"));
    fill.sight("images", "alpha", "http://a.example/2/", Confidence::likely,
               at("2026-11-04T00:00:00Z"), at("2026-11-04T00:00:00Z"));
  }

  testing::CommandResult leakwatch(std::vector<std::string> args) {
    args.insert(args.begin(), {LEAKWATCH_BINARY, "--data-dir", (dir / "data").string()});
    return run_command(args);
  }

  // The locator of each JSON line.
  std::vector<std::string> locators(std::vector<std::string> args) {
    args.insert(args.begin(), "sightings");
    args.insert(args.end(), {"--format", "json"});
    const auto r = leakwatch(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> out;
    for (const auto& line : lines_of(r.out)) {
      out.push_back(nlohmann::json::parse(line)["locator"].get<std::string>());
    }
    return out;
  }

  testing::TempDir dir;
};

TEST_F(SightingsCli, ListsNewestLastSeenFirstWithEveryFilter) {
  const std::string hostile = "http://b.example/\x1b[2J,\"quoted\"/";
  EXPECT_EQ(locators({}),
            (std::vector<std::string>{hostile, "http://a.example/2/", "http://a.example/1/"}));
  EXPECT_EQ(locators({"--dataset", "hr"}),
            (std::vector<std::string>{hostile, "http://a.example/1/"}));
  EXPECT_EQ(locators({"--source", "alpha"}),
            (std::vector<std::string>{"http://a.example/2/", "http://a.example/1/"}));
  EXPECT_EQ(locators({"--dataset", "hr", "--source", "alpha"}),
            (std::vector<std::string>{"http://a.example/1/"}));
  EXPECT_EQ(locators({"--min-confidence", "likely"}),
            (std::vector<std::string>{"http://a.example/2/", "http://a.example/1/"}));
  EXPECT_EQ(locators({"--since", "2026-11-04"}),
            (std::vector<std::string>{hostile, "http://a.example/2/"}))
      << "since: last seen at or after";
  EXPECT_EQ(locators({"--until", "2026-11-01T12:00:00Z"}),
            (std::vector<std::string>{"http://a.example/1/"}))
      << "until: first seen at or before";
  EXPECT_EQ(locators({"--limit", "1"}), (std::vector<std::string>{hostile}));
  const auto reversed = leakwatch({"sightings", "--since", "2026-11-05", "--until", "2026-11-01"});
  EXPECT_EQ(reversed.exit_code, 2);
  EXPECT_NE(reversed.err.find("is after --until"), std::string::npos) << reversed.err;
}

TEST_F(SightingsCli, TableAndCsvKeepLeakSiteStringsInTheirPlace) {
  auto r = leakwatch({"sightings"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rows = lines_of(r.out);
  ASSERT_EQ(rows.size(), 4u) << r.out;
  EXPECT_TRUE(rows[0].starts_with("LAST SEEN")) << rows[0];
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "no terminal escape reaches the terminal";
  EXPECT_NE(rows[1].find("http://b.example/\\x1B[2J,\"quoted\"/"), std::string::npos) << rows[1];

  r = leakwatch({"sightings", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rows = lines_of(r.out);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_TRUE(rows[0].starts_with("dataset,source,locator,confidence,")) << rows[0];
  // CSV is data: the value is kept whole, quoted per RFC 4180.
  EXPECT_TRUE(rows[1].starts_with("hr,beta,\"http://b.example/\x1b[2J,\"\"quoted\"\"/\",possible,"))
      << rows[1];
  EXPECT_TRUE(
      rows[3].starts_with("hr,alpha,http://a.example/1/,confirmed,2,3,2001,0,"
                          "2026-11-01T00:00:00Z,2026-11-03T00:00:00Z,sha256;name+size"))
      << rows[3];
}

}  // namespace
}  // namespace leakwatch
