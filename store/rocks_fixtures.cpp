#include "store/rocks_fixtures.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "model/json.h"
#include "store/rocks_db.h"
#include "store/value_frame.h"

namespace leakwatch::store::fixtures {

namespace {

// An open database with every family it has (plus `wanted`), closed on destruction.
struct RawDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<std::string> names;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;

  ~RawDb() {
    if (!db) return;
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close();
  }

  rocksdb::ColumnFamilyHandle* family(const std::string& name) const {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return handles[i];
    }
    return nullptr;
  }
};

Result<void> open_raw(RawDb& raw, const std::filesystem::path& path,
                      std::vector<std::string> wanted) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(options, path.string(), &existing).ok()) {
    for (const auto& n : existing) {
      if (std::find(wanted.begin(), wanted.end(), n) == wanted.end()) wanted.push_back(n);
    }
  }
  if (std::find(wanted.begin(), wanted.end(), "default") == wanted.end()) {
    wanted.insert(wanted.begin(), "default");
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.reserve(wanted.size());
  for (const auto& n : wanted) families.emplace_back(n, rocksdb::ColumnFamilyOptions());
  rocksdb::DB* db = nullptr;
  const auto s = rocksdb::DB::Open(options, path.string(), families, &raw.handles, &db);
  if (!s.ok()) return Error{path.string() + ": " + s.ToString()};
  raw.db.reset(db);
  raw.names = wanted;
  return {};
}

// The coverage aggregate and its mark go, as in a database no writer of schema 4 opened.
Result<void> drop_scan_days_in(RawDb& raw) {
  if (auto* family = raw.family("scan_days")) {
    const auto s = raw.db->DropColumnFamily(family);
    if (!s.ok()) return Error{s.ToString()};
  }
  const auto s = raw.db->Delete(rocksdb::WriteOptions(), "scan_days_complete");
  if (!s.ok()) return Error{s.ToString()};
  return {};
}

}  // namespace

Result<void> write_schema_v1_database(const std::filesystem::path& data_dir,
                                      const std::vector<Signature>& signatures,
                                      const std::vector<ScanRecord>& scans,
                                      const std::vector<Sighting>& sightings) {
  std::filesystem::create_directories(data_dir / "db");
  RawDb raw;
  if (auto r = open_raw(raw, data_dir / "db", {"default", "signatures", "sightings", "scans"}); !r)
    return r;
  rocksdb::WriteBatch batch;
  batch.Put("schema_version", "1");
  for (const auto& s : signatures) batch.Put(raw.family("signatures"), s.dataset, to_json_text(s));
  for (const auto& r : scans) {
    // Version 1 scan key: source \0 be64(started ms as unsigned) scan_id.
    batch.Put(raw.family("scans"),
              r.source + std::string(1, '\0') +
                  be64(static_cast<std::uint64_t>(to_unix_ms(r.started))) + r.scan_id,
              to_json_text(r));
  }
  for (const auto& s : sightings) {
    batch.Put(raw.family("sightings"), s.dataset + std::string(1, '\0') + s.locator,
              to_json_text(s));
  }
  const auto s = raw.db->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return Error{s.ToString()};
  return {};
}

Result<void> stamp_schema_version(const std::filesystem::path& data_dir, const std::string& version,
                                  const std::string& extra_family) {
  RawDb raw;
  std::vector<std::string> wanted = {"default"};
  if (!extra_family.empty()) wanted.push_back(extra_family);
  if (auto r = open_raw(raw, data_dir / "db", wanted); !r) return r;
  const auto s = raw.db->Put(rocksdb::WriteOptions(), "schema_version", version);
  if (!s.ok()) return Error{s.ToString()};
  return {};
}

Result<void> downgrade_manifests_to_v2(const std::filesystem::path& data_dir) {
  RawDb raw;
  if (auto r = open_raw(raw, data_dir / "db", {"default"}); !r) return r;
  rocksdb::WriteBatch batch;
  for (const auto* name : {"manifests", "manifest_history"}) {
    auto* family = raw.family(name);
    if (!family) return Error{std::string("no ") + name + " family"};
    std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), family));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto text = text_of(it->value().ToStringView(), name);
      if (!text) return text.error();
      batch.Put(family, it->key(), nlohmann::json::parse(*text).dump());
    }
  }
  batch.Put("schema_version", "2");
  const auto s = raw.db->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return Error{s.ToString()};
  return {};
}

Result<void> downgrade_sightings_to_v3(const std::filesystem::path& data_dir) {
  RawDb raw;
  if (auto r = open_raw(raw, data_dir / "db", {"default"}); !r) return r;
  auto* family = raw.family("sightings");
  if (!family) return Error{"no sightings family"};
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), family));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto j = nlohmann::json::parse(it->value().ToStringView());
    j.erase("sources");
    j.erase("history");
    batch.Put(family, it->key(), j.dump());
  }
  batch.Delete("history_since");
  batch.Put("schema_version", "3");
  const auto s = raw.db->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return Error{s.ToString()};
  return drop_scan_days_in(raw);
}

Result<void> drop_scan_days(const std::filesystem::path& data_dir) {
  RawDb raw;
  if (auto r = open_raw(raw, data_dir / "db", {"default"}); !r) return r;
  return drop_scan_days_in(raw);
}

Result<std::string> raw_value(const std::filesystem::path& data_dir, const std::string& family,
                              const std::string& key) {
  RawDb raw;
  if (auto r = open_raw(raw, data_dir / "db", {"default"}); !r) return r.error();
  auto* handle = raw.family(family);
  if (!handle) return Error{"no " + family + " family"};
  std::string value;
  const auto s = raw.db->Get(rocksdb::ReadOptions(), handle, key, &value);
  if (!s.ok()) return Error{s.ToString()};
  return value;
}

Result<void> put_raw_value(const std::filesystem::path& data_dir, const std::string& family,
                           const std::string& key, const std::string& value) {
  RawDb raw;
  if (auto r = open_raw(raw, data_dir / "db", {"default"}); !r) return r;
  auto* handle = raw.family(family);
  if (!handle) return Error{"no " + family + " family"};
  const auto s = raw.db->Put(rocksdb::WriteOptions(), handle, key, value);
  if (!s.ok()) return Error{s.ToString()};
  return {};
}

Result<void> drop_time_index(const std::filesystem::path& data_dir) {
  RawDb raw;
  if (auto r = open_raw(raw, data_dir / "db", {"default"}); !r) return r;
  auto* family = raw.family("sightings_by_time");
  if (!family) return Error{"no sightings_by_time family"};
  std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions(), family));
  it->SeekToFirst();
  if (!it->Valid()) return Error{"sightings_by_time is empty"};
  const auto s = raw.db->Delete(rocksdb::WriteOptions(), family, it->key());
  if (!s.ok()) return Error{s.ToString()};
  return {};
}

}  // namespace leakwatch::store::fixtures
