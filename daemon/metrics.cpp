#include "daemon/metrics.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace leakwatch::daemon {

namespace {

// One metric family: HELP and TYPE lines, then its samples.
class Family {
 public:
  Family(std::string& out, std::string_view name, std::string_view type, std::string_view help)
      : out_(out), name_(name) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view suffix, std::string_view labels, double value) {
    out_ += name_;
    out_ += suffix;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += format_value(value);
    out_ += '\n';
  }
  void sample(std::string_view labels, double value) { sample("", labels, value); }

  static std::string format_value(double v) {
    if (v == static_cast<double>(static_cast<std::int64_t>(v))) {
      return std::to_string(static_cast<std::int64_t>(v));
    }
    return fmt::format("{}", v);
  }

 private:
  std::string& out_;
  std::string_view name_;
};

std::string label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + escape_label_value(value) + "\"";
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Metrics::Metrics(std::string version) : version_(std::move(version)) {}

void Metrics::restore_source(const std::string& source, bool up,
                             std::optional<Timestamp> last_success) {
  const std::lock_guard lock(mutex_);
  auto& m = sources_[source];
  m.up = up;
  m.last_success = last_success;
}

void Metrics::record_scan(const ScanRecord& record) {
  const std::lock_guard lock(mutex_);
  auto& m = sources_[record.source];
  ++m.scans[record.status];
  const double seconds =
      std::max(0.0, std::chrono::duration<double>(record.ended - record.started).count());
  for (std::size_t i = 0; i < std::size(kScanDurationBuckets); ++i) {
    if (seconds <= kScanDurationBuckets[i]) ++m.buckets[i];
  }
  m.duration_sum += seconds;
  ++m.duration_count;
  m.fetch_bytes += record.bytes_fetched;
  const bool ok = record.status != ScanStatus::failed;
  m.up = ok;
  if (ok) {
    m.entries_seen = record.entries_seen;
    m.last_success = record.ended;
  }
}

void Metrics::set_sightings(
    const std::map<std::string, std::map<Confidence, std::uint64_t>>& counts) {
  const std::lock_guard lock(mutex_);
  sightings_ = counts;
}

void Metrics::record_alert_pass(const std::vector<HookDeliveryCounts>& hooks) {
  const std::lock_guard lock(mutex_);
  for (const auto& h : hooks) {
    auto& m = hooks_[h.hook];
    m.pending = h.pending;
    m.delivered += h.delivered;
    m.failures += h.failures;
  }
}

void Metrics::set_proxy_up(const std::string& proxy, bool up) {
  const std::lock_guard lock(mutex_);
  proxies_[proxy] = up;
}

void Metrics::retain(const std::vector<std::string>& sources, const std::vector<std::string>& hooks,
                     const std::vector<std::string>& proxies) {
  const std::lock_guard lock(mutex_);
  const auto keep = [](auto& map, const std::vector<std::string>& names) {
    const std::set<std::string> wanted(names.begin(), names.end());
    std::erase_if(map, [&](const auto& entry) { return !wanted.contains(entry.first); });
  };
  keep(sources_, sources);
  keep(hooks_, hooks);
  keep(proxies_, proxies);
  for (const auto& h : hooks) hooks_.try_emplace(h);
}

std::string Metrics::render() const {
  const std::lock_guard lock(mutex_);
  std::string out;
  {
    Family f(out, "leakwatch_build_info", "gauge", "leakwatch build; the value is always 1.");
    f.sample(label("version", version_), 1);
  }
  {
    Family f(out, "leakwatch_scans_total", "counter", "Scans finished, by source and status.");
    for (const auto& [source, m] : sources_) {
      for (const auto status : {ScanStatus::ok, ScanStatus::partial, ScanStatus::failed}) {
        const auto it = m.scans.find(status);
        f.sample(label("source", source) + "," + label("status", scan_status_name(status)),
                 static_cast<double>(it == m.scans.end() ? 0 : it->second));
      }
    }
  }
  {
    Family f(out, "leakwatch_scan_duration_seconds", "histogram",
             "How long scans took, by source.");
    for (const auto& [source, m] : sources_) {
      const auto src = label("source", source);
      for (std::size_t i = 0; i < std::size(kScanDurationBuckets); ++i) {
        f.sample("_bucket", src + "," + label("le", Family::format_value(kScanDurationBuckets[i])),
                 static_cast<double>(m.buckets[i]));
      }
      f.sample("_bucket", src + ",le=\"+Inf\"", static_cast<double>(m.duration_count));
      f.sample("_sum", src, m.duration_sum);
      f.sample("_count", src, static_cast<double>(m.duration_count));
    }
  }
  {
    Family f(out, "leakwatch_fetch_bytes_total", "counter", "Bytes fetched by scans, by source.");
    for (const auto& [source, m] : sources_)
      f.sample(label("source", source), static_cast<double>(m.fetch_bytes));
  }
  {
    Family f(out, "leakwatch_entries_seen", "gauge",
             "Index entries the last successful scan of a source saw.");
    for (const auto& [source, m] : sources_) {
      if (m.entries_seen) f.sample(label("source", source), static_cast<double>(*m.entries_seen));
    }
  }
  {
    Family f(out, "leakwatch_source_up", "gauge",
             "1 when the last scan of a source succeeded (ok or partial), else 0.");
    for (const auto& [source, m] : sources_) {
      if (m.up) f.sample(label("source", source), *m.up ? 1 : 0);
    }
  }
  {
    Family f(out, "leakwatch_source_last_success_timestamp_seconds", "gauge",
             "Unix time of the end of the last successful scan of a source.");
    for (const auto& [source, m] : sources_) {
      if (m.last_success) {
        f.sample(label("source", source),
                 static_cast<double>(to_unix_ms(*m.last_success)) / 1000.0);
      }
    }
  }
  {
    Family f(out, "leakwatch_sightings", "gauge", "Sightings stored, by dataset and confidence.");
    for (const auto& [dataset, by_confidence] : sightings_) {
      for (const auto c : {Confidence::possible, Confidence::likely, Confidence::confirmed}) {
        const auto it = by_confidence.find(c);
        f.sample(label("dataset", dataset) + "," + label("confidence", confidence_name(c)),
                 static_cast<double>(it == by_confidence.end() ? 0 : it->second));
      }
    }
  }
  {
    Family f(out, "leakwatch_alerts_pending", "gauge", "Alerts waiting for delivery, by hook.");
    for (const auto& [hook, m] : hooks_)
      f.sample(label("hook", hook), static_cast<double>(m.pending));
  }
  {
    Family f(out, "leakwatch_alerts_delivered_total", "counter",
             "Alerts the hook's receiver acknowledged.");
    for (const auto& [hook, m] : hooks_)
      f.sample(label("hook", hook), static_cast<double>(m.delivered));
  }
  {
    Family f(out, "leakwatch_alert_failures_total", "counter", "Failed alert delivery attempts.");
    for (const auto& [hook, m] : hooks_)
      f.sample(label("hook", hook), static_cast<double>(m.failures));
  }
  {
    Family f(out, "leakwatch_proxy_up", "gauge", "1 when the proxy's last health check passed.");
    for (const auto& [proxy, up] : proxies_) f.sample(label("proxy", proxy), up ? 1 : 0);
  }
  if (!store_memory_.empty()) {
    Family f(out, "leakwatch_store_memory_bytes", "gauge",
             "Memory the store (RocksDB) holds, by part: memtables, block_cache, table_readers.");
    for (const auto& [part, bytes] : store_memory_) {
      f.sample(label("part", part), static_cast<double>(bytes));
    }
  }
  return out;
}

void Metrics::set_store_memory(std::map<std::string, std::uint64_t> parts) {
  const std::lock_guard lock(mutex_);
  store_memory_ = std::move(parts);
}

std::string render_process_metrics() {
  std::string out;
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0, resident = 0;
  if (statm >> pages >> resident) {
    Family f(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    f.sample("",
             static_cast<double>(resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE))));
  }
  std::error_code ec;
  std::uint64_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  if (!ec) {
    Family f(out, "process_open_fds", "gauge", "Number of open file descriptors.");
    // Less the one the listing itself held open.
    f.sample("", static_cast<double>(fds > 0 ? fds - 1 : 0));
  }
  return out;
}

}  // namespace leakwatch::daemon
