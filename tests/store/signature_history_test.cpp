// Replaced signatures on a real RocksDB (issue 15, "sign never silently replaces a signature"):
// put_signature over a signed dataset keeps the old version with when it was replaced and what
// the replacement changed; the history is bounded, goes with remove_signature, and a store
// written before it existed reads as having none.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/rocks_fixtures.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_time.h"

namespace leakwatch::store {
namespace {

using leakwatch::testing::TempDir;

using testing::at;

std::unique_ptr<Store> open_store(const std::filesystem::path& dir,
                                  OpenMode mode = OpenMode::read_write) {
  auto store = Store::open(dir, mode);
  EXPECT_TRUE(store) << store.error().message;
  return store ? std::move(store).value() : nullptr;
}

SignatureFile file(const std::string& path, std::uint64_t size, char hex) {
  SignatureFile f;
  f.path = path;
  f.size = size;
  f.digests = {*Digest::from_hex(DigestKind::md5, std::string(32, 'f')),
               *Digest::from_hex(DigestKind::sha256, std::string(64, hex))};
  return f;
}

// v1: a.txt, b.txt, c.txt, 2 honeytokens, 1 name pattern, 10 record rows.
Signature first_version() {
  Signature s;
  s.dataset = "hr";
  s.description = "first";
  s.created = at("2026-03-01T00:00:00Z");
  s.files = {file("a.txt", 10, '1'), file("b.txt", 20, '2'), file("c.txt", 30, '3')};
  s.honeytoken_hashes = {*Digest::from_hex(DigestKind::sha256, std::string(64, 'e')),
                         *Digest::from_hex(DigestKind::sha256, std::string(64, 'd'))};
  s.name_patterns = {"hr-*.csv"};
  s.records.key_id = "0011223344556677";
  s.records.rows = 10;
  s.records.columns = {RecordColumn{.name = "email",
                                    .normaliser = "email",
                                    .pattern = "[a-z]+@[a-z.]+",
                                    .min_length = 3,
                                    .max_length = 64,
                                    .fingerprints = {1, 2, 3}}};
  return s;
}

// v2: a.txt unchanged, b.txt changed (size and hash), c.txt removed, d.txt added; no
// honeytokens, two patterns, no records.
Signature second_version() {
  Signature s;
  s.dataset = "hr";
  s.description = "second";
  s.created = at("2026-04-01T00:00:00Z");
  s.files = {file("a.txt", 10, '1'), file("b.txt", 25, '9'), file("d.txt", 40, '4')};
  s.name_patterns = {"hr-*.csv", "*.xlsx"};
  return s;
}

TEST(SignatureHistory, AFirstSignatureHasNoHistory) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store->put_signature(first_version()));
  const auto history = store->signature_history("hr");
  ASSERT_TRUE(history) << history.error().message;
  EXPECT_TRUE(history->empty());
}

TEST(SignatureHistory, AReplacementKeepsTheOldVersionAndWhatChanged) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store->put_signature(first_version()));
  ASSERT_TRUE(store->put_signature(second_version(), at("2026-04-01T00:00:01Z")));

  const auto current = store->get_signature("hr");
  ASSERT_TRUE(current && *current);
  EXPECT_EQ((*current)->description, "second");
  const auto history = store->signature_history("hr");
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->size(), 1u);
  const auto& v = (*history)[0];
  EXPECT_EQ(v.dataset, "hr");
  EXPECT_EQ(v.description, "first");
  EXPECT_EQ(v.created, at("2026-03-01T00:00:00Z"));
  EXPECT_FALSE(v.imported);
  EXPECT_EQ(v.replaced, at("2026-04-01T00:00:01Z"));
  EXPECT_EQ(v.files, 3u);
  EXPECT_EQ(v.bytes, 60u);
  EXPECT_EQ(v.records, 10u);
  EXPECT_EQ(v.honeytokens, 2u);
  EXPECT_EQ(v.name_patterns, 1u);
  EXPECT_EQ(v.record_key_id, "0011223344556677");

  const auto& c = v.change;
  EXPECT_EQ(c.files_added, 1u);
  EXPECT_EQ(c.files_removed, 1u);
  EXPECT_EQ(c.files_changed, 1u);
  ASSERT_EQ(c.added.size(), 1u);
  EXPECT_EQ(c.added[0], (SignatureFileRef{"d.txt", 40, "sha256:" + std::string(64, '4')}));
  ASSERT_EQ(c.removed.size(), 1u);
  EXPECT_EQ(c.removed[0], (SignatureFileRef{"c.txt", 30, "sha256:" + std::string(64, '3')}));
  ASSERT_EQ(c.changed.size(), 1u);
  EXPECT_EQ(c.changed[0].before, (SignatureFileRef{"b.txt", 20, "sha256:" + std::string(64, '2')}));
  EXPECT_EQ(c.changed[0].after, (SignatureFileRef{"b.txt", 25, "sha256:" + std::string(64, '9')}));
  EXPECT_EQ(c.created_after, at("2026-04-01T00:00:00Z"));
  EXPECT_EQ(c.description_after, "second");
  EXPECT_EQ(c.files_after, 3u);
  EXPECT_EQ(c.bytes_after, 75u);
  EXPECT_EQ(c.records_after, 0u);
  EXPECT_EQ(c.honeytokens_after, 0u);
  EXPECT_EQ(c.name_patterns_after, 2u);

  // As a reader (another process, `signatures history`) and after reopening, the same.
  auto reader = open_store(dir.path(), OpenMode::read_only);
  const auto read = reader->signature_history("hr");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, *history);
  store.reset();
  store = open_store(dir.path());
  const auto reopened = store->signature_history("hr");
  ASSERT_TRUE(reopened);
  EXPECT_EQ(*reopened, *history);
}

TEST(SignatureHistory, VersionsAreOldestFirstAndNeverShareAReplacementTime) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store->put_signature(first_version()));
  const auto when = at("2026-05-01T00:00:00Z");
  ASSERT_TRUE(store->put_signature(second_version(), when));
  ASSERT_TRUE(store->put_signature(first_version(), when));  // the same millisecond
  ASSERT_TRUE(store->put_signature(second_version(), when - std::chrono::hours{1}));  // clock back
  const auto history = store->signature_history("hr");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].description, "first");
  EXPECT_EQ((*history)[1].description, "second");
  EXPECT_EQ((*history)[2].description, "first");
  EXPECT_EQ((*history)[0].replaced, when);
  EXPECT_EQ((*history)[1].replaced, when + std::chrono::milliseconds{1});
  EXPECT_EQ((*history)[2].replaced, when + std::chrono::milliseconds{2});
  // Another dataset's history is its own.
  auto other = first_version();
  other.dataset = "h";
  ASSERT_TRUE(store->put_signature(other));
  ASSERT_TRUE(store->put_signature(other));
  const auto others = store->signature_history("h");
  ASSERT_TRUE(others);
  EXPECT_EQ(others->size(), 1u);
  EXPECT_EQ(store->signature_history("hr")->size(), 3u);
}

TEST(SignatureHistory, KeepsTheNewestVersionsUpToTheBound) {
  TempDir dir;
  StoreOptions options;
  options.sync = false;  // a hundred replacements; durability is the crash test's
  auto opened = Store::open(dir.path(), OpenMode::read_write, options);
  ASSERT_TRUE(opened) << opened.error().message;
  auto& store = **opened;
  auto sig = first_version();
  const auto base = at("2026-06-01T00:00:00Z");
  const std::size_t puts = kSignatureHistoryLimit + 6;
  for (std::size_t i = 0; i < puts; ++i) {
    sig.description = "v" + std::to_string(i);
    ASSERT_TRUE(store.put_signature(sig, base + std::chrono::minutes{static_cast<long>(i)}));
  }
  const auto history = store.signature_history("hr");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), kSignatureHistoryLimit);
  // v0..v(puts-2) were replaced; the oldest beyond the bound went.
  const auto dropped = puts - 1 - kSignatureHistoryLimit;
  EXPECT_EQ(history->front().description, "v" + std::to_string(dropped));
  EXPECT_EQ(history->back().description, "v" + std::to_string(puts - 2));
  EXPECT_EQ(history->back().change.description_after, "v" + std::to_string(puts - 1));
}

TEST(SignatureHistory, ChangeListsAreCappedButTheirCountsAreExact) {
  auto old = first_version();
  old.files.clear();
  auto replacement = old;
  for (std::size_t i = 0; i < kMaxSignatureChangePaths + 5; ++i) {
    replacement.files.push_back(file("n/" + std::to_string(i), i, 'a'));
  }
  const auto v = replaced_version(old, replacement, at("2026-07-01T00:00:00Z"));
  EXPECT_EQ(v.change.files_added, kMaxSignatureChangePaths + 5);
  EXPECT_EQ(v.change.added.size(), kMaxSignatureChangePaths);
  EXPECT_EQ(v.change.files_after, kMaxSignatureChangePaths + 5);
  EXPECT_EQ(v.files, 0u);
}

TEST(SignatureHistory, RemovingASignatureRemovesItsHistory) {
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_TRUE(store->put_signature(first_version()));
  ASSERT_TRUE(store->put_signature(second_version()));
  auto other = first_version();
  other.dataset = "hr2";  // a neighbour in key order keeps its own
  ASSERT_TRUE(store->put_signature(other));
  ASSERT_TRUE(store->put_signature(other));
  ASSERT_EQ(store->signature_history("hr")->size(), 1u);
  const auto removed = store->remove_signature("hr");
  ASSERT_TRUE(removed && *removed);
  EXPECT_TRUE(store->signature_history("hr")->empty());
  EXPECT_EQ(store->signature_history("hr2")->size(), 1u);
  ASSERT_TRUE(store->put_signature(first_version()));
  EXPECT_TRUE(store->signature_history("hr")->empty()) << "a new signature starts afresh";
}

TEST(SignatureHistory, AStoreWrittenBeforeTheHistoryReadsAsHavingNone) {
  TempDir dir;
  // A database without the signature_history family, stamped as the current schema.
  ASSERT_TRUE(fixtures::write_schema_v1_database(dir.path(), {first_version()}, {}, {}));
  ASSERT_TRUE(fixtures::stamp_schema_version(dir.path(), std::to_string(kSchemaVersion)));
  {
    auto reader = open_store(dir.path(), OpenMode::read_only);
    ASSERT_TRUE(reader);
    const auto history = reader->signature_history("hr");
    ASSERT_TRUE(history) << history.error().message;
    EXPECT_TRUE(history->empty());
  }
  auto store = open_store(dir.path());
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->signature_history("hr")->empty());
  ASSERT_TRUE(store->put_signature(second_version()));
  const auto history = store->signature_history("hr");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ(history->front().description, "first");
}

}  // namespace
}  // namespace leakwatch::store
