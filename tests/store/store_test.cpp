// The store on a real RocksDB in a temporary folder: round trips, merge rules, filters, indexes,
// outbox, source state, manifests, locking.
#include "store/store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "store/rocks_fixtures.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_time.h"

namespace leakwatch::store {
namespace {

using leakwatch::testing::TempDir;
using leakwatch::testing::write_file;

using testing::at;

std::unique_ptr<Store> open_store(const std::filesystem::path& dir,
                                  OpenMode mode = OpenMode::read_write) {
  auto store = Store::open(dir, mode);
  EXPECT_TRUE(store) << store.error().message;
  return store ? std::move(store).value() : nullptr;
}

Signature signature(const std::string& dataset) {
  Signature s;
  s.dataset = dataset;
  s.description = "files of " + dataset;
  s.created = at("2026-01-02T03:04:05Z");
  SignatureFile f;
  f.path = "a/b.csv";
  f.size = 1234;
  f.digests = {*Digest::from_hex(DigestKind::sha256, std::string(64, '7'))};
  f.head_pieces = {HeadPiece{16384, {}}};
  s.files = {f};
  s.honeytoken_hashes = {*Digest::from_hex(DigestKind::sha256, std::string(64, 'e'))};
  return s;
}

Sighting sighting(const std::string& dataset, const std::string& source, const std::string& locator,
                  Confidence confidence, std::string_view first, std::string_view last) {
  Sighting s;
  s.dataset = dataset;
  s.source = source;
  s.locator = locator;
  s.confidence = confidence;
  s.evidence = {{"name+size", "a/b.csv", "dump/b.csv", "1234"}};
  s.files_matched = 1;
  s.dataset_files = 1;
  s.bytes_matched = 1234;
  s.first_seen = at(first);
  s.last_seen = at(last);
  return s;
}

ScanRecord scan(const std::string& source, std::string_view started, const std::string& id) {
  ScanRecord r;
  r.scan_id = id;
  r.source = source;
  r.locator = "https://" + source + ".example/";
  r.started = at(started);
  r.ended = r.started + std::chrono::minutes{2};
  r.status = ScanStatus::ok;
  r.entries_seen = 10;
  return r;
}

std::vector<Sighting> all_sightings(Store& store, const SightingFilter& filter = {}) {
  std::vector<Sighting> out;
  const auto r = store.for_each_sighting(filter, [&](const Sighting& s) {
    out.push_back(s);
    return true;
  });
  EXPECT_TRUE(r) << r.error().message;
  return out;
}

std::vector<std::string> scan_ids(Store& store, const ScanFilter& filter = {}) {
  std::vector<std::string> out;
  const auto r = store.for_each_scan(filter, [&](const ScanRecord& s) {
    out.push_back(s.scan_id);
    return true;
  });
  EXPECT_TRUE(r) << r.error().message;
  return out;
}

TEST(Store, SignaturesRoundTripThroughPutGetListAndRemove) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_signature(signature("hr")));
  ASSERT_TRUE(store->put_signature(signature("finance")));

  const auto hr = store->get_signature("hr");
  ASSERT_TRUE(hr) << hr.error().message;
  ASSERT_TRUE(*hr);
  EXPECT_EQ(**hr, signature("hr"));
  const auto missing = store->get_signature("nope");
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_FALSE(*missing);

  const auto list = store->list_signatures();
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].dataset, "finance");  // key order
  EXPECT_EQ((*list)[1].dataset, "hr");

  // Putting again replaces.
  auto changed = signature("hr");
  changed.description = "updated";
  ASSERT_TRUE(store->put_signature(changed));
  EXPECT_EQ((*store->get_signature("hr"))->description, "updated");

  const auto removed = store->remove_signature("hr");
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_TRUE(*removed);
  const auto removed_again = store->remove_signature("hr");
  ASSERT_TRUE(removed_again);
  EXPECT_FALSE(*removed_again);
  EXPECT_FALSE(*store->get_signature("hr"));
  EXPECT_EQ(store->list_signatures()->size(), 1u);
}

TEST(Store, DataSurvivesClosingAndReopening) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->put_signature(signature("hr")));
    ASSERT_TRUE(store->record_fetch(scan("mirror", "2026-11-01T00:00:00Z", "s1"),
                                    {sighting("hr", "mirror", "https://m/", Confidence::likely,
                                              "2026-11-01T00:01:00Z", "2026-11-01T00:01:00Z")}));
  }
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  EXPECT_EQ((*store->get_signature("hr"))->files.size(), 1u);
  EXPECT_EQ(all_sightings(*store).size(), 1u);
  EXPECT_EQ(scan_ids(*store), std::vector<std::string>{"s1"});
}

TEST(Store, RecordingTheSameDatasetAndLocatorTwiceKeepsOneMergedSighting) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  const std::string locator = "https://m.example/leak/";
  auto first = store->record_fetch(scan("m", "2026-11-10T00:00:00Z", "s1"),
                                   {sighting("hr", "m", locator, Confidence::confirmed,
                                             "2026-11-10T00:05:00Z", "2026-11-10T00:05:00Z")});
  ASSERT_TRUE(first) << first.error().message;
  // Seen again later, with weaker evidence (e.g. the content check was skipped this time).
  auto weaker = sighting("hr", "m", locator, Confidence::possible, "2026-11-12T00:05:00Z",
                         "2026-11-12T00:05:00Z");
  weaker.evidence = {{"name", "a/b.csv", "dump/b.csv", "size unknown"}};
  const auto second = store->record_fetch(scan("m", "2026-11-12T00:00:00Z", "s2"), {weaker});
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_EQ(second->size(), 1u);

  const auto stored = all_sightings(*store);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0], (*second)[0]);                      // record_fetch returns what it stored
  EXPECT_EQ(stored[0].confidence, Confidence::confirmed);  // never drops
  EXPECT_EQ(stored[0].first_seen, at("2026-11-10T00:05:00Z"));  // never later
  EXPECT_EQ(stored[0].last_seen, at("2026-11-12T00:05:00Z"));   // moves on
  EXPECT_EQ(stored[0].evidence[0].kind, "name+size");           // the confirming evidence is kept

  // A late report of an older observation moves neither end inwards.
  const auto third =
      store->record_fetch(scan("m", "2026-11-13T00:00:00Z", "s3"),
                          {sighting("hr", "m", locator, Confidence::confirmed,
                                    "2026-11-09T00:00:00Z", "2026-11-11T00:00:00Z")});
  ASSERT_TRUE(third) << third.error().message;
  const auto after = all_sightings(*store);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].first_seen, at("2026-11-09T00:00:00Z"));
  EXPECT_EQ(after[0].last_seen, at("2026-11-12T00:05:00Z"));
  EXPECT_EQ(scan_ids(*store), (std::vector<std::string>{"s1", "s2", "s3"}));
}

TEST(Store, StrongerEvidenceReplacesWeakerOnMerge) {
  const auto weak = sighting("hr", "m", "l", Confidence::possible, "2026-11-01T00:00:00Z",
                             "2026-11-01T00:00:00Z");
  auto strong = sighting("hr", "m", "l", Confidence::confirmed, "2026-11-02T00:00:00Z",
                         "2026-11-02T00:00:00Z");
  strong.evidence = {{"sha256", "a/b.csv", "x", std::string(64, '7')}};
  strong.files_matched = 5;
  const auto merged = merge_sighting(weak, strong);
  EXPECT_EQ(merged.confidence, Confidence::confirmed);
  EXPECT_EQ(merged.evidence, strong.evidence);
  EXPECT_EQ(merged.files_matched, 5u);
  EXPECT_EQ(merged.first_seen, weak.first_seen);
  EXPECT_EQ(merged.last_seen, strong.last_seen);
}

TEST(Store, DifferentLocatorsOrDatasetsAreSeparateSightings) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->record_fetch(scan("m", "2026-11-10T00:00:00Z", "s1"),
                                  {sighting("hr", "m", "https://m/a/", Confidence::likely,
                                            "2026-11-10T00:00:00Z", "2026-11-10T00:00:00Z"),
                                   sighting("hr", "m", "https://m/b/", Confidence::likely,
                                            "2026-11-10T00:00:00Z", "2026-11-10T00:00:00Z"),
                                   sighting("finance", "m", "https://m/a/", Confidence::likely,
                                            "2026-11-10T00:00:00Z", "2026-11-10T00:00:00Z")}));
  EXPECT_EQ(all_sightings(*store).size(), 3u);
}

class SightingFilters : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_TRUE(store_);
    // hr seen by two sources, finance by one, over November 2026.
    ASSERT_TRUE(
        store_->record_fetch(scan("alpha", "2026-11-01T00:00:00Z", "s1"),
                             {sighting("hr", "alpha", "https://alpha/1", Confidence::possible,
                                       "2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z"),
                              sighting("finance", "alpha", "https://alpha/2", Confidence::confirmed,
                                       "2026-11-05T00:00:00Z", "2026-11-20T00:00:00Z")}));
    ASSERT_TRUE(
        store_->record_fetch(scan("beta", "2026-11-02T00:00:00Z", "s2"),
                             {sighting("hr", "beta", "https://beta/1", Confidence::likely,
                                       "2026-11-10T00:00:00Z", "2026-11-15T00:00:00Z"),
                              sighting("hr", "beta", "https://beta/2", Confidence::confirmed,
                                       "2026-11-25T00:00:00Z", "2026-11-28T00:00:00Z")}));
  }

  std::vector<std::string> locators(const SightingFilter& filter) {
    std::vector<std::string> out;
    for (const auto& s : all_sightings(*store_, filter)) out.push_back(s.locator);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SightingFilters, ListsEverythingNewestLastSeenFirst) {
  EXPECT_EQ(locators({}), (std::vector<std::string>{"https://beta/2", "https://alpha/2",
                                                    "https://beta/1", "https://alpha/1"}));
}

TEST_F(SightingFilters, FiltersByDataset) {
  SightingFilter f;
  f.dataset = "hr";
  EXPECT_EQ(locators(f),
            (std::vector<std::string>{"https://beta/2", "https://beta/1", "https://alpha/1"}));
  f.dataset = "h";  // a prefix of a dataset name is not that dataset
  EXPECT_TRUE(locators(f).empty());
}

TEST_F(SightingFilters, FiltersBySource) {
  SightingFilter f;
  f.source = "alpha";
  EXPECT_EQ(locators(f), (std::vector<std::string>{"https://alpha/2", "https://alpha/1"}));
  f.dataset = "finance";
  EXPECT_EQ(locators(f), (std::vector<std::string>{"https://alpha/2"}));
}

TEST_F(SightingFilters, FiltersByTimeWindow) {
  SightingFilter f;
  f.since = at("2026-11-15T00:00:00Z");  // last_seen >= since, inclusive
  EXPECT_EQ(locators(f),
            (std::vector<std::string>{"https://beta/2", "https://alpha/2", "https://beta/1"}));
  f.until = at("2026-11-10T00:00:00Z");  // first_seen <= until, inclusive
  EXPECT_EQ(locators(f), (std::vector<std::string>{"https://alpha/2", "https://beta/1"}));
  f.since.reset();
  f.until = at("2026-11-01T00:00:00Z");
  EXPECT_EQ(locators(f), (std::vector<std::string>{"https://alpha/1"}));
}

TEST_F(SightingFilters, FiltersByMinimumConfidence) {
  SightingFilter f;
  f.min_confidence = Confidence::likely;
  EXPECT_EQ(locators(f),
            (std::vector<std::string>{"https://beta/2", "https://alpha/2", "https://beta/1"}));
  f.min_confidence = Confidence::confirmed;
  EXPECT_EQ(locators(f), (std::vector<std::string>{"https://beta/2", "https://alpha/2"}));
}

TEST_F(SightingFilters, StopsWhenTheVisitorSaysSo) {
  int visited = 0;
  ASSERT_TRUE(store_->for_each_sighting({}, [&](const Sighting&) { return ++visited < 2; }));
  EXPECT_EQ(visited, 2);
}

TEST(Store, ScansAreFilteredBySourceAndStartTime) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  for (const auto& r :
       {scan("alpha", "2026-11-01T00:00:00Z", "a1"), scan("alpha", "2026-11-03T00:00:00Z", "a2"),
        scan("alphabet", "2026-11-02T00:00:00Z", "ab1"),
        scan("beta", "2026-11-02T00:00:00Z", "b1")}) {
    ASSERT_TRUE(store->record_fetch(r, {}));
  }
  EXPECT_EQ(scan_ids(*store).size(), 4u);

  ScanFilter by_source;
  by_source.source = "alpha";  // not "alphabet"
  EXPECT_EQ(scan_ids(*store, by_source), (std::vector<std::string>{"a1", "a2"}));

  ScanFilter window;
  window.since = at("2026-11-02T00:00:00Z");
  window.until = at("2026-11-02T00:00:00Z");
  auto ids = scan_ids(*store, window);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"ab1", "b1"}));

  std::vector<ScanRecord> records;
  ASSERT_TRUE(store->for_each_scan(by_source, [&](const ScanRecord& r) {
    records.push_back(r);
    return true;
  }));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0], scan("alpha", "2026-11-01T00:00:00Z", "a1"));
}

TEST(Store, ASecondWriterIsToldTheDatabaseIsInUse) {
  TempDir dir;
  auto first = open_store(dir.path());
  ASSERT_TRUE(first);
  const auto second = Store::open(dir.path(), OpenMode::read_write);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
  EXPECT_NE(second.error().message.find(dir.path().string()), std::string::npos);
}

TEST(Store, AReaderCanOpenWhileAWriterHoldsTheDatabase) {
  TempDir dir;
  auto writer = open_store(dir.path());
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->put_signature(signature("hr")));
  ASSERT_TRUE(writer->record_fetch(scan("m", "2026-11-10T00:00:00Z", "s1"),
                                   {sighting("hr", "m", "https://m/", Confidence::likely,
                                             "2026-11-10T00:00:00Z", "2026-11-10T00:00:00Z")}));

  auto reader = open_store(dir.path(), OpenMode::read_only);
  ASSERT_TRUE(reader);
  const auto sig = reader->get_signature("hr");
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_TRUE(*sig);
  EXPECT_EQ(all_sightings(*reader).size(), 1u);
  EXPECT_EQ(scan_ids(*reader), std::vector<std::string>{"s1"});

  const auto refused = reader->put_signature(signature("other"));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("read-only"), std::string::npos);
  EXPECT_FALSE(reader->record_fetch(scan("m", "2026-11-11T00:00:00Z", "s2"), {}));
  EXPECT_FALSE(reader->remove_signature("hr"));
}

TEST(Store, TheDataFolderAndDatabaseFolderArePrivate) {
  TempDir dir;
  const auto data = dir / "data";
  std::filesystem::create_directories(data);
  ::chmod(data.c_str(), 0755);  // an existing folder others may enter is narrowed
  ASSERT_TRUE(open_store(data));
  for (const auto& folder : {data, data / "db"}) {
    struct stat st {};
    ASSERT_EQ(::stat(folder.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u) << folder;
  }
}

TEST(Store, AReadersScratchFolderIsNeverAPredictableName) {
  // A reader's scratch folder was $TMPDIR/leakwatch-reader-<pid>-<n>: another user could create
  // it first as a link to a folder of theirs, and RocksDB wrote its log there.
  TempDir dir;
  ASSERT_TRUE(open_store(dir / "data"));
  const auto tmp = dir / "tmp";
  const auto trap = dir / "trap";
  std::filesystem::create_directories(tmp);
  std::filesystem::create_directories(trap);
  for (int n = 0; n < 50; ++n) {
    std::filesystem::create_directory_symlink(
        trap, tmp / ("leakwatch-reader-" + std::to_string(::getpid()) + "-" + std::to_string(n)));
  }
  const char* old_tmpdir = std::getenv("TMPDIR");
  const std::string saved = old_tmpdir ? old_tmpdir : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  {
    auto reader = open_store(dir / "data", OpenMode::read_only);
    if (saved.empty()) {
      ::unsetenv("TMPDIR");
    } else {
      ::setenv("TMPDIR", saved.c_str(), 1);
    }
    ASSERT_TRUE(reader);
    EXPECT_TRUE(std::filesystem::is_empty(trap)) << "a reader wrote into a folder it did not make";
  }
  std::size_t left = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp)) left += !e.is_symlink();
  EXPECT_EQ(left, 0u) << "the reader's scratch folder is removed when it closes";
}

TEST(Store, ADataDirThatIsAFileIsAClearError) {
  TempDir dir;
  write_file(dir / "data", "not a folder");
  for (const auto mode : {OpenMode::read_write, OpenMode::read_only}) {
    const auto store = Store::open(dir / "data", mode);
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().message.find((dir / "data").string()), std::string::npos);
    EXPECT_NE(store.error().message.find("not a folder"), std::string::npos)
        << store.error().message;
  }
}

TEST(Store, ReadOnlyOpenOfAnEmptyFolderFailsWithoutCreatingADatabase) {
  TempDir dir;
  const auto store = Store::open(dir.path(), OpenMode::read_only);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find(dir.path().string()), std::string::npos);
  EXPECT_NE(store.error().message.find("no leakwatch database"), std::string::npos)
      << store.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir / "db"));
}

TEST(Store, TwoSightingsOfOneDatasetAndLocatorInOneFetchMergeWithEachOther) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->record_fetch(scan("m", "2026-11-01T00:00:00Z", "s0"),
                                  {sighting("hr", "m", "https://m/", Confidence::possible,
                                            "2026-11-05T00:00:00Z", "2026-11-05T00:00:00Z")}));
  // The same listing reached twice in one crawl: a strong match, then a weak one seen earlier.
  auto strong = sighting("hr", "m", "https://m/", Confidence::confirmed, "2026-11-10T00:00:00Z",
                         "2026-11-10T00:00:00Z");
  strong.evidence = {{"sha256", "a/b.csv", "dump/b.csv", std::string(64, '7')}};
  const auto weak = sighting("hr", "m", "https://m/", Confidence::possible, "2026-11-03T00:00:00Z",
                             "2026-11-08T00:00:00Z");
  const auto stored = store->record_fetch(scan("m", "2026-11-10T00:00:00Z", "s1"), {strong, weak});
  ASSERT_TRUE(stored) << stored.error().message;
  ASSERT_EQ(stored->size(), 1u);
  const auto all = all_sightings(*store);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], (*stored)[0]);
  EXPECT_EQ(all[0].confidence, Confidence::confirmed);
  EXPECT_EQ(all[0].evidence, strong.evidence);
  EXPECT_EQ(all[0].first_seen, at("2026-11-03T00:00:00Z"));
  EXPECT_EQ(all[0].last_seen, at("2026-11-10T00:00:00Z"));
  EXPECT_TRUE(store->check_consistency());
}

TEST(Store, MovingLastSeenLeavesNoStaleIndexEntries) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  for (const auto* day : {"2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"}) {
    ASSERT_TRUE(store->record_fetch(
        scan("m", day, day), {sighting("hr", "m", "https://m/", Confidence::likely, day, day)}));
  }
  const auto checked = store->check_consistency();
  EXPECT_TRUE(checked) << checked.error().message;
  SightingFilter f;
  f.source = "m";
  EXPECT_EQ(all_sightings(*store, f).size(), 1u);
  f.dataset = "hr";
  ASSERT_EQ(all_sightings(*store, f).size(), 1u);
  EXPECT_EQ(all_sightings(*store, f)[0].last_seen, at("2026-11-03T00:00:00Z"));
  // `until` bounds first_seen, which stayed at 11-01; `since` past the newest finds nothing.
  f.until = at("2026-11-01T12:00:00Z");
  EXPECT_EQ(all_sightings(*store, f).size(), 1u);
  f.until.reset();
  f.since = at("2026-11-03T00:00:01Z");
  EXPECT_TRUE(all_sightings(*store, f).empty());
  const auto got = store->get_sighting("hr", "https://m/");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->first_seen, at("2026-11-01T00:00:00Z"));
}

TEST(Store, NewAndUpgradedSightingsQueueOneOutboxEntryEach) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  const auto fetch = [&](Confidence c, const char* when) {
    const auto r = store->record_fetch(scan("m", when, when),
                                       {sighting("hr", "m", "https://m/", c, when, when)});
    ASSERT_TRUE(r) << r.error().message;
  };
  fetch(Confidence::possible, "2026-11-01T00:00:00Z");
  fetch(Confidence::possible, "2026-11-02T00:00:00Z");   // nothing new
  fetch(Confidence::confirmed, "2026-11-03T00:00:00Z");  // upgraded
  fetch(Confidence::likely, "2026-11-04T00:00:00Z");     // weaker: nothing
  std::vector<OutboxEntry> entries;
  ASSERT_TRUE(store->for_each_outbox_entry([&](const OutboxEntry& e) {
    entries.push_back(e);
    return true;
  }));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].reason, "new");
  EXPECT_EQ(entries[0].sighting.confidence, Confidence::possible);
  EXPECT_EQ(entries[1].reason, "upgraded");
  EXPECT_EQ(entries[1].sighting.confidence, Confidence::confirmed);
  EXPECT_LT(entries[0].id, entries[1].id);

  ASSERT_TRUE(store->remove_outbox_entry(entries[0].id));
  store.reset();
  store = open_store(dir.path());  // ids keep increasing across reopening
  ASSERT_TRUE(store);
  fetch(Confidence::likely, "2026-11-05T00:00:00Z");
  ASSERT_TRUE(store->record_fetch(scan("m", "2026-11-05T00:00:00Z", "x"),
                                  {sighting("finance", "m", "https://m/", Confidence::likely,
                                            "2026-11-05T00:00:00Z", "2026-11-05T00:00:00Z")}));
  std::vector<std::uint64_t> ids;
  ASSERT_TRUE(store->for_each_outbox_entry([&](const OutboxEntry& e) {
    ids.push_back(e.id);
    return true;
  }));
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], entries[1].id);
  EXPECT_GT(ids[1], entries[1].id);
}

TEST(Store, SourceStateTracksValidatorsSuccessesAndFailures) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  Fetch ok{.scan = scan("m", "2026-11-01T00:00:00Z", "s1")};
  ok.etag = "\"abc\"";
  ok.last_modified = "Sun, 01 Nov 2026 00:00:00 GMT";
  ASSERT_TRUE(store->record_fetch(ok));
  auto failed = scan("m", "2026-11-02T00:00:00Z", "s2");
  failed.status = ScanStatus::failed;
  failed.error = "timeout";
  ASSERT_TRUE(store->record_fetch(failed, {}));
  ASSERT_TRUE(store->record_fetch(Fetch{.scan = failed}));

  const auto state = store->get_source_state("m");
  ASSERT_TRUE(state && *state) << (state ? "absent" : state.error().message);
  EXPECT_EQ((*state)->etag, "\"abc\"");  // kept when a later fetch does not say
  EXPECT_EQ((*state)->last_modified, "Sun, 01 Nov 2026 00:00:00 GMT");
  EXPECT_EQ((*state)->last_success, at("2026-11-01T00:00:00Z"));
  EXPECT_EQ((*state)->last_attempt, at("2026-11-02T00:00:00Z"));
  EXPECT_EQ((*state)->consecutive_failures, 2u);
  ASSERT_EQ((*state)->history.size(), 3u);
  EXPECT_EQ((*state)->history[0].status, ScanStatus::ok);
  EXPECT_EQ((*state)->history[2].status, ScanStatus::failed);
  EXPECT_FALSE(*store->get_source_state("other"));
}

Manifest manifest(const std::string& locator, std::string_view when,
                  const std::vector<std::string>& paths) {
  Manifest m;
  m.source = "m";
  m.locator = locator;
  m.fetched_at = at(when);
  for (const auto& p : paths) m.entries.push_back(FileEntry{.path = p, .size = 10});
  m.texts = {TextBlob{locator + "paste.txt", "alice@example.org,555-0100"}};
  return m;
}

TEST(Store, ManifestsKeepTheLatestAndWhatChangedWithinTheRetention) {
  TempDir dir;
  StoreOptions options;
  options.manifest_history_limit = 2;
  auto opened = Store::open(dir.path(), OpenMode::read_write, options);
  ASSERT_TRUE(opened) << opened.error().message;
  auto& store = **opened;
  const std::string loc = "https://m/dump/";
  const auto record = [&](const char* when, const std::vector<std::string>& paths) {
    Fetch f{.scan = scan("m", when, when)};
    f.manifest = manifest(loc, when, paths);
    const auto r = store.record_fetch(f);
    ASSERT_TRUE(r) << r.error().message;
  };
  record("2026-11-01T00:00:00Z", {"a", "b"});
  record("2026-11-02T00:00:00Z", {"b", "c", "d"});
  record("2026-11-03T00:00:00Z", {"d"});

  const auto latest = store.latest_manifest(loc);
  ASSERT_TRUE(latest && *latest);
  ASSERT_EQ((*latest)->entries.size(), 1u);
  EXPECT_EQ((*latest)->entries[0].path, "d");
  EXPECT_TRUE((*latest)->texts.empty()) << "text blobs may hold leaked data; never stored";

  const auto history = store.manifest_history(loc);
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->size(), 2u);  // the oldest fell out of the retention
  EXPECT_EQ((*history)[0].fetched_at, at("2026-11-02T00:00:00Z"));
  EXPECT_EQ((*history)[0].added, (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ((*history)[0].removed, (std::vector<std::string>{"a"}));
  EXPECT_EQ((*history)[1].added, std::vector<std::string>{});
  EXPECT_EQ((*history)[1].removed, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ((*history)[1].entries, 1u);
  EXPECT_TRUE(store.manifest_history("https://other/")->empty());
}

TEST(Store, ABigManifestIsStoredWholeAndDiffedPathByPath) {
  TempDir dir;
  auto opened = Store::open(dir.path(), OpenMode::read_write, StoreOptions{});
  ASSERT_TRUE(opened) << opened.error().message;
  auto& store = **opened;
  const std::string loc = "https://m/big/";
  EXPECT_FALSE(*store.has_manifest(loc));
  std::vector<std::string> first, second;
  for (int i = 0; i < 50000; ++i) {
    const auto p = "d" + std::to_string(i % 50) + "/f" + std::to_string(i);
    first.push_back(p);
    if (i % 1000 != 0) second.push_back(p);  // 50 removed
  }
  second.emplace_back("new/one");
  second.emplace_back("d0/f0");            // removed above, added back: no change for it
  second.emplace_back("bad\xff\xfename");  // not UTF-8, as leak sites name files
  Fetch f{.scan = scan("m", "2026-11-01T00:00:00Z", "s1")};
  f.manifest = manifest(loc, "2026-11-01T00:00:00Z", first);
  ASSERT_TRUE(store.record_fetch(f));
  EXPECT_TRUE(*store.has_manifest(loc));
  f = Fetch{.scan = scan("m", "2026-11-02T00:00:00Z", "s2")};
  f.manifest = manifest(loc, "2026-11-02T00:00:00Z", second);
  ASSERT_TRUE(store.record_fetch(f));

  const auto latest = store.latest_manifest(loc);
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->entries.size(), second.size());
  const auto history = store.manifest_history(loc);
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].added.size(), 50000u) << "a first manifest lists every path as added";
  EXPECT_TRUE((*history)[0].removed.empty());
  EXPECT_EQ((*history)[1].removed.size(), 49u);
  ASSERT_EQ((*history)[1].added.size(), 2u);
  EXPECT_EQ((*history)[1].added[1], "new/one");
  EXPECT_EQ((*history)[1].entries, second.size());

  // Unchanged: nothing added or removed, the name that is not UTF-8 included (it is stored with
  // U+FFFD in place, and compared in that form).
  f = Fetch{.scan = scan("m", "2026-11-03T00:00:00Z", "s3")};
  f.manifest = manifest(loc, "2026-11-03T00:00:00Z", second);
  ASSERT_TRUE(store.record_fetch(f));
  const auto after = store.manifest_history(loc);
  ASSERT_TRUE(after && after->size() == 3u);
  EXPECT_EQ((*after)[2].added, std::vector<std::string>{});
  EXPECT_EQ((*after)[2].removed, std::vector<std::string>{});
}

TEST(Store, TheConsistencyCheckNoticesAMissingIndexEntry) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->record_fetch(scan("m", "2026-11-01T00:00:00Z", "s1"),
                                    {sighting("hr", "m", "https://m/", Confidence::likely,
                                              "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z")}));
    EXPECT_TRUE(store->check_consistency());
  }
  ASSERT_TRUE(fixtures::drop_time_index(dir.path()));
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  const auto checked = store->check_consistency();
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("sightings_by_time lacks 'hr'"), std::string::npos)
      << checked.error().message;
}

TEST(Store, EachConfidenceChangeIsKeptWithItsTimeAndCounts) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->history_since()) << "a new database keeps history from its creation";
  const std::string loc = "https://m.example/leak/";
  auto seen = [&](Confidence c, std::string_view t, std::uint64_t files) {
    auto s = sighting("hr", "m", loc, c, t, t);
    s.files_matched = files;
    s.evidence.resize(files, s.evidence.front());
    const auto r = store->record_fetch(scan("m", t, std::string(t)), {s});
    EXPECT_TRUE(r) << r.error().message;
  };
  seen(Confidence::possible, "2026-11-01T00:00:00Z", 1);
  seen(Confidence::possible, "2026-11-02T00:00:00Z", 1);  // nothing new: no change recorded
  seen(Confidence::likely, "2026-11-03T00:00:00Z", 2);
  seen(Confidence::possible, "2026-11-04T00:00:00Z", 1);  // weaker: the likely one stays
  seen(Confidence::confirmed, "2026-11-05T00:00:00Z", 3);
  const auto s = store->get_sighting("hr", loc);
  ASSERT_TRUE(s && *s);
  const auto& h = (*s)->history;
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].at, at("2026-11-01T00:00:00Z"));
  EXPECT_EQ(h[0].confidence, Confidence::possible);
  EXPECT_EQ(h[0].files_matched, 1u);
  EXPECT_EQ(h[1].at, at("2026-11-03T00:00:00Z"));
  EXPECT_EQ(h[1].confidence, Confidence::likely);
  EXPECT_EQ(h[1].evidence, 2u);
  EXPECT_EQ(h[2].at, at("2026-11-05T00:00:00Z"));
  EXPECT_EQ(h[2].confidence, Confidence::confirmed);
  EXPECT_EQ(h[2].files_matched, 3u);
  EXPECT_FALSE(h[0].inferred || h[1].inferred || h[2].inferred);
}

TEST(Store, OneLocatorSeenFromTwoSourcesIsCreditedToBoth) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  const std::string magnet = "magnet:?xt=urn:btih:" + std::string(40, 'a');
  ASSERT_TRUE(store->record_fetch(scan("post", "2026-11-01T00:00:00Z", "s1"),
                                  {sighting("hr", "post", magnet, Confidence::confirmed,
                                            "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")}));
  ASSERT_TRUE(store->record_fetch(scan("watch", "2026-11-05T00:00:00Z", "s2"),
                                  {sighting("hr", "watch", magnet, Confidence::confirmed,
                                            "2026-11-05T00:00:00Z", "2026-11-06T00:00:00Z")}));
  const auto all = all_sightings(*store);
  ASSERT_EQ(all.size(), 1u) << "one sighting, not one per source";
  ASSERT_EQ(all[0].sources.size(), 2u);
  EXPECT_EQ(all[0].sources[0].source, "post");
  EXPECT_EQ(all[0].sources[0].first_seen, at("2026-11-01T00:00:00Z"));
  EXPECT_EQ(all[0].sources[0].last_seen, at("2026-11-02T00:00:00Z"));
  EXPECT_EQ(all[0].sources[1].source, "watch");
  EXPECT_EQ(all[0].sources[1].first_seen, at("2026-11-05T00:00:00Z"));
  EXPECT_EQ(all[0].first_seen, at("2026-11-01T00:00:00Z"));
  for (const auto* source : {"post", "watch"}) {
    SightingFilter f;
    f.source = source;
    EXPECT_EQ(all_sightings(*store, f).size(), 1u) << source;
  }
  SightingFilter other;
  other.source = "elsewhere";
  EXPECT_TRUE(all_sightings(*store, other).empty());
  // Seen again by the first source: its own last_seen moves, the index follows.
  ASSERT_TRUE(store->record_fetch(scan("post", "2026-11-09T00:00:00Z", "s3"),
                                  {sighting("hr", "post", magnet, Confidence::confirmed,
                                            "2026-11-09T00:00:00Z", "2026-11-09T00:00:00Z")}));
  const auto again = store->get_sighting("hr", magnet);
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((*again)->sources[0].last_seen, at("2026-11-09T00:00:00Z"));
  EXPECT_EQ((*again)->sources[1].last_seen, at("2026-11-06T00:00:00Z"));
  const auto consistent = store->check_consistency();
  EXPECT_TRUE(consistent) << consistent.error().message;
}

TEST(Store, ScanRecordsKeepTheDocumentsTheyFetched) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  auto r = scan("m", "2026-11-01T00:00:00Z", "s1");
  r.documents = {
      {"listing", "https://m.example/", at("2026-11-01T00:00:01Z"), std::string(64, 'a'), 812},
      {"checksums", "https://m.example/SHA256SUMS", at("2026-11-01T00:00:02Z"),
       std::string(64, 'b'), 90}};
  r.documents_omitted = 3;
  ASSERT_TRUE(store->record_fetch(r, {}));
  std::vector<ScanRecord> scans;
  ASSERT_TRUE(store->for_each_scan({}, [&](const ScanRecord& x) {
    scans.push_back(x);
    return true;
  }));
  ASSERT_EQ(scans.size(), 1u);
  EXPECT_EQ(scans[0].documents, r.documents);
  EXPECT_EQ(scans[0].documents_omitted, 3u);
}

TEST(Store, AnImportedSignatureKeepsItsImportTime) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  auto sig = signature("hr");
  sig.imported = at("2026-06-01T00:00:00Z");
  ASSERT_TRUE(store->put_signature(sig));
  const auto back = store->get_signature("hr");
  ASSERT_TRUE(back && *back);
  EXPECT_EQ((*back)->imported, sig.imported);
  EXPECT_EQ((*back)->matchable_since(), at("2026-06-01T00:00:00Z"));
  EXPECT_EQ(signature("x").matchable_since(), signature("x").created);
}

}  // namespace
}  // namespace leakwatch::store
