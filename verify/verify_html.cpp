// The verify report as one self-contained HTML5 page: inline CSS, an inline SVG timeline (one row
// per source: scans as ticks coloured by status, sightings as diamonds from first to last seen),
// then the sightings with their evidence, the coverage, the failures and the limitations. No
// script and no external resource: it is opened on air-gapped responder machines, and every
// leak-site string is escaped (escape_html), so hostile names stay text.
#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <sstream>

#include "model/units.h"
#include "report/report_escape.h"
#include "verify/verify.h"

namespace leakwatch::app {

namespace {

constexpr const char* kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1b1f24;background:#fff}
h1{font-size:22px;margin:0 0 12px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px;word-break:break-all}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:700;font-size:18px;color:#fff}
.verdict-refuted{background:#b42318}.verdict-not-observed{background:#1a7f37}.verdict-insufficient-coverage{background:#9a6700}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:12px 0}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right}td.mono,span.mono{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
tr.not-covered td{background:#fff1f0}td.time{white-space:nowrap}.muted{color:#57606a}
svg#timeline{border:1px solid #d0d7de;background:#fbfcfd;max-width:100%;height:auto}
svg text{font:12px system-ui,sans-serif;fill:#1b1f24}svg .axis{stroke:#8c959f;stroke-width:1}svg .grid{stroke:#e6e9ec;stroke-width:1}
svg .scan-ok,svg .legend-scan-ok{fill:#1a7f37}svg .scan-partial,svg .legend-scan-partial{fill:#bf8700}
svg .scan-failed,svg .legend-scan-failed{fill:#cf222e}
svg .sighting-confirmed,svg .legend-sighting-confirmed{fill:#8250df;stroke:#3e1f79}
svg .sighting-likely,svg .legend-sighting-likely{fill:#d97706;stroke:#7c2d12}
svg .seen-span{stroke:#8250df;stroke-width:3;stroke-opacity:.45}svg .window{fill:#ddf4ff;fill-opacity:.5}
ul.limits li{margin:3px 0}
.charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
svg#exposure-chart{border:1px solid #d0d7de;background:#fbfcfd;max-width:100%;height:auto}
svg .exposure-files{fill:none;stroke:#b42318;stroke-width:2}svg .exposure-records{fill:none;stroke:#0969da;stroke-width:2;stroke-dasharray:5 3}
)css";

constexpr int kWidth = 1000;
constexpr int kLabelWidth = 170;
constexpr int kRightPad = 20;
constexpr int kTopPad = 30;
constexpr int kRowHeight = 28;
constexpr int kAxisHeight = 44;
constexpr double kTickPixels = 4;  // scans closer than this share one tick

std::string h(std::string_view s) {
  return escape_html(s);
}

std::string opt_time(const std::optional<Timestamp>& t) {
  return t ? format_rfc3339(*t) : std::string("never");
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Maps times onto the x axis of the plot area.
class TimeScale {
 public:
  TimeScale(Timestamp from, Timestamp to) : from_(from), to_(std::max(to, from + kMinSpan)) {}
  double x(Timestamp t) const {
    const double span = static_cast<double>((to_ - from_).count());
    const double at = static_cast<double>((std::clamp(t, from_, to_) - from_).count());
    return kLabelWidth + at / span * (kWidth - kLabelWidth - kRightPad);
  }
  Timestamp from() const { return from_; }
  Timestamp to() const { return to_; }

 private:
  static constexpr std::chrono::minutes kMinSpan{1};
  Timestamp from_, to_;
};

std::string tick_label(Timestamp t, std::chrono::milliseconds span) {
  const auto text = format_rfc3339(std::chrono::floor<std::chrono::seconds>(t));
  // Spans over two days read best as dates; shorter ones need the time of day, short ones the
  // seconds.
  if (span > std::chrono::hours{48}) return text.substr(0, 10);
  if (span > std::chrono::minutes{20}) return text.substr(0, 10) + " " + text.substr(11, 5) + "Z";
  return text.substr(11, 8) + "Z";
}

// The legend: the same shapes and colours as the marks, under classes of their own so that
// counting marks (rect.scan-ok, path.sighting) counts only data.
void render_legend(std::ostringstream& out) {
  double x = kLabelWidth;
  const int y = 18;
  auto label = [&](const std::string& text, double width) {
    out << "<text x=\"" << num(x + 10) << "\" y=\"" << y << "\">" << text << "</text>";
    x += width;
  };
  for (const std::string status : {"ok", "partial", "failed"}) {
    out << "<rect class=\"legend-scan-" << status << "\" x=\"" << num(x) << "\" y=\"" << y - 11
        << "\" width=\"3\" height=\"14\"/>";
    label("scan " + status, 95);
  }
  for (const std::string confidence : {"confirmed", "likely"}) {
    out << "<path class=\"legend-sighting-" << confidence << "\" d=\"M" << num(x + 2) << " "
        << y - 12 << " L" << num(x + 8) << " " << y - 5 << " L" << num(x + 2) << " " << y + 2
        << " L" << num(x - 4) << " " << y - 5 << " Z\"/>";
    label(confidence + " sighting", 145);
  }
  out << "<rect class=\"window\" x=\"" << num(x) << "\" y=\"" << y - 11
      << "\" width=\"14\" height=\"14\"/>";
  x += 6;
  label("coverage window", 0);
  out << "\n";
}

struct Row {
  std::string source;
  const SourceCoverageReport* coverage = nullptr;
  std::vector<const Sighting*> sightings;
};

void render_timeline(std::ostringstream& out, const VerifyReport& r) {
  std::vector<Row> rows;
  std::map<std::string, std::size_t> index;
  for (const auto& c : r.coverage) {
    index[c.source] = rows.size();
    rows.push_back({c.source, &c, {}});
  }
  Timestamp from = r.since;
  for (const auto& s : r.sightings) {
    auto [it, added] = index.try_emplace(s.source, rows.size());
    if (added) rows.push_back({s.source, nullptr, {}});
    rows[it->second].sightings.push_back(&s);
    from = std::min(from, s.first_seen);
  }
  const TimeScale scale(from, r.as_of);
  const int plot_height = static_cast<int>(std::max<std::size_t>(rows.size(), 1)) * kRowHeight;
  const int height = kTopPad + plot_height + kAxisHeight;
  const double x0 = scale.x(scale.from());
  const double x1 = scale.x(scale.to());

  out << "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth
      << "\" height=\"" << height << "\" viewBox=\"0 0 " << kWidth << " " << height
      << "\" role=\"img\" aria-label=\"Scans and sightings per source\">\n";
  out << "<title>Scans and sightings per source, " << format_rfc3339(scale.from()) << " to "
      << format_rfc3339(scale.to()) << "</title>\n";
  // The coverage window, shaded.
  const double wx = scale.x(r.coverage_since);
  out << "<rect class=\"window\" x=\"" << num(wx) << "\" y=\"" << kTopPad << "\" width=\""
      << num(std::max(0.0, x1 - wx)) << "\" height=\"" << plot_height << "\"/>\n";
  render_legend(out);

  // Axis with ticks.
  const int axis_y = kTopPad + plot_height;
  out << "<line class=\"axis\" x1=\"" << num(x0) << "\" y1=\"" << axis_y << "\" x2=\"" << num(x1)
      << "\" y2=\"" << axis_y << "\"/>\n";
  constexpr int kTicks = 5;
  const auto span = scale.to() - scale.from();
  for (int i = 0; i < kTicks; ++i) {
    const auto t = scale.from() + span * i / (kTicks - 1);
    const double x = scale.x(t);
    const char* anchor = i == 0 ? "start" : i == kTicks - 1 ? "end" : "middle";
    out << "<line class=\"grid\" x1=\"" << num(x) << "\" y1=\"" << kTopPad << "\" x2=\"" << num(x)
        << "\" y2=\"" << axis_y + 5 << "\"/>";
    out << "<text class=\"tick\" x=\"" << num(x) << "\" y=\"" << axis_y + 20 << "\" text-anchor=\""
        << anchor << "\">" << tick_label(t, span) << "</text>\n";
  }

  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const int y = kTopPad + static_cast<int>(i) * kRowHeight;
    const int mid = y + kRowHeight / 2;
    out << "<g class=\"source-row\" data-source=\"" << h(row.source) << "\">\n";
    out << "<line class=\"grid\" x1=\"" << num(x0) << "\" y1=\"" << mid << "\" x2=\"" << num(x1)
        << "\" y2=\"" << mid << "\"/>";
    std::string label = row.source;
    if (label.size() > 24) label = label.substr(0, 23) + "\xE2\x80\xA6";
    out << "<text class=\"source-label\" x=\"6\" y=\"" << mid + 4 << "\">" << h(label);
    if (row.coverage && row.coverage->required && !row.coverage->covered) out << " \xE2\x9A\xA0";
    out << "</text>\n";
    if (row.coverage) {
      // Scans closer than a tick's width (seconds apart in a long window) share one tick, drawn
      // in the worst status among them, whose title counts them: one mark per 4 pixels at most.
      const auto& scans = row.coverage->scans;
      for (std::size_t a = 0; a < scans.size();) {
        const double x = scale.x(scans[a].started);
        std::size_t b = a;
        std::array<std::uint64_t, 3> by_status{};  // ok, partial, failed
        ScanStatus worst = ScanStatus::ok;
        while (b < scans.size() && scale.x(scans[b].started) < x + kTickPixels) {
          ++by_status[static_cast<std::size_t>(scans[b].status)];
          worst = std::max(worst, scans[b].status);
          ++b;
        }
        const auto status = scan_status_name(worst);
        out << "<rect class=\"scan scan-" << status << "\" x=\"" << num(x - 1.5) << "\" y=\""
            << y + 6 << "\" width=\"3\" height=\"" << kRowHeight - 12 << "\"";
        if (b - a > 1) out << " data-scans=\"" << b - a << "\"";
        out << "><title>";
        if (b - a == 1) {
          const auto& m = scans[a];
          out << format_rfc3339(m.started) << " " << status << ", " << m.entries_seen << " entries"
              << (m.error.empty() ? "" : ": " + h(m.error));
        } else {
          out << b - a << " scans, " << format_rfc3339(scans[a].started) << " to "
              << format_rfc3339(scans[b - 1].started) << ": " << by_status[0] << " ok, "
              << by_status[1] << " partial, " << by_status[2] << " failed";
          if (!scans[b - 1].error.empty()) out << "; last error: " << h(scans[b - 1].error);
        }
        out << "</title></rect>";
        a = b;
      }
      out << "\n";
    }
    for (const auto* s : row.sightings) {
      const auto confidence = confidence_name(s->confidence);
      const double xs = scale.x(s->first_seen);
      const double xe = scale.x(std::min(s->last_seen, r.as_of));
      if (xe > xs + 1) {
        out << "<line class=\"seen-span\" x1=\"" << num(xs) << "\" y1=\"" << mid << "\" x2=\""
            << num(xe) << "\" y2=\"" << mid << "\"/>";
      }
      out << "<path class=\"sighting sighting-" << confidence << "\" d=\"M" << num(xs) << " "
          << mid - 8 << " L" << num(xs + 7) << " " << mid << " L" << num(xs) << " " << mid + 8
          << " L" << num(xs - 7) << " " << mid << " Z\"><title>" << confidence << " at "
          << h(s->locator) << ", first seen " << format_rfc3339(s->first_seen)
          << "</title></path>\n";
    }
    out << "</g>\n";
  }
  out << "</svg>\n";
}

std::string percent_text(std::uint64_t part, std::uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", share(part, whole) * 100.0);
  return buf;
}

void render_exposure(std::ostringstream& out, const VerifyReport& r) {
  const auto& e = r.exposure;
  out << "<h2 id=\"exposure\">Exposure</h2>\n<p>As of " << format_rfc3339(r.as_of)
      << ": the distinct dataset files and record rows in confirmed or likely sightings, a union "
         "across sources and locators (never a sum), from "
      << e.sightings << " sighting(s).</p>\n";
  out << "<table id=\"exposure-table\"><thead><tr><th></th><th>seen</th><th>of</th><th>share</th>"
         "<th>first seen</th></tr></thead><tbody>\n";
  const auto row = [&](const char* name, const std::string& seen, const std::string& of,
                       const std::string& pct, const std::optional<Timestamp>& first) {
    out << "<tr class=\"exposure-" << name << "\"><td>" << name << "</td><td class=\"num\">" << seen
        << "</td><td class=\"num\">" << of << "</td><td class=\"num\">" << pct
        << "</td><td class=\"time\">" << opt_time(first) << "</td></tr>\n";
  };
  row("files", std::to_string(e.files), std::to_string(e.dataset_files),
      percent_text(e.files, e.dataset_files), e.files_first_seen);
  row("bytes", format_size(e.bytes), format_size(e.dataset_bytes),
      percent_text(e.bytes, e.dataset_bytes), e.files_first_seen);
  row("records", std::to_string(e.records), std::to_string(e.dataset_records),
      percent_text(e.records, e.dataset_records), e.records_first_seen);
  out << "</tbody></table>\n";
}

void render_sightings(std::ostringstream& out, const VerifyReport& r) {
  out << "<h2 id=\"sightings\">Sightings</h2>\n";
  if (r.sightings.empty()) {
    out << "<p>No sighting confirmed or likely as of " << format_rfc3339(r.as_of) << ".</p>\n";
  } else {
    out << "<table id=\"sighting-table\"><thead><tr><th>confidence</th><th>source</th>"
           "<th>locator</th><th>files</th><th>bytes</th><th>records</th><th>first seen</th>"
           "<th>last seen</th></tr></thead><tbody>\n";
    for (const auto& s : r.sightings) {
      out << "<tr class=\"sighting-row\"><td>" << confidence_name(s.confidence) << "</td><td>"
          << h(s.source) << "</td><td class=\"mono\">" << h(s.locator) << "</td><td class=\"num\">"
          << s.files_matched << "/" << s.dataset_files << "</td><td class=\"num\">"
          << format_size(s.bytes_matched) << "</td><td class=\"num\">" << s.records_matched
          << "</td><td class=\"time\">" << format_rfc3339(s.first_seen)
          << "</td><td class=\"time\">" << format_rfc3339(s.last_seen) << "</td></tr>\n";
    }
    out << "</tbody></table>\n";
  }
  for (std::size_t i = 0; i < r.sightings.size(); ++i) {
    const auto& s = r.sightings[i];
    out << "<h3>Evidence: " << confidence_name(s.confidence) << " at <span class=\"mono\">"
        << h(s.locator) << "</span></h3>\n";
    out << "<table class=\"evidence\" id=\"evidence-" << i + 1
        << "\"><thead><tr><th>kind</th><th>dataset file</th><th>remote path</th>"
           "<th>detail</th></tr></thead><tbody>\n";
    for (const auto& e : s.evidence) {
      out << "<tr><td>" << h(e.kind) << "</td><td class=\"mono\">" << h(e.file)
          << "</td><td class=\"mono\">" << h(e.remote_path) << "</td><td class=\"mono\">"
          << h(e.detail) << "</td></tr>\n";
    }
    out << "</tbody></table>\n";
    std::string also;
    for (const auto& seen : s.sources) {
      if (seen.source != s.source) also += (also.empty() ? "" : ", ") + h(seen.source);
    }
    if (!also.empty()) out << "<p class=\"also-seen\">Also seen by " << also << ".</p>\n";
    if (i < r.sighting_documents.size() && !r.sighting_documents[i].empty()) {
      out << "<table class=\"documents\"><thead><tr><th>index document</th><th>url</th>"
             "<th>fetched</th><th>sha256</th><th>bytes</th></tr></thead><tbody>\n";
      for (const auto& d : r.sighting_documents[i]) {
        out << "<tr><td>" << h(d.kind) << "</td><td class=\"mono\">" << h(d.url)
            << "</td><td class=\"time\">" << format_rfc3339(d.fetched_at)
            << "</td><td class=\"mono\">" << h(d.sha256) << "</td><td class=\"num\">" << d.size
            << "</td></tr>\n";
      }
      out << "</tbody></table>\n";
    }
  }
  if (r.possible_sightings) {
    out << "<p class=\"muted\">" << r.possible_sightings
        << " possible sighting(s) by name or pattern only: not evidence.</p>\n";
  }
  if (r.later_sightings) {
    out << "<p class=\"muted\">" << r.later_sightings
        << " confirmed or likely sighting(s) first seen after " << format_rfc3339(r.as_of)
        << ".</p>\n";
  }
}

std::string searched_cell(const SourceCoverageReport& row) {
  std::string urls;
  for (const auto& u : row.urls_scanned) urls += (urls.empty() ? "" : "<br>") + h(u);
  if (urls.empty()) urls = row.url.empty() ? "-" : h(row.url) + " (not scanned)";
  std::string via;
  for (const auto& p : row.proxies_used) {
    via += (via.empty() ? "" : ", ") + (p.empty() ? std::string("direct") : "proxy " + h(p));
  }
  if (via.empty()) via = row.proxy.empty() ? "direct" : "proxy " + h(row.proxy);
  return urls + "<br>via " + via;
}

void render_coverage(std::ostringstream& out, const VerifyReport& r) {
  out << "<h2 id=\"coverage\">Coverage</h2>\n<p>Scans from " << format_rfc3339(r.coverage_since)
      << " to " << format_rfc3339(r.as_of) << ".</p>\n";
  out << "<table id=\"coverage-table\"><thead><tr><th>source</th><th>status</th><th>scans</th>"
         "<th>ok</th><th>partial</th><th>failed</th><th>last success</th><th>entries</th>"
         "<th>content</th><th>searched</th><th>last error</th></tr></thead><tbody>\n";
  for (const auto& row : r.coverage) {
    const auto& c = row.coverage;
    const char* status = !row.configured ? "not configured"
                         : !row.enabled  ? "disabled"
                         : row.covered   ? "covered"
                                         : "NOT COVERED";
    std::string content = row.fetch_content.empty() ? "-" : row.fetch_content;
    if (c.content_checked) content += " (checked)";
    out << "<tr class=\"coverage-row" << (row.required && !row.covered ? " not-covered" : "")
        << "\"><td>" << h(row.source) << "</td><td>" << status << "</td><td class=\"num\">"
        << c.scans << "</td><td class=\"num\">" << c.ok << "</td><td class=\"num\">" << c.partial
        << "</td><td class=\"num\">" << c.failed << "</td><td class=\"time\">"
        << opt_time(c.last_success) << "</td><td class=\"num\">" << c.entries_last_success
        << "</td><td>" << h(content) << "</td><td class=\"searched mono\">" << searched_cell(row)
        << "</td><td>" << h(c.last_error) << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
  bool any = false;
  for (const auto& row : r.coverage) any |= !row.failures.empty();
  if (!any) return;
  out << "<h2 id=\"failures\">Failed and partial scans</h2>\n<table id=\"failure-table\"><thead>"
         "<tr><th>source</th><th>started</th><th>status</th><th>error</th></tr></thead><tbody>\n";
  for (const auto& row : r.coverage) {
    for (const auto& f : row.failures) {
      out << "<tr><td>" << h(row.source) << "</td><td class=\"time\">" << format_rfc3339(f.started)
          << "</td><td>" << scan_status_name(f.status) << "</td><td>" << h(f.error)
          << "</td></tr>\n";
    }
  }
  out << "</tbody></table>\n";
}

}  // namespace

std::string render_exposure_svg(const Exposure& e, Timestamp since, Timestamp as_of) {
  constexpr int kW = 420, kH = 220, kL = 44, kR = 12, kT = 26, kB = 34;
  const TimeScale time(since, as_of);
  const auto x = [&](Timestamp t) {
    const double span = static_cast<double>((time.to() - time.from()).count());
    const double at =
        static_cast<double>((std::clamp(t, time.from(), time.to()) - time.from()).count());
    return kL + at / span * (kW - kL - kR);
  };
  const auto y = [&](double fraction) { return kT + (1.0 - fraction) * (kH - kT - kB); };
  std::ostringstream out;
  out << "<svg id=\"exposure-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kW
      << "\" height=\"" << kH << "\" viewBox=\"0 0 " << kW << " " << kH
      << "\" role=\"img\" aria-label=\"Cumulative exposure\">\n<title>Cumulative exposure, share "
         "of "
         "the dataset, "
      << format_rfc3339(time.from()) << " to " << format_rfc3339(time.to()) << "</title>\n";
  out << "<text x=\"" << kL << "\" y=\"16\">Cumulative exposure (share of dataset)</text>\n";
  for (const int pct : {0, 50, 100}) {
    const double yy = y(pct / 100.0);
    out << "<line class=\"grid\" x1=\"" << kL << "\" y1=\"" << num(yy) << "\" x2=\"" << kW - kR
        << "\" y2=\"" << num(yy) << "\"/><text x=\"" << kL - 4 << "\" y=\"" << num(yy + 4)
        << "\" text-anchor=\"end\">" << pct << "%</text>\n";
  }
  const auto span = time.to() - time.from();
  out << "<text class=\"tick\" x=\"" << kL << "\" y=\"" << kH - 12 << "\">"
      << tick_label(time.from(), span) << "</text><text class=\"tick\" x=\"" << kW - kR << "\" y=\""
      << kH - 12 << "\" text-anchor=\"end\">" << tick_label(time.to(), span) << "</text>\n";
  // Steps: a level holds until the next point, the last until as_of.
  const auto steps = [&](const char* cls, auto value, std::uint64_t whole) {
    if (e.series.empty()) return;
    std::string d =
        "M" + num(x(e.series.front().at)) + " " + num(y(share(value(e.series.front()), whole)));
    for (std::size_t i = 1; i < e.series.size(); ++i) {
      d += " H" + num(x(e.series[i].at)) + " V" + num(y(share(value(e.series[i]), whole)));
    }
    d += " H" + num(x(time.to()));
    out << "<path class=\"" << cls << "\" d=\"" << d << "\"/>\n";
  };
  steps(
      "exposure-files", [](const ExposurePoint& p) { return p.files; }, e.dataset_files);
  if (e.dataset_records > 0) {
    steps(
        "exposure-records", [](const ExposurePoint& p) { return p.records; }, e.dataset_records);
  }
  out << "<text x=\"" << kL + 6 << "\" y=\"" << kT + 14 << "\" fill=\"#b42318\">files "
      << percent_text(e.files, e.dataset_files) << "</text>";
  if (e.dataset_records > 0) {
    out << "<text x=\"" << kL + 120 << "\" y=\"" << kT + 14 << "\" fill=\"#0969da\">records "
        << percent_text(e.records, e.dataset_records) << "</text>";
  }
  out << "\n</svg>\n";
  return out.str();
}

std::string render_html(const VerifyReport& r) {
  std::ostringstream out;
  const auto verdict = verdict_name(r.verdict);
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>leakwatch verify: "
      << h(r.dataset) << " \xE2\x80\x94 " << verdict << "</title>\n<style>" << kStyle
      << "</style>\n</head>\n<body>\n";
  out << "<h1>leakwatch verify: " << h(r.dataset) << "</h1>\n";
  out << "<p><span id=\"verdict\" class=\"verdict verdict-" << verdict << "\">" << verdict
      << "</span> <span class=\"muted\">exit code " << verdict_exit_code(r.verdict)
      << "</span></p>\n";
  out << "<dl class=\"facts\">\n<dt>Claim</dt><dd>" << h(r.claim) << "</dd>\n";
  out << "<dt>Why</dt><dd id=\"verdict-reason\">" << h(r.verdict_reason) << "</dd>\n";
  out << "<dt>Window</dt><dd>" << format_rfc3339(r.since) << " to " << format_rfc3339(r.as_of)
      << " (" << h(r.window_rule) << ")</dd>\n";
  if (r.coverage_since != r.since) {
    out << "<dt>Coverage from</dt><dd>" << format_rfc3339(r.coverage_since)
        << " (signature created or imported)</dd>\n";
  }
  if (!r.description.empty()) out << "<dt>Dataset</dt><dd>" << h(r.description) << "</dd>\n";
  out << "<dt>Signature</dt><dd>" << r.dataset_files << " file(s), created "
      << format_rfc3339(r.signature_created);
  if (r.signature_imported) out << ", imported " << format_rfc3339(*r.signature_imported);
  if (r.signature_replaced) out << ", replaced " << format_rfc3339(*r.signature_replaced);
  out << " (version " << r.signature_version << " of " << r.signature_versions << ")";
  out << "</dd>\n";
  out << "<dt>Generated</dt><dd>" << format_rfc3339(r.generated) << "</dd>\n</dl>\n";

  out << "<h2 id=\"timeline-heading\">Timeline</h2>\n<div class=\"charts\">\n";
  render_timeline(out, r);
  out << render_exposure_svg(r.exposure, r.since, r.as_of);
  out << "</div>\n";
  render_exposure(out, r);
  render_sightings(out, r);
  render_coverage(out, r);

  out << "<h2 id=\"limitations\">What this verdict cannot show</h2>\n<ul class=\"limits\">\n";
  if (r.limitations.empty()) out << "<li>Nothing noted.</li>\n";
  for (const auto& l : r.limitations) {
    out << "<li class=\"limitation\" data-kind=\"" << h(l.kind) << "\"><strong>" << h(l.kind)
        << "</strong>" << (l.source.empty() ? "" : " " + h(l.source) + ":") << " " << h(l.message)
        << "</li>\n";
  }
  out << "</ul>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace leakwatch::app
