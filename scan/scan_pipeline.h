// One source through the whole path: crawl (through its proxy), score against the signatures,
// and build the scan record. Recording is the caller's choice (`check --no-record`).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "matcher/fingerprint_index.h"
#include "matcher/score.h"
#include "model/manifest.h"
#include "model/scan_record.h"
#include "model/sighting.h"
#include "net/fetch_engine.h"
#include "net/http_client.h"

namespace leakwatch::app {

struct SourceOutcome {
  ScanRecord record;
  std::vector<Sighting> sightings;
  std::vector<std::string> problems;
  std::optional<Manifest> manifest;  // what was scored (the previous one when unchanged)
  std::string etag;                  // validators for the next conditional request
  std::string last_modified;
};

// What the last scan of a source left for this one: HTTP validators and, for a conditional
// request answered 304, the manifest to score again.
// A source whose scans failed this many times in a row is marked down in its scan record.
inline constexpr std::uint64_t kDownAfterFailures = 3;

struct SourcePrior {
  std::string etag;
  std::string last_modified;
  // Reads the manifest the last scan stored; set only when one is stored. It is called on a 304
  // only, so a scan never holds last time's manifest beside this one's. Called from the scan's
  // worker thread.
  std::function<Result<std::optional<Manifest>>()> load_manifest;
  std::uint64_t consecutive_failures = 0;  // failed scans in a row before this one
};

// With a `gate` (the caller holds one of its slots), the slot is given back while a magnet's
// metadata is fetched by the torrent session, which only waits.
SourceOutcome scan_source(const config::SourceConfig& source, const config::Config& config,
                          const matcher::FingerprintIndex& index, crawler::HttpClient& client,
                          const std::string& scan_id, const SourcePrior& prior = {},
                          crawler::CpuGate* gate = nullptr);

// scan_source in its two halves, for cluster workers (cluster/): the crawl needs only what the
// signatures want fetched (sizes to probe, content to hash), never the signatures themselves;
// scoring needs the signatures and no network.
struct CrawlWants {
  std::function<bool(const FileEntry&)> wants_size;     // unset: no size probes
  std::function<bool(const FileEntry&)> wants_content;  // unset: no content hashing
};
// What the crawl half produced: the scan record without sightings, and what is to be scored.
struct CrawledSource {
  ScanRecord record;
  Manifest manifest;
  std::vector<Manifest> torrents;  // each linked torrent, its own locator
  std::vector<std::string> problems;
  std::string etag, last_modified;
};
// The wants of scan_source: name matches worth a probe, sizes worth hashing.
CrawlWants crawl_wants(const matcher::FingerprintIndex& index);
// The crawl half. `config` supplies the proxies (source.proxy is looked up there: a source
// whose proxy is missing fails without connecting).
CrawledSource crawl_for_scan(const config::SourceConfig& source, const config::Config& config,
                             const CrawlWants& wants, crawler::HttpClient& client,
                             const std::string& scan_id, const SourcePrior& prior = {},
                             crawler::CpuGate* gate = nullptr);
// The scoring half: sightings of the manifest and its torrents; the manifest is kept for
// recording unless the crawl failed.
SourceOutcome score_crawled(CrawledSource crawled, const config::Config& config,
                            const matcher::FingerprintIndex& index);
// Whether a listing's rounded size could be printed for a file of `exact` bytes.
bool rounded_size_could_be(std::uint64_t estimate, std::uint64_t exact);

// The scoring rules of a config: defaults plus each [[dataset]]'s thresholds.
matcher::ScoreRules score_rules_for(const config::Config& config);

// A fresh id for one run: time plus randomness, sortable.
std::string new_scan_id();

}  // namespace leakwatch::app
