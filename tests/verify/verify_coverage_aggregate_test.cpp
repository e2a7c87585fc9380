// Verify reads coverage from the store's per-day aggregate (Store::for_each_scan_summary). The
// report must be the one the scan records themselves give: the same JSON, byte for byte, from a
// store whose aggregate was dropped (read the slow way) and after a writer rebuilt it, for
// windows that cut through days and a source with more scans than the timeline keeps.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/rocks_fixtures.h"
#include "tests/support/temp_dir.h"
#include "tests/verify/verify_fixture.h"
#include "verify/verify.h"

namespace leakwatch::app {
namespace {

using namespace std::chrono_literals;
using testing::at;

std::vector<std::string> reports(store::Store& store) {
  auto config = config::parse_config(
      "data_dir = \"d\"\n"
      "[[source]]\nname = \"steady\"\nurl = \"http://steady.example/\"\n"
      "[[source]]\nname = \"flaky\"\nurl = \"http://flaky.example/\"\n"
      "[[source]]\nname = \"never\"\nurl = \"http://never.example/\"\n",
      "aggregate-test.toml");
  if (!config) throw std::runtime_error(config.error().message);
  std::vector<std::string> out;
  const auto now = at("2026-11-23T12:00:00Z");
  for (const auto& [as_of, since] : std::vector<std::pair<std::string, std::string>>{
           {"2026-11-23T12:00:00Z", ""},
           {"2026-11-20T07:13:00Z", "2026-11-02T13:31:00Z"},
           {"2026-11-23T12:00:00Z", "2026-01-02T00:00:00Z"},
           {"2026-10-01T00:00:00Z", ""}}) {
    auto q = parse_verify_query("images", as_of, since, now);
    if (!q) throw std::runtime_error(q.error().message);
    auto r = evaluate_verify(store, *config, *q, now);
    if (!r) throw std::runtime_error(r.error().message);
    out.push_back(*render_report(*r, "json"));
  }
  return out;
}

TEST(VerifyCoverageAggregate, TheReportIsTheOneTheScanRecordsGive) {
  testing::TempDir dir;
  std::vector<std::string> expected;
  {
    testing::StoreFiller fill(dir.path());
    fill.sign("images", at("2026-01-01T00:00:00Z"));
    // steady: every 3 hours for 200 days (1,600 scans: more than the timeline keeps), a tenth
    // failed; flaky: every 7 hours 11 minutes, partial and failed with errors, content checked
    // now and then; gone: scans from a source no longer configured.
    int n = 0;
    for (auto t = at("2026-05-07T01:00:00Z"); t < at("2026-11-23T12:00:00Z"); t += 3h, ++n) {
      fill.scan("steady", t, n % 10 == 0 ? ScanStatus::failed : ScanStatus::ok, 5000 + n,
                n % 10 == 0 ? "SOCKS5: host unreachable" : "");
    }
    for (auto t = at("2026-10-30T05:00:00Z"); t < at("2026-11-23T12:00:00Z"); t += 7h + 11min) {
      ++n;
      const auto status =
          n % 3 == 0 ? ScanStatus::partial : (n % 3 == 1 ? ScanStatus::failed : ScanStatus::ok);
      fill.scan("flaky", t, status, static_cast<std::uint64_t>(n),
                status == ScanStatus::ok ? "" : "timeout after " + std::to_string(n) + " s",
                n % 4 == 0);
    }
    fill.scan("gone", at("2026-11-10T10:00:00Z"), ScanStatus::ok);
    fill.sight("images", "flaky", "http://flaky.example/dump/", Confidence::likely,
               at("2026-11-12T09:00:00Z"), at("2026-11-22T09:00:00Z"));
    expected = reports(fill.store());
  }
  ASSERT_TRUE(store::fixtures::drop_scan_days(dir.path()));
  {
    auto reader = store::Store::open(dir.path(), store::OpenMode::read_only);
    ASSERT_TRUE(reader) << reader.error().message;
    ASSERT_FALSE((*reader)->scan_days_complete());
    const auto slow = reports(**reader);
    ASSERT_EQ(slow.size(), expected.size());
    for (std::size_t i = 0; i < slow.size(); ++i) EXPECT_EQ(slow[i], expected[i]) << "query " << i;
  }
  auto writer = store::Store::open(dir.path(), store::OpenMode::read_write);
  ASSERT_TRUE(writer) << writer.error().message;
  ASSERT_TRUE((*writer)->scan_days_complete());
  const auto rebuilt = reports(**writer);
  ASSERT_EQ(rebuilt.size(), expected.size());
  for (std::size_t i = 0; i < rebuilt.size(); ++i) {
    EXPECT_EQ(rebuilt[i], expected[i]) << "query " << i;
  }
  std::uint64_t truncated = 0;
  std::string rows;
  const auto year = nlohmann::json::parse(expected[2]);
  for (const auto& row : year.at("coverage")) {
    truncated += row.at("timeline_truncated").get<std::uint64_t>();
    rows += row.at("source").dump() + ": " + row.at("scans").dump() + " scans, " +
            std::to_string(row.at("timeline").size()) + " marks; ";
  }
  EXPECT_GT(truncated, 0u) << "the year-long window must cut the timeline: " << rows;
}

}  // namespace
}  // namespace leakwatch::app
