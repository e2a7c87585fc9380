// The HTML report for real: written by `leakwatch verify --format html`, checked for strict,
// self-contained markup (our checker and tidy), then rendered by headless Chromium: the DOM it
// builds must hold the timeline (one row per source, a mark per scan and sighting) and the
// evidence tables, hostile leak-site strings must stay text, and the screenshot must show the
// report's colours. CI installs chromium and tidy (deploy/install-deps.sh); a machine without
// them fails this test unless LEAKWATCH_SKIP_BROWSER_TESTS=1 says to skip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/verify/verify_fixture.h"

namespace leakwatch {
namespace {

using testing::run_command;
using testing::StoreFiller;
using testing::TempDir;
using testing::write_file;

constexpr const char* kHostileLocator = "http://a.example/<script>alert(1)</script>/";

nlohmann::json check(const std::string& mode, const std::filesystem::path& file) {
  const auto r = run_command({"/usr/bin/python3", HTML_REPORT_CHECK, mode, file.string()});
  if (r.exit_code != 0) throw std::runtime_error("html_report_check.py failed: " + r.err);
  return nlohmann::json::parse(r.out);
}

std::string tool_or_skip(const std::string& name) {
  auto path = testing::find_program(name);
  if (path.empty()) {
    const char* skip = std::getenv("LEAKWATCH_SKIP_BROWSER_TESTS");
    if (skip && std::string(skip) == "1") return {};
    ADD_FAILURE() << name
                  << " is not installed (deploy/install-deps.sh installs it; set "
                     "LEAKWATCH_SKIP_BROWSER_TESTS=1 to skip on purpose)";
  }
  return path;
}

class VerifyHtml : public ::testing::Test {
 protected:
  // Sources alpha (3 ok scans, one confirmed sighting at a hostile locator), beta (a failed and
  // an ok scan, one likely sighting) and gamma (never scanned).
  void SetUp() override {
    const auto base = std::chrono::floor<std::chrono::hours>(now()) - std::chrono::days{12};
    StoreFiller fill(dir / "data");
    fill.sign("images", base - std::chrono::days{30});
    for (int d : {1, 4, 7}) fill.scan("alpha", base + std::chrono::days{d}, ScanStatus::ok);
    fill.scan("beta", base + std::chrono::days{2}, ScanStatus::failed, 0, "timed out <b>bold</b>");
    fill.scan("beta", base + std::chrono::days{5}, ScanStatus::ok);
    fill.sight("images", "alpha", kHostileLocator, Confidence::confirmed,
               base + std::chrono::days{3}, base + std::chrono::days{7});
    fill.sight("images", "beta", "http://b.example/mirror/", Confidence::likely,
               base + std::chrono::days{6}, base + std::chrono::days{6});
    fill.close();
    std::string toml = "data_dir = \"data\"\n";
    for (const auto* s : {"alpha", "beta", "gamma"}) {
      toml +=
          "[[source]]\nname = \"" + std::string(s) + "\"\nurl = \"http://" + s + ".example/\"\n";
    }
    write_file(dir / "leakwatch.toml", toml);
    const auto r =
        run_command({LEAKWATCH_BINARY, "--config", (dir / "leakwatch.toml").string(), "verify",
                     "--dataset", "images", "--format", "html", "--output", report.string()});
    ASSERT_EQ(r.exit_code, 10) << r.err;
  }

  TempDir dir;
  std::filesystem::path report = dir / "report.html";
};

// 5 ok scans (3 alpha, 1 beta, plus the scan that recorded each sighting), 1 failed.
constexpr int kOkScans = 3 + 1 + 2;

TEST_F(VerifyHtml, MarkupIsStrictSelfContainedAndComplete) {
  const auto j = check("markup", report);
  EXPECT_TRUE(j["errors"].empty()) << j["errors"].dump(2);
  const auto& counts = j["counts"];
  EXPECT_EQ(counts.value("svg#timeline", 0), 1);
  EXPECT_EQ(j["row_sources"], nlohmann::json::array({"alpha", "beta", "gamma"}));
  EXPECT_EQ(counts.value("rect.scan-ok", 0), kOkScans);
  EXPECT_EQ(counts.value("rect.scan-failed", 0), 1);
  EXPECT_EQ(counts.value("path.sighting", 0), 2);
  EXPECT_EQ(counts.value("script", 0), 0);
  EXPECT_EQ(j["table_rows"]["sighting-table"], 2);
  EXPECT_EQ(j["table_rows"]["evidence-1"], 2);
  EXPECT_EQ(j["table_rows"]["evidence-2"], 2);
  EXPECT_EQ(j["table_rows"]["coverage-table"], 3);
  EXPECT_EQ(j["table_rows"]["failure-table"], 1);
  const auto text = j["text"].get<std::string>();
  EXPECT_NE(text.find(kHostileLocator), std::string::npos) << "shown as text, not markup";
  EXPECT_NE(text.find("timed out <b>bold</b>"), std::string::npos);

  if (const auto tidy = tool_or_skip("tidy"); !tidy.empty()) {
    const auto r = run_command({tidy, "-e", "-q", report.string()});
    EXPECT_EQ(r.exit_code, 0) << "tidy found problems:\n" << r.err;
  }
}

TEST_F(VerifyHtml, ChromiumRendersTheTimelineAndTables) {
  const auto chromium = tool_or_skip("chromium");
  if (chromium.empty()) GTEST_SKIP() << "chromium missing and LEAKWATCH_SKIP_BROWSER_TESTS=1";
  const std::vector<std::string> common = {chromium,
                                           "--headless",
                                           "--no-sandbox",
                                           "--disable-gpu",
                                           "--disable-dev-shm-usage",
                                           "--no-first-run",
                                           "--user-data-dir=" + (dir / "chromium-profile").string(),
                                           "--hide-scrollbars",
                                           "--window-size=1280,2000"};
  const auto url = "file://" + report.string();

  auto args = common;
  args.insert(args.end(), {"--dump-dom", url});
  auto r = run_command(args, std::chrono::seconds{120}, {"HOME=" + dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  write_file(dir / "dom.html", r.out);
  const auto dom = check("dom", dir / "dom.html");
  EXPECT_TRUE(dom["errors"].empty()) << dom["errors"].dump(2);
  const auto& counts = dom["counts"];
  EXPECT_EQ(counts.value("svg#timeline", 0), 1);
  EXPECT_EQ(dom["row_sources"], nlohmann::json::array({"alpha", "beta", "gamma"}));
  EXPECT_EQ(counts.value("rect.scan-ok", 0), kOkScans);
  EXPECT_EQ(counts.value("rect.scan-failed", 0), 1);
  EXPECT_EQ(counts.value("path.sighting-confirmed", 0), 1);
  EXPECT_EQ(counts.value("path.sighting-likely", 0), 1);
  EXPECT_EQ(counts.value("script", 0), 0) << "the hostile locator must not become a script";
  EXPECT_EQ(dom["table_rows"]["evidence-1"], 2);
  EXPECT_EQ(dom["table_rows"]["coverage-table"], 3);
  EXPECT_NE(dom["text"].get<std::string>().find(kHostileLocator), std::string::npos);

  const auto png = dir / "report.png";
  args = common;
  args.insert(args.end(), {"--screenshot=" + png.string(), url});
  r = run_command(args, std::chrono::seconds{120}, {"HOME=" + dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto shot = check("png", png);
  ASSERT_TRUE(shot["errors"].empty()) << shot["errors"].dump();
  EXPECT_EQ(shot["width"], 1280);
  EXPECT_EQ(shot["height"], 2000);
  EXPECT_GT(shot["distinct_colours"].get<int>(), 20);
  EXPECT_GT(shot["non_white_fraction"].get<double>(), 0.02);
  const auto& colours = shot["colours"];
  // Exact CSS colours: the refuted verdict badge, ok and failed scan ticks, the confirmed
  // sighting diamond.
  EXPECT_GT(colours.value("b42318", 0), 500) << "verdict badge";
  EXPECT_GT(colours.value("1a7f37", 0), 20) << "ok scan ticks";
  EXPECT_GT(colours.value("cf222e", 0), 5) << "failed scan tick";
  EXPECT_GT(colours.value("8250df", 0), 10) << "confirmed sighting";
}

}  // namespace
}  // namespace leakwatch
