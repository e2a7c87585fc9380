// The verify report as JSON (schema: docs/verify-report.schema.json), and render_report, which
// picks the renderer by format name.
#include <nlohmann/json.hpp>

#include "model/json.h"
#include "verify/verify.h"

namespace leakwatch::app {

namespace {

nlohmann::json opt_time(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

nlohmann::json mark_json(const ScanMark& m) {
  nlohmann::json j{{"started", format_rfc3339(m.started)},
                   {"ended", format_rfc3339(m.ended)},
                   {"status", scan_status_name(m.status)},
                   {"entries_seen", m.entries_seen}};
  if (!m.error.empty()) j["error"] = m.error;
  return j;
}

}  // namespace

nlohmann::json to_json(const Exposure& e) {
  nlohmann::json series = nlohmann::json::array();
  for (const auto& p : e.series) {
    series.push_back({{"at", format_rfc3339(p.at)},
                      {"files", p.files},
                      {"bytes", p.bytes},
                      {"records", p.records}});
  }
  const auto part = [](std::uint64_t n, std::uint64_t of, const std::optional<Timestamp>& first) {
    return nlohmann::json{
        {"seen", n}, {"of", of}, {"share", share(n, of)}, {"first_seen", opt_time(first)}};
  };
  return {{"files", part(e.files, e.dataset_files, e.files_first_seen)},
          {"bytes", part(e.bytes, e.dataset_bytes, e.files_first_seen)},
          {"records", part(e.records, e.dataset_records, e.records_first_seen)},
          {"sightings", e.sightings},
          {"from_evidence", e.from_evidence},
          {"series", series}};
}

nlohmann::json to_json(const VerifyReport& r) {
  nlohmann::json j;
  j["report"] = "leakwatch-verify";
  j["version"] = 1;
  j["dataset"] = r.dataset;
  j["description"] = r.description;
  j["signature_created"] = format_rfc3339(r.signature_created);
  j["signature_imported"] = opt_time(r.signature_imported);
  j["history_since"] = opt_time(r.history_since);
  j["dataset_files"] = r.dataset_files;
  j["signature_replaced"] = opt_time(r.signature_replaced);
  j["signature_version"] = r.signature_version;
  j["signature_versions"] = r.signature_versions;
  j["claim"] = r.claim;
  j["window"] = {{"since", format_rfc3339(r.since)},
                 {"as_of", format_rfc3339(r.as_of)},
                 {"coverage_since", format_rfc3339(r.coverage_since)},
                 {"since_defaulted", r.since_defaulted},
                 {"rule", r.window_rule}};
  j["generated"] = format_rfc3339(r.generated);
  j["verdict"] = verdict_name(r.verdict);
  j["exit_code"] = verdict_exit_code(r.verdict);
  j["verdict_reason"] = r.verdict_reason;
  j["sightings"] = nlohmann::json::array();
  for (std::size_t i = 0; i < r.sightings.size(); ++i) {
    nlohmann::json sj = r.sightings[i];
    sj["documents"] = i < r.sighting_documents.size() ? nlohmann::json(r.sighting_documents[i])
                                                      : nlohmann::json::array();
    j["sightings"].push_back(std::move(sj));
  }
  j["possible_sightings"] = r.possible_sightings;
  j["later_sightings"] = r.later_sightings;
  j["raised_later"] = r.raised_later;
  j["inexact_sightings"] = r.inexact_sightings;
  j["exposure"] = to_json(r.exposure);
  j["coverage"] = nlohmann::json::array();
  for (const auto& row : r.coverage) {
    const auto& c = row.coverage;
    nlohmann::json cj{{"source", row.source},
                      {"configured", row.configured},
                      {"enabled", row.enabled},
                      {"required", row.required},
                      {"covered", row.covered},
                      {"kind", row.kind},
                      {"fetch_content", row.fetch_content},
                      {"content_checked", c.content_checked},
                      {"via_proxy", row.via_proxy},
                      {"url", row.url},
                      {"proxy", row.proxy},
                      {"urls_scanned", row.urls_scanned},
                      {"proxies_used", row.proxies_used},
                      {"scans", c.scans},
                      {"ok", c.ok},
                      {"partial", c.partial},
                      {"failed", c.failed},
                      {"first_scan", opt_time(c.first_scan)},
                      {"last_scan", opt_time(c.last_scan)},
                      {"last_success", opt_time(c.last_success)},
                      {"entries_last_success", c.entries_last_success},
                      {"entries_max", c.entries_max},
                      {"last_error", c.last_error},
                      {"failures", nlohmann::json::array()},
                      {"timeline", nlohmann::json::array()},
                      {"timeline_truncated", row.marks_truncated}};
    for (const auto& f : row.failures) cj["failures"].push_back(mark_json(f));
    for (const auto& m : row.scans) cj["timeline"].push_back(mark_json(m));
    j["coverage"].push_back(std::move(cj));
  }
  j["uncovered"] = r.uncovered;
  j["limitations"] = nlohmann::json::array();
  for (const auto& l : r.limitations) {
    j["limitations"].push_back({{"kind", l.kind}, {"source", l.source}, {"message", l.message}});
  }
  return j;
}

std::optional<std::string> render_report(const VerifyReport& report, std::string_view format) {
  if (format == "json") return dump_json(to_json(report), 2) + "\n";
  if (format == "text") return render_text(report);
  if (format == "markdown") return render_markdown(report);
  if (format == "html") return render_html(report);
  return std::nullopt;
}

}  // namespace leakwatch::app
