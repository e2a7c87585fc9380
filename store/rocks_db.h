// Internal to store/: the RocksDB handle behind Store, the column families of the schema and
// their key encodings. Only store/rocks*.cpp include this (it includes RocksDB).
//
// Schema version 4 (column family: key -> value):
//   default              "schema_version" -> "4"
//                        "history_since" -> RFC 3339 time from which sightings keep history
//   signatures           dataset -> Signature JSON
//   sources              source -> SourceState JSON
//   scans                source \0 be64(started ms) scan_id -> ScanRecord JSON
//   manifests            locator -> Manifest JSON as a zstd frame (latest; text blobs dropped)
//   manifest_history     locator \0 be64(fetched ms) -> ManifestChange JSON as a zstd frame
//   sightings            dataset \0 locator -> Sighting JSON (one record per dataset+locator)
//   sightings_by_dataset dataset \0 newest(last_seen) locator           -> index value
//   sightings_by_source  source \0 newest(last_seen) dataset \0 locator -> index value (one per
//                        source in the sighting's `sources`)
//   sightings_by_time    newest(last_seen) dataset \0 locator           -> index value
//   outbox               be64(id) -> OutboxEntry JSON
//   alert_deliveries     hook \0 alert id -> AlertDelivery JSON (added in version 3; additive)
//   hook_windows         hook -> HookWindow JSON (rate-limit window of a hook)
//   sighting_members     dataset \0 locator \0 be64(at ms) -> packed MemberGroup (files, rows)
//   dataset_shapes       dataset -> packed DatasetShape (file sizes, record rows)
//   scan_days            source \0 be64(UTC day start ms) -> packed coverage day: what coverage
//                        reads of each scan record of that source started that day (the same
//                        batch as the scan record; store/rocks_scan_days.cpp)
//                        "scan_days_complete" in default: every scan record is in scan_days
//   signature_history    dataset \0 be64(replaced ms) -> SignatureVersion JSON: a replaced
//                        signature's times, counts and what its replacement changed (same batch
//                        as the replacement; at most kSignatureHistoryLimit per dataset; added
//                        in version 4 without a version change: absent reads as no history)
// newest(t) sorts later times first; an index value is the confidence byte + be64(first_seen),
// so the time and confidence filters run on the index without reading the sighting.
// Version 3 differs from 2 only in framing the two manifest families (store/value_frame.h); their
// readers take both forms, so a version 2 database is read as it is and restamped by a writer.
// Version 4 adds to the sighting JSON its `sources` and confidence `history` (a sighting without
// them reads as seen by its one source, with no history) and "history_since": a writer upgrading
// an older database stamps the time, and sightings recorded before it have no exact history.
// scan_days is built from the scan records the first time a writer opens a database without
// "scan_days_complete" (any older one); until then readers read the scan records themselves.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace leakwatch::store {

inline constexpr const char* kSchemaKey = "schema_version";
inline constexpr const char* kHistorySinceKey = "history_since";
inline constexpr const char* kScanDaysCompleteKey = "scan_days_complete";

enum Family : std::size_t {
  kDefault,
  kSignatures,
  kSources,
  kScans,
  kManifests,
  kManifestHistory,
  kSightings,
  kByDataset,
  kBySource,
  kByTime,
  kOutbox,
  kAlertDeliveries,
  kHookWindows,
  kMembers,
  kShapes,
  kScanDays,
  kSignatureHistory,
  kFamilyCount
};

inline constexpr std::array<const char*, kFamilyCount> kFamilyNames = {"default",
                                                                       "signatures",
                                                                       "sources",
                                                                       "scans",
                                                                       "manifests",
                                                                       "manifest_history",
                                                                       "sightings",
                                                                       "sightings_by_dataset",
                                                                       "sightings_by_source",
                                                                       "sightings_by_time",
                                                                       "outbox",
                                                                       "alert_deliveries",
                                                                       "hook_windows",
                                                                       "sighting_members",
                                                                       "dataset_shapes",
                                                                       "scan_days",
                                                                       "signature_history"};

struct Store::Impl {
  std::filesystem::path path;            // <data dir>/db
  std::filesystem::path secondary_path;  // scratch folder of a read-only (secondary) instance
  StoreOptions options;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // owned; destroyed before db
  std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount> cf{};
  bool read_only = false;
  int schema_version = 0;
  std::mutex write_mutex;  // record_fetch reads then writes; one at a time
  std::uint64_t next_outbox_id = 1;
  std::optional<Timestamp> history_since;
  bool scan_days_complete = false;  // scan_days holds every scan record (see the schema above)

  ~Impl();

  Result<void> writable(std::string_view op) const;
  rocksdb::WriteOptions write_options() const {
    rocksdb::WriteOptions wo;
    wo.sync = options.sync;
    return wo;
  }
};

Error status_error(const std::string& what, const rocksdb::Status& s);

std::string be64(std::uint64_t v);
std::uint64_t read_be64(std::string_view bytes);
// Signed milliseconds mapped to an unsigned value with the same order.
std::uint64_t ordered_ms(Timestamp t);
Timestamp from_ordered_ms(std::uint64_t v);

std::string sighting_key(std::string_view dataset, std::string_view locator);
std::string scan_key(const ScanRecord& r);
std::string by_dataset_key(const Sighting& s);
// One entry per source that saw the sighting.
std::string by_source_key(std::string_view source, const Sighting& s);
std::string by_time_key(const Sighting& s);
std::string index_value(const Sighting& s);
// Adds (or, with remove, deletes) the three index entries of `s` to the batch.
void put_index_entries(Store::Impl& impl, rocksdb::WriteBatch& batch, const Sighting& s);
void delete_index_entries(Store::Impl& impl, rocksdb::WriteBatch& batch, const Sighting& s);

std::string signature_history_key(std::string_view dataset, Timestamp replaced);
std::string to_json_text(const SignatureVersion& v);
Result<SignatureVersion> signature_version_from_json_text(std::string_view text,
                                                          std::string_view what);

std::string member_key(std::string_view dataset, std::string_view locator, Timestamp at);
// Counts and sorted numbers as LEB128 varints, the numbers delta-coded: 100,000 indices of a
// million-file dataset take about 100 KB.
std::string pack_members(const std::vector<std::uint32_t>& files,
                         const std::vector<std::uint32_t>& rows);
Result<MemberGroup> unpack_members(std::string_view key, std::string_view value);
void put_varint(std::string& out, std::uint64_t v);
// False at the end of the bytes or on a varint longer than 64 bits.
bool get_varint(std::string_view& in, std::uint64_t& v);

std::string pack_shape(const DatasetShape& shape);
Result<DatasetShape> unpack_shape(std::string_view value, std::string_view what);

// The coverage aggregate (store/rocks_scan_days.cpp). Edits load the day records they touch,
// change them in memory and put them into a batch together.
class ScanDayEdits {
 public:
  explicit ScanDayEdits(Store::Impl& impl);
  ~ScanDayEdits();
  ScanDayEdits(const ScanDayEdits&) = delete;
  ScanDayEdits& operator=(const ScanDayEdits&) = delete;
  // Adds the scan, or replaces the one of the same source, start and id (a record written again).
  Result<void> add(const ScanRecord& scan);
  // Removes the scan with this scan key (source \0 be64(started) scan_id), if it is there.
  Result<void> remove(std::string_view scan_key);
  void write(rocksdb::WriteBatch& batch);

  struct Day;

 private:
  Result<Day*> load(std::string_view source, std::int64_t day_start_ms);
  Store::Impl& impl_;
  std::map<std::string, std::unique_ptr<Day>> days_;  // by day key
};
// Reads the "scan_days_complete" mark; a writer without it builds scan_days from the scan records
// (replacing whatever a build cut short left there) and sets it.
Result<void> open_scan_days(Store::Impl& impl);
// Part of check_consistency: scan_days says what the scan records say, scan by scan.
void check_scan_days(Store::Impl& impl, const rocksdb::ReadOptions& ro,
                     const std::function<void(std::string)>& problem, rocksdb::Status& failed);

// Folds one scan into a source's state (attempt, success, failures, availability history).
void apply_scan(SourceState& state, const ScanRecord& scan);

std::string to_json_text(const SourceState& s);
Result<SourceState> source_state_from_json_text(std::string_view text, std::string_view what);
std::string to_json_text(const ManifestChange& c);
// The change record's JSON text handed to `sink` in pieces (about 64 KiB each).
void write_manifest_change_json(std::string_view locator, Timestamp fetched_at,
                                std::uint64_t entries, std::span<const std::string_view> added,
                                std::span<const std::string_view> removed,
                                const std::function<void(std::string_view)>& sink);
std::string manifest_change_json_text(std::string_view locator, Timestamp fetched_at,
                                      std::uint64_t entries,
                                      std::span<const std::string_view> added,
                                      std::span<const std::string_view> removed);
Result<ManifestChange> manifest_change_from_json_text(std::string_view text, std::string_view what);
std::string to_json_text(const OutboxEntry& e);
Result<OutboxEntry> outbox_entry_from_json_text(std::string_view text, std::string_view what);

}  // namespace leakwatch::store
