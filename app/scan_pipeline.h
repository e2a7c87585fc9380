// One source through the whole path: crawl (through its proxy), score against the signatures,
// and build the scan record. Recording is the caller's choice (`check --no-record`).
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "crawler/http_client.h"
#include "matcher/fingerprint_index.h"
#include "model/scan_record.h"
#include "model/sighting.h"

namespace leakwatch::app {

struct SourceOutcome {
  ScanRecord record;
  std::vector<Sighting> sightings;
  std::vector<std::string> problems;
};

SourceOutcome scan_source(const config::SourceConfig& source, const config::Config& config,
                          const matcher::FingerprintIndex& index, crawler::HttpClient& client,
                          const std::string& scan_id);

// A fresh id for one run: time plus randomness, sortable.
std::string new_scan_id();

}  // namespace leakwatch::app
