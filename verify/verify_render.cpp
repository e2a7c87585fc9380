// The verify report as plain text (a terminal) and as Markdown (a ticket or an incident
// channel). Every leak-site string goes through display_text / escape_markdown.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "model/text.h"
#include "model/units.h"
#include "report/report_escape.h"
#include "verify/verify.h"

namespace leakwatch::app {

namespace {

std::string opt_time(const std::optional<Timestamp>& t) {
  return t ? format_rfc3339(*t) : std::string("never");
}

std::string content_cell(const SourceCoverageReport& row) {
  if (row.fetch_content.empty()) return row.coverage.content_checked ? "checked" : "-";
  return row.fetch_content + (row.coverage.content_checked ? " (checked)" : "");
}

std::string status_cell(const SourceCoverageReport& row) {
  if (!row.configured) return "not configured";
  if (!row.enabled) return "disabled";
  return row.covered ? "covered" : "NOT COVERED";
}

std::string files_cell(const Sighting& s) {
  std::string out = std::to_string(s.files_matched) + "/" + std::to_string(s.dataset_files);
  if (s.records_matched) out += ", " + std::to_string(s.records_matched) + " records";
  return out + ", " + format_size(s.bytes_matched);
}

}  // namespace

std::string render_text(const VerifyReport& r) {
  std::ostringstream out;
  out << "leakwatch verify: dataset '" << display_text(r.dataset) << "'";
  if (!r.description.empty()) out << " (" << display_text(r.description) << ")";
  out << "\n";
  out << "Claim:    " << display_text(r.claim) << "\n";
  out << "Window:   " << format_rfc3339(r.since) << " .. " << format_rfc3339(r.as_of) << "  ("
      << r.window_rule << ")\n";
  if (r.coverage_since != r.since)
    out << "          coverage counted from " << format_rfc3339(r.coverage_since)
        << " (signature created)\n";
  out << "Verdict:  " << ascii_upper(verdict_name(r.verdict)) << " (exit "
      << verdict_exit_code(r.verdict) << ")\n";
  out << "          " << display_text(r.verdict_reason) << "\n";
  out << "Generated " << format_rfc3339(r.generated) << "\n\n";

  out << "Sightings: " << r.sightings.size() << " confirmed or likely, first seen at or before "
      << format_rfc3339(r.as_of) << "\n";
  for (const auto& s : r.sightings) {
    out << "  " << ascii_upper(confidence_name(s.confidence)) << "  " << display_text(s.locator)
        << "\n    source " << display_text(s.source) << "; files " << files_cell(s)
        << "; first seen " << format_rfc3339(s.first_seen) << ", last seen "
        << format_rfc3339(s.last_seen) << "\n";
    for (const auto& e : s.evidence) {
      out << "    - " << display_text(e.kind) << "  " << display_text(e.file);
      if (!e.remote_path.empty()) out << "  as  " << display_text(e.remote_path);
      if (!e.detail.empty()) out << "  [" << display_text(e.detail) << "]";
      out << "\n";
    }
  }
  if (r.possible_sightings)
    out << "  (" << r.possible_sightings
        << " possible sighting(s) by name or pattern only: not evidence, see `leakwatch "
           "sightings`)\n";
  if (r.later_sightings)
    out << "  (" << r.later_sightings << " confirmed or likely sighting(s) first seen after "
        << format_rfc3339(r.as_of) << ")\n";

  out << "\nCoverage: " << format_rfc3339(r.coverage_since) << " .. " << format_rfc3339(r.as_of)
      << "\n";
  char line[512];
  std::snprintf(line, sizeof line, "  %-20s %-14s %5s %4s %7s %6s  %-24s %9s  %s\n", "SOURCE",
                "STATUS", "SCANS", "OK", "PARTIAL", "FAILED", "LAST SUCCESS", "ENTRIES", "CONTENT");
  out << line;
  for (const auto& row : r.coverage) {
    const auto& c = row.coverage;
    std::snprintf(line, sizeof line, "  %-20s %-14s %5llu %4llu %7llu %6llu  %-24s %9llu  %s\n",
                  display_text(row.source).c_str(), status_cell(row).c_str(),
                  static_cast<unsigned long long>(c.scans), static_cast<unsigned long long>(c.ok),
                  static_cast<unsigned long long>(c.partial),
                  static_cast<unsigned long long>(c.failed), opt_time(c.last_success).c_str(),
                  static_cast<unsigned long long>(c.entries_last_success),
                  content_cell(row).c_str());
    out << line;
  }
  bool any_failure = false;
  for (const auto& row : r.coverage) any_failure |= !row.failures.empty();
  if (any_failure) {
    out << "\nFailed and partial scans (newest first):\n";
    for (const auto& row : r.coverage) {
      for (const auto& f : row.failures) {
        out << "  " << display_text(row.source) << "  " << format_rfc3339(f.started) << "  "
            << scan_status_name(f.status) << "  " << display_text(f.error) << "\n";
      }
    }
  }
  out << "\nWhat this verdict cannot show:\n";
  if (r.limitations.empty()) out << "  (nothing noted)\n";
  for (const auto& l : r.limitations) {
    out << "  - [" << l.kind << "]" << (l.source.empty() ? "" : " " + display_text(l.source) + ":")
        << " " << display_text(l.message) << "\n";
  }
  return out.str();
}

std::string render_markdown(const VerifyReport& r) {
  std::ostringstream out;
  const auto md = [](std::string_view s) { return escape_markdown(s); };
  out << "# leakwatch verify: " << md(r.dataset) << "\n\n";
  if (!r.description.empty()) out << md(r.description) << "\n\n";
  out << "- **Claim:** " << md(r.claim) << "\n";
  out << "- **Window:** " << format_rfc3339(r.since) << " .. " << format_rfc3339(r.as_of) << " ("
      << md(r.window_rule) << ")\n";
  if (r.coverage_since != r.since)
    out << "- **Coverage counted from:** " << format_rfc3339(r.coverage_since)
        << " (signature created)\n";
  out << "- **Verdict:** **" << ascii_upper(verdict_name(r.verdict)) << "** (exit code "
      << verdict_exit_code(r.verdict) << "): " << md(r.verdict_reason) << "\n";
  out << "- **Generated:** " << format_rfc3339(r.generated) << "\n\n";

  out << "## Sightings\n\n";
  if (r.sightings.empty()) {
    out << "No confirmed or likely sighting first seen at or before " << format_rfc3339(r.as_of)
        << ".\n\n";
  }
  for (const auto& s : r.sightings) {
    out << "### " << ascii_upper(confidence_name(s.confidence)) << ": " << md(s.locator) << "\n\n";
    out << "Source " << md(s.source) << "; files " << md(files_cell(s)) << "; first seen "
        << format_rfc3339(s.first_seen) << ", last seen " << format_rfc3339(s.last_seen) << ".\n\n";
    out << "| kind | dataset file | remote path | detail |\n|---|---|---|---|\n";
    for (const auto& e : s.evidence) {
      out << "| " << md(e.kind) << " | " << md(e.file) << " | " << md(e.remote_path) << " | "
          << md(e.detail) << " |\n";
    }
    out << "\n";
  }
  if (r.possible_sightings)
    out << "_" << r.possible_sightings
        << " possible sighting(s) by name or pattern only (not evidence)._\n\n";
  if (r.later_sightings)
    out << "_" << r.later_sightings << " confirmed or likely sighting(s) first seen after "
        << format_rfc3339(r.as_of) << "._\n\n";

  out << "## Coverage\n\n";
  out << "| source | status | scans | ok | partial | failed | last success | entries | content "
         "| last error |\n|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& row : r.coverage) {
    const auto& c = row.coverage;
    out << "| " << md(row.source) << " | " << md(status_cell(row)) << " | " << c.scans << " | "
        << c.ok << " | " << c.partial << " | " << c.failed << " | " << opt_time(c.last_success)
        << " | " << c.entries_last_success << " | " << md(content_cell(row)) << " | "
        << md(c.last_error) << " |\n";
  }
  out << "\n## What this verdict cannot show\n\n";
  if (r.limitations.empty()) out << "Nothing noted.\n";
  for (const auto& l : r.limitations) {
    out << "- **" << md(l.kind) << "**" << (l.source.empty() ? "" : " " + md(l.source) + ":") << " "
        << md(l.message) << "\n";
  }
  return out.str();
}

}  // namespace leakwatch::app
