// Coverage per source over a window, from scan records in a real RocksDB.
#include "store/coverage.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace leakwatch::store {
namespace {

ScanRecord scan(const std::string& source, const std::string& at, ScanStatus status,
                std::uint64_t entries, const std::string& error = "") {
  ScanRecord r;
  r.scan_id = source + at;
  r.source = source;
  r.locator = "http://" + source + ".example/";
  r.started = *parse_rfc3339(at);
  r.ended = r.started + std::chrono::seconds(5);
  r.status = status;
  r.entries_seen = entries;
  r.error = error;
  return r;
}

TEST(Coverage, SummarisesEachSourceWithinTheWindow) {
  testing::TempDir dir;
  auto store = Store::open(dir.path(), OpenMode::read_write);
  ASSERT_TRUE(store.ok()) << store.error().message;
  for (const auto& r : {scan("a", "2026-01-01T00:00:00Z", ScanStatus::ok, 10),
                        scan("a", "2026-02-01T00:00:00Z", ScanStatus::ok, 12),
                        scan("a", "2026-03-01T00:00:00Z", ScanStatus::failed, 0, "timed out"),
                        scan("b", "2026-02-15T00:00:00Z", ScanStatus::partial, 5, "max_pages"),
                        scan("c", "2025-06-01T00:00:00Z", ScanStatus::ok, 99)}) {
    ASSERT_TRUE((*store)->record_fetch(r, {}).ok());
  }
  auto rows = coverage(**store, parse_rfc3339("2026-01-15"), parse_rfc3339("2026-12-31"));
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u) << "source c has no scan in the window";
  const auto& a = (*rows)[0];
  EXPECT_EQ(a.source, "a");
  EXPECT_EQ(a.scans, 2u);
  EXPECT_EQ(a.ok, 1u);
  EXPECT_EQ(a.failed, 1u);
  EXPECT_EQ(a.last_success, parse_rfc3339("2026-02-01"));
  EXPECT_EQ(a.entries_last_success, 12u);
  EXPECT_EQ(a.last_scan, parse_rfc3339("2026-03-01"));
  EXPECT_EQ(a.last_error, "timed out");
  const auto& b = (*rows)[1];
  EXPECT_EQ(b.partial, 1u);
  EXPECT_FALSE(b.last_success.has_value()) << "a partial scan is not a success";
  EXPECT_EQ(b.last_error, "max_pages");
}

TEST(Coverage, AWindowSeesExactlyTheScansInsideItForSourcesSharingAPrefix) {
  testing::TempDir dir;
  auto store = Store::open(dir.path(), OpenMode::read_write);
  ASSERT_TRUE(store.ok()) << store.error().message;
  // for_each_scan jumps to `since` within a source and past `until` to the next source: names
  // that extend one another ("src", "src-b", "srcz") must neither lose nor repeat scans.
  for (const auto* source : {"src", "src-b", "srcz"}) {
    for (int day = 1; day <= 9; ++day) {
      const auto at = "2026-03-0" + std::to_string(day) + "T00:00:00Z";
      ASSERT_TRUE((*store)->record_fetch(scan(source, at, ScanStatus::ok, day), {}).ok());
    }
  }
  ScanFilter window;
  window.since = parse_rfc3339("2026-03-03T00:00:00Z");
  window.until = parse_rfc3339("2026-03-05T00:00:00Z");
  std::vector<std::string> seen;
  ASSERT_TRUE((*store)
                  ->for_each_scan(window,
                                  [&](const ScanRecord& r) {
                                    seen.push_back(r.source + "@" + std::to_string(r.entries_seen));
                                    return true;
                                  })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"src@3", "src@4", "src@5", "src-b@3", "src-b@4",
                                            "src-b@5", "srcz@3", "srcz@4", "srcz@5"}));
  window.source = "src";
  seen.clear();
  ASSERT_TRUE((*store)
                  ->for_each_scan(window,
                                  [&](const ScanRecord& r) {
                                    seen.push_back(r.source + "@" + std::to_string(r.entries_seen));
                                    return true;
                                  })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"src@3", "src@4", "src@5"}));
}

}  // namespace
}  // namespace leakwatch::store
