// Opening the database: folder checks, the writer lock, read-only (secondary) instances, the
// schema version check and the migration of older schemas.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "model/json.h"
#include "store/rocks_db.h"

namespace leakwatch::store {

namespace fs = std::filesystem;

Store::Impl::~Impl() {
  if (db) {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close();
    db.reset();
  }
  if (!secondary_path.empty()) {
    std::error_code ec;
    fs::remove_all(secondary_path, ec);  // scratch only; nothing to report
  }
}

Result<void> Store::Impl::writable(std::string_view op) const {
  if (read_only) return Error{path.string() + ": " + std::string(op) + ": store opened read-only"};
  return {};
}

namespace {

// Memory and disk bounds. RocksDB's defaults give every column family 64 MiB memtables (up to
// two each, 13 families), so a daemon that rewrites source states and adds scan records all day
// grows by hundreds of MiB before anything is flushed (the first soak: RSS 63 -> 166 MiB in 10
// minutes); and a write-ahead log file is kept until every family with data in it has flushed,
// so families written rarely (outbox, alert state) pin old logs up to max_total_wal_size, by
// default 4 x all memtables (here 416 MiB). One small memtable budget for all families, one
// explicit block cache holding the index and filter blocks too, and a small WAL cap bound both.
constexpr std::size_t kMemtableBudget = std::size_t{16} << 20;  // all families together
constexpr std::size_t kFamilyWriteBuffer = std::size_t{4} << 20;
constexpr std::size_t kBlockCache = std::size_t{8} << 20;
constexpr std::uint64_t kMaxWal = std::uint64_t{32} << 20;

// A scratch folder for a secondary instance's info log; outside the data dir, so readers also
// work on a data dir they cannot write. mkdtemp: a fresh folder only this user can enter, never
// a predictable name another user could have created (or linked) first.
Result<fs::path> new_secondary_path() {
  std::error_code ec;
  const auto base = fs::temp_directory_path(ec);
  if (ec) return Error{"no temporary folder for a read-only database instance: " + ec.message()};
  std::string templ = (base / "leakwatch-reader-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    return Error{templ + ": cannot create a folder for a read-only database instance: " +
                 std::error_code(errno, std::generic_category()).message()};
  }
  return fs::path(templ);
}

// Folders leakwatch creates hold the store and keys: only their owner may enter them.
Result<void> make_private_folder(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{dir.string() + ": cannot create data folder: " + ec.message()};
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return {};
  // Group and other bits go; the owner's stay as they are (a folder made read-only stays so).
  if (::chmod(dir.c_str(), st.st_mode & 0700) != 0) {
    return Error{dir.string() +
                 ": data folder is open to other users and cannot be made private: " +
                 std::error_code(errno, std::generic_category()).message()};
  }
  return {};
}

// Version 1 -> 2: build the three sighting indexes and the source states from the scans, and
// re-key the scans.
Result<void> migrate_from_v1(Store::Impl& impl) {
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(
      impl.db->NewIterator(rocksdb::ReadOptions(), impl.cf[kSightings]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto s = sighting_from_json_text(it->value().ToStringView(), "version 1 sighting");
    if (!s) return with_context(impl.path.string() + ": migrating schema 1", s.error());
    put_index_entries(impl, batch, *s);
  }
  if (!it->status().ok()) return status_error(impl.path.string() + ": migrating", it->status());

  std::map<std::string, SourceState> sources;
  it.reset(impl.db->NewIterator(rocksdb::ReadOptions(), impl.cf[kScans]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {  // oldest first within each source
    auto r = scan_record_from_json_text(it->value().ToStringView(), "version 1 scan record");
    if (!r) return with_context(impl.path.string() + ": migrating schema 1", r.error());
    // Version 1 keyed scans by the raw unsigned milliseconds; rewrite in the ordered form.
    batch.Delete(impl.cf[kScans], it->key());
    batch.Put(impl.cf[kScans], scan_key(*r), it->value());
    auto& state = sources[r->source];
    state.source = r->source;
    apply_scan(state, *r);
  }
  if (!it->status().ok()) return status_error(impl.path.string() + ": migrating", it->status());
  for (const auto& [name, state] : sources) batch.Put(impl.cf[kSources], name, to_json_text(state));

  batch.Put(impl.cf[kDefault], kSchemaKey, std::to_string(kSchemaVersion));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const auto s = impl.db->Write(wo, &batch);
  if (!s.ok()) return status_error(impl.path.string() + ": migrating schema 1", s);
  return {};
}

// Stamps this build's schema version and, unless one is there, the time from which sightings
// keep their history: now.
Result<void> stamp_current(Store::Impl& impl) {
  rocksdb::WriteBatch batch;
  batch.Put(impl.cf[kDefault], kSchemaKey, std::to_string(kSchemaVersion));
  std::string since;
  const auto got =
      impl.db->Get(rocksdb::ReadOptions(), impl.cf[kDefault], kHistorySinceKey, &since);
  if (!got.ok() && !got.IsNotFound()) {
    return status_error(impl.path.string() + ": cannot read history start", got);
  }
  if (got.IsNotFound()) batch.Put(impl.cf[kDefault], kHistorySinceKey, format_rfc3339(now()));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const auto s = impl.db->Write(wo, &batch);
  if (!s.ok()) return status_error(impl.path.string() + ": cannot write schema version", s);
  return {};
}

Result<void> load_history_since(Store::Impl& impl) {
  std::string since;
  const auto s = impl.db->Get(rocksdb::ReadOptions(), impl.cf[kDefault], kHistorySinceKey, &since);
  if (s.IsNotFound()) return {};
  if (!s.ok()) return status_error(impl.path.string() + ": cannot read history start", s);
  impl.history_since = parse_rfc3339(since);
  if (!impl.history_since) {
    return Error{impl.path.string() + ": history start '" + since + "' is not an RFC 3339 time"};
  }
  return {};
}

Result<void> check_schema(Store::Impl& impl) {
  std::string version;
  auto s = impl.db->Get(rocksdb::ReadOptions(), impl.cf[kDefault], kSchemaKey, &version);
  if (s.IsNotFound()) {
    if (impl.read_only) return Error{impl.path.string() + ": database has no schema version"};
    if (auto stamped = stamp_current(impl); !stamped) return stamped;
    impl.schema_version = kSchemaVersion;
    return load_history_since(impl);
  }
  if (!s.ok()) return status_error(impl.path.string() + ": cannot read schema version", s);
  int parsed = 0;
  try {
    std::size_t used = 0;
    parsed = std::stoi(version, &used);
    if (used != version.size()) parsed = 0;
  } catch (const std::exception&) {
    parsed = 0;
  }
  if (parsed <= 0 || parsed > kSchemaVersion) {
    return Error{impl.path.string() + ": database schema version '" + version +
                 "' is newer than this leakwatch understands (it reads versions 1 to " +
                 std::to_string(kSchemaVersion) + "); use a newer leakwatch"};
  }
  if (parsed == 1) {
    if (impl.read_only) {
      return Error{impl.path.string() + ": database schema version " + version +
                   " must be migrated to " + std::to_string(kSchemaVersion) +
                   " first; run a writing command once (e.g. `leakwatch db compact`)"};
    }
    if (auto m = migrate_from_v1(impl); !m) return m;
  }
  // Versions 2 and 3 need no rewrite (manifest values of both forms are read, and a sighting
  // without sources or history reads as before); a writer restamps, a reader leaves them be.
  if (!impl.read_only && parsed < kSchemaVersion) {
    if (auto stamped = stamp_current(impl); !stamped) return stamped;
  }
  impl.schema_version = impl.read_only ? parsed : kSchemaVersion;
  return load_history_since(impl);
}

Result<void> load_outbox_counter(Store::Impl& impl) {
  if (!impl.cf[kOutbox]) return {};
  std::unique_ptr<rocksdb::Iterator> it(
      impl.db->NewIterator(rocksdb::ReadOptions(), impl.cf[kOutbox]));
  it->SeekToLast();
  if (it->Valid()) impl.next_outbox_id = read_be64(it->key().ToStringView()) + 1;
  if (!it->status().ok())
    return status_error(impl.path.string() + ": reading outbox", it->status());
  return {};
}

}  // namespace

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const fs::path& data_dir, OpenMode mode,
                                           const StoreOptions& store_options) {
  auto impl = std::make_unique<Impl>();
  impl->path = data_dir / "db";
  impl->options = store_options;
  impl->read_only = mode == OpenMode::read_only;
  std::error_code ec;
  if (fs::exists(data_dir, ec) && !fs::is_directory(data_dir, ec)) {
    return Error{data_dir.string() + ": data dir exists and is not a folder"};
  }
  if (!impl->read_only) {
    if (auto made = make_private_folder(data_dir); !made) return made.error();
    if (auto made = make_private_folder(impl->path); !made) return made.error();
    if (::access(impl->path.c_str(), W_OK) != 0) {
      return Error{impl->path.string() + ": data folder is not writable: " +
                   std::error_code(errno, std::generic_category()).message()};
    }
  } else if (!fs::exists(impl->path / "CURRENT", ec)) {
    return Error{impl->path.string() + ": no leakwatch database here yet (run sign or scan first)"};
  }

  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.keep_log_file_num = 5;
  options.db_write_buffer_size = kMemtableBudget;
  options.max_total_wal_size = kMaxWal;
  std::vector<std::string> existing;
  if (fs::exists(impl->path / "CURRENT", ec)) {
    const auto s = rocksdb::DB::ListColumnFamilies(options, impl->path.string(), &existing);
    if (!s.ok()) return status_error(impl->path.string() + ": cannot open database", s);
  }
  // Every family on disk must be opened (RocksDB insists), including ones a newer schema added;
  // the schema check then refuses such a database with a clear message.
  std::vector<std::string> names;
  if (!impl->read_only) names.assign(kFamilyNames.begin(), kFamilyNames.end());
  for (const auto& name : existing) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = kFamilyWriteBuffer;
  rocksdb::BlockBasedTableOptions table_options;
  table_options.block_cache = rocksdb::NewLRUCache(kBlockCache);
  table_options.cache_index_and_filter_blocks = true;  // charged to the cache, not unbounded
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.reserve(names.size());
  for (const auto& name : names) families.emplace_back(name, cf_options);

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (impl->read_only) {
    // A secondary instance: no lock, so it works while the writer runs.
    options.max_open_files = -1;
    auto scratch = new_secondary_path();
    if (!scratch) return scratch.error();
    impl->secondary_path = std::move(scratch).value();
    s = rocksdb::DB::OpenAsSecondary(options, impl->path.string(), impl->secondary_path.string(),
                                     families, &impl->handles, &raw);
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
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto known = std::find(kFamilyNames.begin(), kFamilyNames.end(), names[i]);
    if (known != kFamilyNames.end()) {
      impl->cf[static_cast<std::size_t>(known - kFamilyNames.begin())] = impl->handles[i];
    }
  }
  if (impl->read_only) {
    s = impl->db->TryCatchUpWithPrimary();
    if (!s.ok()) return status_error(impl->path.string() + ": cannot read database", s);
  }
  if (auto c = check_schema(*impl); !c) return c.error();
  if (auto d = open_scan_days(*impl); !d) return d.error();
  if (auto o = load_outbox_counter(*impl); !o) return o.error();
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

std::optional<Timestamp> Store::history_since() const {
  return impl_->history_since;
}

Result<void> Store::refresh() {
  if (!impl_->read_only) return {};
  const auto s = impl_->db->TryCatchUpWithPrimary();
  if (!s.ok()) return status_error(impl_->path.string() + ": cannot catch up with the writer", s);
  return {};
}

}  // namespace leakwatch::store
