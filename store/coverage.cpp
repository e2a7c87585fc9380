#include "store/coverage.h"

#include <map>

namespace leakwatch::store {

void add_scan(SourceCoverage& c, const ScanSummary& r) {
  ++c.scans;
  c.ok += r.status == ScanStatus::ok;
  c.partial += r.status == ScanStatus::partial;
  c.failed += r.status == ScanStatus::failed;
  if (!c.first_scan || r.started < *c.first_scan) c.first_scan = r.started;
  if (!c.last_scan || r.started >= *c.last_scan) {
    c.last_scan = r.started;
    if (r.status != ScanStatus::ok) c.last_error = std::string(r.error);
  }
  if (r.status == ScanStatus::ok && (!c.last_success || r.started >= *c.last_success)) {
    c.last_success = r.started;
    c.entries_last_success = r.entries_seen;
  }
  c.entries_max = std::max(c.entries_max, r.entries_seen);
  c.content_checked |= r.content_checked;
}

Result<std::vector<SourceCoverage>> coverage(Store& store, std::optional<Timestamp> since,
                                             std::optional<Timestamp> until) {
  std::map<std::string, SourceCoverage, std::less<>> rows;
  ScanFilter filter;
  filter.since = since;
  filter.until = until;
  SourceCoverage* row = nullptr;  // summaries come source by source
  auto scanned = store.for_each_scan_summary(filter, [&](const ScanSummary& r) {
    if (!row || row->source != r.source) {
      row = &rows[std::string(r.source)];
      row->source = std::string(r.source);
    }
    add_scan(*row, r);
    return true;
  });
  if (!scanned) return scanned.error();
  std::vector<SourceCoverage> out;
  out.reserve(rows.size());
  for (auto& [name, row] : rows) out.push_back(std::move(row));
  return out;
}

}  // namespace leakwatch::store
