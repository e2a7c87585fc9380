// Store: the durable record of signatures, scans and sightings, in an embedded RocksDB under the
// data directory. This header is all other modules see; RocksDB headers stay in rocks_store.cpp.
// Writes that belong together (one fetch's scan record and sightings) are one synced WriteBatch,
// so a crash never leaves half a fetch and an acknowledged sighting is never lost.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"
#include "model/scan_record.h"
#include "model/sighting.h"
#include "model/signature.h"

namespace leakwatch::store {

enum class OpenMode { read_write, read_only };

// The on-disk schema this build writes; opening a newer one is refused.
inline constexpr int kSchemaVersion = 1;

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

class Store {
 public:
  // Opens (creating in read_write mode) the database in `data_dir`/db. A second writer gets a
  // clear "in use" error; a newer schema, a corrupt DB or an unusable folder likewise.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& data_dir, OpenMode mode);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Result<void> put_signature(const Signature& signature);
  Result<std::optional<Signature>> get_signature(std::string_view dataset);
  Result<std::vector<Signature>> list_signatures();
  Result<bool> remove_signature(std::string_view dataset);

  // One fetch, atomically: the scan record and every sighting, merged with what is stored
  // (first_seen never moves later, last_seen never earlier, confidence never drops). Returns the
  // sightings as stored after the merge.
  Result<std::vector<Sighting>> record_fetch(const ScanRecord& scan,
                                             const std::vector<Sighting>& sightings);

  // Streams matching sightings, newest last_seen first, until `visit` returns false.
  Result<void> for_each_sighting(const SightingFilter& filter,
                                 const std::function<bool(const Sighting&)>& visit);
  Result<void> for_each_scan(const ScanFilter& filter,
                             const std::function<bool(const ScanRecord&)>& visit);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The merge rule of record_fetch, exposed for tests and for the alert logic.
Sighting merge_sighting(const Sighting& stored, const Sighting& seen);

}  // namespace leakwatch::store
