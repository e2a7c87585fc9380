// Operations on the whole database: consistency check, statistics, checkpoint backups and
// compaction (`leakwatch db ...`, the crash test).
#include <rocksdb/utilities/checkpoint.h>

#include "model/json.h"
#include "store/rocks_db.h"

namespace leakwatch::store {

Result<void> Store::check_consistency() {
  std::vector<std::string> problems;
  const auto problem = [&](std::string text) {
    if (problems.size() < 5) problems.push_back(std::move(text));
  };
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = impl_->read_only ? nullptr : impl_->db->GetSnapshot();
  ro.snapshot = snapshot;
  std::uint64_t sightings = 0;
  std::uint64_t by_source_expected = 0;  // one entry per source of each sighting
  std::string value;
  rocksdb::Status failed;
  {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kSightings]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++sightings;
      auto s = sighting_from_json_text(it->value().ToStringView(), "stored sighting");
      if (!s) {
        problem(s.error().message);
        continue;
      }
      if (it->key().ToStringView() != sighting_key(s->dataset, s->locator)) {
        problem("sighting key does not match dataset '" + s->dataset + "' at " + s->locator);
      }
      const auto expected = index_value(*s);
      std::vector<std::pair<Family, std::string>> entries = {{kByDataset, by_dataset_key(*s)},
                                                             {kByTime, by_time_key(*s)}};
      for (const auto& seen : s->sources) {
        entries.emplace_back(kBySource, by_source_key(seen.source, *s));
      }
      by_source_expected += s->sources.size();
      for (const auto& [family, key] : entries) {
        const auto st = impl_->db->Get(ro, impl_->cf[family], key, &value);
        if (st.IsNotFound()) {
          problem(std::string(kFamilyNames[family]) + " lacks '" + s->dataset + "' at " +
                  s->locator);
        } else if (!st.ok()) {
          failed = st;
        } else if (value != expected) {
          problem(std::string(kFamilyNames[family]) + " has a stale entry for '" + s->dataset +
                  "' at " + s->locator);
        }
      }
    }
    if (!it->status().ok()) failed = it->status();
  }
  for (const auto family : {kByDataset, kBySource, kByTime}) {
    std::uint64_t count = 0;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[family]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
    if (!it->status().ok()) failed = it->status();
    const auto expected = family == kBySource ? by_source_expected : sightings;
    if (count != expected) {
      problem(std::string(kFamilyNames[family]) + " has " + std::to_string(count) +
              " entries for " + std::to_string(sightings) + " sightings" +
              (family == kBySource ? " seen by " + std::to_string(expected) + " sources" : ""));
    }
  }
  check_scan_days(*impl_, ro, problem, failed);
  if (snapshot) impl_->db->ReleaseSnapshot(snapshot);
  if (!failed.ok()) return status_error(impl_->path.string() + ": consistency check", failed);
  if (problems.empty()) return {};
  std::string message = impl_->path.string() + ": inconsistent indexes:";
  for (const auto& p : problems) message += "\n  " + p;
  return Error{message};
}

Result<StoreStats> Store::stats() {
  StoreStats out;
  out.path = impl_->path;
  out.schema_version = impl_->schema_version;
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    if (!impl_->cf[f]) continue;
    FamilyStats fs;
    fs.name = kFamilyNames[f];
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[f]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++fs.keys;
    if (!it->status().ok()) return status_error("counting " + fs.name, it->status());
    impl_->db->GetIntProperty(impl_->cf[f], "rocksdb.total-sst-files-size", &fs.sst_bytes);
    impl_->db->GetIntProperty(impl_->cf[f], "rocksdb.cur-size-all-mem-tables", &fs.memtable_bytes);
    out.families.push_back(std::move(fs));
  }
  return out;
}

StoreMemory Store::memory() {
  StoreMemory out;
  auto& db = *impl_->db;
  db.GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &out.memtables);
  db.GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimateTableReadersMem,
                              &out.table_readers);
  // One cache shared by every family: read once.
  db.GetIntProperty(rocksdb::DB::Properties::kBlockCacheUsage, &out.block_cache);
  return out;
}

Result<void> Store::backup(const std::filesystem::path& dir) {
  if (impl_->read_only) {
    return Error{impl_->path.string() + ": backup needs the database lock (stop the daemon)"};
  }
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return Error{dir.string() + ": backup folder already exists; choose a new one"};
  }
  rocksdb::Checkpoint* raw = nullptr;
  auto s = rocksdb::Checkpoint::Create(impl_->db.get(), &raw);
  if (!s.ok()) return status_error(dir.string() + ": cannot start backup", s);
  const std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  s = checkpoint->CreateCheckpoint(dir.string());  // flushes first, so the WAL is not needed
  if (!s.ok()) return status_error(dir.string() + ": backup failed", s);
  return {};
}

Result<void> Store::compact() {
  if (auto w = impl_->writable("compact"); !w) return w.error();
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    const auto s =
        impl_->db->CompactRange(rocksdb::CompactRangeOptions(), impl_->cf[f], nullptr, nullptr);
    if (!s.ok()) return status_error(impl_->path.string() + ": compacting " + kFamilyNames[f], s);
  }
  return {};
}

}  // namespace leakwatch::store
