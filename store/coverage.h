// Coverage: what was searched, per source, over a time window, computed from the scan records.
// `verify` rests on it: a claim "not observed" is only as good as the scans behind it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/result.h"
#include "model/scan_record.h"
#include "store/store.h"

namespace leakwatch::store {

struct SourceCoverage {
  std::string source;
  std::uint64_t scans = 0;
  std::uint64_t ok = 0;
  std::uint64_t partial = 0;
  std::uint64_t failed = 0;
  std::optional<Timestamp> first_scan;
  std::optional<Timestamp> last_scan;
  std::optional<Timestamp> last_success;  // last scan with status ok (partial is not a success)
  std::uint64_t entries_last_success = 0;
  std::uint64_t entries_max = 0;
  bool content_checked = false;  // any scan in the window hashed file content
  std::string last_error;        // of the newest failed or partial scan
};

// Folds one scan into its source's row (`c.source` is the caller's to set).
void add_scan(SourceCoverage& c, const ScanSummary& r);

// One row per source that has scans in [since, until] (both optional), sorted by source name.
// Read from the store's coverage aggregate (Store::for_each_scan_summary), never the scan
// records' JSON.
Result<std::vector<SourceCoverage>> coverage(Store& store, std::optional<Timestamp> since,
                                             std::optional<Timestamp> until);

}  // namespace leakwatch::store
