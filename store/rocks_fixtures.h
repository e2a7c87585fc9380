// Test fixtures that need raw RocksDB access (kept here so RocksDB headers stay in store/rocks*):
// a database as schema version 1 wrote it, and a database stamped with another schema version.
// Linked only by tests (leakwatch_store_fixtures).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "model/result.h"
#include "model/scan_record.h"
#include "model/sighting.h"
#include "model/signature.h"

namespace leakwatch::store::fixtures {

// Creates <data_dir>/db in the version 1 layout: default "schema_version"="1" and the families
// signatures, sightings and scans with JSON values.
Result<void> write_schema_v1_database(const std::filesystem::path& data_dir,
                                      const std::vector<Signature>& signatures,
                                      const std::vector<ScanRecord>& scans,
                                      const std::vector<Sighting>& sightings);

// Overwrites the schema version key of an existing (closed) database, adding an extra column
// family named `extra_family` when not empty (as a newer schema might).
Result<void> stamp_schema_version(const std::filesystem::path& data_dir, const std::string& version,
                                  const std::string& extra_family = {});

// Rewrites every value of the manifest families as schema 2 stored them (one JSON document dump,
// keys sorted, not framed) and stamps version 2.
Result<void> downgrade_manifests_to_v2(const std::filesystem::path& data_dir);

// Rewrites every sighting as schema 3 stored it (no `sources`, no `history`), drops the history
// start and the coverage aggregate (drop_scan_days) and stamps version 3.
Result<void> downgrade_sightings_to_v3(const std::filesystem::path& data_dir);

// Drops the coverage aggregate (family scan_days) and its "scan_days_complete" mark, as in a
// database written before it existed.
Result<void> drop_scan_days(const std::filesystem::path& data_dir);

// Reads or writes one value of a family directly (as another schema version left it).
Result<std::string> raw_value(const std::filesystem::path& data_dir, const std::string& family,
                              const std::string& key);
Result<void> put_raw_value(const std::filesystem::path& data_dir, const std::string& family,
                           const std::string& key, const std::string& value);

// Deletes one index entry behind the store's back, to prove the consistency check notices.
Result<void> drop_time_index(const std::filesystem::path& data_dir);

}  // namespace leakwatch::store::fixtures
