// The daemon's metrics: the contract's names and values after scans and alert passes, and the
// whole exposition accepted by Prometheus's own linter (`promtool check metrics`).
#include "daemon/metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::daemon {
namespace {

const Timestamp kT0 = *parse_rfc3339("2026-12-01T12:00:00Z");

ScanRecord scan(std::string source, ScanStatus status, double seconds, std::uint64_t bytes,
                std::uint64_t entries) {
  ScanRecord r;
  r.source = std::move(source);
  r.status = status;
  r.started = kT0;
  r.ended = kT0 + std::chrono::milliseconds{static_cast<std::int64_t>(seconds * 1000)};
  r.bytes_fetched = bytes;
  r.entries_seen = entries;
  return r;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

void populate(Metrics& m) {
  m.restore_source("quiet", false, std::nullopt);
  m.record_scan(scan("dump", ScanStatus::ok, 0.3, 1000, 12));
  m.record_scan(scan("dump", ScanStatus::failed, 7, 10, 0));
  m.record_scan(scan("dump", ScanStatus::ok, 45, 2000, 14));
  m.record_scan(scan("odd \"name\"\\with\nbreak", ScanStatus::partial, 1, 5, 3));
  m.set_sightings({{"plates", {{Confidence::confirmed, 2}, {Confidence::possible, 1}}}});
  m.record_alert_pass({{.hook = "siem", .pending = 3, .delivered = 2, .failures = 1}});
  m.record_alert_pass({{.hook = "siem", .pending = 0, .delivered = 3, .failures = 0}});
  m.set_proxy_up("tor", true);
  m.set_proxy_up("backup", false);
}

TEST(Metrics, ScansCountByStatusWithADurationHistogramAndTheLastSuccess) {
  Metrics m("0.1.0");
  populate(m);
  const auto text = m.render();
  EXPECT_TRUE(has_line(text, "leakwatch_build_info{version=\"0.1.0\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "leakwatch_scans_total{source=\"dump\",status=\"ok\"} 2"));
  EXPECT_TRUE(has_line(text, "leakwatch_scans_total{source=\"dump\",status=\"partial\"} 0"));
  EXPECT_TRUE(has_line(text, "leakwatch_scans_total{source=\"dump\",status=\"failed\"} 1"));
  EXPECT_TRUE(
      has_line(text, "leakwatch_scan_duration_seconds_bucket{source=\"dump\",le=\"0.5\"} 1"));
  EXPECT_TRUE(
      has_line(text, "leakwatch_scan_duration_seconds_bucket{source=\"dump\",le=\"10\"} 2"));
  EXPECT_TRUE(
      has_line(text, "leakwatch_scan_duration_seconds_bucket{source=\"dump\",le=\"30\"} 2"));
  EXPECT_TRUE(
      has_line(text, "leakwatch_scan_duration_seconds_bucket{source=\"dump\",le=\"60\"} 3"));
  EXPECT_TRUE(
      has_line(text, "leakwatch_scan_duration_seconds_bucket{source=\"dump\",le=\"+Inf\"} 3"));
  EXPECT_TRUE(has_line(text, "leakwatch_scan_duration_seconds_sum{source=\"dump\"} 52.3"));
  EXPECT_TRUE(has_line(text, "leakwatch_scan_duration_seconds_count{source=\"dump\"} 3"));
  EXPECT_TRUE(has_line(text, "leakwatch_fetch_bytes_total{source=\"dump\"} 3010"));
  EXPECT_TRUE(has_line(text, "leakwatch_entries_seen{source=\"dump\"} 14"));
  EXPECT_TRUE(has_line(text, "leakwatch_source_up{source=\"dump\"} 1"));
  EXPECT_TRUE(has_line(text, "leakwatch_source_up{source=\"quiet\"} 0"));
  EXPECT_TRUE(has_line(text, "leakwatch_source_last_success_timestamp_seconds{source=\"dump\"} " +
                                 std::to_string(to_unix_ms(kT0) / 1000 + 45)));
  EXPECT_TRUE(has_line(text, "leakwatch_sightings{dataset=\"plates\",confidence=\"confirmed\"} 2"));
  EXPECT_TRUE(has_line(text, "leakwatch_sightings{dataset=\"plates\",confidence=\"likely\"} 0"));
  EXPECT_TRUE(has_line(text, "leakwatch_alerts_pending{hook=\"siem\"} 0"));
  EXPECT_TRUE(has_line(text, "leakwatch_alerts_delivered_total{hook=\"siem\"} 5"));
  EXPECT_TRUE(has_line(text, "leakwatch_alert_failures_total{hook=\"siem\"} 1"));
  EXPECT_TRUE(has_line(text, "leakwatch_proxy_up{proxy=\"tor\"} 1"));
  EXPECT_TRUE(has_line(text, "leakwatch_proxy_up{proxy=\"backup\"} 0"));
  // Label values are escaped per the text format.
  EXPECT_TRUE(has_line(
      text,
      "leakwatch_scans_total{source=\"odd \\\"name\\\"\\\\with\\nbreak\",status=\"partial\"} 1"));
}

TEST(Metrics, AReloadDropsSourcesAndHooksNoLongerConfigured) {
  Metrics m("0.1.0");
  populate(m);
  m.retain({"dump"}, {"mail"}, {"tor"});
  const auto text = m.render();
  EXPECT_EQ(text.find("quiet"), std::string::npos);
  EXPECT_EQ(text.find("siem"), std::string::npos);
  EXPECT_EQ(text.find("backup"), std::string::npos);
  EXPECT_TRUE(has_line(text, "leakwatch_alerts_pending{hook=\"mail\"} 0"));
  EXPECT_TRUE(has_line(text, "leakwatch_scans_total{source=\"dump\",status=\"ok\"} 2"));
}

// The store's memory by part, and the process's own RSS and descriptors (read from /proc/self:
// this test process has at least its three standard descriptors and some resident memory).
TEST(Metrics, StoreMemoryAndTheProcessResidentMemoryAndDescriptors) {
  Metrics m("0.1.0");
  EXPECT_EQ(m.render().find("leakwatch_store_memory_bytes"), std::string::npos)
      << "no store sampled yet: no family";
  m.set_store_memory({{"memtables", 1048576}, {"block_cache", 4096}, {"table_readers", 12}});
  const auto text = m.render();
  EXPECT_TRUE(has_line(text, "leakwatch_store_memory_bytes{part=\"memtables\"} 1048576")) << text;
  EXPECT_TRUE(has_line(text, "leakwatch_store_memory_bytes{part=\"block_cache\"} 4096")) << text;
  EXPECT_TRUE(has_line(text, "leakwatch_store_memory_bytes{part=\"table_readers\"} 12")) << text;
  // A sample's value, or -1 when the text has none.
  const auto value = [](const std::string& text, const std::string& name) {
    const std::string key = "\n" + name + " ";
    const auto at = text.find(key);
    return at == std::string::npos ? -1.0 : std::stod(text.substr(at + key.size()));
  };
  const auto process = render_process_metrics();
  const std::vector<int> more = {::dup(0), ::dup(0), ::dup(0)};
  const auto with_more = render_process_metrics();
  for (const int fd : more) ::close(fd);
  EXPECT_GT(value(process, "process_resident_memory_bytes"), 1 << 20) << process;
  EXPECT_GE(value(process, "process_open_fds"), 3) << process;
  EXPECT_EQ(value(with_more, "process_open_fds"), value(process, "process_open_fds") + 3)
      << "three more descriptors open";
}

TEST(Metrics, PromtoolAcceptsTheExposition) {
  const auto promtool = testing::find_program("promtool");
  if (promtool.empty()) GTEST_SKIP() << "promtool (Debian prometheus) not installed";
  testing::TempDir dir;
  Metrics full("0.1.0");
  populate(full);
  full.set_store_memory({{"memtables", 1048576}, {"block_cache", 4096}, {"table_readers", 12}});
  for (const auto& [name, text] : {std::pair{"full.prom", full.render() + render_process_metrics()},
                                   std::pair{"empty.prom", Metrics("0.1.0").render()}}) {
    testing::write_file(dir / name, text);
    const auto r = testing::run_command(
        {"sh", "-c", "\"$0\" check metrics < \"$1\"", promtool, (dir / name).string()});
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.out << r.err << "\n" << text;
    EXPECT_EQ(r.out + r.err, "") << name << ": promtool lint findings";
  }
}

}  // namespace
}  // namespace leakwatch::daemon
