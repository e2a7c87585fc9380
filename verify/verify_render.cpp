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

std::string percent(std::uint64_t part, std::uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", share(part, whole) * 100.0);
  return buf;
}

std::string also_seen_by(const Sighting& s) {
  std::string out;
  for (const auto& seen : s.sources) {
    if (seen.source == s.source) continue;
    out += (out.empty() ? "" : ", ") + display_text(seen.source) + " (" +
           format_rfc3339(seen.first_seen) + " .. " + format_rfc3339(seen.last_seen) + ")";
  }
  return out;
}

std::string searched_line(const SourceCoverageReport& row) {
  std::string urls;
  for (const auto& u : row.urls_scanned) urls += (urls.empty() ? "" : ", ") + display_text(u);
  if (urls.empty())
    urls = row.url.empty() ? "(no scan in the window)"
                           : display_text(row.url) + " (not scanned in the window)";
  std::string via;
  for (const auto& p : row.proxies_used)
    via += (via.empty() ? "" : ", ") +
           (p.empty() ? std::string("direct") : "proxy " + display_text(p));
  if (via.empty()) via = row.proxy.empty() ? "direct" : "proxy " + display_text(row.proxy);
  return urls + " via " + via;
}

std::string document_line(const FetchedDocument& d) {
  return d.kind + " " + display_text(d.url) + " fetched " + format_rfc3339(d.fetched_at) +
         " sha256 " + d.sha256 + " (" + std::to_string(d.size) + " bytes)";
}

}  // namespace

std::string render_exposure_text(const Exposure& e) {
  std::ostringstream out;
  out << "  files    " << e.files << " of " << e.dataset_files << " ("
      << percent(e.files, e.dataset_files) << ")";
  if (e.files_first_seen) out << ", first seen " << format_rfc3339(*e.files_first_seen);
  out << "\n  bytes    " << format_size(e.bytes) << " of " << format_size(e.dataset_bytes) << " ("
      << percent(e.bytes, e.dataset_bytes) << ")\n";
  out << "  records  " << e.records << " of " << e.dataset_records << " ("
      << percent(e.records, e.dataset_records) << ")";
  if (e.records_first_seen) out << ", first seen " << format_rfc3339(*e.records_first_seen);
  out << "\n  from " << e.sightings << " confirmed or likely sighting(s)\n";
  if (e.series.size() > 1) {
    out << "  grew:\n";
    for (const auto& p : e.series) {
      out << "    " << format_rfc3339(p.at) << "  " << p.files << " files, " << format_size(p.bytes)
          << ", " << p.records << " records\n";
    }
  }
  return out.str();
}

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
  out << "Signature: version " << r.signature_version << " of " << r.signature_versions
      << ", created " << format_rfc3339(r.signature_created);
  if (r.signature_imported) out << ", imported " << format_rfc3339(*r.signature_imported);
  if (r.signature_replaced) out << ", replaced " << format_rfc3339(*r.signature_replaced);
  out << " (" << r.dataset_files << " files)\n";
  out << "Verdict:  " << ascii_upper(verdict_name(r.verdict)) << " (exit "
      << verdict_exit_code(r.verdict) << ")\n";
  out << "          " << display_text(r.verdict_reason) << "\n";
  out << "Generated " << format_rfc3339(r.generated) << "\n\n";

  out << "Sightings: " << r.sightings.size() << " confirmed or likely as of "
      << format_rfc3339(r.as_of) << "\n";
  for (std::size_t i = 0; i < r.sightings.size(); ++i) {
    const auto& s = r.sightings[i];
    out << "  " << ascii_upper(confidence_name(s.confidence)) << "  " << display_text(s.locator)
        << "\n    source " << display_text(s.source) << "; files " << files_cell(s)
        << "; first seen " << format_rfc3339(s.first_seen) << ", last seen "
        << format_rfc3339(s.last_seen) << "\n";
    if (const auto also = also_seen_by(s); !also.empty())
      out << "    also seen by " << also << "\n";
    for (const auto& e : s.evidence) {
      out << "    - " << display_text(e.kind) << "  " << display_text(e.file);
      if (!e.remote_path.empty()) out << "  as  " << display_text(e.remote_path);
      if (!e.detail.empty()) out << "  [" << display_text(e.detail) << "]";
      out << "\n";
    }
    if (i < r.sighting_documents.size()) {
      for (const auto& d : r.sighting_documents[i])
        out << "    document " << document_line(d) << "\n";
    }
  }
  if (r.possible_sightings)
    out << "  (" << r.possible_sightings
        << " possible sighting(s) by name or pattern only: not evidence, see `leakwatch "
           "sightings`)\n";
  if (r.later_sightings)
    out << "  (" << r.later_sightings << " confirmed or likely sighting(s) first seen after "
        << format_rfc3339(r.as_of) << ")\n";
  if (r.raised_later)
    out << "  (" << r.raised_later << " sighting(s) possible at " << format_rfc3339(r.as_of)
        << ", confirmed or likely since)\n";
  out << "\nExposure as of " << format_rfc3339(r.as_of)
      << " (distinct dataset files and record rows in confirmed or likely sightings, a union "
         "across sources and locators):\n"
      << render_exposure_text(r.exposure);

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
  out << "\nSearched (URLs and proxies of the scans in the window):\n";
  for (const auto& row : r.coverage) {
    out << "  " << display_text(row.source) << ": " << searched_line(row) << "\n";
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
  out << "- **Signature:** version " << r.signature_version << " of " << r.signature_versions
      << ", created " << format_rfc3339(r.signature_created);
  if (r.signature_imported) out << ", imported " << format_rfc3339(*r.signature_imported);
  if (r.signature_replaced) out << ", replaced " << format_rfc3339(*r.signature_replaced);
  out << " (" << r.dataset_files << " files)\n";
  out << "- **Verdict:** **" << ascii_upper(verdict_name(r.verdict)) << "** (exit code "
      << verdict_exit_code(r.verdict) << "): " << md(r.verdict_reason) << "\n";
  out << "- **Generated:** " << format_rfc3339(r.generated) << "\n\n";

  out << "## Sightings\n\n";
  if (r.sightings.empty()) {
    out << "No sighting confirmed or likely as of " << format_rfc3339(r.as_of) << ".\n\n";
  }
  for (std::size_t i = 0; i < r.sightings.size(); ++i) {
    const auto& s = r.sightings[i];
    out << "### " << ascii_upper(confidence_name(s.confidence)) << ": " << md(s.locator) << "\n\n";
    out << "Source " << md(s.source) << "; files " << md(files_cell(s)) << "; first seen "
        << format_rfc3339(s.first_seen) << ", last seen " << format_rfc3339(s.last_seen) << ".\n\n";
    if (const auto also = also_seen_by(s); !also.empty())
      out << "Also seen by " << md(also) << ".\n\n";
    out << "| kind | dataset file | remote path | detail |\n|---|---|---|---|\n";
    for (const auto& e : s.evidence) {
      out << "| " << md(e.kind) << " | " << md(e.file) << " | " << md(e.remote_path) << " | "
          << md(e.detail) << " |\n";
    }
    out << "\n";
    if (i < r.sighting_documents.size() && !r.sighting_documents[i].empty()) {
      out << "Index documents behind it:\n\n";
      for (const auto& d : r.sighting_documents[i]) out << "- " << md(document_line(d)) << "\n";
      out << "\n";
    }
  }
  if (r.possible_sightings)
    out << "_" << r.possible_sightings
        << " possible sighting(s) by name or pattern only (not evidence)._\n\n";
  if (r.later_sightings)
    out << "_" << r.later_sightings << " confirmed or likely sighting(s) first seen after "
        << format_rfc3339(r.as_of) << "._\n\n";

  const auto& e = r.exposure;
  out << "## Exposure\n\nAs of " << format_rfc3339(r.as_of)
      << ": distinct dataset files and record rows in confirmed or likely sightings (a union "
         "across sources and locators).\n\n"
      << "| | seen | of | share | first seen |\n|---|---|---|---|---|\n"
      << "| files | " << e.files << " | " << e.dataset_files << " | "
      << percent(e.files, e.dataset_files) << " | " << opt_time(e.files_first_seen) << " |\n"
      << "| bytes | " << format_size(e.bytes) << " | " << format_size(e.dataset_bytes) << " | "
      << percent(e.bytes, e.dataset_bytes) << " | " << opt_time(e.files_first_seen) << " |\n"
      << "| records | " << e.records << " | " << e.dataset_records << " | "
      << percent(e.records, e.dataset_records) << " | " << opt_time(e.records_first_seen)
      << " |\n\n";
  if (e.series.size() > 1) {
    out << "| at | files | bytes | records |\n|---|---|---|---|\n";
    for (const auto& p : e.series) {
      out << "| " << format_rfc3339(p.at) << " | " << p.files << " | " << format_size(p.bytes)
          << " | " << p.records << " |\n";
    }
    out << "\n";
  }
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
  out << "\nSearched:\n\n";
  for (const auto& row : r.coverage) {
    out << "- " << md(row.source) << ": " << md(searched_line(row)) << "\n";
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
