#include "report/sighting_output.h"

#include <algorithm>
#include <cctype>
#include <iomanip>
#include <string_view>

#include "model/text.h"
#include "model/units.h"
#include "report/report_escape.h"

namespace leakwatch::app {

namespace {

// Digests are shortened to a recognisable prefix; other details are shown whole.
std::string short_detail(const std::string& detail) {
  const bool hex =
      detail.size() >= 32 && detail.find_first_not_of("0123456789abcdef") == std::string::npos;
  return hex ? detail.substr(0, 16) + "…" : detail;
}

}  // namespace

void print_sighting_text(std::ostream& out, const Sighting& s, std::size_t max_evidence) {
  // Names and paths come from leak sites: display_text keeps terminal escapes out.
  out << ascii_upper(confidence_name(s.confidence)) << "  dataset '" << display_text(s.dataset)
      << "' seen at " << display_text(s.locator) << " (source " << display_text(s.source) << ")\n";
  out << "  files matched " << s.files_matched << " of " << s.dataset_files << ", "
      << format_size(s.bytes_matched);
  if (s.records_matched) out << ", records matched " << s.records_matched;
  out << "; first seen " << format_rfc3339(s.first_seen) << ", last seen "
      << format_rfc3339(s.last_seen) << "\n";
  const auto shown = std::min(max_evidence, s.evidence.size());
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& e = s.evidence[i];
    out << "  - " << std::left << std::setw(10) << e.kind << " " << display_text(e.file);
    if (!e.remote_path.empty() && e.remote_path != e.file)
      out << "  as  " << display_text(e.remote_path);
    if (!e.detail.empty()) out << "  [" << display_text(short_detail(e.detail)) << "]";
    out << "\n";
  }
  if (shown < s.evidence.size())
    out << "  … " << (s.evidence.size() - shown) << " more evidence rows (use --format json)\n";
}

void print_scan_text(std::ostream& out, const ScanRecord& r) {
  out << std::left << std::setw(8) << scan_status_name(r.status) << " " << r.source << ": "
      << r.entries_seen << " entries, " << r.pages_fetched << " pages, "
      << format_size(r.bytes_fetched) << " fetched"
      << (r.proxy.empty() ? ", direct" : ", via proxy " + r.proxy);
  if (r.content_checked)
    out << ", content checked (" << r.files_hashed << " files, " << format_size(r.content_bytes)
        << ")";
  if (r.archives_listed)
    out << ", " << r.archives_listed << " zip directories read in " << format_size(r.archive_bytes);
  if (r.size_probes) out << ", " << r.size_probes << " size probes";
  if (r.http_status) out << ", HTTP " << r.http_status << " in " << r.latency_ms << " ms";
  if (r.marked_down) out << ", MARKED DOWN";
  out << "\n";
  if (!r.error.empty()) out << "         " << display_text(r.error) << "\n";
  for (const auto& note : r.notes) out << "         note: " << display_text(note) << "\n";
}

void print_sighting_table_header(std::ostream& out) {
  out << std::left << std::setw(26) << "LAST SEEN" << std::setw(10) << "CONFIDENCE"
      << "  " << std::setw(20) << "DATASET"
      << "  " << std::setw(16) << "SOURCE"
      << "  " << std::setw(9) << "FILES"
      << "  " << std::setw(9) << "BYTES"
      << "  " << std::setw(8) << "RECORDS"
      << "  LOCATOR\n";
}

void print_sighting_table_row(std::ostream& out, const Sighting& s) {
  out << std::left << std::setw(26) << format_rfc3339(s.last_seen) << std::setw(10)
      << confidence_name(s.confidence) << "  " << std::setw(20) << display_text(s.dataset) << "  "
      << std::setw(16) << display_text(s.source) << "  " << std::setw(9)
      << (std::to_string(s.files_matched) + "/" + std::to_string(s.dataset_files)) << "  "
      << std::setw(9) << format_size(s.bytes_matched) << "  " << std::setw(8) << s.records_matched
      << "  " << display_text(s.locator) << "\n";
}

std::string csv_field(const std::string& raw) {
  // A spreadsheet runs a cell that starts with = + - @ (or a tab or CR before one) as a formula
  // (OWASP "CSV Injection"): a leading apostrophe keeps a leak site's file name text.
  const bool formula =
      !raw.empty() && std::string_view("=+-@\t\r").find(raw[0]) != std::string_view::npos;
  std::string value = formula ? "'" + raw : raw;
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void print_sighting_csv_header(std::ostream& out) {
  out << "dataset,source,locator,confidence,files_matched,dataset_files,bytes_matched,records_"
         "matched,"
         "first_seen,last_seen,evidence_kinds\n";
}

void print_sighting_csv_row(std::ostream& out, const Sighting& s) {
  std::vector<std::string> kinds;
  for (const auto& e : s.evidence) {
    if (std::find(kinds.begin(), kinds.end(), e.kind) == kinds.end()) kinds.push_back(e.kind);
  }
  std::string joined;
  for (const auto& k : kinds) joined += (joined.empty() ? "" : ";") + k;
  out << csv_field(s.dataset) << ',' << csv_field(s.source) << ',' << csv_field(s.locator) << ','
      << confidence_name(s.confidence) << ',' << s.files_matched << ',' << s.dataset_files << ','
      << s.bytes_matched << ',' << s.records_matched << ',' << format_rfc3339(s.first_seen) << ','
      << format_rfc3339(s.last_seen) << ',' << csv_field(joined) << '\n';
}

}  // namespace leakwatch::app
