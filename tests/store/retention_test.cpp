// Store::prune on a real RocksDB in a temporary folder: scan records beyond the age and count
// limits go, the ones sightings and coverage rest on stay, sightings and their indexes are never
// touched, the source state remembers what was pruned, and manifest history is cut by age and
// count while each locator keeps its newest change record and its latest manifest.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::store {
namespace {

using namespace std::chrono_literals;
using leakwatch::testing::TempDir;

std::unique_ptr<Store> open_store(const std::filesystem::path& dir) {
  auto store = Store::open(dir, OpenMode::read_write);
  EXPECT_TRUE(store) << store.error().message;
  return store ? std::move(store).value() : nullptr;
}

ScanRecord scan(const std::string& source, Timestamp started, ScanStatus status = ScanStatus::ok) {
  ScanRecord r;
  r.scan_id = "scan-" + std::to_string(to_unix_ms(started));
  r.source = source;
  r.locator = "https://" + source + ".example/";
  r.started = started;
  r.ended = started + 30s;
  r.status = status;
  return r;
}

Sighting sighting(const std::string& source, Timestamp first_seen) {
  Sighting s;
  s.dataset = "plates";
  s.source = source;
  s.locator = "https://" + source + ".example/dump/plates.csv";
  s.confidence = Confidence::confirmed;
  s.evidence = {{"sha256", "plates.csv", "dump/plates.csv", std::string(64, 'a')}};
  s.files_matched = s.dataset_files = 1;
  s.first_seen = first_seen;
  s.last_seen = first_seen;
  return s;
}

std::vector<Timestamp> scan_starts(Store& store, const std::string& source) {
  std::vector<Timestamp> out;
  ScanFilter filter;
  filter.source = source;
  EXPECT_TRUE(store.for_each_scan(filter, [&](const ScanRecord& r) {
    out.push_back(r.started);
    return true;
  }));
  return out;
}

class Retention : public ::testing::Test {
 protected:
  // Source "a": one scan an hour for 48 hours (the newest an hour ago), the one 40 hours ago
  // found a sighting, and the last 5 failed (so the newest ok scan is 6 hours old). Source "b":
  // 3 recent scans.
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_TRUE(store_);
    for (int h = 48; h >= 1; --h) {
      const auto started = now_ - std::chrono::hours{h};
      auto r = scan("a", started, h <= 5 ? ScanStatus::failed : ScanStatus::ok);
      std::vector<Sighting> seen;
      if (h == 40) {
        seen.push_back(sighting("a", started + 10s));
        found_at_ = started;
      }
      ASSERT_TRUE(store_->record_fetch(r, seen));
    }
    for (int m = 3; m >= 1; --m) {
      ASSERT_TRUE(store_->record_fetch(scan("b", now_ - std::chrono::minutes{m}), {}));
    }
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  Timestamp now_ = leakwatch::now();
  Timestamp found_at_{};
};

TEST_F(Retention, AgeLimitRemovesOldScansButKeepsTheSightingsFirstScanAndRemembersWhat) {
  const auto done = store_->prune({.scan_age = 24h}, now_);
  ASSERT_TRUE(done) << done.error().message;
  // 48 scans of "a": 24 are older than 24h (hours 48..25); the one that found the sighting stays.
  EXPECT_EQ(done->scans_removed, 23u);
  EXPECT_EQ(done->scans_kept_for_evidence, 1u);
  const auto starts = scan_starts(*store_, "a");
  ASSERT_EQ(starts.size(), 25u);
  EXPECT_EQ(starts.front(), found_at_) << "the scan in which the sighting was first seen";
  EXPECT_EQ(starts[1], now_ - 24h);
  EXPECT_EQ(scan_starts(*store_, "b").size(), 3u);
  // The sighting, its indexes and its outbox entry are untouched.
  const auto s = store_->get_sighting("plates", "https://a.example/dump/plates.csv");
  ASSERT_TRUE(s && *s);
  EXPECT_EQ((*s)->first_seen, found_at_ + 10s);
  EXPECT_TRUE(store_->check_consistency()) << store_->check_consistency().error().message;
  std::size_t outbox = 0;
  ASSERT_TRUE(store_->for_each_outbox_entry([&](const OutboxEntry&) { return ++outbox, true; }));
  EXPECT_EQ(outbox, 1u);
  // The state says up to when scans were removed (the newest removed started 25 hours ago);
  // the rest of the state is as the scans left it.
  const auto state = store_->get_source_state("a");
  ASSERT_TRUE(state && *state);
  ASSERT_TRUE((*state)->scans_pruned_through);
  EXPECT_EQ(*(*state)->scans_pruned_through, now_ - 25h);
  EXPECT_EQ((*state)->consecutive_failures, 5u);
  EXPECT_EQ((*store_->get_source_state("b"))->scans_pruned_through, std::nullopt);
  // The short way verify asks it gives the same.
  EXPECT_EQ(*store_->scans_pruned_through("a"), now_ - 25h);
  EXPECT_EQ(*store_->scans_pruned_through("b"), std::nullopt);
  EXPECT_EQ(*store_->scans_pruned_through("no-such-source"), std::nullopt);
  // Again: nothing more to remove.
  const auto again = store_->prune({.scan_age = 24h}, now_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->scans_removed, 0u);
}

TEST_F(Retention, CountLimitKeepsTheNewestPerSourceAndTheNewestOkScan) {
  const auto done = store_->prune({.scans_per_source = 2}, now_);
  ASSERT_TRUE(done) << done.error().message;
  // "a" keeps its 2 newest (failed), the newest ok (6 hours ago) and the sighting's scan.
  const auto starts = scan_starts(*store_, "a");
  ASSERT_EQ(starts.size(), 4u);
  EXPECT_EQ(starts[0], found_at_);
  EXPECT_EQ(starts[1], now_ - 6h);
  EXPECT_EQ(starts[2], now_ - 2h);
  EXPECT_EQ(starts[3], now_ - 1h);
  EXPECT_EQ(done->scans_removed, 44u + 1u);  // a: 48 - 4; b: 3 - 2
  EXPECT_EQ(scan_starts(*store_, "b").size(), 2u);
  EXPECT_EQ(*(*store_->get_source_state("b"))->scans_pruned_through, now_ - 3min);
  // The newest removed scan of "a" is the failed one 3 hours ago (5h..3h went, 6h stayed).
  EXPECT_EQ(*(*store_->get_source_state("a"))->scans_pruned_through, now_ - 3h);
  EXPECT_TRUE(store_->check_consistency());
}

TEST_F(Retention, ScansRecordedAfterAPruneAreKeptAndThePruneMarkOnlyMovesForward) {
  ASSERT_TRUE(store_->prune({.scans_per_source = 2}, now_));
  ASSERT_TRUE(store_->record_fetch(scan("b", now_), {}));
  EXPECT_EQ(scan_starts(*store_, "b").size(), 3u);
  const auto state = store_->get_source_state("b");
  ASSERT_TRUE(state && *state);
  EXPECT_EQ((*state)->scans_pruned_through, now_ - 3min) << "recording keeps the mark";
  EXPECT_EQ((*state)->last_attempt, now_);
  ASSERT_TRUE(store_->prune({.scan_age = 1h}, now_));  // nothing of "b" is older than 1h
  EXPECT_EQ(*(*store_->get_source_state("b"))->scans_pruned_through, now_ - 3min);
}

TEST_F(Retention, EverySourceOfASightingKeepsItsFirstScanAndTheHistoryAndMembersStay) {
  // Source "c" sees the locator "a" found (weaker evidence, so "a" stays its source) 30 hours ago,
  // once an hour since; "a" saw it 40 hours ago. Both matched file 0 of the dataset.
  Timestamp c_found{};
  for (int h = 30; h >= 1; --h) {
    const auto started = now_ - std::chrono::hours{h};
    std::vector<Sighting> seen;
    if (h == 30) {
      auto s = sighting("c", started + 5s);
      s.locator = "https://a.example/dump/plates.csv";
      s.confidence = Confidence::likely;
      s.evidence = {{"name+size", "plates.csv", "dump/plates.csv", "1000"}};
      s.matched_files = {0};
      seen.push_back(s);
      c_found = started;
    }
    ASSERT_TRUE(store_->record_fetch(scan("c", started), seen));
  }
  const auto before = store_->get_sighting("plates", "https://a.example/dump/plates.csv");
  ASSERT_TRUE(before && *before);
  ASSERT_EQ((*before)->sources.size(), 2u);
  ASSERT_EQ((*before)->source, "a");
  std::size_t groups_before = 0;
  ASSERT_TRUE(store_->for_each_member_group(
      "plates", [&](const MemberGroup&) { return ++groups_before, true; }));
  ASSERT_GT(groups_before, 0u);

  const auto done = store_->prune({.scan_age = 24h}, now_);
  ASSERT_TRUE(done) << done.error().message;
  const auto c_starts = scan_starts(*store_, "c");
  ASSERT_EQ(c_starts.size(), 24u + 1u) << "hours 24..1 and the scan that first saw it";
  EXPECT_EQ(c_starts.front(), c_found);
  EXPECT_EQ(scan_starts(*store_, "a").front(), found_at_);
  // The sighting keeps both sources, its history and its member groups.
  const auto after = store_->get_sighting("plates", "https://a.example/dump/plates.csv");
  ASSERT_TRUE(after && *after);
  EXPECT_EQ((*after)->sources, (*before)->sources);
  EXPECT_EQ((*after)->history, (*before)->history);
  std::size_t groups_after = 0;
  ASSERT_TRUE(store_->for_each_member_group(
      "plates", [&](const MemberGroup&) { return ++groups_after, true; }));
  EXPECT_EQ(groups_after, groups_before);
  EXPECT_TRUE(store_->check_consistency()) << store_->check_consistency().error().message;
}

TEST(RetentionHistory, ManifestHistoryIsCutByAgeAndCountButEachLocatorKeepsItsNewest) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  const auto t0 = leakwatch::now();
  for (const std::string locator : {"https://a.example/", "https://b.example/"}) {
    for (int d = 10; d >= 0; --d) {
      if (locator == "https://b.example/" && d < 8) break;  // b: last fetched 8 days ago
      Fetch f;
      f.scan = scan(locator == "https://a.example/" ? "a" : "b", t0 - std::chrono::days{d});
      Manifest m;
      m.source = f.scan.source;
      m.locator = locator;
      m.fetched_at = f.scan.started;
      m.entries.push_back(FileEntry{.path = "file-" + std::to_string(d) + ".bin", .size = 10});
      f.manifest = m;
      ASSERT_TRUE(store->record_fetch(f));
    }
  }
  ASSERT_EQ(store->manifest_history("https://a.example/")->size(), 11u);
  const auto done = store->prune({.manifest_history_age = std::chrono::days{5}}, t0);
  ASSERT_TRUE(done) << done.error().message;
  // a: days 10..6 go (5 records); b: days 10, 9 go, day 8 (its newest) stays.
  EXPECT_EQ(done->manifest_changes_removed, 7u);
  EXPECT_EQ(done->scans_removed, 0u) << "scans are not limited here";
  EXPECT_EQ(store->manifest_history("https://a.example/")->size(), 6u);
  const auto b = store->manifest_history("https://b.example/");
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ(b->front().fetched_at, t0 - std::chrono::days{8});
  const auto latest = store->latest_manifest("https://b.example/");
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->entries.at(0).path, "file-8.bin");
  // A count lowered after the fact applies to every locator.
  ASSERT_TRUE(store->prune({.manifest_history = 2}, t0));
  EXPECT_EQ(store->manifest_history("https://a.example/")->size(), 2u);
}

TEST(RetentionHistory, AReadOnlyStoreRefusesToPrune) {
  TempDir dir;
  { ASSERT_TRUE(open_store(dir.path())); }
  auto reader = Store::open(dir.path(), OpenMode::read_only);
  ASSERT_TRUE(reader) << reader.error().message;
  const auto done = (*reader)->prune({.scans_per_source = 1}, leakwatch::now());
  ASSERT_FALSE(done);
  EXPECT_NE(done.error().message.find("prune"), std::string::npos) << done.error().message;
}

}  // namespace
}  // namespace leakwatch::store
