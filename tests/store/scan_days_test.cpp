// The coverage aggregate (store/rocks_scan_days.cpp) on a real RocksDB:
// Store::for_each_scan_summary says exactly what the scan records say (the same scans, fields and
// order, for any window), after a scan is recorded again, after retention removed scans, and after
// a writer built it for a store written before it existed (which readers read the slow way until
// then).
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "store/rocks_fixtures.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::store {
namespace {

using namespace std::chrono_literals;
using leakwatch::testing::TempDir;

// Every field coverage reads, owned.
using Row = std::tuple<std::string, std::string, std::string, std::string, std::string, Timestamp,
                       Timestamp, ScanStatus, std::uint64_t, bool>;

std::vector<Row> from_records(Store& store, const ScanFilter& filter) {
  std::vector<Row> out;
  const auto done = store.for_each_scan(filter, [&](const ScanRecord& r) {
    out.emplace_back(r.scan_id, r.source, r.locator, r.proxy, r.error, r.started, r.ended, r.status,
                     r.entries_seen, r.content_checked);
    return true;
  });
  EXPECT_TRUE(done) << done.error().message;
  return out;
}

std::vector<Row> from_summaries(Store& store, const ScanFilter& filter) {
  std::vector<Row> out;
  const auto done = store.for_each_scan_summary(filter, [&](const ScanSummary& s) {
    out.emplace_back(std::string(s.scan_id), std::string(s.source), std::string(s.locator),
                     std::string(s.proxy), std::string(s.error), s.started, s.ended, s.status,
                     s.entries_seen, s.content_checked);
    return true;
  });
  EXPECT_TRUE(done) << done.error().message;
  return out;
}

const Timestamp kDay0 = from_unix_ms(1'796'083'200'000);  // 2026-12-01T00:00:00Z

// Windows that start and end inside days, on midnight, before and after everything.
std::vector<ScanFilter> windows() {
  std::vector<ScanFilter> out = {{}};
  const std::vector<std::optional<Timestamp>> times = {
      std::nullopt,      kDay0 - 48h, kDay0,       kDay0 + 5h + 59min,  kDay0 + 6h,
      kDay0 + 24h - 1ms, kDay0 + 24h, kDay0 + 49h, kDay0 + 96h + 17min, kDay0 + 30 * 24h};
  for (const auto& since : times) {
    for (const auto& until : times) {
      if (since && until && *since > *until) continue;
      for (const std::optional<std::string>& source :
           {std::optional<std::string>{}, std::optional<std::string>{"beta"}}) {
        out.push_back({source, since, until});
      }
    }
  }
  return out;
}

void expect_agreement(Store& store, const std::string& when) {
  std::size_t nonempty = 0;
  for (const auto& w : windows()) {
    const auto expected = from_records(store, w);
    nonempty += !expected.empty();
    ASSERT_EQ(from_summaries(store, w), expected)
        << when << ": source " << w.source.value_or("*") << " since "
        << (w.since ? format_rfc3339(*w.since) : "-") << " until "
        << (w.until ? format_rfc3339(*w.until) : "-");
  }
  EXPECT_GT(nonempty, 10u) << "the windows must see scans";
}

class ScanDays : public ::testing::Test {
 protected:
  // Three sources over five days: every 6 hours with a few minutes' drift (so scans cross
  // midnight), every status, errors, proxies, changing locators, content checked now and then,
  // two scans of one source starting in the same millisecond, and a scan recorded twice.
  void SetUp() override {
    auto store = open();
    int n = 0;
    for (const std::string source : {"alpha", "beta", "gamma-2"}) {
      for (auto t = kDay0 - 23h; t < kDay0 + 5 * 24h; t += 6h + 7min, ++n) {
        ScanRecord r;
        r.scan_id = "run-" + std::to_string(n);
        r.source = source;
        r.locator = "http://" + source + ".onion/" + (n % 3 == 0 ? "mirror/" : "");
        r.proxy = n % 4 == 0 ? "" : "tor-" + std::to_string(n % 2);
        r.started = t;
        r.ended = t + std::chrono::seconds{n % 50};
        r.status =
            n % 7 == 0 ? ScanStatus::failed : (n % 5 == 0 ? ScanStatus::partial : ScanStatus::ok);
        if (r.status != ScanStatus::ok) r.error = "SOCKS5: host unreachable (" + source + ")";
        r.entries_seen = static_cast<std::uint64_t>(n) * 1000;
        r.content_checked = n % 6 == 0;
        ASSERT_TRUE(store->record_fetch(r, {}));
        if (n % 9 == 0) {  // another scan id in the same millisecond
          r.scan_id = "arun-" + std::to_string(n);
          r.status = ScanStatus::ok;
          r.error.clear();
          ASSERT_TRUE(store->record_fetch(r, {}));
        }
      }
    }
    ScanRecord again;
    again.scan_id = "run-3";
    again.source = "alpha";
    again.locator = "http://alpha.onion/";
    again.started = kDay0 - 23h + 3 * (6h + 7min);
    again.ended = again.started + 1h;
    again.status = ScanStatus::partial;
    again.error = "recorded again";
    ASSERT_TRUE(store->record_fetch(again, {}));
  }

  std::unique_ptr<Store> open(OpenMode mode = OpenMode::read_write) {
    auto store = Store::open(dir_.path(), mode);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(store).value() : nullptr;
  }

  TempDir dir_;
};

TEST_F(ScanDays, SayWhatTheScanRecordsSayForEveryWindow) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->scan_days_complete());
  expect_agreement(*store, "written");
  const auto all = from_summaries(*store, {});
  const auto replaced = std::find_if(all.begin(), all.end(), [](const Row& r) {
    return std::get<0>(r) == "run-3" && std::get<1>(r) == "alpha";
  });
  ASSERT_NE(replaced, all.end());
  EXPECT_EQ(std::get<4>(*replaced), "recorded again") << "a scan recorded again replaces itself";
  EXPECT_TRUE(store->check_consistency()) << store->check_consistency().error().message;
  // A reader beside the writer reads them too.
  auto reader = open(OpenMode::read_only);
  ASSERT_TRUE(reader);
  EXPECT_TRUE(reader->scan_days_complete());
  expect_agreement(*reader, "read-only");
}

TEST_F(ScanDays, StopWhereTheVisitorStops) {
  auto store = open();
  ASSERT_TRUE(store);
  std::size_t seen = 0;
  ASSERT_TRUE(store->for_each_scan_summary({}, [&](const ScanSummary&) { return ++seen < 5; }));
  EXPECT_EQ(seen, 5u);
}

TEST_F(ScanDays, FollowTheRetention) {
  auto store = open();
  ASSERT_TRUE(store);
  const auto now = kDay0 + 5 * 24h;
  auto pruned = store->prune({.scan_age = 50h}, now);
  ASSERT_TRUE(pruned) << pruned.error().message;
  EXPECT_GT(pruned->scans_removed, 20u);
  expect_agreement(*store, "after an age limit");
  const auto beta_before = from_summaries(*store, {.source = "beta"}).size();
  pruned = store->prune({.scans_per_source = 3}, now);
  ASSERT_TRUE(pruned) << pruned.error().message;
  EXPECT_GT(pruned->scans_removed, 0u);
  EXPECT_LT(from_summaries(*store, {.source = "beta"}).size(), beta_before);
  expect_agreement(*store, "after a count limit");
  EXPECT_TRUE(store->check_consistency()) << store->check_consistency().error().message;
}

TEST_F(ScanDays, AreBuiltOnceWhenAWriterOpensAStoreWrittenBeforeThem) {
  const auto expected = [&] {
    auto store = open();
    return from_records(*store, {});
  }();
  ASSERT_TRUE(fixtures::drop_scan_days(dir_.path()));
  {  // A reader of the older store reads the scan records themselves: the same answers.
    auto reader = open(OpenMode::read_only);
    ASSERT_TRUE(reader);
    EXPECT_FALSE(reader->scan_days_complete());
    expect_agreement(*reader, "read the slow way");
  }
  {
    auto writer = open();
    ASSERT_TRUE(writer);
    EXPECT_TRUE(writer->scan_days_complete());
    EXPECT_EQ(from_summaries(*writer, {}), expected);
    expect_agreement(*writer, "built on upgrade");
    EXPECT_TRUE(writer->check_consistency()) << writer->check_consistency().error().message;
    // And kept from then on.
    ScanRecord r;
    r.scan_id = "after-upgrade";
    r.source = "beta";
    r.started = kDay0 + 6 * 24h;
    r.ended = r.started + 1min;
    r.status = ScanStatus::ok;
    ASSERT_TRUE(writer->record_fetch(r, {}));
    expect_agreement(*writer, "recorded after the upgrade");
  }
  auto reader = open(OpenMode::read_only);
  ASSERT_TRUE(reader);
  EXPECT_TRUE(reader->scan_days_complete());
  expect_agreement(*reader, "read after the upgrade");
}

TEST_F(ScanDays, TheConsistencyCheckNoticesADayRecordThatIsNotTheScans) {
  // A damaged record for beta's day kDay0 + 10 days (key: source \0 be64(ms ^ 2^63)).
  const auto ordered = static_cast<std::uint64_t>(to_unix_ms(kDay0 + 240h)) ^ (1ull << 63);
  std::string key = std::string("beta") + '\0';
  for (int shift = 56; shift >= 0; shift -= 8) key += static_cast<char>((ordered >> shift) & 0xff);
  ASSERT_TRUE(fixtures::put_raw_value(dir_.path(), "scan_days", key,
                                      std::string("\x01\x00\x01\x03run", 7)));
  auto store = open();
  ASSERT_TRUE(store);
  const auto checked = store->check_consistency();
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("scan_days"), std::string::npos)
      << checked.error().message;
}

}  // namespace
}  // namespace leakwatch::store
