// Store: the durable record of signatures, sources, scans, manifests, sightings and the alert
// outbox, in an embedded RocksDB under the data directory. This header is all other modules see;
// RocksDB headers stay in store/rocks*.cpp. Writes that belong together (one fetch's scan record,
// manifest, sightings and outbox entries) are one synced WriteBatch, so a crash never leaves half
// a fetch and an acknowledged sighting is never lost. The store never knows the crawler or the
// matcher.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/manifest.h"
#include "model/result.h"
#include "model/scan_record.h"
#include "model/sighting.h"
#include "model/signature.h"

namespace leakwatch::store {

// read_write takes the single-writer lock. read_only opens a RocksDB secondary instance (its
// own scratch folder under the data dir), so it works while a writer (the daemon) holds the DB
// and sees everything that writer had committed when it opened.
enum class OpenMode { read_write, read_only };

// The on-disk schema this build writes. Version 1 (signatures, sightings, scans only) is
// migrated on the first read-write open; versions 2 and 3 are read as they are and restamped by
// a writer, which notes from when sightings keep their history (history_since); a newer version
// is refused.
inline constexpr int kSchemaVersion = 4;

struct StoreOptions {
  // fsync the WAL on every commit point (record_fetch, signatures, outbox). On by default: an
  // acknowledged sighting must survive a power cut.
  bool sync = true;
  // How many manifest change records to keep per locator (the latest manifest is always kept).
  std::size_t manifest_history_limit = 100;
};

struct SightingFilter {
  std::optional<std::string> dataset;
  std::optional<std::string> source;
  std::optional<Timestamp> since;  // last_seen >= since
  std::optional<Timestamp> until;  // first_seen <= until
  Confidence min_confidence = Confidence::possible;
};

struct ScanFilter {
  std::optional<std::string> source;
  std::optional<Timestamp> since;  // started >= since
  std::optional<Timestamp> until;  // started <= until
};

// What coverage reads of one scan record (store/coverage.h): the store keeps these per source and
// UTC day beside the scan records, written in the same batch, so a window of a million scans is
// read without parsing a million JSON records. The views live only during the visit.
struct ScanSummary {
  std::string_view scan_id;
  std::string_view source;
  std::string_view locator;
  std::string_view proxy;  // empty when direct
  std::string_view error;
  Timestamp started{};
  Timestamp ended{};
  ScanStatus status = ScanStatus::failed;
  std::uint64_t entries_seen = 0;
  bool content_checked = false;
};

// What the store remembers about a source between runs: HTTP validators for conditional
// requests, and a short availability history (the newest kSourceHistoryLimit scans).
struct SourceState {
  std::string source;
  std::string etag;
  std::string last_modified;
  std::optional<Timestamp> last_attempt;
  std::optional<Timestamp> last_success;  // last scan with status ok or partial
  std::uint64_t consecutive_failures = 0;
  struct Availability {
    Timestamp at{};
    ScanStatus status = ScanStatus::failed;
    friend bool operator==(const Availability&, const Availability&) = default;
  };
  std::vector<Availability> history;  // oldest first
  // Retention (Store::prune) removed scan records of this source started at or before this time
  // (some of them: the ones a sighting or the coverage rests on are kept); nullopt: none removed.
  std::optional<Timestamp> scans_pruned_through;

  friend bool operator==(const SourceState&, const SourceState&) = default;
};
inline constexpr std::size_t kSourceHistoryLimit = 50;

// What changed at one locator between two fetches (paths added and removed).
struct ManifestChange {
  std::string locator;
  Timestamp fetched_at{};
  std::uint64_t entries = 0;
  std::vector<std::string> added;
  std::vector<std::string> removed;

  friend bool operator==(const ManifestChange&, const ManifestChange&) = default;
};

// An alert waiting for delivery: a sighting that is new or whose confidence went up.
struct OutboxEntry {
  std::uint64_t id = 0;  // increasing; delivery order
  Timestamp created{};
  std::string reason;  // "new" | "upgraded"
  Sighting sighting;

  friend bool operator==(const OutboxEntry&, const OutboxEntry&) = default;
};

// The delivery of one alert to one hook (alerts/ keeps it): persisted at every attempt, so the
// backoff and "delivered" survive restarts and an acknowledged alert is never sent again.
enum class DeliveryState : std::uint8_t { pending, delivered, failing };
std::string_view delivery_state_name(DeliveryState s);
std::optional<DeliveryState> parse_delivery_state(std::string_view name);

struct AlertDelivery {
  std::string hook;
  std::string alert_id;  // the alert's stable id (dataset, locator, confidence)
  std::uint64_t outbox_id = 0;
  std::string event;  // sighting.new | sighting.upgraded
  std::string dataset;
  std::string source;
  std::string locator;
  Confidence confidence = Confidence::possible;
  DeliveryState state = DeliveryState::pending;
  std::uint32_t attempts = 0;
  std::string last_error;
  Timestamp created{};
  std::optional<Timestamp> next_attempt;  // not before (backoff, Retry-After, rate limit)
  std::optional<Timestamp> delivered_at;

  friend bool operator==(const AlertDelivery&, const AlertDelivery&) = default;
};

// A hook's current rate-limit window: deliveries counted since `start`.
struct HookWindow {
  std::string hook;
  Timestamp start{};
  std::uint32_t count = 0;

  friend bool operator==(const HookWindow&, const HookWindow&) = default;
};

// What one delivery step changes, written as one synced batch.
struct DeliveryUpdate {
  std::vector<AlertDelivery> deliveries;
  std::optional<HookWindow> window;
  std::vector<std::uint64_t> remove_outbox;  // entries every hook is done with
};

// Everything one fetch of one source produced; recorded atomically by record_fetch.
struct Fetch {
  ScanRecord scan;
  std::vector<Sighting> sightings;
  // The manifest the fetch revealed (its text blobs are never stored: they may hold leaked data).
  std::optional<Manifest> manifest;
  std::optional<std::string> etag;           // HTTP validators for the next conditional request
  std::optional<std::string> last_modified;  // (left unchanged when not given)
};

// What Store::prune removes (config [store]; docs/CONTRACTS.md). Unset or 0: no limit.
struct Retention {
  std::optional<std::chrono::milliseconds> scan_age;  // scan records started longer ago
  std::size_t scans_per_source = 0;                   // at most this many per source, the newest
  std::optional<std::chrono::milliseconds> manifest_history_age;  // change records fetched longer
                                                                  // ago (each locator's newest
                                                                  // is kept)
  std::size_t manifest_history = 0;  // at most this many change records per locator

  bool limits_scans() const { return scan_age || scans_per_source > 0; }
  bool limits_anything() const {
    return limits_scans() || manifest_history_age || manifest_history > 0;
  }
};

struct PruneResult {
  std::uint64_t scans_removed = 0;
  std::uint64_t scans_kept_for_evidence = 0;  // beyond the retention, kept (see Store::prune)
  std::uint64_t manifest_changes_removed = 0;
};

// Dataset files and record rows a sighting matched that it had not matched before, first matched
// at `at` (the fetch that saw them). Exposure is the union of these over a dataset's sightings.
struct MemberGroup {
  std::string locator;
  Timestamp at{};
  std::vector<std::uint32_t> files;  // indices into the signature's files, sorted
  std::vector<std::uint32_t> rows;   // record rows, sorted

  friend bool operator==(const MemberGroup&, const MemberGroup&) = default;
};

// A signature's size without its hashes, kept beside it so exposure never parses a
// million-file signature.
struct DatasetShape {
  std::vector<std::uint64_t> file_sizes;  // by file index
  std::uint64_t bytes = 0;                // their sum
  std::uint64_t records = 0;              // record rows fingerprinted
};
DatasetShape shape_of(const Signature& signature);

// One file of a signature as a change summary names it: its path, size and one digest
// ("sha256:<hex>", or the first kind it has; empty when it has none). Hashes only, never data.
struct SignatureFileRef {
  std::string path;
  std::uint64_t size = 0;
  std::string digest;

  friend bool operator==(const SignatureFileRef&, const SignatureFileRef&) = default;
};

// A file under the same path in both versions whose size or digests differ.
struct SignatureFileChange {
  SignatureFileRef before;
  SignatureFileRef after;

  friend bool operator==(const SignatureFileChange&, const SignatureFileChange&) = default;
};

// What a replacement changed, old signature -> new. The counts are exact; the path lists hold at
// most kMaxSignatureChangePaths each (the first by path), so a version of a million-file dataset
// stays small.
struct SignatureChange {
  std::uint64_t files_added = 0;
  std::uint64_t files_removed = 0;
  std::uint64_t files_changed = 0;
  std::vector<SignatureFileRef> added;
  std::vector<SignatureFileRef> removed;
  std::vector<SignatureFileChange> changed;
  // The new signature's figures (the old ones are the version's own).
  Timestamp created_after{};
  std::optional<Timestamp> imported_after;
  std::string description_after;
  std::uint64_t files_after = 0;
  std::uint64_t bytes_after = 0;
  std::uint64_t records_after = 0;
  std::uint64_t honeytokens_after = 0;
  std::uint64_t name_patterns_after = 0;

  friend bool operator==(const SignatureChange&, const SignatureChange&) = default;
};
inline constexpr std::size_t kMaxSignatureChangePaths = 1000;

// A signature that was replaced (`sign --replace`, `signatures import` over a signed name): what
// it was, when it was replaced and what the replacement changed. Kept in the same batch as the
// replacement; hashes and counts only (its file hashes are not kept: nothing matches against an
// earlier version, verify only needs its times and counts).
struct SignatureVersion {
  std::string dataset;
  std::string description;
  Timestamp created{};
  std::optional<Timestamp> imported;
  Timestamp replaced{};  // strictly increasing within a dataset
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t records = 0;  // record rows fingerprinted
  std::uint64_t honeytokens = 0;
  std::uint64_t name_patterns = 0;
  std::string record_key_id;
  SignatureChange change;

  // As Signature::matchable_since: the later of created and imported.
  Timestamp matchable_since() const {
    return imported && *imported > created ? *imported : created;
  }
  friend bool operator==(const SignatureVersion&, const SignatureVersion&) = default;
};
// How many replaced versions a dataset keeps (the newest). A replacement is a person's deliberate
// act (`--replace`), so 100 covers years of re-signing; the bound only stops a script that
// replaces in a loop from growing the store without end. Verify at a time before the oldest kept
// version was created finds no version in force then and answers insufficient-coverage.
inline constexpr std::size_t kSignatureHistoryLimit = 100;

// The version `old` becomes when `replacement` replaces it at `replaced` (the diff by path).
SignatureVersion replaced_version(const Signature& old, const Signature& replacement,
                                  Timestamp replaced);

struct FamilyStats {
  std::string name;
  std::uint64_t keys = 0;
  std::uint64_t sst_bytes = 0;
  std::uint64_t memtable_bytes = 0;
};

// What the database holds in memory now (RocksDB's own accounting), for /metrics: the
// memtables (bounded by a 16 MiB budget for all families), the block cache (8 MiB, index and
// filter blocks included) and the table readers outside it.
struct StoreMemory {
  std::uint64_t memtables = 0;
  std::uint64_t block_cache = 0;
  std::uint64_t table_readers = 0;
};

struct StoreStats {
  std::filesystem::path path;
  int schema_version = 0;
  std::vector<FamilyStats> families;
};

class Store {
 public:
  // Opens (creating in read_write mode) the database in `data_dir`/db. A second writer gets a
  // clear "in use" error; a newer schema, a corrupt DB or an unusable folder likewise.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& data_dir, OpenMode mode,
                                             const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Stores the signature. Over an existing one of the same dataset, the old one is kept as a
  // SignatureVersion (replaced at `replaced_at`, default now; moved 1 ms past the previous
  // version's if not later) in the same synced batch, and the oldest beyond
  // kSignatureHistoryLimit are dropped in it.
  Result<void> put_signature(const Signature& signature,
                             std::optional<Timestamp> replaced_at = std::nullopt);
  // The replaced versions of a dataset, oldest first; empty when it was never replaced (or the
  // store predates the history).
  Result<std::vector<SignatureVersion>> signature_history(std::string_view dataset);
  Result<std::optional<Signature>> get_signature(std::string_view dataset);
  Result<std::vector<Signature>> list_signatures();
  // Removes the signature and its replaced versions (its sightings stay).
  Result<bool> remove_signature(std::string_view dataset);

  // One fetch, atomically: scan record, source state, manifest (latest + change record),
  // every sighting merged with what is stored (first_seen never moves later, last_seen never
  // earlier, confidence never drops; several sightings of one dataset+locator in the fetch merge
  // with each other), and an outbox entry per new or upgraded sighting. Returns the sightings as
  // stored after the merge, one per dataset+locator, in order of first appearance.
  Result<std::vector<Sighting>> record_fetch(const Fetch& fetch);
  Result<std::vector<Sighting>> record_fetch(const ScanRecord& scan,
                                             const std::vector<Sighting>& sightings);

  // A read-only (secondary) store catches up with what the writer has committed since it
  // opened or last refreshed; the writer sees its own commits already (no-op).
  Result<void> refresh();

  Result<std::optional<Sighting>> get_sighting(std::string_view dataset, std::string_view locator);
  // Streams matching sightings, newest last_seen first, until `visit` returns false. A range
  // scan over the dataset+time, source+time or time index; nothing is loaded whole.
  Result<void> for_each_sighting(const SightingFilter& filter,
                                 const std::function<bool(const Sighting&)>& visit);
  // Scans of one source (or all), oldest first within a source.
  Result<void> for_each_scan(const ScanFilter& filter,
                             const std::function<bool(const ScanRecord&)>& visit);
  // The same scans as for_each_scan, in the same order, as summaries: from the per-day coverage
  // aggregate, or (a database no writer of this version has opened yet, read-only) from the scan
  // records themselves, which scan_days_complete() tells.
  Result<void> for_each_scan_summary(const ScanFilter& filter,
                                     const std::function<bool(const ScanSummary&)>& visit);
  bool scan_days_complete() const;

  Result<std::optional<SourceState>> get_source_state(std::string_view source);
  // get_source_state(source)->scans_pruned_through, without parsing the state when it has none
  // (verify asks it of every configured source: 10,000 states of 50 scans each add up).
  Result<std::optional<Timestamp>> scans_pruned_through(std::string_view source);
  Result<std::optional<Manifest>> latest_manifest(std::string_view locator);
  // Whether a manifest of this locator is stored (without parsing it).
  Result<bool> has_manifest(std::string_view locator);
  // Change records of one locator, oldest first.
  Result<std::vector<ManifestChange>> manifest_history(std::string_view locator);

  // Member groups of a dataset's sightings, by locator and then oldest first (one range scan).
  Result<void> for_each_member_group(std::string_view dataset,
                                     const std::function<bool(const MemberGroup&)>& visit);
  // nullopt when no signature of that name is stored.
  Result<std::optional<DatasetShape>> dataset_shape(std::string_view dataset);

  Result<void> for_each_outbox_entry(const std::function<bool(const OutboxEntry&)>& visit);
  Result<void> remove_outbox_entry(std::uint64_t id);

  // Alert delivery state (alerts/): per alert and hook, and each hook's rate-limit window.
  Result<std::optional<AlertDelivery>> get_alert_delivery(std::string_view hook,
                                                          std::string_view alert_id);
  // Every delivery record, by hook then alert id, until `visit` returns false.
  Result<void> for_each_alert_delivery(const std::function<bool(const AlertDelivery&)>& visit);
  Result<std::optional<HookWindow>> get_hook_window(std::string_view hook);
  Result<void> update_deliveries(const DeliveryUpdate& update);

  // Checks that every sighting has exactly its index entries and every index entry points to a
  // sighting with the same time and confidence, and that the coverage aggregate holds exactly
  // the scan records. The error lists the first problems found.
  Result<void> check_consistency();

  // Operations (`leakwatch db ...`).
  Result<StoreStats> stats();
  // Cheap (a few property reads), thread-safe.
  StoreMemory memory();
  // A RocksDB checkpoint in `dir` (which must not exist): a complete database; restore by
  // moving it to <data dir>/db while no leakwatch runs. Needs the writer (read_write).
  Result<void> backup(const std::filesystem::path& dir);
  Result<void> compact();
  // Applies the retention as of `now`. Never removes a sighting, its indexes, the outbox, alert
  // state, a signature, a source state or a locator's latest manifest; and of the scan records
  // beyond the retention it keeps those the rest rests on: each source's newest scan and newest
  // ok scan (coverage and the scheduler), and for every sighting the scan of its source in which
  // it was first seen (the evidence of when and through which proxy). A source whose scan records
  // were removed remembers up to when (SourceState::scans_pruned_through), so `verify` can say
  // that coverage before then was pruned. Deletes in small synced batches beside record_fetch.
  Result<PruneResult> prune(const Retention& retention, Timestamp now);

  // From when every change of a sighting's confidence is kept: when this database was created,
  // or when a writer of schema 4 first opened a database written by an earlier version. Sightings
  // recorded before that carry no history (or an `inferred` first change). nullopt: not yet (an
  // older database opened read-only).
  std::optional<Timestamp> history_since() const;

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The merge rule of record_fetch, exposed for tests and for the alert logic: the stronger
// evidence wins, first_seen never moves later nor last_seen earlier, confidence never drops,
// every source is kept with its own first and last seen, and a change of confidence or counts is
// appended to the history at the time it was seen.
Sighting merge_sighting(const Sighting& stored, const Sighting& seen);
// A sighting as record_fetch first stores it: its source listed, its history begun.
Sighting start_sighting(const Sighting& seen);

}  // namespace leakwatch::store
