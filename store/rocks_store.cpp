#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>

#include "model/json.h"
#include "store/store.h"

namespace leakwatch::store {

namespace {

constexpr const char* kSchemaKey = "schema_version";
constexpr const char* kSignaturesCf = "signatures";
constexpr const char* kSightingsCf = "sightings";
constexpr const char* kScansCf = "scans";

std::string be64(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string sighting_key(std::string_view dataset, std::string_view locator) {
  std::string key(dataset);
  key += '\0';
  key += locator;
  return key;
}

std::string scan_key(const ScanRecord& r) {
  std::string key = r.source;
  key += '\0';
  key += be64(static_cast<std::uint64_t>(to_unix_ms(r.started)));
  key += r.scan_id;
  return key;
}

Error status_error(const std::string& what, const rocksdb::Status& s) {
  return Error{what + ": " + s.ToString()};
}

}  // namespace

struct Store::Impl {
  std::filesystem::path path;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // owned; destroyed before db
  rocksdb::ColumnFamilyHandle* signatures = nullptr;
  rocksdb::ColumnFamilyHandle* sightings = nullptr;
  rocksdb::ColumnFamilyHandle* scans = nullptr;
  bool read_only = false;

  ~Impl() {
    if (db) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      db->Close();
    }
  }

  Result<void> writable(std::string_view op) const {
    if (read_only)
      return Error{path.string() + ": " + std::string(op) + ": store opened read-only"};
    return {};
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& data_dir, OpenMode mode) {
  namespace fs = std::filesystem;
  auto impl = std::make_unique<Impl>();
  impl->path = data_dir / "db";
  impl->read_only = mode == OpenMode::read_only;
  std::error_code ec;
  if (fs::exists(data_dir, ec) && !fs::is_directory(data_dir, ec)) {
    return Error{data_dir.string() + ": data dir exists and is not a folder"};
  }
  if (mode == OpenMode::read_write) {
    fs::create_directories(impl->path, ec);
    if (ec) return Error{impl->path.string() + ": cannot create data folder: " + ec.message()};
  } else if (!fs::exists(impl->path / "CURRENT", ec)) {
    return Error{impl->path.string() + ": no leakwatch database here yet (run sign or scan first)"};
  }

  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.keep_log_file_num = 5;
  rocksdb::ColumnFamilyOptions cf_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf_options},
      {kSignaturesCf, cf_options},
      {kSightingsCf, cf_options},
      {kScansCf, cf_options},
  };
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (impl->read_only) {
    s = rocksdb::DB::OpenForReadOnly(options, impl->path.string(), families, &impl->handles, &raw);
  } else {
    s = rocksdb::DB::Open(options, impl->path.string(), families, &impl->handles, &raw);
  }
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Error{impl->path.string() +
                   ": the database is in use by another leakwatch process (only one writer at a "
                   "time; read-only commands still work): " +
                   s.ToString()};
    }
    return status_error(impl->path.string() + ": cannot open database", s);
  }
  impl->db.reset(raw);
  impl->signatures = impl->handles[1];
  impl->sightings = impl->handles[2];
  impl->scans = impl->handles[3];

  std::string version;
  s = impl->db->Get(rocksdb::ReadOptions(), kSchemaKey, &version);
  if (s.IsNotFound()) {
    if (!impl->read_only) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      s = impl->db->Put(wo, kSchemaKey, std::to_string(kSchemaVersion));
      if (!s.ok()) return status_error(impl->path.string() + ": cannot write schema version", s);
    }
  } else if (!s.ok()) {
    return status_error(impl->path.string() + ": cannot read schema version", s);
  } else if (version != std::to_string(kSchemaVersion)) {
    return Error{impl->path.string() + ": database schema version " + version +
                 " is not one this leakwatch understands (it writes version " +
                 std::to_string(kSchemaVersion) + "); use a newer leakwatch"};
  }
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Result<void> Store::put_signature(const Signature& signature) {
  if (auto w = impl_->writable("put_signature"); !w) return w.error();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const auto s = impl_->db->Put(wo, impl_->signatures, signature.dataset, to_json_text(signature));
  if (!s.ok()) return status_error("signature '" + signature.dataset + "'", s);
  return {};
}

Result<std::optional<Signature>> Store::get_signature(std::string_view dataset) {
  std::string value;
  const auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->signatures,
                                rocksdb::Slice(dataset.data(), dataset.size()), &value);
  if (s.IsNotFound()) return std::optional<Signature>{};
  if (!s.ok()) return status_error("signature '" + std::string(dataset) + "'", s);
  auto sig = signature_from_json_text(value, "stored signature '" + std::string(dataset) + "'");
  if (!sig) return sig.error();
  return std::optional<Signature>(std::move(sig).value());
}

Result<std::vector<Signature>> Store::list_signatures() {
  std::vector<Signature> out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->signatures));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto sig = signature_from_json_text(it->value().ToStringView(),
                                        "stored signature '" + it->key().ToString() + "'");
    if (!sig) return sig.error();
    out.push_back(std::move(sig).value());
  }
  if (!it->status().ok()) return status_error("listing signatures", it->status());
  return out;
}

Result<bool> Store::remove_signature(std::string_view dataset) {
  if (auto w = impl_->writable("remove_signature"); !w) return w.error();
  auto existing = get_signature(dataset);
  if (!existing) return existing.error();
  if (!*existing) return false;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const auto s =
      impl_->db->Delete(wo, impl_->signatures, rocksdb::Slice(dataset.data(), dataset.size()));
  if (!s.ok()) return status_error("removing signature '" + std::string(dataset) + "'", s);
  return true;
}

Sighting merge_sighting(const Sighting& stored, const Sighting& seen) {
  Sighting out = seen.confidence >= stored.confidence ? seen : stored;
  out.confidence = std::max(stored.confidence, seen.confidence);
  out.first_seen = std::min(stored.first_seen, seen.first_seen);
  out.last_seen = std::max(stored.last_seen, seen.last_seen);
  return out;
}

Result<std::vector<Sighting>> Store::record_fetch(const ScanRecord& scan,
                                                  const std::vector<Sighting>& sightings) {
  if (auto w = impl_->writable("record_fetch"); !w) return w.error();
  rocksdb::WriteBatch batch;
  std::vector<Sighting> merged;
  for (const auto& seen : sightings) {
    const auto key = sighting_key(seen.dataset, seen.locator);
    std::string value;
    const auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->sightings, key, &value);
    Sighting result = seen;
    if (s.ok()) {
      auto stored = sighting_from_json_text(value, "stored sighting of '" + seen.dataset + "'");
      if (!stored) return stored.error();
      result = merge_sighting(*stored, seen);
    } else if (!s.IsNotFound()) {
      return status_error("reading sighting of '" + seen.dataset + "' at " + seen.locator, s);
    }
    batch.Put(impl_->sightings, key, to_json_text(result));
    merged.push_back(std::move(result));
  }
  batch.Put(impl_->scans, scan_key(scan), to_json_text(scan));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const auto s = impl_->db->Write(wo, &batch);
  if (!s.ok()) return status_error("recording scan of source '" + scan.source + "'", s);
  return merged;
}

Result<void> Store::for_each_sighting(const SightingFilter& filter,
                                      const std::function<bool(const Sighting&)>& visit) {
  // Foundation: a filtered pass over the sightings family, sorted in memory. The store issue adds
  // the dataset+time and source+time indexes that make this a streamed range scan.
  std::vector<Sighting> matched;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->sightings));
  const std::string prefix =
      filter.dataset ? *filter.dataset + std::string(1, '\0') : std::string();
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto s = sighting_from_json_text(it->value().ToStringView(), "stored sighting");
    if (!s) return s.error();
    if (filter.source && s->source != *filter.source) continue;
    if (filter.since && s->last_seen < *filter.since) continue;
    if (filter.until && s->first_seen > *filter.until) continue;
    if (s->confidence < filter.min_confidence) continue;
    matched.push_back(std::move(s).value());
  }
  if (!it->status().ok()) return status_error("reading sightings", it->status());
  std::stable_sort(matched.begin(), matched.end(),
                   [](const Sighting& a, const Sighting& b) { return a.last_seen > b.last_seen; });
  for (const auto& s : matched) {
    if (!visit(s)) break;
  }
  return {};
}

Result<void> Store::for_each_scan(const ScanFilter& filter,
                                  const std::function<bool(const ScanRecord&)>& visit) {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->scans));
  const std::string prefix = filter.source ? *filter.source + std::string(1, '\0') : std::string();
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto r = scan_record_from_json_text(it->value().ToStringView(), "stored scan record");
    if (!r) return r.error();
    if (filter.since && r->started < *filter.since) continue;
    if (filter.until && r->started > *filter.until) continue;
    if (!visit(*r)) break;
  }
  if (!it->status().ok()) return status_error("reading scans", it->status());
  return {};
}

}  // namespace leakwatch::store
