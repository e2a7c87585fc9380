// Leak sites as they are, through the real binary (issue #14): mirrors on python's http.server
// (no sizes) and lighttpd (rounded sizes) holding files named like the dataset's give `likely`
// sightings from probed exact sizes, with no more probes than name matches; a rounded size that
// cannot match rules a file out without a probe; `probe_sizes = false` turns probing off; an
// empty folder is an `ok` scan.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/web_servers.h"

namespace leakwatch {
namespace {

using testing::run_command;
using testing::TempDir;
using testing::write_file;

class Mirrors : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_ / "dataset" / "plate_1.jpg", testing::random_bytes(13001, 1));
    write_file(dir_ / "dataset" / "plate_2.jpg", testing::random_bytes(20500, 2));
    write_file(dir_ / "dataset" / "plate_3.jpg", testing::random_bytes(7100, 3));
    write_file(dir_ / "dataset" / "plate_4.jpg", testing::random_bytes(9100, 4));
    for (const auto* mirror : {"py", "lt"}) {
      const auto m = dir_ / "site" / mirror;
      // Same names and sizes (other bytes: name+size evidence, not content): three files make
      // a `likely` sighting by the default rules.
      write_file(m / "plate_1.jpg", testing::random_bytes(13001, 11));
      write_file(m / "plate_2.jpg", testing::random_bytes(20500, 12));
      write_file(m / "plate_3.jpg", testing::random_bytes(7100, 13));
      // The name, but far from the size: lighttpd's "48.8K" rules it out without a probe.
      write_file(m / "plate_4.jpg", testing::random_bytes(50000, 15));
      write_file(m / "unrelated.bin", testing::random_bytes(9000, 14));
      std::filesystem::create_directories(m / "empty");
    }
    const auto r = run_command({LEAKWATCH_BINARY, "-q", "--data-dir", (dir_ / "data").string(),
                                "sign", "--dataset", "plates", (dir_ / "dataset").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  nlohmann::json scan(const std::string& extra) {
    const auto config = dir_ / "leakwatch.toml";
    write_file(config,
               "data_dir = \"data\"\n"
               "[[source]]\nname = \"py-mirror\"\nurl = \"" +
                   python_->url("/py/") + "\"\n" + extra +
                   "[[source]]\nname = \"lt-mirror\"\nurl = \"" + lighttpd_->url("/lt/") + "\"\n" +
                   extra + "[[source]]\nname = \"empty\"\nurl = \"" + python_->url("/py/empty") +
                   "\"\n");
    const auto r =
        run_command({LEAKWATCH_BINARY, "--config", config.string(), "scan", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    return nlohmann::json::parse(r.out);
  }

  TempDir dir_;
  std::unique_ptr<testing::PythonHttpServer> python_ =
      std::make_unique<testing::PythonHttpServer>(dir_ / "site");
  std::unique_ptr<testing::LighttpdServer> lighttpd_ =
      std::make_unique<testing::LighttpdServer>(dir_ / "site");
};

TEST_F(Mirrors, ProbedSizesGiveLikelySightingsWithNoMoreProbesThanNameMatches) {
  const auto j = scan("");
  std::map<std::string, nlohmann::json> scans, sightings;
  for (const auto& s : j["scans"]) scans[s["source"]] = s;
  for (const auto& s : j["sightings"]) sightings[s["source"]] = s;
  for (const auto* mirror : {"py-mirror", "lt-mirror"}) {
    EXPECT_EQ(scans[mirror]["status"], "ok") << scans[mirror].dump();
    ASSERT_TRUE(sightings.contains(mirror)) << j.dump();
    const auto& s = sightings[mirror];
    EXPECT_EQ(s["confidence"], "likely") << s.dump();
    EXPECT_EQ(s["files_matched"], 4) << s.dump();
    std::size_t name_size = 0;
    for (const auto& e : s["evidence"]) name_size += e["kind"] == "name+size";
    EXPECT_EQ(name_size, 3u) << "plate_4.jpg is a name only: " << s.dump();
  }
  // python shows no sizes: the four name matches are probed, the unrelated file is not.
  EXPECT_EQ(scans["py-mirror"]["size_probes"], 4) << scans["py-mirror"].dump();
  // lighttpd's rounded "48.8K" cannot be plate_4.jpg's 9100 bytes: three probes.
  EXPECT_EQ(scans["lt-mirror"]["size_probes"], 3) << scans["lt-mirror"].dump();
  // An empty folder, its URL written without the slash: followed, ok, no entries.
  EXPECT_EQ(scans["empty"]["status"], "ok") << scans["empty"].dump();
  EXPECT_EQ(scans["empty"]["entries_seen"], 0);
}

TEST_F(Mirrors, ProbeSizesFalseLeavesNamesOnly) {
  const auto j = scan("probe_sizes = false\n");
  for (const auto& s : j["scans"]) EXPECT_EQ(s["size_probes"], 0) << s.dump();
  for (const auto& s : j["sightings"]) EXPECT_EQ(s["confidence"], "possible") << s.dump();
}

// The sign command as the README shows it: a list option takes one comma-separated token, so
// the PATH after it stays a PATH; a two-letter column signs; a repetitive column is warned
// about; a failed sign leaves no key file behind.
TEST(SignCli, ColumnsTakeOneTokenAndAFailedSignLeavesNoKey) {
  TempDir dir;
  std::string csv = "plate,state\n";
  for (int i = 0; i < 300; ++i)
    csv += "PL" + std::to_string(10000 + i) + "," + (i % 2 ? "CA" : "TX") + "\n";
  write_file(dir / "table.csv", csv);
  write_file(dir / "images" / "plate_1.jpg", testing::random_bytes(5000, 1));
  const auto data = (dir / "data").string();
  auto r = run_command({LEAKWATCH_BINARY, "--data-dir", data, "sign", "--dataset", "D", "--records",
                        (dir / "table.csv").string(), "--columns", "plate,state",
                        (dir / "images").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("signed dataset 'D': 1 files"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("column 'state' has only 2 distinct values in 300 rows"), std::string::npos)
      << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "data" / "keys" / "D.key"));

  r = run_command({LEAKWATCH_BINARY, "--data-dir", data, "sign", "--dataset", "E", "--records",
                   (dir / "table.csv").string(), "--columns", "plate,nosuch",
                   (dir / "images").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("nosuch"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "data" / "keys" / "E.key"));

  const auto help = run_command({LEAKWATCH_BINARY, "sign", "--help"});
  EXPECT_NE(help.out.find("one comma-separated token"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("one per flag, repeatable"), std::string::npos) << help.out;
}

// `check` scores with the config's [[dataset]] thresholds, like `scan`.
TEST(CheckCli, UsesTheConfigsDatasetThresholds) {
  TempDir dir;
  for (int i = 1; i <= 4; ++i)
    write_file(dir / "dataset" / ("plate_" + std::to_string(i) + ".jpg"),
               testing::random_bytes(4000 + static_cast<std::size_t>(i), 1));
  // One of four files by name and size: `possible` by the default rules (3 files for likely).
  write_file(dir / "site" / "plate_1.jpg", testing::random_bytes(4001, 2));
  testing::LighttpdServer site(dir / "site");
  const auto data = (dir / "data").string();
  auto r = run_command({LEAKWATCH_BINARY, "--data-dir", data, "sign", "--dataset", "plates",
                        (dir / "dataset").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto config = dir / "leakwatch.toml";
  write_file(config,
             "data_dir = \"data\"\n[[dataset]]\nname = \"plates\"\n"
             "likely_name_size_files = 1\n");
  for (const bool with_config : {false, true}) {
    std::vector<std::string> args = {LEAKWATCH_BINARY};
    if (with_config) args.insert(args.end(), {"--config", config.string()});
    args.insert(args.end(),
                {"--data-dir", data, "check", "--no-record", "--format", "json", site.url("/")});
    r = run_command(args);
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["sightings"].size(), 1u) << r.out;
    EXPECT_EQ(j["sightings"][0]["confidence"], with_config ? "likely" : "possible") << r.out;
  }
}

}  // namespace
}  // namespace leakwatch

namespace leakwatch {
namespace {

TEST(PostTextBudget, IsASourceKeyAndWhatItDropsIsInTheScanRecord) {
  TempDir dir;
  // A post and the page it links, 1,500 bytes of text each.
  const std::string text(1500, 'w');
  write_file(dir / "site" / "t" / "post.html",
             "<html><body><p>" + text + "</p><a href=\"page2.html\">next</a></body></html>");
  write_file(dir / "site" / "t" / "page2.html", "<html><body><p>" + text + "</p></body></html>");
  testing::PythonHttpServer site(dir / "site");
  const auto scan = [&](const std::string& extra) {
    write_file(dir / "leakwatch.toml",
               "data_dir = \"data\"\n[[source]]\nname = \"post\"\nurl = \"" +
                   site.url("/t/post.html") + "\"\nkind = \"page\"\ndepth = 2\n" + extra);
    const auto r = run_command({LEAKWATCH_BINARY, "--config", (dir / "leakwatch.toml").string(),
                                "scan", "--format", "json"});
    return std::pair{r, r.out.empty() ? nlohmann::json{} : nlohmann::json::parse(r.out)};
  };
  const auto [full_run, full] = scan("");
  EXPECT_EQ(full_run.exit_code, 0) << full_run.err;
  EXPECT_EQ(full["scans"][0]["status"], "ok") << full.dump();
  EXPECT_EQ(full["scans"][0]["pages_fetched"], 2) << full.dump();

  const auto [capped_run, capped] = scan("text_budget = \"2KiB\"\n");
  EXPECT_EQ(capped["scans"][0]["status"], "partial") << capped.dump();
  EXPECT_NE(capped["scans"][0].value("error", "").find("page text beyond text_budget=2048 bytes"),
            std::string::npos)
      << capped.dump();
  EXPECT_EQ(capped["scans"][0]["pages_fetched"], 2) << "past the budget pages are still read";

  const auto [bad_run, bad] = scan("text_budget = \"none\"\n");
  EXPECT_EQ(bad_run.exit_code, 2);
  EXPECT_NE(bad_run.err.find("text_budget"), std::string::npos) << bad_run.err;
}

}  // namespace
}  // namespace leakwatch
