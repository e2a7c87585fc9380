// The store's schema and operations on a real RocksDB: migrating version 1, refusing a newer
// schema, unusable folders, statistics, backup and restore, compaction.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "model/json.h"
#include "store/rocks_fixtures.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_time.h"

namespace leakwatch::store {
namespace {

using leakwatch::testing::TempDir;
using leakwatch::testing::write_file;

using testing::at;

Sighting sighting(const std::string& dataset, const std::string& source, const std::string& locator,
                  Confidence confidence, std::string_view last) {
  Sighting s;
  s.dataset = dataset;
  s.source = source;
  s.locator = locator;
  s.confidence = confidence;
  s.evidence = {{"name+size", "a.csv", "a.csv", "10"}};
  s.first_seen = at("2026-10-01T00:00:00Z");
  s.last_seen = at(last);
  return s;
}

ScanRecord scan(const std::string& source, std::string_view started, ScanStatus status) {
  ScanRecord r;
  r.scan_id = std::string(started);
  r.source = source;
  r.started = at(started);
  r.ended = r.started;
  r.status = status;
  return r;
}

std::vector<std::string> locators(Store& store, const SightingFilter& filter) {
  std::vector<std::string> out;
  const auto r = store.for_each_sighting(filter, [&](const Sighting& s) {
    out.push_back(s.locator);
    return true;
  });
  EXPECT_TRUE(r) << r.error().message;
  return out;
}

std::uint64_t keys_in(const StoreStats& stats, const std::string& family) {
  for (const auto& f : stats.families) {
    if (f.name == family) return f.keys;
  }
  ADD_FAILURE() << "no family " << family;
  return 0;
}

TEST(Schema, AVersionOneDatabaseIsMigratedWithItsIndexesAndSourceStates) {
  TempDir dir;
  Signature sig;
  sig.dataset = "hr";
  sig.created = at("2026-01-01T00:00:00Z");
  ASSERT_TRUE(fixtures::write_schema_v1_database(
      dir.path(), {sig},
      {scan("alpha", "2026-11-01T00:00:00Z", ScanStatus::ok),
       scan("alpha", "2026-11-02T00:00:00Z", ScanStatus::failed)},
      {sighting("hr", "alpha", "https://alpha/1", Confidence::likely, "2026-11-01T00:00:00Z"),
       sighting("hr", "beta", "https://beta/1", Confidence::confirmed, "2026-11-03T00:00:00Z"),
       sighting("finance", "alpha", "https://alpha/2", Confidence::possible,
                "2026-11-02T00:00:00Z")}));

  // Readers cannot migrate; they say what to do.
  const auto reader = Store::open(dir.path(), OpenMode::read_only);
  ASSERT_FALSE(reader);
  EXPECT_NE(reader.error().message.find("must be migrated"), std::string::npos)
      << reader.error().message;

  auto opened = Store::open(dir.path(), OpenMode::read_write);
  ASSERT_TRUE(opened) << opened.error().message;
  auto& store = **opened;
  const auto checked = store.check_consistency();
  EXPECT_TRUE(checked) << checked.error().message;
  EXPECT_EQ(store.stats()->schema_version, kSchemaVersion);
  EXPECT_TRUE(*store.get_signature("hr"));

  EXPECT_EQ(locators(store, {}),
            (std::vector<std::string>{"https://beta/1", "https://alpha/2", "https://alpha/1"}));
  SightingFilter by_dataset;
  by_dataset.dataset = "hr";
  EXPECT_EQ(locators(store, by_dataset),
            (std::vector<std::string>{"https://beta/1", "https://alpha/1"}));
  SightingFilter by_source;
  by_source.source = "alpha";
  EXPECT_EQ(locators(store, by_source),
            (std::vector<std::string>{"https://alpha/2", "https://alpha/1"}));

  const auto state = store.get_source_state("alpha");
  ASSERT_TRUE(state && *state);
  EXPECT_EQ((*state)->last_success, at("2026-11-01T00:00:00Z"));
  EXPECT_EQ((*state)->consecutive_failures, 1u);

  std::vector<std::string> scans;
  ASSERT_TRUE(store.for_each_scan({}, [&](const ScanRecord& r) {
    scans.push_back(r.scan_id);
    return true;
  }));
  EXPECT_EQ(scans, (std::vector<std::string>{"2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"}));
  ScanFilter window;
  window.since = at("2026-11-02T00:00:00Z");
  scans.clear();
  ASSERT_TRUE(store.for_each_scan(window, [&](const ScanRecord& r) {
    scans.push_back(r.scan_id);
    return true;
  }));
  EXPECT_EQ(scans, std::vector<std::string>{"2026-11-02T00:00:00Z"});
  ASSERT_TRUE(store.record_fetch(scan("alpha", "2026-11-03T00:00:00Z", ScanStatus::ok), {}));
  scans.clear();
  ASSERT_TRUE(store.for_each_scan({}, [&](const ScanRecord& r) {
    scans.push_back(r.scan_id);
    return true;
  }));
  EXPECT_EQ(scans.size(), 3u);  // re-keyed once: no duplicates of the old scans
  StoreStats stats = *store.stats();
  std::uint64_t scan_keys = 0;
  for (const auto& f : stats.families) {
    if (f.name == "scans") scan_keys = f.keys;
  }
  EXPECT_EQ(scan_keys, 3u);
  opened = Error{"closed"};

  // Once migrated, readers open it.
  const auto later = Store::open(dir.path(), OpenMode::read_only);
  ASSERT_TRUE(later) << later.error().message;
}

TEST(Schema, AVersionTwoDatabaseIsReadAsItIsAndItsManifestsDiffed) {
  // Version 2 stored manifests and change records as plain JSON text; 3 stores zstd frames.
  TempDir dir;
  const std::string loc = "https://m/dump/";
  Manifest old;
  old.source = "m";
  old.locator = loc;
  old.fetched_at = at("2026-11-01T00:00:00Z");
  for (const auto* p : {"a", "b"}) old.entries.push_back(FileEntry{.path = p, .size = 10});
  {
    auto store = Store::open(dir.path(), OpenMode::read_write);
    ASSERT_TRUE(store) << store.error().message;
    Fetch f{.scan = scan("m", "2026-11-01T00:00:00Z", ScanStatus::ok)};
    f.manifest = old;
    ASSERT_TRUE((*store)->record_fetch(f));
  }
  const auto framed = fixtures::raw_value(dir.path(), "manifests", loc);
  ASSERT_TRUE(framed) << framed.error().message;
  EXPECT_EQ(framed->substr(0, 4), "\x28\xb5\x2f\xfd") << "version 3 writes zstd frames";
  ASSERT_TRUE(fixtures::downgrade_manifests_to_v2(dir.path()));
  const auto plain = fixtures::raw_value(dir.path(), "manifests", loc);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->substr(0, 11), R"({"entries":)") << "keys sorted, as version 2 wrote them";

  {
    auto reader = Store::open(dir.path(), OpenMode::read_only);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ((*reader)->stats()->schema_version, 2) << "a reader leaves the version as it is";
    const auto latest = (*reader)->latest_manifest(loc);
    ASSERT_TRUE(latest && *latest) << (latest ? "none" : latest.error().message);
    ASSERT_EQ((*latest)->entries.size(), 2u);
    EXPECT_EQ((*latest)->entries[1].path, "b");
    const auto history = (*reader)->manifest_history(loc);
    ASSERT_TRUE(history) << history.error().message;
    ASSERT_EQ(history->size(), 1u);
    EXPECT_EQ(history->front().added, (std::vector<std::string>{"a", "b"}));
  }
  auto store = Store::open(dir.path(), OpenMode::read_write);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->stats()->schema_version, kSchemaVersion);
  Manifest next = old;
  next.fetched_at = at("2026-11-02T00:00:00Z");
  next.entries.pop_front();
  next.entries.push_back(FileEntry{.path = "c", .size = 10});
  Fetch f{.scan = scan("m", "2026-11-02T00:00:00Z", ScanStatus::ok)};
  f.manifest = next;
  ASSERT_TRUE((*store)->record_fetch(f));
  const auto history = (*store)->manifest_history(loc);
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ(history->back().added, std::vector<std::string>{"c"});
  EXPECT_EQ(history->back().removed, std::vector<std::string>{"a"});
}

TEST(Schema, ANewerSchemaIsRefusedClearlyByWritersAndReaders) {
  TempDir dir;
  ASSERT_TRUE(Store::open(dir.path(), OpenMode::read_write));  // created, then closed
  ASSERT_TRUE(fixtures::stamp_schema_version(dir.path(), "5", "sightings_v5"));
  for (const auto mode : {OpenMode::read_write, OpenMode::read_only}) {
    const auto store = Store::open(dir.path(), mode);
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().message.find("schema version '5' is newer"), std::string::npos)
        << store.error().message;
    EXPECT_NE(store.error().message.find(dir.path().string()), std::string::npos);
  }
  ASSERT_TRUE(fixtures::stamp_schema_version(dir.path(), "banana"));
  EXPECT_FALSE(Store::open(dir.path(), OpenMode::read_write));
}

// As root, permissions are not checked; the open runs in a child that drops to "nobody".
TEST(Schema, AReadOnlyDataDirIsAClearErrorNotACrash) {
  TempDir dir;
  const auto data = dir / "data";
  std::filesystem::create_directories(data);
  ::chmod(dir.path().c_str(), 0755);
  // Read-only to its owner, who opens it below (as nobody when the tests run as root: a data
  // folder of another user's that others may enter is refused before anything else).
  ::chmod(data.c_str(), 0500);
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(data.c_str(), 65534, 65534), 0);
  }
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    const auto store = Store::open(data, OpenMode::read_write);
    const std::string message = store ? std::string("opened") : store.error().message;
    if (::write(pipe_fds[1], message.data(), message.size()) < 0) ::_exit(4);
    ::_exit(store ? 1 : 0);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buf[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) message.append(buf, n);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::chmod(data.c_str(), 0755);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << message;
  EXPECT_NE(message.find((data / "db").string()), std::string::npos) << message;
  EXPECT_NE(message.find("Permission denied"), std::string::npos) << message;
}

TEST(Schema, StatsCountEveryFamily) {
  TempDir dir;
  auto opened = Store::open(dir.path(), OpenMode::read_write);
  ASSERT_TRUE(opened);
  auto& store = **opened;
  Fetch f{.scan = scan("alpha", "2026-11-01T00:00:00Z", ScanStatus::ok)};
  f.sightings = {sighting("hr", "alpha", "l1", Confidence::likely, "2026-11-01T00:00:00Z"),
                 sighting("hr", "alpha", "l2", Confidence::likely, "2026-11-01T00:00:00Z")};
  f.manifest = Manifest{.source = "alpha", .locator = "l1", .fetched_at = at("2026-11-01")};
  ASSERT_TRUE(store.record_fetch(f));
  const auto stats = store.stats();
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->schema_version, kSchemaVersion);
  EXPECT_EQ(keys_in(*stats, "sightings"), 2u);
  EXPECT_EQ(keys_in(*stats, "sightings_by_dataset"), 2u);
  EXPECT_EQ(keys_in(*stats, "sightings_by_source"), 2u);
  EXPECT_EQ(keys_in(*stats, "sightings_by_time"), 2u);
  EXPECT_EQ(keys_in(*stats, "outbox"), 2u);
  EXPECT_EQ(keys_in(*stats, "scans"), 1u);
  EXPECT_EQ(keys_in(*stats, "sources"), 1u);
  EXPECT_EQ(keys_in(*stats, "manifests"), 1u);
  EXPECT_EQ(keys_in(*stats, "manifest_history"), 1u);
  EXPECT_EQ(keys_in(*stats, "signatures"), 0u);
  // The schema version, the history start and the coverage aggregate's mark.
  EXPECT_EQ(keys_in(*stats, "default"), 3u);
  EXPECT_EQ(keys_in(*stats, "sighting_members"), 0u);  // these sightings name no members
  EXPECT_EQ(keys_in(*stats, "scan_days"), 1u);         // alpha's day of its one scan
}

TEST(Schema, ABackupRestoresToTheStateWhenItWasTaken) {
  TempDir dir;
  const auto data = dir / "data";
  {
    auto opened = Store::open(data, OpenMode::read_write);
    ASSERT_TRUE(opened);
    auto& store = **opened;
    ASSERT_TRUE(store.record_fetch(
        scan("alpha", "2026-11-01T00:00:00Z", ScanStatus::ok),
        {sighting("hr", "alpha", "before", Confidence::likely, "2026-11-01T00:00:00Z")}));
    const auto backed_up = store.backup(dir / "backup");
    ASSERT_TRUE(backed_up) << backed_up.error().message;
    const auto again = store.backup(dir / "backup");
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("already exists"), std::string::npos);
    ASSERT_TRUE(store.record_fetch(
        scan("alpha", "2026-11-02T00:00:00Z", ScanStatus::ok),
        {sighting("hr", "alpha", "after", Confidence::likely, "2026-11-02T00:00:00Z")}));
  }
  // Restore (docs/OPERATIONS in README): move the backup folder to <data dir>/db.
  std::filesystem::create_directories(dir / "restored");
  std::filesystem::rename(dir / "backup", dir / "restored" / "db");
  auto restored = Store::open(dir / "restored", OpenMode::read_write);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(locators(**restored, {}), std::vector<std::string>{"before"});
  EXPECT_TRUE((*restored)->check_consistency());
}

TEST(Schema, BackupAndCompactNeedTheWriter) {
  TempDir dir;
  auto writer = Store::open(dir.path(), OpenMode::read_write);
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->record_fetch(
      scan("alpha", "2026-11-01T00:00:00Z", ScanStatus::ok),
      {sighting("hr", "alpha", "l", Confidence::likely, "2026-11-01T00:00:00Z")}));
  const auto compacted = (*writer)->compact();
  ASSERT_TRUE(compacted) << compacted.error().message;
  EXPECT_EQ(locators(**writer, {}), std::vector<std::string>{"l"});

  auto reader = Store::open(dir.path(), OpenMode::read_only);
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ(locators(**reader, {}), std::vector<std::string>{"l"});
  EXPECT_FALSE((*reader)->compact());
  const auto backup = (*reader)->backup(dir / "b");
  ASSERT_FALSE(backup);
  EXPECT_NE(backup.error().message.find("stop the daemon"), std::string::npos);
}

TEST(Schema, ACorruptDatabaseIsAnErrorNamingThePath) {
  TempDir dir;
  ASSERT_TRUE(Store::open(dir.path(), OpenMode::read_write));
  write_file(dir / "db" / "CURRENT", "MANIFEST-999999\n");
  const auto store = Store::open(dir.path(), OpenMode::read_write);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find((dir / "db").string()), std::string::npos)
      << store.error().message;
}

TEST(Schema, AVersionThreeDatabaseIsReadAsItIsAndItsHistoryStartsAtTheUpgrade) {
  TempDir dir;
  const std::string loc = "https://m/dump/";
  auto seen = [&](Confidence c, std::string_view t) {
    Sighting s;
    s.dataset = "hr";
    s.source = "m";
    s.locator = loc;
    s.confidence = c;
    s.evidence = {{"name+size", "a", "dump/a", "10"}};
    s.files_matched = 1;
    s.first_seen = s.last_seen = at(t);
    return s;
  };
  {
    auto store = Store::open(dir.path(), OpenMode::read_write);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->record_fetch(scan("m", "2026-11-01T00:00:00Z", ScanStatus::ok),
                                       {seen(Confidence::likely, "2026-11-01T00:00:00Z")}));
  }
  ASSERT_TRUE(fixtures::downgrade_sightings_to_v3(dir.path()));
  {
    auto reader = Store::open(dir.path(), OpenMode::read_only);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ((*reader)->stats()->schema_version, 3);
    EXPECT_FALSE((*reader)->history_since()) << "no history kept yet";
    const auto s = (*reader)->get_sighting("hr", loc);
    ASSERT_TRUE(s && *s);
    EXPECT_TRUE((*s)->history.empty());
    ASSERT_EQ((*s)->sources.size(), 1u) << "its one source, throughout";
    EXPECT_EQ((*s)->sources[0].first_seen, at("2026-11-01T00:00:00Z"));
  }
  const auto before = now();
  auto store = Store::open(dir.path(), OpenMode::read_write);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->stats()->schema_version, kSchemaVersion);
  ASSERT_TRUE((*store)->history_since());
  EXPECT_GE(*(*store)->history_since(), before - std::chrono::seconds{1});
  const auto consistent = (*store)->check_consistency();
  EXPECT_TRUE(consistent) << consistent.error().message;
  // Raised after the upgrade: the old confidence is kept as an inferred first change.
  ASSERT_TRUE((*store)->record_fetch(scan("m", "2026-11-20T00:00:00Z", ScanStatus::ok),
                                     {seen(Confidence::confirmed, "2026-11-20T00:00:00Z")}));
  const auto s = (*store)->get_sighting("hr", loc);
  ASSERT_TRUE(s && *s);
  ASSERT_EQ((*s)->history.size(), 2u);
  EXPECT_TRUE((*s)->history[0].inferred);
  EXPECT_EQ((*s)->history[0].confidence, Confidence::likely);
  EXPECT_EQ((*s)->history[1].confidence, Confidence::confirmed);
  EXPECT_EQ((*s)->history[1].at, at("2026-11-20T00:00:00Z"));
  // A later open keeps the first upgrade's time.
  const auto since = (*store)->history_since();
  store->reset();
  auto again = Store::open(dir.path(), OpenMode::read_only);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->history_since(), since);
}

}  // namespace
}  // namespace leakwatch::store
