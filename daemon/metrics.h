// The daemon's Prometheus metrics (names are contract, docs/CONTRACTS.md "Daemon and metrics"; text
// exposition format 0.0.4). Scans, alert passes and proxy checks report here as they happen;
// render() is what GET /metrics answers. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/scan_record.h"
#include "model/sighting.h"
#include "model/time.h"

namespace leakwatch::daemon {

// Upper bounds (seconds) of the scan duration histogram's buckets; +Inf is implied.
inline constexpr double kScanDurationBuckets[] = {0.1, 0.5, 1,   2.5, 5,    10,  30,
                                                  60,  120, 300, 600, 1800, 3600};

// What one alert pass reported for one hook.
struct HookDeliveryCounts {
  std::string hook;
  std::uint64_t pending = 0;    // waiting after the pass
  std::uint64_t delivered = 0;  // in this pass
  std::uint64_t failures = 0;   // failed attempts in this pass
};

class Metrics {
 public:
  explicit Metrics(std::string version);

  // A source as the store knew it when the daemon started (so a restart does not report every
  // source as down or never successful).
  void restore_source(const std::string& source, bool up, std::optional<Timestamp> last_success);
  // One finished scan.
  void record_scan(const ScanRecord& record);
  // Replaces the sighting counts (dataset -> confidence -> count).
  void set_sightings(const std::map<std::string, std::map<Confidence, std::uint64_t>>& counts);
  void record_alert_pass(const std::vector<HookDeliveryCounts>& hooks);
  void set_proxy_up(const std::string& proxy, bool up);
  // The store's memory by part ("memtables", "block_cache", "table_readers"), sampled when
  // /metrics is asked for.
  void set_store_memory(std::map<std::string, std::uint64_t> parts);
  // Sources and hooks no longer configured stop being reported (after a reload).
  void retain(const std::vector<std::string>& sources, const std::vector<std::string>& hooks,
              const std::vector<std::string>& proxies);

  // The Prometheus text exposition (Content-Type "text/plain; version=0.0.4").
  std::string render() const;

 private:
  struct SourceMetrics {
    std::map<ScanStatus, std::uint64_t> scans;
    std::vector<std::uint64_t> buckets =
        std::vector<std::uint64_t>(std::size(kScanDurationBuckets), 0);
    double duration_sum = 0;
    std::uint64_t duration_count = 0;
    std::uint64_t fetch_bytes = 0;
    std::optional<std::uint64_t> entries_seen;
    std::optional<bool> up;
    std::optional<Timestamp> last_success;
  };
  struct HookMetrics {
    std::uint64_t pending = 0, delivered = 0, failures = 0;
  };
  std::string version_;
  mutable std::mutex mutex_;
  std::map<std::string, SourceMetrics> sources_;
  std::map<std::string, std::map<Confidence, std::uint64_t>> sightings_;
  std::map<std::string, HookMetrics> hooks_;
  std::map<std::string, bool> proxies_;
  std::map<std::string, std::uint64_t> store_memory_;
};

// The process's resident memory and open descriptors (Prometheus' standard
// process_resident_memory_bytes and process_open_fds), from /proc/self; empty when unreadable.
std::string render_process_metrics();

// A label value escaped for the text format: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

}  // namespace leakwatch::daemon
